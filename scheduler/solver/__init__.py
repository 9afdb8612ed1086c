"""Lay a festival out over days, times and venues with OR-Tools CP-SAT.

`solve()` finds the best timetable that keeps every hard rule; `explain()` names
a smallest set of rules that clash when none exists. The solver never prints:
progress goes to `on_progress`.

With a published plan (`previous`), solving is lexicographic: first the fewest
moved sessions, then the cheapest kind of moves (date, then time, then venue,
as weighted), and only then the soft goals. Sessions in `keep` do not move.

The package, one job per module:

- `grid`: the minute grid of starts shared by the model, first fit and the search;
- `formulation`: the CP-SAT model's variables, hints and reading a timetable back;
- `hard`: one function per hard rule; `goals`: the soft goals and the moves;
- `first_fit`: a quick first timetable, given to CP-SAT as its hint;
- `search` and `neighbourhoods`: programmes too big for one model;
- `explain`: the conflicting rules of an infeasible definition;
- `engine`: CP-SAT's deterministic parameters, progress and stopping.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import replace

from ortools.sat.python import cp_model

from ..model import Festival, Keep, Status, Timetable
from .engine import (
    Callback,
    Either,
    Halt,
    Job,
    ModelInvalid,
    Options,
    Phase,
    Progress,
    Request,
    Result,
    Stopped,
    cap_wall_clock,
    cp_solver,
    deterministic,
    run,
    spent,
)
from .explain import Explanation, explain, where
from .formulation import Formulation, RuleInstance
from .grid import Table, eligible_venues, starts_table
from .neighbourhoods import weighed_pairs
from .search import NeighbourhoodSearch

__all__ = [
    "LARGE",
    "Explanation",
    "ModelInvalid",
    "Options",
    "Phase",
    "Progress",
    "Result",
    "RuleInstance",
    "eligible_venues",
    "explain",
    "size_of",
    "solve",
    "starts_table",
    "where",
]

#: model size (`size_of`) above which a solve goes by neighbourhoods. Measured on generated
#: conferences (benchmarks/cliff.py): beyond about 1,000 the whole model seldom proves
#: optimality within its budget (slot grids, whose sessions have few places, up to about
#: 1,300), and spends it (over 120 s from 3,000 at the full budget) for timetables 0.2-0.4 %
#: better than the neighbourhoods' within theirs (about 30 s, often less)
LARGE = 1_500
#: model size from which the whole model's budget shrinks: CP-SAT's deterministic time runs
#: slower against the wall clock as the model grows (2 s a unit at 700, 4.4 s at 900 on the
#: development machine), so a model of size n gets `time_limit * WHOLE_BUDGET_SIZE / n`
WHOLE_BUDGET_SIZE = 300
#: what a weighed pair of sessions adds to it, against 1 for a session's eligible venue: an
#: ordering of the two (three Booleans, four constraints) against one Boolean and one interval
PAIR_SIZE = 3


def solve(
    festival: Festival,
    options: Options = Options(),
    *,
    on_progress: Callable[[Progress], None] | None = None,
    previous: Timetable | None = None,
    keep: Mapping[str, Keep] | None = None,
    stop: threading.Event | None = None,
) -> Result:
    """Find the best timetable for `festival` that keeps every hard rule.

    `previous` is the published timetable: moves away from it are minimised
    first. `keep` maps session ids that must not move to why (`Keep`). Setting
    `stop` (from any thread, e.g. on Ctrl-C) ends the search soon after with the
    best timetable found so far (`Result.interrupted`).
    """
    started = time.perf_counter()
    if options.max_seconds is not None and options.deadline is None:
        # one cap for every phase and path of this solve (a caller that read the
        # definition first has set the deadline from then)
        options = replace(options, deadline=started + options.max_seconds)
    halt = Halt(stop or threading.Event(), options.deadline)
    keep = keep or {}
    table = starts_table(festival)
    size = size_of(festival, table)
    request = Request(festival, previous, keep)
    job = Job(options, halt, started, on_progress)
    if size > LARGE:
        large = NeighbourhoodSearch(request, table, job).run()
        if large is not None:
            return large
        if halt.is_set():
            return _ended_early(started, halt)
    whole = replace(options, time_limit=whole_budget(options.time_limit, size))
    return _solve_whole(request, table, replace(job, options=whole))


def _outcome(
    festival: Festival,
    has_moves: bool,
    last_status: str,
    codes: list[int],
    final: tuple[Timetable, dict[int, int]] | None,
) -> tuple[Status, Timetable | None]:
    """The status and timetable of a whole-model solve whose phases ended with `codes`:
    optimal only if every phase proved its optimum; a re-plan stopped before its soft
    goals' phase has its timetable scored by them, with no bound."""
    if final is None:
        return Status(last_status), None
    status = Status.OPTIMAL if all(c == cp_model.OPTIMAL for c in codes) else Status.FEASIBLE
    timetable = replace(final[0], status=status)
    if has_moves and len(codes) == 1:  # interrupted before the soft goals
        total = sum(festival.weight(g) * n for g, n in timetable.penalties.items())
        timetable = replace(timetable, status=Status.FEASIBLE, objective=total, bound=0)
        status = Status.FEASIBLE
    return status, timetable


