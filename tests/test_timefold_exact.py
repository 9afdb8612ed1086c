"""The Timefold converter states Timefold's conference-scheduling model exactly: on a
small Timefold-shaped data set written here, festival's own penalties of any timetable
equal Timefold's soft score constraint by constraint (`benchmarks/timefold_exact.py`,
which runs the same check on the published 216-talk solution)."""

from __future__ import annotations

import random
import sys
from datetime import datetime, timedelta

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

import timefold_convert
import timefold_exact
from timefold_model import Problem, Room, Speaker, Talk, Timeslot, score

from scheduler import config, solver, validate


def _slots() -> dict[str, Timeslot]:
    """Three days; each day three 60-minute talk slots and a 120-minute lab slot over
    the first two of them (labs overlap talks, as in Timefold's data)."""
    slots = {}
    for day in range(3):
        base = datetime(2027, 5, 3 + day, 9, 0)
        for k in range(3):
            start = base + timedelta(minutes=75 * k)
            tags = frozenset({"morning"} if k == 0 else {"after-coffee"})
            slots[f"d{day}t{k}"] = Timeslot(f"d{day}t{k}", start, start + timedelta(hours=1), tags)
        slots[f"d{day}lab"] = Timeslot(
            f"d{day}lab", base, base + timedelta(hours=2), frozenset({"lab"})
        )
    return slots


def problem() -> Problem:
    slots = _slots()
    rooms = {
        "r0": Room("r0", "Main hall", 400, frozenset({"recorded", "stage"})),
        "r1": Room("r1", "Room B", 120, frozenset({"recorded"})),
        "r2": Room("r2", "Room C", 60, frozenset({"whiteboard"})),
        "r3": Room("r3", "Lab", 30, frozenset({"computers"})),
    }
    talk_slots = frozenset(k for k in slots if "lab" not in k)
    lab_slots = frozenset(k for k in slots if "lab" in k)
    types = {
        "talk": (talk_slots, frozenset({"r0", "r1", "r2"})),
        "lab": (lab_slots, frozenset({"r3"})),
    }
    speakers = {
        f"s{i}": Speaker(
            f"s{i}",
            f"Speaker {i}",
            frozenset({"d0t0"} if i == 1 else set()),
            ("morning",) if i == 2 else (),
            ("after-coffee",) if i == 3 else (),
            ("recorded",) if i == 2 else (),
            ("recorded",) if i in (0, 5) else (),
            ("stage",) if i == 6 else (),
            ("whiteboard",) if i == 1 else (),
        )
        for i in range(7)
    }
    rng = random.Random(7)
    themes, sectors, contents = ["ai", "web", "data"], ["gov", "bank"], ["python", "ml", "sql"]
    talks = []
    for i in range(14):
        lab = i >= 11
        talks.append(
            Talk(
                key=f"k{i}",
                code=f"T{i:02d}",
                title=f"Talk {i}",
                talk_type="lab" if lab else "talk",
                speakers=(f"s{i % 7}",) + ((f"s{(i + 3) % 7}",) if i % 4 == 0 else ()),
                theme_tracks=tuple(rng.sample(themes, rng.randint(1, 2))),
                sectors=tuple(rng.sample(sectors, rng.randint(0, 1))),
                audience_types=tuple(rng.sample(["dev", "manager", "student"], rng.randint(1, 2))),
                audience_level=rng.randint(1, 3),
                contents=tuple(rng.sample(contents, rng.randint(0, 2))),
                language="en" if i % 5 else "zh",
                required_room_tags=("computers",) if lab else (),
                preferred_room_tags=("recorded",) if i % 3 == 0 else (),
                prohibited_room_tags=(),
                undesired_room_tags=("whiteboard",) if i % 4 == 1 else (),
                exclusive_tags=("keynote",) if i in (0, 1) else (),
                prerequisites=("k2",) if i == 9 else (),
                favourites=rng.randint(0, 300),
                crowd_risk=1 if i in (3, 4, 5) else 0,
                pinned=False,
                timeslot=None,
                room=None,
            )
        )
    return Problem(
        name="fixture",
        pause_minutes=15,
        weight_overrides={"Popular talks": (0, 7), "Language diversity": (0, 3)},
        talk_types=types,
        timeslots=slots,
        rooms=rooms,
        speakers=speakers,
        talks=tuple(talks),
        stored_score=None,
    )


def _random_placement(p: Problem, rng: random.Random) -> dict[str, tuple[str, str]]:
    placement = {}
    for talk in p.talks:
        slots, rooms = p.talk_types[talk.talk_type]
        placement[talk.key] = (rng.choice(sorted(slots)), rng.choice(sorted(rooms)))
    return placement


@pytest.mark.parametrize("seed", range(12))
def test_on_any_timetable_each_goal_equals_the_timefold_constraints_it_states(seed):
    p = problem()
    rows = timefold_exact.compare(p, _random_placement(p, random.Random(seed)))
    assert [(goal, ours) for goal, ours, _ in rows] == [(goal, t) for goal, _, t in rows]
    assert {goal for goal, _, _ in rows} == set(timefold_convert.STATES)


def test_festivals_timetable_keeps_timefolds_hard_rules_and_scores_the_same():
    p = problem()
    festival = config.loads(timefold_convert.definition(p, "fixture"))
    result = solver.solve(festival, options=solver.Options(time_limit=20))
    assert result.timetable is not None
    assert validate.violations(festival, result.timetable) == []
    slot_of = {(s.start, s.end): key for key, s in p.timeslots.items()}
    room_of = {timefold_convert.slug(r.name): key for key, r in p.rooms.items()}
    talk_of = {timefold_convert.slug(t.code): t.key for t in p.talks}
    placement = {
        talk_of[x.session]: (
            slot_of[(x.start.replace(tzinfo=None), x.end.replace(tzinfo=None))],
            room_of[x.venue],
        )
        for x in result.timetable.placements
    }
    hard, soft = score(p, placement)
    assert hard == 0
    rows = timefold_exact.compare(p, placement)
    assert all(ours == theirs for _, ours, theirs in rows), rows
    # festival's objective is Timefold's soft score, negated, plus the rewards constant
    assert result.timetable.objective == -soft + timefold_convert.possible_rewards(p)
