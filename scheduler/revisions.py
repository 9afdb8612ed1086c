"""Revisions of published sessions: SEQUENCE, LAST-MODIFIED and cancellations.

The previous `timetable.json` is the published plan (the *baseline*). Comparing
the new timetable with it, each session keeps its `sequence` and
`last_modified` when nothing calendars show changed, so its event stays
byte-identical in every feed. A new start, end, venue or status is a
significant revision (`sequence + 1`); any other visible change (title,
people, description, location text) only updates `last_modified`. A session
removed from the definition stays published as cancelled until it has ended.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import days
from .model import Entry, Festival, Timetable


class BaselineError(ValueError):
    """The published timetable cannot be used as the baseline."""


def location(festival: Festival, venue_id: str) -> str:
    venue = festival.venue(venue_id)
    return f"{venue.name}, {venue.address}" if venue.address else venue.name


def _digest(entry: Entry) -> str:
    shown = [
        entry.title,
        entry.track,
        entry.venue,
        entry.location,
        list(entry.people),
        entry.description,
        entry.start.isoformat(),
        entry.end.isoformat(),
        entry.status,
    ]
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
        )
        entries.append(replace(entry, digest=_digest(entry)))
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
        elif old.digest == entry.digest:
            revised.append(replace(entry, sequence=old.sequence, last_modified=old.last_modified))
        else:
            moved = (old.start, old.end, old.venue, old.status) != (
                entry.start,
                entry.end,
                entry.venue,
                entry.status,
            )
            revised.append(replace(entry, sequence=old.sequence + (1 if moved else 0)))
    kept = {e.session for e in revised}
    for old in baseline.values():
        if old.session in kept:
            continue
        if old.status == "CANCELLED":
            if days.aware(festival, old.end) > now:
                revised.append(old)
            continue
        if days.aware(festival, old.end) <= now:
            continue  # already held: nothing to tell subscribers
        cancelled = replace(old, status="CANCELLED", sequence=old.sequence + 1, last_modified=now)
        revised.append(replace(cancelled, digest=_digest(cancelled)))
    revised.sort(key=lambda e: (e.start, e.venue, e.session))
    return tuple(revised)


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
    }


def _local(text: str, zone: ZoneInfo) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(zone).replace(tzinfo=None)


def _entry_from_json(item: dict[str, Any], zone: ZoneInfo) -> Entry:
    return Entry(
        session=str(item["id"]),
        title=str(item["title"]),
        track=item.get("track"),
        venue=str(item["venue"]),
        location=str(item.get("location", "")),
        city=str(item.get("city", "")),
        start=_local(item["start"], zone),
        end=_local(item["end"], zone),
        people=tuple(item.get("people", ())),
        description=str(item.get("description", "")),
        status=str(item.get("status", "CONFIRMED")),
        sequence=int(item.get("sequence", 0)),
        last_modified=datetime.fromisoformat(
            item.get("last_modified", "1970-01-01T00:00:00Z").replace("Z", "+00:00")
        ),
        digest=str(item.get("digest", "")),
    )


@dataclass(frozen=True)
class PublishedPlan:
    """A timetable.json as read back: whose it is, and its entries by session id."""

    festival: str
    timezone: str
    entries: dict[str, Entry]


def read_published(path: str | Path) -> PublishedPlan:
    """Read a timetable.json written by `festival plan`; raise `BaselineError` if unusable."""
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BaselineError(
            f"{path}: cannot be read as a published timetable: {error}; "
            "use --fresh to plan without it"
        ) from None
    try:
        owner = str(document["festival"]["id"])
        zone = ZoneInfo(document["festival"]["timezone"])
        entries = [_entry_from_json(item, zone) for item in document["sessions"]]
    except (KeyError, TypeError, ValueError, ZoneInfoNotFoundError) as error:
        raise BaselineError(
            f"{path}: not a timetable.json written by festival plan ({error!r}); "
            "use --fresh to plan without it"
        ) from None
    return PublishedPlan(owner, str(zone), {e.session: e for e in entries})


def read_baseline(path: str | Path, festival: Festival) -> dict[str, Entry]:
    """The published entries of `festival` in `path` (a timetable.json), by session id."""
    published = read_published(path)
    if published.festival != festival.id:
        raise BaselineError(
            f"{path}: the published timetable belongs to festival {published.festival!r}, not "
            f"{festival.id!r}; publish into another folder, pass --baseline, or use --fresh"
        )
    zone = days.zone(festival)
    return {
        sid: replace(
            e,
            start=_relocal(e.start, published.timezone, zone),
            end=_relocal(e.end, published.timezone, zone),
        )
        for sid, e in published.entries.items()
    }


def _relocal(local: datetime, old_zone: str, zone: ZoneInfo) -> datetime:
    """A local time in `old_zone` as a local time in `zone` (the festival moved zones)."""
    if old_zone == str(zone):
        return local
    return local.replace(tzinfo=ZoneInfo(old_zone)).astimezone(zone).replace(tzinfo=None)
