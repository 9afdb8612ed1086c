"""The rule registry is complete: every rule is checked, explained, generated and documented.

Adding a rule to `scheduler.rules` without its validator check, its function in
the model (with an explanation guard), a generator that uses it, or its docs
entry fails here (docs/development.md: "Adding a rule").
"""

from __future__ import annotations

import ast
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from conftest import ROOT, cog_is_current
from test_validate import AUDIENCE, at, moved

from scheduler import config, days, generate, penalties, rules, validate
from scheduler import plan as planning
from scheduler.groups import Limit, Order, Together
from scheduler.model import Keep, Period, Timetable, Weights
from scheduler.rules import Kind
from scheduler.solver import goals, hard, repair
from scheduler.solver.engine import Request
from scheduler.solver.formulation import Formulation, ModelView

CHECKED = rules.names(Kind.SHAPE, Kind.HARD, Kind.REPLAN)
GUARDED = rules.names(Kind.HARD, Kind.REPLAN)


def _move(session, start=None, venue=None):
    def broken(festival, timetable):
        when = datetime.fromisoformat(start) if start else None
        return validate.violations(festival, moved(festival, timetable, session, when, venue))

    return broken


def _changeover(festival, timetable):
    first = moved(festival, timetable, "cloud-network-ops", datetime(2023, 10, 11, 12, 30))
    first = moved(festival, first, "cloud-network-ops", venue="sh-forum")
    ends = first.placement("cloud-network-ops").end
    # a second session 30 minutes after it in the same venue: 45 are needed
    second = moved(festival, first, "mobile-payment", ends + timedelta(minutes=30), "sh-forum")
    return validate.violations(festival, second)


def _one_city(festival, timetable):
    held = timetable.placement("space-ground")
    other = "sh-forum" if festival.venue(held.venue).city == "北京" else "bj-forum"
    day = days.local_date(festival, held.start)
    when = datetime.combine(day, datetime.min.time()).replace(hour=14)
    return validate.violations(
        festival, moved(festival, timetable, "cloud-network-ops", when, other)
    )


def _missing(festival, timetable):
    return validate.violations(festival, replace(timetable, placements=timetable.placements[1:]))


def _longer(festival, timetable):
    p = timetable.placements[3]
    longer = replace(p, end=p.end + timedelta(minutes=30))
    placements = tuple(longer if q == p else q for q in timetable.placements)
    return validate.violations(festival, replace(timetable, placements=placements))


def _audience(festival, timetable):
    talks = config.loads(AUDIENCE, source="talks.toml")
    bad = Timetable(
        "talks", (at("09:00", "a", "intro"), at("09:30", "b", "basics"), at("10:15", "a", "deep"))
    )
    return validate.violations(talks, bad)


def _kept(why):
    def broken(festival, timetable):
        target = timetable.placement("quantum")
        other = moved(festival, timetable, "quantum", target.start + timedelta(days=1))
        return validate.kept(festival, other, timetable, {"quantum": why})

    return broken


def _apart(festival, timetable):
    first, second = timetable.placements[0], timetable.placements[-1]  # on different days
    group = Together((first.session, second.session), "day")
    return validate.violations(replace(festival, together=(group,)), timetable)


def _session_away(festival, timetable):
    held = timetable.placement("quantum")
    away = (Period(held.start + timedelta(minutes=30), held.end + timedelta(hours=1)),)
    sessions = tuple(
        replace(s, unavailable=away) if s.id == "quantum" else s for s in festival.sessions
    )
    return validate.violations(replace(festival, sessions=sessions), timetable)


def _off_slot(festival, timetable):
    # the opening runs 09:30-12:00 in bj-main: slots from 09:00 and 10:00 miss it
    venues = tuple(
        replace(v, slots=((540, 600), (600, 720))) if v.id == "bj-main" else v
        for v in festival.venues
    )
    return validate.violations(replace(festival, venues=venues), timetable)


def _across_blocks(festival, timetable):
    # the opening runs 09:30-12:00 in bj-main, across a block boundary at 10:00
    venues = tuple(
        replace(v, blocks=((510, 600), (600, 1080))) if v.id == "bj-main" else v
        for v in festival.venues
    )
    return validate.violations(replace(festival, venues=venues), timetable)


