"""Refusing a fully fixed programme whose fixed places clash: how fast, and how many named.

Usage: python benchmarks/fixed_conflicts.py [--talks 216] [--rooms 20] [--clashes 7]
                                            [--runs 5] [--before TREE]

`scheduler.generate` writes a feasible conference; every talk is then `fixed` at
its place in the hidden timetable, and CLASHES talks are re-fixed onto another
talk's room and start (each a different pair). Each run is a fresh `festival plan`
process (`python -m scheduler plan FILE --out DIR`), timed from process start to
exit, as a user sees it. Prints the median, min and max wall time over RUNS, the
exit code, and how many of the re-fixed talks the refusal names. With `--before
TREE` (another checkout), runs alternate between TREE and this one, so both see
the same load.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import paired

sys.path.insert(0, str(paired.ROOT))

from scheduler.generate import Programme, programme_and_witness
from scheduler.generate.common import toml_text


def clashing_definition(talks: int, rooms: int, clashes: int, seed: int) -> tuple[str, set[str]]:
    """The fully fixed programme as TOML, and the ids of the talks re-fixed onto others."""
    shape = Programme(sessions=talks, venues=rooms, slots=0)
    data, witness = programme_and_witness(seed, shape)
    zone = ZoneInfo(data["festival"]["timezone"])
    at = {sid: (venue, start) for sid, venue, start, _ in witness}
    ids = sorted(at)
    moved = {ids[2 * k]: at[ids[2 * k + 1]] for k in range(clashes)}
    for session in data["sessions"]:
        venue, start = moved.get(session["id"], at[session["id"]])
        wall = start.astimezone(zone).replace(tzinfo=None)  # a local date-time, as users write
        session["fixed"] = {"start": wall, "venue": venue}
    return toml_text(data, seed, shape), set(moved)


def run(tree: Path, path: Path, out: Path) -> tuple[float, int, str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "scheduler", "plan", str(path), "--out", str(out)],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
    )
    return time.perf_counter() - started, done.returncode, done.stdout + done.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--talks", type=int, default=216)
    parser.add_argument("--rooms", type=int, default=20)
    parser.add_argument("--clashes", type=int, default=7)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--before", type=Path, help="another checkout to time alongside")
    options = parser.parse_args()
    text, moved = clashing_definition(options.talks, options.rooms, options.clashes, options.seed)
    print(
        f"{options.talks} fixed talks, {options.rooms} rooms, {options.clashes} re-fixed onto "
        f"others; {paired.machine(options.runs)}"
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fixed.toml"
        path.write_text(text, encoding="utf-8")
        results = paired.alternate(
            options.runs,
            paired.trees(options.before),
            lambda tree: run(tree, path, Path(folder) / f"out-{tree.name}"),
        )
    for label, runs in results.items():
        walls = [wall for wall, _, _ in runs]
        codes = sorted({code for _, code, _ in runs})
        output = runs[-1][2]
        named = {sid for sid in moved if re.search(rf"'{sid}'", output)}
        print(
            f"{label}: median {statistics.median(walls):.2f} s (min {min(walls):.2f}, "
            f"max {max(walls):.2f}); exit {', '.join(map(str, codes))}; names "
            f"{len(named)} of the {len(moved)} re-fixed talks; "
            f"{output.count(chr(10) + '  - ')} conflicts listed"
        )


if __name__ == "__main__":
    main()
