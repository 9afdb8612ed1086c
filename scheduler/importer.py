"""Turn a frab / c3voc schedule (`scheduler.frab_reader`) into a festival definition.

`definition(schedule)` writes the TOML an organiser then plans with `festival plan`:

- the festival's window from the conference's dates and its events, its zone from
  `time_zone_name` (else UTC), its step from `timeslot_duration`;
- rooms become venues (in one city, which the format does not name), open from the
  earliest start to the latest end of their events; capacity from the source, else 0
  with a comment (unknown: nothing is checked against it);
- tracks keep their names and colours, persons become people with ids that stay the
  same on every import of the same source (from their guid, code, id or name);
- events become sessions: title, duration, track, language, abstract and description,
  persons; each keeps its guid and number so that an export after planning names the
  same events. Its published room and start become wishes (`prefer`), so that a plan
  keeps the published programme where the rules allow, or with `fixed=True` its
  `fixed` place.

What the source gets wrong is imported as far as it is consistent and listed, each
problem with the event's id and title: events that overlap in a room or give a
person two places at once (both imported; with `fixed=True` only the first is fixed),
durations of zero or of more than a day and unreadable times (left out), events
outside their day's bounds, repeated ids or guids (the repeat gets new ones), persons
without a name, unknown rooms.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import tomlkit
import webcolors

from . import __version__
from .errors import CannotWrite
from .frab_reader import Event, Schedule
from .values import ACRONYM, LANGUAGE_TAG, MAX_EVENT_ID, MAX_WINDOW, SLUG, ZONE_NAME

#: how much each part of the published place weighs: the room before the time
ROOM_WEIGHT = 20
TIME_WEIGHT = 10
DEFAULT_STEP = 5
#: colours for tracks the source gives none, in turn
PALETTE = ("teal", "royalblue", "darkorange", "mediumpurple", "crimson", "seagreen", "goldenrod")
LONGEST = 24 * 60  # minutes: a session lies within one day
UUID = r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}"  # canonical, lower case


@dataclass(frozen=True)
class Imported:
    """A definition written from a schedule: its TOML text, and what was wrong."""

    text: str
    problems: tuple[str, ...]
    sessions: int
    venues: int
    people: int


@dataclass(frozen=True)
class _Placed:
    """An event that will be a session, with its wall-clock place and its new ids."""

    event: Event
    session: str
    start: datetime  # aware, on the festival's clock
    minutes: int
    venue: str
    number: int | None
    guid: str


def slugify(text: str, fallback: str) -> str:
    """An id from `text`: lower-case ASCII letters, digits and '-' (`fallback` if none)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:48].strip("-")
    return slug or fallback


def _unique(wanted: str, taken: set[str]) -> str:
    found, n = wanted, 2
    while found in taken:
        found = f"{wanted}-{n}"
        n += 1
    taken.add(found)
    return found


def _one_line(text: str) -> str:
    return " ".join(_printable(text).split())


def _printable(text: str) -> str:
    """Text a definition accepts: line ends as "\\n", no other control characters."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return re.sub(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]", " ", text)


def _zone(schedule: Schedule, problems: list[str]) -> str:
    name = schedule.timezone
    try:
        if name and len(name) <= 60 and ZONE_NAME.match(name):
            ZoneInfo(name)
            return name
    except (ZoneInfoNotFoundError, ValueError, OSError):
        pass
    offsets = Counter(e.start.utcoffset() for e in schedule.events if e.start and e.start.tzinfo)
    said = f"time zone {name!r} is not an IANA zone" if name else "no time_zone_name"
    offset = offsets.most_common(1)[0][0] if offsets else timedelta(0)
    hours, rest = divmod(int(offset.total_seconds()), 3600)
    zone = "UTC" if not hours or rest else f"Etc/GMT{-hours:+d}"
    problems.append(
        f"conference: {said}; {zone} is used, from the events' UTC offsets"
        + (
            ""
            if len(offsets) <= 1
            else " (they differ: set festival.timezone to the conference's zone)"
        )
    )
    return zone


def _step(schedule: Schedule, problems: list[str]) -> int:
    slot = schedule.timeslot
    if slot and 1440 % slot == 0:
        return slot
    said = f"timeslot_duration of {slot} minutes" if slot else "no readable timeslot_duration"
    problems.append(
        f"conference: {said}; a {DEFAULT_STEP}-minute step is used (a step divides a day)"
    )
    return DEFAULT_STEP


def _session_id(event: Event, acronym: str, taken: set[str]) -> str:
    """The session's id: the slug's tail after `<acronym>-<id>-` where it is one, else
    `e<id>`, else from the guid or the title."""
    tail = ""
    if event.slug and event.number is not None:
        match = re.fullmatch(rf"(?i){re.escape(acronym)}-{event.number}-(.+)", event.slug)
        tail = match.group(1).lower() if match else ""
    if tail and SLUG.match(tail) and len(tail) <= 60:
        return _unique(tail, taken)
    if event.number is not None:
        return _unique(f"e{event.number}", taken)
    if event.guid:
        return _unique(f"e-{event.guid.lower()[:8]}", taken)
    return _unique(slugify(event.title, "session"), taken)


def _person_id(key: str, name: str) -> str:
    kind, _, value = key.partition(":")
    if kind == "id":
        return f"p{value}"
    if kind == "code" and re.fullmatch(r"[A-Za-z0-9]{1,20}", value):
        return f"p-{value.lower()}"
    readable = slugify(name, "person")[:30].strip("-")
    return f"{readable}-{hashlib.sha256(key.encode()).hexdigest()[:6]}"


def _local(moment: datetime, tz: ZoneInfo) -> datetime:
    """An event time on the festival's clock (a time without offset is read on it)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=tz)
    return moment.astimezone(tz)


