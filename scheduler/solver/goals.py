"""What the objective counts: moves from the published plan, and the soft goals.

Each soft goal of `scheduler.rules` (kind SOFT) is one function here, named
after it, returning its penalty terms on a `Formulation`; `penalties()` calls
those that weigh something. `disruption()` builds the moves' Booleans and the
re-plan's first objective.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from ..model import MOVE_KINDS, SOFT_GOALS

if TYPE_CHECKING:
    from .formulation import Formulation


def disruption(m: Formulation) -> tuple[dict[str, list], cp_model.LinearExprT]:
    """Booleans for each published session (moved at all, and how), and what the moves
    cost: every moved session outweighs all kinds of move together, so the fewest
    moved sessions come first."""
    weights = m.festival.weights
    kinds: dict[str, list] = {k: [] for k in MOVE_KINDS}
    moved_all = []
    for sid, old in sorted(m.previous.items()):
        old_day = m.festival.start + timedelta(days=m.clock.day(m.minutes(old.start)))
        same_day = m.on[sid].get(old_day, 0)
        same_venue = m.at[sid].get(old.venue, 0)
        same_start = m.model.new_bool_var(f"{sid}.same_start")
        m.model.add(m.start[sid] == m.minutes(old.start)).only_enforce_if(same_start)
        m.model.add(m.start[sid] != m.minutes(old.start)).only_enforce_if(~same_start)
        if isinstance(same_venue, int):
            moved = 1
            kinds["moved_venue"].append(1)
        else:
            moved = m.model.new_bool_var(f"{sid}.moved")
            m.model.add_bool_or([same_start, moved])
            m.model.add_bool_or([same_venue, moved])
            m.model.add_bool_or([~moved, ~same_start, ~same_venue])
            kinds["moved_venue"].append(1 - same_venue)
        moved_all.append(moved)
        kinds["moved_date"].append(1 - same_day)
        # a new time on the same date (a new date already counts as moved_date)
        kinds["moved_time"].append(same_day - same_start)
    per_kind = sum(weights.of(k) for k in MOVE_KINDS)
    # every published placement counts, so that a neighbourhood's model weighs alike
    big = m.published * per_kind + 1
    cost = big * sum(moved_all) + sum(weights.of(k) * sum(terms) for k, terms in kinds.items())
    return {"moved": moved_all, **kinds}, cost


def penalties(m: Formulation) -> dict[str, list]:
    """The penalty terms of every soft goal that weighs something.

    A goal weighing nothing adds nothing to the model (the validator still
    reports it).
    """
    return {goal: GOALS[goal](m) if m.festival.weights.of(goal) else [] for goal in SOFT_GOALS}


def _pairs(m: Formulation, members: Sequence[cp_model.IntVar], name: str) -> cp_model.IntVar:
    """An exact count of the pairs among the true `members`: load·(load−1)/2."""
    n = len(members)
    load = m.model.new_int_var(0, n, f"{name}.load")
    m.model.add(load == sum(members))
    square = m.model.new_int_var(0, n * n, f"{name}.square")
    m.model.add_multiplication_equality(square, [load, load])
    pairs = m.model.new_int_var(0, n * (n - 1) // 2, f"{name}.pairs")
    m.model.add(2 * pairs == square - load)
    return pairs


def spread_width(m: Formulation) -> int:
    """How many consecutive festival days `spread` counts together."""
    if m.festival.spread_days:
        return m.festival.spread_days
    return max(1, len(m.days) // max(1, len(m.sessions)))


def spread(m: Formulation) -> list:
    """Pairs of sessions within `spread_days` consecutive festival days."""
    width = spread_width(m)
    if len(m.sessions) < 2 or not m.days:
        return []
    terms = []
    for i in range(max(1, len(m.days) - width + 1)):
        window = m.days[i : i + width]
        members = [m.on[s.id][d] for s in m.sessions for d in window]
        terms.append(_pairs(m, members, f"spread.{window[0]}"))
    return terms


def track_days(m: Formulation) -> list:
    """Pairs of sessions of one track held on the same day."""
    terms = []
    for track in m.festival.tracks:
        mine = [s for s in m.sessions if s.track == track.id]
        if len(mine) < 2:
            continue
        for d in m.days:
            terms.append(_pairs(m, [m.on[s.id][d] for s in mine], f"track.{track.id}.{d}"))
    return terms


def prefer_date(m: Formulation) -> list:
    """Sessions held outside their preferred dates."""
    return [_missed(m.on[s.id], s.prefer.dates) for s in m.sessions if s.prefer.dates]


def prefer_venue(m: Formulation) -> list:
    """Sessions held outside their preferred venues."""
    return [_missed(m.at[s.id], s.prefer.venues) for s in m.sessions if s.prefer.venues]


def _missed(choice: Mapping, preferred: Sequence) -> cp_model.LinearExprT:
    """1 unless one of the `preferred` keys of a one-hot `choice` is taken."""
    return 1 - sum(choice[key] for key in preferred if key in choice)


def prefer_time(m: Formulation) -> list:
    """Sessions that do not start and end inside their preferred time of day.

    The starts that keep the wish are listed from the session's own starts
    on the wall clock, so a clock change inside the day is counted right.
    """
    terms: list = []
    for s in m.sessions:
        if s.prefer.time is None:
            continue
        first, last = s.prefer.time
        grid = m.grid[s.id]
        liked = [
            t
            for t in grid
            if first <= m.clock.time_of_day(t) and m.clock.wall_end(t, s.duration) <= last
        ]
        if not liked or len(liked) == len(grid):
            terms.append(0 if liked else 1)
            continue
        others = sorted(set(grid) - set(liked))
        inside = m.model.new_bool_var(f"{s.id}.prefer.time")
        m.model.add_linear_expression_in_domain(
            m.start[s.id], cp_model.Domain.from_values(liked)
        ).only_enforce_if(inside)
        m.model.add_linear_expression_in_domain(
            m.start[s.id], cp_model.Domain.from_values(others)
        ).only_enforce_if(~inside)
        terms.append(1 - inside)
    return terms


#: every soft goal of `scheduler.rules`, by name
GOALS: dict[str, Callable[[Formulation], list]] = {
    "spread": spread,
    "track_days": track_days,
    "prefer_date": prefer_date,
    "prefer_venue": prefer_venue,
    "prefer_time": prefer_time,
}
