"""A Timefold conference-scheduling data set as a festival definition.

Each of Timefold's 30 constraints is stated with its weight in the data set (its
override, else the default), and `[festival] overlap = "minutes"` makes festival count
minutes as Timefold does:

- hard: room conflicts (a venue holds one session at a time), speaker conflicts and the
  pause (`people`, `[festival] break`), speaker-unavailable timeslots (the session's
  `unavailable` periods among the timeslots its type may use), prerequisites (`after`),
  mutually exclusive tags (`exclusive_tags`), required and prohibited room tags (the
  session's `venues`), each talk type's timeslots and rooms (`slots`, `venues`),
  pinned talks (`fixed`), crowd control (`[[limits]]` at most two risky talks at once;
  Timefold counts risky talks per timeslot, so this is stricter where timeslots of
  risky talks overlap without being the same);
- theme, sector, content and theme x audience-type conflicts: `tag_overlap`, a tag per
  theme, sector, content and (theme, audience type), minutes at once;
- same-day rules and theme room stability: `[[together]]` per theme and per content,
  `count = "pairs"`, `same = "day"` / `"venue-each-day"`, both sessions' minutes;
- content audience-level flow: `[[order]]` per content and pair of levels;
- popular talks: `[weights] popular_rooms`, sessions' `popularity` = favourites;
- speaker makespan: `[weights] person_span` (days beyond two, x 8 hours);
- speakers' and talks' room and timeslot tag wishes: graded `avoid` entries;
- audience-type, level and language diversity: `[[rewards]]` (`share` audience-type
  tags, `differ` level and language tags), per minute of the slot.

`STATES` maps each festival goal to the constraints it states: on any timetable,
festival's weighted penalty of the goal equals minus Timefold's soft score of those
constraints, and for `rewards` it equals `possible_rewards` minus Timefold's rewards
(`benchmarks/timefold.py --exact` checks this on the published solutions).
"""

from __future__ import annotations

import re
from collections import defaultdict

import tomlkit
from timefold_model import WEIGHTS, Problem, Talk

#: Timefold's speaker makespan charges 8 hours for each day between first and last
#: beyond one: `person_span` per day, times the constraint's weight
MAKESPAN_DAY = 8 * 60


def slug(text: str) -> str:
    """A festival id for Timefold's free text (keys, tags)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def _period(problem: Problem, slot_key: str) -> str:
    slot = problem.timeslots[slot_key]
    return f"{slot.start:%Y-%m-%d %H:%M}-{slot.end:%H:%M}"


def soft(problem: Problem, name: str) -> int:
    """Constraint `name`'s soft weight in this data set (its override, else the default)."""
    return problem.weight_overrides.get(name, WEIGHTS[name])[1]


def room_costs(problem: Problem, talk: Talk) -> dict[str, int]:
    """Timefold's soft cost of each compatible room for `talk`: the room-tag wishes of
    the talk and its speakers, each weighed by its constraint, per minute of the talk."""
    timeslots, rooms = problem.talk_types[talk.talk_type]
    minutes = problem.timeslots[next(iter(timeslots))].minutes
    speakers = [problem.speakers[s] for s in talk.speakers]
    costs = {}
    for key in rooms:
        tags = problem.rooms[key].tags
        cost = soft(problem, "Talk preferred room tags") * _missing(talk.preferred_room_tags, tags)
        cost += soft(problem, "Talk undesired room tags") * _shared(talk.undesired_room_tags, tags)
        for s in speakers:
            cost += soft(problem, "Speaker preferred room tags") * _missing(
                s.preferred_room_tags, tags
            )
            cost += soft(problem, "Speaker undesired room tags") * _shared(
                s.undesired_room_tags, tags
            )
        costs[key] = cost * minutes
    return costs


def timeslot_costs(problem: Problem, talk: Talk) -> dict[str, int]:
    """Timefold's soft cost of each compatible timeslot for `talk`: its speakers'
    preferred and undesired timeslot tags, per minute of the slot."""
    timeslots, _ = problem.talk_types[talk.talk_type]
    speakers = [problem.speakers[s] for s in talk.speakers]
    costs = {}
    for key in timeslots:
        slot = problem.timeslots[key]
        cost = 0
        for s in speakers:
            cost += soft(problem, "Speaker preferred timeslot tags") * _missing(
                s.preferred_timeslot_tags, slot.tags
            )
            cost += soft(problem, "Speaker undesired timeslot tags") * _shared(
                s.undesired_timeslot_tags, slot.tags
            )
        costs[key] = cost * slot.minutes
    return costs


def _shared(a, b) -> int:
    return len(set(a) & set(b))


