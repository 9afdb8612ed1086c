"""Lay a festival out over days, times and venues with OR-Tools CP-SAT.

Time is counted in minutes from midnight at the start of the festival window.
Each session gets one day (a Boolean per allowed festival day), a start slot on
the day's `step` grid, and one venue (a Boolean per eligible venue, each gating an
optional interval). Every rule family of the definition is one method of
`_Model`, named after its config key; every soft goal is one method returning
its penalty expression. The solver never prints: progress goes to `on_progress`.

The default parameters are deterministic: `interleave_search` (the same search
whatever the number of workers), a fixed `random_seed`, and a limit in
deterministic time rather than wall-clock time.
"""

from __future__ import annotations

import time as clock
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from ortools.sat.python import cp_model

from . import days
from .model import SOFT_GOALS, Festival, Placement, Session, Timetable, Venue

DAY = 1440


@dataclass(frozen=True)
class Options:
    """Solver settings. `time_limit` is in CP-SAT deterministic seconds."""

    time_limit: float = 30.0
    workers: int = 2
    seed: int = 0


@dataclass(frozen=True)
class Progress:
    """A new best timetable was found while solving."""

    elapsed: float  # wall-clock seconds
    objective: int
    bound: int
    solutions: int


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

    @property
    def proven_optimal(self) -> bool:
        return self.status == "OPTIMAL"


def solve(
    festival: Festival,
    options: Options = Options(),
    on_progress: Callable[[Progress], None] | None = None,
) -> Result:
    """Find the best timetable for `festival` that keeps every hard rule."""
    built = _Model(festival)
    solver = cp_model.CpSolver()
    _deterministic(solver, options)
    callback = _Callback(on_progress)
    started = clock.perf_counter()
    code = solver.solve(built.model, callback)
    status = solver.status_name(code)
    timetable = None
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        timetable = built.read(solver, status)
    return Result(
        status=status,
        timetable=timetable,
        wall_time=clock.perf_counter() - started,
        deterministic_time=solver.deterministic_time,
        branches=solver.num_branches,
        conflicts=solver.num_conflicts,
        unplaceable=tuple(built.unplaceable),
    )


def _deterministic(solver: cp_model.CpSolver, options: Options) -> None:
    params = solver.parameters
    params.num_workers = max(1, options.workers)
    params.interleave_search = True
    params.random_seed = options.seed
    params.max_deterministic_time = options.time_limit
    params.log_search_progress = False


