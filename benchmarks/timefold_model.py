"""Timefold's conference-scheduling benchmark, read and scored as Timefold scores it.

The data sets are the JSON files of timefold-solver-benchmarks
(`data/conferencescheduling`), written by Jackson with object identities: an object
appears whole the first time and as its `@id` string after that. `load` resolves them
into plain frozen records; `score` is an independent re-implementation of the
benchmark's `ConferenceSchedulingConstraintProvider` (every constraint, its default
weight and its matching rule), so that any timetable — Timefold's or ours — is judged
by the same numbers. It reproduces the stored score of the published solved file.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from itertools import combinations
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Timeslot:
    key: str
    start: datetime
    end: datetime
    tags: frozenset[str]

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)

    def overlap(self, other: Timeslot) -> int:
        """Minutes both slots cover (0 when apart)."""
        return max(
            0, int((min(self.end, other.end) - max(self.start, other.start)).total_seconds() // 60)
        )


@dataclass(frozen=True)
class Room:
    key: str
    name: str
    capacity: int
    tags: frozenset[str]


@dataclass(frozen=True)
class Speaker:
    key: str
    name: str
    unavailable: frozenset[str]
    preferred_timeslot_tags: tuple[str, ...]
    undesired_timeslot_tags: tuple[str, ...]
    required_room_tags: tuple[str, ...]
    preferred_room_tags: tuple[str, ...]
    prohibited_room_tags: tuple[str, ...]
    undesired_room_tags: tuple[str, ...]


@dataclass(frozen=True)
class Talk:
    key: str
    code: str
    title: str
    talk_type: str
    speakers: tuple[str, ...]
    theme_tracks: tuple[str, ...]
    sectors: tuple[str, ...]
    audience_types: tuple[str, ...]
    audience_level: int
    contents: tuple[str, ...]
    language: str
    required_room_tags: tuple[str, ...]
    preferred_room_tags: tuple[str, ...]
    prohibited_room_tags: tuple[str, ...]
    undesired_room_tags: tuple[str, ...]
    exclusive_tags: tuple[str, ...]
    prerequisites: tuple[str, ...]
    favourites: int
    crowd_risk: int
    pinned: bool
    timeslot: str | None
    room: str | None


@dataclass(frozen=True)
class Problem:
    name: str
    pause_minutes: int
    weight_overrides: dict[str, tuple[int, int]]
    talk_types: dict[str, tuple[frozenset[str], frozenset[str]]]  # key -> (timeslots, rooms)
    timeslots: dict[str, Timeslot]
    rooms: dict[str, Room]
    speakers: dict[str, Speaker]
    talks: tuple[Talk, ...]
    stored_score: str | None


def _identities(node: Any, into: dict[str, dict]) -> None:
    if isinstance(node, dict):
        if "@id" in node:
            into.setdefault(node["@id"], node)
        for value in node.values():
            _identities(value, into)
    elif isinstance(node, list):
        for value in node:
            _identities(value, into)


def _key(node: Any) -> str:
    return node["@id"] if isinstance(node, dict) else node


def _when(parts: list[int]) -> datetime:
    return datetime(*parts)


def load(path: Path) -> Problem:
    """Read one data set (solved or not) into records, resolving Jackson's references."""
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    objects: dict[str, dict] = {}
    _identities(raw, objects)

    def whole(node: Any) -> dict:
        return objects[_key(node)]

    timeslots = {}
    for node in raw["timeslotList"]:
        slot = whole(node)
        timeslots[slot["@id"]] = Timeslot(
            slot["@id"],
            _when(slot["startDateTime"]),
            _when(slot["endDateTime"]),
            frozenset(slot["tagSet"]),
        )
    rooms = {}
    for node in raw["roomList"]:
        room = whole(node)
        rooms[room["@id"]] = Room(
            room["@id"], room["name"], room["capacity"], frozenset(room["tagSet"])
        )
    talk_types = {}
    for node in raw["talkTypeList"]:
        kind = whole(node)
        talk_types[kind["@id"]] = (
            frozenset(_key(t) for t in kind["compatibleTimeslotSet"]),
            frozenset(_key(r) for r in kind["compatibleRoomSet"]),
        )
    speakers = {}
    for node in raw["speakerList"]:
        s = whole(node)
        speakers[s["@id"]] = Speaker(
            s["@id"],
            s["name"],
            frozenset(_key(t) for t in s["unavailableTimeslotSet"]),
            tuple(s["preferredTimeslotTagSet"]),
            tuple(s["undesiredTimeslotTagSet"]),
            tuple(s["requiredRoomTagSet"]),
            tuple(s["preferredRoomTagSet"]),
            tuple(s["prohibitedRoomTagSet"]),
            tuple(s["undesiredRoomTagSet"]),
        )
    talks = []
    for node in raw["talkList"]:
        t = whole(node)
        talks.append(
            Talk(
                key=t["@id"],
                code=t["code"],
                title=t["title"],
                talk_type=_key(t["talkType"]),
                speakers=tuple(_key(s) for s in t["speakerList"]),
                theme_tracks=tuple(t["themeTrackTagSet"]),
                sectors=tuple(t["sectorTagSet"]),
                audience_types=tuple(t["audienceTypeSet"]),
                audience_level=t["audienceLevel"],
                contents=tuple(t["contentTagSet"]),
                language=t["language"],
                required_room_tags=tuple(t["requiredRoomTagSet"]),
                preferred_room_tags=tuple(t["preferredRoomTagSet"]),
                prohibited_room_tags=tuple(t["prohibitedRoomTagSet"]),
                undesired_room_tags=tuple(t["undesiredRoomTagSet"]),
                exclusive_tags=tuple(t["mutuallyExclusiveTalksTagSet"]),
                prerequisites=tuple(_key(p) for p in t["prerequisiteTalkSet"]),
                favourites=t["favoriteCount"],
                crowd_risk=t["crowdControlRisk"],
                pinned=bool(t.get("pinnedByUser")),
                timeslot=_key(t["timeslot"]) if t.get("timeslot") else None,
                room=_key(t["room"]) if t.get("room") else None,
            )
        )
    overrides = {}
    for name, text in (raw.get("constraintWeightOverrides") or {}).items():
        hard, soft = str(text).replace("hard", "").replace("soft", "").split("/")
        overrides[name] = (int(hard), int(soft))
    return Problem(
        name=raw.get("conferenceName", ""),
        pause_minutes=raw["constraintProperties"]["minimumConsecutiveTalksPauseInMinutes"],
        weight_overrides=overrides,
        talk_types=talk_types,
        timeslots=timeslots,
        rooms=rooms,
        speakers=speakers,
        talks=tuple(talks),
        stored_score=raw.get("score"),
    )