def _beside_the_plenary(festival, timetable):
    # the opening made a plenary, and a Beijing session moved into its morning
    opening = timetable.placement("opening")
    beside = moved(festival, timetable, "expo-tour", opening.start, "bj-forum")
    sessions = tuple(replace(s, plenary=s.id == "opening") for s in festival.sessions)
    return validate.violations(replace(festival, sessions=sessions), beside)


def _three_at_once(festival, timetable):
    # three talks at once, and a limit of two with their tag
    talks = config.loads(AUDIENCE, source="talks.toml")
    tagged = tuple(replace(s, tags=(*s.tags, "risky")) for s in talks.sessions)
    limited = replace(talks, sessions=tagged, limits=(Limit("risky", 2),))
    bad = Timetable(
        "talks", (at("09:00", "a", "intro"), at("09:00", "b", "basics"), at("09:00", "a", "deep"))
    )
    return validate.violations(limited, bad)


def _out_of_order(festival, timetable):
    # the published timetable with its first session ordered after its last
    ids = [p.session for p in sorted(timetable.placements, key=lambda p: p.start)]
    ordered = replace(festival, order=(Order(first=(ids[-1],), then=(ids[0],)),))
    return validate.violations(ordered, timetable)


def _runs_on_one_day(festival, timetable):
    # the opening and the expo tour, both on 9 October, made the two runs of the opening
    sessions = tuple(
        replace(s, runs=2, run_of="opening") if s.id in ("opening", "expo-tour") else s
        for s in festival.sessions
    )
    return validate.violations(replace(festival, sessions=sessions), timetable)


#: one way to break each rule that a timetable can break, over the default festival
BREAK = {
    "timetable.complete": _missing,
    "sessions.duration": _longer,
    "festival.window": _move("mobile-payment", "2023-11-10 13:00"),
    "sessions.one_day": _move("mobile-payment", "2023-10-25 23:30"),
    "festival.step": _move("mobile-payment", "2023-10-25 13:10"),
    "festival.days": _move("mobile-payment", "2023-10-14 13:00"),
    "festival.blackout": _move("mobile-payment", "2023-10-24 13:00"),
    "festival.max_sessions_per_day": _move("mobile-payment", "2023-10-09 14:00", "sh-forum"),
    "festival.exclusive_tags": _audience,
    "venues.hours": _move("mobile-payment", "2023-10-25 16:30"),
    "venues.slots": _off_slot,
    "venues.blocks": _across_blocks,
    "venues.closed": _move("space-ground", "2023-10-16 09:00", "bj-main"),
    "venues.changeover": _changeover,
    "venues.capacity": _move("ai", None, "bj-forum"),
    "sessions.needs": _move("ai", None, "bj-forum"),
    "sessions.cities": _move("mobile-payment", None, "bj-forum"),
    "sessions.venues": _move("digital-platform", None, "gz-hall"),
    "sessions.earliest": _move("space-ground", "2023-10-20 09:00"),
    "sessions.latest": _move("cybersecurity", "2023-11-06 13:00"),
    "sessions.fixed": _move("opening", "2023-10-09 10:00"),
    "sessions.after": _move("cloud-computing", "2023-10-10 13:00"),
    "sessions.not_with": _audience,
    "sessions.runs": _runs_on_one_day,
    "sessions.plenary": _beside_the_plenary,
    "limits": _three_at_once,
    "order": _out_of_order,
    "sessions.unavailable": _session_away,
    "people.break": _audience,
    "people.unavailable": _move("quantum", "2023-10-19 13:00"),
    "travel": _move("expo-tour", "2023-10-09 12:00"),
    "people.one_city_per_day": _one_city,
    "together": _apart,
    "sessions.pinned": _kept(Keep.PINNED),
    "--freeze-until": _kept(Keep.FROZEN),
}


@pytest.mark.parametrize("name", CHECKED)
def test_the_validator_reports_each_rule_under_its_name(name, festival, timetable):
    assert name in BREAK, f"add a way to break {name!r} to BREAK"
    found = BREAK[name](festival, timetable)
    assert name in {v.rule for v in found}, found


