"""Time publishing a planned programme: every feed rendered and written, then an
unchanged re-publication.

Usage:
    python benchmarks/publish_feeds.py [--sessions 1000] [--people 840] [--runs 5]
                                       [--seed 1] [--before TREE]

`scheduler.generate` writes a programme of that many sessions and people (one
feed per person, track and venue: about 900 feeds at the defaults) with a valid
timetable (checked by the validator). Each run is a fresh process (the package
of the tree under test on PYTHONPATH) that runs `plan.plan()` with the solve
replaced by that timetable, so the figures are everything after the solve:
reading the published plan, revisions, rendering the page, timetable.json and
the feeds, and publishing into the folder (the disk is flushed with `os.sync()`
before each, so that what an earlier run left to write or delete is not billed
to the next). It times a first publication into an
empty folder, then the same plan published again into it, unchanged. With
--before TREE (another checkout), runs alternate between TREE and this one.
Prints medians (min–max).
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

import paired

#: run in a fresh process of the tree under test; prints one JSON line
PROBE = """
import json, os, sys, tempfile, time
from datetime import UTC, datetime
from scheduler import generate, solver, validate
from scheduler import plan as planning
from scheduler.model import Status

sessions, people, seed = (int(a) for a in sys.argv[1:4])
shape = generate.Shape(
    sessions=sessions, venues=40, people=people, tracks=12,
    days=max(3, sessions // 50), cities=4, rules=0.2,
)
festival, timetable = generate.published(seed, shape)
assert validate.violations(festival, timetable) == []
timetable = planning.replace(
    timetable, objective=validate.score(festival, timetable)["total"], status=Status.FEASIBLE
)

def schedule(festival, **_):
    return solver.Result(Status.FEASIBLE, timetable, 0.0), timetable

planning.schedule = schedule
at = datetime(2023, 9, 1, tzinfo=UTC)
with tempfile.TemporaryDirectory() as folder:
    os.sync()  # what earlier runs left to write or delete is not billed to this one
    started = time.perf_counter()
    first = planning.plan(festival, out=folder, at=at)
    middle = time.perf_counter()
    os.sync()
    resumed = time.perf_counter()
    again = planning.plan(festival, out=folder, at=at)
    ended = time.perf_counter()
feeds = sum(1 for p in first.published.written if p.endswith(".ics"))
print(json.dumps({
    "first": middle - started, "again": ended - resumed, "feeds": feeds,
    "rewritten": len(again.published.written),
}))
"""


def measure(tree: Path, sessions: int, people: int, seed: int) -> dict:
    return paired.probe(tree, PROBE, sessions, people, seed)


def figure(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} s ({min(values):.2f}–{max(values):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--people", type=int, default=840)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--before", type=Path)
    args = parser.parse_args()
    checkouts = paired.trees(args.before)
    found = paired.alternate(
        args.runs, checkouts, lambda tree: measure(tree, args.sessions, args.people, args.seed)
    )
    feeds = found["now"][0]["feeds"]
    print(f"{args.sessions} sessions, {feeds} feeds; {paired.machine(args.runs)}\n")
    print("| checkout | first publication | unchanged re-publication | files rewritten |")
    print("|---|---:|---:|---:|")
    for label, runs in found.items():
        first = figure([r["first"] for r in runs])
        again = figure([r["again"] for r in runs])
        print(f"| {label} | {first} | {again} | {runs[0]['rewritten']} |")


if __name__ == "__main__":
    main()
