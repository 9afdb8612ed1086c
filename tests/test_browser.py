"""The timetable page in real headless Chromium, served by `festival serve`.

Needs Debian's `chromium` (`.ci/run` installs it); skipped where it is absent.
The page's screenshots in docs/ come from docs/screenshots.py.
"""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import httpx
import icalendar
import pytest
import vobject
from conftest import DEFAULT_CONFIG
from test_serve import Running

from scheduler import config, generate
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
            for name in ("schedule.xml", "schedule.json", "changes.atom"):  # for apps
                link = page.locator(f'ul.exports a[href="{name}"]')
                assert link.is_visible() and link.inner_text() == name
                assert httpx.get(f"{running.url}/{name}").status_code == 200
            icon = page.evaluate("document.querySelector('link[rel=icon]').href")
            assert icon.startswith("data:image/svg+xml,")
            shot = page.screenshot(full_page=True)
            assert len(shot) > 20_000 and shot.startswith(b"\x89PNG")
            assert outside == []  # the page fetched nothing from anywhere else
        finally:
            browser.close()


AXE = Path(__file__).resolve().parent.parent / ".cache" / "npm" / "node_modules" / "axe-core"


@contextmanager
def chromium_on(folder: Path):
    """A headless Chromium page on `festival serve` of `folder`."""
    playwright = pytest.importorskip("playwright.sync_api")
    with Running(folder) as running, playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            context = browser.new_context(accept_downloads=True)
            yield running, context.new_page()
        finally:
            browser.close()


def uids(data: bytes) -> set[str]:
    calendar = icalendar.Calendar.from_ical(data)
    by_vobject = {e.uid.value for e in getattr(vobject.readOne(data.decode()), "vevent_list", [])}
    found = {str(e["UID"]) for e in calendar.events}
    assert found == by_vobject
    return found


def test_starred_sessions_become_a_live_agenda_feed_and_a_download(tmp_path):
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    festival = config.loads(text)
    folder = tmp_path / "calendars"
    planning.plan(festival, out=folder, at=datetime(2023, 9, 1, tzinfo=UTC))
    chosen = [s.id for s in festival.sessions if s.id in ("opening", "quantum", "ai")]
    assert len(chosen) == 3
    with chromium_on(folder) as (running, page):
        page.goto(f"{running.url}/")
        for sid in chosen:
            page.locator(f"#session-{sid} button.star").click()
        assert page.locator("#agenda-list li").count() == 3
        days = {
            sid: page.locator(f"#session-{sid}").evaluate(
                "li => li.closest('ul').previousElementSibling.textContent"
            )
            for sid in chosen
        }
        shown = page.locator("#agenda-list li").all_inner_texts()
        for sid, line in zip(chosen, shown, strict=True):  # the day beside each, in order
            assert line.startswith(days[sid] + " · "), line
        assert len(set(days.values())) == 3  # three different days, each named
        page.locator("#agenda-links").wait_for(state="visible")
        href = page.locator("#agenda-https").get_attribute("href")
        assert href.startswith(f"{running.url}/agenda.ics?s=")
        webcal = page.locator("#agenda-webcal").get_attribute("href")
        assert webcal == href.replace("http://", "webcal://", 1)
        feed = httpx.get(href)
        assert uids(feed.content) == {f"{sid}@{festival.id}" for sid in chosen}
        page.reload()  # kept in the browser
        assert page.locator("#agenda-list li").count() == 3
        with page.expect_download() as download:
            page.locator("#agenda-download").click()
        assert uids(Path(download.value.path()).read_bytes()) == uids(feed.content)
        with page.expect_download() as one:
            page.locator("#session-ai button.add").click()
        assert uids(Path(one.value.path()).read_bytes()) == {f"ai@{festival.id}"}
        # a re-plan moves a starred session: the same address shows it moved, SEQUENCE + 1
        before = {str(e["UID"]): e for e in icalendar.Calendar.from_ical(feed.content).events}
        quantum = before[f"quantum@{festival.id}"]
        closed_on = quantum.start.date().isoformat()
        closure = 'closed = ["2023-10-30..2023-11-01"]'
        moved = text.replace(closure, f'closed = ["2023-10-30..2023-11-01", {closed_on}]')
        planning.plan(config.loads(moved), out=folder, at=datetime(2023, 9, 5, tzinfo=UTC))
        after = {
            str(e["UID"]): e for e in icalendar.Calendar.from_ical(httpx.get(href).content).events
        }
        assert after[f"quantum@{festival.id}"].start != quantum.start
        assert int(after[f"quantum@{festival.id}"]["SEQUENCE"]) == int(quantum["SEQUENCE"]) + 1


def test_the_track_filter_shows_only_that_track(tmp_path):
    festival = config.load(DEFAULT_CONFIG)
    folder = tmp_path / "calendars"
    planning.plan(festival, out=folder, at=datetime(2023, 9, 1, tzinfo=UTC))
    track = festival.tracks[1].id
    with chromium_on(folder) as (running, page):
        page.goto(f"{running.url}/")
        page.select_option("#track-filter", track)
        shown = page.eval_on_selector_all(
            "#programme .session", "els => els.filter(e => !e.hidden).map(e => e.dataset.track)"
        )
        assert shown and set(shown) == {track}
        page.select_option("#track-filter", "")
        assert page.locator("#programme .session:visible").count() == len(festival.sessions)


