"""What the objective counts: moves from the published plan, and the soft goals.

Each soft goal of `scheduler.rules` (kind SOFT) is one function here, named
after it, returning its penalty terms on the model being built (of which it reads only
`ModelView`); `penalties()` calls those that weigh something. `disruption()` builds
the moves' Booleans and the re-plan's first objective.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from itertools import pairwise
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from ..model import MOVE_KINDS, SOFT_GOALS, Session, Wish
from .costs import empty_share, fewest_days
from .pair_goals import (
    attendee_clash,
    count_pairs,
    limits,
    order,
    popular_rooms,
    rewards,
    tag_overlap,
)

if TYPE_CHECKING:
    from .formulation import ModelView


def disruption(m: ModelView) -> tuple[dict[str, list], cp_model.LinearExprT]:
    """Booleans for each published session (moved at all, and how), and what the moves
    cost: every moved session outweighs all kinds of move together, so the fewest
    moved sessions come first."""
    weights = m.festival.weights
    kinds: dict[str, list] = {k: [] for k in MOVE_KINDS}
    moved_all = []
    for sid, old in sorted(m.previous.items()):
        old_day = m.festival.start + timedelta(days=m.clock.day(m.minutes(old.start)))
        same_day = m.vars[sid].on.get(old_day, 0)
        same_venue = m.vars[sid].at.get(old.venue, 0)
        same_start = m.model.new_bool_var(f"{sid}.same_start")
        m.model.add(m.vars[sid].start == m.minutes(old.start)).only_enforce_if(same_start)
        m.model.add(m.vars[sid].start != m.minutes(old.start)).only_enforce_if(~same_start)
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


def penalties(m: ModelView) -> dict[str, list]:
    """The penalty terms of every soft goal that weighs something.

    A goal weighing nothing adds nothing to the model (the validator still
    reports it).
    """
    return {goal: GOALS[goal](m) if m.festival.weight(goal) else [] for goal in SOFT_GOALS}


def spread_width(m: ModelView) -> int:
    """How many consecutive festival days `spread` counts together."""
    if m.festival.spread_days:
        return m.festival.spread_days
    return max(1, len(m.days) // max(1, len(m.sessions)))


def spread(m: ModelView) -> list:
    """Pairs of sessions within `spread_days` consecutive festival days."""
    width = spread_width(m)
    if len(m.sessions) < 2 or not m.days:
        return []
    terms = []
    for i in range(max(1, len(m.days) - width + 1)):
        window = m.days[i : i + width]
        members = [m.vars[s.id].on[d] for s in m.sessions for d in window]
        terms.append(count_pairs(m, members, f"spread.{window[0]}"))
    return terms


def track_days(m: ModelView) -> list:
    """Pairs of sessions of one track held on the same day."""
    terms = []
    for track in m.festival.tracks:
        mine = [s for s in m.sessions if s.track == track.id]
        if len(mine) < 2:
            continue
        for d in m.days:
            terms.append(
                count_pairs(m, [m.vars[s.id].on[d] for s in mine], f"track.{track.id}.{d}")
            )
    return terms


def prefer_date(m: ModelView) -> list:
    """Sessions held outside their preferred dates."""
    return [_missed(m.vars[s.id].on, s.prefer.dates) for s in m.sessions if s.prefer.dates]


def prefer_venue(m: ModelView) -> list:
    """Sessions held outside their preferred venues."""
    return [_missed(m.vars[s.id].at, s.prefer.venues) for s in m.sessions if s.prefer.venues]


def _missed(choice: Mapping, preferred: Sequence) -> cp_model.LinearExprT:
    """1 unless one of the `preferred` keys of a one-hot `choice` is taken."""
    return 1 - sum(choice[key] for key in preferred if key in choice)


def prefer_time(m: ModelView) -> list:
    """Sessions that do not start and end inside their preferred time of day."""
    return [
        1 - _inside(m, s, s.prefer.time, f"{s.id}.prefer.time")
        for s in m.sessions
        if s.prefer.time is not None
    ]


def _inside(m: ModelView, s: Session, window: tuple[int, int], name: str) -> cp_model.IntVar | int:
    """Whether `s` starts and ends inside `window` (wall-clock minutes), exactly: a
    Boolean, or 0 or 1 when its starts decide it.

    The starts that keep it are listed from the session's own starts on the wall clock,
    so a clock change inside the day is counted right.
    """
    first, last = window
    grid = m.vars[s.id].grid
    liked = [
        t
        for t in grid
        if first <= m.clock.time_of_day(t) and m.clock.wall_end(t, s.duration) <= last
    ]
    if not liked or len(liked) == len(grid):
        return 1 if liked else 0
    others = sorted(set(grid) - set(liked))
    inside = m.model.new_bool_var(name)
    m.model.add_linear_expression_in_domain(
        m.vars[s.id].start, cp_model.Domain.from_values(liked)
    ).only_enforce_if(inside)
    m.model.add_linear_expression_in_domain(
        m.vars[s.id].start, cp_model.Domain.from_values(others)
    ).only_enforce_if(~inside)
    return inside


def prefer(m: ModelView) -> list:
    """Each graded `prefer` entry its session misses, at the entry's weight."""
    return [
        wish.weight * (1 - _met(m, s, wish, f"{s.id}.prefer[{i}]"))
        for s in m.sessions
        for i, wish in enumerate(s.wishes)
        if wish.weight
    ]


