"""Lay a festival out over days, times and venues with OR-Tools CP-SAT.

Time is counted in elapsed minutes from the festival's first instant
(`days.Clock`), so durations and overlaps are right across clock changes.
Each session gets a start on the `step` grid of the wall clock on a festival
day, a day tied to it, a Boolean per day, and one venue: a Boolean per eligible venue, each with
its own start variable (whose domain keeps the venue's hours and closures)
gating an optional interval. Every rule family of the definition is one method
of `_Model`, named after its config key; every soft goal is one method
returning its penalty terms. The solver never prints: progress goes to
`on_progress`.

With a published plan (`previous`), solving is lexicographic: first the fewest
moved sessions, then the cheapest kind of moves (date, then time, then venue,
as weighted), and only then the soft goals. Sessions in `keep` do not move.

`explain()` builds the same model with one guard literal per rule of the
definition and asks CP-SAT for a conflicting subset of them, then shrinks it to
a minimal one.

The default parameters are deterministic: `interleave_search` (the same search
whatever the number of workers), a fixed `random_seed`, and a limit in
deterministic time rather than wall-clock time.
"""

from __future__ import annotations

import contextlib
import random
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from ortools.sat.python import cp_model

from . import construct, days
from . import neighbourhoods as lns
from .model import SOFT_GOALS, Festival, Period, Placement, Session, Timetable, Venue

DAY = 1440
MOVE_KINDS = ("moved_date", "moved_time", "moved_venue")
#: eligible (session, venue) pairs above which a solve goes by neighbourhoods
LARGE = 10_000
NEIGHBOURHOOD = 60  # sessions freed at each step
STALL = 20  # steps without a better timetable after which a phase ends
STALL_REPLAN = 3  # the same when re-planning: only moved sessions can still gain
STEP_LIMIT = 2.0  # deterministic time for one step
STEP_COST = 0.05  # the least a step counts against the budget, however quick
SLOW_SUBSOLVERS = (
    "core",
    "fixed",
    "max_lp",
    "max_lp_sym",
    "reduced_costs",
    "pseudo_costs",
    "quick_restart",
    "quick_restart_no_lp",
)


class _Stopped(Exception):
    """`stop` was set while a model was being built."""


class ModelInvalid(Exception):
    """CP-SAT refused a model this module built: a bug, never a user's mistake."""


#: CP-SAT's log line once presolve is over and the search has begun
SEARCH_STARTED = re.compile(r"^Starting .*search at ")


def _solve(
    solver: cp_model.CpSolver,
    model: cp_model.CpModel,
    callback: Any = None,
    stop: threading.Event | None = None,
) -> Any:
    """`solver.solve`, ended early once `stop` is set; a model CP-SAT finds invalid raises
    `ModelInvalid` with its reason, rather than reading as "no timetable found in time".

    A stop set before the solve skips it (status UNKNOWN). A stop set during it waits for
    the search to begin: OR-Tools 9.15 aborts the whole process (a failed CHECK in
    postsolve) when stopped while it loads the presolved model after a complete hint
    has already given solution #1 (seen with Ctrl-C on a loaded machine).
    """
    if stop is not None and stop.is_set():
        return cp_model.UNKNOWN
    finished = threading.Event()
    searching = threading.Event()
    watcher = None
    if stop is not None:
        solver.parameters.log_search_progress = True
        solver.parameters.log_to_stdout = False
        solver.log_callback = lambda line: SEARCH_STARTED.match(line) and searching.set()

        def watch() -> None:
            # short polls of `finished`, so that the solve's caller never waits long here
            while not finished.wait(0.01):
                if stop.is_set():
                    while not (searching.is_set() or finished.wait(0.01)):
                        pass
                    if not finished.is_set():
                        solver.stop_search()
                    return

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
    try:
        code = solver.solve(model, callback) if callback is not None else solver.solve(model)
    finally:
        finished.set()
        if watcher is not None:
            watcher.join()
    if code == cp_model.MODEL_INVALID:
        raise ModelInvalid(" ".join(model.validate().split()) or "CP-SAT reports MODEL_INVALID")
    return code


def _spent(solver: cp_model.CpSolver) -> tuple[float, int, int]:
    """Deterministic time, branches and conflicts of the last solve (zeros if skipped)."""
    try:
        return solver.deterministic_time, solver.num_branches, solver.num_conflicts
    except (AttributeError, RuntimeError):
        return 0.0, 0, 0


@dataclass(frozen=True)
class Options:
    """Solver settings.

    `time_limit` is in CP-SAT deterministic time units: the result does not
    depend on the machine's load. `max_seconds` is an optional wall-clock cap
    for each solve phase; when it stops a solve, the result may differ between
    runs (`Result.stopped_by_clock` says so).
    """

    time_limit: float = 30.0
    workers: int = 2
    seed: int = 0
    max_seconds: float | None = None


@dataclass(frozen=True)
class Progress:
    """A new best timetable was found while solving."""

    elapsed: float  # wall-clock seconds
    objective: int
    bound: int
    solutions: int
    phase: str = "soft goals"  # or "fewest moves"


@dataclass(frozen=True)
class Result:
    """What a solve produced. `timetable` is None unless a timetable was found."""

    status: str  # OPTIMAL, FEASIBLE, INFEASIBLE or UNKNOWN
    timetable: Timetable | None
    wall_time: float = 0.0
    deterministic_time: float = 0.0
    branches: int = 0
    conflicts: int = 0
    unplaceable: tuple[str, ...] = field(default=())  # sessions with no eligible venue, why
    stopped_by_clock: bool = False  # the wall-clock cap ended a phase: may not be repeatable
    interrupted: bool = False  # `stop` was set: the best timetable found so far, if any

    @property
    def proven_optimal(self) -> bool:
        return self.status == "OPTIMAL"


@dataclass(frozen=True)
class Rule:
    """One rule of the definition, as the explanation names it."""

    key: str  # key path in the definition, e.g. "sessions[3].fixed"
    text: str  # the rule in words

    def where(self, festival: Festival) -> str:
        line = _line(festival, self.key)
        place = f"{festival.source}:{line}" if line else festival.source
        return f"{place}: {self.key}" if place else self.key


@dataclass(frozen=True)
class Explanation:
    """Why no timetable exists: a minimal set of rules that cannot all hold."""

    status: str  # INFEASIBLE (proven), FEASIBLE (a timetable exists) or UNKNOWN
    rules: tuple[Rule, ...] = ()
    minimal: bool = True  # False if shrinking the set ran out of time


