"""Serve a published folder over HTTP the way calendar clients need it.

Starlette's static files under uvicorn: `.ics` as `text/calendar;
charset=utf-8` shown inline, strong `ETag` and `Last-Modified` with `304`
answers to `If-None-Match` / `If-Modified-Since`, `HEAD`, and nothing but
`GET` and `HEAD`. Files are read on every request, so a re-published folder
is served at once. Paths that leave the folder (`..`, encoded dots, absolute
paths, symlinks pointing out) are answered 404.
"""

from __future__ import annotations

import mimetypes
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.responses import FileResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import NotModifiedResponse, StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CACHE_CONTROL = "public, max-age=60"

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


def app(folder: str | Path) -> Starlette:
    """The ASGI application serving `folder` (its index.html at /)."""
    folder = Path(folder).resolve()
    static = _Snapshots(directory=folder, html=True, follow_symlink=False)
    return Starlette(routes=[Mount("/", app=static)], middleware=[Middleware(_CalendarHeaders)])


def run(folder: str | Path, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve `folder` until interrupted."""
    import uvicorn

    uvicorn.run(app(folder), host=host, port=port, log_level="warning", server_header=False)


def fingerprint(path: Path) -> bytes | None:
    """The file's bytes, or None if it cannot be read (e.g. while an editor saves it)."""
    try:
        return path.read_bytes()
    except OSError:
        return None


def watch(
    config: Path,
    on_change: Callable[[], None],
    stop: threading.Event,
    interval: float = 0.5,
    seen: bytes | None = None,
) -> None:
    """Call `on_change` whenever the bytes of `config` change, until `stop` is set.

    `seen` is the content already planned (default: whatever the file holds when
    the watch begins, which in a new thread may be later than the caller thinks).
    """
    last = seen if seen is not None else fingerprint(config)
    while not stop.wait(interval):
        now = fingerprint(config)
        if now is not None and now != last:
            last = now
            on_change()
