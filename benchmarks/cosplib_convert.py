"""A CoSPLib instance (as `cosplib_checker.py dump` writes it) as a festival definition.

CoSPLib's model is a grid: sessions (time blocks) × rooms, each cell holding one
track, each block cut into time slots, each submission taking `slots` consecutive
slots of one cell. Its objective depends only on which session, room and slot each
submission takes, never on clock times, and its slots differ in length from one
session to the next (22.5 or 18 minutes in OR60F3). So the definition lays the grid
on a uniform clock: every slot lasts 10 minutes (5 where a date has too many
sessions), session k of a date is a block of its slots starting at 07:00 (or 00:00)
+ k × 2 × LONGEST (LONGEST: the longest block), a submission lasts `slots` slots
with `span = slots`, and `one_track_per_block` makes each cell hold one track.
`benchmarks/cosplib.py` maps the timetable back to (session, room, slot) and lets
CoSPLib's own checker score it.

Exact (festival units are CoSPLib's × SCALE): submissions' session, time-zone and
room penalties (graded `avoid` entries), rooms per track (`[[together]] track same =
"venue"`, each room beyond the first), presenters' and track chairs' conflicts
(people on the submissions; `[travel] same_city = LONGEST` keeps a person's two
submissions in different rooms out of one block, which is CoSPLib's session-level
conflict: inside a block two starts are less than LONGEST apart, across blocks at
least), every submission scheduled whole in one cell.

Approximate, because festival charges sessions, not grid cells (issue 28):
track × session, track × room and session × room penalties are per cell in CoSPLib;
here each submission in the cell carries its share (the penalty divided by how many
submissions of its track a cell of that block holds on average); similar tracks
(per pair of cells in one session) become `tag_overlap` between the two tracks'
submissions, weighed per overlapping pair by the same share; attendees' conflicts
(session level) become the interest file's clashes (time-slot level); presenters'
conflicts are hard here (weight 1 in the OR60 instances, 100,000 in GECCO19 and N2OR).

Not stated: consecutive tracks (a track's sessions one after the other), submission
order within a track, parallel tracks (a track in two rooms of one session; rooms per
track discourages it).
"""

from __future__ import annotations

import re
from collections import defaultdict

import tomlkit

#: minutes of a slot on the uniform clock: the first of these that fits every day
SLOTS = (10, 5)
#: festival weight units per CoSPLib unit (divisible by the usual cell sizes)
SCALE = 12
#: the largest weight festival accepts
MAX_WEIGHT = 1_000_000
DAY_STARTS = (7 * 60, 0)


def slug(text: str) -> str:
    """A festival id for a CoSPLib name."""
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-") or "x"


def _ids(names: list[str]) -> dict[str, str]:
    """Unique slugs for names, in order."""
    taken: set[str] = set()
    ids = {}
    for name in names:
        base = slug(name)[:90]
        candidate, n = base, 1
        while candidate in taken:
            n += 1
            candidate = f"{base}-{n}"
        taken.add(candidate)
        ids[name] = candidate
    return ids


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def slot_minutes(instance: dict) -> tuple[int, int]:
    """The slot length and the first minute of a day that lay every date's sessions
    out 2 x LONGEST apart within the day."""
    per_date: dict[str, int] = defaultdict(int)
    for session in instance["sessions"]:
        per_date[session["date"]] += 1
    most, widest = max(per_date.values()), max(s["slots"] for s in instance["sessions"])
    for slot in SLOTS:
        for day_start in DAY_STARTS:
            if day_start + (2 * most - 1) * widest * slot <= 24 * 60:
                return slot, day_start
    raise SystemExit(f"{most} sessions of up to {widest} slots do not fit one day")


def layout(instance: dict) -> dict[str, tuple[str, int, int]]:
    """Each session's (date, first minute, slots) on the uniform clock."""
    slot, day_start = slot_minutes(instance)
    longest = max(s["slots"] for s in instance["sessions"]) * slot
    by_date: dict[str, list[dict]] = defaultdict(list)
    for session in instance["sessions"]:
        by_date[session["date"]].append(session)
    places = {}
    for date, sessions in by_date.items():
        for k, session in enumerate(sorted(sessions, key=lambda s: (s["start"], s["name"]))):
            places[session["name"]] = (date, day_start + k * 2 * longest, session["slots"])
    return places


def travel_minutes(instance: dict) -> int:
    """The travel time between rooms that keeps a person in one room per block."""
    return max(s["slots"] for s in instance["sessions"]) * slot_minutes(instance)[0]


def _share(penalty: int, per_cell: float) -> int:
    """One submission's share of a cell's penalty, in festival units."""
    return max(1, round(penalty * SCALE / per_cell)) if penalty else 0


