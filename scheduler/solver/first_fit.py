"""A quick first timetable: place sessions one at a time where every hard rule still holds.

The solver gives CP-SAT this placement as a hint, so that on programmes of
hundreds or thousands of sessions a valid timetable exists within a second or
two and the search spends its time improving it. It is a plain first-fit
heuristic: it may fail to place a session even when a timetable exists (the
solver then searches without that part of the hint), and it never claims
optimality.

Times are minutes on the solver's axis (`days.Clock`: elapsed minutes from
the festival's first instant); `starts[session][venue]` lists the start times the venue allows
(its hours, closures and the festival days on the grid).
"""

from __future__ import annotations

import bisect
import heapq
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence

from ..days import Clock
from ..model import Festival, Session
from .grid import DAY, Place, block_windows, minutes_between, travel_times, window
from .neighbourhoods import missed_wishes


class _Busy:
    """Minutes that are taken, one byte per minute."""

    def __init__(self, size: int):
        self.taken = bytearray(size)

    def free(self, start: int, end: int) -> bool:
        return self.taken.find(1, max(0, start), end) < 0

    def take(self, start: int, end: int) -> None:
        start, end = max(0, start), min(end, len(self.taken))
        if start < end:
            self.taken[start:end] = b"\x01" * (end - start)


