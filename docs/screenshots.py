"""Take the documentation's screenshots of the timetable page in headless Chromium.

Usage: python docs/screenshots.py

Publishes the default festival (month view) and a generated 150-talk, 10-room,
3-day conference (day by day) into temporary folders, serves each with
`festival serve`'s application on a free loopback port, and writes
docs/month.png, docs/day.png, docs/phone.png (390 px wide) and docs/agenda.png
(three starred sessions and the agenda's links).
"""

from __future__ import annotations

import shutil
import socket
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
AT = datetime(2023, 9, 1, tzinfo=UTC)


@contextmanager
def served(folder: Path):
    import uvicorn

    from scheduler import serve

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(serve.server_config(folder, "127.0.0.1", port))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def main() -> None:
    from playwright.sync_api import sync_playwright

    from scheduler import config, generate
    from scheduler import plan as planning

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    with tempfile.TemporaryDirectory() as scratch, sync_playwright() as driver:
        default = Path(scratch) / "default"
        planning.plan(config.load(ROOT / "config" / "festival.toml"), out=default, at=AT)
        dense = Path(scratch) / "conference"
        programme = generate.Programme(sessions=150, venues=10, days=3)
        planning.plan(generate.published_programme(5, programme)[0], out=dense, at=AT)
        browser = driver.chromium.launch(executable_path=chromium, args=FLAGS)
        with served(default) as url:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(url)
            page.screenshot(path=ROOT / "docs" / "month.png")
            for sid in ("opening", "ai", "quantum"):
                page.locator(f"#session-{sid} button.star").click()
            page.locator("#agenda-links").wait_for(state="visible")
            page.locator("#agenda").screenshot(path=ROOT / "docs" / "agenda.png")
            phone = browser.new_page(viewport={"width": 390, "height": 844})
            phone.goto(url)
            phone.screenshot(path=ROOT / "docs" / "phone.png")
        with served(dense) as url:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(url)
            page.screenshot(path=ROOT / "docs" / "day.png")
        browser.close()


if __name__ == "__main__":
    main()
