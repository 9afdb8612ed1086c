"""A quick first timetable: place sessions one at a time where every hard rule still holds.

The solver gives CP-SAT this placement as a hint, so that on programmes of
hundreds or thousands of sessions a valid timetable exists within a second or
two and the search spends its time improving it. It is a first-fit heuristic
with one repair move (a session left out may move one or two placed sessions
elsewhere to make room): it may still fail to place a session when a timetable
exists (repair or the solver then searches without that part of the hint), and
it never claims optimality.

Times are minutes on the solver's axis (`Clock`: elapsed minutes from
the festival's first instant); `starts[session][venue]` lists the start times the venue allows
(its hours, closures and the festival days on the grid).
"""

from __future__ import annotations

import bisect
import heapq
import threading
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import NamedTuple

from ..model import Festival, Session
from .clock import Clock
from .costs import missed_wishes
from .engine import Stopped
from .grid import DAY, BlockKey, Blocks, Place, minutes_between, travel_times, window


class _Busy:
    """Minutes that are taken, one byte per minute."""

    def __init__(self, size: int):
        self.taken = bytearray(size)

    def free(self, start: int, end: int) -> bool:
        return self.taken.find(1, max(0, start), end) < 0

    def take(self, start: int, end: int) -> None:
        self._set(start, end, 1)

    def release(self, start: int, end: int) -> None:
        """Give back minutes taken by one `take` (takes never overlap, so this is exact)."""
        self._set(start, end, 0)

    def _set(self, start: int, end: int, value: int) -> None:
        start, end = max(0, start), min(end, len(self.taken))
        if start < end:
            self.taken[start:end] = bytes((value,)) * (end - start)


class _Count:
    """How many sessions take each minute (sessions may overlap here)."""

    def __init__(self, size: int):
        self.taken = array("i", bytes(4 * size))

    def free(self, start: int, end: int) -> bool:
        return not any(self.taken[max(0, start) : end])

    def most(self, start: int, end: int) -> int:
        return max(self.taken[max(0, start) : end], default=0)

    def change(self, start: int, end: int, by: int) -> None:
        for minute in range(max(0, start), min(end, len(self.taken))):
            self.taken[minute] += by


#: at most this many placed sessions are moved aside to make room for one left out
EJECTED = 2
#: places tried for one left-out session by moving others aside, at most
EJECTION_TRIES = 400