def _missing(wanted, have) -> int:
    return sum(1 for tag in wanted if tag not in have)


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
            "overlap": "minutes",
        }
    )
    exclusive = sorted({slug(tag) for t in problem.talks for tag in t.exclusive_tags})
    if exclusive:
        festival["exclusive_tags"] = exclusive
    doc["festival"] = festival
    doc["venues"] = _venues(problem, days)
    persons = tomlkit.aot()
    for key, speaker in problem.speakers.items():
        if any(key in t.speakers for t in problem.talks):
            person = tomlkit.table()
            person.update({"id": people[key], "name": speaker.name})
            persons.append(person)
    doc["people"] = persons
    tracks = tomlkit.aot()
    for theme in sorted({slug(t.theme_tracks[0]) for t in problem.talks if t.theme_tracks}):
        track = tomlkit.table()
        track["id"] = theme
        tracks.append(track)
    doc["tracks"] = tracks
    doc["sessions"] = _sessions(problem, ids, people)
    for key, tables in (
        ("together", _together(problem, ids)),
        ("order", _order(problem, ids)),
        ("rewards", _rewards(problem)),
    ):
        if tables:
            doc[key] = tables
    if any(t.crowd_risk > 0 for t in problem.talks):
        limit = tomlkit.table()
        limit.update({"tag": "crowd-risk", "at_once": 2})
        doc["limits"] = tomlkit.aot()
        doc["limits"].append(limit)
    weights = tomlkit.table()
    tag_weights = _tag_weights(problem)
    weights.update(
        {
            "spread": 0,
            "track_days": 0,
            "tag_overlap": dict(sorted(tag_weights.items())),
            "popular_rooms": soft(problem, "Popular talks"),
            "person_span": soft(problem, "Speaker makespan") * MAKESPAN_DAY,
        }
    )
    doc["weights"] = weights
    return tomlkit.dumps(doc)