def solve(
    festival: Festival,
    options: Options = Options(),
    on_progress: Callable[[Progress], None] | None = None,
    previous: Timetable | None = None,
    keep: Mapping[str, str] | None = None,
    stop: threading.Event | None = None,
) -> Result:
    """Find the best timetable for `festival` that keeps every hard rule.

    `previous` is the published timetable: moves away from it are minimised
    first. `keep` maps session ids that must not move to why ("pinned" or
    "frozen"). Setting `stop` (from any thread, e.g. on Ctrl-C) ends the search
    soon after with the best timetable found so far (`Result.interrupted`).
    """
    started = time.perf_counter()
    stop = stop or threading.Event()
    table = starts_table(festival)
    if sum(len(by_venue) for by_venue in table.values()) > LARGE:
        large = _solve_by_neighbourhoods(
            festival, table, options, on_progress, previous, keep or {}, started, stop
        )
        if large is not None:
            return large
        if stop.is_set():
            return Result("UNKNOWN", None, time.perf_counter() - started, interrupted=True)
    try:
        built = _Model(festival, previous=previous, keep=keep or {}, table=table, stop=stop)
        built.hint_first_fit()
    except _Stopped:
        return Result("UNKNOWN", None, time.perf_counter() - started, interrupted=True)
    solver = _cp_solver()
    _deterministic(solver, options)
    totals = [0.0, 0, 0]

    clocked = [False]

    def run(phase: str) -> tuple[int, tuple[Timetable, dict[int, int]] | None]:
        """Solve; the timetable found and its variables' values, if any."""
        code = _solve(solver, built.model, _Callback(on_progress, phase), stop)
        final = None
        if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            final = (built.read(solver), built.values(solver))
        spent, branches, conflicts = _spent(solver)
        cap = options.max_seconds
        if cap is not None and code != cp_model.OPTIMAL and code != cp_model.INFEASIBLE:
            # unfinished, yet inside its deterministic budget: the clock stopped it
            clocked[0] = clocked[0] or spent < 0.99 * options.time_limit
        totals[0] += spent
        totals[1] += branches
        totals[2] += conflicts
        return code, final

    statuses = []
    if built.has_moves:
        built.model.minimize(built.disruption)
        code, final = run("fewest moves")
        statuses.append(code)
        if final is not None and not stop.is_set():
            best = final[0].objective
            built.model.add(built.disruption <= best)
            with contextlib.suppress(_Stopped):  # stopped: keep the first phase's timetable
                built.hint_from(final[1])
                built.minimize_soft_goals()
                code, final = run("soft goals")
                statuses.append(code)
    else:
        built.minimize_soft_goals()
        code, final = run("soft goals")
        statuses.append(code)
    status = solver.status_name(code)
    timetable = None
    if final is not None:
        status = "OPTIMAL" if all(c == cp_model.OPTIMAL for c in statuses) else "FEASIBLE"
        timetable = replace(final[0], status=status)
        if built.has_moves and len(statuses) == 1:  # interrupted before the soft goals
            weights = festival.weights
            total = sum(weights.of(g) * n for g, n in timetable.penalties.items())
            timetable = replace(timetable, status="FEASIBLE", objective=total, bound=0)
            status = "FEASIBLE"
    return Result(
        status=status,
        timetable=timetable,
        wall_time=time.perf_counter() - started,
        deterministic_time=totals[0],
        branches=int(totals[1]),
        conflicts=int(totals[2]),
        unplaceable=tuple(built.unplaceable),
        stopped_by_clock=clocked[0],
        interrupted=stop.is_set(),
    )


def _solve_by_neighbourhoods(
    festival: Festival,
    table: Mapping[str, Mapping[str, Sequence[int]]],
    options: Options,
    on_progress: Callable[[Progress], None] | None,
    previous: Timetable | None,
    keep: Mapping[str, str],
    started: float,
    stop: threading.Event,
) -> Result | None:
    """Solve a large programme from a first-fit timetable by re-solving neighbourhoods.

    Every step frees a few dozen sessions, pins the rest where they are and
    solves that festival exactly, starting from the current timetable; steps
    stop at the lower bound (every session at its own cheapest place), at the
    deterministic budget `options.time_limit`, or at `options.max_seconds`.
    With a published plan, the fewest moves come first, as in `solve`.
    Returns None when first fit cannot place every session: the whole model
    then searches instead.
    """
    clock = days.Clock(festival)
    ids = {s.id for s in festival.sessions}
    old = lns.places_in(
        (p for p in (previous.placements if previous else ()) if p.session in ids), clock
    )
    must = {sid: old[sid] for sid in keep if sid in old}
    places = construct.first_fit(festival, table, clock, old, must)
    if len(places) < len(festival.sessions):
        places = _repair(festival, places, clock, options, previous, keep, stop)
        if places is None:
            return None
    sessions = {s.id: s for s in festival.sessions}
    windows = {sid: lns.window(s, clock) for sid, s in sessions.items()}
    away = {sid: lns.absences(festival, s, clock) for sid, s in sessions.items()}
    rng = random.Random(options.seed)
    spent = [0.0, 0, 0]  # deterministic time, branches, conflicts
    clocked = [False]

    def out_of_time() -> bool:
        if stop.is_set():
            return True
        if options.max_seconds is not None and (
            time.perf_counter() - started >= options.max_seconds
        ):
            clocked[0] = True
            return True
        return spent[0] >= options.time_limit

    local = not (festival.weights.spread or festival.weights.track_days)
    big = (len(previous.placements) if previous else 0) * sum(
        festival.weights.of(k) for k in MOVE_KINDS
    ) + 1

    def moving(sid: str, place: tuple[str, int]) -> int:
        return lns.move_cost(festival, clock, big, old[sid], place) if sid in old else 0

    def step(phase: str, free: set[str], days_: set[int], cap: int | None) -> int | None:
        """Re-solve one neighbourhood; the whole objective after it, or None."""
        if local:  # goals and rules are each local to a day: leave other days out
            sub, left_out = lns.region(festival, places, free, days_, clock)
        else:
            sub, left_out = lns.pinned_except(festival, places, free, clock), []
        try:
            built = _Model(sub, previous=previous, keep=keep, stop=stop)
        except _Stopped:
            return None
        if phase == "fewest moves":
            built.model.minimize(built.disruption)
            constant = sum(moving(sid, places[sid]) for sid in left_out)
        else:
            if cap is not None:
                outside = sum(moving(sid, places[sid]) for sid in left_out)
                built.model.add(built.disruption <= cap - outside)
            built.minimize_soft_goals()
            constant = sum(
                lns.preference_cost(festival, clock, sessions[sid], places[sid]) for sid in left_out
            )
        try:
            built.hint_places(places)
        except _Stopped:
            return None
        solver = _cp_solver()
        _deterministic(solver, replace(options, time_limit=STEP_LIMIT))
        solver.parameters.cp_model_probing_level = 0  # presolve dominates these small solves
        code = _solve(solver, built.model, stop=stop)
        used, branches, conflicts = _spent(solver)
        spent[0] += max(used, STEP_COST)
        spent[1] += branches
        spent[2] += conflicts
        if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        places.update(lns.places_in(built.read(solver).placements, clock))
        return round(solver.objective_value) + constant

    def tally(phase: str) -> int:
        """The current objective, counted per session (goals local to a day only)."""
        if phase == "fewest moves":
            return sum(moving(sid, places[sid]) for sid in sessions)
        return sum(
            lns.preference_cost(festival, clock, s, places[sid]) for sid, s in sessions.items()
        )

    def improve(
        phase: str,
        bound: int,
        better: Callable[[Mapping[str, tuple[str, int]]], dict[str, list[tuple[str, int]]]],
        cap: int | None = None,
    ) -> int | None:
        """Re-solve neighbourhoods until the bound, a stall or the budget; the best objective."""
        best: int | None = None
        found = stale = 0
        stall = STALL if previous is None else STALL_REPLAN
        while best is None or (best > bound and stale < stall and not out_of_time()):
            free, days_ = lns.choose(festival, clock, places, better(places), rng, NEIGHBOURHOOD)
            objective = step(phase, free, days_, cap)
            stale += 1
            if objective is None:
                if best is None and out_of_time():
                    # stopped before any step ended: the first-fit timetable, if it can be
                    # costed per session
                    return tally(phase) if local else None
                continue
            if best is None or objective < best:
                best, stale = objective, 0
                found += 1
                if on_progress is not None:
                    elapsed = time.perf_counter() - started
                    on_progress(Progress(elapsed, best, bound, found, phase))
        return best

    statuses = []
    cap = None
    if old:
        least_move = {
            sid: min(
                (
                    lns.move_cost(festival, clock, big, old[sid], p)
                    for p in lns.places_of(sessions[sid], table, windows[sid], away[sid])
                ),
                default=0,
            )
            for sid in old
            if old[sid] not in lns.places_of(sessions[sid], table, windows[sid], away[sid])
        }
        bound = sum(least_move.values())

        def moved(current: Mapping[str, tuple[str, int]]) -> dict[str, list[tuple[str, int]]]:
            return {
                sid: [old[sid]] if sid not in least_move else [current[sid]]
                for sid in old
                if current[sid] != old[sid]
                and lns.move_cost(festival, clock, big, old[sid], current[sid])
                > least_move.get(sid, 0)
            }

        cap = improve("fewest moves", bound, moved)
        if cap is None:
            return None
        statuses.append(cap <= bound)
    least: dict[str, int] = {}
    best_places: dict[str, list[tuple[str, int]]] = {}
    for sid, s in sessions.items():
        if not s.prefer:
            continue
        costs = {}
        for place in lns.places_of(s, table, windows[sid], away[sid]):
            costs[place] = lns.preference_cost(festival, clock, s, place)
            if costs[place] == 0:
                break
        least[sid] = min(costs.values(), default=0)
        best_places[sid] = [p for p, c in costs.items() if c == least[sid]]

    def costly(current: Mapping[str, tuple[str, int]]) -> dict[str, list[tuple[str, int]]]:
        # re-planning, the cap on disruption holds unmoved sessions: only moved ones can gain
        return {
            sid: best_places[sid]
            for sid in least
            if best_places[sid]
            and (not old or current[sid] != old.get(sid))
            and lns.preference_cost(festival, clock, sessions[sid], current[sid]) > least[sid]
        }

    bound = sum(least.values())
    objective = improve("soft goals", bound, costly, cap)
    if objective is None:
        return None
    statuses.append(objective <= bound)
    status = "OPTIMAL" if all(statuses) else "FEASIBLE"
    if local:  # every penalty and move counts per session
        timetable = _tally(festival, places, old, clock, status, objective, bound)
    else:  # read them off the whole festival with every session where it ended
        try:
            final = _Model(
                lns.pinned_except(festival, places, set(), clock), previous, keep, stop=stop
            )
        except _Stopped:
            return None
        final.minimize_soft_goals()
        solver = _cp_solver()
        _deterministic(solver, options)
        if _solve(solver, final.model) != cp_model.OPTIMAL:
            return None
        timetable = replace(final.read(solver), status=status, bound=bound)
    return Result(
        status=status,
        timetable=timetable,
        wall_time=time.perf_counter() - started,
        deterministic_time=spent[0],
        branches=int(spent[1]),
        conflicts=int(spent[2]),
        stopped_by_clock=clocked[0],
        interrupted=stop.is_set(),
    )


