"""Time to the first valid timetable, from the start of the solve, across programme sizes.

Usage:
    python benchmarks/first_valid.py [--sizes 50,200,400,1000,2000] [--attendees 0]
                                     [--rooms 0] [--days 3] [--step 15] [--slots 0.1]
                                     [--short-talks] [--slot-exact]
                                     [--runs 3] [--seed 1] [--before TREE]

For each size, `scheduler.generate` writes a conference of that many talks over
--days days on a --step-minute grid (--rooms rooms, 0: one per 20 talks; a
--slots share of them with a slot grid; with --attendees, that many attendees'
choices; with --short-talks, talks of 15 to 50 minutes as in a developer
meeting's devrooms, `generate.SHORT_TALKS`; with --slot-exact, a slot-exact
programme instead, `generate.SlotExact`: six 45-minute slots a day shared by
every room, each talk one slot, room features and prerequisites, tight enough
that first fit leaves talks out). Each
run is a fresh process (`python -c`, the package of the tree on PYTHONPATH) that
solves with the default options and stops at the first progress report; the
figure is the wall time from `solve()`'s start to that report, and the timetable
is re-checked by the validator. With --before TREE (another checkout, e.g.
`git worktree add /tmp/old main~3`), runs alternate between TREE and this one,
so both see the same load. Prints medians (min–max) of --runs as a Markdown table.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

import paired

#: run in a fresh process of the tree under test; prints one JSON line
PROBE = """
import json, sys, threading, time
from scheduler import validate
from scheduler import generate
from scheduler.generate import Programme, published_programme
from scheduler.solver import Options, solve

talks, attendees, seed, rooms, days, step, short, exact = (int(a) for a in sys.argv[1:9])
shape = Programme(
    sessions=talks, attendees=attendees, venues=rooms, days=days, step=step,
    slots=float(sys.argv[9]),
)
if short:
    shape = Programme(**{**vars(shape), "durations": generate.SHORT_TALKS})
if exact:
    exact_shape = generate.SlotExact(sessions=talks, venues=rooms or 20, days=days)
    festival, _ = generate.published_slot_exact(seed, exact_shape)
else:
    festival, _ = published_programme(seed, shape)
stop = threading.Event()
first = []

def on_progress(progress):
    if not first:
        first.append(time.perf_counter())
    stop.set()

started = time.perf_counter()
result = solve(festival, Options(), on_progress=on_progress, stop=stop)
valid = result.timetable is not None and not validate.violations(festival, result.timetable)
print(json.dumps({
    "first": first[0] - started if first else None, "valid": valid,
    "people": len(festival.people), "rooms": len(festival.venues),
}))
"""


def measure(tree: Path, talks: int, args: argparse.Namespace) -> dict:
    shape = [args.attendees, args.seed, args.rooms, args.days, args.step]
    flags = [int(args.short_talks), int(args.slot_exact)]
    return paired.probe(tree, PROBE, talks, *shape, *flags, args.slots)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,200,400,1000,2000")
    parser.add_argument("--attendees", type=int, default=0)
    parser.add_argument("--rooms", type=int, default=0)
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--step", type=int, default=15)
    parser.add_argument("--slots", type=float, default=0.1)
    parser.add_argument("--short-talks", action="store_true")
    parser.add_argument("--slot-exact", action="store_true")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--before", type=Path, help="another checkout to time alongside")
    args = parser.parse_args()
    checkouts = paired.trees(args.before)
    print(
        f"{paired.machine(args.runs)}; attendees {args.attendees}, {args.days} days, "
        f"{args.step}-minute grid, slots in {args.slots:.0%} of rooms"
    )
    labels = " | ".join(f"first valid, {label}" for label in checkouts)
    print(f"| talks | rooms | people | {labels} | all valid |")
    print("|---:|---:|---:|" + "---:|" * len(checkouts) + ":-:|")
    for talks in (int(n) for n in args.sizes.split(",")):
        found = paired.alternate(
            args.runs,
            checkouts,
            lambda tree, talks=talks: measure(tree, talks, args),
        )
        cells = []
        for runs in found.values():
            times = [r["first"] for r in runs if r["first"] is not None]
            if len(times) < len(runs):
                cells.append("none")
                continue
            cells.append(f"{statistics.median(times):.2f} s ({min(times):.2f}–{max(times):.2f})")
        valid = all(r["valid"] for runs in found.values() for r in runs)
        now = found["now"][0]
        print(
            f"| {talks} | {now.get('rooms', '')} | {now.get('people', '')} | "
            + " | ".join(cells)
            + f" | {'yes' if valid else 'NO'} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
