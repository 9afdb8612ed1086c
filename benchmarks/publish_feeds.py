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
before each, so that what an earlier run left to write is not billed to the
next). It times a first publication into an empty folder, then the same plan
published again into it, unchanged. With --before TREE (another checkout), runs
alternate between TREE and this one. Prints medians (min–max) of the wall time
and of the process's CPU time (user + system) over the same span.

Every run publishes into its own folder under one scratch folder that is
deleted only after the last run: on a file system whose inode allocator skips
recently deleted inodes (ext4 without a journal, as on the development VM),
creating a file right after thousands were deleted costs up to 0.7 ms of
system time, against 0.04 ms otherwise, which would bill one run's clean-up
to the next.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import tempfile
from pathlib import Path

import paired

#: run in a fresh process of the tree under test; prints one JSON line
PROBE = """
import json, os, sys, time
from datetime import UTC, datetime
from scheduler import generate, penalties, solver, validate
from scheduler import plan as planning
from scheduler.model import Status

sessions, people, seed = (int(a) for a in sys.argv[1:4])
folder = sys.argv[4]
shape = generate.Shape(
    sessions=sessions, venues=40, people=people, tracks=12,
    days=max(3, sessions // 50), cities=4, rules=0.2,
)
festival, timetable = generate.published(seed, shape)
assert validate.violations(festival, timetable) == []
timetable = planning.replace(
    timetable, objective=penalties.score(festival, timetable)["total"], status=Status.FEASIBLE
)

def schedule(festival, **_):
    return solver.Result(Status.FEASIBLE, timetable, 0.0), timetable

planning.schedule = schedule
at = datetime(2023, 9, 1, tzinfo=UTC)
os.sync()  # what earlier runs left to write is not billed to this one
started, cpu_started = time.perf_counter(), time.process_time()
first = planning.plan(festival, out=folder, at=at)
middle, cpu_middle = time.perf_counter(), time.process_time()
os.sync()
resumed, cpu_resumed = time.perf_counter(), time.process_time()
again = planning.plan(festival, out=folder, at=at)
ended, cpu_ended = time.perf_counter(), time.process_time()
feeds = sum(1 for p in first.published.written if p.endswith(".ics"))
print(json.dumps({
    "first": middle - started, "again": ended - resumed, "feeds": feeds,
    "first_cpu": cpu_middle - cpu_started, "again_cpu": cpu_ended - cpu_resumed,
    "rewritten": len(again.published.written),
}))
"""


def measure(tree: Path, sessions: int, people: int, seed: int, folder: Path) -> dict:
    return paired.probe(tree, PROBE, sessions, people, seed, folder)


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
    with tempfile.TemporaryDirectory() as scratch:  # deleted after the last run
        numbers = itertools.count()
        found = paired.alternate(
            args.runs,
            checkouts,
            lambda tree: measure(
                tree, args.sessions, args.people, args.seed, Path(scratch) / str(next(numbers))
            ),
        )
    feeds = found["now"][0]["feeds"]
    print(f"{args.sessions} sessions, {feeds} feeds; {paired.machine(args.runs)}\n")
    print(
        "| checkout | first publication | its CPU time | unchanged re-publication "
        "| its CPU time | files rewritten |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for label, runs in found.items():
        cells = [
            figure([r[key] for r in runs]) for key in ("first", "first_cpu", "again", "again_cpu")
        ]
        print(f"| {label} | {' | '.join(cells)} | {runs[0]['rewritten']} |")


if __name__ == "__main__":
    main()
