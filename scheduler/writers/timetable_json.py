"""`timetable.json`: the timetable as data, for people, programs and re-plans."""

from __future__ import annotations

import json
from typing import Any

from .. import days
from ..model import Festival, Timetable

FORMAT = 1


def render(festival: Festival, timetable: Timetable) -> bytes:
    """The timetable as UTF-8 JSON, sessions in time order, byte-stable."""
    sessions = []
    for p in timetable.placements:
        s = festival.session(p.session)
        venue = festival.venue(p.venue)
        sessions.append(
            {
                "id": s.id,
                "title": s.title,
                "track": s.track,
                "venue": venue.id,
                "city": venue.city,
                "start": days.iso(festival, p.start),
                "end": days.iso(festival, p.end),
                "people": list(s.people),
                "sequence": 0,
            }
        )
    document: dict[str, Any] = {
        "format": FORMAT,
        "festival": {
            "id": festival.id,
            "name": festival.name,
            "timezone": festival.timezone,
            "start": festival.start.isoformat(),
            "end": festival.end.isoformat(),
        },
        "solver": {
            "status": timetable.status,
            "proven_optimal": timetable.status == "OPTIMAL",
            "objective": timetable.objective,
            "bound": timetable.bound,
            "penalties": dict(timetable.penalties),
        },
        "sessions": sessions,
    }
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def outputs(festival: Festival, timetable: Timetable) -> dict[str, bytes]:
    return {"timetable.json": render(festival, timetable)}
