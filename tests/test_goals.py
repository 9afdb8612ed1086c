"""The goals real programmes are judged by: soft audience overlaps, speakers' days, rooms
that fit. Each is read from `[weights]`, steers the solver, and is re-scored alike by the
validator."""

from __future__ import annotations

import json
from datetime import date

import pytest
from conftest import SMALL, wall
from test_config import problems_of

from scheduler import config, generate, penalties, solver, validate
from scheduler.solver import costs

QUICK = solver.Options(time_limit=10)

TALKS = """\
[festival]
id = "talks"
name = "Talks"
timezone = "Asia/Shanghai"
start = 2023-10-09
end = 2023-10-11
step = "1h"

[weights]
spread = 0
track_days = 0
{weights}

[[venues]]
id = "big"
city = "北京"
capacity = 500
hours = "09:00-12:00"

[[venues]]
id = "small"
city = "北京"
capacity = 60
hours = "09:00-12:00"

[[people]]
id = "li"

[[sessions]]
id = "a"
title = "A"
duration = "1h"
attendance = 50
people = ["li"]
tags = ["devs"]

[[sessions]]
id = "b"
title = "B"
duration = "1h"
attendance = 400
tags = ["devs"]

[[sessions]]
id = "c"
title = "C"
duration = "1h"
attendance = 40
people = ["li"]
venues = ["big"]
"""


def solved(weights: str, **edits: str):
    text = TALKS.format(weights=weights)
    for old, new in edits.items():
        text = text.replace(old, new)
    festival = config.loads(text, source="talks.toml")
    result = solver.solve(festival, options=QUICK)
    assert result.status == "OPTIMAL"
    assert validate.violations(festival, result.timetable) == []
    score = penalties.score(festival, result.timetable)
    assert score["total"] == result.timetable.objective  # the validator agrees
    return festival, result.timetable, score


def overlap(timetable, a: str, b: str) -> bool:
    p, q = timetable.placement(a), timetable.placement(b)
    return p.start < q.end and q.start < p.end


def test_tagged_sessions_overlap_only_when_they_must():
    # three slots a day in two rooms: a and b can always be apart
    _, timetable, score = solved("tag_overlap = { devs = 7 }")
    assert not overlap(timetable, "a", "b") and score["tag_overlap"] == 0
    # one day of one slot, and no c: a and b must overlap; the pair costs the tag's weight
    without_c = TALKS[: TALKS.index('[[sessions]]\nid = "c"')]
    _, timetable, score = solved(
        "tag_overlap = { devs = 7 }",
        **{TALKS[len(without_c) :]: ""},
        **{"end = 2023-10-11": "end = 2023-10-09", '09:00-12:00"': '09:00-10:00"'},
    )
    assert overlap(timetable, "a", "b")
    assert score["tag_overlap"] == 7 and timetable.penalties["tag_overlap"] == 7


def test_a_person_stays_on_as_few_days_as_possible():
    _, timetable, score = solved("person_days = 10\nprefer_date = 1")
    days = {timetable.placement(s).start.date() for s in ("a", "c")}
    assert len(days) == 1 and score["person_days"] == 0


def test_a_person_on_a_second_day_pays_for_it():
    # a and c are fixed on two days: li attends one day more than needed
    _, timetable, score = solved(
        "person_days = 10",
        **{'venues = ["big"]': 'venues = ["big"]\nfixed = 2023-10-10T09:00:00'},
        **{
            'tags = ["devs"]\n\n[[sessions]]\nid = "b"': 'tags = ["devs"]\nfixed = '
            '2023-10-09T09:00:00\n\n[[sessions]]\nid = "b"'
        },
    )
    assert score["person_days"] == 1 and timetable.objective == 10


