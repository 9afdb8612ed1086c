"""Write what `festival plan` publishes for many definitions, to compare two versions.

    python tests/snapshot.py OUT        # then: diff -r OUT-before OUT-after

Cases: the default festival, 50 generated festivals and 10 generated conference
programmes (sizes up to the neighbourhood-search path), each planned from
scratch and then re-planned after one venue closes for a day, with the first
plan as the published baseline. Every published file is written, plus
`summary.txt` with the status, the score, the moves and the change report.
Explanations of infeasible definitions are left out: their wording may change.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from scheduler import config, days, diff, generate, plan

AT = datetime(2026, 1, 1, tzinfo=UTC)
DEFAULT = Path(__file__).resolve().parents[1] / "config" / "festival.toml"
PROGRAMMES = (40, 60, 80, 100, 150, 200, 300, 450, 700, 1000)


def cases():
    yield "default", config.load(DEFAULT)
    for seed in range(50):
        yield f"festival-{seed:02d}", generate.published(seed)[0]
    for seed, size in enumerate(PROGRAMMES):
        shape = generate.Programme(sessions=size)
        yield f"programme-{size}", generate.published_programme(seed, shape)[0]


def record(folder: Path, festival, baseline: Path | None) -> plan.Plan | None:
    folder.mkdir(parents=True)
    try:
        done = plan.plan(festival, out=None, baseline=baseline, at=AT)
    except plan.NoTimetable as error:
        (folder / "summary.txt").write_text(f"no timetable: {error.result.status}\n")
        return None
    files = plan.outputs(done.festival, done.timetable, done.entries)
    for relative, data in files.items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_bytes(data)
    zone = ZoneInfo(festival.timezone)
    summary = [
        f"status {done.timetable.status} objective {done.timetable.objective}",
        f"score {dict(done.score)}",
        f"moves {dict(done.timetable.moves)}",
        diff.render(list(done.changes), zone),
    ]
    (folder / "summary.txt").write_text("\n".join(summary) + "\n")
    return done


def main(out: str) -> None:
    root = Path(out)
    for name, festival in cases():
        done = record(root / name / "plan", festival, None)
        if done is not None and done.timetable.placements:
            first = min(done.timetable.placements, key=lambda p: (p.start, p.venue))
            day = days.local_date(festival, first.start)
            closed = generate.close_for_day(festival, first.venue, day)
            record(root / name / "replan", closed, root / name / "plan" / "timetable.json")
        print(name, flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
