"""A congress of INFORMS' size: how fast a first valid timetable, how much memory, how
much better after a minute.

Usage:
    python benchmarks/congress.py [--talks 5000] [--rooms 80] [--runs 3] [--seed 1]
                                  [--seconds 60]

`scheduler.generate.Congress` writes a three-day congress (5,000 talks of 20 minutes
in 80 rooms, five sessions a day of five slots in every room, each session holding
one of about 125 clusters chosen by the planner, 3,000+ speakers), read as a user's
file is. Each run is a fresh process solving with the default options and no
deterministic budget:

- first valid: the wall seconds from the definition read to the first timetable
  (stopped there);
- the capped run (--seconds): its wall seconds, the first and the final objective,
  the bound, and the process's peak resident memory.

Every timetable is re-checked by the validator. Figures are medians of --runs.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import statistics
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scheduler import validate
from scheduler.generate import Congress, published_congress
from scheduler.solver import Options, solve

#: a deterministic budget no run reaches: only the wall clock ends a capped run
UNBOUNDED = 1_000_000.0


def measure(shape: Congress, seed: int, cap: float, first: bool) -> dict:
    """One solve in this (fresh) process; with `first`, stopped at the first timetable."""
    festival, _ = published_congress(seed, shape)
    stop = threading.Event()
    found: list[tuple[float, int]] = []
    started = time.perf_counter()

    def on_progress(progress) -> None:
        found.append((time.perf_counter() - started, progress.objective))
        if first:
            stop.set()

    result = solve(
        festival, Options(time_limit=UNBOUNDED, max_seconds=cap), on_progress=on_progress, stop=stop
    )
    wall = time.perf_counter() - started
    timetable = result.timetable
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if timetable is None:
        return {"wall": wall, "valid": False, "peak": peak}
    return {
        "wall": wall,
        "first": found[0] if found else None,
        "valid": not validate.violations(festival, timetable),
        "objective": timetable.objective,
        "bound": timetable.bound,
        "peak": peak,
    }


def isolated(*args) -> dict:
    with ProcessPoolExecutor(1, mp_context=mp.get_context("spawn")) as pool:
        return pool.submit(measure, *args).result()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--talks", type=int, default=5000)
    parser.add_argument("--rooms", type=int, default=80)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    shape = Congress(talks=args.talks, venues=args.rooms)
    firsts = [isolated(shape, args.seed, args.seconds, True) for _ in range(args.runs)]
    capped = [isolated(shape, args.seed, args.seconds, False) for _ in range(args.runs)]
    runs = firsts + capped
    valid = all(r["valid"] for r in runs)

    def median(rows: list[dict], pick) -> float:
        return statistics.median(pick(r) for r in rows)

    print(
        f"| talks × rooms | first valid (s) | first objective | objective at {args.seconds:g} s "
        "| bound | wall (s) | peak memory (MB) | all valid |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|:-:|")
    print(
        f"| {args.talks} × {args.rooms} | {median(firsts, lambda r: r['first'][0]):.2f} | "
        f"{median(firsts, lambda r: r['first'][1]):,.0f} | "
        f"{median(capped, lambda r: r['objective']):,.0f} | "
        f"{median(capped, lambda r: r['bound']):,.0f} | "
        f"{median(capped, lambda r: r['wall']):.1f} | "
        f"{max(r['peak'] for r in runs):,.0f} | {'yes' if valid else 'NO'} |"
    )


if __name__ == "__main__":
    main()
