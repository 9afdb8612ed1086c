"""Time `festival plan` on the default festival, end to end, as a user runs it.

Usage: python benchmarks/plan_default.py [RUNS]

Each run is a fresh process (`festival plan --quiet` into a temporary folder),
so the figure includes Python start-up and imports. Prints min, median and max
wall time and the solver status of the last run.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(runs: int) -> None:
    times = []
    status = None
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as out:
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "scheduler", "plan", "--quiet", "--out", out],
                cwd=ROOT,
                check=True,
            )
            times.append(time.perf_counter() - started)
            status = json.loads((Path(out) / "timetable.json").read_text())["solver"]["status"]
    print(
        f"festival plan (default festival), {runs} runs on {os.cpu_count()} cores: "
        f"min {min(times):.2f} s, median {statistics.median(times):.2f} s, "
        f"max {max(times):.2f} s; status {status}"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
