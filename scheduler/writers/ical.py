"""iCalendar feeds: the whole festival, and one per track, venue and person.

Built with the `icalendar` library. Every event has a stable UID, times with
the festival's TZID and a matching VTIMEZONE (a time inside an hour repeated when
clocks go back is written in UTC instead: RFC 5545 §3.3.5 reads a TZID time there as
the first pass, but clients differ, so neither pass is left to them), and DTSTAMP /
LAST-MODIFIED set
to when the session last changed, so an unchanged plan gives byte-identical
files. Feeds are subscriptions, not invitations: no METHOD property.

Every session is written as a timed event, including sessions that fill their
venue's whole day: an all-day event (VALUE=DATE) is "floating", so it carries
neither the hours nor an instant, and clients in other time zones disagree on
where it begins and ends.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import icalendar
import webcolors
from icalendar.parser import unescape_backslash

from .. import __version__, days
from ..labels import label
from ..model import Entry, Festival
from . import links

PRODID = "-//festival-scheduler//festival {version}//EN"
END = b"END:VCALENDAR\r\n"


def event_uid(festival: Festival, session_id: str) -> str:
    """The UID of a session's event: stable for the life of the festival."""
    return f"{session_id}@{festival.id}"


def css_color_name(color: str) -> str:
    """A CSS colour name for `color` (itself if it is one, else the nearest)."""
    if not color.startswith("#"):
        return color
    target = webcolors.hex_to_rgb(color)

    def distance(name: str) -> int:
        rgb = webcolors.name_to_rgb(name)
        return sum((a - b) ** 2 for a, b in zip(rgb, target, strict=True))

    return min(sorted(webcolors.names("css3")), key=distance)


def _track_name(festival: Festival, entry: Entry) -> str | None:
    """The track's name; its id for a cancelled session whose track was removed."""
    return next((t.name for t in festival.tracks if t.id == entry.track), entry.track)


def _description(festival: Festival, entry: Entry, track: str | None, names: dict[str, str]) -> str:
    language = festival.language
    separator = label(language, "list_separator")
    colon = label(language, "colon")
    lines = []
    if entry.status == "CANCELLED":
        lines.append(label(language, "cancelled"))
    if track:
        lines.append(f"{label(language, 'track')}{colon}{track}")
    if entry.people:
        lines.append(
            f"{label(language, 'people')}{colon}"
            + separator.join(names.get(p, p) for p in entry.people)
        )
    for paragraph in (entry.subtitle, entry.abstract, entry.description):
        if paragraph:
            lines.extend(["", paragraph])
    return "\n".join(lines)


def _when(festival: Festival, moment: datetime) -> datetime:
    """An event time: on the festival's clock with its TZID, or in UTC where the wall
    clock shows that time twice (either pass of a repeated hour: clients disagree on
    which one a TZID time there means)."""
    wall = days.local(festival, moment)
    return moment.astimezone(UTC) if days.shows_twice(wall) else wall


def _event(festival: Festival, entry: Entry, names: dict[str, str]) -> icalendar.Event:
    track = _track_name(festival, entry)
    event = icalendar.Event.new(
        uid=event_uid(festival, entry.session),
        summary=entry.title,
        start=_when(festival, entry.start),
        end=_when(festival, entry.end),
        stamp=entry.last_modified,
        last_modified=entry.last_modified,
        sequence=entry.sequence,
        location=entry.location,
        description=_description(festival, entry, track, names),
        categories=[track] if track else (),
        status=entry.status,
        url=links.session_url(festival, entry.session) or None,
    )
    return event


#: the calendar's own text properties: its name and description, each under the RFC 7986
#: name and the older X-WR name clients still read
NAME_KEYS = ("NAME", "X-WR-CALNAME")
DESCRIPTION_KEYS = ("DESCRIPTION", "X-WR-CALDESC")


def set_calendar_text(calendar: icalendar.Calendar, name: str, description: str) -> None:
    """Give `calendar` its name and description as TEXT values (`,` `;` `\\` and line ends
    escaped by `icalendar`'s own type), replacing any it had."""
    for keys, text in ((NAME_KEYS, name), (DESCRIPTION_KEYS, description)):
        for key in keys:
            calendar.pop(key, None)
            calendar.add(key, icalendar.vText(text))


