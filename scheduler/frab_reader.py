"""Read a programme in the frab / c3voc schedule format: `schedule.xml` or `schedule.json`
as frab, pretalx and c3voc tools export it.

`read(path)` gives a `Schedule` of plain values, as the file states them, and the
problems met while reading (each naming the event's id and title). Only a file that
is not a schedule at all raises (`ScheduleError`); anything else that is odd is
read as far as it goes and listed. XML is parsed with `defusedxml` (no entities, no
external references), and neither format may nest deeper or weigh more than a real
programme does.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree
from defusedxml import DefusedXmlException

from . import files
from .errors import BadInput
from .model import clock_time

#: the largest schedule read, in bytes (FOSDEM 2020, 872 events, takes 2 MB)
MAX_BYTES = 32 * 2**20
#: H:MM, HH:MM or HH:MM:SS, in ASCII digits
DURATION = re.compile(r"([0-9]{1,2}):([0-5][0-9])(?::([0-5][0-9]))?")
BOM = b"\xef\xbb\xbf"


class ScheduleError(BadInput, ValueError):
    """The file is not a readable frab / c3voc schedule."""


@dataclass(frozen=True)
class Person:
    name: str
    #: who the person is in the source: "guid:…", "code:…", "id:…" or "name:…"
    key: str
    guid: str = ""
    number: int | None = None  # frab's integer person id


@dataclass(frozen=True)
class Link:
    title: str
    url: str


@dataclass(frozen=True)
class Day:
    index: int
    date: date | None
    start: datetime | None
    end: datetime | None


@dataclass(frozen=True)
class Room:
    name: str
    guid: str = ""
    capacity: int = 0


@dataclass(frozen=True)
class Event:
    number: int | None  # the event's `id`
    guid: str
    title: str
    slug: str
    room: str
    #: when it starts: aware when the file gives an offset, else a wall-clock time
    start: datetime | None
    minutes: int | None  # its duration; None when unreadable
    duration: str  # as written
    track: str
    language: str
    type: str
    abstract: str
    description: str
    persons: tuple[Person, ...]
    day: Day | None
    subtitle: str = ""
    links: tuple[Link, ...] = ()
    do_not_record: bool = False

    def about(self) -> str:
        """How a message names it: its id and title."""
        number = self.number if self.number is not None else self.guid or "?"
        title = " ".join(self.title.split())
        return f"event {number} {title[:60]!r}"


@dataclass(frozen=True)
class Schedule:
    title: str
    acronym: str
    version: str
    start: date | None
    end: date | None
    timezone: str
    timeslot: int | None  # minutes
    url: str
    rooms: tuple[Room, ...]
    tracks: tuple[tuple[str, str], ...]  # name, colour
    days: tuple[Day, ...]
    events: tuple[Event, ...]
    problems: tuple[str, ...]
    venue: str = ""  # where the conference takes place (frab's <venue>)
    city: str = ""


def read(path: str | Path) -> Schedule:
    """The schedule in `path` (XML or JSON, told by its content)."""
    path = Path(path)
    try:
        data = files.read_bounded(path, MAX_BYTES)
    except files.Unreadable as error:
        raise ScheduleError(f"{path}: {error.reason}") from None
    return parse(data, str(path))


def parse(data: bytes, source: str = "<schedule>") -> Schedule:
    """A schedule from the bytes of a `schedule.xml` or `schedule.json` (a UTF-8 byte
    order mark is allowed)."""
    data = data.removeprefix(BOM)
    head = data.lstrip()[:1]
    if head == b"<":
        return _XmlReader(source).read(data)
    if head in (b"{", b"["):
        return _JsonReader(source).read(data)
    raise ScheduleError(
        f"{source}: neither XML nor JSON; expected a frab or c3voc schedule.xml or schedule.json"
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):  # a translated text, { "en": …, "de": … }
        value = value.get("en") or next((v for v in value.values() if isinstance(v, str)), "")
    return value if isinstance(value, str) else str(value)


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 12:
        return int(value.strip())
    return None


def _moment(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.strip()) if 0 < len(text.strip()) <= 40 else None
    except ValueError:
        return None


def _date(text: str) -> date | None:
    moment = _moment(text)
    return moment.date() if moment is not None else None


def _minutes(text: str) -> int | None:
    """Whole minutes of an H:MM / HH:MM / HH:MM:SS duration (seconds round up); None if
    it is not one."""
    match = DURATION.fullmatch(text.strip())
    if not match:
        return None
    seconds = int(match.group(3) or 0)
    return int(match.group(1)) * 60 + int(match.group(2)) + (seconds > 0)


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.strip().lower() in ("true", "1", "yes")


def _person_key(name: str, guid: str, code: str, number: int | None) -> str:
    if guid:
        return f"guid:{guid.lower()}"
    if code:
        return f"code:{code}"
    if number is not None:
        return f"id:{number}"
    return f"name:{name}"


class _Reader:
    """What both formats share: collecting problems, and an event from its fields."""

    def __init__(self, source: str):
        self.source = source
        self.problems: list[str] = []

    def event(
        self, fields: dict[str, Any], persons: list[dict[str, Any]] | None, day: Day | None
    ) -> Event:
        duration = _text(fields.get("duration"))
        start = _moment(_text(fields.get("date")))
        clock = _text(fields.get("start")).strip()
        if start is None and day is not None and day.date is not None and clock:
            start = _moment(f"{day.date.isoformat()}T{clock}")
        people = []
        title = " ".join(_text(fields.get("title")).split())
        links = fields.get("links")
        event = Event(
            number=_int(fields.get("id")),
            guid=_text(fields.get("guid")).strip(),
            title=title,
            slug=_text(fields.get("slug")).strip(),
            room=" ".join(_text(fields.get("room")).split()),
            start=start,
            minutes=_minutes(duration),
            duration=duration,
            track=" ".join(_text(fields.get("track")).split()),
            language=_text(fields.get("language")).strip(),
            type=" ".join(_text(fields.get("type")).split()),
            abstract=_text(fields.get("abstract")),
            description=_text(fields.get("description")),
            persons=(),
            day=day,
            subtitle=" ".join(_text(fields.get("subtitle")).split()),
            links=tuple(
                Link(" ".join(_text(item.get("title")).split()), _text(item.get("url")).strip())
                for item in (links if isinstance(links, list) else ())
                if isinstance(item, dict) and _text(item.get("url")).strip()
            ),
            do_not_record=_flag(fields.get("do_not_record")),
        )
        if persons is None:
            self.problems.append(f"{event.about()}: lists no persons (no persons key)")
            persons = []
        for item in persons:
            name = " ".join(_text(item.get("name") or item.get("public_name")).split())
            if not name:
                self.problems.append(f"{event.about()}: a person without a name was left out")
                continue
            guid = _text(item.get("guid")).strip()
            number = _int(item.get("id"))
            key = _person_key(name, guid, _text(item.get("code")).strip(), number)
            people.append(Person(name, key, guid, number))
        return replace(event, persons=tuple(people))


class _JsonReader(_Reader):
    def read(self, data: bytes) -> Schedule:
        try:
            document = json.loads(data.decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise ScheduleError(f"{self.source}: not UTF-8 text") from None
        except json.JSONDecodeError as error:
            raise ScheduleError(
                f"{self.source}:{error.lineno}: not JSON: {error.msg} (column {error.colno})"
            ) from None
        except (RecursionError, ValueError):
            raise ScheduleError(f"{self.source}: nested too deeply or numbers too long") from None
        schedule = document.get("schedule") if isinstance(document, dict) else None
        conference = schedule.get("conference") if isinstance(schedule, dict) else None
        if not isinstance(conference, dict):
            raise ScheduleError(
                f"{self.source}: no schedule.conference object; expected a frab or c3voc "
                'schedule.json ({"schedule": {"conference": {…}}})'
            )
        rooms = []
        for item in _list(conference.get("rooms")):
            if isinstance(item, dict) and _text(item.get("name")).strip():
                capacity = _int(item.get("capacity")) or 0
                name = " ".join(_text(item.get("name")).split())
                rooms.append(Room(name, _text(item.get("guid")).strip(), capacity))
        tracks = tuple(
            (" ".join(_text(t.get("name")).split()), _text(t.get("color")).strip())
            for t in _list(conference.get("tracks"))
            if isinstance(t, dict) and _text(t.get("name")).strip()
        )
        days, events = [], []
        for index, item in enumerate(_list(conference.get("days")), start=1):
            if not isinstance(item, dict):
                self.problems.append(f"days[{index - 1}]: not an object; left out")
                continue
            day = Day(
                _int(item.get("index")) or index,
                _date(_text(item.get("date"))),
                _moment(_text(item.get("day_start") or item.get("start"))),
                _moment(_text(item.get("day_end") or item.get("end"))),
            )
            days.append(day)
            held = item.get("rooms")
            for room_name, listed in held.items() if isinstance(held, dict) else ():
                for event in _list(listed):
                    if not isinstance(event, dict):
                        continue
                    fields = {**event, "room": event.get("room") or room_name}
                    events.append(self.event(fields, _persons(event.get("persons")), day))
        if isinstance(schedule.get("events"), list):  # c3voc's "schedule 2": events apart
            events += self._flat_events(schedule, conference, days)
        return Schedule(
            title=" ".join(_text(conference.get("title")).split()),
            acronym=_text(conference.get("acronym")).strip(),
            version=_text(schedule.get("version")).strip(),
            start=_date(_text(conference.get("start"))),
            end=_date(_text(conference.get("end"))),
            timezone=_text(conference.get("time_zone_name")).strip(),
            timeslot=_minutes(_text(conference.get("timeslot_duration"))),
            url=_text(conference.get("url") or schedule.get("base_url")).strip(),
            rooms=tuple(rooms),
            tracks=tracks,
            days=tuple(days),
            events=tuple(events),
            problems=tuple(self.problems),
            venue=" ".join(_text(conference.get("venue")).split()),
            city=" ".join(_text(conference.get("city")).split()),
        )

    def _flat_events(
        self, schedule: dict[str, Any], conference: dict[str, Any], days: list[Day]
    ) -> list[Event]:
        """The events of a "schedule 2" document: one list, each with its start and end
        instants, its room and track as objects, its people as `participants`."""
        tracks = {
            _text(t.get("slug")).strip(): _text(t.get("name"))
            for t in _list(conference.get("tracks"))
            if isinstance(t, dict)
        }
        by_date = {day.date: day for day in days if day.date is not None}
        found = []
        for item in _list(schedule.get("events")):
            if not isinstance(item, dict):
                continue
            start, end = _moment(_text(item.get("start"))), _moment(_text(item.get("end")))
            duration = _text(item.get("duration"))
            if start is not None and end is not None and start.tzinfo and end.tzinfo:
                minutes = int((end - start).total_seconds() // 60)
                duration = clock_time(minutes) if minutes > 0 else "0:00"
            room = item.get("room")
            track = item.get("track")
            if isinstance(track, dict):
                track = track.get("name") or tracks.get(_text(track.get("slug")).strip(), "")
            fields = {
                **item,
                "date": _text(item.get("start")),
                "start": "",
                "duration": duration,
                "room": room.get("name") if isinstance(room, dict) else room,
                "track": track,
                "id": item.get("id"),
            }
            persons = _persons(item.get("participants", item.get("persons")))
            day = next(
                (d for d in days if d.start and d.end and start and d.start <= start < d.end),
                by_date.get(start.date()) if start is not None else None,
            )
            found.append(self.event(fields, persons, day))
        return found


def _persons(value: Any) -> list[dict[str, Any]] | None:
    """An event's persons as objects (None: the event has no list of persons)."""
    if not isinstance(value, list):
        return None
    return [p for p in value if isinstance(p, dict)]


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


