"""Large programmes: first fit, neighbourhood search and its lower bound, kept honest
against the whole-model solver and the validator on small generated programmes."""

from __future__ import annotations

import threading
from dataclasses import fields, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduler import config, days, generate, penalties, solver, validate
from scheduler.model import Placement, Timetable
from scheduler.solver import costs
from scheduler.solver import neighbourhoods as lns
from scheduler.solver.clock import Clock
from scheduler.solver.engine import Halt, Job, Request
from scheduler.solver.first_fit import first_fit
from scheduler.solver.repair import repair

OPTIONS = solver.Options(time_limit=20)


def as_timetable(festival, places) -> Timetable:
    clock = Clock(festival)
    placements = []
    for s in festival.sessions:
        venue, start = places[s.id]
        begins = clock.moment(start)
        placements.append(Placement(s.id, venue, begins, begins + timedelta(minutes=s.duration)))
    return Timetable(festival.id, tuple(placements))


@pytest.mark.parametrize("seed", range(15))
def test_first_fit_places_are_valid(seed):
    festival, _ = generate.published_programme(seed, generate.Programme(sessions=120, venues=5))
    places = first_fit(festival, solver.starts_table(festival), Clock(festival))
    assert len(places) == len(festival.sessions)
    assert validate.violations(festival, as_timetable(festival, places)) == []


@pytest.fixture
def neighbourhoods_always(monkeypatch):
    """Send every festival, however small, down the large-programme path."""
    monkeypatch.setattr(solver, "LARGE", 0)


def whole_model_optimum(festival, previous=None) -> solver.Result:
    result = solver.solve(festival, options=OPTIONS, previous=previous)
    assert result.proven_optimal
    return result


def neighbourhoods_against_whole_model(festival) -> tuple[solver.Result, int]:
    """Solve by neighbourhoods, check the result, and compare it with the proven optimum."""
    found = solver.solve(festival, options=OPTIONS)
    assert found.timetable is not None
    assert validate.violations(festival, found.timetable) == []
    assert penalties.score(festival, found.timetable)["total"] == found.timetable.objective
    solver.LARGE = 10**9
    best = whole_model_optimum(festival).timetable.objective
    assert found.timetable.bound <= best <= found.timetable.objective
    return found, best


@pytest.mark.parametrize("seed", range(10))
def test_neighbourhood_search_is_valid_and_its_bound_is_sound(seed, neighbourhoods_always):
    shape = generate.Programme(sessions=30, venues=2, days=2)
    festival, _ = generate.published_programme(seed, shape)
    found, best = neighbourhoods_against_whole_model(festival)
    if found.proven_optimal:
        assert found.timetable.objective == best


@pytest.mark.parametrize("seed", range(8))
def test_festivals_with_goals_spanning_days_also_solve(seed, neighbourhoods_always):
    festival, _ = generate.published(seed, generate.Shape(sessions=8, venues=3, days=5))
    neighbourhoods_against_whole_model(festival)


@pytest.mark.parametrize("seed", range(8))
def test_a_large_replan_moves_as_few_sessions_as_possible(seed, neighbourhoods_always):
    festival, published = generate.published_programme(
        seed, generate.Programme(sessions=40, venues=3)
    )
    fixed = {
        (p.venue, days.local_date(festival, p.start))
        for p in published.placements
        if festival.session(p.session).fixed
    }
    target = next(
        p
        for p in published.placements
        if (p.venue, days.local_date(festival, p.start)) not in fixed
    )
    target_day = days.local_date(festival, target.start)
    changed = generate.close_for_day(festival, target.venue, target_day)
    must = {
        p.session
        for p in published.placements
        if p.venue == target.venue and days.local_date(festival, p.start) == target_day
    }
    found = solver.solve(changed, options=OPTIONS, previous=published)
    if found.timetable is None:  # the closure left no room: the whole model agrees
        solver.LARGE = 10**9
        assert solver.solve(changed, options=OPTIONS, previous=published).status == "INFEASIBLE"
        return
    assert validate.violations(changed, found.timetable) == []
    assert validate.kept(festival, found.timetable, published, {}) == []
    moved = {
        p.session
        for p in found.timetable.placements
        if (p.venue, p.start)
        != (published.placement(p.session).venue, published.placement(p.session).start)
    }
    assert must <= moved
    assert penalties.moves(festival, found.timetable, published) == dict(found.timetable.moves)
    # as few moves as the whole model proves necessary (often only the closed room's)
    solver.LARGE = 10**9
    fewest = whole_model_optimum(changed, published).timetable.moves["moved"]
    assert found.timetable.moves["moved"] == fewest


