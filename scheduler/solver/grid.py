"""The minute grid that the model, first fit and the neighbourhood search share.

Times are minutes on the solver's axis (`Clock`: elapsed minutes from the
festival's first instant). A session may start on the festival's `step` grid of
the wall clock; `starts_table` lists, for every session and eligible venue, the
starts that the venue's hours, its closures and the festival days allow.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta

from ortools.sat.python import cp_model

from ..days import festival_days
from ..model import Festival, Period, Person, Session, Venue
from .clock import Clock

DAY = 1440
Place = tuple[str, int]  # (venue id, start minute)
Table = Mapping[str, Mapping[str, Sequence[int]]]  # session → venue → allowed starts


def eligible_venues(festival: Festival, session: Session) -> list[Venue]:
    """Venues that fit the session: capacity, features, allowed cities and venues."""
    return [
        v
        for v in festival.venues
        if v.capacity >= session.attendance
        and session.needs <= v.features
        and (not session.cities or v.city in session.cities)
        and (not session.venues or v.id in session.venues)
    ]


def day_grid(clock: Clock, step: int, offset: int, opens: int = 0, closes: int = DAY) -> list[int]:
    """The axis minutes of the wall-clock grid times from `opens` (rounded up to the grid)
    to before `closes` on day `offset`, in time order: a time the clocks skip has none,
    one they repeat has two."""
    first = -(-opens // step) * step
    if clock.uniform:
        base = offset * DAY
        return list(range(base + first, base + closes, step))
    return sorted(t for wall in range(first, closes, step) for t in clock.wall(offset, wall))


def grid_starts(
    festival: Festival,
    clock: Clock,
    v: Venue,
    duration: int,
    offsets: Sequence[int],
    closures: bool = True,
    span: int | None = 1,
) -> list[int]:
    """Grid starts (axis minutes) on the days at `offsets` at which a session of
    `duration` lies inside venue `v`'s hours (and, with `closures`, misses its closures)
    and, unless `span` is None, where the venue has `slots`, starts at a slot and ends by
    the end of the `span`-th slot from it, and where it has `blocks`, lies in one."""
    closed = [minutes_between(clock, p) for p in v.closed] if closures else []
    starts = []
    for offset in offsets:
        opens, closes = clock.at(offset, v.opens), clock.at(offset, v.closes)
        grid = day_grid(clock, festival.step, offset, v.opens, v.closes)
        if v.has_slots and span is not None:
            grid = slot_starts(festival, clock, v, duration, offset, span)
        if v.has_blocks and span is not None:
            windows = block_windows(festival, clock, v, offset)
            grid = [t for t in grid if any(a <= t and t + duration <= b for a, b in windows)]
        for t in grid:
            inside = opens <= t and t + duration <= closes
            if inside and not any(a < t + duration and t < b for a, b in closed):
                starts.append(t)
    return starts


def block_windows(festival: Festival, clock: Clock, v: Venue, offset: int) -> list[tuple[int, int]]:
    """Venue `v`'s blocks on day `offset`, as axis minutes."""
    day = festival.start + timedelta(days=offset)
    return [(clock.at(offset, a), clock.at(offset, b)) for a, b in v.blocks_on(day)]


#: a block of one venue on one day: (venue id, start, end), axis minutes
BlockKey = tuple[str, int, int]


class Blocks:
    """Venues' blocks as first fit and repair look them up: the block holding a start
    (each venue-day's blocks listed once) and the track `[[blocks]]` names for one."""

    def __init__(self, festival: Festival, clock: Clock):
        self.festival, self.clock = festival, clock
        self.venues = festival.venues_by_id
        self._windows: dict[tuple[str, int], list[tuple[int, int]]] = {}
        #: block → the track `[[blocks]]` gives it
        self.named: dict[BlockKey, str] = {}
        for entry in festival.blocks:
            day = (entry.date - festival.start).days
            a, b = (clock.at(day, minute) for minute in entry.window)
            self.named[(entry.venue, a, b)] = entry.track

    def members(self, places: Mapping[str, Place]) -> dict[BlockKey, list[str]]:
        """The sessions placed in each block (in session id order)."""
        found: dict[BlockKey, list[str]] = {}
        for sid, (vid, t) in sorted(places.items()):
            if self.venues[vid].has_blocks:
                found.setdefault(self.of(vid, t), []).append(sid)
        return found

    def of(self, vid: str, t: int) -> BlockKey:
        """The block of `vid` holding a start at `t` (`(vid, t, t)` when none does)."""
        day = self.clock.day(t)
        if (vid, day) not in self._windows:
            venue = self.venues[vid]
            self._windows[(vid, day)] = block_windows(self.festival, self.clock, venue, day)
        for a, b in self._windows[(vid, day)]:
            if a <= t < b:
                return vid, a, b
        return vid, t, t


