"""Time a re-plan of the default festival after one change, end to end.

Usage: python benchmarks/replan_default.py [RUNS]

Publishes the default festival once, then closes the venue of the quantum
session on its published date and times `festival plan` (a fresh process,
with the published plan as baseline) on the changed definition, RUNS times,
each from the same published plan.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config" / "festival.toml"


def festival(*args: str, cwd: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "scheduler", *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL
    )


def main(runs: int) -> None:
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        festival("plan", str(CONFIG), "--out", str(work / "published"), "--quiet", cwd=ROOT)
        plan = json.loads((work / "published" / "timetable.json").read_text(encoding="utf-8"))
        day = next(s for s in plan["sessions"] if s["id"] == "quantum")["start"][:10]
        text = CONFIG.read_text(encoding="utf-8").replace(
            'closed = ["2023-10-30..2023-11-01"]', f'closed = ["2023-10-30..2023-11-01", {day}]'
        )
        (work / "changed.toml").write_text(text, encoding="utf-8")
        times = []
        for _ in range(runs):
            shutil.rmtree(work / "out", ignore_errors=True)
            shutil.copytree(work / "published", work / "out")
            started = time.perf_counter()
            festival("plan", str(work / "changed.toml"), "--out", str(work / "out"), cwd=work)
            times.append(time.perf_counter() - started)
        after = json.loads((work / "out" / "timetable.json").read_text(encoding="utf-8"))
        moved = [s["id"] for s in after["sessions"] if s["sequence"] > 0]
    print(
        f"re-plan of the default festival after closing hf-quantum on {day}, {runs} runs on "
        f"{os.cpu_count()} cores: min {min(times):.2f} s, median {statistics.median(times):.2f}"
        f" s, max {max(times):.2f} s; moved {moved}, status {after['solver']['status']}"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
