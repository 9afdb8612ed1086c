"""Every file a user names (definition, interest file, baseline, schedule to import) is
read as a regular file only and never past its size limit: a device, a pipe or a folder
is one line and exit 2, at once, and nothing published is touched."""

from __future__ import annotations

import faulthandler
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SMALL, snapshot

from scheduler import config, files, interest
from scheduler import plan as planning
from scheduler.cli import cli

WATCHDOG = 60  # seconds: a read that waits for a pipe's writer would hang the run


def special(kind: str, folder: Path) -> Path:
    """A path that is not a regular file: a device that never ends, a pipe nobody
    writes, a folder."""
    if kind == "device":
        return Path("/dev/zero")
    path = folder / f"special-{kind}"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.mkdir()
    return path


def invoke(args: list[str]):
    faulthandler.dump_traceback_later(WATCHDOG, exit=True)
    try:
        return CliRunner().invoke(cli, args)
    finally:
        faulthandler.cancel_dump_traceback_later()


def one_line_error(result, *needles: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


@pytest.fixture
def published(tmp_path) -> Path:
    out = tmp_path / "calendars"
    planning.plan(config.loads(SMALL), out=out)
    return out


@pytest.mark.parametrize("kind", ["device", "fifo", "folder"])
def test_a_definition_that_is_not_a_file(tmp_path, published, kind):
    path = special(kind, tmp_path)
    before = snapshot(published)
    for command in (["plan", str(path), "--out", str(published)], ["check", str(path)]):
        result = invoke(command)
        expected = {"device": "is a device", "fifo": "is a pipe", "folder": "is a folder"}[kind]
        one_line_error(result, str(path), expected)
    assert snapshot(published) == before


@pytest.mark.parametrize("kind", ["device", "fifo", "folder"])
def test_an_interest_file_that_is_not_a_file(tmp_path, published, kind):
    path = special(kind, tmp_path)
    definition = tmp_path / "festival.toml"
    definition.write_text(
        SMALL.replace('step = "30m"', f'step = "30m"\ninterest = "{path}"'), encoding="utf-8"
    )
    before = snapshot(published)
    for command in (["plan", str(definition), "--out", str(published)], ["check", str(definition)]):
        result = invoke(command)
        assert result.exit_code == 2, result.output
        assert "festival.interest" in result.stderr and "not a file" in result.stderr
        assert "Traceback" not in result.output
    assert snapshot(published) == before


@pytest.mark.parametrize("kind", ["device", "fifo", "folder"])
def test_a_baseline_that_is_not_a_file(tmp_path, published, kind):
    path = special(kind, tmp_path)
    definition = tmp_path / "festival.toml"
    definition.write_text(SMALL, encoding="utf-8")
    before = snapshot(published)
    result = invoke(["plan", str(definition), "--out", str(published), "--baseline", str(path)])
    one_line_error(result, str(path), "not a file")
    assert snapshot(published) == before


@pytest.mark.parametrize("kind", ["device", "fifo", "folder"])
def test_a_schedule_to_import_that_is_not_a_file(tmp_path, kind):
    path = special(kind, tmp_path)
    target = tmp_path / "imported.toml"
    result = invoke(["import", str(path), "-o", str(target)])
    one_line_error(result, str(path), "not a file")
    assert not target.exists()


@pytest.mark.parametrize("kind", ["device", "fifo", "folder"])
def test_published_plans_to_compare_that_are_not_files(tmp_path, published, kind):
    path = special(kind, tmp_path)
    result = invoke(["diff", str(path), str(published / "timetable.json")])
    one_line_error(result, str(path), "not a file")


def test_the_limit_counts_bytes_read_not_what_stat_says(tmp_path):
    """A file that grows past the limit while it is read, or a device that stat calls
    empty, is cut at the limit and refused."""
    growing = tmp_path / "big.csv"
    growing.write_bytes(b"x" * 2048)
    with pytest.raises(files.Unreadable, match="larger than 1,024 bytes"):
        files.read_bounded(growing, 1024)
    assert files.read_bounded(growing, 4096) == b"x" * 2048


def test_a_huge_interest_file_of_one_repeated_row_is_cheap_and_capped(tmp_path):
    """1 million copies of one row: one choice, and the repeats as 20 problems and a
    count, not a million lines (and not gigabytes of memory)."""
    text = "attendee,session\n" + "ann,keynote\n" * 1_000_000
    choices, problems = interest.parse(text, ["keynote"])
    assert [c.sessions for c in choices] == [("keynote",)]
    assert len(problems) == 21
    assert problems[-1].message == "… and 999,979 more of the same kind"


def test_an_interest_file_with_a_field_longer_than_csv_reads_is_one_problem():
    choices, problems = interest.parse("attendee,session\n" + '"' + "x" * 200_000, ["keynote"])
    assert choices == () and len(problems) == 1 and "is not CSV" in problems[0].message


def test_a_definition_and_an_interest_file_with_a_byte_order_mark(tmp_path):
    definition = tmp_path / "festival.toml"
    definition.write_bytes(
        b"\xef\xbb\xbf"
        + SMALL.replace('step = "30m"', 'step = "30m"\ninterest = "chosen.csv"').encode()
    )
    (tmp_path / "chosen.csv").write_bytes(b"\xef\xbb\xbfattendee,session\na,keynote\n")
    festival = config.load(definition)
    assert festival.interest[0].sessions == ("keynote",)


def test_problems_of_one_kind_are_capped_in_a_definition(tmp_path):
    sessions = "".join(
        f'\n[[sessions]]\nid = "s{i}"\ntitle = "T"\nduration = "later"\n' for i in range(100)
    )
    definition = tmp_path / "festival.toml"
    definition.write_text(SMALL + sessions, encoding="utf-8")
    result = invoke(["check", str(definition)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert sum("is not a duration" in line for line in lines) == 20
    assert lines[-1].strip() == "… and 80 more of the same kind"