def definition(schedule: Schedule, *, fixed: bool = False, origin: str = "") -> Imported:
    """A festival definition (TOML) holding `schedule`; see the module's text."""
    problems = list(schedule.problems)
    timezone = _zone(schedule, problems)
    tz = ZoneInfo(timezone)
    step = _step(schedule, problems)
    acronym = schedule.acronym

    # rooms, in the order the source lists them, then those only events name
    room_order = [r.name for r in schedule.rooms]
    for event in schedule.events:
        if event.room and event.room not in room_order:
            room_order.append(event.room)
            if schedule.rooms:
                problems.append(f"{event.about()}: room {event.room!r} is not listed; added")
    venue_ids: dict[str, str] = {}
    taken: set[str] = set()
    for index, name in enumerate(room_order, start=1):
        venue_ids[name] = _unique(slugify(name, f"room-{index}"), taken)

    placed: list[_Placed] = []
    session_ids: set[str] = set()
    numbers: set[int] = set()
    guids: set[str] = set()
    for event in schedule.events:
        about = event.about()
        if event.minutes is None:
            problems.append(f"{about}: duration {event.duration!r} is not HH:MM; left out")
            continue
        if event.minutes <= 0:
            problems.append(f"{about}: duration {event.duration!r} is empty; left out")
            continue
        if event.minutes > LONGEST:
            problems.append(
                f"{about}: duration {event.duration!r} is longer than a day; left out "
                "(a session lies within one day)"
            )
            continue
        if event.start is None:
            problems.append(f"{about}: no readable date and start; left out")
            continue
        if not event.room:
            problems.append(f"{about}: names no room; left out")
            continue
        number = event.number
        if number is not None and not 1 <= number <= MAX_EVENT_ID:
            problems.append(f"{about}: id {number} is out of range; a new number is given")
            number = None
        if number is not None and number in numbers:
            problems.append(
                f"{about}: id {number} is used by an earlier event; a new number is given"
            )
            number = None
        guid = event.guid.lower()
        if guid and not re.fullmatch(UUID, guid):
            problems.append(f"{about}: guid {event.guid!r} is not a UUID; a new guid is given")
            guid = ""
        if guid and guid in guids:
            problems.append(
                f"{about}: guid {guid} is used by an earlier event; a new guid is given"
            )
            guid = ""
        if number is not None:
            numbers.add(number)
        if guid:
            guids.add(guid)
        if not event.title:
            problems.append(f"{about}: has no title; titled after its id")
        start = _local(event.start, tz)
        placed.append(
            _Placed(
                event,
                _session_id(event, acronym, session_ids),
                start,
                event.minutes,
                venue_ids[event.room],
                number,
                guid,
            )
        )

    placed = _within_window(schedule, placed, problems)
    _report_outside_days(placed, problems)
    _report_off_grid(placed, step, problems)
    wished_only = _report_clashes(placed, problems, fixed)
    crossing = {p.session for p in placed if _crosses_midnight(p)}
    for p in placed:
        if p.session in crossing:
            problems.append(
                f"{p.event.about()}: runs past midnight; a venue's hours lie within one day, "
                "so only its room is kept as a wish"
            )

    document = _document(
        schedule,
        placed,
        venue_ids,
        room_order,
        timezone,
        step,
        fixed,
        wished_only,
        crossing | {p.session for p in placed if not _on_grid(p, step)},
        origin,
        problems,
    )
    people = {person.key for p in placed for person in p.event.persons}
    return Imported(
        tomlkit.dumps(document), tuple(problems), len(placed), len(venue_ids), len(people)
    )


