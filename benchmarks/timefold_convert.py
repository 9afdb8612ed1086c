"""A Timefold conference-scheduling data set as a festival definition.

Each of Timefold's rules is stated as exactly as festival's keys allow. Exact:
room conflicts (a venue holds one session at a time), speaker conflicts and the
15-minute pause (`people`, `[festival] break`), speaker-unavailable timeslots (the
session's `unavailable` periods: only the timeslots its type may use, so a speaker
unavailable for a 45-minute slot can still give a lab in the 2-hour slot that
overlaps it, as in Timefold), prerequisites (`after`), mutually exclusive talk tags
(`exclusive_tags`), required and prohibited room tags (the session's `venues`), each
talk type's timeslots and rooms (`slots`, `venues`), pinned talks (`fixed`), and every
per-talk cost of a room or a timeslot (speakers' and the talk's preferred/undesired
room tags, speakers' preferred/undesired timeslot tags: graded `avoid` entries
weighted by Timefold's own match weight).

Approximate, because no key says them yet (issue 28):
- overlap in minutes: conflicts between overlapping talks (`tag_overlap` on theme,
  sector, content, theme×audience and same-level tags) are weighed for a 45-minute
  overlap, the usual one; Timefold's 120 minutes for two labs at once count as 45;
- popular talks (no talk in a smaller room than a less popular one): each talk's
  cost of each room is the count of inversions it would make with every other talk
  in its ideal room (talks sorted by favourites into rooms sorted by seats);
- same-day pairs of a theme track or a content tag: `[[together]] same = "day"` per
  theme and per content, weighed as moving one talk away from the others (a pair
  costs 900, so n - 1 of them); room stability (same-day pairs of a theme in two
  rooms) is not stated: `same = "venue"` groups per theme, tried, made the 72-talk
  set worse (median of 3 runs at 20 s: -868,620 against -839,640 without);
- content audience-level flow (beginner before advanced, soft): each talk's cost of
  each timeslot is the count of violations it would make with the talks sharing a
  content tag in their ideal timeslots (each content's talks spread over the timeline
  in order of level);
- speaker makespan (talks on the first and the last of three days): each speaker's
  talks a `[[together]] same = "day"` group weighing half of it (a day apart is free
  in Timefold, costs the weight here);
- audience-type diversity (a reward for sharing an audience type at once): not stated;
- audience-level and language diversity (rewards for different talks at once): as
  penalties on talks of the same level / language at once (the same up to a constant
  when every timeslot is full);
- crowd control (at most two risky talks per timeslot): at most one (`exclusive_tags`).
"""

from __future__ import annotations

import re
from collections import defaultdict

import tomlkit
from timefold_model import Problem, Talk

#: a speaker's talks a day apart cost nothing, two days apart 20 x 480: half of it per day
MAKESPAN_DAY = 20 * 480 // 2
#: minutes of the usual overlap (two 45-minute talks at once), for pair weights
OVERLAP = 45