def definition(instance: dict, name: str) -> tuple[str, str | None]:
    """The definition's TOML text and the interest file's CSV (None if no attendees)."""
    weights = instance["parameters"]
    sessions, rooms = instance["sessions"], instance["rooms"]
    tracks, subs = instance["tracks"], instance["submissions"]
    places = layout(instance)
    slot = slot_minutes(instance)[0]
    room_id, track_id = _ids(rooms), _ids([t["name"] for t in tracks])
    sub_id = _ids([s["name"] for s in subs])
    track_index = {t["name"]: i for i, t in enumerate(tracks)}
    mean_slots = {
        t["name"]: sum(s["slots"] for s in subs if s["track"] == t["name"])
        / max(1, sum(1 for s in subs if s["track"] == t["name"]))
        for t in tracks
    }
    overall_mean = sum(s["slots"] for s in subs) / len(subs)

    def per_cell(track: str, session: dict) -> float:
        return max(1.0, session["slots"] / mean_slots[track])

    mean_session_slots = sum(s["slots"] for s in sessions) / len(sessions)

    doc = tomlkit.document()
    doc.add(tomlkit.comment(f"CoSPLib {name}, converted by benchmarks/cosplib_convert.py"))
    dates = sorted({date for date, _, _ in places.values()})
    festival = {
        "id": slug(f"cosplib-{name}"),
        "name": f"CoSPLib {name}",
        "timezone": "UTC",
        "start": dates[0],
        "end": dates[-1],
        "step": f"{slot}m",
        "one_track_per_block": True,
    }
    attendees: dict[str, list[str]] = defaultdict(list)
    for sub in subs:
        for attendee in sub["attendees"]:
            attendees[attendee].append(sub["name"])
    interest = None
    if weights["attendees_conflicts_weight"] and any(len(v) > 1 for v in attendees.values()):
        festival["interest"] = f"{slug(name)}-interest.csv"
        people_ids = _ids(sorted(attendees))
        rows = ["attendee,session"]
        for attendee in sorted(attendees):
            rows += [f"{people_ids[attendee]},{sub_id[s]}" for s in attendees[attendee]]
        interest = "\n".join(rows) + "\n"
    doc["festival"] = festival

    raw: dict[str, float] = {
        "avoid": 1,
        "attendee_clash": weights["attendees_conflicts_weight"] * SCALE,
    }
    similar: dict[str, float] = {}
    tags_of: dict[str, list[str]] = defaultdict(list)
    for a, row in enumerate(instance["similar_tracks"]):
        for b, penalty in enumerate(row):
            if b > a and (penalty or instance["similar_tracks"][b][a]):
                both = penalty + instance["similar_tracks"][b][a]
                tag = f"similar-{a}-{b}"
                cell = max(
                    1.0,
                    mean_session_slots
                    / ((mean_slots[tracks[a]["name"]] + mean_slots[tracks[b]["name"]]) / 2),
                )
                similar[tag] = both * weights["similar_tracks_penalty_weight"] * SCALE / cell
                tags_of[tracks[a]["name"]].append(tag)
                tags_of[tracks[b]["name"]].append(tag)
    doc["weights"] = {
        "spread": 0,
        "track_days": 0,
        "prefer": 1,
        "avoid": 1,
        "attendee_clash": min(MAX_WEIGHT, round(raw["attendee_clash"])),
        **(
            {"tag_overlap": {t: min(MAX_WEIGHT, max(1, round(w))) for t, w in similar.items()}}
            if similar and weights["similar_tracks_penalty_weight"]
            else {}
        ),
    }
    doc["travel"] = {"same_city": f"{travel_minutes(instance)}m"}
    doc["tracks"] = tomlkit.aot()
    for track in tracks:
        doc["tracks"].append({"id": track_id[track["name"]], "name": str(track["name"])})

    slots_by_date: dict[str, list[str]] = defaultdict(list)
    blocks_by_date: dict[str, list[str]] = defaultdict(list)
    for session in sorted(sessions, key=lambda s: places[s["name"]][:2]):
        date, start, count = places[session["name"]]
        slots_by_date[date] += [
            f"{_hhmm(start + i * slot)}-{_hhmm(start + (i + 1) * slot)}" for i in range(count)
        ]
        blocks_by_date[date].append(f"{_hhmm(start)}-{_hhmm(start + count * slot)}")

    def block(session: dict) -> dict:
        date, start, count = places[session["name"]]
        return {"date": date, "time": f"{_hhmm(start)}-{_hhmm(start + count * slot)}"}

    doc["venues"] = tomlkit.aot()
    for room in rooms:
        doc["venues"].append(
            {
                "id": room_id[room],
                "name": str(room),
                "city": "CoSPLib",
                "capacity": 1000,
                "slots": dict(slots_by_date),
                "blocks": dict(blocks_by_date),
            }
        )

    people: dict[str, str] = {}
    chairs = {t["name"]: t["chairs"] for t in tracks}
    for sub in subs:
        for person in sub["presenters"] + chairs[sub["track"]]:
            people.setdefault(person, "")
    person_id = _ids(sorted(people))
    if people:
        doc["people"] = tomlkit.aot()
        for person in sorted(people):
            doc["people"].append({"id": person_id[person], "name": str(person)})

    doc["sessions"] = tomlkit.aot()
    for i, sub in enumerate(subs):
        t = track_index[sub["track"]]
        costs: dict[tuple, float] = defaultdict(float)
        for s, session in enumerate(sessions):
            if session["slots"] < sub["slots"]:
                continue
            key = ("block", s)
            costs[key] += sub_penalty(
                weights, "submissions_sessions", instance["submissions_sessions"][i][s]
            )
            costs[key] += sub_penalty(
                weights, "submissions_timezones", instance["submissions_timezones"][i][s]
            )
            cell = per_cell(sub["track"], session)
            costs[key] += cell_penalty(
                weights, "tracks_sessions", instance["tracks_sessions"][t][s], cell
            )
            for r in range(len(rooms)):
                penalty = (
                    instance["sessions_rooms"][s][r] * weights["sessions_rooms_penalty_weight"]
                )
                if penalty:
                    costs[("cell", s, r)] += max(
                        1, round(penalty * SCALE / max(1.0, session["slots"] / overall_mean))
                    )
        for r in range(len(rooms)):
            key = ("room", r)
            costs[key] += sub_penalty(
                weights, "submissions_rooms", instance["submissions_rooms"][i][r]
            )
            mean_cell = max(1.0, mean_session_slots / mean_slots[sub["track"]])
            costs[key] += cell_penalty(
                weights, "tracks_rooms", instance["tracks_rooms"][t][r], mean_cell
            )
        avoid = []
        for key, cost in costs.items():
            if not cost:
                continue
            if key[0] == "block":
                entry = block(sessions[key[1]])
            elif key[0] == "room":
                entry = {"venue": room_id[rooms[key[1]]]}
            else:
                entry = {**block(sessions[key[1]]), "venue": room_id[rooms[key[2]]]}
            avoid.append({**entry, "weight": min(MAX_WEIGHT, round(cost))})
        session = {
            "id": sub_id[sub["name"]],
            "title": str(sub["name"]),
            "track": track_id[sub["track"]],
            "duration": sub["slots"] * slot,
            "span": sub["slots"],
        }
        members = sorted({person_id[p] for p in sub["presenters"] + chairs[sub["track"]]})
        if members:
            session["people"] = members
        if tags_of[sub["track"]]:
            session["tags"] = tags_of[sub["track"]]
        if avoid:
            session["avoid"] = avoid
        doc["sessions"].append(session)

    if weights["num_rooms_per_track_weight"]:
        doc["together"] = tomlkit.aot()
        for track in tracks:
            if sum(1 for s in subs if s["track"] == track["name"]) > 1:
                doc["together"].append(
                    {
                        "track": track_id[track["name"]],
                        "same": "venue",
                        "weight": weights["num_rooms_per_track_weight"] * SCALE,
                    }
                )
    return tomlkit.dumps(doc), interest