def avoid(m: ModelView) -> list:
    """Each graded `avoid` entry its session meets, at the entry's weight."""
    return [
        wish.weight * _met(m, s, wish, f"{s.id}.avoid[{i}]")
        for s in m.sessions
        for i, wish in enumerate(s.avoid)
        if wish.weight
    ]


def _met(m: ModelView, s: Session, wish: Wish, name: str) -> cp_model.LinearExprT:
    """Whether `s` is where `wish` names, exactly: on one of its dates, in one of its
    venues and inside its time, each part that it gives."""
    parts: list = []
    if wish.dates:
        parts.append(sum(m.vars[s.id].on[d] for d in wish.dates if d in m.vars[s.id].on))
    if wish.venues:
        parts.append(sum(m.vars[s.id].at[v] for v in wish.venues if v in m.vars[s.id].at))
    if wish.time is not None:
        parts.append(_inside(m, s, wish.time, f"{name}.time"))
    if any(isinstance(part, int) and not part for part in parts):
        return 0
    parts = [part for part in parts if not isinstance(part, int)]
    if len(parts) <= 1:
        return parts[0] if parts else 1
    met = m.model.new_bool_var(f"{name}.met")
    for part in parts:
        m.model.add(met <= part)
    m.model.add(met >= sum(parts) - (len(parts) - 1))
    return met


def person_days(m: ModelView) -> list:
    """For each person, the days they attend beyond the fewest their sessions could need."""
    terms: list = []
    fewest = fewest_days(m.festival)
    for person in m.festival.people:
        mine = m.sessions_of.get(person.id, [])
        if not mine:
            continue
        attends = []
        for d in m.days:
            present = m.model.new_bool_var(f"{person.id}.attends.{d}")
            # exactly the days they attend, also in a timetable that is not the best
            m.model.add_max_equality(present, [m.vars[s.id].on[d] for s in mine])
            attends.append(present)
        terms.append(sum(attends) - fewest.get(person.id, 0))
    return terms


def person_span(m: ModelView) -> list:
    """For each person, the calendar days from their first session's to their last's
    beyond two (two days in a row are free: Timefold's speaker makespan)."""
    terms: list = []
    for person in m.festival.people:
        mine = m.sessions_of.get(person.id, [])
        dates = sorted({d for s in mine for d in m.vars[s.id].on})
        if not dates or (dates[-1] - dates[0]).days < 2:
            continue
        widest = (dates[-1] - dates[0]).days
        held = []
        for s in mine:
            offsets = {d: (d - dates[0]).days for d in m.vars[s.id].on}
            if len(set(offsets.values())) == 1:
                held.append(next(iter(offsets.values())))
                continue
            day = m.model.new_int_var(0, widest, f"{person.id}.{s.id}.date")
            m.model.add(day == sum(k * m.vars[s.id].on[d] for d, k in offsets.items()))
            held.append(day)
        first = m.model.new_int_var(0, widest, f"{person.id}.first")
        m.model.add_min_equality(first, held)
        last = m.model.new_int_var(0, widest, f"{person.id}.last")
        m.model.add_max_equality(last, held)
        beyond = m.model.new_int_var(0, widest, f"{person.id}.span")
        m.model.add_max_equality(beyond, [0, last - first - 1])
        terms.append(beyond)
    return terms


