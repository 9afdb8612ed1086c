"""Import a published programme and plan it from scratch: how long, and how much of
the published programme the plan keeps.

Usage:
    python benchmarks/import_plan.py [--talks 900] [--rooms 35] [--days 2] [--step 5]
                                     [--runs 3] [--seed 1] [--fixed]

For each run (seeds --seed, --seed+1, ...), `scheduler.generate` writes a conference of
--talks talks of 15 to 50 minutes (`generate.SHORT_TALKS`) in --rooms rooms over
--days days on a --step-minute grid, with a valid timetable; that timetable is
exported as `schedule.xml` by our own writer (`writers.frab`), as a programme tool
would publish it. In a fresh process, `festival import` (the library call) turns it
into a definition, and `plan()` plans it from scratch with the default options (no
baseline: the published places are only the sessions' wishes, or `fixed` with
--fixed). Prints, per run and as medians: the import's time, the plan's wall time
(process start excluded), and how many talks are in their published room, and at
their published start too. The timetable is re-checked by the validator as every
plan is.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

import paired

PROBE = """
import json, sys, time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo
from scheduler import config, frab_reader, generate, importer, revisions
from scheduler import plan as planning
from scheduler.writers import frab

talks, rooms, days, step, seed, fixed = (int(a) for a in sys.argv[1:7])
folder = Path(sys.argv[7])
shape = generate.Programme(
    sessions=talks, venues=rooms, days=days, step=step, durations=generate.SHORT_TALKS
)
festival, timetable = generate.published_programme(seed, shape)
at = datetime(2023, 9, 1, tzinfo=UTC)
entries = revisions.revise(festival, timetable, {}, at)
path = folder / "schedule.xml"
path.write_bytes(frab.render_xml(frab.document(festival, entries)))
started = time.perf_counter()
imported = importer.definition(frab_reader.read(path), fixed=bool(fixed))
definition = config.loads(imported.text)
imported_at = time.perf_counter()
plan = planning.plan(definition, out=None, at=at)
planned = time.perf_counter()
zone = ZoneInfo(definition.timezone)
in_room = at_start = 0
for p in plan.timetable.placements:
    s = definition.session(p.session)
    local = p.start.astimezone(zone)
    room = s.fixed.venue if s.fixed else s.wishes[0].venues[0]
    if s.fixed:
        start_kept = p.start == s.fixed.start
    else:
        when = s.wishes[1]
        start_kept = local.date() in when.dates and local.hour * 60 + local.minute == when.time[0]
    in_room += p.venue == room
    at_start += p.venue == room and start_kept
print(json.dumps({
    "import": imported_at - started, "plan": planned - imported_at,
    "sessions": len(definition.sessions), "people": len(definition.people),
    "problems": len(imported.problems), "in_room": in_room, "at_start": at_start,
    "status": str(plan.result.status),
}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--talks", type=int, default=900)
    parser.add_argument("--rooms", type=int, default=35)
    parser.add_argument("--days", type=int, default=2)
    parser.add_argument("--step", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fixed", action="store_true")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for run in range(args.runs):
            folder = Path(scratch) / str(run)
            folder.mkdir()
            seed = args.seed + run
            found = paired.probe(
                paired.ROOT,
                PROBE,
                args.talks,
                args.rooms,
                args.days,
                args.step,
                seed,
                int(args.fixed),
                folder,
            )
            rows.append((seed, found))
    print(
        f"{args.talks} talks, {args.rooms} rooms, {args.days} days, {args.step}-minute grid"
        f"{', --fixed' if args.fixed else ''}; {paired.machine(args.runs)}\n"
    )
    print("| seed | sessions | people | problems | import | plan | status | in room | at start |")
    print("|---:|---:|---:|---:|---:|---:|---|---:|---:|")
    for seed, r in rows:
        print(
            f"| {seed} | {r['sessions']} | {r['people']} | {r['problems']} | {r['import']:.2f} s "
            f"| {r['plan']:.1f} s | {r['status']} | {r['in_room']} | {r['at_start']} |"
        )
    median = statistics.median
    print(
        f"\nmedians: import {median(r['import'] for _, r in rows):.2f} s, "
        f"plan {median(r['plan'] for _, r in rows):.1f} s"
    )


if __name__ == "__main__":
    main()
