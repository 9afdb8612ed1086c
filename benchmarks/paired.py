"""Paired runs for the benchmarks: this checkout and, with `--before TREE`, another one,
run alternately so that both see the same load on the machine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent

T = TypeVar("T")


def trees(before: Path | None) -> dict[str, Path]:
    """The checkouts to run, by label: "before" (when given) and "now" (this one)."""
    return {"before": before, "now": ROOT} if before else {"now": ROOT}


def alternate(
    runs: int, checkouts: dict[str, Path], measure: Callable[[Path], T]
) -> dict[str, list[T]]:
    """`measure(tree)` `runs` times for each checkout, alternating between them."""
    found: dict[str, list[T]] = {label: [] for label in checkouts}
    for _ in range(runs):
        for label, tree in checkouts.items():
            found[label].append(measure(tree))
    return found


def machine(runs: int) -> str:
    """How many runs on how many cores, and the load when they start."""
    load = os.getloadavg()[0]
    return f"{runs} runs each on {os.cpu_count()} cores, load average {load:.2f} at the start"


def probe(tree: Path, script: str, *args: object) -> dict:
    """Run `script` (Python source printing one JSON line last) in a fresh process with
    `tree`'s package on the path; what it printed. A failure ends the benchmark with the
    probe's error."""
    done = subprocess.run(
        [sys.executable, "-c", script, *(str(a) for a in args)],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{tree}: {done.stderr.strip()}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def publish_as_planned(festival: Any, timetable: Any, folder: Path) -> None:
    """Publish `timetable` (a generator's valid one) into `folder` as `festival plan`
    would, without solving: everything after the solve runs for real."""
    sys.path.insert(0, str(ROOT))
    from datetime import UTC, datetime

    from scheduler import penalties, solver, validate
    from scheduler import plan as planning
    from scheduler.model import Status

    assert validate.violations(festival, timetable) == []
    timetable = planning.replace(
        timetable, objective=penalties.score(festival, timetable)["total"], status=Status.FEASIBLE
    )
    solved = solver.Result(Status.FEASIBLE, timetable, 0.0)
    schedule = planning.schedule
    planning.schedule = lambda festival, **_: (solved, timetable)
    try:
        planning.plan(festival, out=folder, at=datetime(2023, 9, 1, tzinfo=UTC))
    finally:
        planning.schedule = schedule
