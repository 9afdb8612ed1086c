"""festival with a real pretalx: pull an event, plan it, push the places back, and the
loop organisers live in. Each test gets a pretalx 2025.2 of its own on 127.0.0.1
(`pretalx_server`), installed from the package registry into `.cache/pretalx`; where
it cannot be installed the tests are skipped, saying why."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import httpx
import pretalx_server
import pytest
from click.testing import CliRunner

from scheduler import config
from scheduler.cli import cli

BRUSSELS = ZoneInfo("Europe/Brussels")  # the seeded event's time zone
#: how long each plan may take: the seeded event is proven optimal in a few seconds
PLAN = ["--max-seconds", "60", "-q"]


@pytest.fixture(scope="session")
def installed():
    try:
        return pretalx_server.python()
    except pretalx_server.Unavailable as error:
        pytest.skip(f"pretalx cannot be installed here: {error}")


@pytest.fixture
def pretalx(installed, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pretalx_server.running(tmp_path / "pretalx") as server:
        monkeypatch.setenv("PRETALX_TOKEN", server.token)
        yield server


def festival(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def api(server, method: str, path: str, token: str | None = None, **kwargs):
    answer = httpx.request(
        method,
        f"{server.url}/api/events/{server.event}/{path}",
        headers={"Authorization": f"Token {token or server.token}"},
        **kwargs,
    )
    answer.raise_for_status()
    return answer.json()


def wip_places(server) -> dict[int, tuple[int | None, datetime | None]]:
    """Every slot of pretalx's work-in-progress schedule: slot id → (room id, start)."""
    wip = api(server, "GET", "schedules/wip/")
    slots = api(server, "GET", f"slots/?schedule={wip['id']}&page_size=250")["results"]
    return {
        s["id"]: (s["room"], datetime.fromisoformat(s["start"]) if s["start"] else None)
        for s in slots
    }


def planned(folder: Path = Path("calendars")) -> dict[str, tuple[str, datetime]]:
    """What timetable.json publishes: session id → (venue id, start)."""
    document = json.loads((folder / "timetable.json").read_text(encoding="utf-8"))
    return {
        s["id"]: (s["venue"], datetime.fromisoformat(s["start"]))
        for s in document["sessions"]
        if s["status"] == "CONFIRMED"
    }


def in_pretalx_as_planned(server) -> bool:
    state = json.loads(Path("seedcon.pretalx.json").read_text(encoding="utf-8"))
    now = wip_places(server)
    return all(
        now[slot["slot"]] == (state["rooms"][venue], start)
        for sid, (venue, start) in planned().items()
        for slot in [state["slots"][sid]]
    )


def loop(server) -> None:
    """pull, plan, push: the organiser's loop, each step succeeding."""
    for step in (
        ["pretalx", "pull", server.url, server.event],
        ["plan", "seedcon.toml", *PLAN],
        ["pretalx", "push", server.url, server.event],
    ):
        code, output = festival(*step)
        assert code == 0, output


def test_pull_plan_push_puts_every_talk_where_the_timetable_says(pretalx):
    code, output = festival("pretalx", "pull", pretalx.url, pretalx.event)
    assert code == 0, output
    assert "30 talks (1 with several runs)" in output
    assert "rooms without a capacity" in output and "K.1.105" in output
    assert "gave no availability: taken as always available" in output
    pulled = Path("seedcon.pretalx.toml").read_text(encoding="utf-8")
    assert pretalx.token not in pulled + Path("seedcon.pretalx.json").read_text() + output
    code, output = festival("plan", "seedcon.toml", *PLAN)
    assert code == 0, output
    code, output = festival("pretalx", "push", pretalx.url, pretalx.event, "--dry-run")
    assert code == 0 and "Dry run: nothing pushed" in output
    before = wip_places(pretalx)
    assert not in_pretalx_as_planned(pretalx)
    code, output = festival("pretalx", "push", pretalx.url, pretalx.event, "--release", "v1")
    assert code == 0, output
    assert wip_places(pretalx) != before and in_pretalx_as_planned(pretalx)
    # pretalx's own frab export of the released schedule shows every talk where we put it
    xml = httpx.get(f"{pretalx.url}/{pretalx.event}/schedule/export/schedule.xml")
    shown: dict[str, list[tuple[str, datetime]]] = {}
    for room in ElementTree.fromstring(xml.content).iter("room"):
        for event in room.iter("event"):
            code_ = event.findtext("url").rstrip("/").rsplit("/", 1)[-1].lower()
            start = datetime.fromisoformat(event.findtext("date"))
            shown.setdefault(code_, []).append((room.get("name"), start))
    names = _venue_names()
    ours: dict[str, list[tuple[str, datetime]]] = {}
    for sid, (venue, start) in planned().items():
        ours.setdefault(sid.split("-run-")[0], []).append((names[venue], start))
    assert {k: sorted(v) for k, v in shown.items()} == {k: sorted(v) for k, v in ours.items()}
    assert any(len(places) == 2 for places in shown.values())  # the talk with two runs


def _venue_names() -> dict[str, str]:
    return {v.id: v.name for v in config.load("seedcon.toml").venues}


