"""Lay a festival out over days, times and venues with OR-Tools CP-SAT.

Time is counted in minutes from midnight at the start of the festival window.
Each session gets a start on the `step` grid of a festival day, a day tied to
it, a Boolean per day, and one venue: a Boolean per eligible venue, each with
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

import time as clock
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from ortools.sat.python import cp_model

from . import construct, days
from .model import SOFT_GOALS, Festival, Period, Placement, Session, Timetable, Venue

DAY = 1440
MOVE_KINDS = ("moved_date", "moved_time", "moved_venue")
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
) -> Result:
    """Find the best timetable for `festival` that keeps every hard rule.

    `previous` is the published timetable: moves away from it are minimised
    first. `keep` maps session ids that must not move to why ("pinned" or
    "frozen").
    """
    started = clock.perf_counter()
    built = _Model(festival, previous=previous, keep=keep or {})
    built.hint_first_fit()
    solver = cp_model.CpSolver()
    _deterministic(solver, options)
    totals = [0.0, 0, 0]

    clocked = [False]

    def run(phase: str) -> tuple[int, tuple[Timetable, dict[int, int]] | None]:
        """Solve; the timetable found and its variables' values, if any."""
        code = solver.solve(built.model, _Callback(on_progress, phase))
        final = None
        if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            final = (built.read(solver), built.values(solver))
        cap = options.max_seconds
        if cap is not None and code != cp_model.OPTIMAL and code != cp_model.INFEASIBLE:
            # unfinished, yet inside its deterministic budget: the clock stopped it
            clocked[0] = clocked[0] or solver.deterministic_time < 0.99 * options.time_limit
        totals[0] += solver.deterministic_time
        totals[1] += solver.num_branches
        totals[2] += solver.num_conflicts
        return code, final

    statuses = []
    if built.has_moves:
        built.model.minimize(built.disruption)
        code, final = run("fewest moves")
        statuses.append(code)
        if final is not None:
            best = final[0].objective
            built.model.add(built.disruption <= best)
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
    return Result(
        status=status,
        timetable=timetable,
        wall_time=clock.perf_counter() - started,
        deterministic_time=totals[0],
        branches=int(totals[1]),
        conflicts=int(totals[2]),
        unplaceable=tuple(built.unplaceable),
        stopped_by_clock=clocked[0],
    )


def explain(
    festival: Festival,
    previous: Timetable | None = None,
    keep: Mapping[str, str] | None = None,
    time_limit: float = 30.0,
) -> Explanation:
    """A minimal set of the definition's rules that no timetable can keep together."""
    built = _Model(festival, previous=previous, keep=keep or {}, explain=True)
    guards = list(built.guards.items())
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.num_workers = 1  # with more, or with an objective, the core is not minimised
    params.random_seed = 0
    params.max_deterministic_time = time_limit
    built.model.add_assumptions([lit for _, lit in guards])
    code = solver.solve(built.model)
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
        code = solver.solve(built.model)
        if code == cp_model.INFEASIBLE:
            core = trial
        else:
            if code != cp_model.OPTIMAL and code != cp_model.FEASIBLE:
                minimal = False
            index += 1
    return Explanation(
        "INFEASIBLE", tuple(sorted(core, key=lambda r: (_order(r.key), r.text))), minimal
    )


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