def test_the_region_of_a_neighbourhood_keeps_what_other_days_impose():
    festival, published = generate.published_programme(2, generate.Programme(sessions=60, venues=4))
    clock = Clock(festival)
    places = lns.places_in(published.placements, clock)
    speaker = next(
        p for p in festival.people if sum(p.id in s.people for s in festival.sessions) > 1
    )
    talks = [s.id for s in festival.sessions if speaker.id in s.people]
    free = {talks[0]}
    day = clock.day(places[talks[0]][1])
    sub, left_out = lns.region(festival, places, free, {day}, clock)
    assert all(clock.day(places[sid][1]) != day for sid in left_out)
    away = {sid for sid in talks[1:] if sid in left_out}
    person = next(p for p in sub.people if p.id == speaker.id)
    # each of the speaker's talks on other days is now an absence of theirs
    assert len(person.unavailable) == len(speaker.unavailable) + len(away)
    assert sub.blackout and all((d - festival.start).days != day for d in sub.blackout)


def test_neighbourhood_search_is_repeatable(neighbourhoods_always):
    festival, _ = generate.published_programme(4, generate.Programme(sessions=60, venues=3))
    quick = solver.Options(time_limit=5)
    first = solver.solve(festival, options=quick).timetable
    again = solver.solve(festival, options=quick).timetable
    assert first == again


@pytest.mark.parametrize("seed", range(4))
def test_each_sessions_cheapest_place_is_the_least_of_all_its_places(seed):
    festival, _ = generate.published_programme(seed, generate.Programme(sessions=40, venues=3))
    clock, table = Clock(festival), solver.starts_table(festival)
    assert festival.weights.room_fit
    for s in festival.sessions:
        places = [(vid, t) for vid, starts in table[s.id].items() for t in starts]
        cost_at = {p: costs.preference_cost(festival, clock, s, p) for p in places}
        least, best = costs.cheapest(festival, clock, s, places)
        assert least == min(cost_at.values())
        assert best == [p for p in places if cost_at[p] == least]
        if costs.venue_only(s):  # read off the venues, the same least and places
            window = (0, max(t for _, t in places))
            assert costs.cheapest_venues(festival, s, table, window) == (least, best)


@pytest.mark.parametrize("seed", range(6))
def test_the_goals_the_registry_counts_per_session_are_what_the_validator_scores(seed):
    """Steps count what a left-out session costs on its own (`preference_cost`) for the
    goals `rules` marks per session, and keep every day for the others: per session
    must mean that the validator's score of every such goal is the sum of those costs."""
    festival, hidden = generate.published_programme(
        seed, generate.Programme(sessions=60, venues=4, wishes=0.6, attendees=30)
    )
    clock = Clock(festival)
    weights = {f.name for f in fields(festival.weights)}
    spanning = {goal: 0 for goal in costs.SPANNING_GOALS if goal in weights}
    spanning["tag_overlap"] = ()
    tables = {goal: () for goal in costs.SPANNING_GOALS if goal not in weights}
    assert {"together", "limits", "order"} <= set(tables)  # weighed hard rules weigh groups
    local = replace(festival, weights=replace(festival.weights, **spanning), **tables)
    places = lns.places_in(hidden.placements, clock)
    per_session = sum(costs.preference_cost(local, clock, s, places[s.id]) for s in local.sessions)
    score = penalties.score(local, hidden)
    assert per_session == score["total"] > 0
    assert any(festival.weight(goal) for goal in costs.SPANNING_GOALS)  # they were weighed


def test_dense_interest_is_planned_by_neighbourhoods_from_a_first_timetable_at_once(
    monkeypatch,
):
    """Attendees who chose most pairs of talks together: the search reports first fit's
    timetable as its first solution, scored exactly, before it computes any lower bound
    (they look at every place of every session), and Ctrl-C there keeps it."""
    from scheduler.solver.search import NeighbourhoodSearch

    shape = generate.Programme(sessions=100, venues=5, attendees=1000)
    festival, _ = generate.published_programme(3, shape)
    assert solver.size_of(festival, solver.starts_table(festival)) > solver.LARGE
    stop = threading.Event()
    reported = []
    bounded = []
    real = NeighbourhoodSearch._least_preferences

    def least_preferences(search):
        bounded.append(len(reported))
        return real(search)

    monkeypatch.setattr(NeighbourhoodSearch, "_least_preferences", least_preferences)

    def on_progress(progress):
        reported.append(progress)
        stop.set()

    result = solver.solve(festival, options=OPTIONS, on_progress=on_progress, stop=stop)
    assert result.interrupted and result.timetable is not None
    assert [p.solutions for p in reported] == [1] and bounded == [1]
    assert validate.violations(festival, result.timetable) == []
    score = penalties.score(festival, result.timetable)["total"]
    assert score == result.timetable.objective == reported[0].objective


