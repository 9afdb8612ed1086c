"""Sessions that run more than once (`runs`): each run placed on its own, on a day of its
own unless `runs_same_day`, with its own identity in feeds and conference-app exports."""

from __future__ import annotations

import json

import icalendar
from conftest import SMALL

from scheduler import config, plan, solver, validate
from scheduler.solver.explain import explain

QUICK = solver.Options(time_limit=10)
TWICE = SMALL.replace("attendance = 30\n", "attendance = 30\nruns = 2\n")


def _places(festival, timetable):
    return {p.session: p for p in timetable.placements}


def test_each_run_is_placed_on_a_day_of_its_own():
    festival = config.loads(TWICE)
    assert [s.id for s in festival.sessions] == ["keynote", "workshop", "workshop-run-2"]
    result = solver.solve(festival, options=QUICK)
    assert validate.violations(festival, result.timetable) == []
    placed = _places(festival, result.timetable)
    first, second = placed["workshop"], placed["workshop-run-2"]
    assert first.start.date() != second.start.date()
    assert second.end - second.start == first.end - first.start


def test_runs_same_day_lets_two_runs_share_a_day_but_never_a_time():
    one_day = TWICE.replace("runs = 2\n", "runs = 2\nruns_same_day = true\n").replace(
        'step = "30m"', 'step = "30m"\nblackout = [2023-09-28, 2023-10-07, 2023-10-08, 2023-10-10]'
    )
    festival = config.loads(one_day)
    result = solver.solve(festival, options=QUICK)
    assert validate.violations(festival, result.timetable) == []
    placed = _places(festival, result.timetable)
    a, b = placed["workshop"], placed["workshop-run-2"]
    assert a.start.date() == b.start.date() and (a.end <= b.start or b.end <= a.start)


def test_more_runs_than_days_is_explained_by_the_runs_rule():
    three = TWICE.replace("runs = 2\n", "runs = 3\n").replace(
        'step = "30m"', 'step = "30m"\nblackout = [2023-09-28, 2023-10-07, 2023-10-08]'
    )
    festival = config.loads(three)
    assert solver.solve(festival, options=QUICK).timetable is None
    found = explain(festival, time_limit=10)
    named = {(instance.name, instance.key) for instance in found.rules}
    assert ("sessions.runs", "sessions[1].runs") in named


def test_a_reference_to_a_session_with_runs_names_every_run():
    text = TWICE.replace(
        'people = ["ceo"]\n\n[[sessions]]',
        'people = ["ceo"]\nafter = ["workshop"]\n\n[[sessions]]',
        1,
    )
    festival = config.loads(text)
    assert festival.session("keynote").after == ("workshop", "workshop-run-2")
    result = solver.solve(festival, options=QUICK)
    placed = _places(festival, result.timetable)
    assert placed["keynote"].start >= max(placed["workshop"].end, placed["workshop-run-2"].end)


def test_each_run_has_its_own_uid_guid_and_event_number(tmp_path):
    festival = config.loads(TWICE)
    plan.plan(festival, out=tmp_path, options=QUICK)
    calendar = icalendar.Calendar.from_ical((tmp_path / "festival.ics").read_bytes())
    events = [e for e in calendar.walk("VEVENT")]
    titles = [str(e["SUMMARY"]) for e in events]
    assert titles.count("工作坊") == 2
    assert len({str(e["UID"]) for e in events}) == len(events) == 3
    schedule = json.loads((tmp_path / "schedule.json").read_text(encoding="utf-8"))
    talks = [
        event
        for day in schedule["schedule"]["conference"]["days"]
        for room in day["rooms"].values()
        for event in room
    ]
    runs = [t for t in talks if t["title"] == "工作坊"]
    assert len(runs) == 2
    assert len({t["guid"] for t in runs}) == 2 and len({t["id"] for t in runs}) == 2
    assert runs[0]["persons"] == runs[1]["persons"]
