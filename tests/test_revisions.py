"""Revisions against the published plan: SEQUENCE, LAST-MODIFIED and cancellations."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import icalendar
import pytest
from click.testing import CliRunner
from conftest import SMALL, snapshot

from scheduler import config, revisions
from scheduler import plan as planning
from scheduler.cli import cli

FIRST = datetime(2023, 9, 1, tzinfo=UTC)
SECOND = datetime(2023, 9, 15, tzinfo=UTC)
FIRST_STAMP = "2023-09-01T00:00:00Z"


def sessions(out: Path) -> dict[str, dict]:
    document = json.loads((out / "timetable.json").read_text(encoding="utf-8"))
    return {s["id"]: s for s in document["sessions"]}


def events(path: Path) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in icalendar.Calendar.from_ical(path.read_bytes()).events}


def test_first_publication_starts_every_session_at_sequence_0(tmp_path):
    planning.plan(config.loads(SMALL), out=tmp_path, at=FIRST)
    published = sessions(tmp_path)
    assert {s["sequence"] for s in published.values()} == {0}
    assert {s["last_modified"] for s in published.values()} == {"2023-09-01T00:00:00Z"}
    assert {s["status"] for s in published.values()} == {"CONFIRMED"}


def test_a_moved_session_gets_sequence_plus_one_and_others_stay(tmp_path):
    planning.plan(config.loads(SMALL), out=tmp_path, at=FIRST)
    before = sessions(tmp_path)
    workshop_day = before["workshop"]["start"][:10]
    moved = SMALL.replace('step = "30m"', f'step = "30m"\nblackout = [{workshop_day}]')
    planning.plan(config.loads(moved), out=tmp_path, at=SECOND)
    after = sessions(tmp_path)
    assert after["workshop"]["start"] != before["workshop"]["start"]
    assert after["workshop"]["sequence"] == 1
    assert after["workshop"]["last_modified"] == "2023-09-15T00:00:00Z"
    if after["keynote"]["start"] == before["keynote"]["start"]:
        assert after["keynote"] == before["keynote"]
    feed = events(tmp_path / "festival.ics")
    assert feed["workshop@small"]["SEQUENCE"] == 1
    assert feed["workshop@small"].stamp == SECOND


def test_a_new_title_is_a_new_revision(tmp_path):
    # Google Calendar and Outlook.com ignore an updated event whose SEQUENCE did not grow
    planning.plan(config.loads(SMALL), out=tmp_path, at=FIRST)
    renamed = SMALL.replace('title = "工作坊"', 'title = "动手工作坊"')
    planning.plan(config.loads(renamed), out=tmp_path, at=SECOND)
    workshop = sessions(tmp_path)["workshop"]
    assert workshop["title"] == "动手工作坊"
    assert workshop["sequence"] == 1 and workshop["last_modified"] == "2023-09-15T00:00:00Z"
    assert events(tmp_path / "festival.ics")["workshop@small"]["SEQUENCE"] == 1
    keynote = sessions(tmp_path)["keynote"]  # unchanged: its revision stays
    assert keynote["sequence"] == 0 and keynote["last_modified"] == FIRST_STAMP


def test_a_removed_session_is_cancelled_in_every_feed_that_held_it(tmp_path):
    planning.plan(config.loads(SMALL), out=tmp_path, at=FIRST)
    held = {p for p in ("festival.ics", "tracks/cloud.ics", "people/ceo.ics")}
    venue = sessions(tmp_path)["workshop"]["venue"]
    held.add(f"venues/{venue}.ics")
    without = SMALL[: SMALL.index('[[sessions]]\nid = "workshop"')]
    planning.plan(config.loads(without), out=tmp_path, at=SECOND)
    workshop = sessions(tmp_path)["workshop"]
    assert workshop["status"] == "CANCELLED" and workshop["sequence"] == 1
    for path in held:
        event = events(tmp_path / path)["workshop@small"]
        assert event["STATUS"] == "CANCELLED" and event["SEQUENCE"] == 1, path
    # a later rerun keeps the cancellation as it was, byte for byte
    before = snapshot(tmp_path)
    planning.plan(config.loads(without), out=tmp_path, at=datetime(2023, 9, 20, tzinfo=UTC))
    assert snapshot(tmp_path) == before
    # once its date has passed, it is dropped
    planning.plan(config.loads(without), out=tmp_path, at=datetime(2023, 12, 1, tzinfo=UTC))
    assert "workshop" not in sessions(tmp_path)


def test_baseline_of_another_festival_is_refused(tmp_path):
    planning.plan(config.loads(SMALL), out=tmp_path, at=FIRST)
    other = config.loads(SMALL.replace('id = "small"', 'id = "other"'))
    with pytest.raises(revisions.BaselineError, match="belongs to festival 'small', not 'other'"):
        planning.plan(other, out=tmp_path, at=SECOND)


def test_cli_refuses_an_unreadable_baseline_and_touches_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("f.toml").write_text(SMALL, encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(cli, ["plan", "f.toml"]).exit_code == 0
    Path("calendars/timetable.json").write_text("{not json", encoding="utf-8")
    before = snapshot(tmp_path / "calendars")
    result = runner.invoke(cli, ["plan", "f.toml"])
    assert result.exit_code == 2
    assert "Error: calendars/timetable.json: not JSON: " in result.output
    assert "or move it away (revision numbers then start again from 0)" in result.output
    assert snapshot(tmp_path / "calendars") == before
    # --fresh plans without the published places, but its revisions still count
    fresh = runner.invoke(cli, ["plan", "f.toml", "--fresh"])
    assert fresh.exit_code == 2 and snapshot(tmp_path / "calendars") == before
    Path("calendars/timetable.json").rename("damaged.json")
    assert runner.invoke(cli, ["plan", "f.toml"]).exit_code == 0
    assert runner.invoke(cli, ["plan", "f.toml", "--fresh", "--baseline", "x"]).exit_code == 2


def test_fresh_over_a_published_folder_never_turns_revisions_back(tmp_path):
    planning.plan(config.loads(SMALL), out=tmp_path, at=FIRST)
    renamed = SMALL.replace('title = "工作坊"', 'title = "动手工作坊"')
    planning.plan(config.loads(renamed), out=tmp_path, at=SECOND)
    before = sessions(tmp_path)
    assert before["workshop"]["sequence"] == 1
    planning.plan(
        config.loads(renamed), out=tmp_path, fresh=True, at=datetime(2023, 9, 20, tzinfo=UTC)
    )
    after = sessions(tmp_path)
    for sid, old in before.items():
        new = after[sid]
        assert new["sequence"] >= old["sequence"], sid
        if (new["start"], new["end"], new["venue"]) == (old["start"], old["end"], old["venue"]):
            # nothing a subscriber sees changed: the same revision, byte for byte
            assert new["sequence"] == old["sequence"]
            assert new["last_modified"] == old["last_modified"]


# Corrupt or hostile timetable.json files: each is one located error, never a traceback.
VALID = {
    "format": 1,
    "festival": {"id": "small", "timezone": "Asia/Shanghai"},
    "sessions": [
        {
            "id": "keynote",
            "title": "主旨演讲",
            "track": "cloud",
            "venue": "hall",
            "start": "2023-10-09T09:00:00+08:00",
            "end": "2023-10-09T11:00:00+08:00",
            "people": ["ceo"],
            "status": "CONFIRMED",
            "sequence": 0,
            "last_modified": "2023-09-01T00:00:00Z",
        }
    ],
}


def _with(path: str, value) -> str:
    document = json.loads(json.dumps(VALID))
    target = document
    *parents, last = path.split(".")
    for key in parents:
        target = target[int(key)] if key.isdigit() else target[key]
    target[int(last) if last.isdigit() else last] = value
    return json.dumps(document)


CORRUPT = [
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    (_with("sessions.0.sequence", 0).replace('"sequence": 0', '"sequence": 1e400'), "sequence"),
    (_with("sessions.0.sequence", 0).replace('"sequence": 0', '"sequence": ' + "9" * 5000), ""),
    (_with("sessions.0.sequence", -1), "sessions[0].sequence: expected a number from 0"),
    (_with("sessions.0.sequence", True), "sessions[0].sequence: expected a whole number"),
    (
        _with("sessions.0.last_modified", None),
        "sessions[0].last_modified: expected text, found null",
    ),
    (
        _with("sessions.0.last_modified", []),
        "sessions[0].last_modified: expected text, found a list",
    ),
    (_with("sessions.0.last_modified", "yesterday"), "expected YYYY-MM-DDTHH:MM:SSZ"),
    (_with("sessions.0.start", "2023-10-09T09:00:00"), "sessions[0].start: expected a date and"),
    (_with("sessions.0.start", "9999-99-99"), "sessions[0].start"),
    (
        _with("sessions.0.end", "2023-10-09T08:00:00+08:00"),
        "sessions[0].end: expected a time after",
    ),
    (_with("sessions.0.status", "MAYBE"), "sessions[0].status: expected CONFIRMED or CANCELLED"),
    (_with("sessions.0.people", "ceo"), "sessions[0].people: expected a list of ids"),
    (_with("sessions.0.id", "../x"), "sessions[0].id: expected an id"),
    (_with("sessions.0.track", 7), "sessions[0].track: expected an id or null"),
    (_with("festival.timezone", "A" * 5000), "festival.timezone: expected an IANA time zone"),
    (_with("festival", None), "festival: expected an object"),
    (_with("sessions", {"a": 1}), "sessions: expected a list, found an object"),
    (_with("format", 2), "format: written by another version"),
    ('{"sessions": NaN}', "NaN is not a number JSON allows"),
    ("\xff\xfe", "cannot be read"),
    ("", "not JSON"),
]


@pytest.mark.parametrize(("text", "expected"), CORRUPT)
def test_a_corrupt_baseline_is_one_clear_error_wherever_it_is_read(tmp_path, text, expected):
    (tmp_path / "small.toml").write_text(SMALL, encoding="utf-8")
    out = tmp_path / "calendars"
    out.mkdir()
    damaged = out / "timetable.json"
    if text == "\xff\xfe":
        damaged.write_bytes(b"\xff\xfe\x00")
    else:
        damaged.write_text(text, encoding="utf-8")
    before = snapshot(out)
    runner = CliRunner()
    for args in (
        ["plan", str(tmp_path / "small.toml"), "--out", str(out)],  # found in the output folder
        [
            "plan",
            str(tmp_path / "small.toml"),
            "--out",
            str(tmp_path / "o"),
            "--baseline",
            str(damaged),
        ],
        ["diff", str(damaged), str(damaged)],
    ):
        result = runner.invoke(cli, args)
        assert result.exit_code == 2, (args, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert result.output.startswith(f"Error: {damaged}: "), result.output
        assert expected in result.output
        assert len(result.output) < 1000
    assert snapshot(out) == before
    assert not (tmp_path / "o").exists()
