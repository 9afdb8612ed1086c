"""Time the commands that need no solver: `festival --help` and `festival diff`.

Usage: python benchmarks/startup.py [RUNS] [--before TREE]

Each run is a fresh `python -m scheduler` process, as a user's `festival` is,
so the figure includes Python start-up and imports. For each command prints
min, median and max wall time over RUNS runs, and whether the process loaded
OR-Tools, numpy or pandas (it should not: they take most of a second). With
`--before TREE` (another checkout, e.g. `git worktree add /tmp/old main~1`),
runs alternate between TREE and this one, so both see the same load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import paired

ROOT = paired.ROOT
PUBLISHED = ROOT / "calendars" / "timetable.json"
HEAVY = ("ortools", "numpy", "pandas")
COMMANDS = {
    "festival --help": ["--help"],
    "festival diff": ["diff", str(PUBLISHED), str(PUBLISHED)],
}


def run(tree: Path, args: list[str], *flags: str) -> subprocess.CompletedProcess[str]:
    """`python -m scheduler ARGS` with the package of `tree`."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [sys.executable, *flags, "-m", "scheduler", *args],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )


def heavy_imports(tree: Path, args: list[str]) -> list[str]:
    """Which of HEAVY the command imports (from `python -X importtime`)."""
    done = run(tree, args, "-X", "importtime")
    loaded = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()}
    return [name for name in HEAVY if name in loaded]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", type=int, nargs="?", default=5)
    parser.add_argument("--before", type=Path, help="another checkout to time alongside")
    options = parser.parse_args()
    trees = paired.trees(options.before)
    print(paired.machine(options.runs))
    for name, args in COMMANDS.items():

        def timed(tree: Path, args: list[str] = args) -> float:
            started = time.perf_counter()
            run(tree, args)
            return time.perf_counter() - started

        times = paired.alternate(options.runs, trees, timed)
        for label, tree in trees.items():
            loaded = ", ".join(heavy_imports(tree, args)) or "none of " + ", ".join(HEAVY)
            spread = times[label]
            print(
                f"{name} ({label}): min {min(spread):.3f} s, "
                f"median {statistics.median(spread):.3f} s, max {max(spread):.3f} s; "
                f"loads {loaded}"
            )


if __name__ == "__main__":
    main()
