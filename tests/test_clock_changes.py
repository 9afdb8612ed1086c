"""Days when the clocks change: durations are elapsed time, overlaps are judged on
instants, no session starts at a time the clocks skip, and a repeated hour is
usable and published without ambiguity.

New York: 2024-03-10 skips 02:00-03:00 (a 23-hour day), 2024-11-03 repeats
01:00-02:00 (25 hours). London: 2024-03-31 skips 01:00-02:00, 2024-10-27
repeats 01:00-02:00.
"""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import ics
import pytest
import vobject

from scheduler import config, days, penalties, solver, validate
from scheduler import plan as planning
from scheduler.model import Placement, Timetable
from scheduler.solver.clock import Clock
from scheduler.solver.grid import day_grid

OPTIONS = solver.Options(time_limit=30)
CHANGES = {
    ("America/New_York", "2024-03-10"): 23,
    ("America/New_York", "2024-11-03"): 25,
    ("Europe/London", "2024-03-31"): 23,
    ("Europe/London", "2024-10-27"): 25,
}


def all_night(zone: str, day: str, sessions: int, minutes: int = 60, extra: str = "") -> str:
    """One venue open all day and night on `day`, and `sessions` talks of `minutes`."""
    talks = "\n".join(
        f'[[sessions]]\nid = "t{i:02d}"\ntitle = "Talk {i}"\nduration = "{minutes}m"\n'
        for i in range(sessions)
    )
    return f"""\
[festival]
id = "night"
name = "All night"
timezone = "{zone}"
start = {day}
end = {day}
step = "30m"
{extra}
[[venues]]
id = "hall"
city = "X"
capacity = 100
hours = "00:00-24:00"

{talks}"""


@pytest.mark.parametrize(("zone", "day"), sorted(CHANGES))
def test_a_day_holds_as_many_hours_of_sessions_as_it_has(zone, day):
    hours = CHANGES[(zone, day)]
    festival = config.loads(all_night(zone, day, hours))
    result = solver.solve(festival, options=OPTIONS)
    assert result.timetable is not None, result.status
    assert validate.violations(festival, result.timetable) == []
    placements = sorted(result.timetable.placements, key=lambda p: p.start)
    tz = ZoneInfo(zone)
    for a, b in itertools.pairwise(placements):
        assert a.end <= b.start  # one room: back to back on instants, never overlapping
    for p in placements:
        assert p.end - p.start == timedelta(hours=1)  # elapsed time, whatever the clock shows
        wall = p.start.astimezone(tz)
        # the wall-clock reading, with its fold, names the instant (never a skipped time)
        named = wall.replace(tzinfo=None).replace(tzinfo=tz, fold=wall.fold).astimezone(UTC)
        assert named == p.start
        assert wall.date().isoformat() == day
    # one hour more than the day has: proven impossible, not merely not found
    assert solver.solve(config.loads(all_night(zone, day, hours + 1)), options=OPTIONS).status == (
        "INFEASIBLE"
    )


def test_no_session_starts_in_the_skipped_hour():
    festival = config.loads(all_night("America/New_York", "2024-03-10", 23))
    result = solver.solve(festival, options=OPTIONS)
    walls = {
        p.start.astimezone(ZoneInfo("America/New_York")).hour for p in result.timetable.placements
    }
    assert 2 not in walls  # 02:00-03:00 does not exist that day
    assert walls == set(range(24)) - {2}


def test_the_repeated_hour_holds_two_sessions_at_the_same_wall_clock_time(tmp_path):
    festival = config.loads(all_night("America/New_York", "2024-11-03", 25))
    done = planning.plan(
        festival, out=tmp_path, options=OPTIONS, at=datetime(2024, 10, 1, tzinfo=UTC)
    )
    published = json.loads((tmp_path / "timetable.json").read_text(encoding="utf-8"))
    starts = sorted(s["start"] for s in published["sessions"])
    assert "2024-11-03T01:00:00-04:00" in starts and "2024-11-03T01:00:00-05:00" in starts
    # every parser reads the same 25 distinct instants back from the feed
    data = (tmp_path / "festival.ics").read_bytes()
    expected = {e.start for e in done.entries}
    # compared in UTC: Python finds no time of a repeated hour equal to one in another zone
    by_icalendar = {e.start.astimezone(UTC) for e in icalendar.Calendar.from_ical(data).events}
    by_vobject = {
        e.dtstart.value.astimezone(UTC) for e in vobject.readOne(data.decode()).vevent_list
    }
    by_ics = {e.begin.datetime.astimezone(UTC) for e in ics.Calendar(data.decode()).events}
    assert len(expected) == 25
    assert by_icalendar == by_vobject == by_ics == expected
    # both 01:00s are written in UTC: with a TZID, clients disagree on which pass it means
    assert b"DTSTART:20241103T050000Z" in data and b"DTSTART:20241103T060000Z" in data
    assert_no_tzid_time_in_a_repeated_hour(data, "America/New_York")