class _Board:
    """What first fit has placed so far, and what that leaves free; every `take` can be
    undone by a `drop`, so that sessions can be moved aside and back."""

    def __init__(
        self,
        festival: Festival,
        starts: Mapping[str, Mapping[str, Sequence[int]]],
        clock: Clock,
    ):
        self.festival, self.starts, self.clock = festival, starts, clock
        # the latest start of any session (each venue's starts are sorted)
        size = max((ts[-1] for by in starts.values() for ts in by.values() if ts), default=0)
        size += 2 * DAY
        self.venues = festival.venues_by_id
        self.people = festival.people_by_id
        self.by_id = festival.sessions_by_id
        self.room = {vid: _Busy(size) for vid in self.venues}
        self.with_rest: dict[str, _Busy] = defaultdict(lambda: _Busy(size))
        self.away: dict[str, _Busy] = {}
        for p in festival.people:
            if p.unavailable:
                self.away[p.id] = _Busy(size)
                for period in p.unavailable:
                    self.away[p.id].take(*minutes_between(clock, period))
        self.unavailable = {
            s.id: [minutes_between(clock, p) for p in s.unavailable] for s in festival.sessions
        }
        self.audience: dict[str, _Busy] = defaultdict(lambda: _Busy(size))
        self.exclusive = set(festival.exclusive_tags)
        self.travel = travel_times(festival)
        self.blocks = Blocks(festival, clock)
        #: block → its track: named in [[blocks]], or that of the sessions placed in it
        self.track_of_block = dict(self.blocks.named)
        #: track → the venues where it holds blocks, with how many
        self.venues_of_track: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for (vid, _, _), track in self.track_of_block.items():
            self.venues_of_track[track][vid] += 1
        self.in_block: dict[BlockKey, set[str]] = defaultdict(set)
        self.blocked = festival.one_track_per_block and any(v.has_blocks for v in festival.venues)
        #: a person's places so far: session → (venue, start, end)
        self.been: dict[str, dict[str, tuple[str, int, int]]] = defaultdict(dict)
        self.city_of_day: dict[tuple[str, int], tuple[str, int]] = {}  # → (city, sessions)
        self.per_day: dict[int, int] = defaultdict(int)
        self.apart: dict[str, set[str]] = defaultdict(set)
        for s in festival.sessions:
            for other in s.not_with:
                self.apart[s.id].add(other)
                self.apart[other].add(s.id)
        #: per city: the minutes plenaries take, and how many sessions take each minute
        #: (only where some session is a plenary)
        self.plenaries = any(s.plenary for s in festival.sessions)
        #: per hard `[[limits]]` tag: its limit, and how many of its sessions take each minute
        self.limited = {lim.tag: lim.at_once for lim in festival.limits if lim.weight is None}
        self.tag_time: dict[str, _Count] = defaultdict(lambda: _Count(size))
        self.plenary_time: dict[str, _Busy] = defaultdict(lambda: _Busy(size))
        self.city_time: dict[str, _Count] = defaultdict(lambda: _Count(size))
        #: session → the other runs of the same session
        runs: dict[str, list[str]] = defaultdict(list)
        for s in festival.sessions:
            if s.run_of:
                runs[s.run_of].append(s.id)
        self.other_runs = {
            sid: [o for o in group if o != sid] for group in runs.values() for sid in group
        }
        self.placed: dict[str, Place] = {}

    def owned(self, s: Session, place: Place) -> bool:
        """Whether `place` lies in a block that `s`'s track already holds."""
        return self.track_of_block.get(self.blocks.of(*place)) == s.track

    def fits(self, s: Session, vid: str, t: int) -> bool:
        """Whether `s` may start at `t` in `vid` next to what is placed."""
        v = self.venues[vid]
        end = t + s.duration
        if not self.room[vid].free(t, end + v.changeover):
            return False
        if any(a < end and t < b for a, b in self.unavailable[s.id]):
            return False
        if s.track and v.has_blocks:
            owner = self.track_of_block.get(self.blocks.of(vid, t))
            if owner is not None and owner != s.track:
                return False
        day = self.clock.day(t)
        cap = self.festival.max_sessions_per_day
        if cap and self.per_day[day] >= cap:
            return False
        for pid in s.people:
            rest = self.people[pid].break_
            if not self.with_rest[pid].free(t, end + rest):
                return False
            for other, begins, ends in self.been[pid].values():
                need = self.travel.get((other, vid), (0, ""))[0] + rest
                if other != vid and begins - need < end and t < ends + need:
                    return False
            if pid in self.away and not self.away[pid].free(t, end):
                return False
            city = self.city_of_day.get((pid, day))
            if city is not None and city[0] != v.city:
                return False
        for tag in s.tags:
            if tag in self.exclusive and not self.audience[tag].free(t, end):
                return False
        for other in self.apart[s.id]:
            if other in self.placed:
                begins = self.placed[other][1]
                if begins < end and t < begins + self.by_id[other].duration:
                    return False
        for tag in s.tags:
            if tag in self.limited and self.tag_time[tag].most(t, end) >= self.limited[tag]:
                return False
        if self.plenaries:
            if not self.plenary_time[v.city].free(t, end):
                return False
            if s.plenary and not self.city_time[v.city].free(t, end):
                return False
        for other in self.other_runs.get(s.id, ()):
            if other in self.placed:
                begins = self.placed[other][1]
                if begins < end and t < begins + self.by_id[other].duration:
                    return False
                if not s.runs_same_day and self.clock.day(begins) == day:
                    return False
        return True

    def take(self, s: Session, vid: str, t: int) -> None:
        """Place `s` at `t` in `vid`."""
        self._mark(s, vid, t, +1)
        self.placed[s.id] = (vid, t)

    def drop(self, sid: str) -> Place:
        """Take `sid` off the board; returns where it was."""
        place = self.placed.pop(sid)
        self._mark(self.by_id[sid], *place, -1)
        return place

    def _mark(self, s: Session, vid: str, t: int, sign: int) -> None:
        v = self.venues[vid]
        end = t + s.duration
        change = _Busy.take if sign > 0 else _Busy.release
        change(self.room[vid], t, end + v.changeover)
        day = self.clock.day(t)
        self.per_day[day] += sign
        for pid in s.people:
            change(self.with_rest[pid], t, end + self.people[pid].break_)
            if sign > 0:
                self.been[pid][s.id] = (vid, t, end)
            else:
                del self.been[pid][s.id]
            city, count = self.city_of_day.get((pid, day), (v.city, 0))
            if count + sign:
                self.city_of_day[(pid, day)] = (city, count + sign)
            else:
                del self.city_of_day[(pid, day)]
        for tag in s.tags:
            if tag in self.exclusive:
                change(self.audience[tag], t, end)
        for tag in s.tags:
            if tag in self.limited:
                self.tag_time[tag].change(t, end, sign)
        if self.plenaries:
            self.city_time[v.city].change(t, end, sign)
            if s.plenary:
                change(self.plenary_time[v.city], t, end)
        if s.track and v.has_blocks and self.festival.one_track_per_block:
            block = self.blocks.of(vid, t)
            members = self.in_block[block]
            if sign > 0:
                members.add(s.id)
                if block not in self.track_of_block:
                    self.track_of_block[block] = s.track
                    self.venues_of_track[s.track][vid] += 1
            else:
                members.discard(s.id)
                if not members and block not in self.blocks.named:
                    track = self.track_of_block.pop(block, None)
                    if track is not None:
                        self._forget(track, vid)

    def _forget(self, track: str, vid: str) -> None:
        """`track` holds one block fewer in `vid`."""
        held = self.venues_of_track[track]
        held[vid] -= 1
        if not held[vid]:
            del held[vid]

    def in_the_way(self, s: Session, vid: str, t: int) -> set[str]:
        """The placed sessions that hold `vid` while `s` would, and, when its block is held
        by another track, every session in that block."""
        v = self.venues[vid]
        end = t + s.duration + v.changeover
        way = set()
        for sid, (other, begins) in self.placed.items():
            if other == vid and begins < end:
                o = self.by_id[sid]
                if t < begins + o.duration + v.changeover:
                    way.add(sid)
        if s.track and v.has_blocks and self.festival.one_track_per_block:
            block = self.blocks.of(vid, t)
            if self.track_of_block.get(block, s.track) != s.track:
                way |= self.in_block[block]
        return way


