"""Serve a published folder over HTTP the way calendar clients need it.

Starlette's static files under uvicorn: `.ics` as `text/calendar;
charset=utf-8` shown inline, strong `ETag` and `Last-Modified` with `304`
answers to `If-None-Match` / `If-Modified-Since`, `HEAD`, and nothing but
`GET` and `HEAD`. Files are read on every request, so a re-published folder
is served at once. Paths that leave the folder (`..`, encoded dots, absolute
paths, symlinks pointing out) and hidden files and folders (any part starting
with a dot) are answered 404.

Slow or idle clients cannot starve the others: each request head must arrive
within `HEADER_TIMEOUT` seconds of the connection (or of the previous
response), idle keep-alive connections close after `KEEP_ALIVE` seconds, and
past a cap on connections (set below the process's open-file limit, which is
raised to its hard limit) the oldest connection still waiting for its request
head makes room for the new one.
"""

from __future__ import annotations

import asyncio
import json
import mimetypes
import os
import resource
import subprocess
import sys
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import NotModifiedResponse, StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from . import agenda, diff, revisions

CACHE_CONTROL = "public, max-age=60"
HEADER_TIMEOUT = 10.0  # seconds a client has to send a whole request head
KEEP_ALIVE = 5  # seconds an idle keep-alive connection stays open
FILES_KEPT_FREE = 64  # open files kept for serving and re-planning, beyond connections

mimetypes.add_type("text/calendar", ".ics")


