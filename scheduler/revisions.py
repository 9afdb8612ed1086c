"""Revisions of published sessions: SEQUENCE, LAST-MODIFIED and cancellations.

The previous `timetable.json` is the published plan (the *baseline*). Comparing
the new timetable with it, each session keeps its `sequence` and
`last_modified` when nothing calendars show changed, so its event stays
byte-identical in every feed. Any change a subscriber sees (time, venue,
status, title, people, description, location text, and the names of its track
and people) is a new revision:
`sequence + 1` and a new `last_modified` (Google Calendar and Outlook.com
ignore an updated event whose SEQUENCE did not increase). A session removed
from the definition stays published as cancelled until it has ended.

`read_published` checks every field of a timetable.json for type and range, so
a damaged or hostile file is one clear error, never a crash.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import days, files
from .errors import BadInput
from .model import Entry, Festival, Timetable


class BaselineError(BadInput, ValueError):
    """The published timetable cannot be used as the baseline."""


def location(festival: Festival, venue_id: str) -> str:
    venue = festival.venue(venue_id)
    return f"{venue.name}, {venue.address}" if venue.address else venue.name


def _wall_text(festival: Festival, moment: datetime) -> str:
    """An instant as the digest records it: the wall-clock time, with the offset only
    where the wall clock shows it twice (so digests made before instants stay valid)."""
    wall = days.local(festival, moment)
    naive = wall.replace(tzinfo=None).isoformat()
    return naive if days.is_unambiguous(wall) else wall.isoformat()


def _digest(festival: Festival, entry: Entry) -> str:
    """A hash of everything a subscriber sees of the session: its text, its place and
    times, and the names its track and people have now (a rename is a new revision)."""
    track = next((t.name for t in festival.tracks if t.id == entry.track), entry.track)
    names = {p.id: p.name for p in festival.people}
    shown = [*_legacy_shown(festival, entry), track, [names.get(p, p) for p in entry.people]]
    return _hash([*shown, entry.subtitle, entry.abstract])


def _legacy_shown(festival: Festival, entry: Entry) -> list[Any]:
    return [
        entry.title,
        entry.track,
        entry.venue,
        entry.location,
        list(entry.people),
        entry.description,
        _wall_text(festival, entry.start),
        _wall_text(festival, entry.end),
        entry.status,
    ]


def _legacy_digest(festival: Festival, entry: Entry) -> str:
    """The digest as versions before names were part of it wrote it: a baseline that
    matches it is unchanged (so an upgrade alone revises nothing)."""
    return _hash(_legacy_shown(festival, entry))


def _hash(shown: list[Any]) -> str:
    text = json.dumps(shown, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _fresh_entries(festival: Festival, timetable: Timetable, now: datetime) -> list[Entry]:
    entries = []
    for p in timetable.placements:
        s = festival.session(p.session)
        entry = Entry(
            session=s.id,
            title=s.title,
            track=s.track,
            venue=p.venue,
            location=location(festival, p.venue),
            city=festival.venue(p.venue).city,
            start=p.start,
            end=p.end,
            people=s.people,
            description=s.description,
            status="CONFIRMED",
            sequence=0,
            last_modified=now,
            digest="",
            subtitle=s.subtitle,
            abstract=s.abstract,
        )
        entries.append(replace(entry, digest=_digest(festival, entry)))
    return entries


def revise(
    festival: Festival, timetable: Timetable, baseline: Mapping[str, Entry], now: datetime
) -> tuple[Entry, ...]:
    """The entries to publish, revised against `baseline` (session id → entry)."""
    now = now.astimezone(UTC).replace(microsecond=0)
    revised = []
    for entry in _fresh_entries(festival, timetable, now):
        old = baseline.get(entry.session)
        if old is None:
            revised.append(entry)
        else:
            moved = old.status == "CONFIRMED" and old.start != entry.start
            previous = old.start if moved else old.previous_start
            entry = replace(entry, previous_start=previous)
            if old.digest in (entry.digest, _legacy_digest(festival, entry)):
                entry = replace(entry, sequence=old.sequence, last_modified=old.last_modified)
            else:  # anything a subscriber sees changed: a new revision
                entry = replace(entry, sequence=old.sequence + 1)
            revised.append(entry)
    kept = {e.session for e in revised}
    for old in baseline.values():
        if old.session in kept:
            continue
        if old.status == "CANCELLED":
            if old.end > now:
                revised.append(old)
            continue
        if old.end <= now:
            continue  # already held: nothing to tell subscribers
        cancelled = replace(old, status="CANCELLED", sequence=old.sequence + 1, last_modified=now)
        revised.append(replace(cancelled, digest=_digest(festival, cancelled)))
    revised.sort(key=lambda e: (e.start, e.venue, e.session))
    return tuple(numbered(festival, revised, baseline))


def numbered(
    festival: Festival, entries: list[Entry], baseline: Mapping[str, Entry]
) -> list[Entry]:
    """`entries` with their event numbers (`Entry.number`, the `id` of conference-app
    exports): a session's `event_id` if the definition gives one, else its published
    number, else the next number never used, in time order. No two entries share one."""
    numbers = {s.id: s.event_id for s in festival.sessions if s.event_id is not None}
    taken = set(numbers.values())
    for entry in entries:
        old = baseline.get(entry.session)
        if entry.session not in numbers and old is not None and old.number not in taken | {0}:
            numbers[entry.session] = old.number
            taken.add(old.number)
    following = max(taken | {old.number for old in baseline.values()}, default=0) + 1
    for entry in entries:
        if entry.session not in numbers:
            while following in taken:
                following += 1
            numbers[entry.session] = following
            taken.add(following)
    return [replace(e, number=numbers[e.session]) for e in entries]


def person_numbers(festival: Festival, published: Mapping[str, int]) -> dict[str, int]:
    """Each person's number in conference-app exports (a `<person id>`), by person id:
    their `person_id` if the definition gives one, else their published number, else the
    next number never used, in definition order. Published numbers of people no longer
    defined stay reserved (listed too), so a number never passes to another person."""
    numbers = {p.id: p.person_id for p in festival.people if p.person_id is not None}
    taken = set(numbers.values())
    for person, number in sorted(published.items(), key=lambda item: item[1]):
        if person not in numbers and number not in taken:
            numbers[person] = number
            taken.add(number)
    following = max(taken | set(published.values()), default=0) + 1
    for p in festival.people:
        if p.id not in numbers:
            while following in taken:
                following += 1
            numbers[p.id] = following
            taken.add(following)
    return dict(sorted(numbers.items(), key=lambda item: (item[1], item[0])))


def entry_to_json(festival: Festival, entry: Entry) -> dict[str, Any]:
    return {
        "id": entry.session,
        "title": entry.title,
        "track": entry.track,
        "venue": entry.venue,
        "city": entry.city,
        "location": entry.location,
        "start": days.iso(festival, entry.start),
        "end": days.iso(festival, entry.end),
        "people": list(entry.people),
        "description": entry.description,
        "status": entry.status,
        "sequence": entry.sequence,
        "last_modified": entry.last_modified.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "digest": entry.digest,
        "number": entry.number,
        **(
            {"previous_start": days.iso(festival, entry.previous_start)}
            if entry.previous_start is not None
            else {}
        ),
        **({"subtitle": entry.subtitle} if entry.subtitle else {}),
        **({"abstract": entry.abstract} if entry.abstract else {}),
    }


#: what to do about a timetable.json that cannot be used, said after every reason
ADVICE = (
    "repair or restore the file, or move it away (revision numbers then start again "
    "from 0), or pass --baseline with an intact copy"
)
_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{0,99}")
_ZONE = re.compile(r"[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+)*")
_LAST_MODIFIED = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
MAX_SEQUENCE = 2**31 - 1  # RFC 5545 SEQUENCE is an integer; clients store it in 32 bits
#: the largest timetable.json read, in bytes (10,000 sessions take about 10 MB)
MAX_BYTES = 256 * 2**20


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


class _Reader:
    """Typed reading of a parsed timetable.json: every field's type and range is checked,
    and a failure names its key path."""

    def __init__(self, path: Path):
        self.path = path

    def fail(self, where: str, what: str) -> BaselineError:
        return BaselineError(f"{self.path}: {where}: {what}; {ADVICE}")

    def table(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, "expected an object")
        return value

    def text(self, item: dict[str, Any], key: str, where: str, default: str | None = None) -> str:
        value = item.get(key, default)
        if not isinstance(value, str) or len(value) > 100_000:
            raise self.fail(f"{where}.{key}", f"expected text, found {_kind(value)}")
        return value

    def slug(self, item: dict[str, Any], key: str, where: str) -> str:
        value = self.text(item, key, where)
        if not _SLUG.fullmatch(value):
            raise self.fail(f"{where}.{key}", "expected an id of lower-case letters and digits")
        return value

    def moment(self, item: dict[str, Any], key: str, where: str) -> datetime:
        text = self.text(item, key, where)
        try:
            moment = datetime.fromisoformat(text) if len(text) <= 40 else None
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None or not 1900 <= moment.year <= 2199:
            raise self.fail(
                f"{where}.{key}", "expected a date and time with its UTC offset, 1900 to 2199"
            )
        return moment.astimezone(UTC)

    def entry(self, item: Any, where: str) -> Entry:
        item = self.table(item, where)
        start, end = self.moment(item, "start", where), self.moment(item, "end", where)
        if end <= start:
            raise self.fail(f"{where}.end", "expected a time after its start")
        people = item.get("people", [])
        if not isinstance(people, list) or not all(isinstance(p, str) for p in people):
            raise self.fail(f"{where}.people", "expected a list of ids")
        status = self.text(item, "status", where, "CONFIRMED")
        if status not in ("CONFIRMED", "CANCELLED"):
            raise self.fail(f"{where}.status", "expected CONFIRMED or CANCELLED")
        sequence = item.get("sequence", 0)
        if not isinstance(sequence, int) or isinstance(sequence, bool):
            raise self.fail(
                f"{where}.sequence", f"expected a whole number, found {_kind(sequence)}"
            )
        if not 0 <= sequence <= MAX_SEQUENCE:
            raise self.fail(f"{where}.sequence", f"expected a number from 0 to {MAX_SEQUENCE}")
        stamp = self.text(item, "last_modified", where, "1970-01-01T00:00:00Z")
        if not _LAST_MODIFIED.fullmatch(stamp):
            raise self.fail(f"{where}.last_modified", "expected YYYY-MM-DDTHH:MM:SSZ")
        try:
            last_modified = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        except ValueError:
            raise self.fail(f"{where}.last_modified", "expected a real date and time") from None
        number = item.get("number", 0)
        if not isinstance(number, int) or isinstance(number, bool):
            raise self.fail(f"{where}.number", f"expected a whole number, found {_kind(number)}")
        if not 0 <= number <= MAX_SEQUENCE:
            raise self.fail(f"{where}.number", f"expected a number from 0 to {MAX_SEQUENCE}")
        track = item.get("track")
        if track is not None and not isinstance(track, str):
            raise self.fail(f"{where}.track", f"expected an id or null, found {_kind(track)}")
        return Entry(
            session=self.slug(item, "id", where),
            title=self.text(item, "title", where),
            track=track,
            venue=self.text(item, "venue", where),
            location=self.text(item, "location", where, ""),
            city=self.text(item, "city", where, ""),
            start=start,
            end=end,
            people=tuple(people),
            description=self.text(item, "description", where, ""),
            status=status,
            sequence=sequence,
            last_modified=last_modified,
            digest=self.text(item, "digest", where, ""),
            number=number,
            previous_start=self.moment(item, "previous_start", where)
            if "previous_start" in item
            else None,
            subtitle=self.text(item, "subtitle", where, ""),
            abstract=self.text(item, "abstract", where, ""),
        )

    def numbers(self, value: Any, where: str) -> dict[str, int]:
        """The people's numbers: an object of person id → number, each number once."""
        table = self.table(value if value is not None else {}, where)
        found: dict[str, int] = {}
        owners: dict[int, str] = {}
        for person, number in table.items():
            at = f"{where}.{person}"
            if not _SLUG.fullmatch(person):
                raise self.fail(at, "expected a person id of lower-case letters and digits")
            if not isinstance(number, int) or isinstance(number, bool):
                raise self.fail(at, f"expected a whole number, found {_kind(number)}")
            if not 1 <= number <= MAX_SEQUENCE:
                raise self.fail(at, f"expected a number from 1 to {MAX_SEQUENCE}")
            if number in owners:
                raise self.fail(at, f"{number} is also the number of {owners[number]!r}")
            owners[number] = person
            found[person] = number
        return found


