"""An independent check of a timetable against its festival definition.

Plain Python on aware datetimes and `zoneinfo`: nothing here is shared with the
solver's model or its minute axis, so a bug in one is caught by the other.
Durations, overlaps and gaps are judged on instants; days, opening hours and
the grid on the festival's wall clock, as the definition states them.
`violations()` returns one `Violation` per broken rule, labelled with the
config key it comes from; `penalties.score()` recomputes the soft-goal penalties
the solver minimises.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import timedelta

from .model import (
    Festival,
    Placement,
    Timetable,
    Violation,
)
from .rules import named
from .validate_ties import TIMETABLE_CHECKS, Checked, PlacementCheck
from .wall_clock import Wall, minute_of_day, wall_instant


def violations(festival: Festival, timetable: Timetable) -> list[Violation]:
    """Every hard rule of `festival` that `timetable` breaks (empty when valid): each
    placement against the rules of one session (`PLACEMENT_CHECKS`, in that order), then
    the rules that tie sessions together (`TIMETABLE_CHECKS`)."""
    found: list[Violation] = []
    placed = _complete(festival, timetable, found)
    check = Checked(festival, placed)
    for sid, p in placed.items():
        for rule_check in PLACEMENT_CHECKS:
            for rule, message, sessions in rule_check(check, sid, p):
                found.append(Violation(named(rule), message, sessions))
    for timetable_check in TIMETABLE_CHECKS:
        for rule, message, sessions in timetable_check(check):
            found.append(Violation(named(rule), message, sessions))
    return found


def _complete(
    festival: Festival, timetable: Timetable, found: list[Violation]
) -> dict[str, Placement]:
    """`timetable.complete`: the timetable is this festival's, places every session once,
    in a known venue, at aware times. Returns the placements the other rules can judge."""

    def bad(message: str, *sessions: str) -> None:
        found.append(Violation(named("timetable.complete"), message, sessions))

    if timetable.festival != festival.id:
        bad(f"timetable is for {timetable.festival!r}, not {festival.id!r}")
    sessions, venues = festival.sessions_by_id, festival.venues_by_id
    placed: dict[str, Placement] = {}
    for p in timetable.placements:
        if p.session not in sessions:
            bad(f"session {p.session!r} is not in the definition", p.session)
        elif p.session in placed:
            bad(f"session {p.session!r} is placed twice", p.session)
        elif p.venue not in venues:
            bad(f"session {p.session!r} is in unknown venue {p.venue!r}", p.session)
        else:
            placed[p.session] = p
    for sid in sessions:
        if sid not in placed:
            bad(f"session {sid!r} is missing from the timetable", sid)
    for sid, p in list(placed.items()):
        if p.start.tzinfo is None or p.end.tzinfo is None:
            bad(f"session {sid!r} has a time without a time zone", sid)
            del placed[sid]
    return placed


# --- the rules of one session -------------------------------------------------------


def _duration(c: Checked, sid: str, p: Placement) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """`sessions.duration`: it lasts its duration, in elapsed time."""
    s = c.sessions[sid]
    if p.end - p.start != timedelta(minutes=s.duration):
        yield (
            "sessions.duration",
            f"session {sid!r} lasts {p.end - p.start}, not {s.duration} minutes",
            (sid,),
        )


def _festival_day(c: Checked, sid: str, p: Placement) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """`festival.window`, `festival.blackout`, `festival.days`: it is on a usable date."""
    f, day = c.festival, c.day(p)
    if not f.start <= day <= f.end:
        yield (
            "festival.window",
            f"session {sid!r} on {day} is outside the festival window {f.start}..{f.end}",
            (sid,),
        )
    elif day in f.blackout:
        yield "festival.blackout", f"session {sid!r} is on blackout date {day}", (sid,)
    elif day not in c.usable:
        yield (
            "festival.days",
            f"session {sid!r} is on {day}, which is not a {f.days} day",
            (sid,),
        )


def _one_day(c: Checked, sid: str, p: Placement) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """`sessions.one_day`: it ends by the midnight after its start."""
    if p.end > wall_instant(c.wall.zone, c.day(p) + timedelta(days=1), 0):
        yield "sessions.one_day", f"session {sid!r} runs past midnight", (sid,)


def _step(c: Checked, sid: str, p: Placement) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """`festival.step`: it starts on the festival's grid of wall-clock times."""
    local_start = c.wall(p.start)
    if minute_of_day(local_start) % c.festival.step:
        yield (
            "festival.step",
            f"session {sid!r} starts at {local_start:%H:%M}, off the {c.festival.step}-minute grid",
            (sid,),
        )


