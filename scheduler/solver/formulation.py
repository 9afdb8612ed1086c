"""The CP-SAT model of one festival: its variables, its hints, and how to read it.

Time is counted in elapsed minutes from the festival's first instant
(`Clock`), so durations and overlaps are right across clock changes.
Each session gets a start on the `step` grid of the wall clock on a festival
day, a day tied to it, a Boolean per day, and one venue: a Boolean per eligible
venue, each with its own start variable (whose domain keeps the venue's hours
and closures) gating an optional interval.

Every hard rule of `scheduler.rules` is one function of `hard` named after the
rule (`venues.hours` → `hard.venues_hours`), applied here in `hard.BUILDERS`' order;
the soft goals and the moves are in `goals`. With `explain=True` every rule
instance is switched by its own guard literal (see `when`), for
`explain.explain` to find a conflicting subset.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from ortools.sat.python import cp_model

from .. import days
from ..model import Festival, Period, Placement, Session, Status, Timetable
from ..rules import named
from . import goals, hard
from .clock import Clock
from .engine import Request, Stopped, cp_solver, lighten, run
from .first_fit import first_fit
from .grid import DAY, Table, day_grid, eligible_venues, starts_table


@dataclass(frozen=True)
class SessionVars:
    """One session's variables in the model."""

    slot: cp_model.IntVar  # its start in grid units (`Formulation.unit` minutes)
    start: cp_model.LinearExprT  # its start in minutes on the clock's axis
    day: cp_model.IntVar  # the day offset of its start
    on: dict[date, cp_model.IntVar]  # per model day: whether it is on that day
    interval: cp_model.IntervalVar  # its time
    at: dict[str, cp_model.IntVar]  # per venue it may use: whether it is there
    grid: list[int]  # every start its days allow (axis minutes, sorted)
    day_offsets: set[int]  # the days of those starts
    #: per venue whose starts are a variable of their own (a plan only): that variable
    begins: dict[str, cp_model.IntVar] = field(default_factory=dict)


class ModelView(Protocol):
    """What a rule's or goal's function reads of the model being built (and all it may):
    the festival, the CP-SAT model, each session's variables, the guard of a rule
    instance, and the model's days and time axis. `Formulation` is one; its hints and
    reading a timetable back are not part of it."""

    festival: Festival
    model: cp_model.CpModel
    vars: dict[str, SessionVars]
    explain: bool
    sessions: tuple[Session, ...]
    index: dict[str, int]  # session id → its place in the definition (for keys)
    sessions_of: dict[str, list[Session]]  # person id → their sessions
    table: Table
    clock: Clock
    unit: int
    horizon: int
    days: list[date]
    allowed_days: list[date]
    day_offset: dict[date, int]
    previous: dict[str, Placement]
    keep: dict[str, str]
    published: int

    def when(self, name: str, key: str, text: str) -> list[cp_model.IntVar]: ...
    def minutes(self, moment: datetime) -> int: ...
    def shown(self, moment: datetime) -> str: ...
    def period_shown(self, period: Period) -> str: ...


@dataclass(frozen=True)
class RuleInstance:
    """One instance of a rule in the definition, as an explanation names it."""

    name: str  # the rule's name in `scheduler.rules`, e.g. "venues.capacity"
    key: str  # where the definition states it, e.g. "sessions[3].attendance"
    text: str  # the rule in words


