"""What a place costs: the goals one session is charged on its own, and the moves.

A place is (venue id, start minute on the solver's axis, `Clock`). The goals
the rule registry marks `per_session` (wishes, room fit) are counted here per session
(`missed`, `preference_cost`), with the least a session can cost anywhere
(`cheapest`), a lower bound every interaction relaxes. The goals that weigh pairs or
groups of sessions (`SPANNING_GOALS`) are the model's (`goals`). The neighbourhood
search, first fit and the model's goals read these facts from here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import timedelta

from .. import rules
from ..model import Festival, Session, Wish
from .clock import Clock
from .grid import Place, Table, places_of


def empty_share(capacity: int, attendance: int) -> int:
    """Whole percent of a venue's seats that a session of `attendance` leaves empty."""
    if not attendance or not capacity:
        return 0
    return 100 * max(0, capacity - attendance) // capacity


def fewest_days(festival: Festival) -> dict[str, int]:
    """Person → the fewest days their sessions could need: one, or more when their
    sessions together last longer than the longest opening day of any venue (people
    without sessions: none)."""
    total: dict[str, int] = {}
    for s in festival.sessions:
        for pid in dict.fromkeys(s.people):
            total[pid] = total.get(pid, 0) + s.duration
    longest = max(1, max((v.hours_minutes for v in festival.venues), default=1440))
    return {pid: max(1, -(-minutes // longest)) for pid, minutes in total.items() if minutes}


def missed(festival: Festival, clock: Clock, s: Session, place: Place) -> dict[str, int]:
    """What `s` at `place` costs in the goals local to one session: goal name → count
    (1 for each missed preference; `room_fit`'s empty share of the venue)."""
    vid, start = place
    found = missed_at_venue(festival, s, vid) | missed_at_time(festival, clock, s, start)
    return found | missed_wishes(festival, clock, s, place)


def missed_wishes(festival: Festival, clock: Clock, s: Session, place: Place) -> dict[str, int]:
    """The part of `missed` of graded entries, which may tie a venue to a time: the
    weights of the `prefer` entries `place` misses and of the `avoid` entries it meets."""
    found = {}
    for goal, wishes, cost_when_met in (("prefer", s.wishes, False), ("avoid", s.avoid, True)):
        cost = sum(
            w.weight for w in wishes if _meets(festival, clock, s, w, place) == cost_when_met
        )
        if cost:
            found[goal] = cost
    return found


def _meets(festival: Festival, clock: Clock, s: Session, wish: Wish, place: Place) -> bool:
    vid, start = place
    day = festival.start + timedelta(days=clock.day(start))
    if wish.dates and day not in wish.dates:
        return False
    if wish.venues and vid not in wish.venues:
        return False
    if wish.time is not None:
        first, last = wish.time
        return first <= clock.time_of_day(start) and clock.wall_end(start, s.duration) <= last
    return True


def missed_at_venue(festival: Festival, s: Session, vid: str) -> dict[str, int]:
    """The part of `missed` that depends on the venue only."""
    found = {}
    if festival.weights.room_fit and s.attendance:
        share = empty_share(festival.venue(vid).capacity, s.attendance)
        if share:
            found["room_fit"] = share
    if s.prefer and s.prefer.venues and vid not in s.prefer.venues:
        found["prefer_venue"] = 1
    return found


def missed_at_time(festival: Festival, clock: Clock, s: Session, start: int) -> dict[str, int]:
    """The part of `missed` that depends on the start only."""
    found: dict[str, int] = {}
    if not s.prefer:
        return found
    day = festival.start + timedelta(days=clock.day(start))
    if s.prefer.dates and day not in s.prefer.dates:
        found["prefer_date"] = 1
    if s.prefer.time is not None:
        first, last = s.prefer.time
        if not (first <= clock.time_of_day(start) and clock.wall_end(start, s.duration) <= last):
            found["prefer_time"] = 1
    return found


def _weighed(festival: Festival, counts: Mapping[str, int]) -> int:
    return sum(festival.weight(goal) * count for goal, count in counts.items())


def preference_cost(festival: Festival, clock: Clock, s: Session, place: Place) -> int:
    """What `s` at `place` adds to the goals local to one session (see `missed`)."""
    return _weighed(festival, missed(festival, clock, s, place))


def cheapest(
    festival: Festival, clock: Clock, s: Session, places: Sequence[Place]
) -> tuple[int, list[Place]]:
    """The least `s` costs at any of `places` in the goals local to one session, and the
    places that cost that: each venue and each start costed once, not each place."""
    at_venue: dict[str, int] = {}
    at_time: dict[int, int] = {}
    graded = bool(s.wishes or s.avoid)
    costs = []
    for vid, start in places:
        if vid not in at_venue:
            at_venue[vid] = _weighed(festival, missed_at_venue(festival, s, vid))
        if start not in at_time:
            at_time[start] = _weighed(festival, missed_at_time(festival, clock, s, start))
        cost = at_venue[vid] + at_time[start]
        if graded:
            cost += _weighed(festival, missed_wishes(festival, clock, s, (vid, start)))
        costs.append(cost)
    least = min(costs, default=0)
    return least, [p for p, c in zip(places, costs, strict=True) if c == least]


def venue_only(s: Session) -> bool:
    """Whether what `s` costs on its own depends on its venue alone (no wish names a
    date or a time)."""
    return not (s.wishes or s.avoid) and (
        s.prefer is None or (not s.prefer.dates and s.prefer.time is None)
    )


def cheapest_venues(
    festival: Festival,
    s: Session,
    table: Table,
    window: tuple[int, int],
    away: Sequence[tuple[int, int]] = (),
) -> tuple[int, list[Place]]:
    """`cheapest` for a session whose cost depends on its venue alone (`venue_only`):
    venues costed once each, cheapest first, and only the places of the cheapest venues
    that have any listed, rather than every place of every venue."""
    by_cost: dict[int, list[str]] = defaultdict(list)
    for vid in table[s.id]:
        by_cost[_weighed(festival, missed_at_venue(festival, s, vid))].append(vid)
    for cost in sorted(by_cost):
        venues = {vid: table[s.id][vid] for vid in by_cost[cost]}
        places = places_of(s, {s.id: venues}, window, away)
        if places:
            return cost, places
    return 0, []


def has_local_cost(festival: Festival, s: Session) -> bool:
    """Whether `s` can cost anything in the goals local to one session."""
    return (
        bool(s.prefer)
        or bool(s.wishes or s.avoid)
        or bool(festival.weights.room_fit and s.attendance)
    )


#: soft goals that weigh pairs or groups of sessions (the registry's): a neighbourhood
#: step then keeps every day, and a session's own cost (`missed`) leaves them out
SPANNING_GOALS = rules.spanning_goals()


def move_kinds(clock: Clock, old: Place, new: Place) -> dict[str, int]:
    """How a published session moved from `old` to `new`: kind → 1 (see `Weights`)."""
    if old == new:
        return {}
    same_day = clock.day(old[1]) == clock.day(new[1])
    found = {"moved": 1}
    if not same_day:
        found["moved_date"] = 1
    elif old[1] != new[1]:
        found["moved_time"] = 1
    if old[0] != new[0]:
        found["moved_venue"] = 1
    return found


def move_cost(festival: Festival, clock: Clock, big: int, old: Place, new: Place) -> int:
    """What moving a published session from `old` to `new` adds to the re-plan's disruption."""
    kinds = move_kinds(clock, old, new)
    return (big if kinds else 0) + sum(
        festival.weights.of(kind) for kind in kinds if kind != "moved"
    )
