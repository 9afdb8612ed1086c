"""Festival days, working days and time zones.

Working days come from the `holidays` library: national holidays are days off,
and make-up working days (调休, weekend days that are worked) are days on. This
is the only module that attaches time zones to the festival's local times.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from .model import DayRule, Festival


class CalendarError(ValueError):
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


def aware(festival: Festival, local: datetime) -> datetime:
    """Attach the festival's time zone to a local wall-clock time."""
    return local.replace(tzinfo=zone(festival))


def iso(festival: Festival, local: datetime) -> str:
    """ISO 8601 with the UTC offset, e.g. `2023-10-09T09:00:00+08:00`."""
    return aware(festival, local).isoformat()


def parse_iso_local(festival: Festival, text: str) -> datetime:
    """Read an ISO 8601 time (with offset) back to the festival's local wall clock."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(zone(festival)).replace(tzinfo=None)
