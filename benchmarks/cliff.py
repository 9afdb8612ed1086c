"""Time to the first valid timetable and to the end of the solve, across the size at
which a solve turns from one whole model to neighbourhoods (`solver.LARGE`).

Usage:
    python benchmarks/cliff.py [--talks 410,420,...,500] [--seeds 3] [--runs 1]
                               [--max-seconds 150] [--before TREE]

For each number of talks, `scheduler.generate` writes 3-day conferences (one
room per 20 talks), one per seed (1 to --seeds: a search that stalls ends early,
so one programme's end says more about it than about its size); the table
gives their median size (`solver.size_of`: eligible
session–venue pairs and weighed pairs) and the path taken. Each run is a fresh
process that solves with the default options (plus a wall-clock cap,
--max-seconds, so that no run goes on for ever) and records the wall time from
`solve()`'s start to its first progress report and to its end, the objective
and whether the validator accepts the timetable. Prints medians over seeds and
runs as a Markdown table, then the largest ratio between neighbouring sizes for
both figures.
"""

from __future__ import annotations

import argparse
import statistics
from itertools import pairwise
from pathlib import Path

import paired

#: run in a fresh process of the tree under test; prints one JSON line
PROBE = """
import json, sys, time
from scheduler import validate
from scheduler.generate import Programme, published_programme
from scheduler.solver import LARGE, Options, size_of, solve, starts_table

talks, seed, cap = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
festival, _ = published_programme(seed, Programme(sessions=talks))
size = size_of(festival, starts_table(festival))
first = []

def on_progress(progress):
    if not first:
        first.append(time.perf_counter())

started = time.perf_counter()
result = solve(festival, Options(max_seconds=cap), on_progress=on_progress)
ended = time.perf_counter()
valid = result.timetable is not None and not validate.violations(festival, result.timetable)
print(json.dumps({
    "size": size, "path": "neighbourhoods" if size > LARGE else "whole model",
    "first": first[0] - started if first else None, "end": ended - started,
    "objective": result.timetable.objective if result.timetable else None,
    "status": str(result.status), "clock": result.stopped_by_clock, "valid": valid,
}))
"""


def measure(tree: Path, talks: int, seed: int, cap: float) -> dict:
    return paired.probe(tree, PROBE, talks, seed, cap)


def median(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if len(known) == len(values) else None


def seconds(value: float | None) -> str:
    return "none" if value is None else f"{value:.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--talks", default=",".join(str(n) for n in range(410, 501, 10)))
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--max-seconds", type=float, default=150.0)
    parser.add_argument("--before", type=Path, help="another checkout to time alongside")
    args = parser.parse_args()
    checkouts = paired.trees(args.before)
    print(f"{paired.machine(args.runs)}; wall-clock cap {args.max_seconds:g} s\n")
    print("| checkout | talks | size | path | first valid | end | objective | valid |")
    print("|---|---:|---:|---|---:|---:|---:|:-:|")
    rows: dict[str, list[tuple[float | None, float | None]]] = {label: [] for label in checkouts}
    for talks in (int(n) for n in args.talks.split(",")):
        found: dict[str, list[dict]] = {label: [] for label in checkouts}
        for seed in range(1, args.seeds + 1):
            runs = paired.alternate(
                args.runs,
                checkouts,
                lambda tree, talks=talks, seed=seed: measure(tree, talks, seed, args.max_seconds),
            )
            for label, measured in runs.items():
                found[label] += measured
        for label, runs in found.items():
            first = median([r["first"] for r in runs])
            end = median([r["end"] for r in runs])
            rows[label].append((first, end))
            objective = statistics.median(r["objective"] or 0 for r in runs)
            clock = " (clock)" if any(r["clock"] for r in runs) else ""
            valid = "yes" if all(r["valid"] for r in runs) else "NO"
            print(
                f"| {label} | {talks} | {statistics.median(r['size'] for r in runs):,.0f} | "
                f"{'/'.join(sorted({r['path'] for r in runs}))} | "
                f"{seconds(first)} | {seconds(end)}{clock} | {objective:,.0f} | {valid} |",
                flush=True,
            )
    for label, figures in rows.items():
        for name, index in (("first valid", 0), ("end", 1)):
            values = [f[index] for f in figures]
            steps = [
                max(a, b) / min(a, b)
                for a, b in pairwise(values)
                if a is not None and b is not None and min(a, b) > 0
            ]
            if steps:
                print(f"{label}: largest step in time to {name} {max(steps):.1f}x")


if __name__ == "__main__":
    main()