class Formulation:
    """The CP-SAT model of one festival, and how to read a timetable back."""

    def __init__(
        self,
        request: Request,
        explain: bool = False,
        stop: threading.Event | None = None,
        table: Table | None = None,
    ):
        """The model of `request.festival`, whose moves from `request.previous` are counted
        and whose `request.keep` sessions stay; `table`: the festival's
        `grid.starts_table`, where the caller has it. Setting `stop` while the model is
        built raises `Stopped`."""
        festival = self.festival = request.festival
        previous = request.previous
        self.stop = stop or threading.Event()
        self.explain = explain
        #: the timetable a complete hint makes and its placement values (`values`), with the
        #: objective set when the hint was given
        self.completed: tuple[Timetable, dict[int, int]] | None = None
        self.model = cp_model.CpModel()
        self.guards: dict[RuleInstance, cp_model.IntVar] = {}
        self.clock = Clock(festival)
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
        #: each person's sessions, in the festival's order
        self.sessions_of: dict[str, list[Session]] = {}
        for s in festival.sessions:
            for pid in dict.fromkeys(s.people):
                self.sessions_of.setdefault(pid, []).append(s)
        #: each session's variables, one record per session id
        self.vars: dict[str, SessionVars] = {}
        self.previous = {
            p.session: p
            for p in (previous.placements if previous else ())
            if p.session in self.index
        }
        self.keep = dict(request.keep)
        self.published = len(previous.placements) if previous else 0
        #: session → eligible venue → the starts its days, hours, slots, blocks and closures
        #: allow (a plan only: explain mode states those rules as guarded constraints); the
        #: one domain the model's venue starts and first fit both read
        self.table: Table = {} if explain else table or starts_table(festival)
        self.check_stop()
        self._variables()
        for rule in hard.BUILDERS:
            self.check_stop()
            rule(self)
        self.moves: dict[str, list] = {}
        self.disruption: cp_model.LinearExprT = 0
        self.has_moves = bool(self.previous) and not explain
        if self.has_moves:
            self.moves, self.disruption = goals.disruption(self)
        self.penalties: dict[str, list] = {}
        if not explain:
            self.penalties = goals.penalties(self)

    # --- guards: in explain mode every rule is switched by its own literal ----

    def check_stop(self) -> None:
        """Raise `Stopped` once `stop` is set."""
        if self.stop.is_set():
            raise Stopped

    def when(self, name: str, key: str, text: str) -> list[cp_model.IntVar]:
        """The enforcement literals of one instance of rule `name` (stated at `key`):
        none in a plan, its own guard in explain mode."""
        if not self.explain:
            return []
        instance = RuleInstance(named(name), key, text)
        if instance not in self.guards:
            self.guards[instance] = self.model.new_bool_var(f"guard[{key}] {text}")
        return [self.guards[instance]]

    def minutes(self, moment: datetime) -> int:
        return self.clock.minute(moment)

    def shown(self, moment: datetime) -> str:
        """An instant as explanations show it: on the festival's wall clock."""
        return f"{self.clock.local(moment):%Y-%m-%d %H:%M}"

    def period_shown(self, period: Period) -> str:
        return period_text(self.clock.local(period.start), self.clock.local(period.end))

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
        grids_as_set = {o: set(grid) for o, grid in grids.items()}
        by_duration: dict[int, list[int]] = {}  # the grid starts a session of that length has
        for s in self.sessions:
            offsets = offsets_all
            if s.fixed is not None and not self.explain:
                # a fixed start is the whole domain (pinned sessions of a neighbourhood)
                at = self.minutes(s.fixed.start)
                day = clock.day(at)
                on_grid = day in offsets and at in grids_as_set[day]
                grid = [at] if on_grid else []
                offsets = [day] if on_grid else offsets
            else:
                if s.duration not in by_duration:
                    by_duration[s.duration] = [
                        t
                        for o in offsets
                        for t in grids[o]
                        if t + s.duration <= clock.day_start(o + 1)
                    ]
                grid = by_duration[s.duration]
            # in grid units: consecutive starts of a day form one range of the domain
            slot = m.new_int_var_from_domain(
                cp_model.Domain.from_values([t // unit for t in grid] or [0]), f"{s.id}.slot"
            )
            start = unit * slot
            day = m.new_int_var_from_domain(cp_model.Domain.from_values(offsets), f"{s.id}.day")
            on_day = {}
            for d in self.days:
                on = m.new_bool_var(f"{s.id}.on.{d}")
                m.add(day == self.day_offset[d]).only_enforce_if(on)
                m.add(day != self.day_offset[d]).only_enforce_if(~on)
                on_day[d] = on
            if clock.uniform:
                m.add(start - DAY * day >= 0)
                m.add(start - DAY * day <= DAY - 1)
            else:  # days of 23 or 25 hours: each day Boolean bounds the start
                m.add_exactly_one(on_day.values())
                for d, on in on_day.items():
                    o = self.day_offset[d]
                    m.add(start >= clock.day_start(o)).only_enforce_if(on)
                    m.add(start < clock.day_start(o + 1)).only_enforce_if(on)
            if not grid:
                m.add_bool_or([])  # no festival day at all
            interval = m.new_fixed_size_interval_var(start, s.duration, f"{s.id}.time")
            venues = (
                list(self.festival.venues) if self.explain else eligible_venues(self.festival, s)
            )
            if not venues:
                self.unplaceable.append(_why_no_venue(self.festival, s))
            at = {v.id: m.new_bool_var(f"{s.id}.at.{v.id}") for v in venues}
            m.add_exactly_one(at.values())
            self.vars[s.id] = SessionVars(
                slot, start, day, on_day, interval, at, grid, {clock.day(t) for t in grid}
            )

    # --- hints ------------------------------------------------------------------

    def hint_first_fit(self) -> int:
        """Hint a first-fit placement (`first_fit.first_fit`); returns how many it placed."""
        wanted = {sid: (p.venue, self.minutes(p.start)) for sid, p in self.previous.items()}
        must = {sid: wanted[sid] for sid in self.keep if sid in wanted}
        places = first_fit(self.festival, self.table, self.clock, wanted, must, self.stop)
        self.hint_places(places)
        return len(places)

    def hint_places(self, places: Mapping[str, tuple[str, int]]) -> None:
        """Hint sessions' (venue, start minute); completed to every variable if all are placed."""
        self.model.clear_hints()
        unit = self.unit
        indices: list[int] = []
        values: list[int] = []
        for sid, (vid, start) in places.items():
            if sid not in self.vars:
                continue
            day = self.clock.day(start)
            indices += (self.vars[sid].slot.index, self.vars[sid].day.index)
            values += (start // unit, day)
            for d, b in self.vars[sid].on.items():
                indices.append(b.index)
                values.append(int(self.day_offset[d] == day))
            for v, b in self.vars[sid].at.items():
                indices.append(b.index)
                values.append(int(v == vid))
            begins = self.vars[sid].begins.get(vid)
            if begins is not None:
                indices.append(begins.index)
                values.append(start // unit)
        _hint(self.model, indices, values)
        if all(s.id in places for s in self.sessions):
            self._complete_hint()

    def _complete_hint(self) -> None:
        """Extend a hint that places every session to every variable of the model.

        With the placement fixed, what remains (unused venue starts, penalty
        counters) follows by propagation; a complete hint is taken by CP-SAT as
        its first solution at once, where an incomplete one costs a search.
        """
        solver = cp_solver()
        params = solver.parameters
        params.num_workers = 1
        params.fix_variables_to_their_hinted_value = True
        params.stop_after_first_solution = True
        params.max_deterministic_time = 5.0
        lighten(solver)
        code = run(solver, self.model, stop=self.stop)
        self.check_stop()
        if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return  # keep the partial hint
        completed = replace(self.read(solver, Status.FEASIBLE), bound=0)  # no bound known
        self.completed = (completed, self.values(solver))
        self.model.clear_hints()
        solution = list(solver.response_proto.solution)
        _hint(self.model, range(len(solution)), solution)

    def values(self, source: Any) -> dict[int, int]:
        """The placement variables' values in a solver or solution callback, by index."""
        found = {}
        for sid in self.vars:
            for var in (
                self.vars[sid].slot,
                self.vars[sid].day,
                *self.vars[sid].on.values(),
                *self.vars[sid].at.values(),
                *self.vars[sid].begins.values(),
            ):
                found[var.index] = int(source.value(var))
        return found

    def hint_from(self, values: Mapping[int, int]) -> None:
        """Start the next phase from a solution (see `values`)."""
        self.model.clear_hints()
        _hint(self.model, values.keys(), values.values())
        self._complete_hint()

    def minimize_soft_goals(self) -> None:
        """Make the weighted soft goals the objective."""
        self.model.minimize(
            sum(
                self.festival.weight(g) * sum(terms) for g, terms in self.penalties.items() if terms
            )
        )

    # --- reading the answer -------------------------------------------------

    def objective_of(self, source: Any) -> int:
        """The objective evaluated on the solution in `source` (a solver or a callback).

        Not `objective_value`: stopped by its limit in interleaved search, CP-SAT 9.15 has
        reported an objective value above what its own solution scores (2228 for 2223).
        """
        objective = self.model.proto.objective
        if isinstance(source, cp_model.CpSolver):  # its whole solution at once
            solution = list(source.response_proto.solution)
            values = [solution[index] for index in objective.vars]
        else:
            var = self.model.get_int_var_from_proto_index
            values = [source.value(var(index)) for index in objective.vars]
        total = sum(c * v for c, v in zip(objective.coeffs, values, strict=True))
        return round(total + objective.offset)

    def read(self, solver: Any, status: Status = Status.OPTIMAL) -> Timetable:
        """The timetable in a solver or solution callback (both answer `value`)."""
        placements = []
        for s in self.sessions:
            start = self.clock.moment(solver.value(self.vars[s.id].start))
            venue = next(v for v, b in self.vars[s.id].at.items() if solver.boolean_value(b))
            placements.append(Placement(s.id, venue, start, start + timedelta(minutes=s.duration)))
        placements.sort(key=lambda p: (p.start, p.venue, p.session))
        penalties = {  # goals weighing nothing are not modelled, so not counted
            goal: int(sum(solver.value(t) for t in terms))
            for goal, terms in self.penalties.items()
            if self.festival.weight(goal)
        }
        moves = {
            kind: int(sum(solver.value(t) for t in terms)) for kind, terms in self.moves.items()
        }
        return Timetable(
            festival=self.festival.id,
            placements=tuple(placements),
            status=status,
            objective=self.objective_of(solver),
            # every penalty and move costs 0 or more: so does the best timetable
            bound=max(0, round(solver.best_objective_bound)),
            penalties=penalties,
            moves=moves,
        )


def _hint(model: cp_model.CpModel, indices: Iterable[int], values: Iterable[int]) -> None:
    """Add hints to `model` for the variables at `indices`, at once (one call per variable
    costs more than building a neighbourhood's model)."""
    hint = model.proto.solution_hint
    hint.vars.extend(indices)
    hint.values.extend(values)


def period_text(start: datetime, end: datetime) -> str:
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


def _why_no_venue(festival: Festival, s: Session) -> str:
    reasons = []
    if s.attendance and all(v.capacity < s.attendance for v in festival.venues):
        reasons.append(f"no venue holds {s.attendance} people")
    if s.needs and not any(s.needs <= v.features for v in festival.venues):
        reasons.append(f"no venue has all of {', '.join(sorted(s.needs))}")
    return f"session {s.id!r}: no venue fits its attendance, needs, cities and venues together" + (
        f" ({'; '.join(reasons)})" if reasons else ""
    )
