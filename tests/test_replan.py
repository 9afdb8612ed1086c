"""Re-planning against the published plan: fewest moves, kept sessions, reports, explanations."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import DEFAULT_CONFIG, SMALL
from exhaustive import valid_timetables

from scheduler import config, days, generate, penalties, solver
from scheduler import plan as planning
from scheduler.cli import cli
from scheduler.model import Timetable

FIRST = datetime(2023, 9, 1, tzinfo=UTC)
LATER = datetime(2023, 9, 10, tzinfo=UTC)


def events(path: Path) -> dict[str, str]:
    """Each VEVENT's exact text in a feed, by UID."""
    text = path.read_bytes().decode("utf-8")
    blocks = re.findall(r"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", text, flags=re.S)
    return {re.search(r"\r\nUID:(.*?)\r\n", b).group(1): b for b in blocks}


def all_events(folder: Path) -> dict[tuple[str, str], str]:
    return {
        (str(p.relative_to(folder)), uid): text
        for p in sorted(folder.rglob("*.ics"))
        for uid, text in events(p).items()
    }


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("published")
    planning.plan(config.load(DEFAULT_CONFIG), out=out, at=FIRST)
    return out


def default_with(old: str, new: str):
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    assert old in text
    return config.loads(text.replace(old, new, 1), source="festival.toml")


def copy_of(folder: Path, tmp_path: Path) -> Path:
    target = tmp_path / "calendars"
    for path in folder.rglob("*"):
        if path.is_file():
            (target / path.relative_to(folder)).parent.mkdir(parents=True, exist_ok=True)
            (target / path.relative_to(folder)).write_bytes(path.read_bytes())
    return target


def test_closing_a_venue_on_one_sessions_date_moves_only_that_session(published, tmp_path):
    out = copy_of(published, tmp_path)
    before = json.loads((out / "timetable.json").read_text(encoding="utf-8"))
    quantum = next(s for s in before["sessions"] if s["id"] == "quantum")
    closed_on = quantum["start"][:10]
    festival = default_with(
        'closed = ["2023-10-30..2023-11-01"]', f'closed = ["2023-10-30..2023-11-01", {closed_on}]'
    )
    old_events = all_events(out)
    done = planning.plan(festival, out=out, at=LATER)
    assert done.timetable.moves["moved"] == 1
    assert [c.session for c in done.changes] == ["quantum"]
    assert done.changes[0].kind == "moved"
    assert "venues.closed" in done.changes[0].reason
    new_events = all_events(out)
    assert new_events.keys() == old_events.keys()
    for key, text in old_events.items():
        if key[1] == "quantum@ctc-tech-festival-2023":
            assert "SEQUENCE:1\r\n" in new_events[key]
            assert "LAST-MODIFIED:20230910T000000Z" in new_events[key]
        else:
            assert new_events[key] == text, key  # byte-identical


def test_the_re_plan_is_proven_optimal_and_validated(published, tmp_path):
    out = copy_of(published, tmp_path)
    festival = default_with("blackout = [2023-10-24]", "blackout = [2023-10-24, 2023-10-25]")
    done = planning.plan(festival, out=out, at=LATER)
    assert done.result.status == "OPTIMAL"
    moved = {c.session for c in done.changes if c.kind == "moved"}
    published_plan = json.loads((published / "timetable.json").read_text(encoding="utf-8"))
    on_the_day = {s["id"] for s in published_plan["sessions"] if s["start"][:10] == "2023-10-25"}
    assert moved == on_the_day


def two_day_festival(blackout: str = "") -> str:
    """Three sessions in one venue; with the published plan on three different days."""
    return SMALL.replace(
        'step = "30m"', f'step = "30m"\nmax_sessions_per_day = 1\n{blackout}'
    ).replace(
        "attendance = 30",
        'attendance = 30\n\n[[sessions]]\nid = "panel"\ntitle = "圆桌"\nduration = "1h"',
    )