def first_fit(
    festival: Festival,
    starts: Mapping[str, Mapping[str, Sequence[int]]],
    clock: Clock,
    wanted: Mapping[str, Place] | None = None,
    must: Mapping[str, Place] | None = None,
    stop: threading.Event | None = None,
) -> dict[str, Place]:
    """Place as many sessions as first fit can: session id → (venue, start minute).

    `wanted` places are tried first (the published plan when re-planning);
    `must` places are the only ones allowed (pinned and frozen sessions).
    Preferred dates, venues and times are tried before the rest; among equals,
    the earliest start in the smallest venue that fits wins; where blocks hold one
    track, a block the session's track holds comes first. A session left out is
    tried once more by moving one or two placed sessions elsewhere to make room.
    Raises `Stopped` once `stop` is set (checked before each session).
    """
    wanted, must = wanted or {}, must or {}
    stop = stop or threading.Event()
    board = _Board(festival, starts, clock)
    by_id = board.by_id
    followers = _Precedence.of(festival)

    def somewhere(s: Session) -> Place | None:
        """The first place `s` fits, in the order of its candidates."""
        allowed = _window(s, clock, board.placed, by_id, followers)
        only = s.fixed.venue if s.fixed is not None else None
        places = _candidates(festival, s, starts[s.id], clock, wanted.get(s.id), board.room)
        if board.blocked and s.track and s.id not in wanted:
            # the blocks its track holds first: the same order among the venues they are in
            held = board.venues_of_track.get(s.track, {})
            mine = {vid: times for vid, times in starts[s.id].items() if vid in held}
            owned = _candidates(festival, s, mine, clock, None, board.room)
            places = _owned_first(owned, places, lambda p: p[0] in held and board.owned(s, p))
        for vid, t in places:
            if only is not None and vid != only:
                continue
            if allowed[0] <= t <= allowed[1] and board.fits(s, vid, t):
                return vid, t
        return None

    left_out = []
    for s in _order(festival, starts, must, wanted, followers):
        if stop.is_set():
            raise Stopped
        if s.id in must:
            vid, t = must[s.id]
            ok = t in starts[s.id].get(vid, ()) and board.fits(s, vid, t)
            choice = (vid, t) if ok else None
        else:
            choice = somewhere(s)
        if choice is not None:
            board.take(s, *choice)
        elif s.id not in must and s.fixed is None:
            left_out.append(s)
    stay = set(must) | {s.id for s in festival.sessions if s.fixed is not None}
    for s in left_out:
        if stop.is_set():
            raise Stopped
        _make_room(board, s, followers, stay, somewhere)
    return board.placed


def _make_room(
    board: _Board,
    s: Session,
    followers: _Precedence,
    stay: set[str],
    somewhere: Callable[[Session], Place | None],
) -> bool:
    """Place `s` where at most `EJECTED` placed sessions are in its way, moving those to
    wherever else they fit; undoes every try that does not work out (at most
    `EJECTION_TRIES` tries)."""
    allowed = _window(s, board.clock, board.placed, board.by_id, followers)
    if allowed[0] > allowed[1]:
        return False
    only = s.fixed.venue if s.fixed is not None else None
    tries = 0
    for vid, times in sorted(board.starts[s.id].items()):
        if only is not None and vid != only:
            continue
        for t in times:
            if not allowed[0] <= t <= allowed[1]:
                continue
            way = board.in_the_way(s, vid, t)
            if not way or len(way) > EJECTED or way & stay:
                continue
            tries += 1
            if tries > EJECTION_TRIES:
                return False
            aside = {sid: board.drop(sid) for sid in sorted(way)}
            if board.fits(s, vid, t):
                board.take(s, vid, t)
                moved = []
                for sid in aside:
                    place = somewhere(board.by_id[sid])
                    if place is None:
                        break
                    board.take(board.by_id[sid], *place)
                    moved.append(sid)
                else:
                    return True
                for sid in moved:
                    board.drop(sid)
                board.drop(s.id)
            for sid, place in aside.items():
                board.take(board.by_id[sid], *place)
    return False


