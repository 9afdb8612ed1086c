"""Seeded generator of congress-size programmes, laid out as the largest meetings are.

A scientific congress of INFORMS' size runs about 5,000 talks over three days in 80
rooms, each day cut into a few sessions of equal length that every room shares; each
session of a room holds a handful of short talks of one track (a cluster), and the
programme committee, not the speakers, decides which track gets which room and
session. As for the other generators, a hidden witness timetable comes first and
every rule is drawn so that it keeps it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ..model import Festival, Timetable, clock_window
from .common import COLORS, loaded


@dataclass(frozen=True)
class Congress:
    """How big a generated congress is: talks, rooms, and the shared day of sessions."""

    talks: int = 5000
    venues: int = 80
    days: int = 3
    blocks: int = 5  # sessions a day, the same in every room
    per_block: int = 5  # talks a session holds
    length: int = 20  # minutes of a talk and of a slot
    gap: int = 20  # minutes between two sessions of a day
    track_talks: int = 40  # talks of a track (a cluster), on average
    repeat: float = 0.4  # share of talks given by a speaker who gives another


def congress_and_witness(
    seed: int, shape: Congress = Congress()
) -> tuple[dict[str, Any], list[tuple[str, str, datetime, datetime]]]:
    """A congress of `shape.talks` talks and a hidden timetable it admits.

    Every room has the same day: `blocks` sessions from 08:00, each `per_block` slots of
    `length` minutes, `gap` minutes apart; each session holds one track
    (`one_track_per_block`, chosen by the planner). In the hidden timetable each track
    fills consecutive sessions of one room (spilling into the next room when the room's
    days are full), as programme committees hand out rooms. Speakers give one talk, or
    at the `repeat` share two or three at different times; talks expect an audience
    that fits their hidden room, which the rooms' seats (60 to 500) tell apart.
    """
    rng = random.Random(f"congress:{seed}")
    zone = ZoneInfo("America/New_York")
    start = date(2025, 10, 26) + timedelta(weeks=rng.randrange(0, 3))  # a Sunday
    window = [start + timedelta(days=i) for i in range(shape.days)]
    span = shape.per_block * shape.length
    firsts = [8 * 60 + k * (span + shape.gap) for k in range(shape.blocks)]
    if firsts[-1] + span > 24 * 60:
        raise ValueError(f"{shape} does not fit a day")
    cells = [(v, d, k) for v in range(shape.venues) for d in range(shape.days) for k in firsts]
    if shape.talks > len(cells) * shape.per_block:
        raise ValueError(f"{shape} is too dense to generate (seed {seed})")
    venues = _rooms(rng, shape, firsts)
    placed, clusters = _clusters(rng, shape, cells, seed)
    tracks = [
        {"id": f"c{i:03d}", "name": f"Cluster {i + 1}", "color": COLORS[i % len(COLORS)]}
        for i in range(clusters)
    ]
    order = list(range(len(placed)))
    rng.shuffle(order)
    people, sessions = _talks(rng, shape, [placed[i] for i in order], venues, tracks)
    data: dict[str, Any] = {
        "festival": {
            "id": f"congress-{seed}",
            "name": f"Generated congress {seed}",
            "timezone": zone.key,
            "language": "en",
            "start": window[0],
            "end": window[-1],
            "days": "all",
            "step": f"{shape.length}m",
            "one_track_per_block": True,
        },
        # a congress packs its days; clusters keep to one room, speakers to few days,
        # talks to rooms that fit their audience
        "weights": {"spread": 0, "track_days": 0, "person_days": 5, "room_fit": 1},
        "tracks": tracks,
        "venues": venues,
        "people": people,
        "sessions": sessions,
        "together": [{"track": track["id"], "same": "venue", "weight": 20} for track in tracks],
    }

    def instant(d: int, minute: int) -> datetime:
        moment = datetime.combine(window[d], datetime.min.time(), zone)
        return (moment + timedelta(minutes=minute)).astimezone(UTC)

    witness = []
    for n, i in enumerate(order):
        _, v, d, t, slot = placed[i]
        begins = t + slot * shape.length
        witness.append(
            (f"s{n:05d}", venues[v]["id"], instant(d, begins), instant(d, begins + shape.length))
        )
    return data, witness


#: a talk of the hidden timetable: (cluster, room, day, session's first minute, slot)
Seat = tuple[int, int, int, int, int]


def _rooms(rng: random.Random, shape: Congress, firsts: list[int]) -> list[dict[str, Any]]:
    """Every room with the same day of sessions, cut into slots."""
    span = shape.per_block * shape.length
    return [
        {
            "id": f"r{v:03d}",
            "name": f"Room {v + 1:03d}",
            "city": "Atlanta",
            "address": f"Georgia World Congress Center, room {v + 1:03d}",
            "capacity": rng.choice((60, 80, 100, 100, 150, 200, 300, 500)),
            "hours": clock_window(firsts[0], firsts[-1] + span),
            "slots": [
                clock_window(t + i * shape.length, t + (i + 1) * shape.length)
                for t in firsts
                for i in range(shape.per_block)
            ],
            "blocks": [clock_window(t, t + span) for t in firsts],
        }
        for v in range(shape.venues)
    ]


def _clusters(
    rng: random.Random, shape: Congress, cells: list[tuple[int, int, int]], seed: int
) -> tuple[list[Seat], int]:
    """Clusters' sizes, their talks poured into consecutive sessions of the rooms (each
    session of a cluster filled as evenly as can be); the seats and how many clusters."""
    sizes: list[int] = []
    left = shape.talks
    while left > 0:
        size = min(left, rng.randint(shape.track_talks // 2, shape.track_talks * 3 // 2))
        sizes.append(size)
        left -= size
    if sum(-(-size // shape.per_block) for size in sizes) > len(cells):
        raise ValueError(f"{shape} is too dense to generate (seed {seed})")
    placed: list[Seat] = []
    cell = 0
    for track, size in enumerate(sizes):
        count = -(-size // shape.per_block)
        for j in range(count):
            v, d, t = cells[cell + j]
            held = size // count + (j < size % count)
            for slot in sorted(rng.sample(range(shape.per_block), held)):
                placed.append((track, v, d, t, slot))
        cell += count
    return placed, len(sizes)


def _talks(
    rng: random.Random,
    shape: Congress,
    seats: list[Seat],
    venues: list[dict[str, Any]],
    tracks: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The speakers and the talks in the order of `seats`: a recent speaker gives the
    talk at the `repeat` share (up to three talks, never two at once), else a new one;
    each talk expects an audience its hidden room fits."""
    people: list[dict[str, Any]] = []
    times_of: list[set[tuple[int, int]]] = []
    sessions: list[dict[str, Any]] = []
    for n, (track, v, d, t, slot) in enumerate(seats):
        moment = (d, t + slot * shape.length)
        repeaters = range(max(0, len(people) - 200), len(people))
        p = rng.choice(repeaters) if repeaters and rng.random() < shape.repeat else -1
        if p < 0 or len(times_of[p]) >= 3 or moment in times_of[p]:
            p = len(people)
            people.append({"id": f"p{p:05d}", "name": f"Speaker {p + 1}"})
            times_of.append(set())
        times_of[p].add(moment)
        capacity = venues[v]["capacity"]
        sessions.append(
            {
                "id": f"s{n:05d}",
                "title": f"Talk {n + 1}",
                "track": tracks[track]["id"],
                "duration": f"{shape.length}m",
                "attendance": rng.randint(capacity // 4, capacity),
                "people": [f"p{p:05d}"],
            }
        )
    return people, sessions


def published_congress(seed: int, shape: Congress = Congress()) -> tuple[Festival, Timetable]:
    """A generated congress, loaded as a user's file would be, and its hidden timetable."""
    data, witness = congress_and_witness(seed, shape)
    return loaded(data, witness, seed, shape, f"congress-{seed}.toml")