def test_exactly_the_sessions_that_must_move_do(tmp_path):
    planning.plan(config.loads(two_day_festival()), out=tmp_path, at=FIRST)
    first = json.loads((tmp_path / "timetable.json").read_text(encoding="utf-8"))
    days_used = sorted({s["start"][:10] for s in first["sessions"]})
    assert len(days_used) == 3
    blackout = f"blackout = [{days_used[0]}, {days_used[1]}]"
    done = planning.plan(config.loads(two_day_festival(blackout)), out=tmp_path, at=LATER)
    assert done.timetable.moves["moved"] == 2
    stayed = [s for s in first["sessions"] if s["start"][:10] == days_used[2]]
    kept = done.timetable.placement(stayed[0]["id"])
    assert days.local_date(done.festival, kept.start).isoformat() == days_used[2]


def exhaustive_fewest_moves(festival, previous: Timetable) -> int:
    """The fewest moved sessions over every valid timetable, by the validator alone."""
    return min(penalties.moves(festival, t, previous)["moved"] for t in valid_timetables(festival))


def test_moved_sessions_are_the_true_minimum_on_small_festivals():
    shape = generate.Shape(sessions=3, venues=2, people=2, tracks=2, days=3, step=120, rules=0.4)
    checked = 0
    for seed in range(2000, 2100):
        festival = config.loads(generate.festival_toml(seed, shape))
        previous = solver.solve(festival).timetable
        # close the venue of the first session on its day: at least that one must move
        target = previous.placements[0]
        changed = generate.close_for_day(
            festival, target.venue, days.local_date(festival, target.start)
        )
        result = solver.solve(changed, previous=previous)
        if result.status == "INFEASIBLE":
            continue
        assert result.status == "OPTIMAL"
        moved = penalties.moves(festival, result.timetable, previous)["moved"]
        assert moved == result.timetable.moves["moved"] >= 1
        assert moved == exhaustive_fewest_moves(changed, previous), seed
        checked += 1
        if checked == 12:
            break
    assert checked == 12


def test_pinned_and_frozen_sessions_never_move(published, tmp_path):
    out = copy_of(published, tmp_path)
    before = json.loads((out / "timetable.json").read_text(encoding="utf-8"))
    start_of = {s["id"]: s["start"] for s in before["sessions"]}
    # every session gets a strong reason to move: a preference for a far date
    text = DEFAULT_CONFIG.read_text(encoding="utf-8").replace(
        'prefer = { time = "morning" }\n\n[[sessions]]\nid = "digital-platform"',
        'prefer = { dates = [2023-11-09] }\npinned = true\n\n[[sessions]]\nid = "digital-platform"',
    )
    festival = config.loads(text)
    done = planning.plan(festival, out=out, at=LATER, freeze_until=date(2023, 10, 20))
    placed = {p.session: p for p in done.timetable.placements}
    assert days.iso(festival, placed["video-network"].start) == start_of["video-network"]
    for sid, start in start_of.items():
        if start[:10] < "2023-10-20":
            assert days.iso(festival, placed[sid].start) == start, sid


def test_when_pinning_makes_it_infeasible_the_explanation_names_the_pin(published, tmp_path):
    out = copy_of(published, tmp_path)
    plan_now = json.loads((out / "timetable.json").read_text(encoding="utf-8"))
    quantum = next(s for s in plan_now["sessions"] if s["id"] == "quantum")
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    text = text.replace(
        'closed = ["2023-10-30..2023-11-01"]',
        f'closed = ["2023-10-30..2023-11-01", {quantum["start"][:10]}]',
    )
    text = text.replace('venues = ["hf-quantum"]', 'venues = ["hf-quantum"]\npinned = true')
    with pytest.raises(planning.NoTimetable) as caught:
        planning.plan(config.loads(text, source="festival.toml"), out=out, at=LATER)
    # found before any search: the pinned session's published place is now closed
    ((violation, rules),) = caught.value.conflicts
    assert violation.rule == "venues.closed" and violation.sessions == ("quantum",)
    assert {r.key for r in rules} == {"sessions[11].pinned", "venues[5].closed"}
    assert "sessions[11].pinned: session 'quantum' is pinned" in str(caught.value)


