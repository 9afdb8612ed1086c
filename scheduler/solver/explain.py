"""Why no timetable exists: a smallest set of the definition's rules that clash.

The model is built with one guard literal per rule instance (`Formulation` with
`explain=True`); CP-SAT, given the guards as assumptions, returns a conflicting
subset, which is then shrunk to a minimal one by deletion.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ortools.sat.python import cp_model

from ..includes import Locations
from ..model import Festival, Keep, Status, Timetable
from .engine import Request, cp_solver, run
from .formulation import Formulation, RuleInstance


@dataclass(frozen=True)
class Explanation:
    """Why no timetable exists: a minimal set of rule instances that cannot all hold."""

    status: Status  # INFEASIBLE (proven), FEASIBLE (a timetable exists) or UNKNOWN
    rules: tuple[RuleInstance, ...] = ()
    minimal: bool = True  # False if shrinking the set ran out of time


def explain(
    festival: Festival,
    *,
    previous: Timetable | None = None,
    keep: Mapping[str, Keep] | None = None,
    time_limit: float = 30.0,
    deadline: float | None = None,
) -> Explanation:
    """A minimal set of the definition's rules that no timetable can keep together; found
    within `time_limit` (deterministic) and, when given, by the `time.perf_counter()`
    instant `deadline` (--max-seconds), past which the set found so far is given as not
    minimal (or the answer is UNKNOWN, if no conflict was found yet)."""

    def left() -> float | None:
        return None if deadline is None else deadline - time.perf_counter()

    def cap_time(params: Any) -> None:
        if deadline is not None:
            params.max_time_in_seconds = max(0.01, left() or 0.0)

    built = Formulation(Request(festival, previous, keep or {}), explain=True)
    guards = list(built.guards.items())
    solver = cp_solver()
    params = solver.parameters
    params.num_workers = 1  # with more, or with an objective, the core is not minimised
    params.random_seed = 0
    params.max_deterministic_time = time_limit
    cap_time(params)
    built.model.add_assumptions([lit for _, lit in guards])
    code = run(solver, built.model)
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Explanation(Status.FEASIBLE)
    if code != cp_model.INFEASIBLE:
        return Explanation(Status.UNKNOWN)
    by_index = {lit.index: rule for rule, lit in guards}
    literal = {rule: lit for rule, lit in guards}
    core = [by_index[i] for i in solver.sufficient_assumptions_for_infeasibility()]
    # Deletion-based shrinking: drop each rule whose absence keeps the conflict.
    minimal = True
    index = 0
    params.max_deterministic_time = max(1.0, time_limit / max(1, len(core)))
    while index < len(core):
        if deadline is not None and (left() or 0.0) <= 0:
            minimal = False
            break
        cap_time(params)
        trial = core[:index] + core[index + 1 :]
        built.model.clear_assumptions()
        built.model.add_assumptions([literal[r] for r in trial])
        code = run(solver, built.model)
        if code == cp_model.INFEASIBLE:
            core = trial
        else:
            if code != cp_model.OPTIMAL and code != cp_model.FEASIBLE:
                minimal = False
            index += 1
    return Explanation(
        Status.INFEASIBLE, tuple(sorted(core, key=lambda r: (_order(r.key), r.text))), minimal
    )


def where(festival: Festival, instance: RuleInstance) -> str:
    """Where the definition states `instance`: `file:line: key` (the nearest key with a
    line), or the key alone for a command-line option."""
    if instance.key.startswith("--"):
        return instance.key
    if isinstance(festival.lines, Locations):  # read from a file: maybe from an included one
        source, line, key = festival.lines.locate(instance.key)
    else:
        source, line, key = festival.source, _line(festival, instance.key), instance.key
    place = f"{source}:{line}" if line else source
    return f"{place}: {key}" if place else key


def _line(festival: Festival, key: str) -> int | None:
    probe = key
    while probe:
        if probe in festival.lines:
            return festival.lines[probe]
        if "." not in probe and "[" not in probe:
            break
        probe = probe.rsplit(".", 1)[0] if "." in probe else probe.rsplit("[", 1)[0]
    return festival.lines.get(key)


def _order(key: str) -> tuple:
    return tuple(
        int(part) if part.isdigit() else part
        for part in key.replace("[", ".").replace("]", "").split(".")
    )
