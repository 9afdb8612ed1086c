"""Working days from the holiday library, and local times with offsets."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from scheduler import days
from scheduler.model import DayRule
from scheduler.solver.clock import Clock


def test_china_national_day_is_off_and_the_make_up_weekend_is_on():
    allowed, warnings = days.working_days(
        DayRule("workdays", "CN"), date(2023, 9, 28), date(2023, 10, 15)
    )
    assert warnings == []
    assert sorted(allowed) == [
        date(2023, 9, 28),  # Thursday before Mid-Autumn
        date(2023, 10, 7),
        date(2023, 10, 8),  # Saturday and Sunday worked (调休)
        date(2023, 10, 9),
        date(2023, 10, 10),
        date(2023, 10, 11),
        date(2023, 10, 12),
        date(2023, 10, 13),
    ]


def test_spring_festival_2024_moves_two_sundays_to_working_days():
    allowed, _ = days.working_days(DayRule("workdays", "CN"), date(2024, 2, 3), date(2024, 2, 19))
    assert date(2024, 2, 4) in allowed and date(2024, 2, 18) in allowed
    assert not any(date(2024, 2, d) in allowed for d in range(10, 18))


def test_weekdays_and_all():
    week = (date(2023, 10, 9), date(2023, 10, 15))
    assert len(days.working_days(DayRule("weekdays"), *week)[0]) == 5
    assert len(days.working_days(DayRule("all"), *week)[0]) == 7


def test_unknown_year_raises_and_fallback_warns():
    window = (date(2031, 9, 29), date(2031, 10, 10))
    with pytest.raises(days.CalendarError, match="no official CN working-day calendar for 2031"):
        days.working_days(DayRule("workdays", "CN"), *window)
    allowed, warnings = days.working_days(DayRule("workdays", "CN", fallback=True), *window)
    assert warnings and "2031" in warnings[0]
    assert date(2031, 10, 1) not in allowed  # National Day is still known
    assert date(2031, 9, 29) in allowed and date(2031, 10, 4) not in allowed  # Mon on, Sat off


def test_unknown_country_is_a_calendar_error():
    with pytest.raises(days.CalendarError, match="no calendar for country 'XX'"):
        days.working_days(DayRule("workdays", "XX"), date(2023, 1, 1), date(2023, 1, 2))


def test_local_times_get_the_festival_offset(small_config):
    from scheduler import config

    festival = config.load(small_config)
    moment = datetime(2023, 10, 9, 1, 30, tzinfo=UTC)
    assert days.iso(festival, moment) == "2023-10-09T09:30:00+08:00"
    assert days.instant(days.zone(festival), datetime(2023, 10, 9, 9, 30)) == moment


def test_festival_days_drop_blackouts(small_config):
    from dataclasses import replace

    from scheduler import config

    festival = replace(config.load(small_config), blackout=(date(2023, 10, 9),))
    assert days.festival_days(festival) == [
        date(2023, 9, 28),
        date(2023, 10, 7),
        date(2023, 10, 8),
        date(2023, 10, 10),
    ]


# --- clock changes: wall-clock times as instants, and the solver's minute axis ---------

NEW_YORK = ZoneInfo("America/New_York")


def test_a_repeated_wall_clock_time_means_its_first_occurrence():
    # 2024-11-03: New York's clocks go back from 02:00 EDT to 01:00 EST
    first = days.instant(NEW_YORK, datetime(2024, 11, 3, 1, 30))
    assert first == datetime(2024, 11, 3, 5, 30, tzinfo=UTC)  # 01:30 EDT, not EST


def test_a_skipped_wall_clock_time_is_read_with_the_offset_before_the_gap():
    # 2024-03-10: New York's clocks skip from 02:00 EST to 03:00 EDT
    skipped = days.instant(NEW_YORK, datetime(2024, 3, 10, 2, 30))
    assert skipped == datetime(2024, 3, 10, 7, 30, tzinfo=UTC)  # = 03:30 EDT
    assert skipped.astimezone(NEW_YORK).hour == 3


def _clock(start: date, end: date, zone: str = "America/New_York") -> Clock:
    from dataclasses import replace

    from conftest import SMALL

    from scheduler import config

    festival = config.loads(SMALL)
    return Clock(replace(festival, timezone=zone, start=start, end=end))


def test_clock_days_are_as_long_as_the_time_zone_makes_them():
    spring = _clock(date(2024, 3, 9), date(2024, 3, 11))
    assert not spring.uniform
    assert [spring.day_start(d) for d in range(4)] == [0, 1440, 1440 + 1380, 1440 + 1380 + 1440]
    autumn = _clock(date(2024, 11, 2), date(2024, 11, 4))
    assert [autumn.day_start(d) for d in range(4)] == [0, 1440, 1440 + 1500, 1440 + 1500 + 1440]
    assert _clock(date(2023, 10, 9), date(2023, 10, 12), "Asia/Shanghai").uniform


def test_clock_wall_times_are_skipped_or_repeated_on_change_days():
    spring = _clock(date(2024, 3, 10), date(2024, 3, 10))
    assert spring.wall(0, 2 * 60 + 30) == []  # 02:30 does not exist
    assert spring.wall(0, 3 * 60) == [120]  # 03:00 EDT is two hours after midnight
    autumn = _clock(date(2024, 11, 3), date(2024, 11, 3))
    assert autumn.wall(0, 60 + 30) == [90, 150]  # 01:30 EDT, then 01:30 EST
    assert autumn.time_of_day(150) == 90
    assert autumn.at(0, 90) == 90  # a repeated time in the definition: its first occurrence
    assert autumn.wall_end(0, 25 * 60) == 1440  # 25 hours of elapsed time end at midnight


def test_clock_unit_divides_every_grid_start_across_a_change():
    assert _clock(date(2024, 3, 9), date(2024, 3, 11)).unit(45) == 15
    assert _clock(date(2024, 3, 9), date(2024, 3, 11)).unit(30) == 30
    assert _clock(date(2023, 10, 9), date(2023, 10, 12), "Asia/Shanghai").unit(45) == 45
