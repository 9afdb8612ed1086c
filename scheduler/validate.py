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

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import date, timedelta
from itertools import combinations

from .model import (
    Festival,
    Placement,
    Timetable,
    Violation,
    clock_window,
)
from .penalties import together_breaks
from .rules import named
from .wall_clock import Wall, allowed_dates, minute_of_day, wall_instant


class _Check:
    """What every rule's check reads: the festival, its wall clock, and the placements
    that name a known session and venue, once each, with aware times."""

    def __init__(self, festival: Festival, placed: dict[str, Placement]):
        self.festival = festival
        self.placed = placed
        self.wall = Wall(festival)
        self.sessions = festival.sessions_by_id
        self.venues = festival.venues_by_id
        self.people = festival.people_by_id
        self.usable = set(allowed_dates(festival))

    def day(self, p: Placement) -> date:
        """The festival's local date on which `p` starts."""
        return self.wall(p.start).date()


#: a check of one placement: (rule, message, sessions) for each rule it breaks
PlacementCheck = Callable[[_Check, str, Placement], Iterator[tuple[str, str, tuple[str, ...]]]]
#: a check of the whole timetable
TimetableCheck = Callable[[_Check], Iterator[tuple[str, str, tuple[str, ...]]]]


def violations(festival: Festival, timetable: Timetable) -> list[Violation]:
    """Every hard rule of `festival` that `timetable` breaks (empty when valid): each
    placement against the rules of one session (`PLACEMENT_CHECKS`, in that order), then
    the rules that tie sessions together (`TIMETABLE_CHECKS`)."""
    found: list[Violation] = []
    placed = _complete(festival, timetable, found)
    check = _Check(festival, placed)
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


def _duration(c: _Check, sid: str, p: Placement) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """`sessions.duration`: it lasts its duration, in elapsed time."""
    s = c.sessions[sid]
    if p.end - p.start != timedelta(minutes=s.duration):
        yield (
            "sessions.duration",
            f"session {sid!r} lasts {p.end - p.start}, not {s.duration} minutes",
            (sid,),
        )


def _festival_day(c: _Check, sid: str, p: Placement) -> Iterator[tuple[str, str, tuple[str, ...]]]:
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


def _one_day(c: _Check, sid: str, p: Placement) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """`sessions.one_day`: it ends by the midnight after its start."""
    if p.end > wall_instant(c.wall.zone, c.day(p) + timedelta(days=1), 0):
        yield "sessions.one_day", f"session {sid!r} runs past midnight", (sid,)


def _step(c: _Check, sid: str, p: Placement) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """`festival.step`: it starts on the festival's grid of wall-clock times."""
    local_start = c.wall(p.start)
    if minute_of_day(local_start) % c.festival.step:
        yield (
            "festival.step",
            f"session {sid!r} starts at {local_start:%H:%M}, off the {c.festival.step}-minute grid",
            (sid,),
        )


def _hours(c: _Check, sid: str, p: Placement) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """`venues.hours`: it lies within its venue's opening hours."""
    v, day, zone = c.venues[p.venue], c.day(p), c.wall.zone
    if p.start < wall_instant(zone, day, v.opens) or p.end > wall_instant(zone, day, v.closes):
        yield (
            "venues.hours",
            f"session {sid!r} at {c.wall.show(p)} is outside the venue's opening hours",
            (sid,),
        )


def _block_of(c: _Check, p: Placement) -> int | None:
    """The index of the block of its venue's day that holds `p` whole (None: none does)."""
    v, day = c.venues[p.venue], c.day(p)
    begins = minute_of_day(c.wall(p.start))
    ends = minute_of_day(c.wall(p.end)) if c.wall(p.end).date() == day else 1440
    windows = v.blocks or dict(v.dated_blocks).get(day, ())
    return next((k for k, (a, b) in enumerate(windows) if a <= begins and ends <= b), None)


def _in_a_block(c: _Check, sid: str, p: Placement) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """`venues.blocks`, first half: in a venue with blocks, it lies inside one."""
    v = c.venues[p.venue]
    if (v.blocks or v.dated_blocks) and _block_of(c, p) is None:
        yield "venues.blocks", f"session {sid!r} at {c.wall.show(p)} lies in no block", (sid,)


def _slots(c: _Check, sid: str, p: Placement) -> Iterator[tuple[str, str, tuple[str, ...]]]:
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


def _closed(c: _Check, sid: str, p: Placement) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """`venues.closed`: it overlaps none of its venue's closures."""
    for closure in c.venues[p.venue].closed:
        if closure.overlaps(p.start, p.end):
            yield (
                "venues.closed",
                f"session {sid!r} at {c.wall.show(p)} overlaps the closure "
                f"{c.wall.moment(closure.start)}–{c.wall.moment(closure.end)}",
                (sid,),
            )


def _room(c: _Check, sid: str, p: Placement) -> Iterator[tuple[str, str, tuple[str, ...]]]:
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


def _window(c: _Check, sid: str, p: Placement) -> Iterator[tuple[str, str, tuple[str, ...]]]:
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