class _Callback(cp_model.CpSolverSolutionCallback):
    def __init__(self, on_progress: Callable[[Progress], None] | None):
        super().__init__()
        self.on_progress = on_progress
        self.count = 0

    def on_solution_callback(self) -> None:
        self.count += 1
        if self.on_progress is not None:
            self.on_progress(
                Progress(
                    self.wall_time,
                    int(self.objective_value),
                    int(self.best_objective_bound),
                    self.count,
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

    def __init__(self, festival: Festival):
        self.festival = festival
        self.model = cp_model.CpModel()
        self.origin = datetime.combine(festival.start, datetime.min.time())
        self.days: list[date] = days.festival_days(festival)
        self.day_offset = {d: (d - festival.start).days for d in self.days}
        self.horizon = ((festival.end - festival.start).days + 1) * DAY
        self.unplaceable: list[str] = []
        self.sessions = festival.sessions
        self.on: dict[str, dict[date, cp_model.IntVar]] = {}
        self.day: dict[str, cp_model.IntVar] = {}
        self.slot: dict[str, cp_model.IntVar] = {}
        self.start: dict[str, cp_model.IntVar] = {}
        self.interval: dict[str, cp_model.IntervalVar] = {}
        self.at: dict[str, dict[str, cp_model.IntVar]] = {}
        self._variables()
        for rule in (
            self.festival_days,
            self.festival_max_sessions_per_day,
            self.venues_hours,
            self.venues_closed,
            self.venues_overlap,
            self.people_overlap,
            self.people_unavailable,
            self.people_cities,
            self.sessions_earliest,
            self.sessions_latest,
            self.sessions_fixed,
            self.sessions_after,
        ):
            rule()
        penalties = {goal: getattr(self, f"goal_{goal}")() for goal in SOFT_GOALS}
        self.penalties = penalties
        weights = festival.weights
        self.model.minimize(
            sum(weights.of(g) * sum(terms) for g, terms in penalties.items() if terms)
        )

    # --- variables ----------------------------------------------------------

    def minutes(self, moment: datetime) -> int:
        return int((moment - self.origin).total_seconds() // 60)

    def _variables(self) -> None:
        m, step = self.model, self.festival.step
        for s in self.sessions:
            self.on[s.id] = {d: m.new_bool_var(f"{s.id}.on.{d}") for d in self.days}
            offsets = [self.day_offset[d] for d in self.days] or [0]
            self.day[s.id] = m.new_int_var_from_domain(
                cp_model.Domain.from_values(offsets), f"{s.id}.day"
            )
            self.slot[s.id] = m.new_int_var(0, max(0, (DAY - s.duration) // step), f"{s.id}.slot")
            self.start[s.id] = m.new_int_var(0, self.horizon, f"{s.id}.start")
            m.add(self.start[s.id] == DAY * self.day[s.id] + step * self.slot[s.id])
            m.add(self.day[s.id] == sum(self.day_offset[d] * b for d, b in self.on[s.id].items()))
            self.interval[s.id] = m.new_fixed_size_interval_var(
                self.start[s.id], s.duration, f"{s.id}.time"
            )
            venues = eligible_venues(self.festival, s)
            if not venues:
                self.unplaceable.append(_why_no_venue(self.festival, s))
            self.at[s.id] = {v.id: m.new_bool_var(f"{s.id}.at.{v.id}") for v in venues}
            m.add_exactly_one(self.at[s.id].values())

    # --- hard rules, one per config key --------------------------------------

    def festival_days(self) -> None:
        """festival.days / festival.blackout: one allowed day per session."""
        for s in self.sessions:
            self.model.add_exactly_one(self.on[s.id].values())

    def festival_max_sessions_per_day(self) -> None:
        limit = self.festival.max_sessions_per_day
        if limit is None:
            return
        for d in self.days:
            self.model.add(sum(self.on[s.id][d] for s in self.sessions) <= limit)

    def venues_hours(self) -> None:
        """A session lies inside the opening hours of its venue."""
        step = self.festival.step
        for s in self.sessions:
            for vid, here in self.at[s.id].items():
                v = self.festival.venue(vid)
                self.model.add(step * self.slot[s.id] >= v.opens).only_enforce_if(here)
                self.model.add(step * self.slot[s.id] + s.duration <= v.closes).only_enforce_if(
                    here
                )

    def venues_closed(self) -> None:
        """A session does not overlap a closure of its venue."""
        for s in self.sessions:
            for vid, here in self.at[s.id].items():
                forbidden = [
                    (self.minutes(p.start) - s.duration + 1, self.minutes(p.end) - 1)
                    for p in self.festival.venue(vid).closed
                ]
                allowed = _complement(forbidden, 0, self.horizon)
                if allowed is not None:
                    self.model.add_linear_expression_in_domain(
                        self.start[s.id], allowed
                    ).only_enforce_if(here)

    def venues_overlap(self) -> None:
        """Sessions in one venue never overlap, changeover included."""
        for v in self.festival.venues:
            intervals = [
                self.model.new_optional_fixed_size_interval_var(
                    self.start[s.id],
                    s.duration + v.changeover,
                    self.at[s.id][v.id],
                    f"{s.id}.in.{v.id}",
                )
                for s in self.sessions
                if v.id in self.at[s.id]
            ]
            if len(intervals) > 1:
                self.model.add_no_overlap(intervals)

    def people_overlap(self) -> None:
        """Nobody is in two sessions at once."""
        for person in self.festival.people:
            mine = [self.interval[s.id] for s in self.sessions if person.id in s.people]
            if len(mine) > 1:
                self.model.add_no_overlap(mine)

    def people_unavailable(self) -> None:
        for s in self.sessions:
            forbidden = [
                (self.minutes(p.start) - s.duration + 1, self.minutes(p.end) - 1)
                for pid in s.people
                for p in self.festival.person(pid).unavailable
            ]
            allowed = _complement(forbidden, 0, self.horizon)
            if allowed is not None:
                self.model.add_linear_expression_in_domain(self.start[s.id], allowed)

    def people_cities(self) -> None:
        """Nobody is in two cities on the same day."""
        city_code = {c: i for i, c in enumerate(sorted({v.city for v in self.festival.venues}))}
        city = {}
        for s in self.sessions:
            codes = {city_code[self.festival.venue(v).city] for v in self.at[s.id]}
            if len(codes) > 1:
                var = self.model.new_int_var(min(codes), max(codes), f"{s.id}.city")
                self.model.add(
                    var
                    == sum(
                        city_code[self.festival.venue(v).city] * b for v, b in self.at[s.id].items()
                    )
                )
                city[s.id] = var
            elif codes:
                city[s.id] = next(iter(codes))
        pairs = set()
        for person in self.festival.people:
            mine = [s for s in self.sessions if person.id in s.people and s.id in city]
            for i, a in enumerate(mine):
                for b in mine[i + 1 :]:
                    pairs.add((a.id, b.id) if a.id < b.id else (b.id, a.id))
        for a, b in sorted(pairs):
            if isinstance(city[a], int) and isinstance(city[b], int):
                if city[a] != city[b]:
                    self.model.add(self.day[a] != self.day[b])
                continue
            same_day = self.model.new_bool_var(f"{a}.{b}.same_day")
            self.model.add(self.day[a] == self.day[b]).only_enforce_if(same_day)
            self.model.add(self.day[a] != self.day[b]).only_enforce_if(~same_day)
            self.model.add(city[a] == city[b]).only_enforce_if(same_day)

    def sessions_earliest(self) -> None:
        for s in self.sessions:
            if s.earliest is not None:
                self.model.add(self.start[s.id] >= self.minutes(s.earliest))

    def sessions_latest(self) -> None:
        for s in self.sessions:
            if s.latest is not None:
                self.model.add(self.start[s.id] + s.duration <= self.minutes(s.latest))

    def sessions_fixed(self) -> None:
        for s in self.sessions:
            if s.fixed is None:
                continue
            self.model.add(self.start[s.id] == self.minutes(s.fixed.start))
            if s.fixed.venue is not None:
                here = self.at[s.id].get(s.fixed.venue)
                if here is None:
                    self.model.add_bool_or([])  # the pinned venue is not eligible
                else:
                    self.model.add(here == 1)

    def sessions_after(self) -> None:
        durations = {s.id: s.duration for s in self.sessions}
        for s in self.sessions:
            for before in s.after:
                self.model.add(self.start[s.id] >= self.start[before] + durations[before])

    # --- soft goals: each returns a list of penalty terms ---------------------

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
        terms = []
        for s in self.sessions:
            if s.prefer.dates:
                wanted = [self.on[s.id][d] for d in s.prefer.dates if d in self.on[s.id]]
                terms.append(1 - sum(wanted))
        return terms

    def goal_prefer_venue(self) -> list:
        terms = []
        for s in self.sessions:
            if s.prefer.venues:
                wanted = [self.at[s.id][v] for v in s.prefer.venues if v in self.at[s.id]]
                terms.append(1 - sum(wanted))
        return terms

    def goal_prefer_time(self) -> list:
        terms = []
        step = self.festival.step
        for s in self.sessions:
            if s.prefer.time is None:
                continue
            first, last = s.prefer.time
            begins = step * self.slot[s.id]
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

    def read(self, solver: cp_model.CpSolver, status: str) -> Timetable:
        placements = []
        for s in self.sessions:
            start = self.origin + timedelta(minutes=solver.value(self.start[s.id]))
            venue = next(v for v, b in self.at[s.id].items() if solver.boolean_value(b))
            placements.append(Placement(s.id, venue, start, start + timedelta(minutes=s.duration)))
        placements.sort(key=lambda p: (p.start, p.venue, p.session))
        penalties = {
            goal: int(sum(solver.value(t) for t in terms)) for goal, terms in self.penalties.items()
        }
        return Timetable(
            festival=self.festival.id,
            placements=tuple(placements),
            status=status,
            objective=round(solver.objective_value),
            bound=round(solver.best_objective_bound),
            penalties=penalties,
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


def _why_no_venue(festival: Festival, s: Session) -> str:
    reasons = []
    if s.attendance and all(v.capacity < s.attendance for v in festival.venues):
        reasons.append(f"no venue holds {s.attendance} people")
    if s.needs and not any(s.needs <= v.features for v in festival.venues):
        reasons.append(f"no venue has all of {', '.join(sorted(s.needs))}")
    return f"session {s.id!r}: no venue fits its attendance, needs, cities and venues together" + (
        f" ({'; '.join(reasons)})" if reasons else ""
    )
