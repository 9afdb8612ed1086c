"""Shared fixtures: a small festival definition and helpers to look at folders."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = ROOT / "config" / "festival.toml"


def pytest_configure(config: pytest.Config) -> None:
    """Publishing locks (kept in the user's cache folder) go to a folder of the test run's
    own, inherited by the commands the tests start."""
    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="festival-test-cache-")


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(os.environ["XDG_CACHE_HOME"], ignore_errors=True)


# A small, valid festival. Line numbers matter: tests assert them.
SMALL = """\
[festival]
id = "small"
name = "小型测试节"
timezone = "Asia/Shanghai"
start = 2023-09-28
end = 2023-10-10
days = "workdays:CN"
step = "30m"

[[tracks]]
id = "cloud"
name = "云"
color = "teal"

[[venues]]
id = "hall"
name = "大厅"
city = "北京"
capacity = 300
hours = "09:00-18:00"
features = ["stage"]

[[venues]]
id = "room"
name = "小会议室"
city = "上海"
capacity = 50
hours = "09:00-17:00"

[[people]]
id = "ceo"
name = "总经理"

[[sessions]]
id = "keynote"
title = "主旨演讲"
track = "cloud"
duration = "2h"
attendance = 200
people = ["ceo"]

[[sessions]]
id = "workshop"
title = "工作坊"
track = "cloud"
duration = "90m"
attendance = 30
people = ["ceo"]
"""


# Bad inputs as (text in SMALL, replacement, expected message): each must be refused
# with the file, the line, the key and what was expected.
BAD_INPUTS = [
    ('name = "小型测试节"', 'name = "小型测试节', "f.toml:3: not valid TOML"),
    (
        "capacity = 300",
        'capacity = "big"',
        "f.toml:19: venues[0].capacity: 'big' is not a whole number",
    ),
    (
        'color = "teal"',
        'colour = "teal"',
        "f.toml:13: tracks[0].colour: unknown key 'colour' (did you mean 'color'?)",
    ),
    (
        'people = ["ceo"]\n\n[[sessions]]\nid = "workshop"',
        'people = ["coe"]\n\n[[sessions]]\nid = "workshop"',
        "f.toml:40: sessions[0].people: unknown person 'coe' (did you mean 'ceo'?); "
        "expected one of: ceo",
    ),
    (
        'track = "cloud"\nduration = "2h"',
        'track = "AI"\nduration = "2h"',
        "f.toml:37: sessions[0].track: 'AI' is not a valid id",
    ),
    (
        'track = "cloud"\nduration = "2h"',
        'track = "ai"\nduration = "2h"',
        "f.toml:37: sessions[0].track: unknown track 'ai'; expected one of: cloud",
    ),
    (
        'id = "workshop"',
        'id = "keynote"',
        "f.toml:43: sessions[1].id: duplicate id 'keynote'; already used by sessions[0] (line 34)",
    ),
    (
        "start = 2023-09-28",
        'start = "2023-13-01"',
        "f.toml:5: festival.start: '2023-13-01' is not a date; expected YYYY-MM-DD",
    ),
    (
        'hours = "09:00-18:00"',
        'hours = "18:00-09:00"',
        "f.toml:20: venues[0].hours: '18:00-09:00' ends before it starts",
    ),
    (
        'hours = "09:00-18:00"',
        'hours = "9 to 6"',
        "f.toml:20: venues[0].hours: '9 to 6' is not a time range; expected \"HH:MM-HH:MM\"",
    ),
    (
        'duration = "2h"',
        'duration = "two hours"',
        "f.toml:38: sessions[0].duration: 'two hours' is not a duration; use e.g. \"2h\"",
    ),
    (
        'timezone = "Asia/Shanghai"',
        'timezone = "Asia/Beijing"',
        "f.toml:4: festival.timezone: 'Asia/Beijing' is not a known IANA time zone",
    ),
    (
        'duration = "2h"',
        'duration = "10h"',
        "f.toml:38: sessions[0].duration: 10h is longer than the opening hours of every "
        "venue it may use (longest: hall, 09:00-18:00, 9h)",
    ),
    (
        'people = ["ceo"]\n\n[[sessions]]\nid = "workshop"',
        'people = ["ceo"]\nafter = ["workshop"]\n\n[[sessions]]\nid = "workshop"\n'
        'after = ["keynote"]',
        "f.toml:41: sessions[0].after: 'after' forms a cycle: keynote → after → workshop → after → "
        "keynote",
    ),
    (
        'days = "workdays:CN"',
        'days = "workdays"',
        "f.toml:7: festival.days: 'workdays' is not a day rule",
    ),
    ('step = "30m"', 'step = "7m"', "f.toml:8: festival.step: 7 minutes does not divide"),
    (
        "end = 2023-10-10",
        "end = 2023-09-01",
        "f.toml:6: festival.end: 2023-09-01 is before festival.start 2023-09-28",
    ),
    (
        'people = ["ceo"]\n\n[[sessions]]\nid = "workshop"',
        'people = ["ceo"]\nnot_with = ["worksop"]\n\n[[sessions]]\nid = "workshop"',
        "f.toml:41: sessions[0].not_with: unknown session 'worksop' (did you mean 'workshop'?)",
    ),
    (
        'people = ["ceo"]\n\n[[sessions]]\nid = "workshop"',
        'people = ["ceo"]\nruns = 2\n\n[[sessions]]\nid = "keynote-run-2"',
        "f.toml:41: sessions[0].runs: run 2 of 'keynote' is the session 'keynote-run-2', which "
        "is also the id of sessions[1]",
    ),
    (
        'people = ["ceo"]\n\n[[sessions]]\nid = "workshop"',
        'people = ["ceo"]\nplenary = "yes"\n\n[[sessions]]\nid = "workshop"',
        "f.toml:41: sessions[0].plenary: 'yes' is not",
    ),
    (
        'people = ["ceo"]\n\n[[sessions]]\nid = "workshop"',
        'people = ["ceo"]\nruns = 0\n\n[[sessions]]\nid = "workshop"',
        "f.toml:41: sessions[0].runs: must be at least 1",
    ),
    (
        'people = ["ceo"]\n\n[[sessions]]\nid = "workshop"',
        'people = ["ceo"]\ncurrent = { start = 2023-10-09T09:00:00 }\n\n'
        '[[sessions]]\nid = "workshop"',
        "f.toml:41: sessions[0].current: expected a place, e.g. current = { start = ",
    ),
    (
        'people = ["ceo"]\n\n[[sessions]]\nid = "workshop"',
        'people = ["ceo"]\ncurrent = { start = 2023-10-09T09:00:00, venue = "hal" }\n\n'
        '[[sessions]]\nid = "workshop"',
        "f.toml:41: sessions[0].current.venue: unknown venue 'hal' (did you mean 'hall'?)",
    ),
    (
        'attendance = 30\npeople = ["ceo"]\n',
        'attendance = 30\npeople = ["ceo"]\n\n[[limits]]\ntag = "stage"\nat_once = 1\n',
        "f.toml:51: limits[0].tag: unknown tag (no session has it) 'stage'",
    ),
    (
        'attendance = 30\npeople = ["ceo"]\n',
        'attendance = 30\npeople = ["ceo"]\ntags = ["stage"]\n\n[[limits]]\ntag = "stage"\n'
        "at_once = 0\n",
        "f.toml:53: limits[0].at_once: must be at least 1",
    ),
    (
        'attendance = 30\npeople = ["ceo"]\n',
        'attendance = 30\npeople = ["ceo"]\n\n[[order]]\nfirst = ["keynote"]\nthen = ["worksop"]\n',
        "f.toml:52: order[0].then: unknown session 'worksop' (did you mean 'workshop'?)",
    ),
    (
        'attendance = 30\npeople = ["ceo"]\n',
        'attendance = 30\npeople = ["ceo"]\n\n[[order]]\nfirst = ["keynote"]\nthen = []\n',
        "f.toml:52: order[0].then: is empty; expected at least one session id",
    ),
    (
        'attendance = 30\npeople = ["ceo"]\n',
        'attendance = 30\npeople = ["ceo"]\n\n[[order]]\nfirst = ["keynote"]\n'
        'then = ["workshop"]\nweight = 2.5\n',
        "f.toml:53: order[0].weight: 2.5 is not a whole number",
    ),
    (
        'attendance = 30\npeople = ["ceo"]\n',
        'attendance = 30\npeople = ["ceo"]\n\n[[order]]\nfirst = ["keynote", "workshop"]\n'
        'then = ["workshop"]\n',
        "f.toml:52: order[0].then: 'workshop' is also in first; expected a session in one "
        "list or the other",
    ),
    (
        'attendance = 30\npeople = ["ceo"]\n',
        'attendance = 30\npeople = ["ceo"]\n\n[[order]]\nfirst = ["keynote"]\n'
        'then = ["workshop"]\n\n[[order]]\nfirst = ["workshop"]\nthen = ["keynote"]\n',
        "f.toml:54: order[1]: [[order]] forms a cycle: keynote → order[1] → workshop → order[0] → "
        "keynote; expected an order without loops",
    ),
    (
        'attendance = 30\npeople = ["ceo"]\n',
        'attendance = 30\npeople = ["ceo"]\n\n[[together]]\nsessions = ["keynote", "workshop"]\n'
        'same = "block"\nweight = 2\ncount = "pairs"\n',
        "f.toml:54: together[0].count: a block counts its broken links; expected "
        'count = "extra" (the default) with same = "block"',
    ),
    (
        'attendance = 30\npeople = ["ceo"]\n',
        'attendance = 30\npeople = ["ceo"]\n\n[[together]]\nsessions = ["keynote", "workshop"]\n'
        'same = "day"\nweight = 2\ncount = "pair"\n',
        "f.toml:54: together[0].count: 'pair' is not a choice here; expected one of: "
        '"extra", "pairs"',
    ),
    (
        'attendance = 30\npeople = ["ceo"]\n',
        'attendance = 30\npeople = ["ceo"]\n\n[[rewards]]\ntags = ["beginers"]\nwhen = "differ"\n'
        "weight = 1\n",
        "f.toml:51: rewards[0].tags: unknown tag (no session has it) 'beginers'",
    ),
    (
        'attendance = 30\npeople = ["ceo"]\n',
        'attendance = 30\npeople = ["ceo"]\ntags = ["x"]\n\n[[rewards]]\ntags = ["x"]\n'
        'when = "same"\nweight = 1\n',
        "f.toml:53: rewards[0].when: 'same' is not a choice here; expected one of: "
        '"differ", "share"',
    ),
    (
        'attendance = 30\npeople = ["ceo"]\n',
        'attendance = 30\npeople = ["ceo"]\ntags = ["x"]\n\n[[rewards]]\ntags = ["x"]\n'
        'when = "share"\n',
        "f.toml:51: rewards[0].weight: missing; every reward needs 'weight'",
    ),
    (
        'step = "30m"',
        'step = "30m"\noverlap = "minute"',
        "f.toml:9: festival.overlap: 'minute' is not a choice here; expected one of: "
        '"pairs", "minutes"',
    ),
    (
        'step = "30m"',
        'step = "30m"\nexclusive_tags = ["beginers"]',
        "f.toml:9: festival.exclusive_tags: unknown tag (no session has it) 'beginers'",
    ),
    (
        'name = "总经理"',
        'name = "总经理"\nbreak = "a while"',
        "f.toml:33: people[0].break: 'a while' is not a duration",
    ),
]


@pytest.fixture
def small_config(tmp_path: Path) -> Path:
    path = tmp_path / "small.toml"
    path.write_text(SMALL, encoding="utf-8")
    return path


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file below `folder`: relative path → (bytes, mtime in ns)."""
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def wall(moment: datetime, zone: str = "Asia/Shanghai") -> datetime:
    """An instant as the festival's wall clock shows it (naive), for comparing in tests."""
    return moment.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def cog_is_current(document: str) -> bool:
    """Whether the cog blocks of `document` (relative to the repository) are up to date;
    if not, the assertion message says how to regenerate them."""
    result = subprocess.run(
        [sys.executable, "-m", "cogapp", "--check", document],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, (
        f"{document} is out of date; run: cog -r {document}\n" + result.stdout + result.stderr
    )
    return True


@pytest.fixture(scope="module")
def festival():
    """The default festival (tests that need another define their own `festival`)."""
    from scheduler import config

    return config.load(DEFAULT_CONFIG)


@pytest.fixture(scope="module")
def timetable(festival):
    """The solved default festival."""
    from scheduler import solver

    return solver.solve(festival).timetable