def _after(c: _Check, sid: str, p: Placement) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """`sessions.after`: it starts once each session it follows has ended."""
    for before in c.sessions[sid].after:
        if before in c.placed and p.start < c.placed[before].end:
            yield (
                "sessions.after",
                f"session {sid!r} starts {c.wall.moment(p.start)} before {before!r} ends "
                f"{c.wall.moment(c.placed[before].end)}",
                (sid, before),
            )


def _unavailable(c: _Check, sid: str, p: Placement) -> Iterator[tuple[str, str, tuple[str, ...]]]:
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


def _max_sessions_per_day(c: _Check) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """`festival.max_sessions_per_day`."""
    most = c.festival.max_sessions_per_day
    if not most:
        return
    per_day: dict[date, list[str]] = defaultdict(list)
    for sid, p in c.placed.items():
        per_day[c.day(p)].append(sid)
    for day, ids in sorted(per_day.items()):
        if len(ids) > most:
            yield (
                "festival.max_sessions_per_day",
                f"{day} holds {len(ids)} sessions, more than {most}",
                tuple(sorted(ids)),
            )


def _changeover(c: _Check) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """`venues.changeover`: two sessions of a venue are apart by its changeover."""
    by_venue: dict[str, list[Placement]] = defaultdict(list)
    for p in c.placed.values():
        by_venue[p.venue].append(p)
    for vid, items in sorted(by_venue.items()):
        minutes = c.venues[vid].changeover
        gap = timedelta(minutes=minutes)
        for a, b in combinations(sorted(items, key=lambda p: (p.start, p.session)), 2):
            if b.start < a.end + gap and a.start < b.end + gap:
                yield (
                    "venues.changeover",
                    f"sessions {a.session!r} and {b.session!r} in {vid} are too close: "
                    f"{c.wall.show(a)} and {c.wall.show(b)} (changeover {minutes} min)",
                    (a.session, b.session),
                )


def _block_tracks(c: _Check) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """`venues.blocks`, second half: a block holds the track `[[blocks]]` names, or one
    track with `one_track_per_block`."""
    in_block: dict[tuple[str, date, int], list[str]] = defaultdict(list)
    for sid, p in c.placed.items():
        v = c.venues[p.venue]
        if v.blocks or v.dated_blocks:
            k = _block_of(c, p)
            if k is not None:
                in_block[(p.venue, c.day(p), k)].append(sid)
    owners = {(b.venue, b.date, b.window): b.track for b in c.festival.blocks}
    for (vid, day, k), ids in sorted(in_block.items()):
        v = c.venues[vid]
        window = (v.blocks or dict(v.dated_blocks)[day])[k]
        tracks = {c.sessions[sid].track for sid in ids} - {None}
        fixed = owners.get((vid, day, window))
        shown = f"block {clock_window(*window)} of {vid} on {day}"
        if fixed is not None and tracks - {fixed}:
            yield (
                "venues.blocks",
                f"{shown} is the {fixed!r} track's, but holds {sorted(tracks - {fixed})}",
                tuple(ids),
            )
        elif c.festival.one_track_per_block and len(tracks) > 1:
            yield "venues.blocks", f"{shown} holds the tracks {sorted(tracks)}", tuple(ids)


def _a_persons_day(c: _Check) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """`people.break`, `travel`, `people.one_city_per_day`, for each two sessions of one
    person: never at once, their break between, the trip between venues on top, and one
    city a day."""
    attended: dict[str, list[Placement]] = defaultdict(list)
    for sid, p in c.placed.items():
        for pid in c.sessions[sid].people:
            attended[pid].append(p)
    for pid in sorted(c.people):
        mine = sorted(attended[pid], key=lambda p: (p.start, p.session))
        break_ = c.people[pid].break_
        rest = timedelta(minutes=break_)
        for a, b in combinations(mine, 2):
            pair = (a.session, b.session)
            if a.start < b.end and b.start < a.end:
                yield "people.break", f"{pid} is in {a.session!r} and {b.session!r} at once", pair
            elif a.end <= b.start < a.end + rest:
                yield (
                    "people.break",
                    f"{pid} has {(b.start - a.end).seconds // 60} min between {a.session!r} "
                    f"and {b.session!r}, less than their {break_}-minute break",
                    pair,
                )
            trip = timedelta(minutes=_trip(c.festival, a.venue, b.venue))
            if trip and a.end <= b.start < a.end + rest + trip:
                rested = f", on top of their {break_}-minute break" if rest else ""
                yield (
                    "travel",
                    f"{pid} has {(b.start - a.end).seconds // 60} min from {a.session!r} in "
                    f"{a.venue} to {b.session!r} in {b.venue}; the trip takes "
                    f"{trip.seconds // 60} min{rested}",
                    pair,
                )
            here, there = c.venues[a.venue].city, c.venues[b.venue].city
            if c.wall.date(a.start) == c.wall.date(b.start) and here != there:
                yield (
                    "people.one_city_per_day",
                    f"{pid} is in {here} ({a.session!r}) and {there} ({b.session!r}) on "
                    f"{c.wall.date(a.start)}",
                    pair,
                )