class _CalendarHeaders:
    """Add Cache-Control, and the charset to text/calendar responses."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() not in (b"cache-control", b"content-disposition")
                ]
                fixed = []
                for key, value in headers:
                    if (
                        key.lower() == b"content-type"
                        and value.startswith(b"text/calendar")
                        and b"charset" not in value
                    ):
                        value = b"text/calendar; charset=utf-8"
                    fixed.append((key, value))
                if message.get("status") in (200, 304):
                    fixed.append((b"cache-control", CACHE_CONTROL.encode()))
                message["headers"] = fixed
            await send(message)

        await self.app(scope, receive, sending)


class _Snapshots(StaticFiles):
    """Static files read whole from one open file: headers and body always match.

    Starlette's FileResponse takes its length and validators from a `stat` made
    before it opens the file; a re-publish in between (files are swapped in by
    rename) would pair the old length with the new bytes and cut the response.
    Published files are small, so each is read at once and described by `fstat`.
    """

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        if "\0" in path or any(part.startswith(".") for part in Path(path).parts):
            return "", None  # hidden files and folders are never published
        return super().lookup_path(path)

    def file_response(
        self, full_path: Any, stat_result: os.stat_result, scope: Scope, status_code: int = 200
    ) -> Response:
        try:
            with open(full_path, "rb") as handle:
                stat_result = os.fstat(handle.fileno())
                body = handle.read()
        except OSError:
            return super().file_response(full_path, stat_result, scope, status_code)
        described = FileResponse(full_path, status_code=status_code, stat_result=stat_result)
        headers = {
            key: described.headers[key]
            for key in ("etag", "last-modified")
            if key in described.headers
        }
        if self.is_not_modified(Headers(headers=headers), Headers(scope=scope)):
            return NotModifiedResponse(Headers(headers=headers))
        head = scope.get("method") == "HEAD"
        response = Response(
            b"" if head else body,
            status_code=status_code,
            headers=headers,
            media_type=described.media_type,
        )
        response.headers["content-length"] = str(len(body))
        return response


class _Guarded(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with a deadline for each request head and a cap on
    connections, at which the oldest connection still waiting for its head is closed.

    uvicorn itself arms no timer until a first response, so a client that never
    finishes its request head would hold a connection (and an open file) forever.
    """

    max_connections = 1000
    #: per server: connections waiting for a request head, oldest first
    _waiting: ClassVar[weakref.WeakKeyDictionary[Any, OrderedDict[_Guarded, None]]] = (
        weakref.WeakKeyDictionary()
    )

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._deadline: asyncio.TimerHandle | None = None
        self._seen: object = None
        self._wait_for_head()
        waiting = self._waiting.setdefault(self.server_state, OrderedDict())
        while len(self.connections) > self.max_connections:
            oldest = next(iter(waiting))
            if oldest is self:  # every other connection is busy: refuse this one
                self.transport.write(
                    b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\n"
                    b"Connection: close\r\nContent-Length: 0\r\n\r\n"
                )
                self._give_up()
                break
            oldest._give_up()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._note_request()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and not self._note_request():
            self._wait_for_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_waiting()
        super().connection_lost(exc)

    def _note_request(self) -> bool:
        """Whether a new request has begun since the last look (its head is complete)."""
        if self.cycle is not None and self.cycle is not self._seen:
            self._seen = self.cycle
            self._stop_waiting()
            return True
        return False

    def _wait_for_head(self) -> None:
        self._stop_waiting()
        self._waiting.setdefault(self.server_state, OrderedDict())[self] = None
        self._deadline = self.loop.call_later(HEADER_TIMEOUT, self._give_up)

    def _stop_waiting(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        self._waiting.get(self.server_state, {}).pop(self, None)

    def _give_up(self) -> None:
        self._stop_waiting()
        self.transport.close()


def open_files_limit() -> int:
    """Raise this process's open-file limit to its hard limit; the limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
    if wanted > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError):
            pass
    return soft


def server_config(folder: str | Path, host: str, port: int, **extra: Any) -> Any:
    """uvicorn's configuration for serving `folder`: guarded against slow clients."""
    import uvicorn

    limit = open_files_limit()
    # asyncio accepts up to `backlog` connections at once: connections, one such burst and
    # the files kept free stay within the limit, so accepting never fails for want of files
    backlog = min(2048, max(16, limit // 8))

    class Guarded(_Guarded):
        max_connections = max(16, limit - FILES_KEPT_FREE - backlog)

    return uvicorn.Config(
        app(folder),
        host=host,
        port=port,
        http=Guarded,
        backlog=backlog,
        timeout_keep_alive=KEEP_ALIVE,
        log_level="warning",
        server_header=False,
        **extra,
    )


class _Agenda:
    """`/agenda.ics?s=<id>,<id>,…`: an attendee's agenda, built on each request from the
    published festival.ics (`scheduler.agenda`), with its own ETag and Last-Modified.
    The parsed feed is kept until the file changes."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._feed: tuple[tuple[int, int, int], agenda.Programme, str] | None = None

    def _programme(self) -> tuple[agenda.Programme, str, float] | None:
        """The published programme, its language, and when it was published."""
        path = self.folder / "festival.ics"
        try:
            with open(path, "rb") as handle:
                info = os.fstat(handle.fileno())
                key = (info.st_ino, info.st_mtime_ns, info.st_size)
                if self._feed is None or self._feed[0] != key:
                    programme = agenda.cut(handle.read())
                    self._feed = (key, programme, self._language())
        except (OSError, ValueError):
            return None
        return self._feed[1], self._feed[2], info.st_mtime

    def _language(self) -> str:
        try:
            published = json.loads((self.folder / "timetable.json").read_text(encoding="utf-8"))
            language = published["festival"].get("language", "en")
            return language if isinstance(language, str) else "en"
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return "en"

    async def respond(self, request: Request) -> Response:
        found = self._programme()
        if found is None:
            return Response("nothing is published here yet\n", status_code=404)
        programme, language, modified = found
        wanted, bad = agenda.selection(request.query_params.get("s", ""))
        tag = agenda.etag(programme, [*wanted, *(f"!{b}" for b in bad)])
        headers = {"etag": tag, "last-modified": formatdate(modified, usegmt=True)}
        if tag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
            return NotModifiedResponse(Headers(headers=headers))
        body = agenda.render(programme, wanted, bad, language)
        response = Response(
            b"" if request.method == "HEAD" else body,
            headers=headers,
            media_type="text/calendar; charset=utf-8",
        )
        response.headers["content-length"] = str(len(body))
        return response


def app(folder: str | Path) -> Starlette:
    """The ASGI application serving `folder` (its index.html at /, and /agenda.ics)."""
    folder = Path(folder).resolve()
    static = _Snapshots(directory=folder, html=True, follow_symlink=False)
    routes = [
        Route("/agenda.ics", _Agenda(folder).respond, methods=["GET", "HEAD"]),
        Mount("/", app=static),
    ]
    return Starlette(routes=routes, middleware=[Middleware(_CalendarHeaders)])


def run(folder: str | Path, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve `folder` until interrupted."""
    import uvicorn

    uvicorn.Server(server_config(folder, host, port)).run()


def fingerprint(path: Path) -> bytes | None:
    """The file's bytes, or None if it cannot be read (e.g. while an editor saves it)."""
    try:
        return path.read_bytes()
    except OSError:
        return None


def definition_fingerprint(config: Path) -> tuple[bytes | None, ...] | None:
    """The bytes of the definition and of every file it reads (`sources.files_read`);
    None while the definition itself cannot be read (e.g. while an editor saves it)."""
    from .sources import files_read

    found = tuple(fingerprint(path) for path in files_read(config))
    return None if found[0] is None else found


def watch(
    config: Path,
    on_change: Callable[[], None],
    stop: threading.Event,
    interval: float = 0.5,
    seen: tuple[bytes | None, ...] | None = None,
    report: Callable[[str], None] = print,
) -> None:
    """Call `on_change` whenever the definition `config` or a file it reads (its interest
    file) changes, until `stop` is set.

    `seen` is what was already planned (`definition_fingerprint`; default: whatever
    the files hold when the watch begins, which in a new thread may be later than the
    caller thinks). Whatever `on_change` raises is reported and the watch goes on.
    """
    last = seen if seen is not None else definition_fingerprint(config)
    while not stop.wait(interval):
        now = definition_fingerprint(config)
        if now is not None and now != last:
            last = now
            try:
                on_change()
            except Exception as error:  # one failed re-plan must not end the watch
                report(f"Error: re-planning failed: {error!r}\nStill serving the last good plan.")


def watch_in_background(
    config: Path,
    folder: Path,
    plan_options: list[str],
    timeout: float,
    report: Callable[[str], None],
    stop: threading.Event,
) -> threading.Thread:
    """Re-plan `config` into `folder` whenever it or a file it reads is saved, in a thread,
    until `stop`.

    `plan_options` are `festival plan`'s solver options (e.g. `--time-limit=30`);
    each re-plan runs in a child process and ends after `timeout` seconds (see
    `Replanner`); every outcome goes to `report`.
    """
    replan = Replanner(config, folder, plan_options, timeout, report)
    seen = definition_fingerprint(config)  # read before the thread starts: a save counts
    thread = threading.Thread(
        target=watch, args=(config, replan, stop, 0.5, seen, report), daemon=True
    )
    thread.start()
    return thread


@dataclass(frozen=True)
class Replanner:
    """Re-plans `config` into `folder` in a child process, so that a re-plan that runs
    longer than `timeout` seconds can be ended; reports every outcome to `report`.

    The published plan is the baseline, as for `festival plan`; publishing is atomic,
    so a re-plan ended at any moment leaves the last good feeds served.
    """

    config: Path
    folder: Path
    options: list[str]  # festival plan's solver options, e.g. ["--time-limit", "30"]
    timeout: float
    report: Callable[[str], None]

    def __call__(self) -> None:
        self.report(f"{self.config} changed: re-planning…")
        before = _published(self.folder)
        command = [
            sys.executable,
            "-m",
            "scheduler",
            "plan",
            str(self.config),
            "--out",
            str(self.folder),
            "--quiet",
            *self.options,
        ]
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=self.timeout, check=False
            )
        except subprocess.TimeoutExpired:
            self.report(
                f"Error: re-planning took longer than {self.timeout:g} s and was stopped; "
                "raise --replan-timeout or lower --time-limit\nStill serving the last good plan."
            )
            return
        if done.returncode != 0:
            text = done.stderr.strip() or f"festival plan exited with {done.returncode}"
            self.report(f"{text}\nStill serving the last good plan.")
            return
        after = _published(self.folder)
        if before is None or after is None:
            self.report("Re-planned.")
            return
        changes = diff.diff(before.entries, after.entries.values())
        self.report(
            diff.render(changes, ZoneInfo(after.timezone))
            if changes
            else "Re-planned: no change to the published plan."
        )


def _published(folder: Path) -> revisions.PublishedPlan | None:
    try:
        return revisions.read_published(folder / "timetable.json")
    except revisions.BaselineError:
        return None