def _hours(c: Checked, sid: str, p: Placement) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """`venues.hours`: it lies within its venue's opening hours."""
    v, day, zone = c.venues[p.venue], c.day(p), c.wall.zone
    if p.start < wall_instant(zone, day, v.opens) or p.end > wall_instant(zone, day, v.closes):
        yield (
            "venues.hours",
            f"session {sid!r} at {c.wall.show(p)} is outside the venue's opening hours",
            (sid,),
        )


def _in_a_block(c: Checked, sid: str, p: Placement) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """`venues.blocks`, first half: in a venue with blocks, it lies inside one."""
    v = c.venues[p.venue]
    if (v.blocks or v.dated_blocks) and c.block_of(p) is None:
        yield "venues.blocks", f"session {sid!r} at {c.wall.show(p)} lies in no block", (sid,)


def _slots(c: Checked, sid: str, p: Placement) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """`venues.slots`: in a venue with slots, it starts at one and ends by its `span`-th."""
    v, s, day = c.venues[p.venue], c.sessions[sid], c.day(p)
    if not (v.slots or v.dated_slots):
        return
    slots = v.slots or dict(v.dated_slots).get(day, ())
    begins = minute_of_day(c.wall(p.start))
    firsts = [i for i, (a, _) in enumerate(slots) if a == begins and i + s.span <= len(slots)]
    if not firsts:
        yield (
            "venues.slots",
            f"session {sid!r} at {c.wall.show(p)} does not start at a slot of {p.venue}"
            + ("" if slots else f", which has none on {day}"),
            (sid,),
        )
    elif p.end > wall_instant(c.wall.zone, day, slots[firsts[0] + s.span - 1][1]):
        taken = "its slot" if s.span == 1 else f"its {s.span} slots"
        yield "venues.slots", f"session {sid!r} at {c.wall.show(p)} runs past {taken}", (sid,)


def _closed(c: Checked, sid: str, p: Placement) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """`venues.closed`: it overlaps none of its venue's closures."""
    for closure in c.venues[p.venue].closed:
        if closure.overlaps(p.start, p.end):
            yield (
                "venues.closed",
                f"session {sid!r} at {c.wall.show(p)} overlaps the closure "
                f"{c.wall.moment(closure.start)}–{c.wall.moment(closure.end)}",
                (sid,),
            )


def _room(c: Checked, sid: str, p: Placement) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """`venues.capacity`, `sessions.needs`, `sessions.cities`, `sessions.venues`: its
    venue holds its audience, has what it needs, and is one it may use."""
    s, v = c.sessions[sid], c.venues[p.venue]
    if s.attendance > v.capacity:
        yield (
            "venues.capacity",
            f"session {sid!r} expects {s.attendance} people; {p.venue} holds {v.capacity}",
            (sid,),
        )
    if not s.needs <= v.features:
        missing = ", ".join(sorted(s.needs - v.features))
        yield "sessions.needs", f"session {sid!r} needs {missing}, which {p.venue} lacks", (sid,)
    if s.cities and v.city not in s.cities:
        yield (
            "sessions.cities",
            f"session {sid!r} is in {v.city}, not one of {', '.join(s.cities)}",
            (sid,),
        )
    if s.venues and p.venue not in s.venues:
        yield (
            "sessions.venues",
            f"session {sid!r} is at {p.venue}, not one of {', '.join(s.venues)}",
            (sid,),
        )


