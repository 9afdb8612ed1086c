"""The timetable page of a large programme: its size, and how fast headless Chromium
loads it.

Usage: python benchmarks/page_load.py [--sessions 1000] [--runs 5] [--seed 1]

`scheduler.generate` writes a conference of --sessions talks (one room per 20, 3
days; a dense programme, so the page opens day by day) with a valid timetable,
which is published into a temporary folder (the solve is skipped: the hidden
timetable is published as `festival plan` would). Debian's Chromium (headless,
through Playwright) then opens the page from `festival serve` on a free loopback
port --runs times, each in a fresh page; the figure is the navigation's
`loadEventEnd` (request start to the load event, parsing, styles, scripts and
layout included). Prints the page's size and the median (min–max) load time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import paired

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def publish(folder: Path, sessions: int, seed: int) -> None:
    from scheduler import generate

    shape = generate.Programme(sessions=sessions, days=3)
    paired.publish_as_planned(*generate.published_programme(seed, shape), folder)


def main() -> None:
    import socket

    import uvicorn
    from playwright.sync_api import sync_playwright

    from scheduler import serve

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("needs Debian's chromium")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "calendars"
        publish(folder, args.sessions, args.seed)
        size = (folder / "index.html").stat().st_size
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = uvicorn.Server(serve.server_config(folder, "127.0.0.1", port))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        loads = []
        try:
            with sync_playwright() as driver:
                browser = driver.chromium.launch(executable_path=chromium, args=FLAGS)
                for _ in range(args.runs):
                    page = browser.new_page(viewport={"width": 1400, "height": 900})
                    page.goto(f"http://127.0.0.1:{port}/", wait_until="load")
                    loads.append(
                        page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
                    )
                    page.close()
                browser.close()
        finally:
            server.should_exit = True
            thread.join(timeout=10)
    print(
        f"{args.sessions} sessions: index.html {size / 2**20:.2f} MB; load event "
        f"{statistics.median(loads):.0f} ms median of {args.runs} "
        f"({min(loads):.0f}–{max(loads):.0f}); {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.2f} after"
    )


if __name__ == "__main__":
    main()