def test_a_changed_availability_moves_only_the_talks_that_must_move(pretalx):
    loop(pretalx)
    before = planned()
    # a speaker of a placed talk can no longer come on that talk's day
    document = json.loads(Path("calendars/timetable.json").read_text(encoding="utf-8"))
    talk = next(s for s in document["sessions"] if s["people"] and s["id"] in before)
    speaker = talk["people"][0]
    day = datetime.fromisoformat(talk["start"]).astimezone(BRUSSELS).date().isoformat()
    must_move = {
        s["id"]
        for s in document["sessions"]
        if speaker in s["people"]
        and datetime.fromisoformat(s["start"]).astimezone(BRUSSELS).date().isoformat() == day
    }
    other_days = [
        {"start": f"{d}T09:00:00+01:00", "end": f"{d}T18:00:00+01:00"}
        for d in ("2026-02-06", "2026-02-07", "2026-02-08")
        if d != day
    ]
    api(pretalx, "PATCH", f"speakers/{speaker.upper()}/", json={"availabilities": other_days})
    code, output = festival("pretalx", "pull", pretalx.url, pretalx.event)
    assert code == 0, output
    code, output = festival("plan", "seedcon.toml", *PLAN[:-1])
    assert code == 0, output
    after = planned()
    assert {sid for sid in before if after[sid] != before[sid]} == must_move
    assert output.count(f"because people.unavailable: {speaker} is unavailable") == len(must_move)
    code, output = festival("pretalx", "push", pretalx.url, pretalx.event)
    assert code == 0 and f"{len(must_move)} talks to move" in output, output
    assert in_pretalx_as_planned(pretalx)


def test_a_token_that_may_only_read_pushes_nothing(pretalx, tmp_path):
    festival("pretalx", "pull", pretalx.url, pretalx.event)
    festival("plan", "seedcon.toml", *PLAN)
    before = wip_places(pretalx)
    (tmp_path / "read-token").write_text(pretalx.read_token + "\n")
    code, output = festival(
        "pretalx", "push", pretalx.url, pretalx.event, "--token-file", str(tmp_path / "read-token")
    )
    assert code == 4
    assert "Error: pretalx: the token may not update 'slots'" in output
    assert pretalx.read_token not in output
    assert wip_places(pretalx) == before


def test_a_push_killed_half_way_is_completed_by_running_it_again(pretalx):
    festival("pretalx", "pull", pretalx.url, pretalx.event)
    festival("plan", "seedcon.toml", *PLAN)
    push = subprocess.Popen(
        [sys.executable, "-m", "scheduler", "pretalx", "push", pretalx.url, pretalx.event],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ),
    )  # fmt: skip
    patched = lambda log: sum('"PATCH /api/' in line for line in log) >= 3  # noqa: E731
    pretalx.wait_for(patched, "three slots were moved")
    pretalx.pause()  # the push now waits for an answer: it is killed half-way
    push.kill()
    push.wait()
    pretalx.resume()
    assert not in_pretalx_as_planned(pretalx)
    code, output = festival("pretalx", "push", pretalx.url, pretalx.event)
    assert code == 0, output
    assert "already in place" in output
    assert in_pretalx_as_planned(pretalx)


def test_a_talk_moved_in_pretalx_since_the_pull_stops_the_push(pretalx):
    festival("pretalx", "pull", pretalx.url, pretalx.event)
    festival("plan", "seedcon.toml", *PLAN)
    state = json.loads(Path("seedcon.pretalx.json").read_text(encoding="utf-8"))
    sid, slot = next((s, v) for s, v in sorted(state["slots"].items()) if v["start"] is None)
    room = next(iter(state["rooms"].values()))
    api(
        pretalx,
        "PATCH",
        f"slots/{slot['slot']}/",
        json={"room": room, "start": "2026-02-08T17:00:00+01:00"},
    )
    before = wip_places(pretalx)
    code, output = festival("pretalx", "push", pretalx.url, pretalx.event)
    assert code == 5 and f"{sid} (" in output and "moved in pretalx since the pull" in output
    assert wip_places(pretalx) == before
    code, output = festival("pretalx", "push", pretalx.url, pretalx.event, "--force")
    assert code == 0, output
    assert in_pretalx_as_planned(pretalx)


def test_pretalx_failures_are_one_line_and_exit_4(pretalx, monkeypatch):
    code, output = festival("pretalx", "pull", pretalx.url, "nosuchcon")
    assert (code, output) == (
        4,
        f"Error: pretalx at {pretalx.url}/ has no event 'nosuchcon' (404)\n",
    )
    monkeypatch.setenv("PRETALX_TOKEN", "not-a-token")
    code, output = festival("pretalx", "pull", pretalx.url, pretalx.event)
    assert code == 4 and output.startswith("Error: pretalx refused the token (401")
    assert "not-a-token" not in output
    with pretalx_server.socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    code, output = festival("pretalx", "pull", f"http://127.0.0.1:{closed}", pretalx.event)
    assert (code, output) == (
        4,
        f"Error: cannot reach pretalx at http://127.0.0.1:{closed}/: connection refused\n",
    )
