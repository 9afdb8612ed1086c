"""Solve programmes too big for one model: re-solve small neighbourhoods of a timetable.

From a first-fit timetable, every step frees a few dozen sessions, pins the rest
where they are and solves that festival exactly, starting from the current
timetable; steps stop at the lower bound (every session at its own cheapest
place), at the deterministic budget `Options.time_limit`, or at
`Options.max_seconds`. With a published plan, the fewest moves come first, as in
`solver.solve`. The pure parts are in `costs` (what a place costs one session, the
least it can cost) and `neighbourhoods` (which sessions to free, the pinned festival).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from datetime import timedelta

from ortools.sat.python import cp_model

from ..model import MOVE_KINDS, SOFT_GOALS, Festival, Placement, Status, Timetable
from . import costs, repair
from . import neighbourhoods as lns
from .clock import Clock
from .engine import (
    Halt,
    Job,
    Phase,
    Progress,
    Request,
    Result,
    Stopped,
    cp_solver,
    deterministic,
    lighten,
    run,
    spent,
)
from .first_fit import first_fit
from .formulation import Formulation
from .grid import Place, Table, absences, places_of, window

SMALLEST = 8  # sessions freed at each step, at least (at most: `lns.NEIGHBOURHOOD`)
DENSE_PAIRS = 200  # weighed pairs of sessions (attendees' choices, tags) a first step frees
STALL = 20  # steps of the largest size without a better timetable that end a phase
STALL_REPLAN = 3  # the same when re-planning: only moved sessions can still gain
#: the clash bound looks at no more sessions first fit left off their cheapest places,
#: and at no session with more cheapest places, than these (beyond: it adds nothing)
CLASH_SESSIONS = 200
CLASH_PLACES = 8
STEP_COST = 0.05  # the least a step counts against the budget, however quick
#: how much longer than the first count the final one may take, as time left for it
RECOUNT = 1.25

#: which sessions may gain in the current timetable, and the places where they would
Improvable = Callable[[Mapping[str, Place]], Mapping[str, list[Place]]]


class NeighbourhoodSearch:
    """One search by neighbourhoods: its budget, its state and its steps."""

    def __init__(self, request: Request, table: Table, job: Job):
        festival = self.festival = request.festival
        self.request = request
        self.table = table
        self.job = job
        self.options = job.options
        self.on_progress = job.on_progress
        self.previous = request.previous
        self.keep = request.keep
        self.started = job.started
        self.stop = job.stop
        self.clock = Clock(festival)
        ids = {s.id for s in festival.sessions}
        #: published places of the sessions still in the definition
        self.old = lns.places_in(
            (p for p in (self.previous.placements if self.previous else ()) if p.session in ids),
            self.clock,
        )
        self.sessions = festival.sessions_by_id
        self.windows = {sid: window(s, self.clock) for sid, s in self.sessions.items()}
        people = festival.people_by_id
        self.away = {
            sid: absences(festival, s, self.clock, people) for sid, s in self.sessions.items()
        }
        self.rng = random.Random(job.options.seed)
        self.places: dict[str, Place] = {}
        self.allowed: dict[str, list[Place]] = {}
        #: sessions freed by the next step: smaller after a step its limit ended, larger
        #: after one solved exactly, so that steps stay exact on dense models (many pairs
        #: of sessions that attendees chose together) and broad on easy ones
        self.size = lns.first_size(festival, lns.NEIGHBOURHOOD, SMALLEST, DENSE_PAIRS)
        self.deterministic_time = 0.0
        self.branches = 0
        self.conflicts = 0
        self.clocked = False  # the wall-clock cap ended the search
        #: the last count of the whole timetable (`_objective`): the places it counted, the
        #: pinned model and its solver, reused by `_timetable` when nothing moved since
        self.counted: tuple[dict[str, Place], Formulation, cp_model.CpSolver] | None = None
        #: every goal and rule is local to a day: a step may leave the other days out
        self.local = not festival.together and not any(
            festival.weight(goal) for goal in costs.SPANNING_GOALS
        )
        #: what one moved session costs: more than every kind of move of all sessions
        self.big = (len(self.previous.placements) if self.previous else 0) * sum(
            festival.weights.of(k) for k in MOVE_KINDS
        ) + 1

    def run(self) -> Result | None:
        """The best timetable within the budget; None when first fit and repair cannot
        place every session (the whole model then searches instead)."""
        must = {sid: self.old[sid] for sid in self.keep if sid in self.old}
        try:
            self.places = first_fit(
                self.festival, self.table, self.clock, self.old, must, self.stop
            )
        except Stopped:
            return None
        for sid in lns.broken_together(self.festival, self.clock, self.places):
            del self.places[sid]  # first fit does not keep these groups: repair places them
        if len(self.places) < len(self.festival.sessions):
            repaired = repair.repair(self.request, self.places, self.table, self.clock, self.job)
            if repaired is None:
                return None
            self.places = repaired
        # first fit's (or repair's) timetable is the first solution: reported before the
        # lower bounds, which look at every place of every session
        first_phase = Phase.FEWEST_MOVES if self.old else Phase.SOFT_GOALS
        counting = time.perf_counter()
        first = self._objective(first_phase)
        if first is None:
            return None
        self._report(first_phase, first, 0, 1)
        # the timetable chosen is counted once more at the end (when it moved): the clock
        # leaves time for that, with a quarter more for the count's variation (1.7 s then
        # 1.8 s on a 5,000-talk congress), so that the solve keeps within --max-seconds
        self._reserve(RECOUNT * (time.perf_counter() - counting) if self.counted else 0.0)
        proven = []
        cap = None
        if self.old:
            least_move = self._least_moves()
            bound = sum(least_move.values())
            cap = self._improve(Phase.FEWEST_MOVES, bound, self._moved(least_move), known=first)
            if cap is None:
                return None
            proven.append(cap <= bound)
        least, best_places = self._least_preferences()
        bound = sum(least.values()) + self._clashing(least, best_places)
        objective = self._improve(
            Phase.SOFT_GOALS,
            bound,
            self._costly(least, best_places),
            cap,
            known=None if self.old else first,
        )
        if objective is None:
            return None
        proven.append(objective <= bound)
        status = Status.OPTIMAL if all(proven) else Status.FEASIBLE
        timetable = self._timetable(status, objective, bound)
        if timetable is None:
            return None
        return Result(
            status=status,
            timetable=timetable,
            wall_time=time.perf_counter() - self.started,
            deterministic_time=self.deterministic_time,
            branches=self.branches,
            conflicts=self.conflicts,
            stopped_by_clock=self.clocked or self.stop.clocked(),
            interrupted=self.stop.interrupted,
            moves_proven=proven[0] if self.old else None,
        )

    # --- bounds: what each session costs at best on its own -----------------------

    def _places_of(self, sid: str) -> list[Place]:
        """Every place the session's own rules allow (computed once)."""
        if sid not in self.allowed:
            s = self.sessions[sid]
            self.allowed[sid] = places_of(s, self.table, self.windows[sid], self.away[sid])
        return self.allowed[sid]

    def _least_moves(self) -> dict[str, int]:
        """The least each published session that cannot stay must cost to move."""
        return {
            sid: min(
                (self._moving_to(sid, p) for p in self._places_of(sid)),
                default=0,
            )
            for sid in self.old
            if self.old[sid] not in self._places_of(sid)
        }

    def _least_preferences(self) -> tuple[dict[str, int], dict[str, list[Place]]]:
        """The least each session with preferences costs, and the places that cost that;
        once stopped (or out of wall-clock time), only those counted so far (a lower bound
        still: costs are not negative). A session that costs nothing where it is needs no
        look at its other places: nothing costs less."""
        least: dict[str, int] = {}
        best_places: dict[str, list[Place]] = {}
        for sid, s in self.sessions.items():
            if self.stop.is_set():  # stopped, or out of wall-clock time
                break
            if costs.has_local_cost(self.festival, s):
                here = self.places[sid]
                if costs.preference_cost(self.festival, self.clock, s, here) == 0:
                    least[sid], best_places[sid] = 0, [here]
                    continue
                if costs.venue_only(s):  # its venue alone decides: no place listed twice
                    least[sid], best_places[sid] = costs.cheapest_venues(
                        self.festival, s, self.table, self.windows[sid], self.away[sid]
                    )
                    continue
                least[sid], best_places[sid] = costs.cheapest(
                    self.festival, self.clock, s, self._places_of(sid)
                )
        return least, best_places

    def _clashing(self, least: Mapping[str, int], best_places: Mapping[str, list[Place]]) -> int:
        """What pairs of sessions must cost beyond their own least: a session not at one
        of its cheapest places because another's cheapest places take them all (the
        same room at an overlapping time, or a shared person at an overlapping time),
        so that no timetable has both at their cheapest. For pairs that share no session
        (a matching), each adds the smaller of the two's least extra cost elsewhere; the
        sum stays a lower bound. Looks only at sessions first fit could not put at their
        cheapest (an import's double-booked talks), so it costs nothing otherwise."""
        festival, clock = self.festival, self.clock
        if self.stop.is_set():
            return 0
        costs_here = {
            sid: costs.preference_cost(festival, clock, self.sessions[sid], self.places[sid])
            for sid in least
        }
        costly = [sid for sid in least if costs_here[sid] > least[sid]]
        if not costly or len(costly) > CLASH_SESSIONS:
            return 0
        where: dict[str, list[str]] = {}  # venue → sessions placed there now
        for sid, (vid, _) in self.places.items():
            where.setdefault(vid, []).append(sid)
        cheapest: dict[str, tuple[list[Place], float]] = {}

        def cheapest_of(sid: str) -> tuple[list[Place], float]:
            """The session's cheapest places, and the least extra it costs elsewhere."""
            if sid not in cheapest:
                s = self.sessions[sid]
                places = self._places_of(sid)
                paid = [costs.preference_cost(festival, clock, s, p) for p in places]
                low = min(paid, default=0)
                extra = min((c - low for c in paid if c > low), default=float("inf"))
                cheapest[sid] = ([p for p, c in zip(places, paid, strict=True) if c == low], extra)
            return cheapest[sid]

        def clash(a: str, pa: Place, b: str, pb: Place) -> bool:
            """Whether a at pa and b at pb cannot both hold (certainly)."""
            sa, sb = self.sessions[a], self.sessions[b]
            apart = pa[1] + sa.duration <= pb[1] or pb[1] + sb.duration <= pa[1]
            return not apart and (pa[0] == pb[0] or bool(set(sa.people) & set(sb.people)))

        def cheapest_places(sid: str) -> list[Place]:
            """The session's cheapest places: already listed for a session that costs more
            than its least where it is; listed here (rarely) for one at its least."""
            return best_places[sid] if costs_here[sid] > least[sid] else cheapest_of(sid)[0]

        pairs: list[tuple[float, str, str]] = []
        for a in costly:
            mine = best_places[a]  # a costs more than its least: all its cheapest places
            if not mine or len(mine) > CLASH_PLACES:
                continue
            rivals = {b for vid, _ in mine for b in where.get(vid, ())}
            rivals |= {b for b, other in self.sessions.items()
                       if set(other.people) & set(self.sessions[a].people)}  # fmt: skip
            for b in sorted(rivals - {a}):
                if b not in least:
                    continue
                if costs_here[b] == least[b] and not all(
                    clash(a, pa, b, self.places[b]) for pa in mine
                ):
                    continue  # b's place now is one of its cheapest, and leaves a room
                theirs = cheapest_places(b)
                if (
                    theirs
                    and len(theirs) <= CLASH_PLACES
                    and all(clash(a, pa, b, pb) for pa in mine for pb in theirs)
                ):
                    pairs.append((min(cheapest_of(a)[1], cheapest_of(b)[1]), a, b))
        used: set[str] = set()
        added = 0
        for gain, a, b in sorted(pairs, key=lambda p: (-p[0], p[1], p[2])):
            if a in used or b in used or gain == float("inf"):
                continue
            used |= {a, b}
            added += int(gain)
        return added

    def _moved(self, least_move: Mapping[str, int]) -> Improvable:
        """Published sessions whose move costs more than it must, and where they would gain."""

        def improvable(current: Mapping[str, Place]) -> dict[str, list[Place]]:
            return {
                sid: [self.old[sid]] if sid not in least_move else [current[sid]]
                for sid in self.old
                if current[sid] != self.old[sid]
                and self._moving_to(sid, current[sid]) > least_move.get(sid, 0)
            }

        return improvable

    def _costly(
        self, least: Mapping[str, int], best_places: Mapping[str, list[Place]]
    ) -> Improvable:
        """Sessions that cost more than they must, and places where they would gain: their
        preferences and room fit, a person's sessions on days beyond the fewest, sessions
        overlapping others of a weighted tag. Re-planning, the cap on disruption holds
        unmoved sessions: only moved ones can gain."""

        def improvable(current: Mapping[str, Place]) -> Mapping[str, list[Place]]:
            found: dict[str, Callable[[], list[Place]]] = {}
            excess: dict[str, int] = {}
            for sid in least:
                if not best_places[sid]:
                    continue
                cost = costs.preference_cost(
                    self.festival, self.clock, self.sessions[sid], current[sid]
                )
                if cost > least[sid]:
                    found[sid] = lambda sid=sid: best_places[sid]
                    excess[sid] = cost - least[sid]
            for sid, (gains, charged) in lns.spanning_gains(
                self.festival, self.clock, current
            ).items():
                found.setdefault(
                    sid, lambda sid=sid, gains=gains: [p for p in self._places_of(sid) if gains(p)]
                )
                excess[sid] = excess.get(sid, 0) + charged
            if self.old:
                found = {sid: f for sid, f in found.items() if current[sid] != self.old.get(sid)}
            return Lazy(found, excess)

        return improvable

    # --- steps --------------------------------------------------------------------

    def _reserve(self, seconds: float) -> None:
        """End the search `seconds` before the deadline (for the final count)."""
        if self.stop.deadline is not None and seconds > 0:
            earlier = self.stop.deadline - seconds
            self.stop = Halt(self.stop.stop, earlier)
            self.options = replace(self.options, deadline=earlier)
            self.job = replace(self.job, options=self.options, stop=self.stop)

    def _out_of_time(self) -> bool:
        if self.stop.clocked() or self.options.left() == 0:
            self.clocked = True
            return True
        if self.stop.is_set():
            return True
        return self.deterministic_time >= self.options.time_limit

    def _moving_to(self, sid: str, place: Place) -> int:
        """What moving published session `sid` to `place` adds to the disruption."""
        if sid not in self.old:
            return 0
        return costs.move_cost(self.festival, self.clock, self.big, self.old[sid], place)

    def _step(self, phase: Phase, free: set[str], days: set[int], cap: int | None) -> int | None:
        """Re-solve one neighbourhood; the whole objective after it, or None."""
        festival, places = self.festival, self.places
        if self.local:  # goals and rules are each local to a day: leave other days out
            sub, left_out = lns.region(festival, places, free, days, self.clock)
        else:
            sub, left_out = lns.pinned_except(festival, places, free, self.clock), []
        try:
            built = Formulation(self.request.of(sub), stop=self.stop)
        except Stopped:
            return None
        if phase == Phase.FEWEST_MOVES:
            built.model.minimize(built.disruption)
            constant = sum(self._moving_to(sid, places[sid]) for sid in left_out)
        else:
            if cap is not None:
                outside = sum(self._moving_to(sid, places[sid]) for sid in left_out)
                built.model.add(built.disruption <= cap - outside)
            built.minimize_soft_goals()
            constant = sum(
                costs.preference_cost(festival, self.clock, self.sessions[sid], places[sid])
                for sid in left_out
            )
        try:
            built.hint_places(places)
        except Stopped:
            return None
        solver = cp_solver()
        limit = lns.STEP_LIMIT * self.size / lns.NEIGHBOURHOOD
        deterministic(solver, replace(self.options, time_limit=limit))
        lighten(solver)
        code = run(solver, built.model, stop=self.stop)
        used, branches, conflicts = spent(solver)
        self.deterministic_time += max(used, STEP_COST)
        self.branches += branches
        self.conflicts += conflicts
        if code == cp_model.OPTIMAL:
            self.size = min(lns.NEIGHBOURHOOD, self.size + max(1, self.size // 8))
        elif not self.stop.is_set():
            self.size = max(SMALLEST, self.size * 2 // 3)
        if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        places.update(lns.places_in(built.read(solver).placements, self.clock))
        return built.objective_of(solver) + constant

    def _tally(self, phase: Phase) -> int:
        """The current objective, counted per session (goals local to a day only)."""
        if phase == Phase.FEWEST_MOVES:
            return sum(self._moving_to(sid, self.places[sid]) for sid in self.sessions)
        return sum(
            costs.preference_cost(self.festival, self.clock, s, self.places[sid])
            for sid, s in self.sessions.items()
        )

    def _improve(
        self,
        phase: Phase,
        bound: int,
        improvable: Improvable,
        cap: int | None = None,
        known: int | None = None,
    ) -> int | None:
        """Re-solve neighbourhoods until the bound, a stall or the budget; the best objective.

        The timetable the search starts from is the first solution, reported at once
        (`known`: its objective, already reported)."""
        best = self._objective(phase) if known is None else known
        if best is None:
            return None
        found, stale = 1, 0.0
        if known is None:
            self._report(phase, best, bound, found)
        stall = STALL if self.previous is None else STALL_REPLAN
        while best > bound and stale < stall and not self._out_of_time():
            targets = improvable(self.places)
            free, days = lns.choose(
                self.festival,
                self.clock,
                self.places,
                targets,
                self.rng,
                self.size,
                getattr(targets, "excess", None),
            )
            size = self.size
            objective = self._step(phase, free, days, cap)
            stale += size / lns.NEIGHBOURHOOD  # a small step counts for a share of a large one
            if objective is not None and objective < best:
                best, stale = objective, 0.0
                found += 1
                self._report(phase, best, bound, found)
        return best

    def _report(self, phase: Phase, best: int, bound: int, found: int) -> None:
        if self.on_progress is not None:
            elapsed = time.perf_counter() - self.started
            self.on_progress(Progress(elapsed, best, bound, found, phase))

    def _objective(self, phase: Phase) -> int | None:
        """The objective of the current timetable: counted per session when every goal is
        local to a day, else read off the whole festival pinned where it is (None: stopped)."""
        if phase == Phase.FEWEST_MOVES or self.local:
            return self._tally(phase)
        try:  # a count of a timetable in hand: only the caller's stop ends it, not the clock
            pinned = Formulation(
                self.request.of(lns.pinned_except(self.festival, self.places, set(), self.clock)),
                stop=self.stop.stop,
            )
        except Stopped:
            return None
        pinned.minimize_soft_goals()
        solver = cp_solver()
        deterministic(solver, replace(self.options, max_seconds=None, deadline=None))
        lighten(solver)
        if run(solver, pinned.model) != cp_model.OPTIMAL:
            return None
        self.counted = (dict(self.places), pinned, solver)
        return pinned.objective_of(solver)

    def _timetable(self, status: Status, objective: int, bound: int) -> Timetable | None:
        """The timetable at the current places, with its penalties and moves."""
        if self.local:  # every penalty and move counts per session
            return tally(self.festival, self.places, self.old, self.clock, status, objective, bound)
        if self.counted is not None and self.counted[0] == self.places:  # counted already
            _, counted, solver = self.counted
            return replace(counted.read(solver), status=status, bound=bound)
        # read them off the whole festival with every session where it ended; not stopped
        # by `stop`: after Ctrl-C this is the timetable to publish
        final = Formulation(
            self.request.of(lns.pinned_except(self.festival, self.places, set(), self.clock))
        )
        final.minimize_soft_goals()
        solver = cp_solver()
        # every session is pinned: a quick count that the wall-clock cap must not cut short
        # (it may have run out already, ending the search with this timetable its best)
        deterministic(solver, replace(self.options, max_seconds=None, deadline=None))
        lighten(solver)
        if run(solver, final.model) != cp_model.OPTIMAL:
            return None
        return replace(final.read(solver), status=status, bound=bound)


class Lazy(Mapping[str, list[Place]]):
    """Improvable sessions whose better places are listed only when asked for: a step
    looks at a few of them, and listing a session's places can take thousands of tests."""

    def __init__(
        self,
        listers: Mapping[str, Callable[[], list[Place]]],
        excess: Mapping[str, int] | None = None,
    ):
        self.listers = listers
        self.listed: dict[str, list[Place]] = {}
        #: what each session costs beyond its least, where known: costlier ones go first
        self.excess = excess

    def __getitem__(self, sid: str) -> list[Place]:
        if sid not in self.listed:
            self.listed[sid] = self.listers[sid]()
        return self.listed[sid]

    def __iter__(self) -> Iterator[str]:
        return iter(self.listers)

    def __len__(self) -> int:
        return len(self.listers)


def tally(
    festival: Festival,
    places: Mapping[str, Place],
    old: Mapping[str, Place],
    clock: Clock,
    status: Status,
    objective: int,
    bound: int,
) -> Timetable:
    """The timetable at `places`, its preference penalties and moves counted per session."""
    penalties = {g: 0 for g in SOFT_GOALS if festival.weight(g)}
    moves = {k: 0 for k in ("moved", *MOVE_KINDS)} if old else {}
    placements = []
    for s in festival.sessions:
        vid, start = places[s.id]
        begins = clock.moment(start)
        placements.append(Placement(s.id, vid, begins, begins + timedelta(minutes=s.duration)))
        for goal, count in costs.missed(festival, clock, s, places[s.id]).items():
            if goal in penalties:
                penalties[goal] += count
        if s.id in old:
            for kind, count in costs.move_kinds(clock, old[s.id], places[s.id]).items():
                moves[kind] += count
    placements.sort(key=lambda p: (p.start, p.venue, p.session))
    return Timetable(festival.id, tuple(placements), status, objective, bound, penalties, moves)
