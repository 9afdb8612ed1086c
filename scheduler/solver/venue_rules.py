"""The hard rules of where a session may be held, in the CP-SAT model: a venue's
capacity, features, city and the venues a session allows; its opening hours, slots,
blocks and closures; one session at a time in it. One function per rule of
`scheduler.rules`, named after it (`venues.hours` → `venues_hours`), listed in
`hard.BUILDERS` with the others.

In a plan most of these are kept by the variables themselves: a venue Boolean exists
only where `eligible_venues` allows, and each venue's start variable takes its domain
from the session's row of `grid.starts_table` (`m.table`). Explain mode, which must be
able to switch each rule off, states them as guarded constraints here.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from ortools.sat.python import cp_model

from ..model import Period, Session, clock_time, clock_window
from .grid import block_windows, complement, grid_starts, slot_starts

if TYPE_CHECKING:
    from .formulation import ModelView


def avoid_period(m: ModelView, s: Session, period: Period, *enforce: cp_model.IntVar) -> None:
    """Session `s` does not overlap `period` (when every `enforce` literal holds)."""
    forbidden = (m.minutes(period.start) - s.duration + 1, m.minutes(period.end) - 1)
    allowed = complement([forbidden], 0, m.horizon)
    if allowed is not None:
        m.model.add_linear_expression_in_domain(m.vars[s.id].start, allowed).only_enforce_if(
            *enforce
        )


def _bar_venues(m: ModelView, name: str, field: str, bars: Any, text: Any) -> None:
    """Explain mode: session `s` is not in venue `v` where `bars(s, v)`, guarded by
    the instance of rule `name` at `sessions[i].<field>`. In a plan the venue
    Boolean does not exist (`eligible_venues`), so there is nothing to add."""
    if not m.explain:
        return  # kept by the venue Booleans: only eligible venues have one
    for s in m.sessions:
        for v in m.festival.venues:
            if bars(s, v):
                guard = m.when(name, f"sessions[{m.index[s.id]}].{field}", text(s))
                m.model.add(m.vars[s.id].at[v.id] == 0).only_enforce_if(guard)


def venues_capacity(m: ModelView) -> None:
    """A session's expected attendance fits its venue."""
    biggest = max(x.capacity for x in m.festival.venues)
    _bar_venues(
        m,
        "venues.capacity",
        "attendance",
        lambda s, v: v.capacity < s.attendance,
        lambda s: (
            f"session {s.id!r} expects {s.attendance} people (the biggest venue holds {biggest})"
        ),
    )


def sessions_needs(m: ModelView) -> None:
    """A session's venue has every feature it needs."""
    _bar_venues(
        m,
        "sessions.needs",
        "needs",
        lambda s, v: not s.needs <= v.features,
        lambda s: f"session {s.id!r} needs {', '.join(sorted(s.needs))}",
    )


def sessions_cities(m: ModelView) -> None:
    """A session with `cities` is held in one of them."""
    _bar_venues(
        m,
        "sessions.cities",
        "cities",
        lambda s, v: bool(s.cities) and v.city not in s.cities,
        lambda s: f"session {s.id!r} must be in {', '.join(s.cities)}",
    )


def sessions_venues(m: ModelView) -> None:
    """A session with `venues` is held in one of them."""
    _bar_venues(
        m,
        "sessions.venues",
        "venues",
        lambda s, v: bool(s.venues) and v.id not in s.venues,
        lambda s: f"session {s.id!r} must be in venue {', '.join(s.venues)}",
    )


def venues_hours(m: ModelView) -> None:
    """A session lies inside the opening hours of its venue.

    In a plan the venue starts' domains (`m.table`) keep it; explain mode states the
    same starts as a guarded constraint on the session's start.
    """
    if not m.explain:
        return
    offsets = [m.day_offset[d] for d in m.days]
    inside: dict[tuple[str, int], list[int]] = {}
    for j, v in enumerate(m.festival.venues):
        guard = m.when(
            "venues.hours",
            f"venues[{j}].hours",
            f"venue {v.id!r} is open {clock_window(v.opens, v.closes)}",
        )
        for s in m.sessions:
            here = m.vars[s.id].at.get(v.id)
            if here is None:
                continue
            key = (v.id, s.duration)
            if key not in inside:  # slots, blocks and closures are rules of their own here
                inside[key] = grid_starts(
                    m.festival, m.clock, v, s.duration, offsets, closures=False, span=None
                )
            m.model.add_linear_expression_in_domain(
                m.vars[s.id].start, cp_model.Domain.from_values(inside[key])
            ).only_enforce_if(here, *guard)


def venues_slots(m: ModelView) -> None:
    """In a venue with `slots`, a session starts at a slot and ends by the end of the
    `span`-th slot from it.

    In a plan the venue starts' domains (`m.table`) keep it; explain mode states them
    here, behind a guard per venue.
    """
    if not m.explain:
        return  # kept by the venue domains
    offsets = [m.day_offset[d] for d in m.days]
    for j, v in enumerate(m.festival.venues):
        if not v.has_slots:
            continue
        guard = m.when("venues.slots", f"venues[{j}].slots", f"venue {v.id!r} has slots")
        for s in m.sessions:
            here = m.vars[s.id].at.get(v.id)
            if here is None:
                continue
            starts = [
                t
                for o in offsets
                for t in slot_starts(m.festival, m.clock, v, s.duration, o, s.span)
            ]
            m.model.add_linear_expression_in_domain(
                m.vars[s.id].start, cp_model.Domain.from_values(starts)
            ).only_enforce_if(here, *guard)


