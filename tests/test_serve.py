"""`festival serve`: what calendar clients rely on, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import uvicorn
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
        self.server = uvicorn.Server(
            uvicorn.Config(serve.app(folder), host="127.0.0.1", port=self.port, log_level="warning")
        )
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
    planning.plan(config.loads(SMALL), folder, at=AT)
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
    time.sleep(1.1)  # Last-Modified has one-second resolution
    changed = SMALL.replace('title = "工作坊"', 'title = "动手工作坊"')
    planning.plan(config.loads(changed), folder, at=datetime(2023, 9, 2, tzinfo=UTC))
    fresh = httpx.get(f"{running.url}/festival.ics", headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and "动手工作坊" in fresh.text
    assert fresh.headers["etag"] != etag
    again = httpx.get(f"{running.url}/festival.ics", headers={"If-Modified-Since": modified})
    assert again.status_code == 200


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
    planning.plan(config.load(source), folder, at=AT)
    events: list[str] = []

    def replan() -> None:
        try:
            planning.plan(config.load(source), folder)
            events.append("planned")
        except config.ConfigError as error:
            events.append(f"error: {error}")

    stop = threading.Event()
    watcher = threading.Thread(
        target=serve.watch, args=(source, replan, stop, 0.05, serve.fingerprint(source))
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


def test_the_serve_command_watches_and_reports(tmp_path):
    import subprocess
    import sys

    source = tmp_path / "festival.toml"
    source.write_text(SMALL, encoding="utf-8")
    folder = tmp_path / "calendars"
    planning.plan(config.load(source), folder, at=AT)
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scheduler",
            "serve",
            str(source),
            "--dir",
            str(folder),
            "--port",
            str(port),
            "--watch",
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/festival.ics"
        deadline = time.monotonic() + 30
        while True:
            try:
                first = httpx.get(url)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "serve did not start"
                time.sleep(0.1)
        source.write_text(SMALL.replace('title = "工作坊"', 'title = "新工作坊"'), encoding="utf-8")
        while "新工作坊" not in httpx.get(url).text:
            assert time.monotonic() < deadline, "the saved definition was not re-planned"
            time.sleep(0.1)
        source.write_text("[festival\n", encoding="utf-8")
        time.sleep(1.5)
        assert "新工作坊" in httpx.get(url).text
        assert first.status_code == 200
    finally:
        process.terminate()
        _, errors = process.communicate(timeout=10)
    assert "re-planning" in errors
    assert "not valid TOML" in errors and "Still serving the last good plan." in errors
