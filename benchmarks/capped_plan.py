"""One `festival plan` of a definition in a fresh process, ended by the wall clock only:
what the peer benchmarks (Timefold's, CoSPLib's) run for each budget."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: a deterministic budget no run reaches: only --max-seconds ends the search
UNBOUNDED = "1000000"


def plan(definition: Path, seconds: float) -> tuple[dict | None, float, str]:
    """Plan `definition` into a fresh folder beside it (no baseline) with `--max-seconds`:
    the published `timetable.json` (None if the command failed), the wall seconds, and
    the end of its error output."""
    name = definition.stem
    out = Path(tempfile.mkdtemp(prefix=f"out-{name}-", dir=definition.parent))
    command = [sys.executable, "-m", "scheduler", "plan", str(definition), "--out", str(out), "-q"]
    command += ["--max-seconds", f"{seconds:g}", "--time-limit", UNBOUNDED]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        return None, wall, done.stderr.strip()[-300:]
    return json.loads((out / "timetable.json").read_text(encoding="utf-8")), wall, ""