#: each constraint's name (as Timefold names it) and default weight, (hard, soft)
WEIGHTS: dict[str, tuple[int, int]] = {
    "Room conflict": (1000, 0),
    "Speaker unavailable timeslot": (100, 0),
    "Speaker conflict": (10, 0),
    "Talk prerequisite talks": (10, 0),
    "Talk mutually-exclusive-talks tags": (1, 0),
    "Consecutive talks pause": (1, 0),
    "Crowd control": (1, 0),
    "Speaker required room tags": (1, 0),
    "Speaker prohibited room tags": (1, 0),
    "Talk required room tags": (1, 0),
    "Talk prohibited room tags": (1, 0),
    "Theme track conflict": (0, 10),
    "Theme track room stability": (0, 10),
    "Sector conflict": (0, 10),
    "Audience type diversity": (0, 1),
    "Audience type theme track conflict": (0, 1),
    "Audience level diversity": (0, 1),
    "Content audience level flow violation": (0, 10),
    "Content conflict": (0, 100),
    "Language diversity": (0, 10),
    "Same day talks 'Content'": (0, 10),
    "Same day talks 'Theme track'": (0, 10),
    "Popular talks": (0, 10),
    "Speaker preferred timeslot tags": (0, 20),
    "Speaker undesired timeslot tags": (0, 20),
    "Speaker preferred room tags": (0, 20),
    "Speaker undesired room tags": (0, 20),
    "Talk preferred room tags": (0, 20),
    "Talk undesired room tags": (0, 20),
    "Speaker makespan": (0, 20),
}

#: constraints that reward (add to the score) rather than penalise
REWARDS = frozenset({"Audience type diversity", "Audience level diversity", "Language diversity"})


def _shared(a: tuple[str, ...] | frozenset[str], b: tuple[str, ...] | frozenset[str]) -> int:
    return len(set(a) & set(b))


def _missing(wanted: tuple[str, ...], have: frozenset[str]) -> int:
    return sum(1 for tag in wanted if tag not in have)


