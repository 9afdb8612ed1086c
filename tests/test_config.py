"""Reading definitions: every kind of bad input gets one clear, located message."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from conftest import BAD_INPUTS, DEFAULT_CONFIG, SMALL

from scheduler import config

SHANGHAI = ZoneInfo("Asia/Shanghai")


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
    assert opening.fixed.start == datetime(2023, 10, 9, 9, 30, tzinfo=SHANGHAI)
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
        (datetime(2023, 10, 2, tzinfo=SHANGHAI), datetime(2023, 10, 3, tzinfo=SHANGHAI)),
        (datetime(2023, 10, 4, tzinfo=SHANGHAI), datetime(2023, 10, 6, tzinfo=SHANGHAI)),
        (datetime(2023, 10, 9, 13, tzinfo=SHANGHAI), datetime(2023, 10, 9, 18, tzinfo=SHANGHAI)),
        (datetime(2023, 10, 10, 9, tzinfo=SHANGHAI), datetime(2023, 10, 10, 10, tzinfo=SHANGHAI)),
    ]


def test_times_with_an_offset_are_read_in_the_festival_time_zone():
    text = SMALL.replace(
        'people = ["ceo"]\n\n', 'people = ["ceo"]\nfixed = { start = 2023-10-09T01:00:00Z }\n\n', 1
    )
    fixed = config.loads(text).session("keynote").fixed.start
    assert fixed == datetime(2023, 10, 9, 9, 0, tzinfo=SHANGHAI)
    assert fixed.tzinfo is not None


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(config.ConfigError, match="no such file"):
        config.load(tmp_path / "absent.toml")


# --- hostile definitions: each once hung or ended in a traceback --------------------


@pytest.mark.parametrize(
    "title", ["Intro [part 1", "Opening {day 1", 'Quote " and [[ inside', "a # not a comment ["]
)
def test_brackets_and_hashes_inside_strings_are_only_text(title):
    text = SMALL.replace('title = "工作坊"', "title = " + _toml_string(title))
    festival = config.loads(text, source="f.toml")
    assert festival.session("workshop").title == title
    # lines after the string are still found where they are
    assert festival.lines["sessions[1].duration"] == 46


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def test_a_line_is_still_found_after_a_multiline_string_holding_brackets():
    text = SMALL.replace(
        'title = "主旨演讲"', 'title = "主旨演讲"\ndescription = """first [\nsecond {\n"""'
    )
    text = text.replace('duration = "2h"', 'duration = "two hours"')
    assert problems_of(text)[0].startswith("f.toml:41: sessions[0].duration:")


@pytest.mark.parametrize("text", ["", "\n\n# only a comment\n"])
def test_an_empty_file_is_one_clear_error(text):
    assert problems_of(text) == [
        "f.toml: holds no definition; expected a [festival] table, [[venues]] and "
        "[[sessions]] (see docs/definition.md)"
    ]


def test_a_file_without_festival_table_says_so_once():
    text = SMALL.replace("[festival]\n", "[fest]\n")
    found = problems_of(text)
    assert found[-1] == (
        "f.toml: festival: missing; the file needs a [festival] table with id, name, "
        "timezone, start and end"
    )
    assert found[0].startswith("f.toml:1: fest: unknown key 'fest' (did you mean 'festival'?)")
    assert len(found) == 2  # no cascade of missing festival keys


def test_arrays_nested_hundreds_deep_are_refused():
    deep = SMALL.replace('step = "30m"', 'step = "30m"\nblackout = ' + "[" * 400 + "]" * 400)
    assert problems_of(deep) == [
        "f.toml:9: festival.blackout: a list is not a date; expected YYYY-MM-DD, e.g. 2023-10-09"
    ]
    deeper = SMALL.replace('step = "30m"', 'step = "30m"\nblackout = ' + "[" * 5000 + "]" * 5000)
    assert problems_of(deeper) == ["f.toml: arrays or tables are nested too deeply to read"]


def test_an_integer_of_thousands_of_digits_is_refused():
    text = SMALL.replace("capacity = 300", "capacity = " + "9" * 5000)
    assert problems_of(text) == ["f.toml: not valid TOML: a number has thousands of digits"]


def test_a_huge_capacity_is_out_of_range():
    text = SMALL.replace("capacity = 300", "capacity = 99999999999999999999")
    assert problems_of(text) == [
        "f.toml:19: venues[0].capacity: 99999999999999999999 is too large; "
        "expected at most 1,000,000,000"
    ]


@pytest.mark.parametrize(
    "key", ['name = "小型测试节"', 'name = "大厅"', 'title = "主旨演讲"', 'city = "北京"']
)
def test_names_and_titles_stay_on_one_line(key):
    name, _, value = key.partition(" = ")
    text = SMALL.replace(key, f'{name} = "{value[1:-1]}\\n第二行"')
    found = problems_of(text)
    assert len(found) == 1
    assert "runs over several lines; expected one line" in found[0]


def test_control_characters_are_refused_even_in_descriptions():
    text = SMALL.replace('title = "主旨演讲"', 'title = "主旨演讲"\ndescription = "a\\u0000b"')
    assert problems_of(text) == [
        "f.toml:37: sessions[0].description: holds the control character U+0000; "
        "expected printable text (tabs and newlines are allowed in descriptions only)"
    ]


def test_a_five_thousand_character_time_zone_is_not_a_time_zone():
    text = SMALL.replace('"Asia/Shanghai"', '"' + "A/" * 2500 + '"')
    (found,) = problems_of(text)
    assert found.startswith("f.toml:4: festival.timezone: ")
    assert "is not a known IANA time zone" in found
    assert len(found) < 300


def test_a_weight_beyond_the_largest_allowed_names_the_limit():
    text = SMALL + "\n[weights]\nspread = 9223372036854775807\n"
    assert problems_of(text) == [
        "f.toml:51: weights.spread: 9223372036854775807 is larger than the largest weight "
        "allowed, 1,000,000; weights only compare with each other, so scale them all down"
    ]


def test_a_duration_longer_than_a_year_is_a_typo():
    text = SMALL.replace('step = "30m"', 'step = "30m"\nrefresh = "99999999h"')
    assert problems_of(text) == [
        "f.toml:9: festival.refresh: '99999999h' is longer than a year; expected a shorter duration"
    ]


def _chain(n: int, cycle: bool) -> str:
    head = SMALL.split("[[sessions]]")[0]
    sessions = []
    for i in range(n):
        after = f'after = ["s{i - 1}"]' if i else (f'after = ["s{n - 1}"]' if cycle else "")
        sessions.append(f'[[sessions]]\nid = "s{i}"\ntitle = "S{i}"\nduration = 30\n{after}\n')
    return head + "\n".join(sessions)


def test_an_after_chain_of_thousands_loads_and_a_long_cycle_is_named_briefly():
    festival = config.loads(_chain(1600, cycle=False), source="f.toml")
    assert festival.session("s1599").after == ("s1598",)
    (found,) = problems_of(_chain(1600, cycle=True))
    assert "'after' forms a cycle: " in found
    assert "… 1595 more …" in found
    assert len(found) < 300


TRAVEL = (
    SMALL
    + """
[travel]
same_city = "30m"

[[travel.between]]
venues = ["hall", "room"]
time = "2h"
"""
)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('venues = ["hall", "room"]', 'venues = ["hall", "rooom"]', "unknown venue 'rooom'"),
        ('venues = ["hall", "room"]', 'venues = ["hall", "hall"]', "two different venue ids"),
        ('venues = ["hall", "room"]', 'venues = ["hall"]', "two different venue ids"),
        ('time = "2h"', 'time = "-2h"', "'-2h' is not a duration"),
        ('time = "2h"', 'tiem = "2h"', "travel.between[0].tiem: unknown key"),
        ('same_city = "30m"', 'same_city = "soon"', "travel.same_city: 'soon' is not a duration"),
        (
            'time = "2h"',
            'time = "2h"\n\n[[travel.between]]\nvenues = ["room", "hall"]\ntime = "1h"',
            "travel.between[1].venues: room and hall already have a travel time",
        ),
    ],
)
def test_bad_travel_is_one_located_problem(old, new, expected):
    assert old in TRAVEL
    problems = problems_of(TRAVEL.replace(old, new, 1))
    assert any(expected in p for p in problems), problems
    assert all(p.startswith("f.toml:") for p in problems), problems


def test_travel_reads_same_city_and_routes_both_ways():
    festival = config.loads(TRAVEL, source="f.toml")
    assert festival.travel.same_city == 30
    assert [(r.venues, r.time) for r in festival.travel.between] == [(("hall", "room"), 120)]


BLOCKED = (
    SMALL.replace(
        'features = ["stage"]', 'features = ["stage"]\nblocks = ["09:00-13:00", "13:00-18:00"]', 1
    )
    + '\n[[blocks]]\nvenue = "hall"\ndate = 2023-09-28\ntime = "09:00-13:00"\ntrack = "cloud"\n'
)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('track = "cloud"\n', 'track = "clod"\n', "blocks[0].track: unknown track 'clod'"),
        ('venue = "hall"\ndate', 'venue = "hal"\ndate', "blocks[0].venue: unknown venue 'hal'"),
        ('time = "09:00-13:00"\n', 'time = "09:00-12:00"\n', "is not a block of hall on"),
        (
            '["09:00-13:00", "13:00-18:00"]',
            '["09:00-13:00", "12:00-18:00"]',
            "block 12:00-18:00 starts before the block 09:00-13:00 ends",
        ),
        (
            '["09:00-13:00", "13:00-18:00"]',
            '["09:00-13:00", "13:00-19:00"]',
            "block 13:00-19:00 is outside the venue's hours",
        ),
        ('track = "cloud"\n', 'track = "cloud"\ncolour = "red"\n', "blocks[0].colour: unknown key"),
    ],
)
def test_bad_blocks_are_located(old, new, expected):
    venues, entry = BLOCKED.split("[[blocks]]")
    if old in entry:
        entry = entry.replace(old, new, 1)
    else:
        venues = venues.replace(old, new, 1)
    problems = problems_of(venues + "[[blocks]]" + entry)
    assert any(expected in p for p in problems), problems
    assert all(p.startswith("f.toml:") for p in problems), problems


@pytest.mark.parametrize(
    ("slots", "expected"),
    [
        ('["10:00-11:00", "09:00-10:00"]', "slot 09:00-10:00 starts before the slot 10:00-11:00"),
        ('["08:00-09:00"]', "slot 08:00-09:00 is outside the venue's hours 09:00-18:00"),
        ('["09:10-10:00"]', "does not start on the 30-minute step grid"),
        ('{ 2023-09-01 = ["09:00-10:00"] }', "venues[0].slots.2023-09-01: 2023-09-01 is outside"),
        ('["09:00-10:00", "10:00-11:00"]', "sessions[0].duration: 2h is longer than every slot"),
        ('"09:00-10:00"', "venues[0].slots: expected a list of time ranges"),
    ],
)
def test_bad_slots_are_located(slots, expected):
    text = SMALL.replace('features = ["stage"]', f'features = ["stage"]\nslots = {slots}', 1)
    text = text.replace('hours = "09:00-17:00"', 'hours = "09:00-17:00"\nslots = ["09:00-10:00"]')
    problems = problems_of(text)
    assert any(expected in p for p in problems), problems
    assert all(p.startswith("f.toml:") for p in problems), problems
