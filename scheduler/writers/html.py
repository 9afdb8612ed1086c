"""`index.html`: the timetable page with every feed's subscribe links.

A self-contained static page (no external fetches): a calendar grid of days by
venues (where a venue has a slot grid, its slots, free ones too; where it has
blocks, each block with the track it holds), a programme list that reads well on a
phone, and subscribe links for every feed. Rendered with Jinja2 (autoescaped);
dates and weekday names come from Babel in the festival's language.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import quote

import jinja2
import webcolors
from babel.dates import format_interval, format_skeleton

from .. import days
from ..labels import LOCALES, label
from ..model import Entry, Festival, Timetable, Venue
from . import links
from .atom import AtomEntry

_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.PackageLoader("scheduler", "templates"),
    autoescape=jinja2.select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class Feed:
    """One subscribable feed and its three links."""

    group: str
    name: str
    path: str  # relative to the page
    https: str
    webcal: str
    google: str
    #: only the plain link in the page (a person's feed): the script adds the others
    compact: bool = False


#: sessions on the busiest day above which the page opens on the day view
DENSE = 8
#: minutes a row of the day view stands for
ROW = 5


def _luminance(color: str) -> float:
    """WCAG relative luminance of a CSS colour (name or #RRGGBB)."""
    rgb = webcolors.hex_to_rgb(color) if color.startswith("#") else webcolors.name_to_rgb(color)

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two CSS colours (1 to 21)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_on(color: str) -> str:
    """Black or white, whichever reads better on `color`."""
    return "#000000" if contrast("#000000", color) >= contrast("#ffffff", color) else "#ffffff"


def feed_links(festival: Festival, path: str) -> tuple[str, str, str]:
    """(https, webcal, Google) links of a feed: absolute with feed_url, else relative."""
    if not festival.feed_url:
        return path, path, path  # made absolute in the browser from the page's address
    https = f"{festival.feed_url}{path}"
    webcal = "webcal://" + https.split("://", 1)[1]
    google = "https://calendar.google.com/calendar/r?cid=" + quote(webcal, safe="")
    return https, webcal, google


#: the programme for apps, each with the words that say who reads it
EXPORTS = (
    ("schedule.xml", "page.export.xml"),
    ("schedule.json", "page.export.json"),
    ("changes.atom", "page.export.atom"),
)
#: the page's icon: a calendar sheet, inline (no request, nothing more to publish)
FAVICON = "data:image/svg+xml," + quote(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">'
    '<rect x="1" y="2" width="14" height="13" rx="2" fill="#fff" stroke="#1d2330"/>'
    '<rect x="1" y="2" width="14" height="4" rx="2" fill="#c62828"/>'
    '<path d="M4 9h2v2H4zm3 0h2v2H7zm3 0h2v2h-2z" fill="#1d2330"/></svg>',
    safe=" =:/",
)


def _feeds(festival: Festival) -> list[Feed]:
    language = festival.language
    items = [(label(language, "page.whole_festival"), festival.name, "festival.ics")]
    items += [
        (label(language, "page.tracks"), t.name, f"tracks/{t.id}.ics") for t in festival.tracks
    ]
    items += [
        (label(language, "page.venues"), v.name, f"venues/{v.id}.ics") for v in festival.venues
    ]
    items += [
        (label(language, "page.people"), p.name, f"people/{p.id}.ics") for p in festival.people
    ]
    return [
        Feed(group, name, path, *feed_links(festival, path), compact=path.startswith("people/"))
        for group, name, path in items
    ]


def _grouped(feeds: list[Feed]) -> list[tuple[str, list[Feed]]]:
    groups: dict[str, list[Feed]] = {}
    for feed in feeds:
        groups.setdefault(feed.group, []).append(feed)
    return list(groups.items())


class _Page:
    """What the page shows of one festival's sessions, each time formatted once (Babel's
    formatting is the page's main cost)."""

    def __init__(self, festival: Festival):
        self.festival = festival
        self.locale = LOCALES.get(festival.language, "en")
        self.tracks = festival.tracks_by_id
        self.venues = festival.venues_by_id
        self.people = {p.id: p.name for p in festival.people}
        self.separator = label(festival.language, "list_separator")
        self.formatted: dict[time, str] = {}

    def hour_minute(self, moment: time) -> str:
        if moment not in self.formatted:
            self.formatted[moment] = format_skeleton("Hm", moment, locale=self.locale)
        return self.formatted[moment]

    def clock(self, moment: datetime) -> str:
        """A time of day; with its zone's abbreviation where the wall clock shows it twice."""
        wall = days.local(self.festival, moment)
        shown = self.hour_minute(wall.time())
        return f"{shown} {wall.tzname()}" if days.shows_twice(wall) else shown

    def month(self, by_day: dict[date, list[Entry]], columns: list[str]) -> list[dict]:
        """The calendar grid: every day of the window, a cell per venue in `columns`."""
        usable = set(days.festival_days(self.festival))
        return [
            {
                "date": format_skeleton("MMMEd", day, locale=self.locale),
                "iso": day.isoformat(),
                "usable": day in usable,
                "cells": [self.cell(vid, day, by_day.get(day, [])) for vid in columns],
            }
            for day in days.date_range(self.festival.start, self.festival.end)
        ]

    def view(self, entry: Entry) -> dict:
        track = self.tracks.get(entry.track) if entry.track else None
        venue = self.venues.get(entry.venue)
        return {
            "id": entry.session,
            "anchor": links.session_anchor(entry.session),
            "title": entry.title,
            "time": f"{self.clock(entry.start)}–{self.clock(entry.end)}",
            "venue": venue.name if venue else entry.venue,
            "address": venue.address if venue else "",
            "city": entry.city,
            "track": track.name if track else "",
            "color": track.color if track else "gray",
            "on_color": text_on(track.color if track else "gray"),
            "track_id": entry.track or "",
            "people": self.separator.join(self.people.get(p, p) for p in entry.people),
            "subtitle": entry.subtitle,
            "abstract": entry.abstract,
            "description": entry.description,
            "cancelled": entry.status == "CANCELLED",
        }

    def hm(self, minute: int) -> str:
        return self.hour_minute(time(minute // 60 % 24, minute % 60))

    def cell(self, vid: str, day: date, todays: list[Entry]) -> list[dict]:
        """One venue's day: its blocks (the track each holds), each with its slots (free
        ones too) or its sessions; a venue without blocks has one block without a head."""
        here = [e for e in todays if e.venue == vid]
        venue = self.venues.get(vid)
        if venue is None or not (venue.has_blocks or venue.has_slots):
            return [{"time": "", "rows": [{"time": "", "sessions": [self.view(e) for e in here]}]}]
        named = {
            b.window: b.track for b in self.festival.blocks if b.venue == vid and b.date == day
        }
        windows = venue.blocks_on(day) if venue.has_blocks else ((0, 24 * 60),)
        slots = venue.slots_on(day) if venue.has_slots else ()
        begins = {e.session: _wall_minute(self.festival, e.start) for e in here}
        ends = {e.session: begins[e.session] + _minutes(e) for e in here}
        blocks, placed = [], set()
        for a, b in windows:
            inside = [e for e in here if a <= begins[e.session] < b]
            placed.update(e.session for e in inside)
            rows = []
            if slots:
                live = [e for e in inside if e.status != "CANCELLED"]
                for x, y in (slot for slot in slots if a <= slot[0] < b):
                    starting = [e for e in inside if x <= begins[e.session] < y]
                    covered = any(begins[e.session] < x < ends[e.session] for e in live)
                    if starting or not covered:  # a slot a longer session runs on is not shown
                        rows.append(
                            {"at": x, "time": f"{self.hm(x)}–{self.hm(y)}", "sessions": starting}
                        )
                rest = [e for e in inside if not any(x <= begins[e.session] < y for x, y in slots)]
                rows += [{"at": begins[e.session], "time": "", "sessions": [e]} for e in rest]
            else:
                rows = [{"at": begins[e.session], "time": "", "sessions": [e]} for e in inside]
            rows.sort(key=lambda row: row["at"])
            track_id = named.get((a, b)) or next(
                (e.track for e in inside if e.track and e.status != "CANCELLED"), ""
            )
            track = self.tracks.get(track_id)
            blocks.append(
                {
                    "time": f"{self.hm(a)}–{self.hm(b)}" if venue.has_blocks else "",
                    "track": track.name if track else "",
                    "color": track.color if track else "gray",
                    "rows": [
                        {"time": row["time"], "sessions": [self.view(e) for e in row["sessions"]]}
                        for row in rows
                    ],
                }
            )
        outside = [self.view(e) for e in here if e.session not in placed]  # e.g. cancelled ones
        if outside:
            blocks.append({"time": "", "rows": [{"time": "", "sessions": outside}]})
        return blocks


def render(
    festival: Festival,
    timetable: Timetable,
    entries: tuple[Entry, ...],
    latest: AtomEntry | None = None,
) -> bytes:
    """The page as UTF-8 bytes, with the `latest` revision's changes; the same inputs
    give the same bytes."""
    locale = LOCALES.get(festival.language, "en")
    language = festival.language
    venues = festival.venues_by_id
    page = _Page(festival)

    by_day: dict[date, list[Entry]] = {}
    for entry in sorted(entries, key=lambda e: (e.start, e.venue, e.session)):
        by_day.setdefault(days.local_date(festival, entry.start), []).append(entry)
    # venues of the definition, then any that only cancelled sessions still name
    columns = [(v.id, v.name, v.city) for v in festival.venues] + [
        (vid, vid, "") for vid in sorted({e.venue for e in entries} - set(venues))
    ]
    grid = page.month(by_day, [vid for vid, _, _ in columns])
    busiest = max((len(items) for items in by_day.values()), default=0)
    day_views = [
        _day_view(
            festival, day, items, format_skeleton("MMMEd", day, locale=locale), page.view, page.hm
        )
        for day, items in sorted(by_day.items())
    ]
    programme = [
        {
            "date": format_skeleton("yMMMEd", day, locale=locale),
            "iso": day.isoformat(),
            "sessions": [page.view(e) for e in items],
        }
        for day, items in sorted(by_day.items())
    ]
    dates = format_interval(festival.start, festival.end, "yMMMd", locale=locale)
    html = _ENVIRONMENT.get_template("index.html.j2").render(
        festival=festival,
        lang=festival.language,
        label=lambda key, **values: label(language, key, **values),
        dates=dates,
        zone=festival.timezone,
        venues=[{"name": name, "city": city} for _, name, city in columns],
        grid=grid,
        programme=programme,
        feeds=_grouped(_feeds(festival)),
        absolute=bool(festival.feed_url),
        updated=_updated(festival, entries, locale),
        jsonld=_script_json(structured_data(festival, entries)),
        summary=festival.description or f"{dates} · {festival.timezone}",
        og_locale=locale,
        page_url=links.page_url(festival),
        favicon=FAVICON,
        exports=[
            {"name": name, "href": f"{festival.feed_url}{name}", "about": label(language, key)}
            for name, key in EXPORTS
        ],
        tracks=[{"id": t.id, "name": t.name} for t in festival.tracks],
        agenda_base=f"{festival.feed_url}agenda.ics" if festival.feed_url else "",
        day_views=day_views,
        latest=latest,
        latest_when=_when_published(festival, latest.updated, locale) if latest else "",
        view="day" if busiest > DENSE else "month",
        row=ROW,
        window=[
            days.midnight(days.zone(festival), festival.start).isoformat(),
            days.midnight(days.zone(festival), festival.end + timedelta(days=1)).isoformat(),
        ],
    )
    return html.encode("utf-8")


def _day_view(
    festival: Festival,
    day: date,
    items: list[Entry],
    title: str,
    view: Callable[[Entry], dict],
    hm: Callable[[int], str],
) -> dict:
    """One day on a time axis: venues across, time down in `ROW`-minute rows from the
    day's first start to its last end, each session spanning its rows."""
    begins = {e.session: _wall_minute(festival, e.start) for e in items}
    first = min(begins.values()) // 60 * 60
    last = max(begins[e.session] + _minutes(e) for e in items)
    used = [v for v in festival.venues if any(e.venue == v.id for e in items)]
    used_ids = [v.id for v in used]
    extra = sorted({e.venue for e in items} - set(used_ids))  # only cancelled ones name them
    columns = {vid: i + 2 for i, vid in enumerate(used_ids + extra)}
    names = [v.name for v in used] + extra
    sessions = []
    for e in items:
        top = (begins[e.session] - first) // ROW + 2
        rows = max(1, -(-_minutes(e) // ROW))
        sessions.append({**view(e), "column": columns[e.venue], "top": top, "bottom": top + rows})
    hours = [
        {"label": hm(minute), "row": (minute - first) // ROW + 2}
        for minute in range(first, last, 60)
    ]
    return {
        "iso": day.isoformat(),
        "title": title,
        "venues": names,
        "rows": -(-(last - first) // ROW),
        "first": first,
        "hours": hours,
        "sessions": sessions,
    }


def _wall_text(festival: Festival, moment: datetime, locale: str) -> str:
    """An instant as a date and time on the festival's clock, in its language."""
    wall = days.local(festival, moment)
    day = format_skeleton("yMMMd", wall.date(), locale=locale)
    return f"{day} {format_skeleton('Hm', wall.time(), locale=locale)}"


def _when_published(festival: Festival, stamp: str, locale: str) -> str:
    """An RFC 3339 UTC time (an Atom entry's `updated`) as `_wall_text`."""
    return _wall_text(festival, datetime.fromisoformat(stamp.replace("Z", "+00:00")), locale)


def _updated(festival: Festival, entries: tuple[Entry, ...], locale: str) -> str:
    """When the programme last changed (its newest session change), on the festival's
    clock: the same on every re-run that changes nothing."""
    latest = max((e.last_modified for e in entries), default=None)
    if latest is None:
        return ""
    return f"{_wall_text(festival, latest, locale)} ({festival.timezone})"


def structured_data(festival: Festival, entries: tuple[Entry, ...]) -> dict:
    """schema.org JSON-LD: the festival as an Event, each session as a subEvent with its
    place, performers and status (rescheduled: with its previous start)."""
    venues = festival.venues_by_id
    people = {p.id: p.name for p in festival.people}
    found: dict = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": festival.name,
        "startDate": festival.start.isoformat(),
        "endDate": festival.end.isoformat(),
        "eventStatus": "https://schema.org/EventScheduled",
        # every session takes place in a venue with a city: attended in person
        "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
        "inLanguage": festival.language,
        "location": [
            {
                "@type": "Place",
                "name": v.name,
                "address": {
                    "@type": "PostalAddress",
                    "addressLocality": v.city,
                    **({"streetAddress": v.address} if v.address else {}),
                },
            }
            for v in festival.venues
        ],
        "subEvent": [_sub_event(festival, entry, venues, people) for entry in entries],
    }
    if festival.description:
        found["description"] = festival.description
    if links.page_url(festival):
        found["url"] = links.page_url(festival)
    if festival.organizer:
        found["organizer"] = {"@type": "Organization", "name": festival.organizer}
    if festival.image:
        found["image"] = festival.image
    return found


def _sub_event(
    festival: Festival, entry: Entry, venues: dict[str, Venue], people: dict[str, str]
) -> dict:
    """One session as a schema.org Event."""
    venue = venues.get(entry.venue)
    address = {"@type": "PostalAddress", "addressLocality": entry.city}
    if venue is not None and venue.address:
        address["streetAddress"] = venue.address
    if entry.status == "CANCELLED":
        status = "https://schema.org/EventCancelled"
    elif entry.previous_start is not None:
        status = "https://schema.org/EventRescheduled"
    else:
        status = "https://schema.org/EventScheduled"
    item = {
        "@type": "Event",
        "@id": f"#{links.session_anchor(entry.session)}",
        "name": entry.title,
        "startDate": days.iso(festival, entry.start),
        "endDate": days.iso(festival, entry.end),
        "eventStatus": status,
        "location": {
            "@type": "Place",
            "name": venue.name if venue else entry.venue,
            "address": address,
        },
    }
    if entry.previous_start is not None and entry.status != "CANCELLED":
        item["previousStartDate"] = days.iso(festival, entry.previous_start)
    if entry.people:
        item["performer"] = [{"@type": "Person", "name": people.get(p, p)} for p in entry.people]
    text = "\n\n".join(t for t in (entry.abstract, entry.description) if t)
    if text:
        item["description"] = text
    url = links.session_url(festival, entry.session)
    if url:
        item["url"] = url
    return item


def _script_json(value: dict) -> str:
    """JSON safe inside a <script> element: no '<', '>' or '&' that could end it."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _wall_minute(festival: Festival, moment: datetime) -> int:
    """Minutes after midnight on the festival's wall clock."""
    wall = days.local(festival, moment)
    return wall.hour * 60 + wall.minute


def _minutes(entry: Entry) -> int:
    return int((entry.end - entry.start).total_seconds() // 60)


def outputs(
    festival: Festival,
    timetable: Timetable,
    entries: tuple[Entry, ...],
    latest: AtomEntry | None = None,
) -> dict[str, bytes]:
    """`index.html`, rendered."""
    return {"index.html": render(festival, timetable, entries, latest)}
