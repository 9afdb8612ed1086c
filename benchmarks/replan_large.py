"""Re-plan a large generated programme after one venue closure, with and without the hint.

Usage: python benchmarks/replan_large.py [SESSIONS] [SCRATCH_CAP_SECONDS]

Generates a feasible programme (`scheduler.generate`, seed 1: SESSIONS sessions,
40 venues, SESSIONS/50 days), takes its hidden valid timetable as the published
plan, closes the venue of the middle session for that day, then solves
(1) with the published plan (lexicographic: fewest moves, then soft goals, the
plan as hint) and (2) from scratch, capped at SCRATCH_CAP_SECONDS of wall-clock
time. Prints the time to the first valid timetable and to the end of each, and
the speed-up.
"""

from __future__ import annotations

import os
import sys
import time

from scheduler import days, generate, solver, validate


def run(festival, options, previous=None) -> tuple[solver.Result, float | None, float]:
    first: list[float] = []

    def progress(p: solver.Progress) -> None:
        if not first:
            first.append(time.perf_counter() - started)

    started = time.perf_counter()
    result = solver.solve(festival, options=options, on_progress=progress, previous=previous)
    return result, (first[0] if first else None), time.perf_counter() - started


def main(sessions: int, cap: float) -> None:
    shape = generate.Shape(
        sessions=sessions,
        venues=40,
        people=sessions // 5,
        tracks=12,
        days=max(3, sessions // 50),
        cities=4,
        rules=0.2,
    )
    festival, published = generate.published(1, shape)
    assert validate.violations(festival, published) == []
    target = published.placements[len(published.placements) // 2]
    changed = generate.close_for_day(
        festival, target.venue, days.local_date(festival, target.start)
    )
    print(
        f"{sessions} sessions, 40 venues, {shape.days} days; closing {target.venue} on "
        f"{target.start:%Y-%m-%d} ({target.session} was there); {os.cpu_count()} cores"
    )
    hinted, hinted_first, hinted_total = run(changed, solver.Options(), published)
    assert hinted.timetable is not None
    assert validate.violations(changed, hinted.timetable) == []
    print(
        f"with the published plan: first timetable {hinted_first:.1f} s, {hinted.status} "
        f"in {hinted_total:.1f} s, moved {dict(hinted.timetable.moves)}"
    )
    scratch, scratch_first, scratch_total = run(
        changed, solver.Options(time_limit=10_000, max_seconds=cap)
    )
    found = f"first timetable {scratch_first:.1f} s" if scratch_first else "no timetable"
    print(
        f"from scratch: {found}, {scratch.status} after {scratch_total:.1f} s"
        + (" (stopped by the wall-clock cap)" if scratch.stopped_by_clock else "")
    )
    reference = scratch_first if scratch_first else scratch_total
    print(
        f"speed-up, scratch's first timetable vs the whole hinted re-plan: "
        f"{'≥ ' if not scratch_first else ''}{reference / hinted_total:.1f}×"
    )


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 1000,
        float(sys.argv[2]) if len(sys.argv) > 2 else 600,
    )
