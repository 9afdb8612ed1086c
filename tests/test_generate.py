"""Generated conference programmes: written as a user would, always solvable and valid."""

from __future__ import annotations

import pytest

from scheduler import config, generate, penalties, solver, validate
from scheduler.solver.clock import Clock

SIZES = [
    generate.Programme(sessions=12, venues=2, days=2),
    generate.Programme(sessions=40, venues=3),
    generate.Programme(sessions=80, venues=6, days=2, step=30),
]


@pytest.mark.parametrize("seed", range(12))
def test_generated_programme_solves_and_validates(seed):
    shape = SIZES[seed % len(SIZES)]
    text = generate.programme_toml(seed, shape)
    festival = config.loads(text, source=f"conference-{seed}.toml")
    assert len(festival.sessions) == shape.sessions
    result = solver.solve(festival, options=solver.Options(time_limit=5))
    assert result.timetable is not None, f"seed {seed}: {result.status}"
    assert validate.violations(festival, result.timetable) == []
    assert penalties.score(festival, result.timetable)["total"] == result.timetable.objective


@pytest.mark.parametrize("seed", range(24))
def test_the_hidden_timetable_keeps_every_rule(seed):
    step = (15, 30, 60)[seed % 3]
    festival, witness = generate.published_programme(
        seed, generate.Programme(sessions=150, venues=8 if step < 60 else 14, step=step)
    )
    assert validate.violations(festival, witness) == []


def test_programmes_use_what_conferences_need():
    festival, _ = generate.published_programme(3, generate.Programme(sessions=300))
    assert festival.exclusive_tags
    assert any(s.not_with for s in festival.sessions)
    assert any(p.break_ for p in festival.people)
    assert any(p.unavailable for p in festival.people)
    assert any(v.closed for v in festival.venues)
    assert len({s.duration for s in festival.sessions}) == len(generate.DURATION_MIX)
    assert any(len(s.people) > 1 for s in festival.sessions)
    speakers = [pid for s in festival.sessions for pid in s.people]
    assert len(speakers) > len(set(speakers)), "some speakers give several talks"
    assert any(s.prefer for s in festival.sessions)


def test_same_seed_same_text_and_a_command_prints_it(capsys):
    shape = generate.Programme(sessions=30, venues=2)
    assert generate.programme_toml(5, shape) == generate.programme_toml(5, shape)
    assert generate.programme_toml(5, shape) != generate.programme_toml(6, shape)
    generate.main(["--sessions", "30", "--rooms", "2", "--seed", "5"])
    assert capsys.readouterr().out == generate.programme_toml(5, shape)


def test_the_printer_writes_attendees_interest_beside_the_definition(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    generate.main(["--sessions", "30", "--rooms", "2", "--attendees", "50", "--interest", "i.csv"])
    (tmp_path / "c.toml").write_text(capsys.readouterr().out, encoding="utf-8")
    festival = config.load(tmp_path / "c.toml")  # reads i.csv next to it
    assert len(festival.interest) == 50 and festival.weights.attendee_clash == 1
    with pytest.raises(SystemExit) as stopped:
        generate.main(["--sessions", "30", "--attendees", "5"])
    assert stopped.value.code == 2 and "--interest" in capsys.readouterr().err


def test_too_dense_a_programme_is_refused_with_a_reason():
    with pytest.raises(ValueError, match="too dense"):
        generate.programme(1, generate.Programme(sessions=100, venues=1, days=1))


def test_the_printer_refuses_too_dense_a_programme_in_one_line(capsys):
    with pytest.raises(SystemExit) as stopped:
        generate.main(["--sessions", "100", "--rooms", "1", "--days", "1"])
    assert stopped.value.code == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert "too dense to generate" in error and "--rooms" in error


@pytest.mark.parametrize("seed", range(6))
def test_slot_exact_programmes_have_one_shared_grid_and_a_valid_hidden_timetable(seed):
    shape = generate.SlotExact(sessions=60, venues=6, days=2, slots=6)
    festival, witness = generate.published_slot_exact(seed, shape)
    assert validate.violations(festival, witness) == []
    grids = {v.slots_on(festival.start) for v in festival.venues}
    assert len(grids) == 1 and len(next(iter(grids))) == shape.slots
    assert {s.duration for s in festival.sessions} == {shape.length}
    assert any(s.after for s in festival.sessions) and any(s.needs for s in festival.sessions)


def test_a_tight_slot_exact_programme_first_fit_cannot_finish_gets_a_timetable():
    """216 talks in 18 slots of 20 rooms, with features and prerequisites: first fit leaves
    talks out, and repair and the search still give a valid timetable."""
    from scheduler.solver.first_fit import first_fit

    festival, _ = generate.published_slot_exact(1, generate.SlotExact())
    table = solver.starts_table(festival)
    assert len(first_fit(festival, table, Clock(festival))) < len(festival.sessions)
    result = solver.solve(festival, options=solver.Options(time_limit=2))
    assert result.timetable is not None
    assert validate.violations(festival, result.timetable) == []
    assert penalties.score(festival, result.timetable)["total"] == result.timetable.objective


@pytest.mark.parametrize("seed", range(4))
def test_congresses_share_one_day_of_sessions_each_holding_one_cluster(seed):
    """A congress: every room has the same sessions of equal slots, each session of the
    hidden timetable holds talks of one cluster, speakers give up to three talks, and the
    hidden timetable keeps every rule."""
    from collections import Counter

    from scheduler.solver.grid import Blocks

    shape = generate.Congress(talks=240, venues=6, days=2, track_talks=20)
    festival, witness = generate.published_congress(seed, shape)
    assert len(festival.sessions) == shape.talks
    assert validate.violations(festival, witness) == []
    assert festival.one_track_per_block
    assert {v.blocks_on(festival.start) for v in festival.venues} == {
        festival.venues[0].blocks_on(festival.start)
    }
    assert len(festival.venues[0].blocks_on(festival.start)) == shape.blocks
    assert len(festival.venues[0].slots_on(festival.start)) == shape.blocks * shape.per_block
    clock, track = Clock(festival), {s.id: s.track for s in festival.sessions}
    blocks = Blocks(festival, clock)
    held: dict = {}
    for p in witness.placements:
        key = blocks.of(p.venue, clock.minute(p.start))
        held.setdefault(key, set()).add(track[p.session])
    assert all(len(tracks) == 1 for tracks in held.values())
    talks = Counter(pid for s in festival.sessions for pid in s.people)
    assert max(talks.values()) <= 3 < len(festival.people) and min(talks.values()) == 1


def test_a_congress_is_planned_validly():
    """First fit, repair and the search give a congress a valid timetable that the
    validator scores as the solver does."""
    shape = generate.Congress(talks=300, venues=8, days=2, track_talks=20)
    festival, _ = generate.published_congress(3, shape)
    result = solver.solve(festival, options=solver.Options(time_limit=2))
    assert result.timetable is not None
    assert validate.violations(festival, result.timetable) == []
    assert penalties.score(festival, result.timetable)["total"] == result.timetable.objective
