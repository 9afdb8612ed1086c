"""Turn a frab / c3voc schedule (`scheduler.frab_reader`) into a festival definition.

`definition(schedule)` writes the TOML an organiser then plans with `festival plan`
(what is read off the schedule first, and its problems: `scheduler.import_checks`):

- the festival's window from the conference's dates and its events, its zone from
  `--timezone`, else `time_zone_name`, else one UTC offset all events carry (anything
  else is refused), its step from `timeslot_duration`; where it takes place (`venue`,
  `city`) as the source says;
- rooms become venues in the source's city, open from the earliest start to the latest
  end of their events; capacity from the source, else 0 with a comment (unknown:
  nothing is checked against it); a guid two rooms share is kept by the first;
- tracks keep their names and colours, persons become people with ids that stay the
  same on every import of the same source (from their guid, code, id or name) and
  keep their integer ids (`person_id`);
- events become sessions: title, subtitle, type, duration, track, language, abstract
  and description (HTML turned into plain text), links, `do_not_record`, persons;
  each keeps its guid and number, and its slug as its id where it is one, so that an
  export after planning names the same events. Its published room and start become
  wishes (`prefer`), so that a plan keeps the published programme where the rules
  allow, or with `fixed=True` its `fixed` place. Times are written on the festival's
  wall clock (a start in the second pass of a repeated hour keeps its UTC offset).
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import tomlkit
import webcolors

from . import __version__, files
from .errors import BadInput, CannotWrite
from .frab_reader import Event, Schedule
from .import_checks import (
    UUID,
    ImportRefused,
    Placed,
    placed_events,
    report_clashes,
    report_off_grid,
    report_outside_days,
    within_window,
    zone,
)
from .model import clock_window
from .plain_text import one_line, plain
from .problems import capped
from .values import ACRONYM, LANGUAGE_TAG, MAX_EVENT_ID, SLUG

__all__ = ["ImportRefused", "Imported", "definition", "write"]

#: how much each part of the published place weighs: the room before the time
ROOM_WEIGHT = 20
TIME_WEIGHT = 10
DEFAULT_STEP = 5
#: colours for tracks the source gives none, in turn
PALETTE = ("teal", "royalblue", "darkorange", "mediumpurple", "crimson", "seagreen", "goldenrod")
WEB_ADDRESS = re.compile(r"https?://[^\s/]+\S*")


@dataclass(frozen=True)
class Imported:
    """A definition written from a schedule: its TOML text, and what was wrong."""

    text: str
    problems: tuple[str, ...]
    sessions: int
    venues: int
    people: int

    def shown_problems(self) -> list[str]:
        """The problems as a reader takes them: the first of each kind, then how many more."""
        return capped(self.problems)


def slugify(text: str, fallback: str) -> str:
    """An id from `text`: lower-case ASCII letters, digits and '-' (`fallback` if none)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:48].strip("-")
    return slug or fallback


class UniqueIds:
    """Ids given so far: each new one is the wanted id, else it with the next free
    "-2", "-3", … (remembered per wanted id, so that many alike cost no more each)."""

    def __init__(self) -> None:
        self.taken: set[str] = set()
        self.following: dict[str, int] = {}

    def __call__(self, wanted: str) -> str:
        found, n = wanted, self.following.get(wanted, 2)
        if found in self.taken:
            found = f"{wanted}-{n}"
            while found in self.taken:
                n += 1
                found = f"{wanted}-{n}"
            self.following[wanted] = n + 1
        self.taken.add(found)
        return found


def _step(schedule: Schedule, problems: list[str]) -> int:
    slot = schedule.timeslot
    if slot and 1440 % slot == 0:
        return slot
    said = f"timeslot_duration of {slot} minutes" if slot else "no readable timeslot_duration"
    problems.append(
        f"conference: {said}; a {DEFAULT_STEP}-minute step is used (a step divides a day)"
    )
    return DEFAULT_STEP