def test_every_anchor_a_feed_links_to_exists(tmp_path):
    festival = config.load(DEFAULT_CONFIG)
    folder = tmp_path / "calendars"
    planning.plan(festival, out=folder, at=datetime(2023, 9, 1, tzinfo=UTC))
    with chromium_on(folder) as (running, page):  # published again with its address
        served = replace(festival, feed_url=f"{running.url}/")
        planning.plan(served, out=folder, at=datetime(2023, 9, 1, tzinfo=UTC))
        calendar = icalendar.Calendar.from_ical((folder / "festival.ics").read_bytes())
        targets = {str(e["URL"]) for e in calendar.events}
        assert len(targets) == len(festival.sessions)
        for target in sorted(targets):
            page.goto(target)
            anchor = target.split("#", 1)[1]
            assert page.locator(f"#{anchor}").count() == 1, target


def conference(folder: Path):
    """A generated 150-talk, 10-room, 3-day conference, published into `folder`."""
    festival = generate.published_programme(5, generate.Programme(sessions=150, venues=10, days=3))[
        0
    ]
    planning.plan(festival, out=folder, at=datetime(2023, 9, 1, tzinfo=UTC))
    return festival


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (.ci/run installs it)")
@pytest.mark.parametrize("example", ["default", "conference"])
@pytest.mark.parametrize("width", [1400, 390])
def test_no_serious_accessibility_violation(tmp_path, example, width):
    folder = tmp_path / "calendars"
    if example == "default":
        festival = config.load(DEFAULT_CONFIG)
        planning.plan(festival, out=folder, at=datetime(2023, 9, 1, tzinfo=UTC))
    else:
        festival = conference(folder)
    with chromium_on(folder) as (running, page):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{running.url}/")
        for session in festival.sessions:  # every session reachable in the list
            assert page.locator(f"#session-{session.id}").count() == 1
        page.add_script_tag(path=str(AXE / "axe.min.js"))
        result = page.evaluate(
            "axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']})"
        )
        serious = [
            (v["id"], v["impact"], [n["target"] for n in v["nodes"][:3]])
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert serious == []


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (.ci/run installs it)")
def test_the_accessibility_check_finds_what_it_should(tmp_path):
    """White text on deepskyblue (2.1:1) and an image without text: both reported."""
    folder = tmp_path / "calendars"
    folder.mkdir()
    (folder / "index.html").write_text(
        '<!doctype html><html lang="en"><head><title>t</title></head><body><main>'
        '<p style="color:#fff;background:deepskyblue">badge</p><img src="x.png"></main></body>'
        "</html>",
        encoding="utf-8",
    )
    with chromium_on(folder) as (running, page):
        page.goto(f"{running.url}/")
        page.add_script_tag(path=str(AXE / "axe.min.js"))
        result = page.evaluate("axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']})")
        found = {v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")}
        assert {"color-contrast", "image-alt"} <= found


def test_a_dense_programme_opens_day_by_day_with_every_session_reachable(tmp_path):
    folder = tmp_path / "calendars"
    festival = conference(folder)
    zone = ZoneInfo(festival.timezone)
    with chromium_on(folder) as (running, page):
        day_two = festival.start + timedelta(days=1)
        # while the festival is on: today's tab, and a "now" line at 10:02
        page.clock.set_fixed_time(datetime.combine(day_two, time(10, 2), tzinfo=zone))
        page.set_viewport_size({"width": 1400, "height": 900})
        page.goto(f"{running.url}/")
        assert page.locator("main").get_attribute("data-view") == "day"
        assert page.locator("#calendar").is_hidden() and page.locator("#days").is_visible()
        today = page.locator(f"#tab-{day_two.isoformat()}")
        assert today.get_attribute("aria-selected") == "true"
        assert page.locator(f"#panel-{day_two.isoformat()} .now").count() == 1
        titled = page.locator('[role="tabpanel"]:not([hidden]) a.item').evaluate_all(
            "els => els.map(a => [a.title, a.querySelector('.title').textContent])"
        )
        assert titled and all(tip.endswith(" " + title) for tip, title in titled)  # tooltips
        reached = set()
        tabs = page.locator('[role="tab"]')
        tabs.first.focus()
        page.keyboard.press("Home")
        for _ in range(tabs.count()):  # walk the days with the keyboard
            panel = page.locator('[role="tabpanel"]:not([hidden])')
            hrefs = panel.locator("a.item").evaluate_all("els => els.map(a => a.hash)")
            assert all(page.locator(h).count() == 1 for h in hrefs)
            reached |= {h.removeprefix("#session-") for h in hrefs}
            page.keyboard.press("ArrowRight")
        assert reached == {s.id for s in festival.sessions}
        page.locator('.views button[data-view="month"]').click()
        assert page.locator("#calendar").is_visible() and page.locator("#days").is_hidden()
        shown = page.locator("#calendar .session .title").all_inner_texts()
        assert sorted(shown) == sorted(s.title for s in festival.sessions)  # all in the month
        page.set_viewport_size({"width": 390, "height": 800})  # a phone: the list
        assert page.locator("#days").is_hidden() and page.locator("#programme").is_visible()