def slug(text: str) -> str:
    """A festival id for Timefold's free text (keys, tags)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def _period(problem: Problem, slot_key: str) -> str:
    slot = problem.timeslots[slot_key]
    return f"{slot.start:%Y-%m-%d %H:%M}-{slot.end:%H:%M}"


def room_costs(problem: Problem, talk: Talk, ideal: dict[str, str]) -> dict[str, int]:
    """Timefold's soft cost of each compatible room for `talk` alone: room-tag wishes of
    the talk and its speakers, and the popular-talks inversions it would make."""
    timeslots, rooms = problem.talk_types[talk.talk_type]
    minutes = problem.timeslots[next(iter(timeslots))].minutes
    speakers = [problem.speakers[s] for s in talk.speakers]
    duration = {
        t.key: problem.timeslots[next(iter(problem.talk_types[t.talk_type][0]))].minutes
        for t in problem.talks
    }
    costs = {}
    for key in rooms:
        tags = problem.rooms[key].tags
        wishes = sum(1 for tag in talk.preferred_room_tags if tag not in tags)
        wishes += sum(1 for tag in talk.undesired_room_tags if tag in tags)
        for s in speakers:
            wishes += sum(1 for tag in s.preferred_room_tags if tag not in tags)
            wishes += sum(1 for tag in s.undesired_room_tags if tag in tags)
        capacity = problem.rooms[key].capacity
        inversions = 0
        for other in problem.talks:
            if other.key == talk.key:
                continue
            seats = problem.rooms[ideal[other.key]].capacity
            if (talk.favourites < other.favourites and capacity > seats) or (
                talk.favourites > other.favourites and capacity < seats
            ):
                inversions += minutes + duration[other.key]
        costs[key] = 20 * minutes * wishes + 10 * inversions
    return costs


def ideal_rooms(problem: Problem) -> dict[str, str]:
    """Where each talk sits when talks of a type fill its rooms by favourites, most
    popular in the most seats (each room taking as many talks as the type's timeslots)."""
    ideal = {}
    for kind, (timeslots, rooms) in problem.talk_types.items():
        talks = sorted(
            (t for t in problem.talks if t.talk_type == kind), key=lambda t: -t.favourites
        )
        order = sorted(rooms, key=lambda r: -problem.rooms[r].capacity)
        per_room = len(timeslots)
        for i, talk in enumerate(talks):
            ideal[talk.key] = order[min(i // per_room, len(order) - 1)]
    return ideal


def timeslot_costs(problem: Problem, talk: Talk, ideal: dict[str, str]) -> dict[str, int]:
    """Timefold's soft cost of each compatible timeslot for `talk`: its speakers'
    preferred and undesired timeslot tags, and the content audience-level flow
    violations it would make with every talk sharing a content tag, were those in
    their ideal timeslots (a content's talks ordered by level across the timeline)."""
    timeslots, _ = problem.talk_types[talk.talk_type]
    speakers = [problem.speakers[s] for s in talk.speakers]
    mates = [
        (other, problem.timeslots[ideal[other.key]], len(set(talk.contents) & set(other.contents)))
        for other in problem.talks
        if other.key != talk.key and set(talk.contents) & set(other.contents)
    ]
    costs = {}
    for key in timeslots:
        slot = problem.timeslots[key]
        wishes = 0
        for s in speakers:
            wishes += sum(1 for tag in s.preferred_timeslot_tags if tag not in slot.tags)
            wishes += sum(1 for tag in s.undesired_timeslot_tags if tag in slot.tags)
        flow = 0
        for other, where, shared in mates:
            low_late = talk.audience_level < other.audience_level and slot.end > where.start
            high_early = talk.audience_level > other.audience_level and where.end > slot.start
            if low_late or high_early:
                flow += shared * (slot.minutes + where.minutes)
        costs[key] = 20 * slot.minutes * wishes + 10 * flow
    return costs


def ideal_timeslots(problem: Problem) -> dict[str, str]:
    """Each talk's timeslot were every content's talks spread over the timeline in
    order of audience level (a talk in several contents: its first content)."""
    groups: dict[str, list[Talk]] = defaultdict(list)
    for talk in problem.talks:
        groups[talk.contents[0] if talk.contents else ""].append(talk)
    ideal = {}
    for content, talks in groups.items():
        talks.sort(key=lambda t: (t.audience_level, t.favourites, t.code))
        for i, talk in enumerate(talks):
            slots = sorted(
                problem.talk_types[talk.talk_type][0], key=lambda k: problem.timeslots[k].start
            )
            share = i / (len(talks) - 1) if len(talks) > 1 and content else 0.5
            ideal[talk.key] = slots[round(share * (len(slots) - 1))]
    return ideal


def _allowed_rooms(problem: Problem, talk: Talk) -> list[str]:
    _, rooms = problem.talk_types[talk.talk_type]
    speakers = [problem.speakers[s] for s in talk.speakers]
    required = set(talk.required_room_tags).union(*(s.required_room_tags for s in speakers))
    prohibited = set(talk.prohibited_room_tags).union(*(s.prohibited_room_tags for s in speakers))
    allowed = [
        r
        for r in rooms
        if required <= problem.rooms[r].tags and not prohibited & problem.rooms[r].tags
    ]
    return sorted(allowed or rooms, key=room_order(problem))


def room_order(problem: Problem):
    order = {key: i for i, key in enumerate(problem.rooms)}
    return order.__getitem__


def definition(problem: Problem, name: str) -> str:
    """The festival definition (TOML text) for one Timefold data set."""
    doc = tomlkit.document()
    days = sorted({s.start.date() for s in problem.timeslots.values()})
    ids = {t.key: slug(t.code) for t in problem.talks}
    people = {key: f"p{i}" for i, key in enumerate(problem.speakers)}
    festival = tomlkit.table()
    festival.update(
        {
            "id": slug(name),
            "name": f"Timefold {name}",
            "timezone": "UTC",
            "start": days[0],
            "end": days[-1],
            "step": "15m",
            "break": f"{problem.pause_minutes}m",
        }
    )
    exclusive = sorted({slug(tag) for t in problem.talks for tag in t.exclusive_tags})
    risky = [t for t in problem.talks if t.crowd_risk > 0]
    if len(risky) > 2:
        exclusive.append("crowd-risk")
    if exclusive:
        festival["exclusive_tags"] = exclusive
    doc["festival"] = festival

    types_of_room: dict[str, set[str]] = defaultdict(set)
    for kind, (_, rooms) in problem.talk_types.items():
        for r in rooms:
            types_of_room[r].add(kind)
    venues = tomlkit.aot()
    room_ids = {key: slug(room.name) for key, room in problem.rooms.items()}
    for key, room in problem.rooms.items():
        slots = set()
        for kind in types_of_room[key]:
            slots |= problem.talk_types[kind][0]
        ordered = sorted((problem.timeslots[s] for s in slots), key=lambda s: s.start)
        by_day: dict[str, list[str]] = defaultdict(list)
        for slot in ordered:
            by_day[str(slot.start.date())].append(f"{slot.start:%H:%M}-{slot.end:%H:%M}")
        venue = tomlkit.table()
        venue.update(
            {
                "id": room_ids[key],
                "name": room.name,
                "city": "Conference",
                "capacity": room.capacity,
                "hours": "00:00-24:00",
            }
        )
        if len({tuple(v) for v in by_day.values()}) == 1 and len(by_day) == len(days):
            venue["slots"] = next(iter(by_day.values()))
        else:
            table = tomlkit.inline_table()
            for day, times in by_day.items():
                table[day] = times
            venue["slots"] = table
        venues.append(venue)
    doc["venues"] = venues

    persons = tomlkit.aot()
    for key, speaker in problem.speakers.items():
        if not any(key in t.speakers for t in problem.talks):
            continue
        person = tomlkit.table()
        person.update({"id": people[key], "name": speaker.name})
        persons.append(person)
    doc["people"] = persons

    tag_weights: dict[str, int] = {}
    themes_of: dict[str, list[str]] = defaultdict(list)
    contents_of: dict[str, list[str]] = defaultdict(list)
    sessions = tomlkit.aot()
    languages = {t.language for t in problem.talks}
    best_rooms, best_slots = ideal_rooms(problem), ideal_timeslots(problem)
    for talk in problem.talks:
        timeslots, _ = problem.talk_types[talk.talk_type]
        allowed = _allowed_rooms(problem, talk)
        minutes = problem.timeslots[next(iter(timeslots))].minutes
        tags = []
        for theme in talk.theme_tracks:
            tags.append(f"theme-{slug(theme)}")
            tag_weights[tags[-1]] = 10 * OVERLAP
            themes_of[theme].append(ids[talk.key])
            for audience in talk.audience_types:
                tags.append(f"ta-{slug(theme)}-{slug(audience)}")
                tag_weights[tags[-1]] = 1 * OVERLAP
        for sector in talk.sectors:
            tags.append(f"sector-{slug(sector)}")
            tag_weights[tags[-1]] = 10 * OVERLAP
        for content in talk.contents:
            tags.append(f"content-{slug(content)}")
            contents_of[content].append(ids[talk.key])
            tag_weights[tags[-1]] = 100 * OVERLAP
        tags.append(f"level-{talk.audience_level}")
        tag_weights[tags[-1]] = 1 * OVERLAP
        if len(languages) > 1:
            tags.append(f"language-{slug(talk.language)}")
            tag_weights[tags[-1]] = 10 * OVERLAP
        tags += [slug(tag) for tag in talk.exclusive_tags]
        if talk.crowd_risk > 0 and "crowd-risk" in exclusive:
            tags.append("crowd-risk")
        session = tomlkit.table()
        session.update(
            {
                "id": ids[talk.key],
                "title": talk.title,
                "duration": f"{minutes}m",
                "venues": [room_ids[r] for r in allowed],
            }
        )
        if talk.speakers:
            session["people"] = [people[s] for s in talk.speakers]
        if talk.theme_tracks:
            session["track"] = slug(talk.theme_tracks[0])
        session["tags"] = sorted(set(tags))
        unavailable = sorted(
            {
                _period(problem, slot)
                for s in talk.speakers
                for slot in problem.speakers[s].unavailable
                if slot in timeslots
            }
        )
        if unavailable:
            session["unavailable"] = unavailable
        after = [ids[p] for p in talk.prerequisites if p in ids]
        if after:
            session["after"] = after
        if talk.pinned and talk.timeslot and talk.room:
            slot = problem.timeslots[talk.timeslot]
            session["fixed"] = {"start": slot.start, "venue": room_ids[talk.room]}
        avoid = []
        costs = room_costs(problem, talk, best_rooms)
        floor = min(costs[r] for r in allowed)
        for r in allowed:
            if costs[r] > floor:
                avoid.append({"venue": room_ids[r], "weight": costs[r] - floor})
        slot_costs = timeslot_costs(problem, talk, best_slots)
        least = min(slot_costs.values())
        for key in sorted(slot_costs, key=lambda k: problem.timeslots[k].start):
            if slot_costs[key] > least:
                slot = problem.timeslots[key]
                avoid.append(
                    {
                        "date": slot.start.date(),
                        "time": f"{slot.start:%H:%M}-{slot.end:%H:%M}",
                        "weight": slot_costs[key] - least,
                    }
                )
        if avoid:
            session["avoid"] = avoid
        sessions.append(session)
    tracks = tomlkit.aot()
    for theme in sorted({slug(t.theme_tracks[0]) for t in problem.talks if t.theme_tracks}):
        track = tomlkit.table()
        track["id"] = theme
        tracks.append(track)
    doc["tracks"] = tracks
    doc["sessions"] = sessions

    together = tomlkit.aot()
    for groups, pair in ((themes_of, 10 * 90), (contents_of, 10 * 90)):
        for _key, members in sorted(groups.items()):
            if len(members) < 2:
                continue
            group = tomlkit.table()
            group.update({"sessions": members, "same": "day", "weight": pair * (len(members) - 1)})
            together.append(group)
    talks_of: dict[str, list[str]] = defaultdict(list)
    for talk in problem.talks:
        for s in talk.speakers:
            talks_of[s].append(ids[talk.key])
    if len(days) > 2:
        for members in talks_of.values():
            if len(members) > 1:
                group = tomlkit.table()
                group.update({"sessions": members, "same": "day", "weight": MAKESPAN_DAY})
                together.append(group)
    if together:
        doc["together"] = together
    weights = tomlkit.table()
    weights.update({"spread": 0, "track_days": 0, "tag_overlap": dict(sorted(tag_weights.items()))})
    doc["weights"] = weights
    return tomlkit.dumps(doc)