def _session_id(event: Event, acronym: str, unique: UniqueIds) -> str:
    """The session's id: the slug's tail after `<acronym>-<id>-` where it is one, else the
    slug itself where it is one, else `e<id>`, else from the guid or the title."""
    slug = event.slug.lower()
    tail = ""
    if slug and event.number is not None:
        match = re.fullmatch(rf"{re.escape(acronym.lower())}-{event.number}-(.+)", slug)
        tail = match.group(1) if match else ""
    for candidate in (tail, slug):
        if candidate and SLUG.match(candidate) and len(candidate) <= 60:
            return unique(candidate)
    if event.number is not None:
        return unique(f"e{event.number}")
    if event.guid:
        return unique(f"e-{event.guid.lower()[:8]}")
    return unique(slugify(event.title, "session"))


def _person_id(key: str, name: str) -> str:
    kind, _, value = key.partition(":")
    if kind == "id":
        return f"p{value}"
    if kind == "code" and re.fullmatch(r"[A-Za-z0-9]{1,20}", value):
        return f"p-{value.lower()}"
    readable = slugify(name, "person")[:30].strip("-")
    return f"{readable}-{hashlib.sha256(key.encode()).hexdigest()[:6]}"


def definition(
    schedule: Schedule,
    *,
    fixed: bool = False,
    origin: str = "",
    timezone: str | None = None,
) -> Imported:
    """A festival definition (TOML) holding `schedule`; see the module's text. `origin`
    names the file in messages; `timezone` is the conference's zone where the schedule
    does not name one. Raises `ImportRefused` for a schedule that cannot become one (no
    zone to read its times on, no events, none usable)."""
    source = origin or "the schedule"
    if not schedule.events:
        raise ImportRefused(
            f"{source}: holds no events (a programme before any talk was accepted?); "
            "there is nothing to plan, and nothing was written"
        )
    problems = list(schedule.problems)
    tz = ZoneInfo(zone(schedule, timezone, source, problems))
    step = _step(schedule, problems)
    placed = placed_events(schedule, tz, problems)
    placed, first, last = within_window(schedule, placed, problems)
    if not placed:
        raise ImportRefused(
            f"{source}: none of its {len(schedule.events)} events can be imported: "
            + "; ".join(capped(problems, 3)[:3])
            + "; nothing was written"
        )
    report_outside_days(placed, problems)
    report_off_grid(placed, step, problems)
    rooms = _Rooms(schedule, placed, problems)
    clashing = report_clashes(placed, rooms.venue_of, problems, fixed)
    crossing = {i for i, p in enumerate(placed) if p.crosses_midnight()}
    for i in sorted(crossing):
        problems.append(
            f"{placed[i].event.about()}: runs past midnight; a venue's hours lie within one "
            "day, so only its room is kept as a wish"
        )
    room_only = crossing | {i for i, p in enumerate(placed) if not p.on_grid(step)}
    writer = _Writer(schedule, placed, rooms, tz.key, step, fixed, problems)
    document = writer.document(clashing | room_only, room_only, Path(origin).name, first, last)
    return Imported(
        tomlkit.dumps(document),
        tuple(problems),
        len(placed),
        len(rooms.order),
        len(writer.people),
    )


class _Rooms:
    """The venues: every room the source lists, then those only events name, each with
    an id, and the source's guid where no earlier room has it."""

    def __init__(self, schedule: Schedule, placed: list[Placed], problems: list[str]):
        self.order = [r.name for r in schedule.rooms]
        listed = set(self.order)
        for p in placed:
            if p.event.room not in listed:
                self.order.append(p.event.room)
                listed.add(p.event.room)
                if schedule.rooms:
                    problems.append(
                        f"{p.event.about()}: room {p.event.room!r} is not listed; added"
                    )
        unique = UniqueIds()
        self.ids = {
            name: unique(slugify(name, f"room-{index}"))
            for index, name in enumerate(self.order, start=1)
        }
        self.capacity = {r.name: r.capacity for r in schedule.rooms}
        self.guid: dict[str, str] = {}
        owner: dict[str, str] = {}
        for room in schedule.rooms:
            guid = room.guid.lower()
            if not UUID.fullmatch(guid) or room.name in self.guid:
                continue
            if guid in owner:
                problems.append(
                    f"room {room.name!r}: has the guid {guid} of room {owner[guid]!r}; "
                    "a new one is given"
                )
                continue
            owner[guid] = room.name
            self.guid[room.name] = guid

    def venue_of(self, p: Placed) -> str:
        return self.ids[p.event.room]


