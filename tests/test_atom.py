"""changes.atom: valid Atom for a feed reader, one entry per revision that changed
something, entries stable across unchanged re-runs."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest
from conftest import SMALL

from scheduler import config
from scheduler import plan as planning

FIRST = datetime(2023, 9, 1, 8, 0, tzinfo=UTC)
SECOND = datetime(2023, 9, 5, 8, 0, tzinfo=UTC)
THIRD = datetime(2023, 9, 8, 8, 0, tzinfo=UTC)


def parsed(folder: Path) -> feedparser.FeedParserDict:
    feed = feedparser.parse((folder / "changes.atom").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


CHINESE = SMALL.replace('name = "小型测试节"', 'name = "小型测试节"\nlanguage = "zh-CN"')


def with_blackout(day: str) -> str:
    return CHINESE.replace('days = "workdays:CN"', f'days = "workdays:CN"\nblackout = [{day}]')


@pytest.fixture
def published(tmp_path) -> Path:
    out = tmp_path / "out"
    planning.plan(config.loads(CHINESE), out=out, at=FIRST)
    return out


def test_a_first_publication_has_no_entries_and_is_valid(published):
    feed = parsed(published)
    assert feed.entries == []
    assert feed.feed.title == "小型测试节日程变更"
    assert feed.feed.id.startswith("urn:uuid:")


def test_each_re_plan_that_changes_something_adds_one_entry(published):
    day = local_day(published, "keynote")
    planning.plan(config.loads(with_blackout(day)), out=published, at=SECOND)
    feed = parsed(published)
    assert len(feed.entries) == 1
    entry = feed.entries[0]
    assert entry.title == "发布了 1 项变更"
    assert entry.updated == "2023-09-05T08:00:00Z"
    assert "调整：主旨演讲：" in entry.summary and "大厅" in entry.summary
    assert day in entry.summary and " → " in entry.summary
    first = (published / "changes.atom").read_bytes()
    planning.plan(config.loads(with_blackout(day)), out=published, at=THIRD)  # nothing new
    assert (published / "changes.atom").read_bytes() == first
    other = local_day(published, "workshop")
    both = with_blackout(day).replace(f"blackout = [{day}]", f"blackout = [{day}, {other}]")
    planning.plan(config.loads(both), out=published, at=THIRD)
    feed = parsed(published)
    assert [e.updated for e in feed.entries] == ["2023-09-08T08:00:00Z", "2023-09-05T08:00:00Z"]
    assert feed.entries[1].id == entry.id  # an entry keeps its id
    assert "工作坊" in feed.entries[0].summary


def test_a_damaged_history_starts_again_and_stays_valid(published, tmp_path):
    (published / "changes.atom").write_text("<feed><entry>", encoding="utf-8")
    day = local_day(published, "keynote")
    planning.plan(config.loads(with_blackout(day)), out=published, at=SECOND)
    assert len(parsed(published).entries) == 1


def test_english_festivals_get_english_words(tmp_path):
    english = SMALL.replace('name = "小型测试节"', 'name = "Small fest"\nlanguage = "en"')
    out = tmp_path / "out"
    planning.plan(config.loads(english), out=out, at=FIRST)
    day = local_day(out, "keynote")
    shutil.copy(out / "timetable.json", tmp_path / "before.json")
    changed = english.replace('days = "workdays:CN"', f'days = "workdays:CN"\nblackout = [{day}]')
    planning.plan(config.loads(changed), out=out, at=SECOND)
    feed = parsed(out)
    assert feed.feed.title == "Changes to Small fest"
    assert feed.entries[0].title == "1 change published"
    assert feed.entries[0].summary.startswith("<ul><li>Moved: ")


def local_day(folder: Path, session: str) -> str:
    """The published date of `session` on the festival's clock."""
    sessions = json.loads((folder / "timetable.json").read_text(encoding="utf-8"))["sessions"]
    return next(s["start"][:10] for s in sessions if s["id"] == session)


def test_the_page_shows_the_latest_changes_until_the_next_ones(published):
    assert 'id="changes"' not in (published / "index.html").read_text(encoding="utf-8")
    day = local_day(published, "keynote")
    moved = with_blackout(day)
    planning.plan(config.loads(moved), out=published, at=SECOND)
    for at in (SECOND, THIRD):  # the re-plan, then an unchanged re-run
        planning.plan(config.loads(moved), out=published, at=at)
        page = (published / "index.html").read_text(encoding="utf-8")
        section = page[page.index('<details id="changes"') : page.index("</details>")]
        assert "最新变更" in section and "调整：主旨演讲：" in section and day in section
    renamed = moved.replace('title = "工作坊"', 'title = "动手工作坊"')
    planning.plan(config.loads(renamed), out=published, at=THIRD)
    page = (published / "index.html").read_text(encoding="utf-8")
    section = page[page.index('<details id="changes"') : page.index("</details>")]
    assert "更名：动手工作坊：工作坊 → 动手工作坊" in section
    assert "主旨演讲" not in section  # only the latest revision's changes
    assert parsed(published).entries[0].summary.count("<li>") == 1
