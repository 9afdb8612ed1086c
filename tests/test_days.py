"""Working days from the holiday library, and local times with offsets."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from scheduler import days
from scheduler.model import DayRule


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
    assert days.iso(festival, datetime(2023, 10, 9, 9, 30)) == "2023-10-09T09:30:00+08:00"
    assert days.parse_iso_local(festival, "2023-10-09T01:30:00+00:00") == datetime(
        2023, 10, 9, 9, 30
    )


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
