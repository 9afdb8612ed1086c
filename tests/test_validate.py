"""The independent validator: a valid timetable passes, and each broken rule is caught."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from conftest import wall

from scheduler import config, days, penalties, validate
from scheduler.model import Fixed, Timetable

SHANGHAI = ZoneInfo("Asia/Shanghai")


def moved(
    festival,
    timetable: Timetable,
    session: str,
    start: datetime | None = None,
    venue: str | None = None,
) -> Timetable:
    """`timetable` with one session moved (to `start` on the festival's wall clock), its
    duration kept."""
    duration = timedelta(minutes=festival.session(session).duration)
    placements = []
    for p in timetable.placements:
        if p.session == session:
            begin = start or p.start
            if begin.tzinfo is None:
                begin = days.instant(days.zone(festival), begin)
            p = replace(p, start=begin, end=begin + duration, venue=venue or p.venue)
        placements.append(p)
    return replace(timetable, placements=tuple(placements))


def rules(festival, timetable) -> set[str]:
    return {v.rule for v in validate.violations(festival, timetable)}


def test_the_solved_default_festival_keeps_every_rule(festival, timetable):
    assert validate.violations(festival, timetable) == []
    assert penalties.score(festival, timetable)["total"] == timetable.objective


@pytest.mark.parametrize(
    ("session", "start", "venue", "expected"),
    [
        ("mobile-payment", "2023-10-24 13:00", None, {"festival.blackout"}),
        ("mobile-payment", "2023-10-14 13:00", None, {"festival.days"}),  # a Saturday
        ("mobile-payment", "2023-11-10 13:00", None, {"festival.window"}),  # after the end
        ("mobile-payment", "2023-10-25 13:10", None, {"festival.step"}),
        ("mobile-payment", "2023-10-25 16:30", None, {"venues.hours"}),  # ends 18:30
        ("space-ground", "2023-10-16 09:00", "bj-main", {"venues.closed"}),
        ("ai", None, "bj-forum", {"venues.capacity", "sessions.needs"}),
        ("mobile-payment", None, "bj-forum", {"sessions.cities"}),
        ("digital-platform", None, "gz-hall", {"sessions.venues"}),
        ("opening", "2023-10-09 10:00", None, {"sessions.fixed", "travel"}),
        ("space-ground", "2023-10-20 09:00", None, {"sessions.earliest"}),
        ("cybersecurity", "2023-11-06 13:00", None, {"sessions.latest"}),
        ("cloud-computing", "2023-10-10 13:00", None, {"sessions.after"}),
        ("quantum", "2023-10-19 13:00", None, {"people.unavailable"}),
        ("video-network", "2023-10-25 09:00", None, {"people.unavailable"}),
        ("cloud-network-ops", "2023-10-11 12:30", "sh-forum", {"venues.changeover"}),
    ],
)
def test_each_broken_rule_is_caught(festival, timetable, session, start, venue, expected):
    when = datetime.fromisoformat(start) if start else None
    broken = moved(festival, timetable, session, when, venue)
    if expected == {"venues.changeover"}:
        # put a second session in the same venue 30 minutes after it ends (45 are needed)
        ends = broken.placement(session).end
        broken = moved(festival, broken, "mobile-payment", ends + timedelta(minutes=30), "sh-forum")
    assert expected <= rules(festival, broken)


def test_two_sessions_at_once_in_one_venue_are_caught(festival, timetable):
    other = timetable.placement("cybersecurity")
    broken = moved(festival, timetable, "mobile-payment", other.start, other.venue)
    assert "venues.changeover" in rules(festival, broken)


def test_a_person_in_two_cities_on_one_day_is_caught(festival, timetable):
    held = timetable.placement("space-ground")
    # the president is in space-ground, and would be in the other city the same day
    other = "sh-forum" if festival.venue(held.venue).city == "北京" else "bj-forum"
    broken = moved(
        festival,
        timetable,
        "cloud-network-ops",
        datetime.combine(wall(held.start).date(), datetime.min.time()).replace(hour=14),
        other,
    )
    assert "people.one_city_per_day" in rules(festival, broken)


def test_too_many_sessions_on_a_day_is_caught(festival, timetable):
    broken = moved(festival, timetable, "mobile-payment", datetime(2023, 10, 9, 14, 0), "sh-forum")
    assert "festival.max_sessions_per_day" in rules(festival, broken)


def test_missing_duplicate_and_unknown_sessions_are_caught(festival, timetable):
    placements = timetable.placements
    assert "timetable.complete" in rules(festival, replace(timetable, placements=placements[1:]))
    doubled = replace(timetable, placements=(*placements, placements[0]))
    assert "timetable.complete" in rules(festival, doubled)
    stranger = replace(placements[0], session="not-a-session")
    assert "timetable.complete" in rules(
        festival, replace(timetable, placements=(*placements, stranger))
    )


def test_a_wrong_duration_is_caught(festival, timetable):
    p = timetable.placements[3]
    broken = replace(
        timetable,
        placements=tuple(
            replace(q, end=q.end + timedelta(minutes=30)) if q == p else q
            for q in timetable.placements
        ),
    )
    assert "sessions.duration" in rules(festival, broken)


def test_messages_name_the_session_and_the_rule(festival, timetable):
    broken = moved(festival, timetable, "mobile-payment", datetime(2023, 10, 24, 13, 0))
    [message] = [str(v) for v in validate.violations(festival, broken)]
    assert message == "festival.blackout: session 'mobile-payment' is on blackout date 2023-10-24"


def test_score_counts_each_soft_goal(festival, timetable):
    # two network-track sessions on one day: one track_days pair, and spread pairs
    day = timetable.placement("iot").start
    broken = moved(festival, timetable, "space-ground", day.replace(hour=14), "bj-forum")
    score = penalties.score(festival, broken)
    assert score["track_days"] == timetable.penalties["track_days"] + 1
    assert score["total"] == sum(
        festival.weights.of(g) * score[g]
        for g in ("spread", "track_days", "prefer_date", "prefer_venue", "prefer_time")
    )


AUDIENCE = """\
[festival]
id = "talks"
name = "Talks"
timezone = "Asia/Shanghai"
start = 2024-05-07
end = 2024-05-07
step = "15m"
exclusive_tags = ["beginners"]

[[venues]]
id = "a"
city = "上海"
capacity = 100

[[venues]]
id = "b"
city = "上海"
capacity = 100

[[people]]
id = "li"
break = "30m"

[[sessions]]
id = "intro"
title = "Intro"
duration = "1h"
tags = ["beginners", "python"]
people = ["li"]

[[sessions]]
id = "basics"
title = "Basics"
duration = "1h"
tags = ["beginners"]
not_with = ["deep"]

[[sessions]]
id = "deep"
title = "Deep dive"
duration = "1h"
people = ["li"]
"""


def at(day_time: str, venue: str, session: str, minutes: int = 60):
    from scheduler.model import Placement

    start = datetime.fromisoformat(f"2024-05-07 {day_time}").replace(tzinfo=SHANGHAI)
    return Placement(session, venue, start, start + timedelta(minutes=minutes))


def test_shared_audiences_and_breaks_are_checked():
    festival = config.loads(AUDIENCE, source="talks.toml")
    good = Timetable(
        "talks", (at("09:00", "a", "intro"), at("10:00", "b", "basics"), at("11:30", "a", "deep"))
    )
    assert validate.violations(festival, good) == []
    bad = Timetable(
        "talks", (at("09:00", "a", "intro"), at("09:30", "b", "basics"), at("10:15", "a", "deep"))
    )
    found = {(v.rule, v.sessions) for v in validate.violations(festival, bad)}
    assert found == {
        ("festival.exclusive_tags", ("intro", "basics")),  # both for beginners, overlapping
        ("sessions.not_with", ("basics", "deep")),  # basics must not overlap deep
        ("people.break", ("intro", "deep")),  # li has 15 min between talks, wants 30
    }
    messages = [v.message for v in validate.violations(festival, bad)]
    assert any("15 min between 'intro' and 'deep'" in m for m in messages)


def test_tags_that_are_not_exclusive_do_not_keep_sessions_apart():
    text = AUDIENCE.replace('tags = ["beginners"]\nnot_with', 'tags = ["python"]\nnot_with')
    festival = config.loads(text, source="t.toml")
    overlapping = Timetable(
        "talks", (at("09:00", "a", "intro"), at("09:00", "b", "basics"), at("11:00", "a", "deep"))
    )
    assert validate.violations(festival, overlapping) == []


def test_among_names_every_conflict_of_fixed_places_at_once():
    """A programme whose every talk is fixed where its hidden timetable has it: nothing
    to report. Three talks re-fixed onto other talks' rooms and times: each clash is
    reported, all at once, naming the talk moved."""
    from scheduler import generate, plan

    festival, witness = generate.published_programme(
        2, generate.Programme(sessions=60, venues=4, slots=0.0)
    )
    at = {p.session: p for p in witness.placements}

    def fixed_at(s, p):
        return replace(s, fixed=Fixed(p.start, p.venue))

    fixed = replace(festival, sessions=tuple(fixed_at(s, at[s.id]) for s in festival.sessions))
    assert validate.among(fixed, plan.known_places(fixed, None, {})) == []
    ids = sorted(at)
    moved = {ids[0]: at[ids[1]], ids[10]: at[ids[11]], ids[20]: at[ids[21]]}
    clashing = replace(
        fixed,
        sessions=tuple(fixed_at(s, moved.get(s.id, at[s.id])) for s in fixed.sessions),
    )
    found = validate.among(clashing, plan.known_places(clashing, None, {}))
    named = {sid for v in found for sid in v.sessions}
    assert set(moved) <= named
    assert {v.rule for v in found} >= {"venues.changeover"}