@pytest.mark.parametrize("seed", range(3))
def test_attendee_clashes_around_pinned_sessions_count_exactly(seed, neighbourhoods_always):
    """Neighbourhood steps pin most sessions: a pair with a pinned session is a window on
    the other's start, a pair of pinned ones a constant; the total stays the validator's."""
    shape = generate.Programme(sessions=40, venues=3, attendees=150)
    festival, _ = generate.published_programme(seed, shape)
    result = solver.solve(festival, options=solver.Options(time_limit=2))
    assert result.timetable is not None
    assert validate.violations(festival, result.timetable) == []
    score = penalties.score(festival, result.timetable)
    assert score["total"] == result.timetable.objective
    assert score["attendee_clash"] == result.timetable.penalties["attendee_clash"]


def test_first_fit_keeps_travel_times_and_session_unavailability():
    """Generated festivals with `[travel]` and sessions' own `unavailable`: whatever first
    fit places, the validator accepts (what it cannot place, repair places)."""
    checked = set()
    for seed in range(40):
        festival, _ = generate.published(seed, generate.Shape(sessions=10, rules=0.6))
        places = first_fit(festival, solver.starts_table(festival), Clock(festival))
        placed = replace(festival, sessions=tuple(s for s in festival.sessions if s.id in places))
        problems = validate.violations(placed, as_timetable(placed, places))
        unkept = {"timetable.complete", "together"}  # first fit leaves groups to repair
        assert [p for p in problems if p.rule not in unkept] == [], seed
        if festival.travel.same_city or festival.travel.between:
            checked.add("travel")
        if any(s.unavailable for s in festival.sessions):
            checked.add("sessions.unavailable")
    assert checked == {"travel", "sessions.unavailable"}


#: one room, one day, a 90-minute slot and a 30-minute one; a 30- and a 90-minute talk
TWO_SLOTS = """\
[festival]
id = "slots"
name = "两个时段"
timezone = "Asia/Shanghai"
start = 2023-09-28
end = 2023-09-28
days = "all"
step = "30m"

[[venues]]
id = "hall"
name = "大厅"
city = "北京"
capacity = 100
hours = "09:00-11:00"
slots = ["09:00-10:30", "10:30-11:00"]

[[sessions]]
id = "short"
title = "短报告"
duration = "30m"

[[sessions]]
id = "long"
title = "长报告"
duration = "90m"
"""