def test_freezing_names_the_option_in_the_explanation(published, tmp_path):
    out = copy_of(published, tmp_path)
    plan_now = json.loads((out / "timetable.json").read_text(encoding="utf-8"))
    ai = next(s for s in plan_now["sessions"] if s["id"] == "ai")
    festival = default_with(
        'closed = ["2023-10-16..2023-10-17"]',
        f'closed = ["2023-10-16..2023-10-17", {ai["start"][:10]}]',
    )
    with pytest.raises(planning.NoTimetable) as caught:
        planning.plan(festival, out=out, at=LATER, freeze_until=date(2023, 10, 31))
    ((violation, rules),) = caught.value.conflicts
    assert violation.rule == "venues.closed" and violation.sessions == ("ai",)
    assert {r.key for r in rules} == {"--freeze-until", "venues[0].closed"}


INFEASIBLE = {
    "fixed vs closed venue": (
        SMALL.replace(
            'people = ["ceo"]\n\n[[sessions]]\nid = "workshop"',
            'people = ["ceo"]\nfixed = { start = 2023-10-09T10:00:00, venue = "hall" }'
            '\n\n[[sessions]]\nid = "workshop"',
        ).replace('features = ["stage"]', 'features = ["stage"]\nclosed = [2023-10-09]'),
        {"sessions[0].fixed", "venues[0].closed"},
    ),
    "capacity vs attendance": (
        SMALL.replace("attendance = 200", "attendance = 400"),
        {"sessions[0].attendance"},
    ),
    "a person in two fixed sessions at once": (
        SMALL.replace(
            'people = ["ceo"]\n\n[[sessions]]\nid = "workshop"',
            'people = ["ceo"]\nfixed = { start = 2023-10-09T10:00:00 }'
            '\n\n[[sessions]]\nid = "workshop"',
        ).replace(
            'attendance = 30\npeople = ["ceo"]',
            'attendance = 30\npeople = ["ceo"]\nfixed = { start = 2023-10-09T11:00:00 }',
        ),
        {"sessions[0].fixed", "sessions[1].fixed", "people[0]"},
    ),
    "a cycle of after windows": (
        SMALL.replace(
            'attendance = 30\npeople = ["ceo"]',
            'attendance = 30\npeople = ["ceo"]\nafter = ["keynote"]\nlatest = 2023-10-08',
        ).replace(
            'attendance = 200\npeople = ["ceo"]',
            'attendance = 200\npeople = ["ceo"]\nearliest = 2023-10-09',
        ),
        {"sessions[0].earliest", "sessions[1].after", "sessions[1].latest"},
    ),
    "a window too short for its sessions": (
        SMALL.replace("end = 2023-10-10", "end = 2023-09-28").replace(
            'attendance = 30\npeople = ["ceo"]',
            'attendance = 30\npeople = ["ceo"]\nvenues = ["hall"]\n\n[[sessions]]\n'
            'id = "gala"\ntitle = "晚会"\nduration = "6h"\nvenues = ["hall"]',
        ),
        {
            "venues[0]",
            "venues[0].hours",
            "sessions[0].attendance",
            "sessions[1].venues",
            "sessions[2].venues",
        },
    ),
    "a venue too small and the only big one closed": (
        SMALL.replace(
            'features = ["stage"]', 'features = ["stage"]\nclosed = ["2023-09-28..2023-10-10"]'
        ),
        {"sessions[0].attendance", "venues[0].closed"},
    ),
}