def _repair(
    festival: Festival,
    places: dict[str, tuple[str, int]],
    clock: days.Clock,
    options: Options,
    previous: Timetable | None,
    keep: Mapping[str, str],
    stop: threading.Event,
) -> dict[str, tuple[str, int]] | None:
    """Place what first fit left out: free those sessions with everything tied to them
    (their `after` neighbours, their people's sessions, their rooms' sessions on the
    days they may use), pin the rest, and solve that. None if it does not work out."""
    by_id = {s.id: s for s in festival.sessions}
    missing = {s.id for s in festival.sessions if s.id not in places}
    free = set(missing)
    for sid in missing:
        s = by_id[sid]
        free.update(b for b in s.after if by_id[b].fixed is None)
        free.update(o.id for o in festival.sessions if sid in o.after and o.fixed is None)
        free.update(o.id for o in festival.sessions if set(o.people) & set(s.people))
    free -= {sid for sid in free if by_id[sid].fixed is not None or sid in keep}
    rooms = {v.id for sid in missing for v in eligible_venues(festival, by_id[sid])}
    if len(free) < NEIGHBOURHOOD:
        crowded = [sid for sid, (vid, _) in sorted(places.items()) if vid in rooms]
        random.Random(options.seed).shuffle(crowded)
        free.update(crowded[: NEIGHBOURHOOD - len(free)])
    try:
        built = _Model(lns.pinned_except(festival, places, free, clock), previous, keep, stop=stop)
        built.minimize_soft_goals()
        built.hint_places({sid: p for sid, p in places.items() if sid not in free})
    except _Stopped:
        return None
    solver = _cp_solver()
    _deterministic(solver, replace(options, time_limit=min(options.time_limit, 10 * STEP_LIMIT)))
    code = _solve(solver, built.model, stop=stop)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return lns.places_in(built.read(solver).placements, clock)


def _tally(
    festival: Festival,
    places: Mapping[str, tuple[str, int]],
    old: Mapping[str, tuple[str, int]],
    clock: days.Clock,
    status: str,
    objective: int,
    bound: int,
) -> Timetable:
    """The timetable at `places`, its preference penalties and moves counted per session."""
    penalties = {g: 0 for g in SOFT_GOALS if festival.weights.of(g)}
    moves = {k: 0 for k in ("moved", *MOVE_KINDS)} if old else {}
    placements = []
    for s in festival.sessions:
        vid, start = places[s.id]
        begins = clock.moment(start)
        placements.append(Placement(s.id, vid, begins, begins + timedelta(minutes=s.duration)))
        for goal, count in lns.missed(festival, clock, s, places[s.id]).items():
            if goal in penalties:
                penalties[goal] += count
        if s.id in old:
            for kind, count in lns.move_kinds(clock, old[s.id], places[s.id]).items():
                moves[kind] += count
    placements.sort(key=lambda p: (p.start, p.venue, p.session))
    return Timetable(festival.id, tuple(placements), status, objective, bound, penalties, moves)


def explain(
    festival: Festival,
    previous: Timetable | None = None,
    keep: Mapping[str, str] | None = None,
    time_limit: float = 30.0,
) -> Explanation:
    """A minimal set of the definition's rules that no timetable can keep together."""
    built = _Model(festival, previous=previous, keep=keep or {}, explain=True)
    guards = list(built.guards.items())
    solver = _cp_solver()
    params = solver.parameters
    params.num_workers = 1  # with more, or with an objective, the core is not minimised
    params.random_seed = 0
    params.max_deterministic_time = time_limit
    built.model.add_assumptions([lit for _, lit in guards])
    code = _solve(solver, built.model)
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Explanation("FEASIBLE")
    if code != cp_model.INFEASIBLE:
        return Explanation("UNKNOWN")
    by_index = {lit.index: rule for rule, lit in guards}
    literal = {rule: lit for rule, lit in guards}
    core = [by_index[i] for i in solver.sufficient_assumptions_for_infeasibility()]
    # Deletion-based shrinking: drop each rule whose absence keeps the conflict.
    minimal = True
    index = 0
    params.max_deterministic_time = max(1.0, time_limit / max(1, len(core)))
    while index < len(core):
        trial = core[:index] + core[index + 1 :]
        built.model.clear_assumptions()
        built.model.add_assumptions([literal[r] for r in trial])
        code = _solve(solver, built.model)
        if code == cp_model.INFEASIBLE:
            core = trial
        else:
            if code != cp_model.OPTIMAL and code != cp_model.FEASIBLE:
                minimal = False
            index += 1
    return Explanation(
        "INFEASIBLE", tuple(sorted(core, key=lambda r: (_order(r.key), r.text))), minimal
    )