def test_rooms_fit_their_audience():
    _, timetable, score = solved("room_fit = 1")
    assert timetable.placement("b").venue == "big"  # 400 people: only the big room
    assert timetable.placement("a").venue == "small"  # 50 in 60 seats, not 500
    # c must be in the big room: 460 of 500 seats empty, 92 %
    assert score["room_fit"] == (100 * 10 // 60) + (100 * 100 // 500) + 92
    assert costs.empty_share(500, 40) == 92


@pytest.mark.parametrize(
    ("weights", "expected"),
    [
        (
            "tag_overlap = { beginer = 3 }",
            "f.toml:{line}: weights.tag_overlap.beginer: unknown tag (no session has it) "
            "'beginer' (did you mean 'beginners'?)",
        ),
        (
            "tag_overlap = { beginners = -1 }",
            "f.toml:{line}: weights.tag_overlap.beginners: -1 is not a whole number",
        ),
        ("tag_overlap = 5", "f.toml:{line}: weights.tag_overlap: 5 is not a table"),
        ("person_days = 2.5", "f.toml:{line}: weights.person_days: 2.5 is not a whole number"),
        ("room_fit = -1", "f.toml:{line}: weights.room_fit: -1 is not a whole number"),
        (
            "room_fit = 5_000_000",
            "f.toml:{line}: weights.room_fit: 5000000 is larger than the largest weight",
        ),
    ],
)
def test_bad_weights_of_the_new_goals_are_located(weights, expected):
    text = SMALL.replace('people = ["ceo"]\n', 'people = ["ceo"]\ntags = ["beginners"]\n', 1)
    text += f"\n[weights]\n{weights}\n"
    line = len(text.splitlines())
    problems = problems_of(text)
    assert any(expected.format(line=line) in p for p in problems), problems


def test_a_tag_is_exclusive_or_weighed_not_both():
    text = SMALL.replace('people = ["ceo"]\n', 'people = ["ceo"]\ntags = ["beginners"]\n', 1)
    text = text.replace('step = "30m"', 'step = "30m"\nexclusive_tags = ["beginners"]')
    text += "\n[weights]\ntag_overlap = { beginners = 2 }\n"
    problems = problems_of(text)
    assert any(
        f"f.toml:{len(text.splitlines())}: weights.tag_overlap.beginners: 'beginners' is also "
        "in festival.exclusive_tags" in p
        for p in problems
    ), problems


def test_the_exhaustive_comparisons_cover_each_new_goal():
    """The 40 tiny festivals whose optimum an exhaustive search confirms
    (tests/test_properties.py) weigh each new goal in several of them, interest included."""
    shape = generate.Shape(sessions=3, venues=2, people=2, tracks=2, days=3, step=120, rules=0.5)
    weighed = dict.fromkeys(
        ("tag_overlap", "person_days", "room_fit", "attendee_clash", "together"), 0
    )
    for seed in range(40):
        festival = generate.loads(1000 + seed, shape)
        for goal in weighed:
            weighed[goal] += bool(festival.weight(goal))
    assert all(count >= 3 for count in weighed.values()), weighed


# --- [[together]]: hard rules without a weight, goals with one -------------------------


def group(sessions: str, same: str, weight: str = "") -> str:
    extra = f"\nweight = {weight}" if weight else ""
    return f'\n[[together]]\nsessions = [{sessions}]\nsame = "{same}"{extra}\n'


def planned(text: str):
    festival = config.loads(text, source="talks.toml")
    result = solver.solve(festival, options=QUICK)
    assert validate.violations(festival, result.timetable) == []
    assert penalties.score(festival, result.timetable)["total"] == result.timetable.objective
    return festival, result.timetable


def test_a_hard_block_runs_back_to_back_in_order_in_one_venue():
    text = TALKS.format(weights="room_fit = 1") + group('"c", "a"', "block")
    _, timetable = planned(text)
    c, a = timetable.placement("c"), timetable.placement("a")
    assert a.venue == c.venue == "big" and a.start == c.end  # no changeover in "big"


def test_a_hard_day_and_venue_hold_against_the_goals():
    # li would rather be on one day anyway; spread pushes apart, together wins
    text = TALKS.format(weights="").replace("spread = 0", "spread = 50")
    text += group('"a", "b"', "venue-day")
    _, timetable = planned(text)
    a, b = timetable.placement("a"), timetable.placement("b")
    assert a.venue == b.venue and a.start.date() == b.start.date()


def test_a_weighted_group_costs_each_extra_day_and_venue():
    # three sessions fixed on three days in two venues: 2 extra days, 1 extra venue
    text = TALKS.format(weights="") + group('"a", "b", "c"', "venue-day", "4")
    text = text.replace(
        'tags = ["devs"]\n\n[[sessions]]\nid = "b"',
        'tags = ["devs"]\nfixed = { start = 2023-10-09T09:00:00, venue = "small" }'
        '\n\n[[sessions]]\nid = "b"',
    )
    text = text.replace(
        'attendance = 400\ntags = ["devs"]',
        'attendance = 400\ntags = ["devs"]\nfixed = 2023-10-10T09:00:00',
    )
    text = text.replace('venues = ["big"]', 'venues = ["big"]\nfixed = 2023-10-11T09:00:00')
    festival, timetable = planned(text)
    assert penalties.score(festival, timetable)["together"] == 4 * (2 + 1)
    assert timetable.penalties["together"] == 12


def test_an_impossible_group_is_explained_under_its_name():
    # a block of a and b in "small", but b (400 people) fits only "big"
    text = TALKS.format(weights="") + group('"a", "b"', "venue")
    text = text.replace(
        'tags = ["devs"]\n\n[[sessions]]\nid = "b"',
        'tags = ["devs"]\nvenues = ["small"]\n\n[[sessions]]\nid = "b"',
    )
    festival = config.loads(text, source="talks.toml")
    assert solver.solve(festival, options=QUICK).status == "INFEASIBLE"
    found = solver.explain(festival)
    assert "together" in {r.name for r in found.rules}
    assert any(r.key == "together[0]" for r in found.rules)


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        (group('"keynote", "workshop"', "week"), "together[0].same: 'week' is not a way"),
        (group('"keynote", "worksop"', "day"), "together[0].sessions: unknown session 'worksop'"),
        (group('"keynote"', "day"), "together[0].sessions: expected at least two different"),
        (
            '\n[[together]]\ntrack = "clod"\nsame = "day"\n',
            "together[0].track: unknown track 'clod'",
        ),
        (
            '\n[[together]]\ntrack = "cloud"\nsessions = ["keynote", "workshop"]\nsame = "day"\n',
            "together[0]: expected either sessions = [...] or track",
        ),
        (group('"keynote", "workshop"', "day", "-2"), "together[0].weight: -2 is not a whole"),
    ],
)
def test_bad_together_groups_are_located(table, expected):
    text = SMALL + table
    problems = problems_of(text)
    assert any(expected in p and p.startswith("f.toml:") for p in problems), problems