class _Model:
    """The CP-SAT model of one festival, and how to read a timetable back."""

    def __init__(
        self,
        festival: Festival,
        previous: Timetable | None = None,
        keep: Mapping[str, str] | None = None,
        explain: bool = False,
    ):
        self.festival = festival
        self.explain = explain
        self.model = cp_model.CpModel()
        self.guards: dict[Rule, cp_model.IntVar] = {}
        self.origin = datetime.combine(festival.start, datetime.min.time())
        self.allowed_days: list[date] = days.festival_days(festival)
        window = days.date_range(festival.start, festival.end)
        self.days: list[date] = window if explain else self.allowed_days
        self.day_offset = {d: (d - festival.start).days for d in window}
        self.horizon = len(window) * DAY
        self.unplaceable: list[str] = []
        self.sessions = festival.sessions
        self.index = {s.id: i for i, s in enumerate(festival.sessions)}
        self.on: dict[str, dict[date, cp_model.IntVar]] = {}
        self.day: dict[str, cp_model.IntVar] = {}
        self.slot: dict[str, cp_model.IntVar] = {}  # start in grid steps
        self.start: dict[str, cp_model.LinearExprT] = {}  # start in minutes
        self.interval: dict[str, cp_model.IntervalVar] = {}
        self.at: dict[str, dict[str, cp_model.IntVar]] = {}
        self.previous = {
            p.session: p
            for p in (previous.placements if previous else ())
            if p.session in self.index
        }
        self.keep = dict(keep or {})
        #: session → venue → the starts the venue allows, and the matching slot variable
        self.starts_in: dict[str, dict[str, list[int]]] = {s.id: {} for s in self.sessions}
        self.begins: dict[str, dict[str, cp_model.IntVar]] = {s.id: {} for s in self.sessions}
        self._venue_starts: dict[tuple[str, int], list[int]] = {}
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

    def when(self, key: str, text: str) -> list[cp_model.IntVar]:
        """The enforcement literals for one rule: none normally, its guard in explain mode."""
        if not self.explain:
            return []
        rule = Rule(key, text)
        if rule not in self.guards:
            self.guards[rule] = self.model.new_bool_var(f"guard[{key}] {text}")
        return [self.guards[rule]]

    def minutes(self, moment: datetime) -> int:
        return int((moment - self.origin).total_seconds() // 60)

    # --- variables ----------------------------------------------------------

    def _variables(self) -> None:
        """Start on the step grid of a festival day; day and per-day Booleans channelled.

        `start` (`step` × `slot`) takes only grid values on the model's days; `day` is tied to it by
        0 ≤ start − 1440·day < 1440, and each day Boolean is the reified `day == d`
        (a formulation CP-SAT propagates far better than `start = 1440·day + slot`).
        """
        m, step = self.model, self.festival.step
        for s in self.sessions:
            offsets = [self.day_offset[d] for d in self.days] or [0]
            grid = [o * DAY + t for o in offsets for t in range(0, DAY - s.duration + 1, step)]
            # in grid steps: consecutive starts of a day form one range of the domain
            self.slot[s.id] = m.new_int_var_from_domain(
                cp_model.Domain.from_values([t // step for t in grid] or [0]), f"{s.id}.slot"
            )
            self.start[s.id] = step * self.slot[s.id]
            self.day[s.id] = m.new_int_var_from_domain(
                cp_model.Domain.from_values(offsets), f"{s.id}.day"
            )
            m.add(self.start[s.id] - DAY * self.day[s.id] >= 0)
            m.add(self.start[s.id] - DAY * self.day[s.id] <= DAY - 1)
            self.on[s.id] = {}
            for d in self.days:
                on = m.new_bool_var(f"{s.id}.on.{d}")
                m.add(self.day[s.id] == self.day_offset[d]).only_enforce_if(on)
                m.add(self.day[s.id] != self.day_offset[d]).only_enforce_if(~on)
                self.on[s.id][d] = on
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

    def tod(self, sid: str) -> cp_model.LinearExprT:
        """Minutes after midnight at which session `sid` starts."""
        return self.start[sid] - DAY * self.day[sid]

    def venue_starts(self, s: Session, v: Venue) -> list[int]:
        """The grid starts at which `s` fits venue `v`'s hours and misses its closures."""
        key = (v.id, s.duration)
        if key not in self._venue_starts:
            step = self.festival.step
            closures = [(self.minutes(p.start), self.minutes(p.end)) for p in v.closed]
            first = -(-v.opens // step) * step
            starts = []
            for d in self.days:
                base = self.day_offset[d] * DAY
                for t in range(base + first, base + v.closes - s.duration + 1, step):
                    if not any(a < t + s.duration and t < b for a, b in closures):
                        starts.append(t)
            self._venue_starts[key] = starts
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

        Normally part of each venue's own start variable (see `venues_overlap`);
        explain mode states it as a guarded rule.
        """
        if not self.explain:
            return
        for j, v in enumerate(self.festival.venues):
            guard = self.when(
                f"venues[{j}].hours", f"venue {v.id!r} is open {_clock(v.opens)}-{_clock(v.closes)}"
            )
            for s in self.sessions:
                here = self.at[s.id].get(v.id)
                if here is None:
                    continue
                self.model.add(self.tod(s.id) >= v.opens).only_enforce_if(here, *guard)
                self.model.add(self.tod(s.id) + s.duration <= v.closes).only_enforce_if(
                    here, *guard
                )

    def venues_closed(self) -> None:
        """A session does not overlap a closure of its venue (normally as `venues_hours`)."""
        if not self.explain:
            return
        for j, v in enumerate(self.festival.venues):
            for period in v.closed:
                guard = self.when(
                    f"venues[{j}].closed",
                    f"venue {v.id!r} is closed {_period(period.start, period.end)}",
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
                    step = self.festival.step
                    self.starts_in[s.id][v.id] = starts
                    slot = self.model.new_int_var_from_domain(
                        cp_model.Domain.from_values([t // step for t in starts]),
                        f"{s.id}.slot.{v.id}",
                    )
                    self.model.add(self.slot[s.id] == slot).only_enforce_if(here)
                    self.begins[s.id][v.id] = slot
                    begins = step * slot
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
                    f"{person.id} is unavailable {_period(period.start, period.end)}",
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
                    f"session {s.id!r} starts at {s.earliest:%Y-%m-%d %H:%M} or later",
                )
                self.model.add(self.start[s.id] >= self.minutes(s.earliest)).only_enforce_if(guard)

    def sessions_latest(self) -> None:
        for s in self.sessions:
            if s.latest is not None:
                guard = self.when(
                    f"sessions[{self.index[s.id]}].latest",
                    f"session {s.id!r} ends by {s.latest:%Y-%m-%d %H:%M}",
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
                f"session {s.id!r} is fixed at {s.fixed.start:%Y-%m-%d %H:%M}" + where,
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
            guard = self.when(key, f"{text} ({old.venue}, {old.start:%Y-%m-%d %H:%M})")
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
            old_day = old.start.date()
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
        big = len(self.previous) * per_kind + 1
        self.disruption = big * sum(moved_all) + sum(
            weights.of(k) * sum(terms) for k, terms in kinds.items()
        )

    def hint_first_fit(self) -> int:
        """Hint a first-fit placement (`construct.first_fit`); returns how many it placed."""
        wanted = {sid: (p.venue, self.minutes(p.start)) for sid, p in self.previous.items()}
        must = {sid: wanted[sid] for sid in self.keep if sid in wanted}
        places = construct.first_fit(self.festival, self.starts_in, self.origin, wanted, must)
        self.model.clear_hints()
        step = self.festival.step
        for sid, (vid, start) in places.items():
            self.model.add_hint(self.slot[sid], start // step)
            self.model.add_hint(self.day[sid], start // DAY)
            for d, b in self.on[sid].items():
                self.model.add_hint(b, self.day_offset[d] == start // DAY)
            for v, b in self.at[sid].items():
                self.model.add_hint(b, v == vid)
            for v, begins in self.begins[sid].items():
                if v == vid:
                    self.model.add_hint(begins, start // step)
        if len(places) == len(self.sessions):
            self._complete_hint()
        return len(places)

    def _complete_hint(self) -> None:
        """Extend a hint that places every session to every variable of the model.

        With the placement fixed, what remains (unused venue starts, penalty
        counters) follows by propagation; a complete hint is taken by CP-SAT as
        its first solution at once, where an incomplete one costs a search.
        """
        solver = cp_model.CpSolver()
        params = solver.parameters
        params.num_workers = 1
        params.fix_variables_to_their_hinted_value = True
        params.stop_after_first_solution = True
        params.max_deterministic_time = 5.0
        code = solver.solve(self.model)
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
        terms = []
        for s in self.sessions:
            if s.prefer.time is None:
                continue
            first, last = s.prefer.time
            begins = self.tod(s.id)
            late_enough = self.model.new_bool_var(f"{s.id}.prefer.from")
            self.model.add(begins >= first).only_enforce_if(late_enough)
            self.model.add(begins < first).only_enforce_if(~late_enough)
            early_enough = self.model.new_bool_var(f"{s.id}.prefer.to")
            self.model.add(begins + s.duration <= last).only_enforce_if(early_enough)
            self.model.add(begins + s.duration > last).only_enforce_if(~early_enough)
            inside = self.model.new_bool_var(f"{s.id}.prefer.time")
            self.model.add_bool_and([late_enough, early_enough]).only_enforce_if(inside)
            self.model.add_bool_or([~late_enough, ~early_enough]).only_enforce_if(~inside)
            terms.append(1 - inside)
        return terms

    # --- reading the answer -------------------------------------------------

    def read(self, solver: Any, status: str = "OPTIMAL") -> Timetable:
        """The timetable in a solver or solution callback (both answer `value`)."""
        placements = []
        for s in self.sessions:
            start = self.origin + timedelta(minutes=solver.value(self.start[s.id]))
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
