"""Solver and validator keep each other honest on generated festivals.

Every generated festival is feasible by construction (the generator hides a valid
timetable in it), so the solver must always find a timetable, the validator must
find nothing wrong with it, and both must agree on its penalty. On tiny festivals
an exhaustive search through the validator alone confirms the solver's optimum.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from exhaustive import valid_timetables

from scheduler import days, generate, penalties, solver, validate

OPTIONS = solver.Options(time_limit=20)
SHAPES = {
    "default": generate.Shape(),
    "busy": generate.Shape(sessions=10, venues=3, people=4, days=5, rules=0.5, step=30, pinned=0.2),
    "strict": generate.Shape(sessions=5, venues=2, people=2, days=4, rules=0.9),
}


@pytest.mark.parametrize("seed", range(200))
def test_generated_festival_solves_and_validates(seed):
    shape = list(SHAPES.values())[seed % len(SHAPES)]
    text = generate.festival_toml(seed, shape)
    festival = generate.loads(seed, shape)  # the TOML text and its attendees' interest
    result = solver.solve(festival, options=OPTIONS)
    assert result.status == "OPTIMAL", f"seed {seed}: {result.status}\n{text}"
    assert validate.violations(festival, result.timetable) == []
    score = penalties.score(festival, result.timetable)
    assert score["total"] == result.timetable.objective
    assert {g: score[g] for g in result.timetable.penalties} == dict(result.timetable.penalties)


def exhaustive_best(festival) -> int | None:
    """The lowest penalty over every valid timetable, found by the validator alone."""
    scores = [penalties.score(festival, t)["total"] for t in valid_timetables(festival)]
    return min(scores, default=None)


@pytest.mark.parametrize("seed", range(40))
def test_solver_optimum_matches_exhaustive_search(seed):
    shape = generate.Shape(sessions=3, venues=2, people=2, tracks=2, days=3, step=120, rules=0.5)
    festival = generate.loads(1000 + seed, shape)
    result = solver.solve(festival, options=OPTIONS)
    assert result.status == "OPTIMAL"
    assert result.timetable.objective == exhaustive_best(festival)


@pytest.mark.parametrize("seed", range(40))
def test_re_plans_of_generated_festivals_validate(seed):
    """Close the venue of one session for its day; the re-plan keeps every rule (pinned
    sessions, and on odd seeds those before a freeze date, stay) and the solver's count of
    moves matches the validator's."""

    from scheduler import plan as planning

    festival = generate.loads(3000 + seed, SHAPES["busy"])
    previous = solver.solve(festival, options=OPTIONS).timetable
    target = previous.placements[seed % len(previous.placements)]
    changed = generate.close_for_day(
        festival, target.venue, days.local_date(festival, target.start)
    )
    first = min(days.local_date(festival, p.start) for p in previous.placements)
    freeze = first + timedelta(days=1) if seed % 2 else None
    keep = planning.kept_sessions(changed, previous, freeze)
    try:
        result, timetable = planning.schedule(
            changed, options=OPTIONS, previous=previous, keep=keep
        )
    except planning.NoTimetable as error:
        assert error.result.status == "INFEASIBLE"
        if error.conflicts:  # kept sessions in the closure, found before any search
            assert all(v.rule == "venues.closed" and rules for v, rules in error.conflicts)
        else:
            assert error.explanation is not None and error.explanation.rules
        return
    assert timetable.moves["moved"] >= 1
    assert timetable.placement(target.session) != target
    assert result.status == "OPTIMAL"


def unsatisfiable_groups(seed: int):
    """A generated conference large enough for the neighbourhood search, with a hard
    `[[together]]` group no timetable keeps: a block whose first session is fixed after
    its second, a block longer than any room is open, or one day for two sessions fixed
    on different days."""
    from dataclasses import replace

    from scheduler.groups import Together
    from scheduler.model import Fixed

    festival, hidden = generate.published_programme(seed, generate.Programme(sessions=200))
    placed = {p.session: p for p in hidden.placements}
    a, b, c = festival.sessions[:3]
    kind = seed % 3
    if kind == 0:  # b must follow a at once, but a is fixed where b's place is taken
        sessions = (replace(a, fixed=Fixed(placed[a.id].start, placed[a.id].venue)), b)
        group = Together((b.id, a.id), "block")
    elif kind == 1:  # back to back for longer than any room is open
        long = [replace(s, duration=300) for s in (a, b, c)]
        sessions = tuple(long[:2])
        group = Together((a.id, b.id, c.id), "block")
        sessions = (*sessions, long[2])
    else:  # one day, but fixed on two
        later = placed[b.id].start + timedelta(days=1)
        sessions = (
            replace(a, fixed=Fixed(placed[a.id].start, placed[a.id].venue)),
            replace(b, fixed=Fixed(later if later.date() != placed[a.id].start.date() else
                                   placed[b.id].start - timedelta(days=1))),
        )  # fmt: skip
        group = Together((a.id, b.id), "day")
    rest = tuple(s for s in festival.sessions if s.id not in {x.id for x in sessions})
    return replace(festival, sessions=(*sessions, *rest), together=(group,))


@pytest.mark.parametrize("seed", range(3, 9))
def test_an_unsatisfiable_hard_group_ends_the_solve_never_crashes_it(seed):
    """The repair of what first fit leaves out must handle sessions of hard groups that
    have a place of their own (fixed) or none: the solve proves that no timetable exists
    (or stops at its cap without one), whichever path finds it."""
    festival = unsatisfiable_groups(seed)
    assert solver.size_of(festival, solver.starts_table(festival)) > solver.LARGE
    result = solver.solve(festival, options=solver.Options(time_limit=3, max_seconds=8))
    assert result.timetable is None and result.status in ("INFEASIBLE", "UNKNOWN")


def test_an_unsatisfiable_hard_group_is_explained_with_its_keys():
    from scheduler import plan as planning

    with pytest.raises(planning.NoTimetable) as raised:
        planning.schedule(unsatisfiable_groups(5), options=solver.Options(time_limit=3))
    assert raised.value.result.status == "INFEASIBLE"
    assert "together[0]" in str(raised.value) or "fixed" in str(raised.value)
