"""Reading definitions: every kind of bad input gets one clear, located message."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from conftest import BAD_INPUTS, DEFAULT_CONFIG, SMALL

from scheduler import config


def problems_of(text: str) -> list[str]:
    with pytest.raises(config.ConfigError) as caught:
        config.loads(text, source="f.toml")
    return [str(p) for p in caught.value.problems]


def test_small_definition_reads_into_the_domain_model():
    festival = config.loads(SMALL, source="small.toml")
    assert festival.id == "small"
    assert festival.start == date(2023, 9, 28)
    assert [v.id for v in festival.venues] == ["hall", "room"]
    assert festival.venue("hall").opens == 9 * 60
    assert festival.venue("room").closes == 17 * 60
    keynote = festival.session("keynote")
    assert keynote.duration == 120
    assert keynote.people == ("ceo",)
    assert festival.lines["sessions[0].duration"] == 38


def test_default_festival_reads_and_pins_the_opening():
    festival = config.load(DEFAULT_CONFIG)
    opening = festival.session("opening")
    assert opening.fixed.start == datetime(2023, 10, 9, 9, 30)
    assert opening.fixed.venue == "bj-main"
    themed = {s.title.removesuffix("主题活动") for s in festival.sessions} - {
        opening.title,
        "科技节成果展开展巡览",
    }
    assert themed == {
        "视联网",
        "数字平台",
        "云网运营",
        "人工智能",
        "物联网",
        "天地一体",
        "云计算",
        "移动支付",
        "网络安全",
        "量子",
    }
    assert festival.timezone == "Asia/Shanghai"
    assert str(festival.days) == "workdays:CN"


@pytest.mark.parametrize(("old", "new", "expected"), BAD_INPUTS)
def test_bad_input_names_file_line_key_and_expectation(old, new, expected):
    assert old in SMALL
    problems = problems_of(SMALL.replace(old, new, 1))
    assert any(expected in p for p in problems), problems


def test_every_problem_is_reported_at_once():
    text = SMALL.replace("capacity = 300", 'capacity = "big"').replace(
        'duration = "90m"', 'duration = "soon"'
    )
    problems = problems_of(text)
    assert len(problems) == 2
    assert "venues[0].capacity" in problems[0]
    assert "sessions[1].duration" in problems[1]


def test_missing_required_key_is_named():
    problems = problems_of(SMALL.replace('title = "工作坊"\n', ""))
    assert problems == ["f.toml:42: sessions[1].title: missing; every session needs 'title'"]


def test_a_year_without_official_working_days_is_an_error_unless_fallback_is_allowed():
    text = SMALL.replace("2023-09-28", "2031-09-28").replace("2023-10-10", "2031-10-10")
    problems = problems_of(text)
    assert len(problems) == 1
    assert "festival.days: holidays" in problems[0]
    assert "no official CN working-day calendar for 2031" in problems[0]
    assert "workdays_fallback = true" in problems[0]
    allowed = text.replace('days = "workdays:CN"', 'days = "workdays:CN"\nworkdays_fallback = true')
    assert config.loads(allowed).days.fallback is True


def test_periods_accept_dates_ranges_and_hours():
    text = SMALL.replace(
        'features = ["stage"]',
        'features = ["stage"]\nclosed = [2023-10-02, "2023-10-04..2023-10-05", '
        '"2023-10-09 13:00-18:00", { start = 2023-10-10T09:00:00, end = 2023-10-10T10:00:00 }]',
    )
    hall = config.loads(text).venue("hall")
    assert [(p.start, p.end) for p in hall.closed] == [
        (datetime(2023, 10, 2), datetime(2023, 10, 3)),
        (datetime(2023, 10, 4), datetime(2023, 10, 6)),
        (datetime(2023, 10, 9, 13), datetime(2023, 10, 9, 18)),
        (datetime(2023, 10, 10, 9), datetime(2023, 10, 10, 10)),
    ]


def test_times_with_an_offset_are_read_in_the_festival_time_zone():
    text = SMALL.replace(
        'people = ["ceo"]\n\n', 'people = ["ceo"]\nfixed = { start = 2023-10-09T01:00:00Z }\n\n', 1
    )
    assert config.loads(text).session("keynote").fixed.start == datetime(2023, 10, 9, 9, 0)


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(config.ConfigError, match="no such file"):
        config.load(tmp_path / "absent.toml")