def test_a_track_group_holds_the_tracks_sessions_in_file_order():
    festival = config.loads(SMALL + '\n[[together]]\ntrack = "cloud"\nsame = "day"\n')
    assert festival.together[0].sessions == ("keynote", "workshop")


def test_large_programmes_keep_hard_groups_that_first_fit_breaks(monkeypatch):
    """The neighbourhood search: first fit knows no groups, so it places the groups'
    sessions again (repair) before improving."""
    monkeypatch.setattr(solver, "LARGE", 0)
    text = TALKS.format(weights="room_fit = 1") + group('"c", "a"', "block")
    _, timetable = planned(text)
    c, a = timetable.placement("c"), timetable.placement("a")
    assert a.venue == c.venue and a.start == c.end


# --- attendee interest: [festival] interest = "<file>.csv", [weights] attendee_clash ------

CHOSEN = "attendee,session\nwang,a\nwang,b\nzhao,a\nzhao,b\nzhao,c\nliu,c\n"


def with_interest_file(tmp_path, csv: str, weights: str = "attendee_clash = 5"):
    text = TALKS.format(weights=weights).replace(
        'step = "1h"', 'step = "1h"\ninterest = "chosen.csv"'
    )
    (tmp_path / "talks.toml").write_text(text, encoding="utf-8")
    (tmp_path / "chosen.csv").write_bytes(csv.encode("utf-8") if isinstance(csv, str) else csv)
    return tmp_path / "talks.toml"