@pytest.mark.parametrize("case", sorted(INFEASIBLE))
def test_infeasible_definitions_name_their_minimal_conflict(case):
    text, expected = INFEASIBLE[case]
    festival = config.loads(text, source="f.toml")
    assert solver.solve(festival).status == "INFEASIBLE"
    found = solver.explain(festival)
    assert found.status == "INFEASIBLE" and found.minimal
    assert {r.key for r in found.rules} == expected
    # each is named as the validator and the docs name it (scheduler.rules)
    assert {r.name for r in found.rules} == RULE_NAMES[case]
    described = planning.describe(festival, found)
    for rule in found.rules:
        assert solver.where(festival, rule).startswith("f.toml:")
        assert rule.name in described


RULE_NAMES = {
    "fixed vs closed venue": {"sessions.fixed", "venues.closed"},
    "capacity vs attendance": {"venues.capacity"},
    "a person in two fixed sessions at once": {"sessions.fixed", "people.break"},
    "a cycle of after windows": {"sessions.earliest", "sessions.after", "sessions.latest"},
    "a window too short for its sessions": {
        "venues.changeover",
        "venues.hours",
        "venues.capacity",
        "sessions.venues",
    },
    "a venue too small and the only big one closed": {"venues.capacity", "venues.closed"},
}


def test_explanation_is_printed_by_plan_with_exit_1_and_check_explain(tmp_path):
    text, _ = INFEASIBLE["fixed vs closed venue"]
    path = tmp_path / "f.toml"
    path.write_text(text, encoding="utf-8")
    runner = CliRunner()
    out = tmp_path / "calendars"
    result = runner.invoke(cli, ["plan", str(path), "--out", str(out)])
    assert result.exit_code == 1
    assert "proven infeasible" in result.output
    line = text.splitlines().index('fixed = { start = 2023-10-09T10:00:00, venue = "hall" }') + 1
    assert (
        f"{path}:{line}: sessions[0].fixed: session 'keynote' is fixed at 2023-10-09 10:00 in "
        "venue 'hall'" in result.output
    )
    assert "venues[0].closed: venue 'hall' is closed on 2023-10-09" in result.output
    assert not out.exists()
    checked = runner.invoke(cli, ["check", str(path), "--explain"])
    assert checked.exit_code == 1 and "venues[0].closed" in checked.output
    good = runner.invoke(cli, ["check", str(DEFAULT_CONFIG), "--explain"])
    assert good.exit_code == 0 and "A timetable exists" in good.output


