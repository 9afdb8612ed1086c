"""The festival's wall clock as the validator reads it: plain `zoneinfo` on aware
datetimes, and the usable dates straight from the `holidays` library. Shared by the
validator and the penalties, never by the solver (whose minute axis is `solver.clock`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from .model import Festival, Placement


def minute_of_day(moment: datetime) -> int:
    """Minutes since midnight on `moment`'s own wall clock."""
    return moment.hour * 60 + moment.minute


def wall_instant(zone: ZoneInfo, day: date, minutes: int) -> datetime:
    """The instant the wall clock shows `minutes` after midnight on `day` (its first
    occurrence; a skipped time with the offset before the skip, as RFC 5545 reads it)."""
    wall = datetime.combine(day, time()) + timedelta(minutes=minutes)
    return wall.replace(tzinfo=zone, fold=0).astimezone(UTC)


class Wall:
    """The festival's wall clock, for showing and judging placements."""

    def __init__(self, festival: Festival):
        self.zone = ZoneInfo(festival.timezone)

    def __call__(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    def show(self, p: Placement) -> str:
        return f"{p.venue} {self(p.start):%Y-%m-%d %H:%M}–{self(p.end):%H:%M}"

    def moment(self, moment: datetime) -> str:
        return f"{self(moment):%Y-%m-%d %H:%M}"

    def date(self, moment: datetime) -> date:
        return self(moment).date()


@lru_cache(maxsize=32)
def allowed_dates(festival: Festival) -> tuple[date, ...]:
    """The festival's usable dates, computed straight from the holiday library."""
    dates = []
    day = festival.start
    rule = festival.days
    calendar = None
    if rule.kind == "workdays":
        years = list(range(festival.start.year, festival.end.year + 1))
        calendar = holidays.country_holidays(rule.country, years=years)
    known_years = {d.year for d in getattr(calendar, "weekend_workdays", ())}
    substitutes = getattr(calendar, "has_substituted_holidays", False)
    while day <= festival.end:
        if rule.kind == "all":
            ok = True
        elif rule.kind == "weekdays":
            ok = day.weekday() < 5
        elif substitutes and day.year not in known_years:  # weekday fallback
            ok = day.weekday() < 5 and day not in calendar
        else:
            ok = calendar.is_working_day(day)
        if ok and day not in festival.blackout:
            dates.append(day)
        day += timedelta(days=1)
    return tuple(dates)
