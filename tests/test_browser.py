"""The timetable page in real headless Chromium, served by `festival serve`.

Needs Debian's `chromium` (`.ci/run` installs it); skipped where it is absent.
Set FESTIVAL_SCREENSHOT=docs/timetable.png to refresh the README's screenshot.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from conftest import DEFAULT_CONFIG
from test_serve import Running

from scheduler import config
from scheduler import plan as planning

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)"
)
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def feed_url(href: str) -> str:
    """The HTTP address a subscribe link leads a calendar client to."""
    if href.startswith("webcal://"):
        return "http://" + href.removeprefix("webcal://")
    if href.startswith("https://calendar.google.com/"):
        return feed_url(parse_qs(urlparse(href).query)["cid"][0])
    return href


def test_default_festival_page_in_chromium(tmp_path):
    playwright = pytest.importorskip("playwright.sync_api")
    festival = config.load(DEFAULT_CONFIG)
    folder = tmp_path / "calendars"
    planning.plan(festival, out=folder, at=datetime(2023, 9, 1, tzinfo=UTC))
    with Running(folder) as running, playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            outside: list[str] = []
            page.on(
                "request",
                lambda r: outside.append(r.url) if not r.url.startswith(running.url) else None,
            )
            page.goto(f"{running.url}/")
            for session in festival.sessions:
                item = page.locator(f"#session-{session.id} .title")
                assert item.is_visible(), session.id
                assert item.inner_text() == session.title
                item.scroll_into_view_if_needed()
            links = page.eval_on_selector_all("a.subscribe", "els => els.map(a => a.href)")
            assert len(links) == 3 * (
                1 + len(festival.tracks) + len(festival.venues) + len(festival.people)
            )
            for href in links:
                response = httpx.get(feed_url(href))
                assert response.status_code == 200, href
                assert response.headers["content-type"] == "text/calendar; charset=utf-8"
            shot = page.screenshot(full_page=True)
            assert len(shot) > 20_000 and shot.startswith(b"\x89PNG")
            target = os.environ.get("FESTIVAL_SCREENSHOT")
            if target:
                page.evaluate("window.scrollTo(0, 0)")
                clip = {"x": 0, "y": 0, "width": 1280, "height": 1500}
                Path(target).write_bytes(page.screenshot(full_page=True, clip=clip))
            assert outside == []  # the page fetched nothing from anywhere else
        finally:
            browser.close()