def _venues(problem: Problem, days: list) -> tomlkit.items.AoT:
    """Each room as a venue whose slots are the timeslots of its talk types."""
    types_of_room: dict[str, set[str]] = defaultdict(set)
    for kind, (_, rooms) in problem.talk_types.items():
        for r in rooms:
            types_of_room[r].add(kind)
    venues = tomlkit.aot()
    for key, room in problem.rooms.items():
        slots = set()
        for kind in types_of_room[key]:
            slots |= problem.talk_types[kind][0]
        ordered = sorted((problem.timeslots[s] for s in slots), key=lambda s: (s.start, s.end))
        by_day: dict[str, list[str]] = defaultdict(list)
        for slot in ordered:
            by_day[str(slot.start.date())].append(f"{slot.start:%H:%M}-{slot.end:%H:%M}")
        venue = tomlkit.table()
        venue.update(
            {
                "id": slug(room.name),
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
    return venues


def _tags(talk: Talk) -> list[str]:
    """A talk's tags: one per theme, theme x audience type, sector, content, level,
    language and audience type, and its mutually exclusive tags."""
    tags = [f"theme-{slug(theme)}" for theme in talk.theme_tracks]
    tags += [
        f"ta-{slug(theme)}-{slug(audience)}"
        for theme in talk.theme_tracks
        for audience in talk.audience_types
    ]
    tags += [f"sector-{slug(sector)}" for sector in talk.sectors]
    tags += [f"content-{slug(content)}" for content in talk.contents]
    tags += [f"audience-{slug(audience)}" for audience in talk.audience_types]
    tags += [f"level-{talk.audience_level}", f"language-{slug(talk.language)}"]
    tags += [slug(tag) for tag in talk.exclusive_tags]
    if talk.crowd_risk > 0:
        tags.append("crowd-risk")
    return sorted(set(tags))


def _tag_weights(problem: Problem) -> dict[str, int]:
    """`tag_overlap`: Timefold's four conflicts of talks at once, each shared tag weighed
    by its constraint (with `overlap = "minutes"`, per minute at once)."""
    weights = {}
    for prefix, name in (
        ("theme-", "Theme track conflict"),
        ("ta-", "Audience type theme track conflict"),
        ("sector-", "Sector conflict"),
        ("content-", "Content conflict"),
    ):
        for talk in problem.talks:
            for tag in _tags(talk):
                if tag.startswith(prefix) and soft(problem, name):
                    weights[tag] = soft(problem, name)
    return weights


def _sessions(problem: Problem, ids: dict[str, str], people: dict[str, str]) -> tomlkit.items.AoT:
    sessions = tomlkit.aot()
    room_ids = {key: slug(room.name) for key, room in problem.rooms.items()}
    for talk in problem.talks:
        timeslots, _ = problem.talk_types[talk.talk_type]
        allowed = _allowed_rooms(problem, talk)
        minutes = problem.timeslots[next(iter(timeslots))].minutes
        session = tomlkit.table()
        session.update(
            {
                "id": ids[talk.key],
                "title": talk.title,
                "duration": f"{minutes}m",
                "venues": [room_ids[r] for r in allowed],
                "popularity": talk.favourites,
            }
        )
        if talk.speakers:
            session["people"] = [people[s] for s in talk.speakers]
        if talk.theme_tracks:
            session["track"] = slug(talk.theme_tracks[0])
        session["tags"] = _tags(talk)
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
        costs = room_costs(problem, talk)  # every room of its type: a timetable that
        for r in sorted(costs, key=room_order(problem)):  # breaks room tags pays there too
            if costs[r]:
                avoid.append({"venue": room_ids[r], "weight": costs[r]})
        slot_costs = timeslot_costs(problem, talk)
        for key in sorted(slot_costs, key=lambda k: problem.timeslots[k].start):
            if slot_costs[key]:
                slot = problem.timeslots[key]
                avoid.append(
                    {
                        "date": slot.start.date(),
                        "time": f"{slot.start:%H:%M}-{slot.end:%H:%M}",
                        "weight": slot_costs[key],
                    }
                )
        if avoid:
            session["avoid"] = avoid
        sessions.append(session)
    return sessions


def _together(problem: Problem, ids: dict[str, str]) -> tomlkit.items.AoT:
    """Timefold's same-day and room-stability rules: per theme and per content, groups
    counting pairs (a pair sharing two themes is in two groups, as Timefold counts it)."""
    themes: dict[str, list[str]] = defaultdict(list)
    contents: dict[str, list[str]] = defaultdict(list)
    for talk in problem.talks:
        for theme in talk.theme_tracks:
            themes[theme].append(ids[talk.key])
        for content in talk.contents:
            contents[content].append(ids[talk.key])
    groups = tomlkit.aot()
    for members_of, same, name in (
        (themes, "venue-each-day", "Theme track room stability"),
        (themes, "day", "Same day talks 'Theme track'"),
        (contents, "day", "Same day talks 'Content'"),
    ):
        weight = soft(problem, name)
        for _, members in sorted(members_of.items()):
            if len(members) > 1 and weight:
                group = tomlkit.table()
                group.update({"sessions": members, "same": same, "weight": weight})
                group["count"] = "pairs"
                groups.append(group)
    return groups


def _order(problem: Problem, ids: dict[str, str]) -> tomlkit.items.AoT:
    """Content audience-level flow: per content, each lower level before each higher."""
    weight = soft(problem, "Content audience level flow violation")
    orders = tomlkit.aot()
    if not weight:
        return orders
    for content in sorted({c for t in problem.talks for c in t.contents}):
        levels: dict[int, list[str]] = defaultdict(list)
        for talk in problem.talks:
            if content in talk.contents:
                levels[talk.audience_level].append(ids[talk.key])
        for low in sorted(levels):
            for high in sorted(levels):
                if low < high:
                    order = tomlkit.table()
                    order.update({"first": levels[low], "then": levels[high], "weight": weight})
                    orders.append(order)
    return orders


def _rewards(problem: Problem) -> tomlkit.items.AoT:
    """Timefold's diversity rewards for talks in one timeslot: levels and languages that
    differ, audience types shared."""
    rewards = tomlkit.aot()
    for prefix, when, name in (
        ("level-", "differ", "Audience level diversity"),
        ("language-", "differ", "Language diversity"),
        ("audience-", "share", "Audience type diversity"),
    ):
        tags = sorted({tag for t in problem.talks for tag in _tags(t) if tag.startswith(prefix)})
        if tags and soft(problem, name) and (when == "share" or len(tags) > 1):
            reward = tomlkit.table()
            reward.update({"tags": tags, "when": when, "weight": soft(problem, name)})
            rewards.append(reward)
    return rewards


def possible_rewards(problem: Problem) -> int:
    """What the rewards could earn at most, as festival counts them: every pair of talks
    of one length, as if side by side (the constant between festival's rewards missed and
    Timefold's rewards)."""
    total = 0
    length = {
        t.key: problem.timeslots[next(iter(problem.talk_types[t.talk_type][0]))].minutes
        for t in problem.talks
    }
    talks = list(problem.talks)
    for i, a in enumerate(talks):
        for b in talks[i + 1 :]:
            if length[a.key] != length[b.key]:
                continue
            earned = soft(problem, "Audience type diversity") * _shared(
                a.audience_types, b.audience_types
            )
            if a.audience_level != b.audience_level:
                earned += soft(problem, "Audience level diversity")
            if a.language != b.language:
                earned += soft(problem, "Language diversity")
            total += earned * length[a.key]
    return total


#: each festival goal and the Timefold constraints it states (the rewards: festival
#: counts what is missed, Timefold what is earned)
STATES: dict[str, tuple[str, ...]] = {
    "tag_overlap": (
        "Theme track conflict",
        "Sector conflict",
        "Audience type theme track conflict",
        "Content conflict",
    ),
    "together": (
        "Theme track room stability",
        "Same day talks 'Content'",
        "Same day talks 'Theme track'",
    ),
    "order": ("Content audience level flow violation",),
    "popular_rooms": ("Popular talks",),
    "person_span": ("Speaker makespan",),
    "avoid": (
        "Speaker preferred timeslot tags",
        "Speaker undesired timeslot tags",
        "Speaker preferred room tags",
        "Speaker undesired room tags",
        "Talk preferred room tags",
        "Talk undesired room tags",
    ),
    "rewards": ("Audience type diversity", "Audience level diversity", "Language diversity"),
}