def room_fit(m: ModelView) -> list:
    """Each session's empty seats, in whole percent of its venue (no attendance: none)."""
    terms: list = []
    for s in m.sessions:
        if not s.attendance:
            continue
        shares = {
            vid: empty_share(m.festival.venue(vid).capacity, s.attendance)
            for vid in m.vars[s.id].at
        }
        if any(shares.values()):
            terms.append(sum(share * m.vars[s.id].at[vid] for vid, share in shares.items()))
    return terms


def together(m: ModelView) -> list:
    """For each `[[together]]` with a weight: the weight for each day or venue beyond the
    first, or for each broken link of a block (a group without one is a hard rule)."""
    terms: list = []
    for i, group in enumerate(m.festival.together):
        ids = [sid for sid in group.sessions if sid in m.vars]
        if not group.weight or len(ids) < 2:
            continue
        if group.count == "pairs":
            terms += _broken_pairs(m, group.same, group.weight, ids, f"t{i}")
            continue
        if group.same == "venue-each-day":
            terms.append(group.weight * _extra_each_day(m, ids, f"t{i}"))
        if group.same_day:
            terms.append(group.weight * _extra(m, [m.vars[sid].on for sid in ids], f"t{i}.day"))
        if group.same_venue:
            terms.append(group.weight * _extra(m, [m.vars[sid].at for sid in ids], f"t{i}.venue"))
        if group.same == "block":
            for a, b in pairwise(ids):
                terms.append(group.weight * (1 - _linked(m, a, b, f"t{i}.{a}.{b}")))
    return terms


def _broken_pairs(m: ModelView, same: str, weight: int, ids: list[str], name: str) -> list:
    """For a `[[together]]` counting pairs: the weight of each pair of `ids` that breaks
    `same` (with `overlap = "minutes"`, for each minute of both sessions)."""
    by_id = m.festival.sessions_by_id
    terms: list = []
    for j, a in enumerate(ids):
        for b in ids[j + 1 :]:
            key = f"{name}.{a}.{b}"
            same_day = _same_day(m, a, b, key) if same != "venue" else 1
            same_venue = _same_venue(m, a, b, key) if same != "day" else 1
            if same == "venue-each-day":  # on one day, in two venues
                broken = m.model.new_bool_var(f"{key}.broken")
                m.model.add(broken <= same_day)
                m.model.add(broken <= 1 - same_venue)
                m.model.add(broken >= same_day - same_venue)
            else:  # not on one day, or not in one venue
                kept = m.model.new_bool_var(f"{key}.kept")
                m.model.add(kept <= same_day)
                m.model.add(kept <= same_venue)
                m.model.add(kept >= same_day + same_venue - 1)
                broken = 1 - kept
            terms.append(m.festival.pair_weight(weight, by_id[a], by_id[b]) * broken)
    return terms


def _same_day(m: ModelView, a: str, b: str, name: str) -> cp_model.IntVar:
    """A Boolean true exactly when sessions `a` and `b` start on one day."""
    same = m.model.new_bool_var(f"{name}.same_day")
    m.model.add(m.vars[a].day == m.vars[b].day).only_enforce_if(same)
    m.model.add(m.vars[a].day != m.vars[b].day).only_enforce_if(~same)
    return same


def _same_venue(m: ModelView, a: str, b: str, name: str) -> cp_model.LinearExprT:
    """1 exactly when sessions `a` and `b` are in one venue, else 0."""
    both = []
    for vid in sorted(set(m.vars[a].at) & set(m.vars[b].at)):
        here, there = m.vars[a].at[vid], m.vars[b].at[vid]
        flag = m.model.new_bool_var(f"{name}.in.{vid}")
        m.model.add_bool_and([here, there]).only_enforce_if(flag)
        m.model.add_bool_or([~here, ~there, flag])
        both.append(flag)
    return sum(both) if both else 0