def sub_penalty(weights: dict, kind: str, penalty: int) -> float:
    """A submission's own penalty (charged per submission in CoSPLib too)."""
    return penalty * weights[f"{kind}_penalty_weight"] * SCALE


def cell_penalty(weights: dict, kind: str, penalty: int, per_cell: float) -> float:
    """A submission's share of a per-cell penalty."""
    return _share(penalty * weights[f"{kind}_penalty_weight"], per_cell)


def placement(instance: dict, timetable: dict) -> dict:
    """festival's published timetable as CoSPLib cells and submissions (names)."""
    places = layout(instance)
    slot = slot_minutes(instance)[0]
    at = {(date, start): name for name, (date, start, _) in places.items()}
    room_of = {v: k for k, v in _ids(instance["rooms"]).items()}
    sub_of = {v: k for k, v in _ids([s["name"] for s in instance["submissions"]]).items()}
    track_of = {s["name"]: s["track"] for s in instance["submissions"]}
    cells: dict[tuple[str, str], str] = {}
    talks = []
    for entry in timetable["sessions"]:
        local = entry["start"][:16]
        date, minute = local[:10], int(local[11:13]) * 60 + int(local[14:16])
        session = next(
            (
                name
                for (d, start), name in at.items()
                if d == date and start <= minute < start + places[name][2] * slot
            ),
            None,
        )
        if session is None:
            raise SystemExit(f"{entry['id']}: {entry['start']} is in no CoSPLib session")
        first = (minute - places[session][1]) // slot
        name, room = sub_of[entry["id"]], room_of[entry["venue"]]
        talks.append([name, session, room, first])
        cells[(session, room)] = track_of[name]
    return {"cells": [[s, r, t] for (s, r), t in sorted(cells.items())], "talks": sorted(talks)}
