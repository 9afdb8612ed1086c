"""`current`: where a session stands now in the tool the programme is kept in (pretalx's
work-in-progress schedule). A plan moves as few sessions as possible from there, and the
change report says which moved there in that tool."""

from __future__ import annotations

from conftest import SMALL

from scheduler import config, solver
from scheduler import plan as planning

QUICK = solver.Options(time_limit=10)
KEYNOTE = 'current = { start = 2023-10-09T09:00:00, venue = "hall" }\n'
WORKSHOP = 'current = { start = 2023-10-09T14:00:00, venue = "hall" }\n'


def with_current(text: str, keynote: str = KEYNOTE, workshop: str = WORKSHOP) -> str:
    text = text.replace("attendance = 200\n", "attendance = 200\n" + keynote)
    return text.replace("attendance = 30\n", "attendance = 30\n" + workshop)


def places(plan) -> dict[str, tuple[str, str]]:
    return {p.session: (p.start.isoformat(), p.venue) for p in plan.timetable.placements}


def test_a_first_plan_keeps_every_valid_current_place(tmp_path):
    plan = planning.plan(config.loads(with_current(SMALL)), out=tmp_path, options=QUICK)
    assert places(plan) == {
        "keynote": ("2023-10-09T01:00:00+00:00", "hall"),
        "workshop": ("2023-10-09T06:00:00+00:00", "hall"),
    }


def test_only_what_must_move_from_its_current_place_moves(tmp_path):
    # the CEO cannot make the afternoon: the workshop moves, the keynote stays
    away = SMALL.replace(
        'name = "总经理"\n', 'name = "总经理"\nunavailable = ["2023-10-09 12:00-18:00"]\n'
    )
    plan = planning.plan(config.loads(with_current(away)), out=tmp_path, options=QUICK)
    assert places(plan)["keynote"] == ("2023-10-09T01:00:00+00:00", "hall")
    assert places(plan)["workshop"] != ("2023-10-09T06:00:00+00:00", "hall")
    assert plan.timetable.moves["moved"] == 1


def test_the_change_report_says_a_session_was_moved_where_it_is_kept(tmp_path):
    planning.plan(config.loads(with_current(SMALL)), out=tmp_path, options=QUICK)
    later = WORKSHOP.replace("14:00", "15:00")
    plan = planning.plan(
        config.loads(with_current(SMALL, workshop=later)), out=tmp_path, options=QUICK
    )
    assert places(plan)["workshop"] == ("2023-10-09T07:00:00+00:00", "hall")
    [change] = plan.changes
    assert change.session == "workshop"
    assert "moved there where the programme is kept" in change.reason