def test_chosen_sessions_do_not_clash_when_they_need_not(tmp_path):
    festival = config.load(with_interest_file(tmp_path, CHOSEN))
    assert {c.attendee: c.sessions for c in festival.interest}["zhao"] == ("a", "b", "c")
    result = solver.solve(festival, options=QUICK)
    timetable = result.timetable
    assert not overlap(timetable, "a", "b") and not overlap(timetable, "a", "c")
    assert not overlap(timetable, "b", "c")
    score = penalties.score(festival, timetable)
    assert score["attendee_clash"] == 0 and score["total"] == timetable.objective


def test_unavoidable_clashes_count_each_attendee_and_pair(tmp_path):
    # one day, one slot in two rooms: a and b overlap; wang and zhao both chose both
    csv = "attendee,session\nwang,a\nwang,b\nzhao,a\nzhao,b\n"
    path = with_interest_file(tmp_path, csv)
    text = path.read_text(encoding="utf-8")
    text = text[: text.index('[[sessions]]\nid = "c"')]
    text = text.replace("end = 2023-10-11", "end = 2023-10-09").replace('12:00"', '10:00"')
    path.write_text(text, encoding="utf-8")
    festival = config.load(path)
    timetable = solver.solve(festival, options=QUICK).timetable
    assert penalties.score(festival, timetable)["attendee_clash"] == 2
    assert timetable.penalties["attendee_clash"] == 2 and timetable.objective == 2 * 5


def test_the_plan_reports_attendees_with_a_clash_before_and_after_a_re_plan(tmp_path):
    from click.testing import CliRunner

    from scheduler.cli import cli

    path = with_interest_file(tmp_path, CHOSEN, weights="")  # reported, not weighed
    out = tmp_path / "out"
    first = CliRunner().invoke(cli, ["plan", str(path), "--out", str(out)])
    assert first.exit_code == 0, first.output
    assert "Attendees: " in first.output and "of 3 have a clash" in first.output
    published = json.loads((out / "timetable.json").read_text(encoding="utf-8"))
    attendees = published["solver"]["attendees"]
    assert set(attendees) == {"with_clash", "clashes"}
    again = CliRunner().invoke(cli, ["plan", str(path), "--out", str(out)])
    assert "in the published plan" in again.output
    assert json.loads((out / "timetable.json").read_text())["solver"]["attendees"]["before"] == {
        "with_clash": attendees["with_clash"],
        "clashes": attendees["clashes"],
    }