def first_fit(
    festival: Festival,
    starts: Mapping[str, Mapping[str, Sequence[int]]],
    clock: Clock,
    wanted: Mapping[str, Place] | None = None,
    must: Mapping[str, Place] | None = None,
) -> dict[str, Place]:
    """Place as many sessions as first fit can: session id → (venue, start minute).

    `wanted` places are tried first (the published plan when re-planning);
    `must` places are the only ones allowed (pinned and frozen sessions).
    Preferred dates, venues and times are tried before the rest; among equals,
    the earliest start in the smallest venue that fits wins.
    """
    wanted, must = wanted or {}, must or {}
    size = max((t for by in starts.values() for ts in by.values() for t in ts), default=0) + 2 * DAY
    venues = {v.id: v for v in festival.venues}
    people = {p.id: p for p in festival.people}
    room = {vid: _Busy(size) for vid in venues}
    with_rest = defaultdict(lambda: _Busy(size))
    away: dict[str, _Busy] = {}
    for p in festival.people:
        if p.unavailable:
            away[p.id] = _Busy(size)
            for period in p.unavailable:
                away[p.id].take(*minutes_between(clock, period))
    unavailable = {
        s.id: [minutes_between(clock, p) for p in s.unavailable] for s in festival.sessions
    }
    audience = defaultdict(lambda: _Busy(size))
    travel = travel_times(festival)
    windows: dict[tuple[str, int], list[tuple[int, int]]] = {}

    def block_of(vid: str, t: int) -> tuple[str, int, int]:
        """(venue, day, index) of the block of `vid` holding a start at `t`."""
        day = clock.day(t)
        if (vid, day) not in windows:
            windows[(vid, day)] = block_windows(festival, clock, venues[vid], day)
        found = [k for k, (a, b) in enumerate(windows[(vid, day)]) if a <= t < b]
        return vid, day, found[0] if found else -1

    #: (venue, day, block) → its track: named in [[blocks]], or the first placed there
    block_track: dict[tuple[str, int, int], str] = {}
    for block in festival.blocks:
        day = (block.date - festival.start).days
        listed = venues[block.venue].blocks_on(block.date)
        if block.window in listed:
            block_track[(block.venue, day, listed.index(block.window))] = block.track
    been: dict[str, list[tuple[str, int, int]]] = defaultdict(list)  # a person's places so far
    exclusive = set(festival.exclusive_tags)
    city_of_day: dict[tuple[str, int], str] = {}
    per_day: dict[int, int] = defaultdict(int)
    apart: dict[str, set[str]] = defaultdict(set)
    for s in festival.sessions:
        for other in s.not_with:
            apart[s.id].add(other)
            apart[other].add(s.id)
    placed: dict[str, Place] = {}
    by_id = {s.id: s for s in festival.sessions}

    def fits(s: Session, vid: str, t: int) -> bool:
        v = venues[vid]
        end = t + s.duration
        if not room[vid].free(t, end + v.changeover):
            return False
        if any(a < end and t < b for a, b in unavailable[s.id]):
            return False
        if s.track and v.has_blocks:
            owner = block_track.get(block_of(vid, t))
            if owner is not None and owner != s.track:
                return False
        day = clock.day(t)
        if festival.max_sessions_per_day and per_day[day] >= festival.max_sessions_per_day:
            return False
        for pid in s.people:
            if not with_rest[pid].free(t, end + people[pid].break_):
                return False
            for other, begins, ends in been[pid]:
                need = travel.get((other, vid), (0, ""))[0] + people[pid].break_
                if other != vid and begins - need < end and t < ends + need:
                    return False
            if pid in away and not away[pid].free(t, end):
                return False
            if city_of_day.get((pid, day), v.city) != v.city:
                return False
        for tag in s.tags:
            if tag in exclusive and not audience[tag].free(t, end):
                return False
        for other in apart[s.id]:
            if other in placed:
                begins = placed[other][1]
                if begins < end and t < begins + by_id[other].duration:
                    return False
        return True

    def take(s: Session, vid: str, t: int) -> None:
        v = venues[vid]
        end = t + s.duration
        room[vid].take(t, end + v.changeover)
        day = clock.day(t)
        per_day[day] += 1
        for pid in s.people:
            with_rest[pid].take(t, end + people[pid].break_)
            if travel:
                been[pid].append((vid, t, end))
            city_of_day[(pid, day)] = v.city
        for tag in s.tags:
            if tag in exclusive:
                audience[tag].take(t, end)
        if s.track and v.has_blocks and festival.one_track_per_block:
            block_track.setdefault(block_of(vid, t), s.track)
        placed[s.id] = (vid, t)

    followers: dict[str, list[str]] = defaultdict(list)
    for s in festival.sessions:
        for before in s.after:
            followers[before].append(s.id)
    for s in _order(festival, starts, must, wanted, followers):
        allowed = _window(s, clock, placed, by_id, followers)
        choice = None
        if s.id in must:
            vid, t = must[s.id]
            if t in starts[s.id].get(vid, ()) and fits(s, vid, t):
                choice = (vid, t)
        else:
            only = s.fixed.venue if s.fixed is not None else None
            for vid, t in _candidates(festival, s, starts[s.id], clock, wanted.get(s.id), room):
                if only is not None and vid != only:
                    continue
                if allowed[0] <= t <= allowed[1] and fits(s, vid, t):
                    choice = (vid, t)
                    break
        if choice is not None:
            take(s, *choice)
    return placed


def _window(
    s: Session,
    clock: Clock,
    placed: Mapping[str, Place],
    by_id: Mapping[str, Session],
    followers: Mapping[str, Sequence[str]],
) -> tuple[int, int]:
    """The earliest and latest start allowed by `earliest`, `latest`, `fixed` and `after`
    (both ways: after placed predecessors, and ending before placed successors)."""
    low, high = window(s, clock)
    for before in s.after:
        if before in placed:
            low = max(low, placed[before][1] + by_id[before].duration)
        elif s.fixed is None:
            return (1, 0)  # its predecessor could not be placed
    for after in followers.get(s.id, ()):
        if after in placed:  # a pinned follower placed first
            high = min(high, placed[after][1] - s.duration)
    return low, high


