"""Slot-grid programmes: how fast a first valid timetable, and how close to optimal.

Usage:
    python benchmarks/slots.py [--shapes 150x10/1,1000x40/0,1000x40/1/1,1000x40/1]
                               [--runs 3] [--seed 1] [--seconds 60]

For each shape TALKSxROOMS/BLOCKS/NAMED, `scheduler.generate` writes a 3-day
conference in which every room has a slot grid (`[[venues]] slots`, per date),
read as a user's file is. With BLOCKS 1, each half-day of every room holds one
track (`one_track_per_block`); NAMED is the share of those blocks whose track
`[[blocks]]` names (0: the solver chooses every block's track).
Each run is a fresh process solving with the default options and a wall-clock
cap of --seconds (no deterministic budget):

- first valid: the wall seconds to the first timetable (stopped there), or none
  within --seconds;
- the capped run: when it was proven optimal, or its objective, bound and gap
  when the cap ended it.

Every timetable is re-checked by the validator. Figures are medians of --runs.
Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing as mp
import statistics
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scheduler import validate
from scheduler.generate import Programme, published_programme
from scheduler.solver import Options, solve

#: a deterministic budget no run reaches: only the wall clock ends a capped run
UNBOUNDED = 1_000_000.0


def measure(shape: Programme, seed: int, cap: float, first: bool) -> dict:
    """One solve in this (fresh) process, capped at `cap` seconds; with `first`, stopped at
    the first timetable."""
    festival, _ = published_programme(seed, shape)
    assert all(v.has_slots for v in festival.venues)
    stop = threading.Event()

    def on_progress(progress) -> None:
        if first:
            stop.set()

    options = Options(time_limit=UNBOUNDED, max_seconds=cap)
    started = time.perf_counter()
    result = solve(festival, options, on_progress=on_progress, stop=stop)
    wall = time.perf_counter() - started
    timetable = result.timetable
    if timetable is None:
        return {"wall": wall, "valid": False}
    return {
        "wall": wall,
        "valid": not validate.violations(festival, timetable),
        "optimal": result.proven_optimal,
        "objective": timetable.objective,
        "bound": timetable.bound,
    }


def isolated(*args) -> dict:
    with ProcessPoolExecutor(1, mp_context=mp.get_context("spawn")) as pool:
        return pool.submit(measure, *args).result()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", default="150x10/1,1000x40/0,1000x40/1/1,1000x40/1")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    print(
        "| talks × rooms | track blocks | first valid (s) | proven optimal in (s) | "
        f"objective / bound at {args.seconds:g} s | all valid |"
    )
    print("|---|---|---:|---:|---:|:-:|")
    for spec in args.shapes.split(","):
        size, *rest = spec.split("/")
        talks, rooms = (int(n) for n in size.split("x"))
        blocks = float(rest[0]) if rest else 1.0
        named = float(rest[1]) if len(rest) > 1 else 0.0
        shape = Programme(
            sessions=talks, venues=rooms, slots=1.0, blocks=blocks, named_blocks=named
        )
        kind = "none" if not blocks else f"every half-day, {named:.0%} named"
        firsts = [isolated(shape, args.seed, args.seconds, True) for _ in range(args.runs)]
        capped = [isolated(shape, args.seed, args.seconds, False) for _ in range(args.runs)]
        found = [r for r in firsts + capped if "objective" in r]
        valid = all(r["valid"] for r in found)
        if not found:
            print(
                f"| {talks} × {rooms} | {kind} | none in {args.seconds:g} s | – | – | – |",
                flush=True,
            )
            continue
        first = statistics.median(r["wall"] if "objective" in r else math.inf for r in firsts)
        proven = [r["wall"] for r in capped if r.get("optimal")]
        optimum = f"{statistics.median(proven):.1f}" if len(proven) == len(capped) else "–"
        objective = statistics.median(r.get("objective", math.inf) for r in capped)
        bound = statistics.median(r.get("bound", 0) for r in capped)
        gap = f" ({1 - bound / objective:.0%} gap)" if 0 < objective < math.inf else ""
        print(
            f"| {talks} × {rooms} | {kind} | {first:.2f} | {optimum} | "
            f"{objective:,.0f} / {bound:,.0f}{gap} | {'yes' if valid else 'NO'} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