@pytest.mark.parametrize(
    ("csv", "expected"),
    [
        ("attendee,talk\nwang,a\n", "chosen.csv:1: festival.interest: header is 'attendee,talk'"),
        ("attendee,session\nwang,x\n", "chosen.csv:2: festival.interest: unknown session 'x'"),
        (
            "attendee,session\nwang,a\nwang,a\n",
            "chosen.csv:3: festival.interest: 'wang' chose 'a' already on line 2",
        ),
        (
            "attendee,session\nwang\n",
            "chosen.csv:2: festival.interest: 'wang' is not attendee,session",
        ),
        ("", "chosen.csv: festival.interest: is empty"),
        ("attendee,session\n", "chosen.csv: festival.interest: has a header but no rows"),
        (b"attendee,session\n\xffwang,a\n", "chosen.csv: festival.interest: is not UTF-8 text"),
        (None, "chosen.csv: festival.interest: no such file"),
    ],
)
def test_a_bad_interest_file_is_one_located_error_and_nothing_is_published(tmp_path, csv, expected):
    from click.testing import CliRunner

    from scheduler.cli import cli

    path = with_interest_file(tmp_path, csv if csv is not None else "")
    if csv is None:
        (tmp_path / "chosen.csv").unlink()
    result = CliRunner().invoke(cli, ["plan", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert f"{tmp_path}/{expected}" in result.output, result.output
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


def test_generated_programmes_can_carry_thousands_of_attendees():
    festival, _ = generate.published_programme(1, generate.Programme(sessions=60, attendees=300))
    assert len(festival.interest) == 300
    assert all(5 <= len(c.sessions) <= 20 for c in festival.interest)
    assert festival.weights.attendee_clash


def test_a_timetable_stopped_before_the_best_counts_only_what_it_has():
    """Every goal's Booleans are exact both ways: a timetable the search stops at, not the
    best, is scored by the solver as the validator scores it."""
    shape = generate.Programme(sessions=60, venues=4, attendees=200)
    statuses = set()
    for seed in range(4):
        festival, _ = generate.published_programme(seed, shape)
        assert festival.interest and festival.weights.tag_overlap
        result = solver.solve(festival, options=solver.Options(time_limit=0.3))
        assert result.timetable is not None
        statuses.add(result.status)
        score = penalties.score(festival, result.timetable)
        assert score["total"] == result.timetable.objective, (seed, result.status)
    assert "FEASIBLE" in statuses  # stopped before a proof, at least once


def with_wishes(lines: str) -> str:
    """SMALL with `lines` added to its keynote (2 h, the hall, 09:00-18:00 on workdays)."""
    return SMALL.replace(
        'people = ["ceo"]\n\n[[sessions]]', f'people = ["ceo"]\n{lines}\n\n[[sessions]]', 1
    )


def test_graded_wishes_weigh_each_entry_and_avoid_what_they_name():
    """The keynote would like Monday 9 October in the afternoon (10), else any afternoon
    (4), and must rather not be on 28-29 September (9): all three are kept."""
    text = with_wishes(
        "prefer = [\n"
        '    { date = 2023-10-09, time = "afternoon", weight = 10 },\n'
        '    { time = "afternoon", weight = 4 },\n'
        "]\n"
        "avoid = [{ dates = [2023-09-28, 2023-09-29], weight = 9 }]"
    )
    festival = config.loads(text, source="f.toml")
    result = solver.solve(festival, options=QUICK)
    assert result.proven_optimal
    keynote = wall(result.timetable.placement("keynote").start)
    assert keynote.date() == date(2023, 10, 9) and keynote.hour >= 12
    assert result.timetable.penalties["prefer"] == result.timetable.penalties["avoid"] == 0
    # on 28 September only: the avoid entry is met, the dated wish missed; scored alike
    only = config.loads(text.replace("end = 2023-10-10", "end = 2023-09-28"), source="f.toml")
    forced = solver.solve(only, options=QUICK).timetable
    assert forced.penalties["avoid"] == 9 and forced.penalties["prefer"] == 10
    assert penalties.score(only, forced)["total"] == forced.objective


def test_weights_prefer_and_avoid_scale_every_entry():
    """A morning wish (1) against a morning aversion (9): the aversion wins, unless
    `[weights] avoid = 0` switches aversions off."""
    text = with_wishes(
        'prefer = [{ time = "morning", weight = 1 }]\navoid = [{ time = "morning", weight = 9 }]'
    )
    for avoid, morning in ((1, False), (0, True)):
        weighed = text.replace("[[tracks]]", f"[weights]\navoid = {avoid}\n\n[[tracks]]", 1)
        festival = config.loads(weighed, source="f.toml")
        result = solver.solve(festival, options=QUICK)
        assert result.proven_optimal
        ends = wall(result.timetable.placement("keynote").end)
        assert (ends <= ends.replace(hour=12, minute=0)) == morning
        assert penalties.score(festival, result.timetable)["total"] == result.timetable.objective


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ("prefer = [{ weight = 5 }]", "sessions[0].prefer[0]: names no date, venue or time"),
        ('prefer = [{ time = "morning" }]', "sessions[0].prefer[0].weight: missing"),
        ('avoid = [{ venue = "hal", weight = 1 }]', "sessions[0].avoid[0]: unknown venue 'hal'"),
        ('avoid = [{ time = "noon", weight = 1 }]', "'noon' is not \"morning\""),
        ('prefer = [{ time = "morning", weight = -1 }]', "sessions[0].prefer[0].weight: -1"),
        ('prefer = [{ time = "morning", wieght = 1 }]', "unknown key 'wieght'"),
        ('avoid = "mornings"', "sessions[0].avoid: expected a list of entries"),
    ],
)
def test_bad_wishes_are_located(lines, expected):
    problems = problems_of(with_wishes(lines))
    assert any(expected in p for p in problems), problems
    assert all(p.startswith("f.toml:") for p in problems), problems
