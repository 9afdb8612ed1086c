"""Solver and validator keep each other honest on generated festivals.

Every generated festival is feasible by construction (the generator hides a valid
timetable in it), so the solver must always find a timetable, the validator must
find nothing wrong with it, and both must agree on its penalty. On tiny festivals
an exhaustive search through the validator alone confirms the solver's optimum.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest

from scheduler import config, generate, solver, validate
from scheduler.model import Placement, Timetable

OPTIONS = solver.Options(time_limit=20)
SHAPES = {
    "default": generate.Shape(),
    "busy": generate.Shape(sessions=10, venues=3, people=4, days=5, rules=0.5, step=30),
    "strict": generate.Shape(sessions=5, venues=2, people=2, days=4, rules=0.9),
}


@pytest.mark.parametrize("seed", range(200))
def test_generated_festival_solves_and_validates(seed):
    shape = list(SHAPES.values())[seed % len(SHAPES)]
    text = generate.festival_toml(seed, shape)
    festival = config.loads(text, source=f"generated-{seed}.toml")
    result = solver.solve(festival, OPTIONS)
    assert result.status == "OPTIMAL", f"seed {seed}: {result.status}\n{text}"
    assert validate.violations(festival, result.timetable) == []
    score = validate.score(festival, result.timetable)
    assert score["total"] == result.timetable.objective
    assert {g: score[g] for g in result.timetable.penalties} == dict(result.timetable.penalties)


def exhaustive_best(festival) -> int | None:
    """The lowest penalty over every valid timetable, found by the validator alone."""
    days = [
        festival.start + timedelta(days=i) for i in range((festival.end - festival.start).days + 1)
    ]
    options = []
    for s in festival.sessions:
        here = []
        for day, venue in itertools.product(days, festival.venues):
            for minute in range(6 * 60, 22 * 60 - s.duration + 1, festival.step):
                start = datetime.combine(day, datetime.min.time()) + timedelta(minutes=minute)
                one = Placement(s.id, venue.id, start, start + timedelta(minutes=s.duration))
                # keep only placements that break no rule about this session alone
                alone = Timetable(festival.id, (one,))
                broken = [
                    v
                    for v in validate.violations(festival, alone)
                    if v.rule != "sessions" and v.rule != "sessions.after"
                ]
                if not broken:
                    here.append(one)
        options.append(here)
    best = None
    for combo in itertools.product(*options):
        timetable = Timetable(festival.id, tuple(combo))
        if not validate.violations(festival, timetable):
            total = validate.score(festival, timetable)["total"]
            best = total if best is None else min(best, total)
    return best


@pytest.mark.parametrize("seed", range(40))
def test_solver_optimum_matches_exhaustive_search(seed):
    shape = generate.Shape(sessions=3, venues=2, people=2, tracks=2, days=3, step=120, rules=0.5)
    festival = config.loads(generate.festival_toml(1000 + seed, shape))
    result = solver.solve(festival, OPTIONS)
    assert result.status == "OPTIMAL"
    assert result.timetable.objective == exhaustive_best(festival)


@pytest.mark.parametrize("seed", range(40))
def test_re_plans_of_generated_festivals_validate(seed):
    """Close the venue of one session for its day; the re-plan keeps every rule and the
    solver's count of moves matches the validator's."""
    from dataclasses import replace

    from scheduler import plan as planning
    from scheduler.model import Period

    festival = config.loads(generate.festival_toml(3000 + seed, SHAPES["busy"]))
    previous = solver.solve(festival, OPTIONS).timetable
    target = previous.placements[seed % len(previous.placements)]
    day = datetime.combine(target.start.date(), datetime.min.time())
    venues = tuple(
        replace(v, closed=(*v.closed, Period(day, day + timedelta(days=1))))
        if v.id == target.venue
        else v
        for v in festival.venues
    )
    changed = replace(festival, venues=venues)
    try:
        result, timetable = planning.schedule(changed, OPTIONS, previous=previous)
    except planning.NoTimetable as error:
        assert error.result.status == "INFEASIBLE"
        assert error.explanation is not None and error.explanation.rules
        return
    assert timetable.moves["moved"] >= 1
    assert timetable.placement(target.session) != target
    assert result.status == "OPTIMAL"