def whole_budget(time_limit: float, size: int) -> float:
    """The whole model's deterministic budget at model `size`: `time_limit` up to
    `WHOLE_BUDGET_SIZE`, shrinking with the size beyond it, so that its wall-clock time
    stays near that of the neighbourhoods' `time_limit` where the one path meets the
    other."""
    return time_limit * min(1.0, WHOLE_BUDGET_SIZE / max(1, size))


def size_of(festival: Festival, table: Table) -> int:
    """How big the whole model would be: its eligible (session, venue) pairs, and the pairs
    of sessions whose overlap a goal weighs (each a handful of Booleans and constraints;
    attendees' choices easily make most pairs of a programme such a pair)."""
    return sum(len(by_venue) for by_venue in table.values()) + PAIR_SIZE * weighed_pairs(festival)


def _ended_early(started: float, halt: Halt) -> Result:
    """No timetable: the caller stopped the solve, or its deadline passed, first."""
    return Result(
        Status.UNKNOWN,
        None,
        time.perf_counter() - started,
        stopped_by_clock=not halt.interrupted,
        interrupted=halt.interrupted,
    )


def _whole_model_solver(options: Options, partial_hint: bool) -> cp_model.CpSolver:
    """A deterministic solver for the whole model. From a hint of first fit's that places
    only some sessions, with interleaved search, CP-SAT 9.15 can abort the process ("Check
    failed: heuristics.fixed_search != nullptr") where the model is infeasible; with
    `repair_hint` it does not."""
    solver = cp_solver()
    deterministic(solver, options)
    solver.parameters.repair_hint = partial_hint
    return solver


def _solve_whole(request: Request, table: Table, job: Job) -> Result:
    """Solve the whole festival as one model (venue starts from `table`), from a first-fit
    hint."""
    options, on_progress, stop, started = job.options, job.on_progress, job.stop, job.started
    try:
        built = Formulation(request, stop=stop, table=table)
        if built.has_moves:
            built.model.minimize(built.disruption)
        else:
            built.minimize_soft_goals()
        built.hint_first_fit()
    except Stopped:
        return _ended_early(started, stop)
    first = built.completed  # first fit's, if complete: reported at once, kept if CP-SAT fails
    first_phase = Phase.FEWEST_MOVES if built.has_moves else Phase.SOFT_GOALS
    reported = None
    if first is not None:
        reported = Progress(time.perf_counter() - started, first[0].objective, 0, 1, first_phase)
        if on_progress is not None:
            on_progress(reported)
    solver = _whole_model_solver(options, partial_hint=first is None)
    totals = {"time": 0.0, "branches": 0, "conflicts": 0}
    clocked = False

    def phase(name: Phase) -> tuple[int, tuple[Timetable, dict[int, int]] | None]:
        """Solve; the timetable found and its variables' values, if any (first fit's when
        the solve found none in the first phase)."""
        nonlocal clocked
        known = reported if name == first_phase else None
        if known is not None and known.objective == 0 and first is not None:
            return cp_model.OPTIMAL, first  # first fit's costs nothing: nothing is better
        cap_wall_clock(solver, options)  # what the deadline leaves for this phase
        callback = Callback(on_progress, name, known)
        code = run(solver, built.model, callback, Either(stop, callback.reached_zero))
        if code == cp_model.FEASIBLE and callback.reached_zero.is_set():
            code = cp_model.OPTIMAL  # stopped at an objective of 0: proven by itself
        final = first if known is not None else None
        if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            final = (built.read(solver), built.values(solver))
        used, branches, conflicts = spent(solver)
        cap = options.max_seconds
        if cap is not None and code != cp_model.OPTIMAL and code != cp_model.INFEASIBLE:
            # unfinished, yet inside its deterministic budget: the clock stopped it
            clocked = clocked or used < 0.99 * options.time_limit
        totals["time"] += used
        totals["branches"] += branches
        totals["conflicts"] += conflicts
        return code, final

    codes = []
    if built.has_moves:
        code, final = phase(Phase.FEWEST_MOVES)
        codes.append(code)
        if final is not None and not stop.is_set():
            best = final[0].objective
            built.model.add(built.disruption <= best)
            with contextlib.suppress(Stopped):  # stopped: keep the first phase's timetable
                built.hint_from(final[1])
                built.minimize_soft_goals()
                code, final = phase(Phase.SOFT_GOALS)
                codes.append(code)
    else:
        code, final = phase(Phase.SOFT_GOALS)
        codes.append(code)
    last = solver.status_name(code)
    status, timetable = _outcome(request.festival, built.has_moves, last, codes, final)
    return Result(
        status=status,
        timetable=timetable,
        wall_time=time.perf_counter() - started,
        deterministic_time=totals["time"],
        branches=int(totals["branches"]),
        conflicts=int(totals["conflicts"]),
        unplaceable=tuple(built.unplaceable),
        stopped_by_clock=clocked or stop.clocked(),
        interrupted=stop.interrupted,
        moves_proven=codes[0] == cp_model.OPTIMAL if built.has_moves else None,
    )