def _cp_solver() -> cp_model.CpSolver:
    """A CP-SAT solver that leaves Ctrl-C to the caller (CP-SAT's own handler, once
    installed, would leave the default one behind: a later Ctrl-C would kill)."""
    solver = cp_model.CpSolver()
    solver.parameters.catch_sigint_signal = False
    return solver


def _deterministic(solver: cp_model.CpSolver, options: Options) -> None:
    params = solver.parameters
    params.num_workers = max(1, options.workers)
    params.interleave_search = True
    params.random_seed = options.seed
    params.max_deterministic_time = options.time_limit
    # Subsolvers whose wall-clock time runs far ahead of their deterministic
    # time on programmes of hundreds of sessions: in interleaved search every
    # batch waits for its slowest task (measured with benchmarks/conference.py).
    params.ignore_subsolvers.extend(SLOW_SUBSOLVERS)
    if options.max_seconds is not None:
        params.max_time_in_seconds = options.max_seconds
    params.log_search_progress = False


class _Callback(cp_model.CpSolverSolutionCallback):
    """Reports each better timetable to `on_progress`."""

    def __init__(self, on_progress: Callable[[Progress], None] | None, phase: str):
        super().__init__()
        self.on_progress = on_progress
        self.phase = phase
        self.count = 0

    def on_solution_callback(self) -> None:
        self.count += 1
        if self.on_progress is not None:
            self.on_progress(
                Progress(
                    self.wall_time,
                    round(self.objective_value),
                    round(self.best_objective_bound),
                    self.count,
                    self.phase,
                )
            )


def eligible_venues(festival: Festival, session: Session) -> list[Venue]:
    """Venues that fit the session: capacity, features, allowed cities and venues."""
    return [
        v
        for v in festival.venues
        if v.capacity >= session.attendance
        and session.needs <= v.features
        and (not session.cities or v.city in session.cities)
        and (not session.venues or v.id in session.venues)
    ]


