"""Large-neighbourhood search helpers for programmes too big to solve in one model.

The solver keeps a complete valid placement, frees a small neighbourhood of
sessions, pins every other session where it is (a fixed start in its one
venue) and lets CP-SAT re-solve that much smaller festival exactly. This
module holds the pure parts: which sessions to free and why (what the goals
that weigh pairs or groups charge them), and the pinned festival or region of
one step. What a place costs one session on its own is `costs`'.

Places are (venue id, start minute) with minutes on the solver's axis
(`Clock`: elapsed minutes from the festival's first instant).
"""

from __future__ import annotations

import itertools
import math
import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from itertools import combinations

from .. import interest
from ..model import Festival, Fixed, Period, Placement
from .clock import Clock
from .costs import fewest_days
from .grid import Blocks, Place, travel_times

NEIGHBOURHOOD = 60  # sessions freed at each step, at most
STEP_LIMIT = 2.0  # deterministic time for one step of the largest size


def places_in(placements: Iterable[Placement], clock: Clock) -> dict[str, Place]:
    """Placements as places: session id → (venue, start minute on the clock's axis)."""
    return {p.session: (p.venue, clock.minute(p.start)) for p in placements}


def pinned_except(
    festival: Festival, places: Mapping[str, Place], free: set[str], clock: Clock
) -> Festival:
    """`festival` with every session outside `free` fixed at its place, in its venue only;
    a session without a place (one of its own `fixed`, or kept, that first fit could not
    put down) keeps its own rules and is placed with the free ones."""
    sessions = []
    for s in festival.sessions:
        if s.id in free or s.id not in places:
            sessions.append(s)
            continue
        vid, start = places[s.id]
        fixed = Fixed(clock.moment(start), vid)
        sessions.append(replace(s, fixed=fixed, venues=(vid,)))
    return replace(festival, sessions=tuple(sessions))


def region(
    festival: Festival,
    places: Mapping[str, Place],
    free: set[str],
    days: set[int],
    clock: Clock,
) -> tuple[Festival, list[str]]:
    """The festival of one neighbourhood: free sessions may use only the days at `days`
    (offsets), pinned sessions on those days stay, and pinned sessions on other days are
    left out. What those could still impose on a free session becomes a window or an
    absence: a predecessor's end its `earliest`, a successor's start its `latest`, a
    shared person's session (with their break, and the longest travel from its venue,
    on both sides) that person's absence.

    Only for definitions whose soft goals and rules are each local to a day (the
    solver checks); returns the festival and the ids left out.
    """
    by_id = festival.sessions_by_id
    inside = {sid for sid in by_id if sid in free or clock.day(places[sid][1]) in days}

    def span(sid: str) -> tuple[datetime, datetime]:
        start = clock.moment(places[sid][1])
        return start, start + timedelta(minutes=by_id[sid].duration)

    earliest: dict[str, datetime] = {}
    latest: dict[str, datetime] = {}
    for sid, befores in festival.must_follow().items():
        s = by_id[sid]
        for before in befores:
            if s.id in free and before not in inside:
                earliest[s.id] = max(earliest.get(s.id, clock.origin), span(before)[1])
            if before in free and s.id not in inside:
                end = latest.get(before, span(s.id)[0])
                latest[before] = min(end, span(s.id)[0])
    people = festival.people_by_id
    farthest: dict[str, int] = defaultdict(int)  # the longest travel from each venue
    for (u, _), (minutes, _) in travel_times(festival).items():
        farthest[u] = max(farthest[u], minutes)
    busy: dict[str, list[Period]] = {}
    for pid in {pid for sid in free for pid in by_id[sid].people}:
        busy[pid] = []
        for s in festival.sessions:
            if s.id not in inside and pid in s.people:
                rest = timedelta(minutes=people[pid].break_ + farthest[places[s.id][0]])
                busy[pid].append(Period(span(s.id)[0] - rest, span(s.id)[1] + rest))
    sessions = []
    for s in pinned_except(festival, places, free, clock).sessions:
        if s.id not in inside:
            continue
        s = replace(
            s,
            after=tuple(a for a in s.after if a in inside),
            not_with=tuple(o for o in s.not_with if o in inside),
        )
        if s.id in earliest:
            s = replace(s, earliest=max(s.earliest or earliest[s.id], earliest[s.id]))
        if s.id in latest:
            s = replace(s, latest=min(s.latest or latest[s.id], latest[s.id]))
        sessions.append(s)
    span_days = (festival.end - festival.start).days + 1
    closed = tuple(festival.start + timedelta(days=d) for d in range(span_days) if d not in days)
    return (
        replace(
            festival,
            sessions=tuple(sessions),
            order=tuple(o.among(inside) for o in festival.order),
            blackout=festival.blackout + closed,
            people=tuple(
                replace(p, unavailable=p.unavailable + tuple(busy[p.id])) if busy.get(p.id) else p
                for p in festival.people
            ),
        ),
        [sid for sid in by_id if sid not in inside],
    )