def test_every_violation_label_is_a_registry_name(festival, timetable):
    for broken in BREAK.values():
        for violation in broken(festival, timetable):
            assert violation.rule in rules.BY_NAME, violation


@pytest.mark.parametrize("name", GUARDED)
def test_each_hard_rule_has_its_function_in_the_model(name):
    function = name.lstrip("-").replace(".", "_").replace("-", "_")
    assert getattr(hard, function, None) in hard.BUILDERS, f"add hard.{function} to hard.BUILDERS"


def test_rule_and_goal_functions_read_only_the_model_view():
    """A rule sees only its inputs: what it reads off the model being built is declared
    in `ModelView`, not the Formulation's hints or its reading back."""
    view = set(ModelView.__annotations__) | {
        name for name in vars(ModelView) if not name.startswith("_")
    }
    read = set()
    for module in ("hard", "venue_rules", "goals", "pair_goals"):
        source = (ROOT / "scheduler" / "solver" / f"{module}.py").read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(source)):
            is_m = isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            if is_m and node.value.id == "m":
                read.add(node.attr)
    assert read - view == set()


def test_repair_frees_the_partners_of_every_rule_that_ties_sessions():
    """A rule tying sessions that repair does not know would leave a session first fit
    could not place without the room to move what holds it in place."""
    tying = {rule.name for rule in rules.RULES if rule.ties}
    assert set(repair.PARTNERS) | repair.IN_THE_WAY == tying
    assert not set(repair.PARTNERS) & repair.IN_THE_WAY
    assert all(rules.BY_NAME[name].kind == Kind.HARD for name in tying)


def test_each_soft_goal_and_move_is_modelled_validated_and_weighed():
    assert set(goals.GOALS) == set(rules.goals())
    assert set(rules.goals()) <= set(penalties.score(*_tiny()))
    festival, timetable = _tiny()
    assert set(rules.names(Kind.MOVE)) <= set(penalties.moves(festival, timetable, timetable))
    weighed = set(vars(Weights()))
    assert set(rules.names(Kind.SOFT, Kind.MOVE)) == weighed


def _tiny():
    festival, witness = generate.published(0)
    return festival, witness


def _coverage() -> tuple[set[str], set[str]]:
    """The rules the explanation guards, and the soft goals the model counts, over
    generated festivals and their re-plans (pinned sessions, a freeze date)."""
    guarded: set[str] = set()
    counted: set[str] = set()
    shapes = [
        generate.Shape(rules=0.9, pinned=0.2),
        generate.Shape(sessions=10, people=4, rules=0.5, pinned=0.2),
    ]
    for seed in range(30):
        festival, witness = generate.published(seed, shapes[seed % 2])
        first = min(days.local_date(festival, p.start) for p in witness.placements)
        keep = planning.kept_sessions(festival, witness, first + timedelta(days=1))
        built = Formulation(Request(festival, witness, keep), explain=True)
        guarded |= {instance.name for instance in built.guards}
        plain = Formulation(Request(festival))
        counted |= {goal for goal, terms in plain.penalties.items() if terms}
    return guarded, counted


@pytest.fixture(scope="module")
def coverage():
    return _coverage()


@pytest.mark.parametrize("name", GUARDED)
def test_generated_festivals_use_and_explain_each_hard_rule(name, coverage):
    guarded, _ = coverage
    assert name in guarded, f"no generated festival uses {name!r}, or it has no guard"


@pytest.mark.parametrize("name", rules.goals())
def test_generated_festivals_use_each_soft_goal(name, coverage):
    _, counted = coverage
    assert name in counted, f"no generated festival gives {name!r} anything to count"


@pytest.mark.parametrize("rule", rules.RULES, ids=lambda r: r.name)
def test_each_rule_is_in_the_definition_reference(rule):
    text = (ROOT / "docs" / "definition.md").read_text(encoding="utf-8")
    assert f"| `{rule.name}` |" in text, f"run: cog -r docs/definition.md ({rule.name})"


def test_the_rule_table_in_the_reference_is_current():
    assert cog_is_current("docs/definition.md")
