"""Festival days, working days and time zones.

Working days come from the `holidays` library: national holidays are days off,
and make-up working days (调休, weekend days that are worked) are days on. This
is the only module that attaches time zones to the festival's local times.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from .errors import BadInput
from .model import DayRule, Festival


class CalendarError(BadInput, ValueError):
    """The holiday calendar cannot answer for the festival's dates."""


def date_range(start: date, end: date) -> list[date]:
    """Every date from `start` to `end`, both included."""
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


@lru_cache(maxsize=64)
def _country_calendar(country: str, years: tuple[int, ...]) -> holidays.HolidayBase:
    return holidays.country_holidays(country, years=years)


def official_years(country: str, years: tuple[int, ...]) -> set[int]:
    """The years among `years` for which the library has the official calendar.

    Countries that move weekends around holidays (make-up working days) publish
    each year's calendar late in the year before; the library only knows it for
    years whose make-up days it lists. Countries with rule-based holidays are
    known for every year the library supports.
    """
    calendar = _country_calendar(country, years)
    if not getattr(calendar, "has_substituted_holidays", False):
        return set(years)
    known = {d.year for d in calendar.weekend_workdays}
    return {year for year in years if year in known}


def working_days(rule: DayRule, start: date, end: date) -> tuple[set[date], list[str]]:
    """The dates in `[start, end]` that `rule` allows, and any warnings.

    Raises `CalendarError` for an unknown country, or for a year without official
    data unless the rule allows the weekday fallback.
    """
    dates = date_range(start, end)
    if rule.kind == "all":
        return set(dates), []
    if rule.kind == "weekdays":
        return {d for d in dates if d.weekday() < 5}, []
    country = rule.country or ""
    if country not in holidays.list_supported_countries():
        raise CalendarError(f"the holiday library has no calendar for country {country!r}")
    years = tuple(sorted({d.year for d in dates}))
    calendar = _country_calendar(country, years)
    missing = sorted(set(years) - official_years(country, years))
    warnings: list[str] = []
    if missing:
        listed = ", ".join(str(y) for y in missing)
        if not rule.fallback:
            raise CalendarError(
                f"holidays {holidays.__version__} has no official {country} working-day calendar "
                f"for {listed}; set workdays_fallback = true to use Monday–Friday for those "
                f"years, or upgrade the holidays package"
            )
        warnings.append(
            f"no official {country} working-day calendar for {listed}: "
            f"using Monday–Friday minus known holidays for those years"
        )
    allowed = set()
    for d in dates:
        if d.year in missing:
            if d.weekday() < 5 and d not in calendar:
                allowed.add(d)
        elif calendar.is_working_day(d):
            allowed.add(d)
    return allowed, warnings


def festival_days(festival: Festival) -> list[date]:
    """The dates that may hold sessions: the window, the day rule, minus blackouts."""
    allowed, _ = working_days(festival.days, festival.start, festival.end)
    blackout = set(festival.blackout)
    return sorted(d for d in allowed if d not in blackout)


def zone(festival: Festival) -> ZoneInfo:
    return ZoneInfo(festival.timezone)


def instant(tz: ZoneInfo, wall: datetime) -> datetime:
    """A wall-clock time on `tz`'s clock as an instant (aware, in UTC).

    As RFC 5545 §3.3.5 reads a time with a TZID: a time that occurs twice (the
    hour repeated when clocks go back) means its first occurrence, and a time
    that does not exist (skipped when clocks go forward) is read with the UTC
    offset before the gap, so it lands that much later.
    """
    return wall.replace(tzinfo=tz, fold=0).astimezone(UTC)


def midnight(tz: ZoneInfo, day: date) -> datetime:
    """The first instant of `day` on `tz`'s clock (UTC)."""
    return instant(tz, datetime.combine(day, time()))


def local(festival: Festival, moment: datetime) -> datetime:
    """An instant on the festival's wall clock (aware; `fold` marks a repeated hour)."""
    return moment.astimezone(zone(festival))


def local_date(festival: Festival, moment: datetime) -> date:
    """The festival's calendar date at an instant."""
    return local(festival, moment).date()


def iso(festival: Festival, moment: datetime) -> str:
    """ISO 8601 on the festival's clock with the UTC offset, e.g. `2023-10-09T09:00:00+08:00`."""
    return local(festival, moment).isoformat()


def is_unambiguous(moment: datetime) -> bool:
    """Whether the wall-clock reading of an aware `moment` names it alone.

    False for an instant in the second pass of an hour repeated when clocks go
    back: its wall-clock time with a TZID would be read as the first pass.
    """
    wall = moment.replace(tzinfo=None)
    # compared in UTC: Python never finds a time in a repeated hour equal to one in
    # another zone (PEP 495)
    return instant(moment.tzinfo, wall) == moment.astimezone(UTC)  # type: ignore[arg-type]


def shows_twice(moment: datetime) -> bool:
    """Whether the wall-clock reading of an aware `moment` also names another instant: it
    falls in the hour repeated when clocks go back (first or second pass).

    With a TZID such a time is ambiguous in practice: RFC 5545 means the first pass,
    but calendar clients differ, so feeds write it in UTC and the page names its zone.
    """
    return moment.replace(fold=0).utcoffset() != moment.replace(fold=1).utcoffset()
