"""The soft goals that weigh pairs of sessions by when they run: a tag's overlapping
pairs, attendees' clashes, `[[limits]]` with a weight, `[[order]]` with a weight,
popular sessions in smaller rooms, and rewards missed by sessions not side by side.
One function per goal of `scheduler.rules`, reading only `ModelView`, as in `goals`.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from .. import interest
from ..model import Session

if TYPE_CHECKING:
    from .formulation import ModelView


def tag_overlap(m: ModelView) -> list:
    """For each tag of `tag_overlap`, its weight for each pair of its sessions that overlap
    (with `overlap = "minutes"`, for each minute they share).

    One Boolean per pair that may overlap: when it is false, one of the two ends
    before the other starts.
    """
    terms: list = []
    for tag, weight in m.festival.weights.tag_overlap:
        if not weight:
            continue
        tagged = [s for s in m.sessions if tag in s.tags]
        for i, a in enumerate(tagged):
            for b in tagged[i + 1 :]:
                clash = _clash(m, a, b, f"{tag}.{a.id}.{b.id}")
                if clash is not None:
                    terms.append(weight * clash)
    return terms


def _overlap(m: ModelView, a: Session, b: Session, name: str) -> cp_model.IntVar | int | None:
    """Whether sessions `a` and `b` overlap, exactly in every timetable: a Boolean, or a
    constant 1 (they always do) or None (they never do) when the starts decide it.

    Pinned sessions of a neighbourhood have one start: against one of them, the other
    overlaps exactly when its start lies within a fixed window, one Boolean and no pair
    of orderings; most pairs of a neighbourhood step are of that kind, or fixed both.
    """
    if not m.vars[a.id].day_offsets & m.vars[b.id].day_offsets:
        return None  # sessions never cross midnight: on different days, never
    grid_a, grid_b = m.vars[a.id].grid, m.vars[b.id].grid
    if len(grid_a) == 1 and len(grid_b) == 1:
        at, bt = grid_a[0], grid_b[0]
        return 1 if at < bt + b.duration and bt < at + a.duration else None
    if len(grid_b) == 1:
        a, b, grid_a, grid_b = b, a, grid_b, grid_a
    if len(grid_a) == 1:  # a pinned at `at`: b overlaps it if it starts in (at − d_b, at + d_a)
        at = grid_a[0]
        low, high = at - b.duration + 1, at + a.duration - 1
        inside = bisect_right(grid_b, high) - bisect_left(grid_b, low)  # the grid is sorted
        if not inside:
            return None
        if inside == len(grid_b):
            return 1
        overlap = m.model.new_bool_var(f"overlap.{name}")
        window = cp_model.Domain(low, high)
        m.model.add_linear_expression_in_domain(m.vars[b.id].start, window).only_enforce_if(overlap)
        m.model.add_linear_expression_in_domain(
            m.vars[b.id].start, window.complement()
        ).only_enforce_if(~overlap)
        return overlap
    overlap = m.model.new_bool_var(f"overlap.{name}")
    before = m.model.new_bool_var(f"before.{name}")
    after = m.model.new_bool_var(f"after.{name}")
    m.model.add_bool_or([overlap, before, after])
    m.model.add(m.vars[a.id].start + a.duration <= m.vars[b.id].start).only_enforce_if(before)
    m.model.add(m.vars[b.id].start + b.duration <= m.vars[a.id].start).only_enforce_if(after)
    # exact both ways: a timetable that is not the best must not count a clash it lacks
    m.model.add(m.vars[a.id].start + a.duration > m.vars[b.id].start).only_enforce_if(overlap)
    m.model.add(m.vars[b.id].start + b.duration > m.vars[a.id].start).only_enforce_if(overlap)
    return overlap


def attendee_clash(m: ModelView) -> list:
    """For each pair of sessions that attendees chose together (`[festival] interest`),
    how many chose both, when the two overlap (with `overlap = "minutes"`, for each
    minute they share): one Boolean per pair, not per attendee."""
    sessions = m.festival.sessions_by_id
    # a neighbourhood pins most sessions: a pair of them is decided here, at no model cost
    pinned = {
        sid: (g[0], g[0] + s.duration)
        for sid, s in sessions.items()
        if len(g := m.vars[sid].grid) == 1
    }
    terms: list = []
    for (a, b), count in interest.pair_weights(m.festival.interest).items():
        if a in pinned and b in pinned:
            (a_start, a_end), (b_start, b_end) = pinned[a], pinned[b]
            shared = min(a_end, b_end) - max(a_start, b_start)
            if shared > 0:
                terms.append(count * (shared if m.festival.overlap == "minutes" else 1))
        elif a in sessions and b in sessions:
            clash = _clash(m, sessions[a], sessions[b], f"clash.{a}.{b}")
            if clash is not None:
                terms.append(count * clash)
    return terms


def limits(m: ModelView) -> list:
    """For each `[[limits]]` with a weight: its weight for each session that starts while
    `at_once` or more others with the tag run, per one beyond `at_once - 1`. Of two
    sessions starting together, the one listed later starts second."""
    terms: list = []
    order = {s.id: i for i, s in enumerate(m.festival.sessions)}
    for i, limit in enumerate(m.festival.limits):
        tagged = [s for s in m.sessions if limit.tag in s.tags]
        if not limit.weight or len(tagged) <= limit.at_once:
            continue
        if limit.at_once == 1:  # of each overlapping pair, the one starting second: a pair
            for j, a in enumerate(tagged):
                for b in tagged[j + 1 :]:
                    overlap = _overlap(m, a, b, f"l{i}.{a.id}.{b.id}")
                    if overlap is not None:
                        terms.append(limit.weight * overlap)
            continue
        for s in tagged:
            running = []
            for t in tagged:
                if t is not s:
                    before = order[t.id] < order[s.id]
                    found = _running_at_start(m, t, s, before, f"l{i}.{t.id}.{s.id}")
                    if found is not None:
                        running.append(found)
            if len(running) < limit.at_once:
                continue
            excess = m.model.new_int_var(0, len(running), f"l{i}.{s.id}.excess")
            m.model.add_max_equality(excess, [0, sum(running) + 1 - limit.at_once])
            terms.append(limit.weight * excess)
    return terms


def _running_at_start(
    m: ModelView, t: Session, s: Session, tie: bool, name: str
) -> cp_model.IntVar | None:
    """A Boolean true exactly when `t` runs as `s` starts: it started before (or at the
    same minute, when `tie`) and has not ended. None where they share no day."""
    if not m.vars[t.id].day_offsets & m.vars[s.id].day_offsets:
        return None
    t_start, s_start = m.vars[t.id].start, m.vars[s.id].start
    started = m.model.new_bool_var(f"{name}.started")
    first = 0 if tie else 1  # t.start + first <= s.start
    m.model.add(t_start + first <= s_start).only_enforce_if(started)
    m.model.add(t_start + first > s_start).only_enforce_if(~started)
    ongoing = m.model.new_bool_var(f"{name}.ongoing")
    m.model.add(s_start < t_start + t.duration).only_enforce_if(ongoing)
    m.model.add(s_start >= t_start + t.duration).only_enforce_if(~ongoing)
    running = m.model.new_bool_var(f"{name}.running")
    m.model.add_bool_and([started, ongoing]).only_enforce_if(running)
    m.model.add_bool_or([~started, ~ongoing, running])
    return running


def order(m: ModelView) -> list:
    """For each `[[order]]` with a weight: its weight for each (first, then) pair where
    `then` starts before `first` ends (with `overlap = "minutes"`, per minute of both)."""
    terms: list = []
    by_id = m.festival.sessions_by_id
    for i, rule in enumerate(m.festival.order):
        if not rule.weight:
            continue
        for a, b in rule.pairs():
            if a in m.vars and b in m.vars:
                late = _late(m, by_id[a], by_id[b], f"o{i}.{a}.{b}")
                if late is not None:
                    terms.append(m.festival.pair_weight(rule.weight, by_id[a], by_id[b]) * late)
    return terms


def _late(m: ModelView, a: Session, b: Session, name: str) -> cp_model.IntVar | int | None:
    """Whether `b` starts before `a` ends, exactly: a Boolean, or 1 (always) or None
    (never) where the starts decide it."""
    grid_a, grid_b = m.vars[a.id].grid, m.vars[b.id].grid
    if grid_b[0] >= grid_a[-1] + a.duration:
        return None
    if grid_b[-1] < grid_a[0] + a.duration:
        return 1
    late = m.model.new_bool_var(f"late.{name}")
    m.model.add(m.vars[b.id].start < m.vars[a.id].start + a.duration).only_enforce_if(late)
    m.model.add(m.vars[b.id].start >= m.vars[a.id].start + a.duration).only_enforce_if(~late)
    return late


def _clash(m: ModelView, a: Session, b: Session, name: str) -> cp_model.LinearExprT | None:
    """What an overlap of `a` and `b` costs before its weight: 1 when they overlap, or
    with `overlap = "minutes"` the minutes they share; None where they never can."""
    overlap = _overlap(m, a, b, name)
    if overlap is None or m.festival.overlap == "pairs":
        return overlap
    start_a, start_b = m.vars[a.id].start, m.vars[b.id].start
    if isinstance(overlap, int):  # both pinned: the minutes are known
        (at,), (bt,) = m.vars[a.id].grid, m.vars[b.id].grid
        return min(at + a.duration, bt + b.duration) - max(at, bt)
    shorter = min(a.duration, b.duration)
    ends = m.model.new_int_var(0, m.horizon + max(a.duration, b.duration), f"{name}.ends")
    m.model.add_min_equality(ends, [start_a + a.duration, start_b + b.duration])
    starts = m.model.new_int_var(0, m.horizon, f"{name}.starts")
    m.model.add_max_equality(starts, [start_a, start_b])
    minutes = m.model.new_int_var(0, shorter, f"{name}.minutes")
    m.model.add(minutes == ends - starts).only_enforce_if(overlap)
    m.model.add(minutes == 0).only_enforce_if(~overlap)
    return minutes


def popular_rooms(m: ModelView) -> list:
    """Each pair of sessions where the more popular one (`Festival.popularity`) sits in a
    room with fewer seats than the other's: 1, or with `overlap = "minutes"` the minutes
    of both."""
    popular = m.festival.popularity()
    seats: dict[str, dict[str, int]] = {
        s.id: {vid: m.festival.venue(vid).capacity for vid in m.vars[s.id].at} for s in m.sessions
    }
    held: dict[str, cp_model.LinearExprT] = {}
    for s in m.sessions:
        values = sorted(set(seats[s.id].values()))
        if len(values) == 1:
            held[s.id] = values[0]
            continue
        held[s.id] = m.model.new_int_var_from_domain(
            cp_model.Domain.from_values(values), f"seats.{s.id}"
        )
        at = m.vars[s.id].at
        m.model.add(held[s.id] == sum(n * at[vid] for vid, n in seats[s.id].items()))
    ranked = sorted(m.sessions, key=lambda s: popular[s.id])
    terms: list = []
    for i, less in enumerate(ranked):
        for more in ranked[i + 1 :]:
            if popular[more.id] == popular[less.id]:
                continue
            if min(seats[more.id].values()) >= max(seats[less.id].values()):
                continue  # never fewer seats
            cost = m.festival.pair_weight(1, more, less)
            if max(seats[more.id].values()) < min(seats[less.id].values()):
                terms.append(cost)  # always
                continue
            smaller = m.model.new_bool_var(f"smaller.{more.id}.{less.id}")
            m.model.add(held[more.id] < held[less.id]).only_enforce_if(smaller)
            m.model.add(held[more.id] >= held[less.id]).only_enforce_if(~smaller)
            terms.append(cost * smaller)
    return terms


def count_pairs(
    m: ModelView, members: Sequence[cp_model.LinearExprT], name: str
) -> cp_model.IntVar:
    """An exact count of the pairs among the true `members`: load·(load−1)/2."""
    n = len(members)
    load = m.model.new_int_var(0, n, f"{name}.load")
    m.model.add(load == sum(members))
    square = m.model.new_int_var(0, n * n, f"{name}.square")
    m.model.add_multiplication_equality(square, [load, load])
    pairs = m.model.new_int_var(0, n * (n - 1) // 2, f"{name}.pairs")
    m.model.add(2 * pairs == square - load)
    return pairs


def rewards(m: ModelView) -> list:
    """For each `[[rewards]]`: what each pair of sessions of one duration could earn side
    by side (with `overlap = "minutes"`, per minute), when they are not: one Boolean per
    such pair, true exactly when the two start together."""
    terms: list = []
    for i, reward in enumerate(m.festival.rewards):
        tagged = [s for s in m.sessions if set(reward.tags) & set(s.tags)]
        for j, a in enumerate(tagged):
            for b in tagged[j + 1 :]:
                earned = reward.earns(set(a.tags), set(b.tags))
                if not earned or a.duration != b.duration:
                    continue
                if m.festival.overlap == "minutes":
                    earned *= a.duration
                together = _together_at_start(m, a, b, f"r{i}.{a.id}.{b.id}")
                terms.append(earned * (1 - together))
    return terms


def _together_at_start(m: ModelView, a: Session, b: Session, name: str) -> cp_model.IntVar | int:
    """Whether `a` and `b` start at the same minute, exactly: a Boolean, or a constant
    where their grids decide it (one of them pinned, or no start in common)."""
    grid_a, grid_b = m.vars[a.id].grid, m.vars[b.id].grid
    if len(grid_b) == 1:
        a, b, grid_a, grid_b = b, a, grid_b, grid_a
    if len(grid_a) == 1:
        (at,) = grid_a
        i = bisect_left(grid_b, at)
        if i == len(grid_b) or grid_b[i] != at:
            return 0
        if len(grid_b) == 1:
            return 1
        same = m.model.new_bool_var(f"side.{name}")
        m.model.add(m.vars[b.id].start == at).only_enforce_if(same)
        m.model.add(m.vars[b.id].start != at).only_enforce_if(~same)
        return same
    if grid_a[-1] < grid_b[0] or grid_b[-1] < grid_a[0]:
        return 0
    same = m.model.new_bool_var(f"side.{name}")
    m.model.add(m.vars[a.id].start == m.vars[b.id].start).only_enforce_if(same)
    m.model.add(m.vars[a.id].start != m.vars[b.id].start).only_enforce_if(~same)
    return same
