"""How well plans keep attendees' chosen talks apart, and how fast.

Usage:
    python benchmarks/attendees.py [--sizes 200,400,1000] [--attendees 2000]
                                   [--runs 3] [--seed 1] [--at 10,60]

For each size N, `scheduler.generate` writes a conference of N talks over 3
days with an interest file of `--attendees` attendees choosing 5 to 20 talks
each (popular talks more often) and `[weights] attendee_clash = 1`, read as a
user's files are. Each measurement runs `solver.solve` with the default options
in a fresh process:

- first: stopped at the first valid timetable (wall seconds to it, its clashes);
- at each of `--at` seconds: a wall-clock cap of that many seconds (and no
  deterministic budget), the clashes and attendees with a clash of the result,
  its objective and the solver's bound on the objective (gap = 1 - bound/objective);
- ignoring interest: the same programme with `attendee_clash = 0` under the
  last cap, then scored with it by the validator (clashes, and the total
  objective with attendee_clash = 1).

Clash counts are (attendee, pair of chosen talks) that overlap, counted by the
validator from the published timetable. Every timetable is re-checked by the
validator. With --runs R, each figure is the median of R runs (the solver is
deterministic, but wall-clock caps are not). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scheduler import penalties, validate
from scheduler.generate import Programme, published_programme
from scheduler.model import Festival
from scheduler.solver import Options, solve

#: a deterministic budget no run reaches: only the wall clock ends a capped run
UNBOUNDED = 1_000_000.0


def instance(sessions: int, attendees: int, seed: int) -> Festival:
    """The generated programme with its attendees' choices, as a user's files read."""
    festival, _ = published_programme(seed, Programme(sessions=sessions, attendees=attendees))
    return festival


def without_interest(festival: Festival) -> Festival:
    """The same programme with attendee clashes weighed at nothing."""
    return replace(festival, weights=replace(festival.weights, attendee_clash=0))


def measure(sessions: int, attendees: int, seed: int, cap: float | None, ignore: bool) -> dict:
    """One solve in this (fresh) process: stopped at the first timetable when `cap` is None."""
    festival = instance(sessions, attendees, seed)
    solved_for = without_interest(festival) if ignore else festival
    stop = threading.Event()
    first: list[float] = []

    def on_progress(progress) -> None:
        first.append(progress.elapsed)
        if cap is None:
            stop.set()

    started = time.perf_counter()
    if cap is None:
        options = Options(time_limit=UNBOUNDED)
    else:
        options = Options(time_limit=UNBOUNDED, max_seconds=cap)
    result = solve(solved_for, options, on_progress=on_progress, stop=stop)
    wall = time.perf_counter() - started
    timetable = result.timetable
    if timetable is None:
        return {"wall": wall, "found": False}
    problems = validate.violations(festival, timetable)
    total = penalties.score(festival, timetable)["total"]
    clashes = validate_clashes(festival, timetable)
    return {
        "found": True,
        "valid": not problems,
        "wall": wall,
        "first": wall if cap is None else None,
        "clashes": clashes[0],
        "attendees": clashes[1],
        "objective": total,
        "bound": None if ignore else timetable.bound,
    }


def validate_clashes(festival: Festival, timetable) -> tuple[int, int]:
    """(clashes, attendees with one) of `timetable`, as the published summary counts them."""
    from scheduler.plan import attendee_clashes

    counted = attendee_clashes(festival, timetable)
    return (counted.clashes, counted.attendees) if counted else (0, 0)


def isolated(*args) -> dict:
    """`measure(*args)` in a fresh process, so that no run warms another's caches."""
    with ProcessPoolExecutor(1, mp_context=mp.get_context("spawn")) as pool:
        return pool.submit(measure, *args).result()


def median(runs: list[dict], key: str) -> float | None:
    values = [run[key] for run in runs if run.get(key) is not None]
    return statistics.median(values) if values else None


def fmt(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200,400,1000")
    parser.add_argument("--attendees", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--at", default="10,60", help="wall-clock caps, seconds")
    args = parser.parse_args()
    caps = [float(c) for c in args.at.split(",")]
    print(
        "| talks | first valid (s) | its clashes | "
        + " | ".join(f"clashes at {c:g} s | objective / bound at {c:g} s" for c in caps)
        + f" | ignoring interest at {caps[-1]:g} s: clashes / objective | all valid |"
    )
    print("|---:|---:|---:|" + "---:|---:|" * len(caps) + "---:|:-:|")
    for size in (int(s) for s in args.sizes.split(",")):
        measured: dict[str, list[dict]] = {}
        for _ in range(args.runs):
            runs = {"first": isolated(size, args.attendees, args.seed, None, False)}
            for cap in caps:
                runs[f"{cap:g}"] = isolated(size, args.attendees, args.seed, cap, False)
            runs["ignore"] = isolated(size, args.attendees, args.seed, caps[-1], True)
            for key, run in runs.items():
                measured.setdefault(key, []).append(run)
        valid = all(r.get("valid", False) for rs in measured.values() for r in rs)
        cells = [
            str(size),
            fmt(median(measured["first"], "first"), 2),
            fmt(median(measured["first"], "clashes")),
        ]
        for cap in caps:
            runs = measured[f"{cap:g}"]
            objective, bound = median(runs, "objective"), median(runs, "bound")
            gap = f" ({1 - bound / objective:.0%} gap)" if objective and bound is not None else ""
            cells.append(fmt(median(runs, "clashes")))
            cells.append(f"{fmt(objective)} / {fmt(bound)}{gap}")
        ignored = measured["ignore"]
        cells.append(f"{fmt(median(ignored, 'clashes'))} / {fmt(median(ignored, 'objective'))}")
        cells.append("yes" if valid else "NO")
        print("| " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