def matches(problem: Problem, placement: dict[str, tuple[str, str]]) -> dict[str, int]:
    """Each constraint's match weight (the sum Timefold multiplies by the constraint
    weight) for a timetable: talk key -> (timeslot key, room key)."""
    slots, rooms, speakers = problem.timeslots, problem.rooms, problem.speakers
    placed = [t for t in problem.talks if t.key in placement]
    slot_of = {t.key: slots[placement[t.key][0]] for t in placed}
    room_of = {t.key: rooms[placement[t.key][1]] for t in placed}
    total: dict[str, int] = defaultdict(int)

    for t in placed:
        slot, room, minutes = slot_of[t.key], room_of[t.key], slot_of[t.key].minutes
        their = [speakers[s] for s in t.speakers]
        total["Speaker unavailable timeslot"] += minutes * sum(
            slot.key in s.unavailable for s in their
        )
        total["Speaker required room tags"] += minutes * sum(
            _missing(s.required_room_tags, room.tags) for s in their
        )
        total["Speaker prohibited room tags"] += minutes * sum(
            _shared(s.prohibited_room_tags, room.tags) for s in their
        )
        total["Talk required room tags"] += minutes * _missing(t.required_room_tags, room.tags)
        total["Talk prohibited room tags"] += minutes * _shared(t.prohibited_room_tags, room.tags)
        total["Speaker preferred timeslot tags"] += minutes * sum(
            _missing(s.preferred_timeslot_tags, slot.tags) for s in their
        )
        total["Speaker undesired timeslot tags"] += minutes * sum(
            _shared(s.undesired_timeslot_tags, slot.tags) for s in their
        )
        total["Speaker preferred room tags"] += minutes * sum(
            _missing(s.preferred_room_tags, room.tags) for s in their
        )
        total["Speaker undesired room tags"] += minutes * sum(
            _shared(s.undesired_room_tags, room.tags) for s in their
        )
        total["Talk preferred room tags"] += minutes * _missing(t.preferred_room_tags, room.tags)
        total["Talk undesired room tags"] += minutes * _shared(t.undesired_room_tags, room.tags)

    risky_per_slot: dict[str, int] = defaultdict(int)
    for t in placed:
        if t.crowd_risk > 0:
            risky_per_slot[slot_of[t.key].key] += 1
    for t in placed:
        if t.crowd_risk > 0 and risky_per_slot[slot_of[t.key].key] - 1 not in (0, 1):
            total["Crowd control"] += slot_of[t.key].minutes

    by_key = {t.key: t for t in placed}
    for t in placed:
        for before in t.prerequisites:
            first = by_key.get(before)
            if first is not None and slot_of[first.key].end > slot_of[t.key].start:
                total["Talk prerequisite talks"] += (
                    slot_of[first.key].minutes + slot_of[t.key].minutes
                )

    for a, b in combinations(placed, 2):
        sa, sb = slot_of[a.key], slot_of[b.key]
        combined = sa.minutes + sb.minutes
        same_slot = sa.key == sb.key
        overlap = sa.overlap(sb) if same_slot or (sa.start < sb.end and sb.start < sa.end) else 0
        same_day = sa.start.date() == sb.start.date()
        mutual_speakers = _shared(a.speakers, b.speakers)
        themes = _shared(a.theme_tracks, b.theme_tracks)
        contents = _shared(a.contents, b.contents)
        if overlap:
            if room_of[a.key].key == room_of[b.key].key:
                total["Room conflict"] += overlap
            total["Speaker conflict"] += mutual_speakers * overlap
            total["Talk mutually-exclusive-talks tags"] += (
                _shared(a.exclusive_tags, b.exclusive_tags) * overlap
            )
            total["Theme track conflict"] += themes * overlap
            total["Sector conflict"] += _shared(a.sectors, b.sectors) * overlap
            total["Content conflict"] += contents * overlap
            if themes:
                total["Audience type theme track conflict"] += (
                    _shared(a.audience_types, b.audience_types) * themes * overlap
                )
        if mutual_speakers:
            gap = (sb.start - sa.end if sa.end <= sb.start else sa.start - sb.end).total_seconds()
            apart = not overlap and (not same_day or gap // 60 >= problem.pause_minutes)
            if not apart:
                total["Consecutive talks pause"] += combined
        if same_slot:
            total["Audience type diversity"] += (
                _shared(a.audience_types, b.audience_types) * sa.minutes
            )
            if a.audience_level != b.audience_level:
                total["Audience level diversity"] += sa.minutes
            if a.language != b.language:
                total["Language diversity"] += sa.minutes
        if same_day and themes and room_of[a.key].key != room_of[b.key].key:
            total["Theme track room stability"] += themes * combined
        if not same_day:
            total["Same day talks 'Content'"] += contents * combined
            total["Same day talks 'Theme track'"] += themes * combined
        if contents:
            for low, high in ((a, b), (b, a)):
                if (
                    low.audience_level < high.audience_level
                    and slot_of[low.key].end > slot_of[high.key].start
                ):
                    total["Content audience level flow violation"] += contents * combined
        for x, y in ((a, b), (b, a)):
            if x.favourites < y.favourites and room_of[x.key].capacity > room_of[y.key].capacity:
                total["Popular talks"] += combined

    days: dict[str, list] = defaultdict(list)
    for t in placed:
        for s in t.speakers:
            days[s].append(slot_of[t.key].start.date())
    for dates in days.values():
        span = (max(dates) - min(dates)).days
        if span > 1:
            total["Speaker makespan"] += (span - 1) * 8 * 60
    return dict(total)


def weighted(problem: Problem, name: str, amount: int) -> tuple[int, int]:
    """(hard, soft) that `amount` matches of constraint `name` add to the score."""
    h, s = problem.weight_overrides.get(name, WEIGHTS[name])
    sign = 1 if name in REWARDS else -1
    return sign * h * amount, sign * s * amount


def score(problem: Problem, placement: dict[str, tuple[str, str]]) -> tuple[int, int]:
    """(hard, soft) as Timefold scores `placement`; unplaced talks score nothing, as in
    Timefold (a complete timetable places them all)."""
    hard = soft = 0
    for name, amount in matches(problem, placement).items():
        h, s = weighted(problem, name, amount)
        hard += h
        soft += s
    return hard, soft


def stored_placement(problem: Problem) -> dict[str, tuple[str, str]]:
    """The timetable a solved data set carries."""
    return {t.key: (t.timeslot, t.room) for t in problem.talks if t.timeslot and t.room}


def format_score(hard: int, soft: int) -> str:
    return f"{hard}hard/{soft}soft"