class _Precedence(NamedTuple):
    """Who must start after whom (`after`, hard `[[order]]`s), both ways."""

    before: Mapping[str, Sequence[str]]  # session → those it must follow
    after: Mapping[str, Sequence[str]]  # session → those that must follow it

    @classmethod
    def of(cls, festival: Festival) -> _Precedence:
        before = festival.must_follow()
        after: dict[str, list[str]] = defaultdict(list)
        for sid, befores in before.items():
            for first in befores:
                after[first].append(sid)
        return cls(before, after)


def _window(
    s: Session,
    clock: Clock,
    placed: Mapping[str, Place],
    by_id: Mapping[str, Session],
    followers: _Precedence,
) -> tuple[int, int]:
    """The earliest and latest start allowed by `earliest`, `latest`, `fixed`, `after`
    and hard `[[order]]`s (both ways: after placed predecessors, and ending before
    placed successors)."""
    low, high = window(s, clock)
    for before in followers.before[s.id]:
        if before in placed:
            low = max(low, placed[before][1] + by_id[before].duration)
        elif s.fixed is None:
            return (1, 0)  # its predecessor could not be placed
    for after in followers.after.get(s.id, ()):
        if after in placed:  # a pinned follower placed first
            high = min(high, placed[after][1] - s.duration)
    return low, high


def _order(
    festival: Festival,
    starts: Mapping[str, Mapping[str, Sequence[int]]],
    must: Mapping[str, Place],
    wanted: Mapping[str, Place],
    followers: _Precedence,
) -> Iterator[Session]:
    """Pinned sessions (fixed or kept: their place is known) first, then the rest in an
    order that respects `after`; among those ready, those whose wanted place still
    exists (so that they keep it) first, then the hardest."""
    pinned = {s.id for s in festival.sessions if s.id in must or s.fixed is not None}
    waiting = {sid: sum(b not in pinned for b in bs) for sid, bs in followers.before.items()}
    by_id = festival.sessions_by_id

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
        for follower in followers.after.get(sid, ()):
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
        for vid, t in _meeting_every_wish(festival, s, starts, clock, ranked):
            if room[vid].free(t, t + need[vid]) and not missed_wishes(festival, clock, s, (vid, t)):
                yield vid, t
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


def _meeting_every_wish(
    festival: Festival,
    s: Session,
    starts: Mapping[str, Sequence[int]],
    clock: Clock,
    ranked: Sequence[str],
) -> Iterator[Place]:
    """The places that meet every graded `prefer` entry of `s`, read off the entries (the
    venues, dates and times they name) rather than found by trying every place: an
    imported session wishing for its published room and start has one. Nothing when the
    entries narrow nothing down."""
    venues: set[str] = set(starts)
    dates: set[int] | None = None
    first, last = 0, 2 * 1440
    for wish in s.wishes:
        if wish.venues:
            venues &= set(wish.venues)
        if wish.dates:
            named = {(d - festival.start).days for d in wish.dates}
            dates = named if dates is None else dates & named
        if wish.time is not None:
            first, last = max(first, wish.time[0]), min(last, wish.time[1])
    if dates is None and (first, last) == (0, 2 * 1440) and venues == set(starts):
        return
    for vid in (v for v in ranked if v in venues):
        times = starts[vid]
        if dates is not None:  # the starts on the named days only
            times = [t for d in sorted(dates) for t in _on_day(times, clock, d)]
        for t in times:
            if first <= clock.time_of_day(t) and clock.wall_end(t, s.duration) <= last:
                yield vid, t


def _on_day(times: Sequence[int], clock: Clock, day: int) -> Sequence[int]:
    """The starts in `times` (sorted) that fall on festival day `day`."""
    lo = bisect.bisect_left(times, clock.day_start(day))
    hi = bisect.bisect_left(times, clock.day_start(day + 1))
    return times[lo:hi]


def _owned_first(
    in_owned_venues: Iterator[Place], places: Iterator[Place], owned: Callable[[Place], bool]
) -> Iterator[Place]:
    """`places` in their order, those in a block its track already holds first (found
    among `in_owned_venues`, the same places in the venues of those blocks only, so that
    the whole stream is walked only when none of them fits)."""
    yield from (place for place in in_owned_venues if owned(place))
    yield from (place for place in places if not owned(place))


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