def _within_window(schedule: Schedule, placed: list[_Placed], problems: list[str]) -> list[_Placed]:
    """Events on the conference's dates; one outside them is reported, and kept while the
    festival's window stays within a year (`MAX_WINDOW`), else left out."""
    dates = sorted(p.start.date() for p in placed)
    first = schedule.start or (dates[len(dates) // 2] if dates else None)
    last = schedule.end or first
    if first is None or last is None:
        return placed
    first, last = min(first, last), max(first, last)
    kept = []
    for p in sorted(placed, key=lambda p: abs((p.start.date() - first).days)):
        day = p.start.date()
        if first <= day <= last:
            kept.append(p)
            continue
        wider = (max(last, day) - min(first, day)).days
        if wider < MAX_WINDOW:
            problems.append(
                f"{p.event.about()}: on {day}, outside the conference's dates "
                f"({schedule.start} to {schedule.end}); imported, the festival's window widened"
            )
            first, last = min(first, day), max(last, day)
            kept.append(p)
        else:
            problems.append(
                f"{p.event.about()}: on {day}, a year or more from the conference's dates; left out"
            )
    order = {id(p): i for i, p in enumerate(placed)}
    return sorted(kept, key=lambda p: order[id(p)])


def _report_off_grid(placed: list[_Placed], step: int, problems: list[str]) -> None:
    for p in placed:
        if not _on_grid(p, step):
            problems.append(
                f"{p.event.about()}: starts at {p.start:%H:%M}, off the {step}-minute grid; "
                "only its room is kept"
            )


def _on_grid(p: _Placed, step: int) -> bool:
    return _minute(p.start) % step == 0


def _end(p: _Placed) -> datetime:
    return (p.start.astimezone(UTC) + timedelta(minutes=p.minutes)).astimezone(p.start.tzinfo)


def _crosses_midnight(p: _Placed) -> bool:
    end = _end(p)
    return end.date() != p.start.date() and not (
        end.date() == p.start.date() + timedelta(days=1) and end.hour == end.minute == 0
    )


def _report_outside_days(placed: list[_Placed], problems: list[str]) -> None:
    for p in placed:
        day = p.event.day
        if day is None or day.start is None or day.end is None:
            continue
        first, last = _aware(day.start, p.start), _aware(day.end, p.start)
        if p.start < first or _end(p) > last:
            problems.append(
                f"{p.event.about()}: lies outside its day "
                f"({first.isoformat()} to {last.isoformat()}); imported as published"
            )


def _aware(moment: datetime, like: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=like.tzinfo)


def _report_clashes(placed: list[_Placed], problems: list[str], fixed: bool) -> set[str]:
    """List events that overlap in a room or give a person two places at once; the
    sessions that cannot be fixed because of it (the later of each pair)."""
    later: set[str] = set()
    consequence = "; only the first is fixed" if fixed else "; the plan separates them"

    def overlapping(group: list[_Placed]) -> list[tuple[_Placed, _Placed]]:
        ordered = sorted(group, key=lambda p: (p.start, p.session))
        pairs = []
        for i, first in enumerate(ordered):
            for second in ordered[i + 1 :]:
                if second.start >= _end(first):
                    break
                pairs.append((first, second))
        return pairs

    by_room: dict[str, list[_Placed]] = defaultdict(list)
    by_person: dict[str, list[_Placed]] = defaultdict(list)
    names: dict[str, str] = {}
    for p in placed:
        by_room[p.venue].append(p)
        for person in p.event.persons:
            by_person[person.key].append(p)
            names.setdefault(person.key, person.name)
    for group in by_room.values():
        for first, second in overlapping(group):
            problems.append(
                f"{second.event.about()}: overlaps {first.event.about()} in room "
                f"{second.event.room!r}{consequence}"
            )
            later.add(second.session)
    for key, group in by_person.items():
        for first, second in overlapping(group):
            if first.venue == second.venue:
                continue  # already listed as an overlap in the room
            problems.append(
                f"{second.event.about()}: {names[key]!r} is also in {first.event.about()} "
                f"at that time{consequence}"
            )
            later.add(second.session)
    return later


def _document(
    schedule: Schedule,
    placed: list[_Placed],
    venue_ids: dict[str, str],
    room_order: list[str],
    timezone: str,
    step: int,
    fixed: bool,
    wished_only: set[str],
    room_only: set[str],
    origin: str,
    problems: list[str],
) -> tomlkit.TOMLDocument:
    doc = tomlkit.document()
    doc.add(tomlkit.comment(f"Imported by festival {__version__} from {origin or 'a schedule'}"))
    doc.add(tomlkit.comment(f"(frab / c3voc schedule format, version {schedule.version!r})."))
    doc.add(tomlkit.comment("What the source does not say, and is set here to be filled in:"))
    doc.add(tomlkit.comment("  - every room is in one city (venues.city);"))
    doc.add(
        tomlkit.comment("  - a capacity of 0 means unknown: no attendance is checked against it;")
    )
    doc.add(
        tomlkit.comment("  - a room is open from its first event's start to its last event's end,")
    )
    doc.add(tomlkit.comment("    every day (venues.hours)."))
    if fixed:
        doc.add(tomlkit.comment("Each event is fixed where it was published (--fixed)."))
    else:
        doc.add(
            tomlkit.comment(
                f"Each event wishes for its published room (weight {ROOM_WEIGHT}) and start "
                f"(weight {TIME_WEIGHT})."
            )
        )
    if problems:
        doc.add(tomlkit.comment(f"{len(problems)} problem(s) in the source:"))
        for problem in problems:
            doc.add(tomlkit.comment(f"  - {_one_line(problem)}"))
    doc.add(tomlkit.nl())

    dates = [p.start.date() for p in placed]
    dates += [d for d in (schedule.start, schedule.end) if d]
    first = min(dates, default=date.today())
    last = max(dates, default=first)
    head = tomlkit.table()
    title = _one_line(schedule.title) or "Imported programme"
    head["id"] = slugify(schedule.acronym or title, "festival")
    head["name"] = title
    if ACRONYM.fullmatch(schedule.acronym.lower()):
        head["acronym"] = schedule.acronym.lower()
    head["timezone"] = timezone
    head["start"] = first
    head["end"] = last
    head["step"] = f"{step}m"
    if schedule.url.startswith(("http://", "https://")):
        head["url"] = schedule.url
    doc["festival"] = head

    used_tracks = []
    for p in placed:
        name = _one_line(p.event.track)
        if name and name not in used_tracks:
            used_tracks.append(name)
    colours = {name: colour for name, colour in schedule.tracks}
    track_ids: dict[str, str] = {}
    taken: set[str] = set()
    tracks = tomlkit.aot()
    for index, name in enumerate(used_tracks):
        track_ids[name] = _unique(slugify(name, f"track-{index + 1}"), taken)
        table = tomlkit.table()
        table["id"] = track_ids[name]
        table["name"] = name
        table["color"] = _colour(colours.get(name, ""), index)
        tracks.append(table)
    if used_tracks:
        doc["tracks"] = tracks

    capacity = {r.name: r.capacity for r in schedule.rooms}
    guid_of = {r.name: r.guid.lower() for r in schedule.rooms}
    city = _one_line(schedule.title) or "here"
    venues = tomlkit.aot()
    for name in room_order:
        vid = venue_ids[name]
        mine = [p for p in placed if p.venue == vid]
        table = tomlkit.table()
        table["id"] = vid
        table["name"] = _one_line(name) or vid
        table["city"] = city
        table["capacity"] = capacity.get(name, 0)
        if not capacity.get(name):
            table["capacity"].comment("unknown")
        table["hours"] = _hours(mine)
        if re.fullmatch(UUID, guid_of.get(name, "")):
            table["guid"] = guid_of[name]
        venues.append(table)
    doc["venues"] = venues

    people: dict[str, tuple[str, str, str]] = {}  # key → id, name, guid
    person_ids: set[str] = set()
    for p in placed:
        for person in p.event.persons:
            if person.key not in people:
                pid = _unique(_person_id(person.key, person.name), person_ids)
                people[person.key] = (pid, _one_line(person.name), person.guid.lower())
    if people:
        listed = tomlkit.aot()
        seen_guids: set[str] = set()
        for pid, name, guid in people.values():
            table = tomlkit.table()
            table["id"] = pid
            table["name"] = name
            if re.fullmatch(UUID, guid) and guid not in seen_guids:
                table["guid"] = guid
                seen_guids.add(guid)
            listed.append(table)
        doc["people"] = listed

    sessions = tomlkit.aot()
    for p in placed:
        sessions.append(
            _session(
                p,
                track_ids,
                people,
                fixed and p.session not in wished_only | room_only,
                p.session in room_only,
            )
        )
    doc["sessions"] = sessions
    weights = tomlkit.table()
    weights.add(tomlkit.comment("the published programme is the goal: no other goal weighs"))
    weights["spread"] = 0
    weights["track_days"] = 0
    doc["weights"] = weights
    return doc


def _colour(given: str, index: int) -> str:
    if re.fullmatch(r"#[0-9a-fA-F]{6}", given):
        return given.lower()
    try:
        return webcolors.name_to_hex(given) if given else PALETTE[index % len(PALETTE)]
    except ValueError:
        return PALETTE[index % len(PALETTE)]


def _hours(events: list[_Placed]) -> str:
    """From the earliest start to the latest end of `events` on the wall clock, widened
    so that each of them fits (one that runs past midnight, or one that is longer than
    the wall clock shows on a day the clocks go back)."""
    if not events:
        return "00:00-24:00"
    opens = min(_minute(p.start) for p in events)
    closes = max(1440 if _end(p).date() > p.start.date() else _minute(_end(p)) for p in events)
    longest = max(p.minutes for p in events)
    closes = max(closes, min(1440, opens + longest))
    opens = min(opens, closes - longest)
    return f"{opens // 60:02d}:{opens % 60:02d}-{closes // 60:02d}:{closes % 60:02d}"


def _minute(moment: datetime) -> int:
    return moment.hour * 60 + moment.minute


def _session(
    p: _Placed,
    track_ids: dict[str, str],
    people: dict[str, tuple[str, str, str]],
    fixed: bool,
    room_only: bool,
) -> tomlkit.items.Table:
    event = p.event
    table = tomlkit.table()
    table["id"] = p.session
    table["title"] = _one_line(event.title) or f"Event {event.number or p.session}"
    table["duration"] = f"{p.minutes}m"
    track = _one_line(event.track)
    if track:
        table["track"] = track_ids[track]
    if LANGUAGE_TAG.fullmatch(event.language.strip()):
        table["language"] = event.language.strip()
    ids = list(dict.fromkeys(people[person.key][0] for person in event.persons))
    if ids:
        table["people"] = ids
    description = _description(event)
    if description:
        table["description"] = tomlkit.string(description, multiline="\n" in description)
    if p.guid:
        table["guid"] = p.guid
    if p.number is not None:
        table["event_id"] = p.number
    if fixed:
        place = tomlkit.inline_table()
        place["start"] = p.start.replace(second=0, microsecond=0)
        place["venue"] = p.venue
        table["fixed"] = place
    else:
        wishes = tomlkit.array()
        room = tomlkit.inline_table()
        room.update({"venues": [p.venue], "weight": ROOM_WEIGHT})
        wishes.append(room)
        if not room_only:
            end = _end(p)
            window = tomlkit.inline_table()
            window["dates"] = [p.start.date()]
            closes = "24:00" if end.date() > p.start.date() else end.strftime("%H:%M")
            window["time"] = f"{p.start.strftime('%H:%M')}-{closes}"
            window["weight"] = TIME_WEIGHT
            wishes.append(window)
        table["prefer"] = wishes
    return table


def _description(event: Event) -> str:
    """The abstract, then the description (once, if one repeats the other)."""
    abstract = _printable(event.abstract).strip()
    text = _printable(event.description).strip()
    if not abstract or abstract in text:
        return text
    if not text or text in abstract:
        return abstract
    return f"{abstract}\n\n{text}"


class CannotWriteDefinition(CannotWrite):
    """The definition file could not be written."""


def write(text: str, path: Path) -> None:
    """Write `text` to `path` in one step: a reader sees the old file or the new one."""
    path = Path(path)
    temporary = path.with_name(f".{path.name}.festival-part")
    try:
        with open(temporary, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise CannotWriteDefinition(f"cannot write {path}: {error.strerror or error}") from None
