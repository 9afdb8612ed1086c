"""Every valid timetable of a tiny festival, found through the validator alone.

An oracle for the solver: it shares no code with the CP-SAT model or its
minute axis. Candidate starts are every wall-clock time on the step grid of
every day, read with `zoneinfo` directly (a time the clocks repeat gives two
instants, one they skip none); timetables are built one session at a time and
a partial one is dropped as soon as the validator finds a broken rule (every
rule but "a session is missing" can only stay broken as sessions are added).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduler import validate
from scheduler.model import Festival, Placement, Timetable


def grid_instants(festival: Festival) -> list[datetime]:
    """Every instant whose wall-clock time is on the festival's step grid, in its window."""
    zone = ZoneInfo(festival.timezone)
    found: set[datetime] = set()
    day = festival.start
    while day <= festival.end:
        for minute in range(0, 1440, festival.step):
            wall = datetime.combine(day, time()) + timedelta(minutes=minute)
            for fold in (0, 1):
                moment = wall.replace(tzinfo=zone, fold=fold)
                if moment.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall:
                    found.add(moment.astimezone(UTC))
        day += timedelta(days=1)
    return sorted(found)


def _broken(festival: Festival, placements: tuple[Placement, ...]) -> bool:
    timetable = Timetable(festival.id, placements)
    placed = {p.session for p in placements}
    return any(
        not (v.rule == "timetable.complete" and "missing" in v.message)
        and set(v.sessions) <= placed
        for v in validate.violations(festival, timetable)
    )


def valid_timetables(festival: Festival) -> Iterator[Timetable]:
    """Each timetable on the step grid that breaks no rule."""
    starts = grid_instants(festival)
    options = []
    for s in festival.sessions:
        here = []
        for start, venue in itertools.product(starts, festival.venues):
            one = Placement(s.id, venue.id, start, start + timedelta(minutes=s.duration))
            if not _broken(festival, (one,)):
                here.append(one)
        options.append(here)

    def extend(chosen: tuple[Placement, ...]) -> Iterator[Timetable]:
        if len(chosen) == len(options):
            yield Timetable(festival.id, chosen)
            return
        for one in options[len(chosen)]:
            trial = (*chosen, one)
            if not _broken(festival, trial):
                yield from extend(trial)

    yield from extend(())