def venues_blocks(m: ModelView) -> None:
    """In a venue with `blocks`, a session lies inside one block; with `[festival]
    one_track_per_block`, or a `[[blocks]]` entry naming a block's track, the sessions
    with a track in one block share it.

    In a plan the venue domains keep sessions inside blocks (see `grid_starts`); explain
    mode states it here. A block that may hold sessions of two tracks gets a track
    variable, equal to the track of each session whose start falls in the block in that
    venue; a block with a `[[blocks]]` entry bars the other tracks.
    """
    tracks = {t.id: i + 1 for i, t in enumerate(m.festival.tracks)}
    named = {(b.venue, b.date, b.window): (i, b) for i, b in enumerate(m.festival.blocks)}
    offsets = [m.day_offset[d] for d in m.days]
    for j, v in enumerate(m.festival.venues):
        if not v.has_blocks:
            continue
        here_with_track = [s for s in m.sessions if s.track and v.id in m.vars[s.id].at]
        windows = {o: block_windows(m.festival, m.clock, v, o) for o in offsets}
        if m.explain:
            guard = m.when(
                "venues.blocks", f"venues[{j}].blocks", f"{v.id!r} holds sessions in blocks"
            )
            for s in m.sessions:
                here = m.vars[s.id].at.get(v.id)
                if here is not None:
                    inside = [
                        t
                        for t in m.vars[s.id].grid
                        if any(a <= t and t + s.duration <= b for a, b in windows[m.clock.day(t)])
                    ]
                    m.model.add_linear_expression_in_domain(
                        m.vars[s.id].start, cp_model.Domain.from_values(inside)
                    ).only_enforce_if(here, *guard)
        for o in offsets:
            day = m.festival.start + timedelta(days=o)
            for (a, b), window in zip(windows[o], v.blocks_on(day), strict=True):
                entry = named.get((v.id, day, window))
                if not (m.festival.one_track_per_block or entry):
                    continue
                members = [
                    s
                    for s in here_with_track
                    if _starts_within(m.vars[s.id].grid, a, b - s.duration)
                ]
                if entry is None and len({s.track for s in members}) < 2:
                    continue
                shown = f"{v.id} {day} {clock_time(window[0])}"
                if entry is not None:
                    i, block = entry
                    guard = m.when("venues.blocks", f"blocks[{i}]", f"{shown} holds {block.track}")
                    members = [s for s in members if s.track != block.track]
                else:
                    guard = m.when(
                        "venues.blocks", "festival.one_track_per_block", f"{shown} holds one track"
                    )
                    track = m.model.new_int_var(1, len(tracks), f"{shown}.track")
                for s in members:
                    inside = m.model.new_bool_var(f"{s.id}.in.{shown}")
                    outside = cp_model.Domain(a, b - s.duration).complement()
                    m.model.add_linear_expression_in_domain(
                        m.vars[s.id].start, outside
                    ).only_enforce_if(~inside)
                    here = m.vars[s.id].at[v.id]
                    if entry is not None:  # another track: not in this block
                        m.model.add_bool_or([~here, ~inside]).only_enforce_if(*guard)
                    else:
                        m.model.add(track == tracks[s.track]).only_enforce_if(here, inside, *guard)


def venues_closed(m: ModelView) -> None:
    """A session does not overlap a closure of its venue.

    In a plan the venue starts' domains (`m.table`) keep it; explain mode forbids the
    overlap behind a guard per closure.
    """
    if not m.explain:
        return
    for j, v in enumerate(m.festival.venues):
        for period in v.closed:
            guard = m.when(
                "venues.closed",
                f"venues[{j}].closed",
                f"venue {v.id!r} is closed {m.period_shown(period)}",
            )
            for s in m.sessions:
                here = m.vars[s.id].at.get(v.id)
                if here is None:
                    continue
                avoid_period(m, s, period, here, *guard)


def venues_changeover(m: ModelView) -> None:
    """A venue holds one session at a time, `changeover` minutes apart.

    Each (session, venue) pair has its own start variable, whose domain is the pair's
    starts in `m.table` (days, hours, slots, blocks and closures kept), equal to the
    session's start when the venue is chosen: the alternative-resource formulation.
    """
    for j, v in enumerate(m.festival.venues):
        guard = m.when(
            "venues.changeover",
            f"venues[{j}]",
            f"venue {v.id!r} holds one session at a time"
            + (f", {v.changeover} min apart" if v.changeover else ""),
        )
        intervals = []
        for s in m.sessions:
            here = m.vars[s.id].at.get(v.id)
            if here is None:
                continue
            if m.explain:
                begins = m.vars[s.id].start
                present = m.model.new_bool_var(f"{s.id}.in.{v.id}.counted")
                m.model.add_implication(present, here)
                m.model.add_bool_or([~here, ~guard[0], present])
            else:
                starts = m.table[s.id].get(v.id)
                if not starts:
                    m.model.add(here == 0)
                    continue
                slot = m.model.new_int_var_from_domain(
                    cp_model.Domain.from_values([t // m.unit for t in starts]),
                    f"{s.id}.slot.{v.id}",
                )
                m.model.add(m.vars[s.id].slot == slot).only_enforce_if(here)
                m.vars[s.id].begins[v.id] = slot
                begins = m.unit * slot
                present = here
            intervals.append(
                m.model.new_optional_fixed_size_interval_var(
                    begins, s.duration + v.changeover, present, f"{s.id}.in.{v.id}"
                )
            )
        if len(intervals) > 1:
            m.model.add_no_overlap(intervals)


def _starts_within(grid: Sequence[int], low: int, high: int) -> bool:
    """Whether the sorted starts `grid` hold one in [low, high]."""
    i = bisect.bisect_left(grid, low)
    return i < len(grid) and grid[i] <= high
