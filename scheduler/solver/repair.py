"""Place the sessions first fit left out, by freeing what stands in their way.

A missing session is freed with its partners under each hard rule that ties it to
other sessions (`PARTNERS`, one entry per such rule of the registry) and with the
placed sessions holding the rooms and blocks it could take (`IN_THE_WAY`); the rest
is pinned and CP-SAT looks for any valid timetable, freeing more on each try.
`tests/test_rules.py` checks that every rule the registry marks `ties` is one or the
other.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace

from ortools.sat.python import cp_model

from ..model import Festival, Session
from . import neighbourhoods as lns
from .clock import Clock
from .engine import Job, Request, Stopped, cp_solver, deterministic, run
from .formulation import Formulation
from .grid import BlockKey, Blocks, Place, Table, absences, places_of, window

#: tries to place what first fit left out, each freeing twice the sessions, for twice the time
REPAIR_TRIES = 4


def _after_neighbours(festival: Festival, s: Session) -> Iterable[str]:
    """The sessions it comes after and those that come after it, where they may move."""
    by_id = festival.sessions_by_id
    yield from (b for b in s.after if by_id[b].fixed is None)
    yield from (o.id for o in festival.sessions if s.id in o.after and o.fixed is None)


def _ordered_with(festival: Festival, s: Session) -> Iterable[str]:
    """The other sessions of each `[[order]]` without a weight that lists it."""
    for rule in festival.order:
        if rule.weight is None and (s.id in rule.first or s.id in rule.then):
            yield from rule.then if s.id in rule.first else rule.first


def _kept_apart(festival: Festival, s: Session) -> Iterable[str]:
    yield from s.not_with
    yield from (o.id for o in festival.sessions if s.id in o.not_with)


def _other_runs(festival: Festival, s: Session) -> Iterable[str]:
    return (o.id for o in festival.sessions if s.run_of and o.run_of == s.run_of)


def _same_limit(festival: Festival, s: Session) -> Iterable[str]:
    """The sessions sharing a tag of a `[[limits]]` without a weight."""
    limited = {lim.tag for lim in festival.limits if lim.weight is None} & set(s.tags)
    return (o.id for o in festival.sessions if limited & set(o.tags))


def _beside_plenaries(festival: Festival, s: Session) -> Iterable[str]:
    """A plenary's: every other session (any may hold its time); another's: the plenaries."""
    return (o.id for o in festival.sessions if o.id != s.id and (s.plenary or o.plenary))


def _same_people(festival: Festival, s: Session) -> Iterable[str]:
    return (o.id for o in festival.sessions if set(o.people) & set(s.people))


def _same_audience(festival: Festival, s: Session) -> Iterable[str]:
    exclusive = set(festival.exclusive_tags) & set(s.tags)
    return (o.id for o in festival.sessions if set(o.tags) & exclusive)


def _same_group(festival: Festival, s: Session) -> Iterable[str]:
    """The sessions of its hard groups (a group with a weight is a goal: it ties nothing)."""
    for group in festival.together:
        if group.weight is None and s.id in group.sessions:
            yield from group.sessions


#: for each hard rule tying a session to particular others, those others
PARTNERS: dict[str, Callable[[Festival, Session], Iterable[str]]] = {
    "sessions.after": _after_neighbours,
    "sessions.not_with": _kept_apart,
    "order": _ordered_with,
    "sessions.runs": _other_runs,
    "sessions.plenary": _beside_plenaries,
    "limits": _same_limit,
    "festival.exclusive_tags": _same_audience,
    "people.break": _same_people,
    "travel": _same_people,
    "people.one_city_per_day": _same_people,
    "together": _same_group,
}
#: hard rules tying the sessions that share a room or a block: repair frees the placed
#: sessions that hold the places a missing one could take (`_contested`)
IN_THE_WAY = frozenset({"venues.changeover", "venues.blocks"})


def repair(
    request: Request, places: dict[str, Place], table: Table, clock: Clock, job: Job
) -> dict[str, Place] | None:
    """Place what first fit left out: free those sessions with their partners under every
    rule that ties sessions (`PARTNERS`) and the placed sessions that hold the places they
    could take (`_contested`, for the rules of `IN_THE_WAY`), pin the rest and solve for
    any valid timetable. Each of `REPAIR_TRIES` tries frees more. None if none works out."""
    festival, keep = request.festival, request.keep
    options, stop = job.options, job.stop
    by_id = festival.sessions_by_id
    missing = sorted(s.id for s in festival.sessions if s.id not in places)
    tied = set(missing)
    for sid in missing:
        for partners in PARTNERS.values():
            tied.update(partners(festival, by_id[sid]))
    stays = {sid for sid in by_id if by_id[sid].fixed is not None or sid in keep}
    tied -= stays
    rng = random.Random(options.seed)
    most = lns.NEIGHBOURHOOD << (REPAIR_TRIES - 1)
    contested = _contested(festival, places, table, clock, missing, most, rng)
    contested = [sid for sid in contested if sid not in tied and sid not in stays]
    for attempt in range(REPAIR_TRIES):
        free = tied | set(contested[: lns.NEIGHBOURHOOD << attempt])
        try:  # any valid timetable will do: the search improves it afterwards
            built = Formulation(
                request.of(lns.pinned_except(festival, places, free, clock)), stop=stop
            )
            built.hint_places(places)
        except Stopped:
            return None
        solver = cp_solver()
        limit = min(options.time_limit, lns.STEP_LIMIT * 2**attempt)
        deterministic(solver, replace(options, time_limit=limit))
        if options.left() == 0:
            return None
        code = run(solver, built.model, stop=stop)
        if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return lns.places_in(built.read(solver).placements, clock)
        if stop.is_set() or len(free) - len(tied) >= len(contested):
            return None
    return None


def _contested(
    festival: Festival,
    places: Mapping[str, Place],
    table: Table,
    clock: Clock,
    missing: list[str],
    most: int,
    rng: random.Random,
) -> list[str]:
    """Up to `most` placed sessions that stand in the way of the `missing` ones: those
    holding a room at a place a missing session could take (or, where blocks hold one
    track, its block), then those holding the places of these, and so on; within a round,
    those in the way of more places first."""
    venues = festival.venues_by_id
    by_id = festival.sessions_by_id
    in_venue: dict[str, list[tuple[int, str]]] = {}
    for sid, (vid, t) in places.items():
        in_venue.setdefault(vid, []).append((t, sid))
    for held in in_venue.values():
        held.sort()
    longest = max((s.duration for s in festival.sessions), default=0)

    blocks = Blocks(festival, clock)
    held_by: dict[BlockKey, set[str]] = {}  # block → the tracks placed in it
    if festival.one_track_per_block:
        for block, members in blocks.members(places).items():
            tracks = {by_id[sid].track for sid in members if by_id[sid].track}
            if tracks:
                held_by[block] = tracks
    found: list[str] = []
    seen = set(missing)
    frontier = list(missing)
    people = festival.people_by_id
    while frontier and len(found) < most:
        count: dict[str, int] = {}
        for sid in frontier:
            s = by_id[sid]
            away = absences(festival, s, clock, people)
            own = places_of(s, table, window(s, clock), away)
            for vid, t in own:
                v = venues[vid]
                lo, hi = t, t + s.duration + v.changeover
                if s.track and v.has_blocks:
                    block = blocks.of(vid, t)
                    if blocks.named.get(block, s.track) != s.track:
                        continue  # not a place for it
                    if held_by.get(block, {s.track}) != {s.track}:  # the whole block
                        lo, hi = min(lo, block[1]), max(hi, block[2])
                held = in_venue.get(vid, [])
                first = bisect.bisect_left(held, (lo - longest - v.changeover, ""))
                for begins, other in held[first:]:
                    if begins >= hi:
                        break
                    if other not in seen and begins + by_id[other].duration + v.changeover > lo:
                        count[other] = count.get(other, 0) + 1
        frontier = sorted(count, key=lambda sid: (-count[sid], rng.random()))
        seen.update(frontier)
        found.extend(frontier)
    return found[:most]
