"""Every valid timetable of a tiny festival, found through the validator alone.

An oracle for the solver: it shares no code with the CP-SAT model.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import datetime, timedelta

from scheduler import validate
from scheduler.model import Festival, Placement, Timetable


def valid_timetables(festival: Festival) -> Iterator[Timetable]:
    """Each timetable on the step grid (06:00-22:00) that breaks no rule."""
    days = [
        festival.start + timedelta(days=i) for i in range((festival.end - festival.start).days + 1)
    ]
    options = []
    for s in festival.sessions:
        here = []
        for day, venue in itertools.product(days, festival.venues):
            for minute in range(6 * 60, 22 * 60 - s.duration + 1, festival.step):
                start = datetime.combine(day, datetime.min.time()) + timedelta(minutes=minute)
                one = Placement(s.id, venue.id, start, start + timedelta(minutes=s.duration))
                # keep only placements that break no rule about this session alone
                broken = [
                    v
                    for v in validate.violations(festival, Timetable(festival.id, (one,)))
                    if v.rule not in ("sessions", "sessions.after")
                ]
                if not broken:
                    here.append(one)
        options.append(here)
    for combo in itertools.product(*options):
        timetable = Timetable(festival.id, tuple(combo))
        if not validate.violations(festival, timetable):
            yield timetable