def _order(
    festival: Festival,
    starts: Mapping[str, Mapping[str, Sequence[int]]],
    must: Mapping[str, Place],
    wanted: Mapping[str, Place],
    followers: Mapping[str, Sequence[str]],
) -> Iterator[Session]:
    """Pinned sessions (fixed or kept: their place is known) first, then the rest in an
    order that respects `after`; among those ready, those whose wanted place still
    exists (so that they keep it) first, then the hardest."""
    pinned = {s.id for s in festival.sessions if s.id in must or s.fixed is not None}
    waiting = {s.id: sum(b not in pinned for b in s.after) for s in festival.sessions}
    by_id = {s.id: s for s in festival.sessions}

    def priority(s: Session) -> tuple:
        options = sum(len(ts) for ts in starts[s.id].values())
        pinned = s.id in must or s.fixed is not None
        place = wanted.get(s.id)
        stays = place is not None and place[1] in starts[s.id].get(place[0], ())
        return (not pinned, not stays, options, -s.duration, -len(s.people), s.id)

    yield from sorted((by_id[sid] for sid in pinned), key=priority)
    ready = [
        (priority(s), s.id) for s in festival.sessions if not waiting[s.id] and s.id not in pinned
    ]
    heapq.heapify(ready)
    while ready:
        _, sid = heapq.heappop(ready)
        yield by_id[sid]
        for follower in followers.get(sid, ()):
            if follower in pinned:
                continue
            waiting[follower] -= 1
            if not waiting[follower]:
                heapq.heappush(ready, (priority(by_id[follower]), follower))


def _candidates(
    festival: Festival,
    s: Session,
    starts: Mapping[str, Sequence[int]],
    clock: Clock,
    wanted: Place | None,
    room: Mapping[str, _Busy],
) -> Iterator[Place]:
    """Places for `s` where its venue is still free: the smallest venue that fits
    first, each venue's free starts earliest first (skipping what is taken).

    With a wanted place: that place, then the same start in another venue, then
    the same day, then the rest (the cheaper moves of a re-plan first). Without
    one: preferred places first.
    """
    capacity = {v.id: v.capacity for v in festival.venues}
    need = {v.id: s.duration + v.changeover for v in festival.venues}
    ranked = sorted(starts, key=lambda vid: (capacity[vid], vid))

    def free(vid: str) -> Iterator[int]:
        return _free_starts(starts[vid], room[vid], need[vid])

    if wanted is not None:
        vid, start = wanted
        if start in starts.get(vid, ()):
            yield wanted
        yield from ((v, start) for v in ranked if start in starts[v])
        day = clock.day(start)
        yield from ((v, t) for v in ranked for t in free(v) if clock.day(t) == day)
        yield from ((v, t) for v in ranked for t in free(v))
        return
    if s.wishes or s.avoid:  # graded entries: places that miss none first
        for vid in ranked:
            yield from (
                (vid, t) for t in free(vid) if not missed_wishes(festival, clock, s, (vid, t))
            )
    prefer = s.prefer
    if prefer:
        dates = {(d - festival.start).days for d in prefer.dates}
        venues = set(prefer.venues)

        def liked(vid: str, t: int) -> bool:
            if dates and clock.day(t) not in dates:
                return False
            if venues and vid not in venues:
                return False
            if prefer.time is not None:
                first, last = prefer.time
                return first <= clock.time_of_day(t) and clock.wall_end(t, s.duration) <= last
            return True

        for vid in ranked:
            yield from ((vid, t) for t in free(vid) if liked(vid, t))
    for vid in ranked:
        yield from ((vid, t) for t in free(vid))


def _free_starts(times: Sequence[int], busy: _Busy, need: int) -> Iterator[int]:
    """The starts in `times` (sorted) at which `need` minutes are free in `busy`."""
    i = 0
    while i < len(times):
        t = times[i]
        blocked = busy.taken.find(1, t, t + need)
        if blocked < 0:
            yield t
            i += 1
        else:  # no start before the end of this taken stretch can fit
            after = busy.taken.find(0, blocked)
            i = bisect.bisect_left(times, after if after >= 0 else len(busy.taken), i + 1)