def weighed_pairs(festival: Festival) -> int:
    """How many pairs of sessions a goal weighs the overlap of: pairs that attendees
    chose together, pairs that share a tag of `tag_overlap` (a pair may count twice)."""
    pairs = 0
    if festival.weights.attendee_clash:
        pairs += len(interest.pair_weights(festival.interest))
    for tag, weight in festival.weights.tag_overlap:
        if weight:
            tagged = sum(tag in s.tags for s in festival.sessions)
            pairs += tagged * (tagged - 1) // 2
    return pairs


def first_size(festival: Festival, largest: int, smallest: int, pairs: int) -> int:
    """Sessions the first step frees: `largest`, or fewer when weighed pairs are dense,
    so that the free sessions share about `pairs` weighed pairs."""
    n = len(festival.sessions)
    density = weighed_pairs(festival) / max(1, n * (n - 1) // 2)
    if not density:
        return largest
    return max(smallest, min(largest, math.isqrt(int(2 * pairs / density))))


def choose(
    festival: Festival,
    clock: Clock,
    places: Mapping[str, Place],
    improvable: Mapping[str, Sequence[Place]],
    rng: random.Random,
    size: int,
    excess: Mapping[str, int] | None = None,
) -> tuple[set[str], set[int]]:
    """Sessions to free: some that could do better, and whatever is in their way.

    `improvable` maps sessions that cost more than they could to their better
    places; `excess`, when given, what each costs beyond its least (a session that
    costs more is picked first more often). For a few of them, one better place is
    picked and the sessions overlapping it in that venue, and those sharing a
    person with it on that day, are freed too; where blocks hold one track, so are the
    whole blocks it leaves and enters; random sessions of the same day fill up to `size`.
    Without improvable sessions, one random day in a random share of venues.
    Returns the sessions and the day offsets they may use: their own days and
    the days of the places picked.
    """
    by_id = festival.sessions_by_id
    by_day_venue: dict[tuple[int, str], list[str]] = defaultdict(list)
    by_day: dict[int, list[str]] = defaultdict(list)
    day_of = {sid: clock.day(start) for sid, (_, start) in places.items()}
    for sid, (vid, _) in sorted(places.items()):
        by_day_venue[(day_of[sid], vid)].append(sid)
        by_day[day_of[sid]].append(sid)
    people_of: dict[str, set[str]] = defaultdict(set)
    for s in festival.sessions:
        for pid in s.people:
            people_of[pid].add(s.id)
    # Where blocks hold one track, a session moves into a block only with the whole
    # block: free the target block and the session's own, so two tracks can trade.
    blocks = Blocks(festival, clock) if festival.one_track_per_block else None
    in_block = blocks.members(places) if blocks is not None else {}
    free: set[str] = set()
    days_touched: list[int] = []
    candidates = _picking_order(improvable, rng, excess)
    core: set[str] = set()
    whole: set[str] = set()  # the blocks a target leaves or enters: freed whole
    for sid in candidates:
        if len(core) >= max(1, size // 6):
            break
        options = list(improvable[sid])
        if days_touched:  # one target day at a time keeps the neighbourhood's model small
            options = [p for p in options if clock.day(p[1]) == days_touched[0]]
        if not options:
            continue
        core.add(sid)
        free.add(sid)
        target_venue, target = rng.choice(options)
        day = clock.day(target)
        days_touched.append(day)
        end = target + by_id[sid].duration
        for other in by_day_venue[(day, target_venue)]:
            begins = places[other][1]
            if begins < end + 60 and target - 60 < begins + by_id[other].duration:
                free.add(other)
        for pid in by_id[sid].people:
            free.update(o for o in people_of[pid] if day_of[o] == day)
        if blocks is not None and by_id[sid].track:
            for key in (blocks.of(target_venue, target), blocks.of(*places[sid])):
                whole.update(in_block.get(key, ()))
    if not days_touched:
        day = rng.choice(sorted(by_day))
        venues = sorted({vid for (d, vid) in by_day_venue if d == day})
        chosen = rng.sample(venues, max(1, len(venues) // 3))
        for vid in chosen:
            free.update(by_day_venue[(day, vid)])
        days_touched.append(day)
    free |= whole
    pool = [sid for day in sorted(set(days_touched)) for sid in by_day[day] if sid not in free]
    rng.shuffle(pool)
    free.update(pool[: max(0, size - len(free))])
    kept = core | whole
    if len(free) > size:
        free = kept | set(rng.sample(sorted(free - kept), max(0, size - len(kept))))
    return free, set(days_touched) | {day_of[sid] for sid in free}


def _picking_order(
    improvable: Mapping[str, Sequence[Place]],
    rng: random.Random,
    excess: Mapping[str, int] | None,
) -> list[str]:
    """The improvable sessions in the order a step looks at them: at random, or with
    `excess` costlier ones first, at random in proportion (Efraimidis-Spirakis keys)."""
    candidates = sorted(improvable)
    rng.shuffle(candidates)
    if excess:
        keys = {sid: rng.random() ** (1 / max(1, excess.get(sid, 1))) for sid in candidates}
        candidates.sort(key=keys.__getitem__, reverse=True)
    return candidates


#: a session some goal makes costly: a test of the places where it would gain, and what
#: the goal charges it now (what a step that moves it could win at most, roughly)
Gain = tuple[Callable[[Place], bool], int]


def spanning_gains(
    festival: Festival, clock: Clock, places: Mapping[str, Place]
) -> dict[str, Gain]:
    """Sessions that the goals spanning days make costly, each with a test of the places
    where it would gain and what those goals charge it: a person's sessions away from
    their busiest day when they attend more days than the fewest (`person_days`), the
    sessions of a weighted `[[together]]` group away from its busiest day or venue, to
    that day or venue, and sessions that overlap others with a weighted tag
    (`tag_overlap`) or chosen with them by attendees, to any time that does not."""
    weights = festival.weights
    found: dict[str, Callable[[Place], bool]] = {}
    charged: dict[str, int] = defaultdict(int)
    day_of = {sid: clock.day(start) for sid, (_, start) in places.items()}
    if weights.person_days:
        held: dict[str, list[str]] = {}
        for s in festival.sessions:
            for pid in dict.fromkeys(s.people):
                held.setdefault(pid, []).append(s.id)
        fewest = fewest_days(festival)
        for person in festival.people:
            mine = held.get(person.id, [])
            attended = {day_of[sid] for sid in mine}
            if len(attended) > 1 and len(attended) > fewest.get(person.id, 0):
                busiest = max(sorted(attended), key=lambda d: sum(day_of[s] == d for s in mine))
                for sid in mine:
                    if day_of[sid] != busiest:
                        found[sid] = lambda place, day=busiest: clock.day(place[1]) == day
                        charged[sid] += weights.person_days
    for sid, (gains, weight) in _together_gains(festival, clock, places).items():
        found.setdefault(sid, gains)
        charged[sid] += weight
    by_id = festival.sessions_by_id
    pairs = [
        (a, b, weight)
        for tag, weight in weights.tag_overlap
        if weight
        for a, b in combinations([s.id for s in festival.sessions if tag in s.tags], 2)
    ]
    if weights.attendee_clash:
        pairs += [
            (a, b, weights.attendee_clash * count)
            for (a, b), count in interest.pair_weights(festival.interest).items()
            if a in places
        ]
    for a, b, weight in pairs:
        if b not in places:
            continue
        span_a = (places[a][1], places[a][1] + by_id[a].duration)
        span_b = (places[b][1], places[b][1] + by_id[b].duration)
        if span_a[0] < span_b[1] and span_b[0] < span_a[1]:
            found.setdefault(
                a,
                lambda place, o=span_b, d=by_id[a].duration: (
                    place[1] + d <= o[0] or o[1] <= place[1]
                ),
            )
            charged[a] += weight
    return {sid: (test, charged[sid]) for sid, test in found.items()}


def _together_gains(
    festival: Festival, clock: Clock, places: Mapping[str, Place]
) -> dict[str, Gain]:
    """For each weighted `[[together]]` group of a day or a venue (or both) that `places`
    spreads out, its sessions away from the group's busiest day and venue, each with a
    test of the places that join them (ties go to the earliest day, the first venue) and
    the group's weight."""
    found: dict[str, Gain] = {}
    for group in festival.together:
        ids = [sid for sid in group.sessions if sid in places]
        if not group.weight or group.same in ("block", "venue-each-day") or len(ids) < 2:
            continue
        days = [clock.day(places[sid][1]) for sid in ids]
        venues = [places[sid][0] for sid in ids]
        day = max(sorted(set(days)), key=days.count)
        venue = max(sorted(set(venues)), key=venues.count)
        by_day = group.same_day
        by_venue = group.same_venue
        for sid, d, v in zip(ids, days, venues, strict=True):
            if (by_day and d != day) or (by_venue and v != venue):
                test = (
                    found[sid][0]
                    if sid in found
                    else (
                        lambda place, day=day, venue=venue, by_day=by_day, by_venue=by_venue: (
                            (not by_day or clock.day(place[1]) == day)
                            and (not by_venue or place[0] == venue)
                        )
                    )
                )
                found[sid] = (test, found.get(sid, (test, 0))[1] + group.weight)
    return found


def broken_together(festival: Festival, clock: Clock, places: Mapping[str, Place]) -> set[str]:
    """The sessions of `[[together]]` groups without a weight that `places` keeps apart
    (first fit does not know them): they are placed again by the repair."""
    by_id = festival.sessions_by_id
    changeover = {v.id: v.changeover for v in festival.venues}
    broken: set[str] = set()
    for group in festival.together:
        ids = [sid for sid in group.sessions if sid in places]
        if group.weight is not None or len(ids) < 2:
            continue
        days = {clock.day(places[sid][1]) for sid in ids}
        venues = {places[sid][0] for sid in ids}
        apart = (group.same_day and len(days) > 1) or (group.same_venue and len(venues) > 1)
        if group.same == "venue-each-day":
            held = {(clock.day(places[sid][1]), places[sid][0]) for sid in ids}
            apart = len(held) > len({day for day, _ in held})
        if group.same == "block":
            for a, b in itertools.pairwise(ids):
                (va, ta), (vb, tb) = places[a], places[b]
                gap = tb - (ta + by_id[a].duration + changeover[va])
                apart = apart or va != vb or not 0 <= gap < festival.step
        if apart:
            broken.update(ids)
    return broken
