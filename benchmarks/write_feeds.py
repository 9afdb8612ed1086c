"""Time rendering every published file for a large programme.

Usage: python benchmarks/write_feeds.py [SESSIONS] [RUNS]

Generates a feasible programme (`scheduler.generate`), takes its hidden valid
timetable (checked by the validator), and times `plan.outputs()`: the revision
step is excluded, rendering timetable.json and every iCalendar feed (festival,
per track, per venue, per person) is included. Publishing to disk is timed
separately.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime

from scheduler import generate, revisions, validate
from scheduler import plan as planning
from scheduler.publish import publish


def main(sessions: int, runs: int) -> None:
    shape = generate.Shape(
        sessions=sessions,
        venues=40,
        people=max(3, sessions // 5),
        tracks=12,
        days=max(3, sessions // 50),
        cities=4,
        rules=0.2,
    )
    festival, timetable = generate.published(1, shape)
    assert validate.violations(festival, timetable) == []
    entries = revisions.revise(festival, timetable, {}, datetime(2023, 9, 1, tzinfo=UTC))
    render, write = [], []
    for _ in range(runs):
        started = time.perf_counter()
        files = planning.outputs(festival, timetable, entries)
        render.append(time.perf_counter() - started)
        with tempfile.TemporaryDirectory() as out:
            started = time.perf_counter()
            publish(files, out)
            write.append(time.perf_counter() - started)
    feeds = sum(1 for name in files if name.endswith(".ics"))
    size = sum(len(b) for b in files.values()) / 1e6
    print(
        f"{sessions} sessions, {feeds} feeds, {size:.1f} MB, {runs} runs on "
        f"{os.cpu_count()} cores: render median {statistics.median(render):.2f} s "
        f"(min {min(render):.2f}, max {max(render):.2f}); publish to disk median "
        f"{statistics.median(write):.2f} s"
    )


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 1000,
        int(sys.argv[2]) if len(sys.argv) > 2 else 5,
    )