def _window(c: Checked, sid: str, p: Placement) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """`sessions.earliest`, `sessions.latest`, `sessions.fixed`: its own time and place."""
    s, moment = c.sessions[sid], c.wall.moment
    if s.earliest and p.start < s.earliest:
        yield (
            "sessions.earliest",
            f"session {sid!r} starts {moment(p.start)} before its earliest {moment(s.earliest)}",
            (sid,),
        )
    if s.latest and p.end > s.latest:
        yield (
            "sessions.latest",
            f"session {sid!r} ends {moment(p.end)} after its latest {moment(s.latest)}",
            (sid,),
        )
    if s.fixed:
        if p.start != s.fixed.start:
            yield (
                "sessions.fixed",
                f"session {sid!r} starts {moment(p.start)}, not its fixed {moment(s.fixed.start)}",
                (sid,),
            )
        if s.fixed.venue and p.venue != s.fixed.venue:
            yield (
                "sessions.fixed",
                f"session {sid!r} is at {p.venue}, not its fixed venue {s.fixed.venue}",
                (sid,),
            )


def _after(c: Checked, sid: str, p: Placement) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """`sessions.after`: it starts once each session it follows has ended."""
    for before in c.sessions[sid].after:
        if before in c.placed and p.start < c.placed[before].end:
            yield (
                "sessions.after",
                f"session {sid!r} starts {c.wall.moment(p.start)} before {before!r} ends "
                f"{c.wall.moment(c.placed[before].end)}",
                (sid, before),
            )


def _unavailable(c: Checked, sid: str, p: Placement) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """`people.unavailable`, `sessions.unavailable`: it runs when it and its people can."""
    s, moment = c.sessions[sid], c.wall.moment
    for pid in s.people:
        for gap in c.people[pid].unavailable:
            if gap.overlaps(p.start, p.end):
                yield (
                    "people.unavailable",
                    f"{pid} is unavailable {moment(gap.start)}–{moment(gap.end)} but is in "
                    f"session {sid!r} at {c.wall.show(p)}",
                    (sid,),
                )
    for gap in s.unavailable:
        if gap.overlaps(p.start, p.end):
            yield (
                "sessions.unavailable",
                f"session {sid!r} is unavailable {moment(gap.start)}–{moment(gap.end)} but "
                f"runs at {c.wall.show(p)}",
                (sid,),
            )


PLACEMENT_CHECKS: tuple[PlacementCheck, ...] = (
    _duration,
    _festival_day,
    _one_day,
    _step,
    _hours,
    _in_a_block,
    _slots,
    _closed,
    _room,
    _window,
    _after,
    _unavailable,
)


# --- the rules that tie sessions together ---------------------------------------------


def among(festival: Festival, placements: Iterable[Placement]) -> list[Violation]:
    """The hard rules that `placements`, the places of some sessions known before any
    search (fixed, kept), break among themselves: checked on the festival of those
    sessions alone (`Festival.only`), so no timetable of the whole avoids what this
    reports."""
    known = {p.session: p for p in placements}
    return violations(festival.only(known), Timetable(festival.id, tuple(known.values())))


def kept(
    festival: Festival, timetable: Timetable, previous: Timetable, keep: dict[str, str]
) -> list[Violation]:
    """Sessions that had to stay where they were published but moved."""
    show = Wall(festival).show
    now = {p.session: p for p in timetable.placements}
    found = []
    for old in previous.placements:
        why = keep.get(old.session)
        new = now.get(old.session)
        if why and new and (new.start, new.venue) != (old.start, old.venue):
            rule = named("sessions.pinned" if why == "pinned" else "--freeze-until")
            found.append(
                Violation(
                    rule,
                    f"session {old.session!r} moved from {show(old)} to {show(new)} but is {why}",
                    (old.session,),
                )
            )
    return found


def move_reason(festival: Festival, timetable: Timetable, old: Placement) -> str:
    """Why a session could not stay at its published placement, in one line."""
    if old.venue not in {v.id for v in festival.venues}:
        return f"venue {old.venue!r} is no longer in the definition"
    duration = timedelta(minutes=festival.session(old.session).duration)
    back = replace(old, end=old.start + duration)
    trial = replace(
        timetable,
        placements=tuple(back if p.session == old.session else p for p in timetable.placements),
    )
    mine = [v for v in violations(festival, trial) if old.session in v.sessions]
    if not mine:
        return "its old place is still valid; it moved to make room for another move"
    return str(mine[0])