def test_plan_prints_the_change_report_and_diff_repeats_it(published, tmp_path):
    out = copy_of(published, tmp_path)
    old_copy = tmp_path / "old.json"
    old_copy.write_bytes((out / "timetable.json").read_bytes())
    plan_now = {s["id"]: s for s in json.loads(old_copy.read_text(encoding="utf-8"))["sessions"]}
    cyber, payment = plan_now["cybersecurity"], plan_now["mobile-payment"]
    day = cyber["start"][:10]
    path = tmp_path / "f.toml"
    text = DEFAULT_CONFIG.read_text(encoding="utf-8").replace(
        "blackout = [2023-10-24]", f"blackout = [2023-10-24, {day}]"
    )
    cut = text.index('[[sessions]]\nid = "mobile-payment"')
    text = text[:cut] + text[text.index('[[sessions]]\nid = "cybersecurity"') :]
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["plan", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Changes since the published plan:" in result.output
    weekday = datetime.fromisoformat(cyber["start"]).strftime("%a")
    assert re.search(
        rf"moved +cybersecurity \(网络安全主题活动\): {day} {weekday} "
        rf"{cyber['start'][11:16]}–{cyber['end'][11:16]} {cyber['venue']} → ",
        result.output,
    )
    assert (
        f"because festival.blackout: session 'cybersecurity' is on blackout date {day}"
        in result.output
    )
    assert re.search(
        rf"cancelled mobile-payment \(移动支付主题活动\): was {payment['start'][:10]}",
        result.output,
    )
    shown = CliRunner().invoke(cli, ["diff", str(old_copy), str(out / "timetable.json")])
    assert shown.exit_code == 0
    assert "cancelled mobile-payment" in shown.output and "moved     cybersecurity" in shown.output
    as_json = CliRunner().invoke(
        cli, ["diff", str(old_copy), str(out / "timetable.json"), "--json"]
    )
    kinds = {c["session"]: c["kind"] for c in json.loads(as_json.output)}
    assert kinds["mobile-payment"] == "cancelled" and kinds["cybersecurity"] == "moved"


def test_diff_refuses_plans_of_two_festivals(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    planning.plan(config.loads(SMALL), out=a, at=FIRST)
    planning.plan(config.loads(SMALL.replace('id = "small"', 'id = "other"')), out=b, at=FIRST)
    result = CliRunner().invoke(cli, ["diff", str(a / "timetable.json"), str(b / "timetable.json")])
    assert result.exit_code == 2 and "compare two plans of one festival" in result.output


def test_changes_person_by_person_say_what_each_person_must_know(tmp_path):
    """A moved session, one a person joins, one a person leaves, and a cancelled one:
    `--by person` lists, for each person concerned, what it means to them."""
    base = SMALL.replace('people = ["ceo"]\n', 'people = ["ceo", "cto"]\n', 1)
    base += '\n[[people]]\nid = "cto"\nname = "技术总监"\n'
    base += '\n[[sessions]]\nid = "panel"\ntitle = "圆桌"\nduration = "1h"\npeople = ["cto"]\n'
    (tmp_path / "a.toml").write_text(base, encoding="utf-8")
    runner = CliRunner()
    out = tmp_path / "out"
    assert runner.invoke(cli, ["plan", str(tmp_path / "a.toml"), "--out", str(out)]).exit_code == 0
    old = tmp_path / "old.json"
    old.write_bytes((out / "timetable.json").read_bytes())
    sessions = {s["id"]: s for s in json.loads(old.read_text(encoding="utf-8"))["sessions"]}
    keynote_day = sessions["keynote"]["start"][:10]
    changed = base.replace("blackout = []", "").replace(
        'days = "workdays:CN"', f'days = "workdays:CN"\nblackout = [{keynote_day}]'
    )
    changed = changed.replace(  # the CTO leaves the keynote and joins the workshop
        'people = ["ceo", "cto"]\n', 'people = ["ceo"]\n', 1
    ).replace('attendance = 30\npeople = ["ceo"]', 'attendance = 30\npeople = ["ceo", "cto"]')
    cut = changed.index('\n[[sessions]]\nid = "panel"')
    changed = changed[:cut] + "\n"  # the panel is cancelled
    (tmp_path / "b.toml").write_text(changed, encoding="utf-8")
    result = runner.invoke(
        cli, ["plan", str(tmp_path / "b.toml"), "--out", str(out), "--by", "person"]
    )
    assert result.exit_code == 0, result.output
    text = result.output[result.output.index("Changes since the published plan:") :]
    ceo = text[text.index("ceo (总经理)") : text.index("cto (技术总监)")]
    cto = text[text.index("cto (技术总监)") :]
    assert re.search(r"moved +keynote \(主旨演讲\): " + keynote_day, ceo)
    assert re.search(r"updated +workshop \(工作坊\): ", ceo)  # the CTO joins it
    assert re.search(r"left +keynote \(主旨演讲\): no longer yours, was " + keynote_day, cto)
    assert re.search(r"joined +workshop \(工作坊\): ", cto)
    assert re.search(r"left +panel \(圆桌\): cancelled, was ", cto)
    assert "2 people affected." in cto
    shown = runner.invoke(
        cli, ["diff", str(old), str(out / "timetable.json"), "--by", "person", "--json"]
    )
    found = json.loads(shown.output)
    assert sorted(c["for_person"] for c in found["ceo"]) == ["moved", "updated"]
    assert sorted(c["for_person"] for c in found["cto"]) == ["joined", "left", "left"]
