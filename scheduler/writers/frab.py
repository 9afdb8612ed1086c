"""`schedule.json` and `schedule.xml`: the programme in the frab / c3voc schedule format.

The format conference apps (EventFahrplan, Giggity, ConfClerk), c3voc's recording
pipeline and info-beamer signage read, and that frab and pretalx export. Both files
come from one document (`document`), so they always agree.

- Only sessions that take place are listed: a cancelled session is left out (its
  calendar feeds still announce the cancellation).
- `schedule.version` is a digest of everything else in the document: it changes with
  every published revision of the programme, and not otherwise.
- Every event has a `guid` (UUID; the definition's, else derived from the festival
  and session ids), an `id` (the number recorded in `timetable.json`, stable for the
  life of the festival) and a `slug` made of the acronym, that number and the session
  id: none of the three changes when the session moves or is renamed.
- Rooms are named uniquely (a name shared by venues in different cities gets the
  city, then the venue id), since events refer to their room by name.
- `days` lists the dates that hold sessions, numbered from 1, each with every room
  of the cities in use that day (a conference in one city: every room, every day);
  each day's bounds cover its venues' hours and its sessions.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections import Counter, defaultdict
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any
from xml.etree import ElementTree

import webcolors

from .. import __version__, days, revisions
from ..errors import InternalError
from ..model import Entry, Festival, clock_time
from . import links

SCHEMA = "https://c3voc.de/schedule/schema.json"
#: the acronym's pattern in the c3voc schema (a leading '-' is also allowed there)
ACRONYM = re.compile(r"^[a-z0-9_-][a-z0-9_]{3,}(-2[0-9]{3}-[a-z]+)?$")
SLUG = re.compile(r"^[a-z0-9_-]+[a-z0-9]$")
#: what the schema accepts as `time_zone_name`; other zones are left out
ZONE_NAME = re.compile(r"^([A-Z][a-z]+/[A-Z][a-z]+)|UTC$")
#: characters XML 1.0 cannot hold, even escaped
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
#: what the event type is when nothing says otherwise
EVENT_TYPE = "talk"


def acronym(festival: Festival) -> str:
    """The acronym apps file the programme under: `[festival] acronym`, else the id with
    '-' read as '_' (padded with '_' to the four characters the format needs)."""
    if festival.acronym:
        return festival.acronym
    derived = festival.id.replace("-", "_")
    return derived.ljust(4, "_")


def _uuid(festival: Festival, kind: str, item_id: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"festival:{festival.id}/{kind}/{item_id}"))


def room_names(festival: Festival) -> dict[str, str]:
    """Each venue's room name in the export, by venue id: its name, unless another venue
    has it too (then with the city, then with the id)."""
    names = {v.id: _text(v.name) for v in festival.venues}
    for widen in (lambda v: f"{v.name} ({v.city})", lambda v: f"{v.name} ({v.city}, {v.id})"):
        counts = Counter(names.values())
        names = {
            v.id: widen(v) if counts[names[v.id]] > 1 else names[v.id] for v in festival.venues
        }
    return names


def _slug(festival: Festival, entry: Entry) -> str:
    """`<acronym>-<number>-<session id>`: lower-case, ending in a letter or digit."""
    tail = re.sub(r"[^a-z0-9_-]", "_", entry.session.lower()).rstrip("-_") or "session"
    return f"{acronym(festival)}-{entry.number}-{tail}"


def _language(festival: Festival, tag: str) -> str:
    """A language as apps show it: the primary subtag, e.g. "zh" for "zh-CN"."""
    return (tag or festival.language).split("-")[0].lower()


def _hex(color: str) -> str | None:
    try:
        return color if color.startswith("#") else webcolors.name_to_hex(color)
    except ValueError:
        return None


def _event(festival: Festival, entry: Entry, room: str, context: dict[str, Any]) -> dict:
    session = context["sessions"].get(entry.session)
    guid = (session.guid if session else "") or _uuid(festival, "sessions", entry.session)
    track = context["tracks"].get(entry.track) if entry.track else None
    minutes = int((entry.end - entry.start).total_seconds() // 60)
    people = [context["people"][p] for p in entry.people if p in context["people"]]
    return {
        "guid": guid,
        "id": entry.number,
        "date": days.iso(festival, entry.start),
        "start": days.local(festival, entry.start).strftime("%H:%M"),
        "end": days.iso(festival, entry.end),
        "duration": clock_time(minutes),
        "room": room,
        "slug": _slug(festival, entry),
        "url": links.session_url(festival, entry.session) or f"urn:uuid:{guid}",
        "title": _text(entry.title),
        "subtitle": _text(entry.subtitle),
        "track": _text(track.name) if track else None,
        "type": _text(session.kind) if session and session.kind else EVENT_TYPE,
        "language": _language(festival, session.language if session else ""),
        "abstract": _text(entry.abstract),
        "description": _text(entry.description),
        "do_not_record": bool(session and session.do_not_record),
        "persons": [
            {
                # both styles of the format: frab's integer id and public_name, which
                # ConfClerk and pyfahrplan read, and pretalx's name; guid for all
                "id": context["numbers"][p.id],
                "name": _text(p.name),
                "public_name": _text(p.name),
                "guid": p.guid or _uuid(festival, "people", p.id),
            }
            for p in people
        ],
        "links": [
            {"title": _text(link.title), "url": link.url, "type": "related"}
            for link in (session.links if session else ())
        ],
    }


def _day_bounds(festival: Festival, day: date, entries: list[Entry]) -> tuple[datetime, datetime]:
    """The first and last instant of `day`'s programme: its venues' hours, stretched to
    hold its sessions."""
    tz = days.zone(festival)
    midnight = datetime.combine(day, time())
    used = {e.venue for e in entries}
    opening = [
        days.instant(tz, midnight + timedelta(minutes=v.opens))
        for v in festival.venues
        if v.id in used
    ]
    closing = [
        days.instant(tz, midnight + timedelta(minutes=v.closes))
        for v in festival.venues
        if v.id in used
    ]
    start = min([*opening, *(e.start for e in entries)])
    end = max([*closing, *(e.end for e in entries)])
    return start, end


def document(
    festival: Festival, entries: tuple[Entry, ...], people: Mapping[str, int] | None = None
) -> dict[str, Any]:
    """The programme as a c3voc schedule document (`schedule.json`'s content); `people`
    are the people's numbers (`revisions.person_numbers`; default: a first publication's)."""
    rooms = room_names(festival)
    context = {
        "sessions": festival.sessions_by_id,
        "tracks": festival.tracks_by_id,
        "people": festival.people_by_id,
        "numbers": people if people is not None else revisions.person_numbers(festival, {}),
    }
    shown = [e for e in entries if e.status == "CONFIRMED"]
    by_day: dict[date, list[Entry]] = defaultdict(list)
    for entry in shown:
        by_day[days.local_date(festival, entry.start)].append(entry)
    day_list = []
    for index, day in enumerate(sorted(by_day), start=1):
        todays = sorted(by_day[day], key=lambda e: (e.start, e.end, e.session))
        start, end = _day_bounds(festival, day, todays)
        cities = {e.city for e in todays}  # the rooms of the cities in use that day
        held: dict[str, list[dict]] = {rooms[v.id]: [] for v in festival.venues if v.city in cities}
        for entry in todays:
            held[rooms[entry.venue]].append(_event(festival, entry, rooms[entry.venue], context))
        day_list.append(
            {
                "index": index,
                "date": day.isoformat(),
                "day_start": days.iso(festival, start),
                "day_end": days.iso(festival, end),
                "rooms": held,
            }
        )
    conference: dict[str, Any] = {
        "acronym": acronym(festival),
        "title": _text(festival.name),
        "start": festival.start.isoformat(),
        "end": festival.end.isoformat(),
        "daysCount": len(day_list),
        "timeslot_duration": clock_time(festival.step),
    }
    if ZONE_NAME.match(festival.timezone):
        conference["time_zone_name"] = festival.timezone
    if festival.description:
        conference["description"] = _text(festival.description)
    if links.page_url(festival):
        conference["url"] = links.page_url(festival)
    conference["tracks"] = [
        {"name": _text(t.name), **({"color": c} if (c := _hex(t.color)) else {})}
        for t in festival.tracks
    ]
    conference["rooms"] = [
        {
            "name": rooms[v.id],
            "guid": v.guid or _uuid(festival, "venues", v.id),
            "description": ", ".join(part for part in (v.address, v.city) if part) or None,
            "capacity": v.capacity or None,
        }
        for v in festival.venues
    ]
    conference["days"] = day_list
    schedule = {"version": "", "conference": conference}
    schedule["version"] = _version(schedule)
    found = {
        "$schema": SCHEMA,
        "generator": {"name": "festival", "version": __version__},
        "schedule": schedule,
    }
    check(found)
    return found


def _version(schedule: dict[str, Any]) -> str:
    """A digest of the schedule without its version: changes exactly when it does."""
    text = json.dumps({**schedule, "version": ""}, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def check(found: dict[str, Any]) -> None:
    """What the schema cannot check: unique guids, ids and slugs, and every event's room
    listed. A failure is a bug (`InternalError`), never published."""
    conference = found["schedule"]["conference"]
    listed = {room["name"] for room in conference["rooms"]}
    problems = []
    if len(listed) < len(conference["rooms"]):
        problems.append("two rooms share a name")
    events = [
        (room, event)
        for day in conference["days"]
        for room, held in day["rooms"].items()
        for event in held
    ]
    for key in ("guid", "id", "slug"):
        counts = Counter(event[key] for _, event in events)
        problems += [f"{key} {value!r} used {n} times" for value, n in counts.items() if n > 1]
    for room, event in events:
        if room not in listed or event["room"] != room:
            problems.append(f"event {event['id']} is in room {event['room']!r}, not listed")
        if not SLUG.match(event["slug"]):
            problems.append(f"event {event['id']} has slug {event['slug']!r}")
    if not ACRONYM.match(conference["acronym"]):
        problems.append(f"acronym {conference['acronym']!r}")
    if problems:
        raise InternalError(
            "internal error: the schedule.json export is inconsistent; nothing was "
            "published. Please report this: " + "; ".join(problems)
        )


def render_json(found: dict[str, Any]) -> bytes:
    return (json.dumps(found, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _xml_text(value: Any) -> str:
    return "" if value is None else str(value)


def _text(value: str) -> str:
    """Text both files can hold alike: line ends as "\n" (what an XML parser reads
    anyway), characters XML cannot hold as U+FFFD."""
    return NOT_XML.sub("\ufffd", value.replace("\r\n", "\n").replace("\r", "\n"))


def _add(
    parent: ElementTree.Element, tag: str, value: Any = None, **attributes: Any
) -> ElementTree.Element:
    element = ElementTree.SubElement(
        parent, tag, {k: _xml_text(v) for k, v in attributes.items() if v is not None}
    )
    if value is not None:
        element.text = _xml_text(value)
    return element


def render_xml(found: dict[str, Any], where: Mapping[str, str] | None = None) -> bytes:
    """`schedule.xml` (the c3voc schedule XSD) from the same document as the JSON, with
    `where` the festival takes place (`place`): frab's and FOSDEM's `<venue>` and
    `<city>`, which ConfClerk shows, though the XSD does not list them."""
    schedule = found["schedule"]
    conference = schedule["conference"]
    root = ElementTree.Element("schedule")
    _add(root, "generator", name=found["generator"]["name"], version=found["generator"]["version"])
    _add(root, "version", schedule["version"])
    head = _add(root, "conference")
    _add(head, "acronym", conference["acronym"])
    _add(head, "title", conference["title"])
    for key, value in (where or {}).items():
        _add(head, key, value)
    _add(head, "start", conference["start"])
    _add(head, "end", conference["end"])
    _add(head, "days", conference["daysCount"])
    _add(head, "timeslot_duration", conference["timeslot_duration"])
    if "url" in conference:
        _add(head, "url", conference["url"])
    if "time_zone_name" in conference:
        _add(head, "time_zone_name", conference["time_zone_name"])
    for track in conference["tracks"]:
        _add(head, "track", track["name"], name=track["name"], color=track.get("color"))
    guids = {room["name"]: room["guid"] for room in conference["rooms"]}
    for day in conference["days"]:
        held = _add(
            root,
            "day",
            index=day["index"],
            date=day["date"],
            start=day["day_start"],
            end=day["day_end"],
        )
        for name, events in day["rooms"].items():
            room = _add(held, "room", name=name, guid=guids[name])
            for event in events:
                _xml_event(room, event)
    ElementTree.indent(root)
    text = ElementTree.tostring(root, encoding="unicode", xml_declaration=False)
    return f'<?xml version="1.0" encoding="utf-8"?>\n{text}\n'.encode()


def _xml_event(room: ElementTree.Element, event: dict[str, Any]) -> None:
    element = _add(room, "event", id=event["id"], guid=event["guid"])
    for key in ("date", "start", "duration", "room", "slug"):
        _add(element, key, event[key])
    if event["url"].startswith(("http://", "https://")):
        _add(element, "url", event["url"])
    for key in ("title", "subtitle", "track", "type", "language", "abstract", "description"):
        _add(element, key, event[key] or "")
    persons = _add(element, "persons")
    for person in event["persons"]:
        _add(persons, "person", person["name"], id=person["id"], guid=person["guid"])
    recording = _add(element, "recording")
    _add(recording, "license", "")
    _add(recording, "optout", "true" if event["do_not_record"] else "false")
    listed = _add(element, "links")
    for link in event["links"]:
        _add(listed, "link", link["title"], href=link["url"])


def outputs(
    festival: Festival, entries: tuple[Entry, ...], people: Mapping[str, int] | None = None
) -> dict[str, bytes]:
    """`schedule.json` and `schedule.xml`, rendered (`people`: as for `document`)."""
    found = document(festival, entries, people)
    where = place(festival)
    return {"schedule.json": render_json(found), "schedule.xml": render_xml(found, where)}


def place(festival: Festival) -> dict[str, str]:
    """Where the festival takes place as schedule.xml's `<conference>` says it: `venue`
    and `city` where the definition has them (the city: `[festival] city`, else the one
    city all venues share). The JSON schema has no such keys, so only the XML has them."""
    cities = {v.city for v in festival.venues}
    city = festival.city or (next(iter(cities)) if len(cities) == 1 else "")
    return {key: _text(value) for key, value in (("venue", festival.site), ("city", city)) if value}
