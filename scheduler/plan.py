"""The library behind `festival plan`: solve → validate → revise → write → publish.

The command line is a thin layer over `plan()`; tests call it directly.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from . import revisions, solver, validate
from .model import Entry, Festival, Timetable, Violation
from .publish import Published, publish
from .writers import ical, timetable_json


class NoTimetable(Exception):
    """No timetable keeps every hard rule (proven), or none was found in time."""

    def __init__(self, festival: Festival, result: solver.Result):
        self.festival = festival
        self.result = result
        if result.status == "INFEASIBLE":
            text = "no timetable keeps every hard rule of the definition (proven infeasible)"
        else:
            text = (
                f"no timetable was found within the time limit ({result.status}); "
                "try a longer --time-limit"
            )
        reasons = "".join(f"\n  - {why}" for why in result.unplaceable)
        super().__init__(text + reasons)


class InvalidTimetable(Exception):
    """The solver produced a timetable the validator rejects: a bug, never published."""

    def __init__(self, violations: list[Violation]):
        self.violations = violations
        listed = "\n".join(f"  - {v}" for v in violations)
        super().__init__(
            "internal error: the solver's timetable breaks rules it should keep; "
            f"nothing was published. Please report this:\n{listed}"
        )


@dataclass(frozen=True)
class Plan:
    festival: Festival
    result: solver.Result
    timetable: Timetable
    score: dict[str, int]
    entries: tuple[Entry, ...]
    published: Published | None


def schedule(
    festival: Festival,
    options: solver.Options = solver.Options(),
    on_progress: Callable[[solver.Progress], None] | None = None,
) -> tuple[solver.Result, Timetable]:
    """Solve and independently validate; raise `NoTimetable` or `InvalidTimetable`."""
    result = solver.solve(festival, options, on_progress)
    if result.timetable is None:
        raise NoTimetable(festival, result)
    broken = validate.violations(festival, result.timetable)
    recomputed = validate.score(festival, result.timetable)["total"]
    if recomputed != result.timetable.objective:
        broken.append(
            Violation(
                "weights",
                f"the solver reports objective "
                f"{result.timetable.objective}, the validator scores {recomputed}",
            )
        )
    if broken:
        raise InvalidTimetable(broken)
    return result, result.timetable


def now() -> datetime:
    """The publication time: `SOURCE_DATE_EPOCH` if set (reproducible builds), else now."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC)
    return moment.replace(microsecond=0)


def published_baseline(
    festival: Festival,
    out: str | Path | None,
    baseline: str | Path | None = None,
    fresh: bool = False,
) -> dict[str, Entry]:
    """The published plan: `baseline`, else `out/timetable.json` if present; {} if fresh."""
    if fresh:
        return {}
    if baseline is None:
        if out is None or not (Path(out) / "timetable.json").exists():
            return {}
        baseline = Path(out) / "timetable.json"
    return revisions.read_baseline(baseline, festival)


def outputs(
    festival: Festival, timetable: Timetable, entries: tuple[Entry, ...]
) -> dict[str, bytes]:
    """Every published file, rendered in memory: relative path → bytes."""
    files = timetable_json.outputs(festival, timetable, entries)
    files.update(ical.outputs(festival, entries))
    return files


def plan(
    festival: Festival,
    out: str | Path | None = "calendars",
    options: solver.Options = solver.Options(),
    on_progress: Callable[[solver.Progress], None] | None = None,
    baseline: str | Path | None = None,
    fresh: bool = False,
    at: datetime | None = None,
) -> Plan:
    """Plan `festival` and publish it into `out` (None: render only, write nothing).

    The published plan (`baseline`, else `out/timetable.json`) decides each
    session's revision. Raises `revisions.BaselineError` for a bad baseline,
    `NoTimetable` when no timetable exists, `InvalidTimetable` on a solver bug;
    in every case nothing is written.
    """
    previous = published_baseline(festival, out, baseline, fresh)
    result, timetable = schedule(festival, options, on_progress)
    entries = revisions.revise(festival, timetable, previous, at or now())
    files = outputs(festival, timetable, entries)
    published = publish(files, out) if out is not None else None
    return Plan(
        festival, result, timetable, validate.score(festival, timetable), entries, published
    )