class _Writer:
    """The TOML document of an import."""

    def __init__(
        self,
        schedule: Schedule,
        placed: list[Placed],
        rooms: _Rooms,
        timezone: str,
        step: int,
        fixed: bool,
        problems: list[str],
    ):
        self.schedule = schedule
        self.placed = placed
        self.rooms = rooms
        self.timezone = timezone
        self.step = step
        self.fixed = fixed
        self.problems = problems
        self.people: dict[str, tuple[str, str, str, int | None]] = {}  # key → id, name, …

    def document(
        self,
        unfixed: set[int],
        room_only: set[int],
        origin: str,
        first: object,
        last: object,
    ) -> tomlkit.TOMLDocument:
        """The definition: its tables are made first, so that the comments at its head
        list every problem found on the way."""
        self._people()
        head = self._head(first, last)
        tracks, track_ids = self._tracks()
        venues = self._venues()
        sessions = tomlkit.aot()
        session_ids = UniqueIds()
        for i, p in enumerate(self.placed):
            sid = _session_id(p.event, self.schedule.acronym, session_ids)
            fixed = self.fixed and i not in unfixed
            sessions.append(self._session(p, sid, track_ids, fixed, i in room_only))
        doc = tomlkit.document()
        self._comments(doc, origin)
        doc["festival"] = head
        if track_ids:
            doc["tracks"] = tracks
        doc["venues"] = venues
        if self.people:
            doc["people"] = self._people_table()
        doc["sessions"] = sessions
        weights = tomlkit.table()
        weights.add(tomlkit.comment("the published programme is the goal: no other goal weighs"))
        weights["spread"] = 0
        weights["track_days"] = 0
        doc["weights"] = weights
        return doc

    def _comments(self, doc: tomlkit.TOMLDocument, origin: str) -> None:
        schedule = self.schedule
        add = doc.add
        add(tomlkit.comment(f"Imported by festival {__version__} from {origin or 'a schedule'}"))
        add(tomlkit.comment(f"(frab / c3voc schedule format, version {schedule.version[:60]!r})."))
        add(tomlkit.comment("What the source does not say, and is set here to be filled in:"))
        if not schedule.city:
            add(
                tomlkit.comment("  - the source names no city: every room is in one (venues.city);")
            )
        add(
            tomlkit.comment(
                "  - a capacity of 0 means unknown: no attendance is checked against it;"
            )
        )
        add(
            tomlkit.comment(
                "  - a room is open from its first event's start to its last event's end,"
            )
        )
        add(tomlkit.comment("    every day (venues.hours)."))  # fmt: skip
        if self.fixed:
            add(tomlkit.comment("Each event is fixed where it was published (--fixed)."))
        else:
            add(
                tomlkit.comment(
                    f"Each event wishes for its published room (weight {ROOM_WEIGHT}) and start "
                    f"(weight {TIME_WEIGHT})."
                )
            )
        if self.problems:
            add(tomlkit.comment(f"{len(self.problems)} problem(s) in the source:"))
            for problem in capped(self.problems):
                add(tomlkit.comment(f"  - {one_line(problem)}"))
        add(tomlkit.nl())

    def _head(self, first: object, last: object) -> tomlkit.items.Table:
        schedule = self.schedule
        head = tomlkit.table()
        title = one_line(schedule.title) or "Imported programme"
        head["id"] = slugify(schedule.acronym or title, "festival")
        head["name"] = title
        if ACRONYM.fullmatch(schedule.acronym.lower()):
            head["acronym"] = schedule.acronym.lower()
        head["timezone"] = self.timezone
        head["start"] = first
        head["end"] = last
        head["step"] = f"{self.step}m"
        if WEB_ADDRESS.fullmatch(schedule.url) and len(schedule.url) <= 2000:
            head["url"] = schedule.url
        if one_line(schedule.venue):
            head["venue"] = one_line(schedule.venue)
        if one_line(schedule.city):
            head["city"] = one_line(schedule.city)
        return head

    def _tracks(self) -> tuple[tomlkit.items.AoT, dict[str, str]]:
        used: list[str] = []
        for p in self.placed:
            name = one_line(p.event.track)
            if name and name not in used:
                used.append(name)
        colours = {name: colour for name, colour in self.schedule.tracks}
        track_ids: dict[str, str] = {}
        unique = UniqueIds()
        tracks = tomlkit.aot()
        for index, name in enumerate(used):
            track_ids[name] = unique(slugify(name, f"track-{index + 1}"))
            table = tomlkit.table()
            table["id"] = track_ids[name]
            table["name"] = name
            table["color"] = _colour(colours.get(name, ""), index)
            tracks.append(table)
        return tracks, track_ids

    def _venues(self) -> tomlkit.items.AoT:
        schedule, rooms = self.schedule, self.rooms
        city = one_line(schedule.city) or one_line(schedule.venue)
        city = city or one_line(schedule.title) or "here"
        held: dict[str, list[Placed]] = {}
        for p in self.placed:
            held.setdefault(rooms.venue_of(p), []).append(p)
        venues = tomlkit.aot()
        for name in rooms.order:
            vid = rooms.ids[name]
            table = tomlkit.table()
            table["id"] = vid
            table["name"] = one_line(name) or vid
            table["city"] = city
            table["capacity"] = rooms.capacity.get(name, 0)
            if not rooms.capacity.get(name):
                table["capacity"].comment("unknown")
            table["hours"] = _hours(held.get(vid, []))
            if name in rooms.guid:
                table["guid"] = rooms.guid[name]
            venues.append(table)
        return venues

    def _people(self) -> None:
        """Each person once, by their key in the source, with an id, and their guid and
        integer id where no earlier person has them."""
        person_ids = UniqueIds()
        guids: set[str] = set()
        numbers: set[int] = set()
        for p in self.placed:
            for person in p.event.persons:
                if person.key in self.people:
                    continue
                pid = person_ids(_person_id(person.key, person.name))
                guid = person.guid.lower()
                guid = guid if UUID.fullmatch(guid) and guid not in guids else ""
                number = person.number
                if number is not None and (not 1 <= number <= MAX_EVENT_ID or number in numbers):
                    self.problems.append(
                        f"person {person.name[:60]!r}: id {number} is out of range or another "
                        "person's; a new number is given"
                    )
                    number = None
                guids.update([guid] if guid else [])
                numbers.update([number] if number is not None else [])
                self.people[person.key] = (pid, one_line(person.name), guid, number)

    def _people_table(self) -> tomlkit.items.AoT:
        listed = tomlkit.aot()
        for pid, name, guid, number in self.people.values():
            table = tomlkit.table()
            table["id"] = pid
            table["name"] = name
            if guid:
                table["guid"] = guid
            if number is not None:
                table["person_id"] = number
            listed.append(table)
        return listed

    def _session(
        self,
        p: Placed,
        sid: str,
        track_ids: dict[str, str],
        fixed: bool,
        room_only: bool,
    ) -> tomlkit.items.Table:
        event = p.event
        table = tomlkit.table()
        table["id"] = sid
        table["title"] = one_line(event.title) or f"Event {event.number or sid}"
        if one_line(event.subtitle):
            table["subtitle"] = one_line(event.subtitle)
        kind = one_line(event.type)[:60].strip()
        if kind:
            table["type"] = kind
        table["duration"] = f"{p.minutes}m"
        track = one_line(event.track)
        if track:
            table["track"] = track_ids[track]
        if LANGUAGE_TAG.fullmatch(event.language.strip()):
            table["language"] = event.language.strip()
        ids = list(dict.fromkeys(self.people[person.key][0] for person in event.persons))
        if ids:
            table["people"] = ids
        for key, text in (("abstract", event.abstract), ("description", event.description)):
            text = plain(text)
            if text:
                table[key] = tomlkit.string(text, multiline="\n" in text)
        links = self._links(event)
        if links:
            table["links"] = links
        if event.do_not_record:
            table["do_not_record"] = True
        if p.guid:
            table["guid"] = p.guid
        if p.number is not None:
            table["event_id"] = p.number
        if fixed:
            place = tomlkit.inline_table()
            place["start"] = _wall_clock(p.start)
            place["venue"] = self.rooms.venue_of(p)
            table["fixed"] = place
        else:
            table["prefer"] = _wishes(p, self.rooms.venue_of(p), room_only)
        return table

    def _links(self, event: Event) -> tomlkit.items.Array:
        links = tomlkit.array()
        for link in event.links:
            url = link.url.strip()
            if not WEB_ADDRESS.fullmatch(url) or len(url) > 2000:
                self.problems.append(
                    f"{event.about()}: link {url[:60]!r} is not a web address; left out"
                )
                continue
            item = tomlkit.inline_table()
            item["title"] = one_line(link.title) or url
            item["url"] = url
            links.append(item)
        return links