def day_grid(
    clock: days.Clock, step: int, offset: int, opens: int = 0, closes: int = DAY
) -> list[int]:
    """The axis minutes of the wall-clock grid times from `opens` (rounded up to the grid)
    to before `closes` on day `offset`: a time the clocks skip has none, one they repeat
    has two."""
    first = -(-opens // step) * step
    if clock.uniform:
        base = offset * DAY
        return list(range(base + first, base + closes, step))
    return [t for wall in range(first, closes, step) for t in clock.wall(offset, wall)]


def grid_starts(
    festival: Festival,
    clock: days.Clock,
    v: Venue,
    duration: int,
    offsets: Sequence[int],
    closures: bool = True,
) -> list[int]:
    """Grid starts (axis minutes) on the days at `offsets` at which a session of
    `duration` lies inside venue `v`'s hours (and, with `closures`, misses its closures)."""
    closed = [lns.minutes_between(clock, p) for p in v.closed] if closures else []
    starts = []
    for offset in offsets:
        opens, closes = clock.at(offset, v.opens), clock.at(offset, v.closes)
        for t in day_grid(clock, festival.step, offset, v.opens, v.closes):
            inside = opens <= t and t + duration <= closes
            if inside and not any(a < t + duration and t < b for a, b in closed):
                starts.append(t)
    return starts


def starts_table(festival: Festival) -> dict[str, dict[str, list[int]]]:
    """Session → eligible venue → the starts its hours, closures and the festival days allow."""
    clock = days.Clock(festival)
    offsets = [(d - festival.start).days for d in days.festival_days(festival)]
    cache: dict[tuple[str, int], list[int]] = {}
    table: dict[str, dict[str, list[int]]] = {}
    for s in festival.sessions:
        table[s.id] = {}
        for v in eligible_venues(festival, s):
            key = (v.id, s.duration)
            if key not in cache:
                cache[key] = grid_starts(festival, clock, v, s.duration, offsets)
            if cache[key]:
                table[s.id][v.id] = cache[key]
    return table


class _Model:
    """The CP-SAT model of one festival, and how to read a timetable back."""

    def __init__(
        self,
        festival: Festival,
        previous: Timetable | None = None,
        keep: Mapping[str, str] | None = None,
        explain: bool = False,
        table: Mapping[str, Mapping[str, Sequence[int]]] | None = None,
        stop: threading.Event | None = None,
    ):
        """`table`: the festival's `starts_table`, when the caller has it already.
        Setting `stop` while the model is built raises `_Stopped`."""
        self.festival = festival
        self.stop = stop or threading.Event()
        self.table = table
        self.explain = explain
        self.model = cp_model.CpModel()
        self.guards: dict[Rule, cp_model.IntVar] = {}
        self.clock = days.Clock(festival)
        #: starts are whole multiples of this many minutes (the step, unless a clock
        #: change shifts the grid by less)
        self.unit = self.clock.unit(festival.step)
        self.allowed_days: list[date] = days.festival_days(festival)
        window = days.date_range(festival.start, festival.end)
        self.days: list[date] = window if explain else self.allowed_days
        self.day_offset = {d: (d - festival.start).days for d in window}
        self.horizon = self.clock.day_start(len(window))
        self.unplaceable: list[str] = []
        self.sessions = festival.sessions
        self.index = {s.id: i for i, s in enumerate(festival.sessions)}
        self.on: dict[str, dict[date, cp_model.IntVar]] = {}
        self.day: dict[str, cp_model.IntVar] = {}
        self.slot: dict[str, cp_model.IntVar] = {}  # start in grid units
        self.start: dict[str, cp_model.LinearExprT] = {}  # start in minutes
        self.grid: dict[str, list[int]] = {}  # every start the session's days allow
        self.interval: dict[str, cp_model.IntervalVar] = {}
        self.at: dict[str, dict[str, cp_model.IntVar]] = {}
        self.previous = {
            p.session: p
            for p in (previous.placements if previous else ())
            if p.session in self.index
        }
        self.keep = dict(keep or {})
        self.published = len(previous.placements) if previous else 0
        #: session → venue → the starts the venue allows, and the matching slot variable
        self.starts_in: dict[str, dict[str, list[int]]] = {s.id: {} for s in self.sessions}
        self.begins: dict[str, dict[str, cp_model.IntVar]] = {s.id: {} for s in self.sessions}
        self._venue_starts: dict[tuple[str, int], list[int]] = {}
        self.check_stop()
        self._variables()
        for rule in (
            self.festival_days,
            self.festival_max_sessions_per_day,
            self.sessions_eligible_venues,
            self.venues_hours,
            self.venues_closed,
            self.venues_overlap,
            self.people_overlap,
            self.festival_exclusive_tags,
            self.sessions_not_with,
            self.people_unavailable,
            self.people_cities,
            self.sessions_earliest,
            self.sessions_latest,
            self.sessions_fixed,
            self.sessions_after,
            self.sessions_kept,
        ):
            self.check_stop()
            rule()
        self.moves: dict[str, list] = {}
        self.disruption: cp_model.LinearExprT = 0
        self.has_moves = bool(self.previous) and not explain
        if self.has_moves:
            self._moves()
        self.penalties: dict[str, list] = {}
        if not explain:
            self._goals()

    # --- guards: in explain mode every rule is switched by its own literal ----

    def check_stop(self) -> None:
        if self.stop.is_set():
            raise _Stopped

    def when(self, key: str, text: str) -> list[cp_model.IntVar]:
        """The enforcement literals for one rule: none normally, its guard in explain mode."""
        if not self.explain:
            return []
        rule = Rule(key, text)
        if rule not in self.guards:
            self.guards[rule] = self.model.new_bool_var(f"guard[{key}] {text}")
        return [self.guards[rule]]

    def minutes(self, moment: datetime) -> int:
        return self.clock.minute(moment)

    def shown(self, moment: datetime) -> str:
        """An instant as explanations show it: on the festival's wall clock."""
        return f"{self.clock.local(moment):%Y-%m-%d %H:%M}"

    def period_shown(self, period: Period) -> str:
        return _period(self.clock.local(period.start), self.clock.local(period.end))

    # --- variables ----------------------------------------------------------

    def _variables(self) -> None:
        """Start on the step grid of a festival day; day and per-day Booleans channelled.

        `start` (`step` × `slot`) takes only grid values on the model's days; `day` is tied to it by
        0 ≤ start − 1440·day < 1440, and each day Boolean is the reified `day == d`
        (a formulation CP-SAT propagates far better than `start = 1440·day + slot`).
        """
        m, step, unit, clock = self.model, self.festival.step, self.unit, self.clock
        offsets_all = [self.day_offset[d] for d in self.days] or [0]
        grids = {o: day_grid(clock, step, o) for o in offsets_all}
        for s in self.sessions:
            offsets = offsets_all
            grid = [
                t for o in offsets for t in grids[o] if t + s.duration <= clock.day_start(o + 1)
            ]
            if s.fixed is not None and not self.explain:
                # a fixed start is the whole domain (pinned sessions of a neighbourhood)
                at = self.minutes(s.fixed.start)
                day = clock.day(at)
                on_grid = day in offsets and at in grids[day]
                grid = [at] if on_grid else []
                offsets = [day] if on_grid else offsets
            self.grid[s.id] = grid
            # in grid units: consecutive starts of a day form one range of the domain
            self.slot[s.id] = m.new_int_var_from_domain(
                cp_model.Domain.from_values([t // unit for t in grid] or [0]), f"{s.id}.slot"
            )
            self.start[s.id] = unit * self.slot[s.id]
            self.day[s.id] = m.new_int_var_from_domain(
                cp_model.Domain.from_values(offsets), f"{s.id}.day"
            )
            self.on[s.id] = {}
            for d in self.days:
                on = m.new_bool_var(f"{s.id}.on.{d}")
                m.add(self.day[s.id] == self.day_offset[d]).only_enforce_if(on)
                m.add(self.day[s.id] != self.day_offset[d]).only_enforce_if(~on)
                self.on[s.id][d] = on
            if clock.uniform:
                m.add(self.start[s.id] - DAY * self.day[s.id] >= 0)
                m.add(self.start[s.id] - DAY * self.day[s.id] <= DAY - 1)
            else:  # days of 23 or 25 hours: each day Boolean bounds the start
                m.add_exactly_one(self.on[s.id].values())
                for d, on in self.on[s.id].items():
                    o = self.day_offset[d]
                    m.add(self.start[s.id] >= clock.day_start(o)).only_enforce_if(on)
                    m.add(self.start[s.id] < clock.day_start(o + 1)).only_enforce_if(on)
            if not grid:
                m.add_bool_or([])  # no festival day at all
            self.interval[s.id] = m.new_fixed_size_interval_var(
                self.start[s.id], s.duration, f"{s.id}.time"
            )
            venues = (
                list(self.festival.venues) if self.explain else eligible_venues(self.festival, s)
            )
            if not venues:
                self.unplaceable.append(_why_no_venue(self.festival, s))
            self.at[s.id] = {v.id: m.new_bool_var(f"{s.id}.at.{v.id}") for v in venues}
            m.add_exactly_one(self.at[s.id].values())

    def avoid(self, s: Session, period: Period, *enforce: cp_model.IntVar) -> None:
        """Session `s` does not overlap `period` (when every `enforce` literal holds)."""
        forbidden = (self.minutes(period.start) - s.duration + 1, self.minutes(period.end) - 1)
        allowed = _complement([forbidden], 0, self.horizon)
        if allowed is not None:
            self.model.add_linear_expression_in_domain(self.start[s.id], allowed).only_enforce_if(
                *enforce
            )

    def venue_starts(self, s: Session, v: Venue) -> list[int]:
        """The grid starts at which `s` fits venue `v`'s hours and misses its closures."""
        if self.table is not None:
            return list(self.table[s.id].get(v.id, ()))
        key = (v.id, s.duration)
        if key not in self._venue_starts:
            offsets = [self.day_offset[d] for d in self.days]
            self._venue_starts[key] = grid_starts(self.festival, self.clock, v, s.duration, offsets)
        return self._venue_starts[key]

    # --- hard rules, one per config key --------------------------------------

    def festival_days(self) -> None:
        """festival.days / festival.blackout: only allowed days (explain mode: guarded)."""
        if not self.explain:
            return
        allowed = set(self.allowed_days)
        rule_days, _ = days.working_days(self.festival.days, self.festival.start, self.festival.end)
        for d in self.days:
            if d in allowed:
                continue
            if d not in rule_days:
                guard = self.when(
                    "festival.days", f"sessions fall on {self.festival.days} days only"
                )
            else:
                guard = self.when("festival.blackout", f"no sessions on blackout date {d}")
            for s in self.sessions:
                self.model.add(self.on[s.id][d] == 0).only_enforce_if(guard)

    def festival_max_sessions_per_day(self) -> None:
        limit = self.festival.max_sessions_per_day
        if limit is None:
            return
        guard = self.when("festival.max_sessions_per_day", f"at most {limit} sessions a day")
        for d in self.days:
            self.model.add(sum(self.on[s.id][d] for s in self.sessions) <= limit).only_enforce_if(
                guard
            )

    def sessions_eligible_venues(self) -> None:
        """Capacity, needs, cities and venues (explain mode only: else never created)."""
        if not self.explain:
            return
        for s in self.sessions:
            i = self.index[s.id]
            for v in self.festival.venues:
                here = self.at[s.id][v.id]
                if v.capacity < s.attendance:
                    biggest = max(x.capacity for x in self.festival.venues)
                    guard = self.when(
                        f"sessions[{i}].attendance",
                        f"session {s.id!r} expects {s.attendance} people "
                        f"(the biggest venue holds {biggest})",
                    )
                    self.model.add(here == 0).only_enforce_if(guard)
                if not s.needs <= v.features:
                    guard = self.when(
                        f"sessions[{i}].needs",
                        f"session {s.id!r} needs {', '.join(sorted(s.needs))}",
                    )
                    self.model.add(here == 0).only_enforce_if(guard)
                if s.cities and v.city not in s.cities:
                    guard = self.when(
                        f"sessions[{i}].cities",
                        f"session {s.id!r} must be in {', '.join(s.cities)}",
                    )
                    self.model.add(here == 0).only_enforce_if(guard)
                if s.venues and v.id not in s.venues:
                    guard = self.when(
                        f"sessions[{i}].venues",
                        f"session {s.id!r} must be in venue {', '.join(s.venues)}",
                    )
                    self.model.add(here == 0).only_enforce_if(guard)

    def venues_hours(self) -> None:
        """A session lies inside the opening hours of its venue.

        Normally part of each venue's own start variable (see `venues_overlap`):
        its domain holds only the starts inside the hours. Explain mode states
        the same set of starts as a guarded rule.
        """
        if not self.explain:
            return
        offsets = [self.day_offset[d] for d in self.days]
        for j, v in enumerate(self.festival.venues):
            guard = self.when(
                f"venues[{j}].hours", f"venue {v.id!r} is open {_clock(v.opens)}-{_clock(v.closes)}"
            )
            for s in self.sessions:
                here = self.at[s.id].get(v.id)
                if here is None:
                    continue
                inside = grid_starts(
                    self.festival, self.clock, v, s.duration, offsets, closures=False
                )
                self.model.add_linear_expression_in_domain(
                    self.start[s.id], cp_model.Domain.from_values(inside)
                ).only_enforce_if(here, *guard)

    def venues_closed(self) -> None:
        """A session does not overlap a closure of its venue (normally as `venues_hours`)."""
        if not self.explain:
            return
        for j, v in enumerate(self.festival.venues):
            for period in v.closed:
                guard = self.when(
                    f"venues[{j}].closed",
                    f"venue {v.id!r} is closed {self.period_shown(period)}",
                )
                for s in self.sessions:
                    here = self.at[s.id].get(v.id)
                    if here is None:
                        continue
                    self.avoid(s, period, here, *guard)

    def venues_overlap(self) -> None:
        """Sessions in one venue never overlap, changeover included.

        Each (session, venue) pair has its own start variable, whose domain
        already keeps the venue's hours and closures, equal to the session's
        start when the venue is chosen: the alternative-resource formulation.
        """
        for j, v in enumerate(self.festival.venues):
            guard = self.when(
                f"venues[{j}]",
                f"venue {v.id!r} holds one session at a time"
                + (f", {v.changeover} min apart" if v.changeover else ""),
            )
            intervals = []
            for s in self.sessions:
                here = self.at[s.id].get(v.id)
                if here is None:
                    continue
                if self.explain:
                    begins = self.start[s.id]
                    present = self.model.new_bool_var(f"{s.id}.in.{v.id}.counted")
                    self.model.add_implication(present, here)
                    self.model.add_bool_or([~here, ~guard[0], present])
                else:
                    starts = self.venue_starts(s, v)
                    if not starts:
                        self.model.add(here == 0)
                        continue
                    self.starts_in[s.id][v.id] = starts
                    slot = self.model.new_int_var_from_domain(
                        cp_model.Domain.from_values([t // self.unit for t in starts]),
                        f"{s.id}.slot.{v.id}",
                    )
                    self.model.add(self.slot[s.id] == slot).only_enforce_if(here)
                    self.begins[s.id][v.id] = slot
                    begins = self.unit * slot
                    present = here
                intervals.append(
                    self.model.new_optional_fixed_size_interval_var(
                        begins, s.duration + v.changeover, present, f"{s.id}.in.{v.id}"
                    )
                )
            if len(intervals) > 1:
                self.model.add_no_overlap(intervals)

    def people_overlap(self) -> None:
        """Nobody is in two sessions at once, and everybody gets their break between two."""
        attends: dict[str, list[Session]] = {person.id: [] for person in self.festival.people}
        for s in self.sessions:
            for pid in s.people:
                attends[pid].append(s)
        for p, person in enumerate(self.festival.people):
            mine = attends[person.id]
            if len(mine) < 2:
                continue
            rest = f", with {person.rest} min between two" if person.rest else ""
            guard = self.when(
                f"people[{p}]", f"{person.id} cannot be in two sessions at once{rest}"
            )
            self.model.add_no_overlap([self._busy(s, person.rest, guard) for s in mine])

    def _busy(self, s: Session, extra: int, guard: list[cp_model.IntVar]) -> cp_model.IntervalVar:
        """Session `s`'s interval lengthened by `extra` minutes (switched by `guard`)."""
        if not guard and not extra:
            return self.interval[s.id]
        if guard:
            return self.model.new_optional_fixed_size_interval_var(
                self.start[s.id], s.duration + extra, guard[0], f"{s.id}.busy+{extra}"
            )
        return self.model.new_fixed_size_interval_var(
            self.start[s.id], s.duration + extra, f"{s.id}.busy+{extra}"
        )

    def festival_exclusive_tags(self) -> None:
        """Sessions sharing an exclusive tag share an audience: they never overlap."""
        for tag in self.festival.exclusive_tags:
            tagged = [s for s in self.sessions if tag in s.tags]
            if len(tagged) < 2:
                continue
            guard = self.when("festival.exclusive_tags", f"sessions tagged {tag!r} never overlap")
            self.model.add_no_overlap([self._busy(s, 0, guard) for s in tagged])

    def sessions_not_with(self) -> None:
        """A session never overlaps the sessions in its `not_with` list."""
        by_id = {s.id: s for s in self.sessions}
        for s in self.sessions:
            for other in s.not_with:
                guard = self.when(
                    f"sessions[{self.index[s.id]}].not_with",
                    f"session {s.id!r} never overlaps {other!r}",
                )
                self.model.add_no_overlap(
                    [self._busy(s, 0, guard), self._busy(by_id[other], 0, guard)]
                )

    def people_unavailable(self) -> None:
        for p, person in enumerate(self.festival.people):
            for period in person.unavailable:
                guard = self.when(
                    f"people[{p}].unavailable",
                    f"{person.id} is unavailable {self.period_shown(period)}",
                )
                for s in self.sessions:
                    if person.id not in s.people:
                        continue
                    self.avoid(s, period, *guard)

    def people_cities(self) -> None:
        """Nobody is in two cities on the same day."""
        cities = sorted({v.city for v in self.festival.venues})
        code = {c: i for i, c in enumerate(cities)}
        city: dict[str, cp_model.IntVar | int] = {}
        for s in self.sessions:
            codes = {code[self.festival.venue(v).city] for v in self.at[s.id]}
            if len(codes) > 1:
                var = self.model.new_int_var(min(codes), max(codes), f"{s.id}.city")
                self.model.add(
                    var
                    == sum(code[self.festival.venue(v).city] * b for v, b in self.at[s.id].items())
                )
                city[s.id] = var
            elif codes:
                city[s.id] = next(iter(codes))
        same_day: dict[tuple[str, str], cp_model.IntVar] = {}
        for p, person in enumerate(self.festival.people):
            mine = [s.id for s in self.sessions if person.id in s.people and s.id in city]
            pairs = [(a, b) for i, a in enumerate(mine) for b in mine[i + 1 :]]
            if not pairs:
                continue
            guard = self.when(
                f"people[{p}].cities", f"{person.id} cannot be in two cities on one day"
            )
            for a, b in pairs:
                if isinstance(city[a], int) and isinstance(city[b], int):
                    if city[a] != city[b]:
                        self.model.add(self.day[a] != self.day[b]).only_enforce_if(guard)
                    continue
                key = (a, b) if a < b else (b, a)
                if key not in same_day:
                    lit = self.model.new_bool_var(f"{key[0]}.{key[1]}.same_day")
                    self.model.add(self.day[a] == self.day[b]).only_enforce_if(lit)
                    self.model.add(self.day[a] != self.day[b]).only_enforce_if(~lit)
                    same_day[key] = lit
                self.model.add(city[a] == city[b]).only_enforce_if(same_day[key], *guard)

    def sessions_earliest(self) -> None:
        for s in self.sessions:
            if s.earliest is not None:
                guard = self.when(
                    f"sessions[{self.index[s.id]}].earliest",
                    f"session {s.id!r} starts at {self.shown(s.earliest)} or later",
                )
                self.model.add(self.start[s.id] >= self.minutes(s.earliest)).only_enforce_if(guard)

    def sessions_latest(self) -> None:
        for s in self.sessions:
            if s.latest is not None:
                guard = self.when(
                    f"sessions[{self.index[s.id]}].latest",
                    f"session {s.id!r} ends by {self.shown(s.latest)}",
                )
                self.model.add(
                    self.start[s.id] + s.duration <= self.minutes(s.latest)
                ).only_enforce_if(guard)

    def sessions_fixed(self) -> None:
        for s in self.sessions:
            if s.fixed is None:
                continue
            where = f" in venue {s.fixed.venue!r}" if s.fixed.venue else ""
            guard = self.when(
                f"sessions[{self.index[s.id]}].fixed",
                f"session {s.id!r} is fixed at {self.shown(s.fixed.start)}" + where,
            )
            self.model.add(self.start[s.id] == self.minutes(s.fixed.start)).only_enforce_if(guard)
            if s.fixed.venue is not None:
                here = self.at[s.id].get(s.fixed.venue)
                if here is None:
                    self.model.add_bool_or([]).only_enforce_if(guard)  # venue not eligible
                else:
                    self.model.add(here == 1).only_enforce_if(guard)

    def sessions_after(self) -> None:
        durations = {s.id: s.duration for s in self.sessions}
        for s in self.sessions:
            for before in s.after:
                guard = self.when(
                    f"sessions[{self.index[s.id]}].after",
                    f"session {s.id!r} starts after {before!r} ends",
                )
                self.model.add(
                    self.start[s.id] >= self.start[before] + durations[before]
                ).only_enforce_if(guard)

    def sessions_kept(self) -> None:
        """Pinned sessions, and with --freeze-until the published early ones, stay put."""
        for sid, why in sorted(self.keep.items()):
            old = self.previous.get(sid)
            if old is None:
                continue
            if why == "pinned":
                key = f"sessions[{self.index[sid]}].pinned"
                text = f"session {sid!r} is pinned where it was published"
            else:
                key = "--freeze-until"
                text = f"session {sid!r} was published before the freeze date and stays"
            guard = self.when(key, f"{text} ({old.venue}, {self.shown(old.start)})")
            self.model.add(self.start[sid] == self.minutes(old.start)).only_enforce_if(guard)
            here = self.at[sid].get(old.venue)
            if here is None:
                self.model.add_bool_or([]).only_enforce_if(guard)
            else:
                self.model.add(here == 1).only_enforce_if(guard)

    # --- disruption of the published plan ------------------------------------

    def _moves(self) -> None:
        """Booleans for each published session: moved at all, and how."""
        weights = self.festival.weights
        kinds: dict[str, list] = {k: [] for k in MOVE_KINDS}
        moved_all = []
        for sid, old in sorted(self.previous.items()):
            old_day = self.festival.start + timedelta(days=self.clock.day(self.minutes(old.start)))
            same_day = self.on[sid].get(old_day, 0)
            same_venue = self.at[sid].get(old.venue, 0)
            same_start = self.model.new_bool_var(f"{sid}.same_start")
            self.model.add(self.start[sid] == self.minutes(old.start)).only_enforce_if(same_start)
            self.model.add(self.start[sid] != self.minutes(old.start)).only_enforce_if(~same_start)
            if isinstance(same_venue, int):
                moved = 1
                kinds["moved_venue"].append(1)
            else:
                moved = self.model.new_bool_var(f"{sid}.moved")
                self.model.add_bool_or([same_start, moved])
                self.model.add_bool_or([same_venue, moved])
                self.model.add_bool_or([~moved, ~same_start, ~same_venue])
                kinds["moved_venue"].append(1 - same_venue)
            moved_all.append(moved)
            kinds["moved_date"].append(1 - same_day)
            # a new time on the same date (a new date already counts as moved_date)
            kinds["moved_time"].append(same_day - same_start)
        self.moves = {"moved": moved_all, **kinds}
        per_kind = sum(weights.of(k) for k in MOVE_KINDS)
        # every published placement counts, so that a neighbourhood's model weighs alike
        big = self.published * per_kind + 1
        self.disruption = big * sum(moved_all) + sum(
            weights.of(k) * sum(terms) for k, terms in kinds.items()
        )

    def hint_first_fit(self) -> int:
        """Hint a first-fit placement (`construct.first_fit`); returns how many it placed."""
        wanted = {sid: (p.venue, self.minutes(p.start)) for sid, p in self.previous.items()}
        must = {sid: wanted[sid] for sid in self.keep if sid in wanted}
        places = construct.first_fit(self.festival, self.starts_in, self.clock, wanted, must)
        self.hint_places(places)
        return len(places)

    def hint_places(self, places: Mapping[str, tuple[str, int]]) -> None:
        """Hint sessions' (venue, start minute); completed to every variable if all are placed."""
        self.model.clear_hints()
        unit = self.unit
        for sid, (vid, start) in places.items():
            if sid not in self.slot:
                continue
            day = self.clock.day(start)
            self.model.add_hint(self.slot[sid], start // unit)
            self.model.add_hint(self.day[sid], day)
            for d, b in self.on[sid].items():
                self.model.add_hint(b, int(self.day_offset[d] == day))
            for v, b in self.at[sid].items():
                self.model.add_hint(b, int(v == vid))
            for v, begins in self.begins[sid].items():
                if v == vid:
                    self.model.add_hint(begins, start // unit)
        if all(s.id in places for s in self.sessions):
            self._complete_hint()

    def _complete_hint(self) -> None:
        """Extend a hint that places every session to every variable of the model.

        With the placement fixed, what remains (unused venue starts, penalty
        counters) follows by propagation; a complete hint is taken by CP-SAT as
        its first solution at once, where an incomplete one costs a search.
        """
        solver = _cp_solver()
        params = solver.parameters
        params.num_workers = 1
        params.fix_variables_to_their_hinted_value = True
        params.stop_after_first_solution = True
        params.max_deterministic_time = 5.0
        code = _solve(solver, self.model, stop=self.stop)
        self.check_stop()
        if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return  # keep the partial hint
        self.model.clear_hints()
        for index in range(len(self.model.proto.variables)):
            var = self.model.get_int_var_from_proto_index(index)
            self.model.add_hint(var, solver.value(var))

    def values(self, source: Any) -> dict[int, int]:
        """The placement variables' values in a solver or solution callback, by index."""
        found = {}
        for sid in self.start:
            for var in (
                self.slot[sid],
                self.day[sid],
                *self.on[sid].values(),
                *self.at[sid].values(),
                *self.begins[sid].values(),
            ):
                found[var.index] = int(source.value(var))
        return found

    def hint_from(self, values: Mapping[int, int]) -> None:
        """Start the next phase from a solution (see `values`)."""
        self.model.clear_hints()
        for index, value in values.items():
            self.model.add_hint(self.model.get_int_var_from_proto_index(index), value)
        self._complete_hint()

    # --- soft goals: each returns a list of penalty terms ---------------------

    def _goals(self) -> None:
        """The penalty terms of every soft goal that weighs something.

        A goal weighing nothing adds nothing to the model (the validator still
        reports it).
        """
        self.penalties = {
            goal: getattr(self, f"goal_{goal}")() if self.festival.weights.of(goal) else []
            for goal in SOFT_GOALS
        }

    def minimize_soft_goals(self) -> None:
        weights = self.festival.weights
        self.model.minimize(
            sum(weights.of(g) * sum(terms) for g, terms in self.penalties.items() if terms)
        )

    def _pairs(self, members: Sequence[cp_model.IntVar], name: str) -> cp_model.IntVar:
        """An exact count of the pairs among the true `members`: load·(load−1)/2."""
        n = len(members)
        load = self.model.new_int_var(0, n, f"{name}.load")
        self.model.add(load == sum(members))
        square = self.model.new_int_var(0, n * n, f"{name}.square")
        self.model.add_multiplication_equality(square, [load, load])
        pairs = self.model.new_int_var(0, n * (n - 1) // 2, f"{name}.pairs")
        self.model.add(2 * pairs == square - load)
        return pairs

    def spread_width(self) -> int:
        if self.festival.spread_days:
            return self.festival.spread_days
        return max(1, len(self.days) // max(1, len(self.sessions)))

    def goal_spread(self) -> list:
        """Pairs of sessions within `spread_days` consecutive festival days."""
        width = self.spread_width()
        if len(self.sessions) < 2 or not self.days:
            return []
        terms = []
        for i in range(max(1, len(self.days) - width + 1)):
            window = self.days[i : i + width]
            members = [self.on[s.id][d] for s in self.sessions for d in window]
            terms.append(self._pairs(members, f"spread.{window[0]}"))
        return terms

    def goal_track_days(self) -> list:
        """Pairs of sessions of one track held on the same day."""
        terms = []
        for track in self.festival.tracks:
            mine = [s for s in self.sessions if s.track == track.id]
            if len(mine) < 2:
                continue
            for d in self.days:
                terms.append(self._pairs([self.on[s.id][d] for s in mine], f"track.{track.id}.{d}"))
        return terms

    def goal_prefer_date(self) -> list:
        """Sessions held outside their preferred dates."""
        return [
            self._missed(self.on[s.id], s.prefer.dates) for s in self.sessions if s.prefer.dates
        ]

    def goal_prefer_venue(self) -> list:
        """Sessions held outside their preferred venues."""
        return [
            self._missed(self.at[s.id], s.prefer.venues) for s in self.sessions if s.prefer.venues
        ]

    @staticmethod
    def _missed(choice: Mapping, preferred: Sequence) -> cp_model.LinearExprT:
        """1 unless one of the `preferred` keys of a one-hot `choice` is taken."""
        return 1 - sum(choice[key] for key in preferred if key in choice)

    def goal_prefer_time(self) -> list:
        """Sessions that do not start and end inside their preferred time of day.

        The starts that keep the wish are listed from the session's own starts
        on the wall clock, so a clock change inside the day is counted right.
        """
        terms: list = []
        for s in self.sessions:
            if s.prefer.time is None:
                continue
            first, last = s.prefer.time
            grid = self.grid[s.id]
            liked = [
                t
                for t in grid
                if first <= self.clock.time_of_day(t) and self.clock.wall_end(t, s.duration) <= last
            ]
            if not liked or len(liked) == len(grid):
                terms.append(0 if liked else 1)
                continue
            others = sorted(set(grid) - set(liked))
            inside = self.model.new_bool_var(f"{s.id}.prefer.time")
            self.model.add_linear_expression_in_domain(
                self.start[s.id], cp_model.Domain.from_values(liked)
            ).only_enforce_if(inside)
            self.model.add_linear_expression_in_domain(
                self.start[s.id], cp_model.Domain.from_values(others)
            ).only_enforce_if(~inside)
            terms.append(1 - inside)
        return terms

    # --- reading the answer -------------------------------------------------

    def read(self, solver: Any, status: str = "OPTIMAL") -> Timetable:
        """The timetable in a solver or solution callback (both answer `value`)."""
        placements = []
        for s in self.sessions:
            start = self.clock.moment(solver.value(self.start[s.id]))
            venue = next(v for v, b in self.at[s.id].items() if solver.boolean_value(b))
            placements.append(Placement(s.id, venue, start, start + timedelta(minutes=s.duration)))
        placements.sort(key=lambda p: (p.start, p.venue, p.session))
        penalties = {  # goals weighing nothing are not modelled, so not counted
            goal: int(sum(solver.value(t) for t in terms))
            for goal, terms in self.penalties.items()
            if self.festival.weights.of(goal)
        }
        moves = {
            kind: int(sum(solver.value(t) for t in terms)) for kind, terms in self.moves.items()
        }
        return Timetable(
            festival=self.festival.id,
            placements=tuple(placements),
            status=status,
            objective=round(solver.objective_value),
            bound=round(solver.best_objective_bound),
            penalties=penalties,
            moves=moves,
        )


def _complement(forbidden: list[tuple[int, int]], low: int, high: int) -> cp_model.Domain | None:
    """The values in [low, high] outside every forbidden [a, b]; None if nothing is forbidden."""
    spans = sorted((max(a, low), min(b, high)) for a, b in forbidden if a <= high and b >= low)
    if not spans:
        return None
    allowed, cursor = [], low
    for a, b in spans:
        if a > cursor:
            allowed.append([cursor, a - 1])
        cursor = max(cursor, b + 1)
    if cursor <= high:
        allowed.append([cursor, high])
    return cp_model.Domain.from_intervals(allowed) if allowed else cp_model.Domain(1, 0)


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _period(start: datetime, end: datetime) -> str:
    if start.time() == end.time() == datetime.min.time():
        last = end - timedelta(days=1)
        return (
            f"on {start:%Y-%m-%d}"
            if last.date() == start.date()
            else (f"{start:%Y-%m-%d}..{last:%Y-%m-%d}")
        )
    if start.date() == end.date():
        return f"{start:%Y-%m-%d} {start:%H:%M}-{end:%H:%M}"
    return f"{start:%Y-%m-%d %H:%M}..{end:%Y-%m-%d %H:%M}"


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


def _why_no_venue(festival: Festival, s: Session) -> str:
    reasons = []
    if s.attendance and all(v.capacity < s.attendance for v in festival.venues):
        reasons.append(f"no venue holds {s.attendance} people")
    if s.needs and not any(s.needs <= v.features for v in festival.venues):
        reasons.append(f"no venue has all of {', '.join(sorted(s.needs))}")
    return f"session {s.id!r}: no venue fits its attendance, needs, cities and venues together" + (
        f" ({'; '.join(reasons)})" if reasons else ""
    )
