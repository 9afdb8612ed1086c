"""`index.html`: the timetable page with every feed's subscribe links.

A self-contained static page (no external fetches): a calendar grid of days by
venues, a programme list that reads well on a phone, and subscribe links for
every feed. Rendered with Jinja2 (autoescaped); dates and weekday names come
from Babel in the festival's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import quote

import jinja2
from babel.dates import format_interval, format_skeleton

from .. import days
from ..labels import LOCALES, label
from ..model import Entry, Festival, Timetable

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


def feed_links(festival: Festival, path: str) -> tuple[str, str, str]:
    """(https, webcal, Google) links of a feed: absolute with feed_url, else relative."""
    if not festival.feed_url:
        return path, path, path  # made absolute in the browser from the page's address
    https = f"{festival.feed_url}{path}"
    webcal = "webcal://" + https.split("://", 1)[1]
    google = "https://calendar.google.com/calendar/r?cid=" + quote(webcal, safe="")
    return https, webcal, google


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
    return [Feed(group, name, path, *feed_links(festival, path)) for group, name, path in items]


def _grouped(feeds: list[Feed]) -> list[tuple[str, list[Feed]]]:
    groups: dict[str, list[Feed]] = {}
    for feed in feeds:
        groups.setdefault(feed.group, []).append(feed)
    return list(groups.items())


def render(festival: Festival, timetable: Timetable, entries: tuple[Entry, ...]) -> bytes:
    """The page as UTF-8 bytes; the same inputs give the same bytes."""
    locale = LOCALES.get(festival.language, "en")
    language = festival.language
    usable = set(days.festival_days(festival))
    tracks = {t.id: t for t in festival.tracks}
    venues = {v.id: v for v in festival.venues}
    people = {p.id: p.name for p in festival.people}
    separator = label(language, "list_separator")

    def clock(moment: datetime) -> str:
        """A time of day; with its zone's abbreviation where the wall clock shows it twice."""
        wall = days.local(festival, moment)
        shown = format_skeleton("Hm", wall.time(), locale=locale)
        return shown if days.is_unambiguous(wall) else f"{shown} {wall.tzname()}"

    def view(entry: Entry) -> dict:
        track = tracks.get(entry.track) if entry.track else None
        venue = venues.get(entry.venue)
        return {
            "id": entry.session,
            "title": entry.title,
            "time": f"{clock(entry.start)}–{clock(entry.end)}",
            "venue": venue.name if venue else entry.venue,
            "city": entry.city,
            "track": track.name if track else "",
            "color": track.color if track else "gray",
            "people": separator.join(people.get(p, p) for p in entry.people),
            "cancelled": entry.status == "CANCELLED",
        }

    by_day: dict[date, list[Entry]] = {}
    for entry in sorted(entries, key=lambda e: (e.start, e.venue, e.session)):
        by_day.setdefault(days.local_date(festival, entry.start), []).append(entry)
    # venues of the definition, then any that only cancelled sessions still name
    columns = [(v.id, v.name, v.city) for v in festival.venues] + [
        (vid, vid, "") for vid in sorted({e.venue for e in entries} - set(venues))
    ]
    grid = []
    for day in days.date_range(festival.start, festival.end):
        todays = by_day.get(day, [])
        grid.append(
            {
                "date": format_skeleton("MMMEd", day, locale=locale),
                "iso": day.isoformat(),
                "usable": day in usable,
                "cells": [[view(e) for e in todays if e.venue == vid] for vid, _, _ in columns],
            }
        )
    programme = [
        {
            "date": format_skeleton("yMMMEd", day, locale=locale),
            "iso": day.isoformat(),
            "sessions": [view(e) for e in items],
        }
        for day, items in sorted(by_day.items())
    ]
    page = _ENVIRONMENT.get_template("index.html.j2").render(
        festival=festival,
        lang=festival.language,
        label=lambda key, **values: label(language, key, **values),
        dates=format_interval(festival.start, festival.end, "yMMMd", locale=locale),
        zone=festival.timezone,
        venues=[{"name": name, "city": city} for _, name, city in columns],
        grid=grid,
        programme=programme,
        feeds=_grouped(_feeds(festival)),
        absolute=bool(festival.feed_url),
        status=timetable.status,
    )
    return page.encode("utf-8")


def outputs(
    festival: Festival, timetable: Timetable, entries: tuple[Entry, ...]
) -> dict[str, bytes]:
    return {"index.html": render(festival, timetable, entries)}