def calendar_text(calendar: icalendar.Calendar, key: str) -> str | None:
    """A calendar's own TEXT property as written (`set_calendar_text`), unescaped; None if
    it has none. (The parser keeps unregistered properties such as X-WR-CALNAME raw.)"""
    value = calendar.get(key)
    if value is None:
        return None
    if isinstance(value, list):  # written more than once: the first
        value = value[0]
    raw = value.to_ical() if hasattr(value, "to_ical") else str(value)
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return unescape_backslash(text)


def timezone_component(festival: Festival) -> icalendar.Timezone:
    """The festival's VTIMEZONE, covering a year either side of the festival."""
    return icalendar.Timezone.from_tzid(
        festival.timezone,
        first_date=festival.start - timedelta(days=365),
        last_date=festival.end + timedelta(days=365),
    )


def feed(
    festival: Festival,
    entries: Iterable[Entry],
    path: str,
    name: str,
    description: str,
    color: str | None = None,
    shared: _Shared | None = None,
) -> bytes:
    """One calendar holding `entries`, published at `path` under the feed URL.

    `shared` reuses the VTIMEZONE and the events already built for other feeds.
    """
    shared = shared or _Shared(festival)
    refresh = timedelta(minutes=festival.refresh)
    address = f"{festival.feed_url}{path}" if festival.feed_url else None
    calendar = icalendar.Calendar.new(
        prodid=PRODID.format(version=__version__),
        uid=f"{festival.id}/{path.removesuffix('.ics')}",
        refresh_interval=refresh,
        color=css_color_name(color) if color else None,
        source=address,
        url=address,
    )
    set_calendar_text(calendar, name, description)
    calendar["REFRESH-INTERVAL"].params["VALUE"] = "DURATION"
    calendar.add("X-PUBLISHED-TTL", icalendar.vDuration(refresh))
    calendar.add("X-WR-TIMEZONE", festival.timezone)
    ordered = sorted(entries, key=lambda e: (e.start, e.session))
    # as `calendar.to_ical()` with the components added, from each one's bytes built once
    # per publication (serialising is most of a feed's cost; tests compare the two)
    head = calendar.to_ical().removesuffix(END)
    zone = shared.timezone_bytes if any(shared.refers_to_zone(e) for e in ordered) else b""
    return head + zone + b"".join(shared.event_bytes(e) for e in ordered) + END


class _Shared:
    """Parts built once per publication and reused by every feed."""

    def __init__(self, festival: Festival):
        self.festival = festival
        self._timezone: icalendar.Timezone | None = None
        self._events: dict[Entry, icalendar.Event] = {}
        self._bytes: dict[Entry, bytes] = {}

    @property
    def timezone(self) -> icalendar.Timezone:
        if self._timezone is None:
            self._timezone = timezone_component(self.festival)
        return self._timezone

    def event(self, entry: Entry) -> icalendar.Event:
        if entry not in self._events:
            self._events[entry] = _event(self.festival, entry, self.names)
        return self._events[entry]

    @cached_property
    def names(self) -> dict[str, str]:
        """People's names by id."""
        return {p.id: p.name for p in self.festival.people}

    @cached_property
    def timezone_bytes(self) -> bytes:
        return self.timezone.to_ical()

    def event_bytes(self, entry: Entry) -> bytes:
        if entry not in self._bytes:
            self._bytes[entry] = self.event(entry).to_ical()
        return self._bytes[entry]

    def refers_to_zone(self, entry: Entry) -> bool:
        """Whether the entry's event gives a time in the festival's zone (TZID)."""
        event = self.event(entry)
        return "TZID" in event["DTSTART"].params or "TZID" in event["DTEND"].params


@dataclass(frozen=True)
class Feed:
    """One published calendar: where, under which name, and which sessions it holds."""

    path: str
    name: str
    description: str
    color: str | None
    entries: tuple[Entry, ...]