def _wall_clock(start: datetime) -> datetime:
    """A start as the definition states it: on the festival's wall clock (so that a zone
    changed later keeps the published times), except in the second pass of a repeated
    hour, which only its UTC offset names."""
    start = start.replace(second=0, microsecond=0)
    return start if start.fold else start.replace(tzinfo=None)


def _wishes(p: Placed, venue: str, room_only: bool) -> tomlkit.items.Array:
    wishes = tomlkit.array()
    room = tomlkit.inline_table()
    room.update({"venues": [venue], "weight": ROOM_WEIGHT})
    wishes.append(room)
    if not room_only:
        end = p.end
        window = tomlkit.inline_table()
        window["dates"] = [p.start.date()]
        closes = "24:00" if end.date() > p.start.date() else end.strftime("%H:%M")
        window["time"] = f"{p.start.strftime('%H:%M')}-{closes}"
        window["weight"] = TIME_WEIGHT
        wishes.append(window)
    return wishes


def _colour(given: str, index: int) -> str:
    if re.fullmatch(r"#[0-9a-fA-F]{6}", given):
        return given.lower()
    try:
        return webcolors.name_to_hex(given) if given else PALETTE[index % len(PALETTE)]
    except ValueError:
        return PALETTE[index % len(PALETTE)]