def _exclusive_tags(c: _Check) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """`festival.exclusive_tags`: two sessions sharing such a tag never overlap."""
    for tag in c.festival.exclusive_tags:
        tagged = sorted(
            (p for sid, p in c.placed.items() if tag in c.sessions[sid].tags),
            key=lambda p: (p.start, p.session),
        )
        for a, b in combinations(tagged, 2):
            if a.start < b.end and b.start < a.end:
                yield (
                    "festival.exclusive_tags",
                    f"sessions {a.session!r} and {b.session!r} share the audience tag {tag!r} "
                    f"but overlap: {c.wall.show(a)} and {c.wall.show(b)}",
                    (a.session, b.session),
                )


def _together(c: _Check) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """`together`: each group without a weight is kept."""
    for i, group in enumerate(c.festival.together):
        if group.weight is None:
            for what in together_breaks(c.festival, group, c.placed):
                yield "together", f"together[{i}] (same {group.same}): {what}", group.sessions


def _not_with(c: _Check) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """`sessions.not_with`: a session overlaps none it must not."""
    for sid, p in sorted(c.placed.items()):
        for other in c.sessions[sid].not_with:
            q = c.placed.get(other)
            if q is not None and p.start < q.end and q.start < p.end:
                yield (
                    "sessions.not_with",
                    f"session {sid!r} overlaps {other!r}, which it must not: "
                    f"{c.wall.show(p)} and {c.wall.show(q)}",
                    (sid, other),
                )


def _limits(c: _Check) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """`limits`: each `[[limits]]` without a weight: at no instant more than `at_once`
    sessions with its tag (the most at once is reached as one of them starts)."""
    hard = [(i, lim) for i, lim in enumerate(c.festival.limits) if lim.weight is None]
    for i, limit in hard:
        tagged = [p for sid, p in sorted(c.placed.items()) if limit.tag in c.sessions[sid].tags]
        for p in sorted(tagged, key=lambda p: p.start):
            running = [q for q in tagged if q.start <= p.start < q.end]
            if len(running) > limit.at_once:
                yield (
                    "limits",
                    f"limits[{i}]: {len(running)} sessions tagged {limit.tag!r} run at "
                    f"{c.wall.show(p)}, more than {limit.at_once}: "
                    + ", ".join(repr(q.session) for q in running),
                    tuple(q.session for q in running),
                )
                break


def _plenary(c: _Check) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """`sessions.plenary`: no other session overlaps a plenary in its city."""
    plenaries = [(pid, p) for pid, p in sorted(c.placed.items()) if c.sessions[pid].plenary]
    for pid, p in plenaries:
        city = c.venues[p.venue].city
        for sid, q in sorted(c.placed.items()):
            beside = sid != pid and c.venues[q.venue].city == city
            if beside and p.start < q.end and q.start < p.end:
                yield (
                    "sessions.plenary",
                    f"session {sid!r} runs in {city} during the plenary {pid!r}: "
                    f"{c.wall.show(q)} and {c.wall.show(p)}",
                    (pid, sid),
                )


def _runs(c: _Check) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """`sessions.runs`: two runs of one session never overlap, nor share a day unless
    `runs_same_day`."""
    runs: dict[str, list[Placement]] = defaultdict(list)
    for sid, p in sorted(c.placed.items()):
        if c.sessions[sid].run_of:
            runs[c.sessions[sid].run_of].append(p)
    for base, placed in sorted(runs.items()):
        same_day = c.sessions[placed[0].session].runs_same_day
        for a, b in combinations(sorted(placed, key=lambda p: (p.start, p.session)), 2):
            if a.start < b.end and b.start < a.end:
                why = "overlap"
            elif not same_day and c.wall.date(a.start) == c.wall.date(b.start):
                why = "fall on one day"
            else:
                continue
            yield (
                "sessions.runs",
                f"runs {a.session!r} and {b.session!r} of {base!r} {why}: "
                f"{c.wall.show(a)} and {c.wall.show(b)}",
                (a.session, b.session),
            )


TIMETABLE_CHECKS: tuple[TimetableCheck, ...] = (
    _max_sessions_per_day,
    _changeover,
    _block_tracks,
    _a_persons_day,
    _exclusive_tags,
    _together,
    _not_with,
    _limits,
    _plenary,
    _runs,
)


def among(festival: Festival, placements: Iterable[Placement]) -> list[Violation]:
    """The hard rules that `placements`, the places of some sessions known before any
    search (fixed, kept), break among themselves: checked on the festival of those
    sessions alone (`Festival.only`), so no timetable of the whole avoids what this
    reports."""
    known = {p.session: p for p in placements}
    return violations(festival.only(known), Timetable(festival.id, tuple(known.values())))


def _trip(festival: Festival, here: str, there: str) -> int:
    """Minutes a person needs to get from venue `here` to `there` (`[travel]`): the
    `between` entry for the two, else `same_city` within one city, else nothing."""
    if here == there:
        return 0
    for route in festival.travel.between:
        if {here, there} == set(route.venues):
            return route.time
    same = festival.venue(here).city == festival.venue(there).city
    return festival.travel.same_city if same else 0


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