def feeds(festival: Festival, entries: Iterable[Entry]) -> list[Feed]:
    """Every feed to publish: `festival.ics`, then `tracks/`, `venues/` and `people/`."""
    language = festival.language
    name = festival.name
    entries = tuple(entries)
    about = festival.description or label(language, "feed.festival", festival=name)
    listed = [Feed("festival.ics", name, about, None, entries)]
    audiences: list[tuple[str, str, Any, str | None]] = [
        *(("tracks", "feed.track", t, t.color) for t in festival.tracks),
        *(("venues", "feed.venue", v, None) for v in festival.venues),
        *(("people", "feed.person", p, None) for p in festival.people),
    ]
    held: dict[tuple[str, str], list[Entry]] = defaultdict(list)  # one pass over the entries
    for e in entries:
        held[("tracks", e.track or "")].append(e)
        held[("venues", e.venue)].append(e)
        for person in e.people:
            held[("people", person)].append(e)
    for folder, text, item, color in audiences:
        listed.append(
            Feed(
                f"{folder}/{item.id}.ics",
                f"{name} · {item.name}",
                label(language, text, festival=name, name=item.name),
                color,
                tuple(held.get((folder, item.id), ())),
            )
        )
    return listed


def render(festival: Festival, listed: Iterable[Feed]) -> dict[str, bytes]:
    """The bytes of each feed in `listed`, by path (events built once for all of them)."""
    shared = _Shared(festival)
    return {
        f.path: feed(festival, f.entries, f.path, f.name, f.description, f.color, shared=shared)
        for f in listed
    }


def outputs(festival: Festival, entries: tuple[Entry, ...]) -> dict[str, bytes]:
    """Every feed, rendered: path → bytes."""
    return render(festival, feeds(festival, entries))


def digests(festival: Festival, listed: Iterable[Feed]) -> dict[str, str]:
    """What each feed in `listed` is rendered from, as a digest by path: a feed whose digest
    is unchanged renders to the same bytes, so a publication need not render it again.

    Covers the feed, its entries, everything of the festival a feed shows (names, times,
    addresses, language, the zone and the years its VTIMEZONE spans) and the code that
    renders it (this package's files and release, which PRODID names, and the `icalendar`
    release)."""
    context = hashlib.sha256(_code_digest())
    context.update(
        repr(
            (
                __version__,
                festival.id,
                festival.name,
                festival.description,
                festival.language,
                festival.url,
                festival.feed_url,
                festival.refresh,
                festival.timezone,
                festival.start,
                festival.end,
                [(t.id, t.name, t.color) for t in festival.tracks],
                [(p.id, p.name) for p in festival.people],
            )
        ).encode()
    )
    described: dict[Entry, bytes] = {}
    found = {}
    for f in listed:
        digest = context.copy()
        digest.update(repr((f.path, f.name, f.description, f.color, len(f.entries))).encode())
        for e in f.entries:
            if e not in described:
                described[e] = repr(e).encode()
            digest.update(described[e])
        found[f.path] = digest.hexdigest()
    return found


@cache
def _code_digest() -> bytes:
    """A digest of the code that renders feeds: the package's sources, messages and
    templates, and the `icalendar` release."""
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256(icalendar.__version__.encode())
    for path in sorted(package.rglob("*")):
        if path.is_file() and path.suffix in {".py", ".toml", ".json", ".po", ".html", ".j2"}:
            digest.update(str(path.relative_to(package)).encode())
            digest.update(path.read_bytes())
    return digest.digest()


def retired(festival: Festival, path: str, previous: bytes) -> bytes:
    """An empty calendar to replace the feed of a track, venue or person no longer defined.

    Subscribers keep a working address, and their clients drop the old events
    instead of keeping them as ghosts. The calendar keeps its published name.
    """
    try:
        name = calendar_text(icalendar.Calendar.from_ical(previous), "X-WR-CALNAME") or path
    except (ValueError, KeyError, IndexError, TypeError):  # not a calendar any more
        name = path
    name = " ".join(name.split()) or path  # one line, whatever the old file held
    return feed(festival, [], path, name, name)