def _hours(events: list[Placed]) -> str:
    """From the earliest start to the latest end of `events` on the wall clock, widened
    so that each of them fits (one that runs past midnight, or one that is longer than
    the wall clock shows on a day the clocks go back)."""
    if not events:
        return "00:00-24:00"
    opens = min(p.minute() for p in events)
    closes = max(
        1440 if p.end.date() > p.start.date() else p.end.hour * 60 + p.end.minute for p in events
    )
    longest = max(p.minutes for p in events)
    closes = max(closes, min(1440, opens + longest))
    opens = min(opens, closes - longest)
    return clock_window(opens, closes)


def refused_by_check(error: BadInput, source: str) -> ImportRefused:
    """A definition written from `source` that its own check refuses: the source says
    something the format allows but a definition cannot hold (listed), not a bug."""
    listed = "\n".join(f"  {line}" for line in str(error).splitlines())
    return ImportRefused(
        f"{source}: what it holds cannot be planned as written; nothing was written. "
        f"The definition made from it fails its check:\n{listed}"
    )


class CannotWriteDefinition(CannotWrite):
    """The definition file could not be written."""


def check_target(path: Path, force: bool) -> None:
    """Refuse (`BadInput`) to write over anything but a regular file, and over one at all
    without `force`."""
    try:
        files.refuse_unless_regular_or_new(path)
    except files.Unreadable as error:
        raise BadInput(f"{path}: {error.reason}") from None
    if path.exists() and not force:
        raise BadInput(f"{path}: exists; pass --force to replace it")


def write(text: str, path: Path) -> None:
    """Write `text` to `path` in one step: a reader sees the old file or the new one. Only
    a new path or a regular file is replaced."""
    path = Path(path)
    temporary = path.with_name(f".{path.name}.festival-part")
    try:
        with open(temporary, "x", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        files.refuse_unless_regular_or_new(path)  # it may have changed since the check
        os.replace(temporary, path)
    except files.Unreadable as error:
        temporary.unlink(missing_ok=True)
        raise BadInput(f"{path}: {error.reason}") from None
    except FileExistsError:
        raise CannotWriteDefinition(
            f"cannot write {path}: {temporary} exists (another import writing it?); "
            "remove it and try again"
        ) from None
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise CannotWriteDefinition(f"cannot write {path}: {error.strerror or error}") from None