def assert_no_tzid_time_in_a_repeated_hour(data: bytes, zone: str) -> None:
    """Every DTSTART/DTEND given on the zone's clock names one instant only."""
    tz = ZoneInfo(zone)
    for text in re_tzid_times(data, zone):
        wall = datetime.strptime(text, "%Y%m%dT%H%M%S")
        first, second = wall.replace(tzinfo=tz, fold=0), wall.replace(tzinfo=tz, fold=1)
        assert first.utcoffset() == second.utcoffset(), f"{text} is ambiguous in {zone}"


def re_tzid_times(data: bytes, zone: str) -> list[str]:
    import re

    unfolded = data.decode().replace("\r\n ", "")
    return re.findall(rf"^DT(?:START|END);TZID={zone}:(\d{{8}}T\d{{6}})\r$", unfolded, re.M)


def test_the_start_grid_of_the_fall_back_day_runs_in_time_order():
    """Blocks find their sessions by bisecting this grid: the repeated hour's second
    pass comes after the first pass's every time, not interleaved with it."""
    festival = config.loads(all_night("America/New_York", "2024-11-03", 1))
    clock = Clock(festival)
    grid = day_grid(clock, 15, 0)
    assert grid == sorted(grid) and len(grid) == 25 * 4


def test_a_session_ending_at_the_first_one_oclock_of_the_fall_back_night_is_unambiguous(
    tmp_path,
):
    """00:00-01:00 EDT ends at the first 01:00: five of seven parsers read
    `DTEND;TZID=America/New_York:20241103T010000` as the second (a 90-minute session
    that overlaps the next). Both passes, start and end, must read the same everywhere."""
    text = all_night("America/New_York", "2024-11-03", 2, minutes=60)
    text = text.replace('id = "t00"\n', 'id = "t00"\nfixed = "2024-11-03 00:00"\n')
    text = text.replace('id = "t01"\n', 'id = "t01"\nfixed = "2024-11-03 01:00"\n')
    festival = config.loads(text)
    done = planning.plan(
        festival, out=tmp_path, options=OPTIONS, at=datetime(2024, 10, 1, tzinfo=UTC)
    )
    placed = {p.session: p for p in done.timetable.placements}
    assert placed["t00"].end == placed["t01"].start == datetime(2024, 11, 3, 5, tzinfo=UTC)
    assert placed["t01"].end == datetime(2024, 11, 3, 6, tzinfo=UTC)  # the second 01:00
    data = (tmp_path / "festival.ics").read_bytes()
    assert_no_tzid_time_in_a_repeated_hour(data, "America/New_York")
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "01:00 EDT" in page and "01:00 EST" in page  # the page names both passes too
    for read in (
        lambda: {
            str(e["UID"]): (e.start, e.end) for e in icalendar.Calendar.from_ical(data).events
        },
        lambda: {
            e.uid.value: (e.dtstart.value, e.dtend.value)
            for e in vobject.readOne(data.decode()).vevent_list
        },
        lambda: {
            e.uid: (e.begin.datetime, e.end.datetime) for e in ics.Calendar(data.decode()).events
        },
    ):
        found = read()
        for sid in ("t00", "t01"):
            start, end = found[f"{sid}@night"]
            assert (start.astimezone(UTC), end.astimezone(UTC)) == (
                placed[sid].start,
                placed[sid].end,
            )


