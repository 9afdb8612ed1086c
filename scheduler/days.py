"""Festival days, working days and time zones.

Working days come from the `holidays` library: national holidays are days off,
and make-up working days (调休, weekend days that are worked) are days on. This
is the only module that attaches time zones to the festival's local times.
"""

from __future__ import annotations

import bisect
import math
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


class Clock:
    """The solver's time axis: whole minutes elapsed since the festival's first instant.

    Minutes on this axis are elapsed time, so durations, gaps and overlaps are
    plain differences even across a clock change; a day is as long as the
    festival's time zone makes it (23, 24 or 25 hours). Where no clock change
    falls inside the window every day is 1440 minutes long (`uniform`), and
    the conversions are plain arithmetic.
    """

    def __init__(self, festival: Festival):
        self.zone = zone(festival)
        self.first = festival.start
        dates = date_range(festival.start, festival.end + timedelta(days=1))
        self.origin = midnight(self.zone, festival.start)
        self.day_starts = [self.minute(midnight(self.zone, d)) for d in dates]
        offsets = {
            self.local(self.origin + timedelta(minutes=m)).utcoffset()
            for m in range(0, self.day_starts[-1] + 1440, 60)
        }
        self.uniform = len(offsets) == 1 and all(
            start == 1440 * i for i, start in enumerate(self.day_starts)
        )
        #: the unit every wall-clock grid start is a multiple of, for a grid of this step
        shifts = {int(o.total_seconds() // 60) for o in offsets if o is not None}
        self._shift = math.gcd(*(a - b for a in shifts for b in shifts)) if shifts else 0

    def unit(self, step: int) -> int:
        """The largest unit in which every start on a `step`-minute wall-clock grid is whole."""
        return math.gcd(step, self._shift) if self._shift else step

    def minute(self, moment: datetime) -> int:
        """The axis minute of an instant (rounded down)."""
        return int((moment - self.origin).total_seconds() // 60)

    def moment(self, minute: int) -> datetime:
        """The instant of an axis minute (UTC)."""
        return self.origin + timedelta(minutes=minute)

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    def day(self, minute: int) -> int:
        """The festival day (offset from the window's first date) an axis minute falls on."""
        if self.uniform:
            return minute // 1440
        return bisect.bisect_right(self.day_starts, minute) - 1

    def day_start(self, offset: int) -> int:
        """The axis minute at which day `offset` begins."""
        if self.uniform:
            return offset * 1440
        if offset < 0:
            return offset * 1440
        if offset >= len(self.day_starts):
            return self.day_starts[-1] + (offset - len(self.day_starts) + 1) * 1440
        return self.day_starts[offset]

    def time_of_day(self, minute: int) -> int:
        """Wall-clock minutes after local midnight at an axis minute."""
        if self.uniform:
            return minute % 1440
        wall = self.local(self.moment(minute))
        return wall.hour * 60 + wall.minute

    def wall_end(self, start: int, duration: int) -> int:
        """Wall-clock minutes after the start day's midnight at which a session ends
        (past 1440 when it ends on a later date)."""
        end = start + duration
        return self.time_of_day(end) + 1440 * (self.day(end) - self.day(start))

    def at(self, offset: int, minutes: int) -> int:
        """The axis minute of wall-clock time `minutes` (1440: the next midnight) on day
        `offset`, read as `instant` reads a wall-clock time."""
        if self.uniform:
            return offset * 1440 + minutes
        day = self.first + timedelta(days=offset)
        wall = datetime.combine(day, time()) + timedelta(minutes=minutes)
        return self.minute(instant(self.zone, wall))

    def wall(self, offset: int, minutes: int) -> list[int]:
        """Every axis minute at which the wall clock shows `minutes` on day `offset`:
        none when clocks skip it, two when they repeat it."""
        if self.uniform:
            return [offset * 1440 + minutes]
        day = self.first + timedelta(days=offset)
        wall = datetime.combine(day, time()) + timedelta(minutes=minutes)
        found = []
        for fold in (0, 1):
            moment = wall.replace(tzinfo=self.zone, fold=fold)
            if moment.astimezone(UTC).astimezone(self.zone).replace(tzinfo=None) != wall:
                continue  # skipped by a clock change
            minute = self.minute(moment.astimezone(UTC))
            if minute not in found:
                found.append(minute)
        return found
