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
import threading
from collections.abc import Callable
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
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


def app(folder: str | Path) -> Starlette:
    """The ASGI application serving `folder` (its index.html at /)."""
    folder = Path(folder).resolve()
    static = StaticFiles(directory=folder, html=True, follow_symlink=False)
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
    config: Path, on_change: Callable[[], None], stop: threading.Event, interval: float = 0.5
) -> None:
    """Call `on_change` whenever the bytes of `config` change, until `stop` is set."""
    last = fingerprint(config)
    while not stop.wait(interval):
        now = fingerprint(config)
        if now is not None and now != last:
            last = now
            on_change()