class _XmlReader(_Reader):
    def read(self, data: bytes) -> Schedule:
        try:
            root = defusedxml.ElementTree.fromstring(data, forbid_dtd=True)
        except ParseError as error:
            line, column = error.position
            raise ScheduleError(
                f"{self.source}:{line}: not well-formed XML (column {column})"
            ) from None
        except DefusedXmlException:
            raise ScheduleError(
                f"{self.source}: declares a DTD or entities; a schedule.xml needs neither "
                "(both are refused, so that a file cannot make the reader fetch or expand "
                "anything)"
            ) from None
        except RecursionError:
            raise ScheduleError(f"{self.source}: nested too deeply to be a schedule") from None
        if root.tag != "schedule" or root.find("conference") is None:
            raise ScheduleError(
                f"{self.source}: not a schedule.xml; expected <schedule> holding <conference> "
                "and <day> elements"
            )
        conference = root.find("conference")
        assert conference is not None
        rooms: dict[str, Room] = {}
        days, events = [], []
        for index, element in enumerate(root.findall("day"), start=1):
            day = Day(
                _int(element.get("index")) or index,
                _date(element.get("date", "")),
                _moment(element.get("start", "")),
                _moment(element.get("end", "")),
            )
            days.append(day)
            for room in element.findall("room"):
                name = " ".join(room.get("name", "").split())
                if name and name not in rooms:
                    rooms[name] = Room(name, room.get("guid", "").strip())
                for event in room.findall("event"):
                    fields: dict[str, Any] = {child.tag: child.text or "" for child in event}
                    fields.update(id=event.get("id"), guid=event.get("guid", ""))
                    fields["room"] = fields.get("room") or name
                    fields["links"] = [
                        {"url": link.get("href", ""), "title": link.text or ""}
                        for link in event.findall("links/link")
                    ]
                    fields["do_not_record"] = _child(event, "recording/optout")
                    events.append(self.event(fields, _xml_persons(event), day))
        tracks = tuple(
            (" ".join((t.get("name") or t.text or "").split()), t.get("color", ""))
            for t in conference.findall("track")
            if (t.get("name") or t.text or "").strip()
        )
        return Schedule(
            title=" ".join(_child(conference, "title").split()),
            acronym=_child(conference, "acronym").strip(),
            version=_child(root, "version").strip(),
            start=_date(_child(conference, "start")),
            end=_date(_child(conference, "end")),
            timezone=_child(conference, "time_zone_name").strip(),
            timeslot=_minutes(_child(conference, "timeslot_duration")),
            url=(_child(conference, "url") or _child(conference, "base_url")).strip(),
            rooms=tuple(rooms.values()),
            tracks=tracks,
            days=tuple(days),
            events=tuple(events),
            problems=tuple(self.problems),
            venue=" ".join(_child(conference, "venue").split()),
            city=" ".join(_child(conference, "city").split()),
        )


def _child(element: Element, tag: str) -> str:
    found = element.find(tag)
    return (found.text or "") if found is not None else ""


def _xml_persons(event: Element) -> list[dict[str, Any]] | None:
    listed = event.find("persons")
    if listed is None:
        return None
    return [
        {
            "name": p.text or "",
            "guid": p.get("guid", ""),
            "id": p.get("id"),
            "code": p.get("code", ""),
        }
        for p in listed.findall("person")
    ]