def test_first_fit_moves_a_placed_talk_aside_to_make_room():
    """The published plan gave the short talk the long slot; a long talk joins: first fit
    moves the short one to the other slot rather than leaving the long one out."""
    festival = config.loads(TWO_SLOTS)
    clock = Clock(festival)
    nine = clock.minute(datetime(2023, 9, 28, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    table = solver.starts_table(festival)
    places = first_fit(festival, table, clock, wanted={"short": ("hall", nine)})
    assert places == {"long": ("hall", nine), "short": ("hall", nine + 90)}
    assert validate.violations(festival, as_timetable(festival, places)) == []


def test_repair_frees_the_talks_that_hold_the_places_of_those_left_out():
    """Given a timetable without the long talk, repair finds the short talk in its only
    slot, frees it and places both."""
    festival = config.loads(TWO_SLOTS)
    clock = Clock(festival)
    nine = clock.minute(datetime(2023, 9, 28, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    table = solver.starts_table(festival)
    job = Job(OPTIONS, Halt(threading.Event(), None), started=0.0)
    places = repair(Request(festival), {"short": ("hall", nine)}, table, clock, job)
    assert places is not None and set(places) == {"short", "long"}
    assert validate.violations(festival, as_timetable(festival, places)) == []


@pytest.mark.parametrize("named", [0.0, 1.0])
def test_programmes_whose_rooms_hold_one_track_per_half_day_are_placed(named):
    """Every room of a slotted programme hands its half-days to one track each, chosen by
    the solver or named in [[blocks]]: first fit (filling a track's blocks first) and
    repair find a valid timetable."""
    shape = generate.Programme(sessions=150, venues=10, slots=1.0, blocks=1.0, named_blocks=named)
    festival, _ = generate.published_programme(3, shape)
    assert festival.one_track_per_block and (bool(festival.blocks) == bool(named))
    result = solver.solve(festival, options=OPTIONS)
    assert result.timetable is not None
    assert validate.violations(festival, result.timetable) == []


def test_the_clock_running_out_keeps_the_best_timetable_found(neighbourhoods_always, monkeypatch):
    """When --max-seconds has run out by the end of a search whose goals span days, the
    timetable published is its best one, not first fit's again."""
    from scheduler.solver import engine

    shape = generate.Programme(sessions=60, venues=3)
    festival = next(
        f
        for f, _ in (generate.published_programme(seed, shape) for seed in range(20))
        if any(f.weight(goal) for goal in ("person_days", "track_days", "spread"))
    )
    reported = []
    real_left = engine.Options.left

    def left(options):
        if len(reported) >= 2 and options.deadline is not None:
            return 0.0  # the clock runs out once the search has improved on first fit
        return real_left(options)

    def cap_wall_clock(solver_, options):
        if options.left() == 0:  # out of time: a solve ends at once, whatever its size
            solver_.parameters.max_time_in_seconds = 0.0
        else:
            real_cap(solver_, options)

    real_cap = engine.cap_wall_clock
    monkeypatch.setattr(engine.Options, "left", left)
    monkeypatch.setattr(engine, "cap_wall_clock", cap_wall_clock)
    result = solver.solve(
        festival, options=solver.Options(max_seconds=10_000), on_progress=reported.append
    )
    assert len(reported) >= 2 and reported[1].objective < reported[0].objective
    assert result.stopped_by_clock
    assert result.timetable.objective == min(p.objective for p in reported)
    assert penalties.score(festival, result.timetable)["total"] == result.timetable.objective


def test_a_weighted_group_spread_over_days_makes_its_strays_targets():
    """A `[[together]]` goal is a target of the search like the other goals spanning days:
    its sessions away from the group's busiest day, to be moved to that day, charged the
    group's weight."""
    from scheduler.groups import Together

    festival, published = generate.published_programme(3, generate.Programme(sessions=40, venues=3))
    clock = Clock(festival)
    places = lns.places_in(published.placements, clock)
    by_day: dict[int, list[str]] = {}
    for sid, (_, start) in sorted(places.items()):
        by_day.setdefault(clock.day(start), []).append(sid)
    home, other = sorted(by_day, key=lambda d: -len(by_day[d]))[:2]
    group = (*by_day[home][:2], by_day[other][0])
    quiet = replace(festival.weights, tag_overlap=(), person_days=0, attendee_clash=0)
    festival = replace(festival, together=(Together(group, "day", weight=700),), weights=quiet)
    targets = lns.spanning_gains(festival, clock, places)
    stray = by_day[other][0]
    assert set(targets) == {stray}
    gains, charged = targets[stray]
    assert charged == 700
    assert gains(places[group[0]]) and not gains(places[stray])


def test_the_search_frees_the_costliest_target_first():
    """Of many sessions that could do better, the one that costs most is the one a step
    starts from (each pick is random, in proportion to what each costs beyond its least)."""
    import random

    festival, published = generate.published_programme(5, generate.Programme(sessions=60, venues=3))
    clock = Clock(festival)
    places = lns.places_in(published.placements, clock)
    targets = {sid: [places[sid]] for sid in sorted(places)[:12]}
    costly = sorted(targets)[7]
    excess = {sid: 1 for sid in targets} | {costly: 10**6}
    picked = 0
    uniform = 0
    for seed in range(40):
        free, _ = lns.choose(festival, clock, places, targets, random.Random(seed), 8, excess)
        picked += costly in free
        free, _ = lns.choose(festival, clock, places, targets, random.Random(seed), 8)
        uniform += costly in free
    assert picked == 40
    assert uniform < 40  # without what each costs, any of them may be the one


def test_a_step_into_a_block_held_by_another_track_frees_both_blocks_whole():
    """Where each block holds one track, a session can only move into another track's
    block with that whole block moving out: the step frees every session of the block it
    aims at and of the block it leaves, so the two tracks can trade blocks."""
    import random

    from scheduler.solver.grid import Blocks

    shape = generate.Programme(sessions=150, venues=10, slots=1.0, blocks=1.0)
    festival, published = generate.published_programme(3, shape)
    clock = Clock(festival)
    places = lns.places_in(published.placements, clock)
    blocks = Blocks(festival, clock)
    by_id = {s.id: s for s in festival.sessions}
    members: dict = {}
    for sid, (vid, start) in places.items():
        members.setdefault(blocks.of(vid, start), set()).add(sid)
    sid = next(sid for sid in sorted(places) if by_id[sid].track)
    own = blocks.of(*places[sid])
    aim = next(
        (key, sorted(sids)[0])
        for key, sids in sorted(members.items())
        if key[0] != own[0]
        and clock.day(key[1]) == clock.day(own[1])
        and len(sids) > 1
        and by_id[sorted(sids)[0]].track not in (None, by_id[sid].track)
    )
    (vid, _, _), holder = aim
    target = (vid, places[holder][1])
    both = members[own] | members[aim[0]]
    for seed in range(10):
        rng = random.Random(seed)
        free, _ = lns.choose(festival, clock, places, {sid: [target]}, rng, len(both) + 1)
        assert both <= free
