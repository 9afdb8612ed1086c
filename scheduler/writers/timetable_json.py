"""`timetable.json`: the published plan as data, for people, programs and re-plans."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..model import Entry, Festival, Timetable
from ..revisions import entry_to_json

FORMAT = 1


def render(
    festival: Festival,
    timetable: Timetable,
    entries: tuple[Entry, ...],
    people: Mapping[str, int],
    attendees: Mapping[str, Any] | None = None,
) -> bytes:
    """The published plan as UTF-8 JSON, sessions in time order, byte-stable; the
    people's numbers in conference-app exports (those of people no longer defined too,
    so that none is given again); with attendees' interest, how many of them have a
    clash (and had before a re-plan)."""
    document: dict[str, Any] = {
        "format": FORMAT,
        "festival": {
            "id": festival.id,
            "name": festival.name,
            "timezone": festival.timezone,
            "language": festival.language,
            "start": festival.start.isoformat(),
            "end": festival.end.isoformat(),
        },
        "solver": {
            "status": timetable.status,
            "proven_optimal": timetable.status == "OPTIMAL",
            "objective": timetable.objective,
            "bound": timetable.bound,
            "penalties": dict(timetable.penalties),
            **({"attendees": dict(attendees)} if attendees is not None else {}),
        },
        "sessions": [entry_to_json(festival, e) for e in entries],
        "people": dict(people),
    }
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def outputs(
    festival: Festival,
    timetable: Timetable,
    entries: tuple[Entry, ...],
    people: Mapping[str, int],
    attendees: Mapping[str, Any] | None = None,
) -> dict[str, bytes]:
    """`timetable.json`, rendered."""
    return {"timetable.json": render(festival, timetable, entries, people, attendees)}