def _extra_each_day(m: ModelView, ids: list[str], name: str) -> cp_model.LinearExprT:
    """For `same = "venue-each-day"`: on each day, the venues its sessions of that day
    use beyond the first."""
    total: list = []
    for d in m.days:
        members = [sid for sid in ids if d in m.vars[sid].on]
        if len(members) < 2:
            continue
        venues = sorted({vid for sid in members for vid in m.vars[sid].at})
        used = []
        for vid in venues:
            there = []
            for sid in members:
                if vid in m.vars[sid].at:
                    flag = m.model.new_bool_var(f"{name}.{d}.{vid}.{sid}")
                    on, at = m.vars[sid].on[d], m.vars[sid].at[vid]
                    m.model.add_bool_and([on, at]).only_enforce_if(flag)
                    m.model.add_bool_or([~on, ~at, flag])
                    there.append(flag)
            flag = m.model.new_bool_var(f"{name}.{d}.{vid}.used")
            m.model.add_max_equality(flag, there)
            used.append(flag)
        held = m.model.new_bool_var(f"{name}.{d}.held")
        m.model.add_max_equality(held, [m.vars[sid].on[d] for sid in members])
        total.append(sum(used) - held)
    return sum(total)


def _linked(m: ModelView, a: str, b: str, name: str) -> cp_model.IntVar:
    """A Boolean that is true exactly when `b` follows `a` in one venue as a block asks
    (`hard.next_in_block`): after `a`'s end and the changeover, within a grid step."""
    duration = m.festival.session(a).duration
    links = []
    for vid in sorted(set(m.vars[a].at) & set(m.vars[b].at)):
        gap = duration + m.festival.venue(vid).changeover
        follows = m.model.new_bool_var(f"{name}.follows.{vid}")
        expression = m.vars[b].start - m.vars[a].start - gap
        within = cp_model.Domain(0, m.festival.step - 1)
        m.model.add_linear_expression_in_domain(expression, within).only_enforce_if(follows)
        m.model.add_linear_expression_in_domain(expression, within.complement()).only_enforce_if(
            ~follows
        )
        both = m.model.new_bool_var(f"{name}.in.{vid}")
        m.model.add_bool_and([m.vars[a].at[vid], m.vars[b].at[vid], follows]).only_enforce_if(both)
        m.model.add_bool_or([~m.vars[a].at[vid], ~m.vars[b].at[vid], ~follows, both])
        links.append(both)
    linked = m.model.new_bool_var(f"{name}.linked")
    if links:
        m.model.add_max_equality(linked, links)
    else:  # no venue holds both
        m.model.add(linked == 0)
    return linked


def _extra(m: ModelView, choices: list[Mapping], name: str) -> cp_model.LinearExprT:
    """How many values beyond one the one-hot `choices` (per session: value → Boolean)
    take together: used values − 1."""
    values = sorted({key for choice in choices for key in choice}, key=str)
    used = []
    for value in values:
        present = [choice[value] for choice in choices if value in choice]
        flag = m.model.new_bool_var(f"{name}.{value}.used")
        m.model.add_max_equality(flag, present)
        used.append(flag)
    return sum(used) - 1


#: every soft goal of `scheduler.rules`, by name
GOALS: dict[str, Callable[[ModelView], list]] = {
    "spread": spread,
    "track_days": track_days,
    "prefer_date": prefer_date,
    "prefer_venue": prefer_venue,
    "prefer_time": prefer_time,
    "prefer": prefer,
    "avoid": avoid,
    "tag_overlap": tag_overlap,
    "person_days": person_days,
    "person_span": person_span,
    "attendee_clash": attendee_clash,
    "room_fit": room_fit,
    "popular_rooms": popular_rooms,
    "rewards": rewards,
    "together": together,
    "limits": limits,
    "order": order,
}
