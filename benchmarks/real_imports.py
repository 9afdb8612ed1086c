"""Import real exports, plan them, publish them, and check what conference apps read back.

Usage:
    python benchmarks/real_imports.py --fosdem PATH [--voc-examples DIR]
                                      [--max-seconds 60] [--runs 1]

--fosdem is FOSDEM 2020's `schedule.xml` as FOSDEM published it (Pentabarf's export:
Brussels wall-clock times, no time zone, HTML abstracts; kept in public repositories of
FOSDEM apps, e.g. `App/Tests/Resources/Schedules/2020.xml` of mttcrsp/fosdem).
--voc-examples is the `validator/json/examples` folder of the public c3voc schedule
repository (github.com/voc/schedule): pretalx's demo export, a pretalx event, frab's
Camp 2019 and a "schedule 2" document. Neither is copied into this project.

For FOSDEM: `festival import --timezone Europe/Brussels`, `festival plan
--max-seconds`, then: how many events start at FOSDEM's own wall-clock time in
Brussels, `<conference>`'s venue and city, abstracts or descriptions still holding
HTML, and what c3voc-schedule-tools and pyfahrplan show of the published
`schedule.json` (every event, every speaker; tests/app_readers.py in
.cache/app-readers, which `pytest tests/test_apps.py` makes). For each example:
the import's exit code and problems, and the plan's. Times are wall-clock seconds of
the whole command, in a fresh process each.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from xml.etree import ElementTree

import paired

ROOT = paired.ROOT
READERS = ROOT / ".cache" / "app-readers" / "bin" / "python"


def festival(*args: str) -> tuple[int, float, str]:
    """Run `festival ARGS` in a fresh process: exit code, seconds, stderr."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "scheduler", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode, time.perf_counter() - started, done.stderr


def fosdem(path: Path, folder: Path, max_seconds: float) -> dict:
    definition, out = folder / "fosdem.toml", folder / "calendars"
    code, imported, said = festival(
        "import", str(path), "--timezone", "Europe/Brussels", "-o", str(definition), "--force"
    )
    if code:
        raise SystemExit(f"import failed: {said}")
    code, planned, said = festival(
        "plan", str(definition), "--out", str(out), "-q", "--max-seconds", str(max_seconds)
    )
    if code:
        raise SystemExit(f"plan failed: {said}")
    source = ElementTree.parse(path).getroot()
    wall = {}
    for day in source.findall("day"):
        for event in day.iter("event"):
            wall[int(event.get("id"))] = (day.get("date"), event.findtext("start"))
    published = json.loads((out / "timetable.json").read_text(encoding="utf-8"))
    same = sum(
        (datetime.fromisoformat(s["start"]).date().isoformat(),
         datetime.fromisoformat(s["start"]).strftime("%H:%M")) == wall.get(s["number"])
        for s in published["sessions"]
    )  # fmt: skip
    exported = ElementTree.parse(out / "schedule.xml").getroot().find("conference")
    text = (out / "schedule.json").read_text(encoding="utf-8")
    document = json.loads(text)
    events = [
        e
        for d in document["schedule"]["conference"]["days"]
        for listed in d["rooms"].values()
        for e in listed
    ]
    html = sum(bool(re.search(r"</?(p|ul|li|a|b)\b", e["abstract"] + e["description"]))
               for e in events)  # fmt: skip
    found = {
        "import_s": imported,
        "plan_s": planned,
        "events": len(events),
        "at_fosdem_wall_clock": same,
        "venue": exported.findtext("venue"),
        "city": exported.findtext("city"),
        "with_html_left": html,
        "with_speakers": sum(bool(e["persons"]) for e in events),
        "persons": len({p["id"] for e in events for p in e["persons"]}),
        "status": published["solver"]["status"],
        "objective": published["solver"]["objective"],
    }
    if READERS.exists():
        shown = json.loads(
            subprocess.run(
                [str(READERS), str(ROOT / "tests" / "app_readers.py"), str(out / "schedule.json")],
                capture_output=True, text=True, check=True, cwd=out,
            ).stdout
        )  # fmt: skip
        expected = {e["guid"]: [p["name"] for p in e["persons"]] for e in events}
        found["c3voc_same_speakers"] = sum(shown["c3voc"].get(g) == n for g, n in expected.items())
        found["pyfahrplan_same_speakers"] = sum(
            shown["pyfahrplan"].get(g) == ", ".join(n) for g, n in expected.items()
        )
    return found


def examples(folder: Path, work: Path, max_seconds: float) -> list[str]:
    lines = []
    for path in sorted(folder.glob("*.json")):
        definition = work / f"{path.stem}.toml"
        code, seconds, said = festival("import", str(path), "-o", str(definition), "--force")
        problems = said.count("Warning: ")
        line = f"{path.name}: import exit {code} in {seconds:.2f} s, {problems} problem(s)"
        if code == 0:
            code, seconds, said = festival(
                "plan", str(definition), "--out", str(work / path.stem), "-q",
                "--max-seconds", str(max_seconds),
            )  # fmt: skip
            line += f"; plan exit {code} in {seconds:.2f} s"
        else:
            line += f": {said.strip().splitlines()[-1][:160]}"
        lines.append(line)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fosdem", type=Path, required=True)
    parser.add_argument("--voc-examples", type=Path)
    parser.add_argument("--max-seconds", type=float, default=60.0)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    print(paired.machine(args.runs))
    runs = []
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(args.runs):
            runs.append(fosdem(args.fosdem, Path(folder), args.max_seconds))
        if args.voc_examples:
            for line in examples(args.voc_examples, Path(folder), args.max_seconds):
                print(line)
    for key in runs[0]:
        values = [run[key] for run in runs]
        if all(isinstance(v, float) for v in values):
            shown = f"median {statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"
        else:
            shown = ", ".join(str(v) for v in values)
        print(f"FOSDEM 2020 {key}: {shown}")


if __name__ == "__main__":
    main()