def test_a_fixed_time_in_the_repeated_hour_means_its_first_occurrence():
    text = all_night("Europe/London", "2024-10-27", 3).replace(
        'id = "t00"\n', 'id = "t00"\nfixed = "2024-10-27 01:30"\n'
    )
    festival = config.loads(text)
    result = solver.solve(festival, options=OPTIONS)
    start = result.timetable.placement("t00").start
    assert start == datetime(2024, 10, 27, 0, 30, tzinfo=UTC)  # 01:30 BST, not GMT


def test_venue_hours_on_a_short_day_end_at_the_wall_clock_time():
    # open 00:00-06:00: five hours on the day New York skips an hour
    text = all_night("America/New_York", "2024-03-10", 5).replace("00:00-24:00", "00:00-06:00")
    festival = config.loads(text)
    assert validate.violations(festival, solver.solve(festival, options=OPTIONS).timetable) == []
    six = config.loads(
        all_night("America/New_York", "2024-03-10", 6).replace("00:00-24:00", "00:00-06:00")
    )
    assert solver.solve(six, options=OPTIONS).status == "INFEASIBLE"


def test_changeovers_and_breaks_count_elapsed_minutes_across_the_change():
    # two talks by one person with a 30-minute break; 01:30 EDT → 01:15 EST is 45 minutes
    text = all_night("America/New_York", "2024-11-03", 0) + (
        '[[people]]\nid = "li"\nbreak = "30m"\n\n'
        '[[sessions]]\nid = "a"\ntitle = "A"\nduration = "30m"\npeople = ["li"]\n\n'
        '[[sessions]]\nid = "b"\ntitle = "B"\nduration = "30m"\npeople = ["li"]\n'
    )
    festival = config.loads(text.replace('step = "30m"', 'step = "15m"'))
    first = datetime(2024, 11, 3, 5, 0, tzinfo=UTC)  # 01:00 EDT
    close = Timetable(
        "night",
        (
            Placement("a", "hall", first, first + timedelta(minutes=30)),  # to 01:30 EDT
            # 01:15 EST: the wall clock says 15 minutes *before* a ended, but 45 have passed
            Placement("b", "hall", first + timedelta(minutes=75), first + timedelta(minutes=105)),
        ),
    )
    assert validate.violations(festival, close) == []
    too_close = Timetable(
        "night",
        (
            close.placements[0],
            Placement("b", "hall", first + timedelta(minutes=45), first + timedelta(minutes=75)),
        ),
    )
    assert {v.rule for v in validate.violations(festival, too_close)} == {"people.break"}


def test_the_validator_judges_durations_and_overlaps_on_instants():
    festival = config.loads(all_night("America/New_York", "2024-03-10", 2, minutes=120))
    zone = ZoneInfo("America/New_York")
    # 01:00-04:00 on the wall clock is two hours of elapsed time that day: right
    one = days.instant(zone, datetime(2024, 3, 10, 1, 0))
    two = days.instant(zone, datetime(2024, 3, 10, 4, 0))
    good = Timetable(
        "night",
        (
            Placement("t00", "hall", one, one + timedelta(hours=2)),
            Placement("t01", "hall", two, two + timedelta(hours=2)),
        ),
    )
    assert one + timedelta(hours=2) == days.instant(zone, datetime(2024, 3, 10, 4, 0))
    assert validate.violations(festival, good) == []
    # a three-hour wall-clock span is not what the session lasts
    wrong = Timetable(
        "night",
        (
            Placement("t00", "hall", one, one + timedelta(hours=3)),
            good.placements[1],
        ),
    )
    assert {v.rule for v in validate.violations(festival, wrong)} >= {"sessions.duration"}


def test_generated_festivals_across_clock_changes_solve_and_validate():
    from scheduler import generate

    shape = generate.Shape(sessions=8, venues=2, people=3, days=4, rules=0.4, step=30)
    checked = 0
    for seed in range(400):
        festival = config.loads(generate.festival_toml(seed, shape))
        clock = Clock(festival)
        if clock.uniform:
            continue
        result = solver.solve(festival, options=OPTIONS)
        assert result.status == "OPTIMAL", seed
        assert validate.violations(festival, result.timetable) == []
        assert penalties.score(festival, result.timetable)["total"] == result.timetable.objective
        checked += 1
        if checked == 25:
            break
    assert checked == 25
