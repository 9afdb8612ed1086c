"""The library behind `festival plan`: load → solve → validate → write → publish.

The command line is a thin layer over `plan()`; tests call it directly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import config, solver, validate
from .model import Festival, Timetable, Violation
from .publish import Published, publish
from .writers import timetable_json


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


def outputs(festival: Festival, timetable: Timetable) -> dict[str, bytes]:
    """Every published file, rendered in memory: relative path → bytes."""
    return timetable_json.outputs(festival, timetable)


def plan(
    config_path: str | Path,
    out: str | Path | None = "calendars",
    options: solver.Options = solver.Options(),
    on_progress: Callable[[solver.Progress], None] | None = None,
) -> Plan:
    """Plan the festival at `config_path` and publish it into `out` (None: don't write)."""
    festival = config.load(config_path)
    result, timetable = schedule(festival, options, on_progress)
    score = validate.score(festival, timetable)
    files = outputs(festival, timetable)
    published = publish(files, out) if out is not None else None
    return Plan(festival, result, timetable, score, published)
