"""`festival serve`: what calendar clients rely on, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import httpx
import icalendar
import ics
import pytest
import uvicorn
import vobject
from conftest import SMALL

from scheduler import config, serve
from scheduler import plan as planning

AT = datetime(2023, 9, 1, tzinfo=UTC)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Running:
    """A uvicorn server on a free loopback port, in a thread, stopped on exit."""

    def __init__(self, folder: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(serve.server_config(folder, "127.0.0.1", self.port))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Running:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def site(tmp_path) -> Iterator[tuple[Path, Running]]:
    folder = tmp_path / "calendars"
    planning.plan(config.loads(SMALL), out=folder, at=AT)
    (tmp_path / "secret.txt").write_text("not for the web", encoding="utf-8")
    with Running(folder) as running:
        yield folder, running


def raw_status(running: Running, path: str) -> int:
    """Send `path` exactly as written (no client-side normalisation); return the status."""
    with socket.create_connection(("127.0.0.1", running.port), timeout=5) as connection:
        connection.sendall(
            f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode("latin-1")
        )
        head = connection.recv(64).split(b"\r\n")[0]
    return int(head.split()[1])


def test_feeds_are_text_calendar_shown_inline(site):
    folder, running = site
    response = httpx.get(f"{running.url}/people/ceo.ics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert "content-disposition" not in response.headers
    assert response.content == (folder / "people/ceo.ics").read_bytes()
    assert response.headers["cache-control"] == "public, max-age=60"
    page = httpx.get(f"{running.url}/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")


def test_etag_and_last_modified_give_304_and_change_when_republished(site):
    folder, running = site
    first = httpx.get(f"{running.url}/festival.ics")
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert etag.startswith('"') and not etag.startswith("W/")  # a strong validator
    by_etag = httpx.get(f"{running.url}/festival.ics", headers={"If-None-Match": etag})
    assert by_etag.status_code == 304 and by_etag.content == b""
    by_date = httpx.get(f"{running.url}/festival.ics", headers={"If-Modified-Since": modified})
    assert by_date.status_code == 304
    stale = httpx.get(f"{running.url}/festival.ics", headers={"If-None-Match": '"other"'})
    assert stale.status_code == 200
    # re-publish a changed plan: served at once, with new validators
    changed = SMALL.replace('title = "工作坊"', 'title = "动手工作坊"')
    planning.plan(config.loads(changed), out=folder, at=datetime(2023, 9, 2, tzinfo=UTC))
    later = (folder / "festival.ics").stat().st_mtime + 2  # Last-Modified counts seconds
    os.utime(folder / "festival.ics", (later, later))
    fresh = httpx.get(f"{running.url}/festival.ics", headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and "动手工作坊" in fresh.text
    assert fresh.headers["etag"] != etag
    again = httpx.get(f"{running.url}/festival.ics", headers={"If-Modified-Since": modified})
    assert again.status_code == 200


def test_last_modified_moves_forward_with_every_publication_that_changes_a_file(site):
    """A client that asks by If-Modified-Since alone must not get a stale 304 when two
    publications fall within one second: each changed file gets a later Last-Modified
    (the feed here was last written in a second that has not even begun yet, as a burst
    of publications leaves it)."""
    folder, running = site
    ahead = int(time.time()) + 5
    for path in ("festival.ics", "agenda.ics"):
        if (folder / path).exists():
            os.utime(folder / path, (ahead, ahead))
    first = httpx.get(f"{running.url}/festival.ics")
    agenda_first = httpx.get(f"{running.url}/agenda.ics?s=keynote")
    modified = first.headers["last-modified"]
    changed = SMALL.replace('title = "工作坊"', 'title = "动手工作坊"')
    planning.plan(config.loads(changed), out=folder, at=datetime(2023, 9, 2, tzinfo=UTC))
    again = httpx.get(f"{running.url}/festival.ics", headers={"If-Modified-Since": modified})
    assert again.status_code == 200 and "动手工作坊" in again.text
    assert parsedate_to_datetime(again.headers["last-modified"]) > parsedate_to_datetime(modified)
    agenda = httpx.get(
        f"{running.url}/agenda.ics?s=keynote",
        headers={"If-Modified-Since": agenda_first.headers["last-modified"]},
    )
    assert agenda.status_code == 200
    unchanged = httpx.get(f"{running.url}/people/ceo.ics")  # its sessions kept their text
    assert unchanged.status_code == 200


def test_head_has_the_headers_and_no_body(site):
    _, running = site
    get = httpx.get(f"{running.url}/festival.ics")
    head = httpx.head(f"{running.url}/festival.ics")
    assert head.status_code == 200 and head.content == b""
    for name in ("content-type", "content-length", "etag", "last-modified"):
        assert head.headers[name] == get.headers[name]


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_only_get_and_head_are_allowed(site, method):
    _, running = site
    response = httpx.request(method, f"{running.url}/festival.ics", content=b"x")
    assert response.status_code == 405
    assert (site[0] / "festival.ics").read_bytes().startswith(b"BEGIN:VCALENDAR")


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E%2Fsecret.txt",
        "/..%2fsecret.txt",
        "/tracks/../../secret.txt",
        "/tracks/%2e%2e/%2e%2e/secret.txt",
        "//etc/passwd",
        "/..\\secret.txt",
        "/outside.txt",  # a symlink inside the folder pointing out of it
        "/%00festival.ics",
    ],
)
def test_nothing_outside_the_folder_is_reachable(site, path):
    folder, running = site
    link = folder / "outside.txt"
    if not link.exists():
        os.symlink(folder.parent / "secret.txt", link)
    assert raw_status(running, path) == 404


def test_watch_replans_on_save_and_keeps_serving_after_a_bad_edit(tmp_path):
    folder = tmp_path / "calendars"
    source = tmp_path / "festival.toml"
    source.write_text(SMALL, encoding="utf-8")
    planning.plan(config.load(source), out=folder, at=AT)
    events: list[str] = []

    def replan() -> None:
        try:
            planning.plan(config.load(source), out=folder)
            events.append("planned")
        except config.ConfigError as error:
            events.append(f"error: {error}")

    stop = threading.Event()
    watcher = threading.Thread(
        target=serve.watch,
        args=(source, replan, stop, 0.05, serve.definition_fingerprint(source)),
    )
    watcher.start()
    try:
        source.write_text(SMALL.replace('title = "工作坊"', 'title = "新工作坊"'), encoding="utf-8")
        deadline = time.monotonic() + 30
        while "planned" not in events:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert "新工作坊" in (folder / "festival.ics").read_text(encoding="utf-8")
        good = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
        source.write_text(SMALL.replace('duration = "2h"', 'duration = "later"'), encoding="utf-8")
        while len(events) < 2:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert events[1].startswith("error:") and "sessions[0].duration" in events[1]
        assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == good
    finally:
        stop.set()
        watcher.join()


def test_watch_follows_the_interest_file_the_definition_reads(tmp_path):
    """Editing the attendees' interest file re-plans as editing the definition does; a
    definition that names another interest file is followed to it."""
    source = tmp_path / "festival.toml"
    text = SMALL.replace('step = "30m"', 'step = "30m"\ninterest = "chosen.csv"')
    source.write_text(text, encoding="utf-8")
    chosen = tmp_path / "chosen.csv"
    chosen.write_text("attendee,session\na,keynote\n", encoding="utf-8")
    changes = threading.Semaphore(0)
    stop = threading.Event()
    seen = serve.definition_fingerprint(source)
    watcher = threading.Thread(target=serve.watch, args=(source, changes.release, stop, 0.05, seen))
    watcher.start()
    try:
        chosen.write_text("attendee,session\na,keynote\na,workshop\n", encoding="utf-8")
        assert changes.acquire(timeout=30)
        other = tmp_path / "other.csv"
        other.write_text("attendee,session\nb,keynote\n", encoding="utf-8")
        source.write_text(text.replace("chosen.csv", "other.csv"), encoding="utf-8")
        assert changes.acquire(timeout=30)
        other.write_text("attendee,session\nb,workshop\n", encoding="utf-8")
        assert changes.acquire(timeout=30)
    finally:
        stop.set()
        watcher.join()


class Lines:
    """The lines a process writes to a pipe, read in a thread; `wait_for` waits for one
    that holds a marker (an event; the deadline only bounds a hang)."""

    def __init__(self, stream):
        import queue

        self.seen: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream) -> None:
        for line in stream:
            self._lines.put(line)
        self._lines.put(None)

    def wait_for(self, marker: str, seconds: float = 120) -> str:
        import queue

        deadline = time.monotonic() + seconds
        while True:
            try:
                line = self._lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no line with {marker!r}; saw {self.seen[-10:]}") from None
            if line is None:
                raise AssertionError(f"ended without {marker!r}; saw {self.seen[-10:]}")
            self.seen.append(line)
            if marker in line:
                return line


def test_the_serve_command_watches_and_reports(tmp_path):
    import subprocess
    import sys

    source = tmp_path / "festival.toml"
    source.write_text(SMALL, encoding="utf-8")
    folder = tmp_path / "calendars"
    planning.plan(config.load(source), out=folder, at=AT)
    port = free_port()
    command = [sys.executable, "-m", "scheduler", "serve", str(source), "--dir", str(folder)]
    process = subprocess.Popen(
        [*command, "--port", str(port), "--watch"], stderr=subprocess.PIPE, text=True
    )
    errors = Lines(process.stderr)
    try:
        errors.wait_for("Serving ")
        url = f"http://127.0.0.1:{port}/festival.ics"
        deadline = time.monotonic() + 30
        while True:
            try:
                first = httpx.get(url)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "serve did not answer"
        assert first.status_code == 200
        source.write_text(SMALL.replace('title = "工作坊"', 'title = "新工作坊"'), encoding="utf-8")
        errors.wait_for("re-planning")
        errors.wait_for("1 change: 1 updated.")  # the change report
        assert "新工作坊" in httpx.get(url).text
        # a save that cannot load, then one that once killed the watcher (a newline in a
        # name), then a good one: each failure is reported and the watch goes on
        for bad, why in (
            ("[festival\n", "not valid TOML"),
            (SMALL.replace('name = "小型测试节"', 'name = "小型\\n测试节"'), "festival.name"),
        ):
            source.write_text(bad, encoding="utf-8")
            assert why in errors.wait_for("Error:") + "".join(errors.seen[-3:])
            errors.wait_for("Still serving the last good plan.")
            assert "新工作坊" in httpx.get(url).text
        source.write_text(SMALL.replace('title = "工作坊"', 'title = "工作坊 B"'), encoding="utf-8")
        errors.wait_for("1 change: 1 updated.")
        assert "工作坊 B" in httpx.get(url).text
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_a_failing_change_handler_does_not_end_the_watch(tmp_path):
    source = tmp_path / "festival.toml"
    source.write_text("one", encoding="utf-8")
    calls: list[str] = []
    reports: list[str] = []
    second = threading.Event()

    def on_change() -> None:
        calls.append(source.read_text(encoding="utf-8"))
        if len(calls) == 1:
            raise RuntimeError("boom")
        second.set()

    stop = threading.Event()
    watcher = threading.Thread(
        target=serve.watch, args=(source, on_change, stop, 0.05, b"one", reports.append)
    )
    watcher.start()
    try:
        source.write_text("two", encoding="utf-8")
        while not reports:  # the failure is reported
            assert watcher.is_alive()
            time.sleep(0.01)
        source.write_text("three", encoding="utf-8")
        assert second.wait(60)  # ... and the next save is still seen
    finally:
        stop.set()
        watcher.join()
    assert calls == ["two", "three"]
    assert reports[0].startswith("Error: re-planning failed: RuntimeError('boom')")


def test_a_re_plan_that_runs_too_long_is_stopped_and_reported(tmp_path):
    from scheduler import generate

    source = tmp_path / "festival.toml"
    shape = generate.Shape(sessions=120, venues=10, people=30, days=10, rules=0.2)
    source.write_text(generate.festival_toml(7, shape), encoding="utf-8")
    folder = tmp_path / "calendars"
    folder.mkdir()
    (folder / "index.html").write_text("the last good page", encoding="utf-8")
    reports: list[str] = []
    replan = serve.Replanner(source, folder, ["--time-limit", "10000"], 3, reports.append)
    replan()
    assert reports[0].endswith("changed: re-planning…")
    assert reports[1].startswith("Error: re-planning took longer than 3 s and was stopped")
    assert reports[1].endswith("Still serving the last good plan.")
    assert [p.name for p in folder.iterdir()] == ["index.html"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".calendars")] == []


# --- clients that are slow, idle or many ---------------------------------------------


def test_hidden_files_and_folders_are_never_served(site):
    folder, running = site
    (folder / ".git").mkdir()
    (folder / ".git" / "config").write_text("secret", encoding="utf-8")
    (folder / ".draft.ics").write_text("BEGIN:VCALENDAR", encoding="utf-8")
    (folder / "people" / ".part.ics").write_text("x", encoding="utf-8")
    for path in ("/.git/config", "/.draft.ics", "/people/.part.ics", "/%2Egit/config"):
        assert raw_status(running, path) == 404, path
    assert raw_status(running, "/people/ceo.ics") == 200


@pytest.fixture
def guarded(tmp_path, monkeypatch):
    """A served folder whose request-head deadline is one second."""
    monkeypatch.setattr(serve, "HEADER_TIMEOUT", 1.0)
    folder = tmp_path / "calendars"
    planning.plan(config.loads(SMALL), out=folder, at=AT)
    with Running(folder) as running:
        yield running


def closed_by_server(connection: socket.socket) -> bool:
    """Whether the server closes `connection` (waits for the close; bounded at 30 s)."""
    connection.settimeout(30)
    try:
        return connection.recv(1) == b""
    except (ConnectionResetError, TimeoutError):
        return False


def test_a_client_that_never_sends_its_request_is_closed(guarded):
    with socket.create_connection(("127.0.0.1", guarded.port)) as silent:
        assert closed_by_server(silent)


def test_a_client_trickling_its_request_head_is_closed(guarded):
    with socket.create_connection(("127.0.0.1", guarded.port)) as slow:
        slow.sendall(b"GET /festival.ics HTTP/1.1\r\nHost: x\r\n")
        slow.settimeout(30)
        # one more header line: the deadline counts from the connection, not the last byte
        slow.sendall(b"X-Slow: 1\r\n")
        assert closed_by_server(slow)
    assert httpx.get(f"{guarded.url}/festival.ics").status_code == 200


def test_past_the_connection_cap_the_oldest_idle_client_makes_room(guarded, monkeypatch):
    monkeypatch.setattr(serve._Guarded, "max_connections", 3)
    idle = [socket.create_connection(("127.0.0.1", guarded.port)) for _ in range(3)]
    try:
        assert httpx.get(f"{guarded.url}/festival.ics").status_code == 200
        assert closed_by_server(idle[0])  # the oldest one waiting for its request head
    finally:
        for connection in idle:
            connection.close()


SLOW_CLIENTS = 1500
ATTACK_SECONDS = 30


async def _slow_clients(port: int, count: int, seconds: float) -> dict[str, int]:
    """`count` clients that each open a connection and send one header line a second,
    never finishing; each reconnects when closed. Returns what they managed."""
    import asyncio

    stats = {"connections": 0, "lines": 0}
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds

    async def one() -> None:
        while loop.time() < end:
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                await asyncio.sleep(0.2)
                continue
            stats["connections"] += 1
            try:
                writer.write(b"GET /festival.ics HTTP/1.1\r\nHost: x\r\n")
                while loop.time() < end and not reader.at_eof():
                    await writer.drain()
                    stats["lines"] += 1
                    try:
                        await asyncio.wait_for(reader.read(1), timeout=1.0)
                    except TimeoutError:
                        writer.write(b"X-Slow: 1\r\n")
            except OSError:
                pass
            finally:
                writer.close()

    await asyncio.gather(*(one() for _ in range(count)))
    return stats


def attacked(
    tmp_path: Path, clients: int, seconds: float, open_files: int | None = None
) -> tuple[dict[str, int], list[tuple[int, bool]]]:
    """`festival serve` (its open files limited to `open_files`) under `clients` slow
    clients for `seconds`, while a normal client fetches a feed over and over: what the
    slow clients managed, and each answer the normal client got (status, whole feed)."""
    import asyncio
    import resource
    import subprocess
    import sys

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < clients + 200:
        pytest.skip(f"this process may open only {hard} files")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, clients + 200), hard))
    folder = tmp_path / "calendars"
    planning.plan(config.loads(SMALL), out=folder, at=AT)
    expected = (folder / "festival.ics").read_bytes()
    port = free_port()

    def limited() -> None:
        if open_files:
            resource.setrlimit(resource.RLIMIT_NOFILE, (open_files, open_files))

    server = subprocess.Popen(
        [sys.executable, "-m", "scheduler", "serve", "--dir", str(folder), "--port", str(port)],
        preexec_fn=limited,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stderr.readline().startswith("Serving "), "serve did not start"
        url = f"http://127.0.0.1:{port}/festival.ics"
        answers: list[tuple[int, bool]] = []
        done = threading.Event()

        def normal_client() -> None:
            with httpx.Client(timeout=20) as client:
                while not done.is_set():
                    try:
                        response = client.get(url, headers={"Connection": "close"})
                        answers.append((response.status_code, response.content == expected))
                    except httpx.TimeoutException:
                        answers.append((-1, False))  # a hang: never acceptable
                    except httpx.TransportError:
                        answers.append((0, False))  # refused or reset at once

        reader = threading.Thread(target=normal_client)
        reader.start()
        try:
            stats = asyncio.run(_slow_clients(port, clients, seconds))
        finally:
            done.set()
            reader.join()
        return stats, answers
    finally:
        server.terminate()
        server.wait(timeout=60)


def test_many_slow_clients_do_not_starve_a_normal_client(tmp_path):
    """1,500 clients that never finish a request, for 30 s: a normal client keeps getting
    its feed all along (the server raises its open-file limit; slow clients are closed
    ten seconds after they connect)."""
    stats, answers = attacked(tmp_path, SLOW_CLIENTS, ATTACK_SECONDS)
    assert stats["connections"] >= SLOW_CLIENTS  # the attack really happened
    assert len(answers) >= 10  # served all through, not once
    assert all(answer == (200, True) for answer in answers), answers


def test_slow_clients_past_the_open_file_limit_do_not_hang_the_others(tmp_path):
    """With only 256 open files, 300 slow clients once made every normal request time
    out. Now the oldest of them make room: most normal requests get the feed, and none
    hangs (the rest are refused or reset at once, and a client's next refresh gets it)."""
    stats, answers = attacked(tmp_path, 300, 8, open_files=256)
    assert stats["connections"] > 300  # they were closed and came back
    assert (-1, False) not in answers
    served = sum(answer == (200, True) for answer in answers)
    assert served >= 0.8 * len(answers) and served >= 10, answers


def agenda_events(data: bytes) -> dict[str, icalendar.Event]:
    """The agenda's events by UID, read by three independent parsers that must agree."""
    calendar = icalendar.Calendar.from_ical(data)
    by_icalendar = {str(e["UID"]): e for e in calendar.events}
    by_vobject = {e.uid.value for e in getattr(vobject.readOne(data.decode()), "vevent_list", [])}
    by_ics = {e.uid for e in ics.Calendar(data.decode()).events}
    assert set(by_icalendar) == by_vobject == by_ics
    return by_icalendar


def test_an_agenda_feed_holds_exactly_the_chosen_sessions_as_the_feeds_do(site):
    folder, running = site
    response = httpx.get(f"{running.url}/agenda.ics", params={"s": "workshop,keynote"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert response.headers["cache-control"] == "public, max-age=60"
    events = agenda_events(response.content)
    assert set(events) == {"keynote@small", "workshop@small"}
    festival = (folder / "festival.ics").read_bytes()
    for uid in events:  # byte for byte the festival feed's event
        block = response.content.split(f"UID:{uid}".encode())[0].rsplit(b"BEGIN:VEVENT", 1)[1]
        assert block in festival
    calendar = icalendar.Calendar.from_ical(response.content)
    assert "my agenda" in str(calendar["X-WR-CALNAME"])
    head = httpx.head(f"{running.url}/agenda.ics", params={"s": "workshop,keynote"})
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == response.headers["content-length"]


def test_an_agenda_ignores_what_is_not_in_the_programme_and_says_so(site):
    _, running = site
    for query in ("keynote,ghost,Not An Id,,keynote", "%00<script>", ",".join(["x"] * 5000)):
        response = httpx.get(f"{running.url}/agenda.ics?s={query}")
        assert response.status_code == 200, query  # never an error page in a calendar
        events = agenda_events(response.content)
        assert set(events) <= {"keynote@small"}
    described = icalendar.Calendar.from_ical(
        httpx.get(f"{running.url}/agenda.ics", params={"s": "keynote,ghost"}).content
    )["X-WR-CALDESC"]
    assert "ghost" in str(described) and "1 chosen session of" in str(described)
    empty = httpx.get(f"{running.url}/agenda.ics")
    assert agenda_events(empty.content) == {}


def test_a_re_plan_reaches_the_agenda_with_a_new_sequence_and_etag(site):
    folder, running = site
    first = httpx.get(f"{running.url}/agenda.ics", params={"s": "keynote"})
    etag = first.headers["etag"]
    assert (
        httpx.get(
            f"{running.url}/agenda.ics", params={"s": "keynote"}, headers={"If-None-Match": etag}
        ).status_code
        == 304
    )
    before = agenda_events(first.content)["keynote@small"]
    day = before.start.date().isoformat()
    moved = SMALL.replace('days = "workdays:CN"', f'days = "workdays:CN"\nblackout = [{day}]')
    planning.plan(config.loads(moved), out=folder, at=datetime(2023, 9, 2, tzinfo=UTC))
    again = httpx.get(
        f"{running.url}/agenda.ics", params={"s": "keynote"}, headers={"If-None-Match": etag}
    )
    assert again.status_code == 200 and again.headers["etag"] != etag
    after = agenda_events(again.content)["keynote@small"]
    assert after.start.date().isoformat() != day
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