def slot_starts(
    festival: Festival, clock: Clock, v: Venue, duration: int, offset: int, span: int
) -> list[int]:
    """The starts (axis minutes) of venue `v`'s slots on day `offset` from which a session
    of `duration` ends by the end of the `span`-th slot (a start the clocks skip has none)."""
    slots = v.slots_on(festival.start + timedelta(days=offset))
    starts = []
    for i in range(len(slots) - span + 1):
        ends = clock.at(offset, slots[i + span - 1][1])
        starts.extend(t for t in clock.wall(offset, slots[i][0]) if t + duration <= ends)
    return starts


def starts_table(festival: Festival) -> dict[str, dict[str, list[int]]]:
    """Session → eligible venue → the starts its hours, closures and the festival days allow."""
    clock = Clock(festival)
    offsets = [(d - festival.start).days for d in festival_days(festival)]
    cache: dict[tuple[str, int, int], list[int]] = {}
    table: dict[str, dict[str, list[int]]] = {}
    for s in festival.sessions:
        table[s.id] = {}
        for v in eligible_venues(festival, s):
            key = (v.id, s.duration, s.span)
            if key not in cache:
                cache[key] = grid_starts(festival, clock, v, s.duration, offsets, span=s.span)
            if cache[key]:
                table[s.id][v.id] = cache[key]
    return table


def travel_times(festival: Festival) -> dict[tuple[str, str], tuple[int, str]]:
    """(venue, other venue) → the minutes a person needs between them on top of their
    break, and the key that says so (`travel.between[i]` wins over `travel.same_city`);
    only pairs that need time are listed, both ways round."""
    times: dict[tuple[str, str], tuple[int, str]] = {}
    if festival.travel.same_city:
        for u in festival.venues:
            for v in festival.venues:
                if u.id != v.id and u.city == v.city:
                    times[(u.id, v.id)] = (festival.travel.same_city, "travel.same_city")
    for i, route in enumerate(festival.travel.between):
        u, v = route.venues
        for pair in ((u, v), (v, u)):
            times.pop(pair, None)
            if route.time:
                times[pair] = (route.time, f"travel.between[{i}]")
    return times


def minutes_between(clock: Clock, period: Period) -> tuple[int, int]:
    """A period as (start, end) minutes on the clock's axis."""
    return clock.minute(period.start), clock.minute(period.end)


def window(s: Session, clock: Clock) -> tuple[int, int]:
    """Earliest and latest start from the session's `earliest`, `latest` and `fixed`."""
    low, high = 0, 1 << 40
    if s.earliest is not None:
        low = max(low, clock.minute(s.earliest))
    if s.latest is not None:
        high = min(high, clock.minute(s.latest) - s.duration)
    if s.fixed is not None:
        at = clock.minute(s.fixed.start)
        low, high = max(low, at), min(high, at)
    return low, high


def absences(
    festival: Festival, s: Session, clock: Clock, people: Mapping[str, Person] | None = None
) -> list[tuple[int, int]]:
    """When the session or any of its people is unavailable, as minute ranges (`people`:
    the festival's people by id, when the caller has them)."""
    people = people if people is not None else festival.people_by_id
    return [minutes_between(clock, period) for period in s.unavailable] + [
        minutes_between(clock, period) for pid in s.people for period in people[pid].unavailable
    ]


def complement(forbidden: list[tuple[int, int]], low: int, high: int) -> cp_model.Domain | None:
    """The values in [low, high] outside every forbidden [a, b]; None if nothing is forbidden."""
    spans = sorted((max(a, low), min(b, high)) for a, b in forbidden if a <= high and b >= low)
    if not spans:
        return None
    allowed, cursor = [], low
    for a, b in spans:
        if a > cursor:
            allowed.append([cursor, a - 1])
        cursor = max(cursor, b + 1)
    if cursor <= high:
        allowed.append([cursor, high])
    return cp_model.Domain.from_intervals(allowed) if allowed else cp_model.Domain(1, 0)


def places_of(
    s: Session, table: Table, window: tuple[int, int], away: Sequence[tuple[int, int]] = ()
) -> list[Place]:
    """Every place the session's own rules allow: hours, closures, days, its window,
    and its people's absences (`away`, as minute ranges)."""
    only = s.fixed.venue if s.fixed is not None else None
    return [
        (vid, t)
        for vid, starts in table[s.id].items()
        if only is None or vid == only
        for t in starts
        if window[0] <= t <= window[1] and not any(a < t + s.duration and t < b for a, b in away)
    ]