def _kind(value: Any) -> str:
    """What a JSON value is, for a message (never its possibly huge content)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "a whole number" if abs(value) < 10**30 else "a number of over 30 digits"
    if isinstance(value, float):
        return f"the number {value!r}" if abs(value) < 1e30 else "a huge number"
    if isinstance(value, str):
        return "text"
    return "a list" if isinstance(value, list) else "an object"


@dataclass(frozen=True)
class PublishedPlan:
    """A timetable.json as read back: whose it is, its entries by session id, and the
    people's numbers in conference-app exports by person id."""

    festival: str
    timezone: str
    entries: dict[str, Entry]
    people: dict[str, int] = field(default_factory=dict)


def read_published(path: str | Path) -> PublishedPlan:
    """Read a timetable.json written by `festival plan`; raise `BaselineError` if unusable."""
    path = Path(path)
    try:
        text = files.read_bounded(path, MAX_BYTES).decode("utf-8-sig")
    except files.Unreadable as error:
        if error.reason == "no such file":
            raise BaselineError(f"{path}: no such file") from None
        raise BaselineError(f"{path}: {error.reason}; {ADVICE}") from None
    except UnicodeDecodeError as error:
        raise BaselineError(f"{path}: cannot be read: {error}; {ADVICE}") from None
    try:
        document = json.loads(text, parse_constant=_constant)
    except json.JSONDecodeError as error:
        raise BaselineError(f"{path}: not JSON: {error}; {ADVICE}") from None
    except RecursionError:
        raise BaselineError(f"{path}: nested too deeply to be a timetable.json; {ADVICE}") from None
    except ValueError as error:  # NaN, Infinity, or an integer of thousands of digits
        raise BaselineError(f"{path}: not a timetable.json: {error}; {ADVICE}") from None
    r = _Reader(path)
    document = r.table(document, "(top level)")
    if document.get("format", 1) != 1:
        raise r.fail("format", "written by another version of festival (expected format 1)")
    head = r.table(document.get("festival"), "festival")
    owner = r.slug(head, "id", "festival")
    zone_name = r.text(head, "timezone", "festival")
    try:
        if len(zone_name) > 60 or not _ZONE.fullmatch(zone_name):
            raise ValueError(zone_name)
        ZoneInfo(zone_name)
    except (ValueError, OSError, ZoneInfoNotFoundError):
        raise r.fail("festival.timezone", "expected an IANA time zone") from None
    sessions = document.get("sessions")
    if not isinstance(sessions, list):
        raise r.fail("sessions", f"expected a list, found {_kind(sessions)}")
    entries: dict[str, Entry] = {}
    numbers: dict[int, str] = {}
    for index, item in enumerate(sessions):
        entry = r.entry(item, f"sessions[{index}]")
        if entry.session in entries:
            raise r.fail(f"sessions[{index}].id", f"{entry.session!r} appears twice")
        if entry.number and entry.number in numbers:
            raise r.fail(
                f"sessions[{index}].number",
                f"{entry.number} is also the number of {numbers[entry.number]!r}",
            )
        numbers[entry.number] = entry.session
        entries[entry.session] = entry
    people = r.numbers(document.get("people"), "people")
    return PublishedPlan(owner, zone_name, entries, people)


def read_baseline(path: str | Path, festival: Festival) -> PublishedPlan:
    """The published plan of `festival` in `path` (a timetable.json).

    Times are instants, so a festival that changed time zone keeps its events where
    they were in time."""
    published = read_published(path)
    if published.festival != festival.id:
        raise BaselineError(
            f"{path}: the published timetable belongs to festival {published.festival!r}, not "
            f"{festival.id!r}; publish into another folder or pass --baseline"
        )
    return published
