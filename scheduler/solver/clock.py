"""The solver's time axis: minutes elapsed since the festival's first instant.

Only the solver counts time this way (durations, overlaps and gaps as differences of
minutes, right across clock changes); everything else works on instants (`days`).
"""

from __future__ import annotations

import bisect
import math
from datetime import UTC, datetime, time, timedelta

from ..days import date_range, instant, midnight, zone
from ..model import Festival


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
