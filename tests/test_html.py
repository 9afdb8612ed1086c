"""The timetable page: every session, every feed's links, the festival's language."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import pytest
from conftest import DEFAULT_CONFIG, SMALL

from scheduler import config
from scheduler import plan as planning
from scheduler.labels import label

AT = datetime(2023, 9, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def default_page(tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("page")
    planning.plan(config.load(DEFAULT_CONFIG), out=out, at=AT)
    return (out / "index.html").read_text(encoding="utf-8")


def test_page_shows_every_session_and_venue(default_page):
    festival = config.load(DEFAULT_CONFIG)
    for session in festival.sessions:
        assert session.title in default_page
        assert f'id="session-{session.id}"' in default_page
    for venue in festival.venues:
        assert venue.name in default_page


def test_page_is_chinese_with_babel_dates_and_utf8(default_page):
    assert '<html lang="zh-CN">' in default_page
    assert '<meta charset="utf-8">' in default_page
    assert "10月9日周一" in default_page  # Babel's zh_CN month-day-weekday
    assert "2023年10月9日" in default_page
    assert "订阅日历" in default_page
    assert "PingFang SC" in default_page and "Noto Sans CJK SC" in default_page


def test_page_fetches_nothing_from_the_network(default_page):
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", default_page)
    assert "@import" not in default_page and "url(" not in default_page


def test_relative_feed_links_without_a_feed_url(default_page):
    festival = config.load(DEFAULT_CONFIG)
    links = set(re.findall(r'data-feed="([^"]+)"', default_page))
    expected = {"festival.ics"} | {f"tracks/{t.id}.ics" for t in festival.tracks}
    expected |= {f"venues/{v.id}.ics" for v in festival.venues}
    expected |= {f"people/{p.id}.ics" for p in festival.people}
    assert links == expected
    assert 'href="people/cto.ics"' in default_page


def test_absolute_links_with_a_feed_url(tmp_path):
    text = SMALL.replace('step = "30m"', 'step = "30m"\nfeed_url = "https://feeds.example.org/x/"')
    planning.plan(config.loads(text), out=tmp_path, at=AT)
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert 'href="webcal://feeds.example.org/x/tracks/cloud.ics"' in page
    assert 'href="https://feeds.example.org/x/tracks/cloud.ics"' in page
    google = re.search(r'href="(https://calendar\.google\.com/[^"]+tracks%2Fcloud\.ics)"', page)
    cid = parse_qs(urlparse(google.group(1).replace("&amp;", "&")).query)["cid"][0]
    assert cid == "webcal://feeds.example.org/x/tracks/cloud.ics"
    # a person's feed: its plain link in the page (the browser adds the other two)
    assert 'href="https://feeds.example.org/x/people/ceo.ics"' in page
    assert 'href="webcal://feeds.example.org/x/people/ceo.ics"' not in page


def test_titles_are_escaped_not_run(tmp_path):
    text = SMALL.replace('title = "主旨演讲"', 'title = "<script>alert(1)</script> & 演讲"')
    planning.plan(config.loads(text), out=tmp_path, at=AT)
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; 演讲" in page


def test_english_labels_and_dates(tmp_path):
    planning.plan(config.loads(SMALL), out=tmp_path, at=AT)
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in page and "Subscribe" in page and "Mon, Oct 9" in page


def test_cancelled_sessions_are_struck_through(tmp_path):
    planning.plan(config.loads(SMALL), out=tmp_path, at=AT)
    without = SMALL[: SMALL.index('[[sessions]]\nid = "workshop"')]
    planning.plan(config.loads(without), out=tmp_path, at=datetime(2023, 9, 2, tzinfo=UTC))
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    item = re.search(r'<li id="session-workshop" class="([^"]+)"', page)
    assert item and "cancelled" in item.group(1).split()
    assert ".cancelled .title" in page and "line-through" in page


def test_page_is_byte_stable(tmp_path):
    festival = config.load(DEFAULT_CONFIG)
    planning.plan(festival, out=tmp_path / "a", at=AT)
    planning.plan(festival, out=tmp_path / "b", at=AT)
    assert (tmp_path / "a/index.html").read_bytes() == (tmp_path / "b/index.html").read_bytes()


def test_every_word_has_a_chinese_translation_in_the_catalog():
    from scheduler import labels

    translated = labels._translations("zh_CN")
    assert set(translated) == set(labels.ENGLISH) | set(labels.PLURAL)
    for key, english in [*labels.ENGLISH.items(), *labels.PLURAL.items()]:
        forms = [english] if isinstance(english, str) else english
        names = sorted(set(re.findall(r"{(\w+)}", forms[0])))
        shown = [translated[key]] if isinstance(translated[key], str) else translated[key]
        for form in shown:
            assert sorted(set(re.findall(r"{(\w+)}", form))) == names, key
    assert labels.label("zh-CN", "page.subscribe") == "订阅日历"
    assert labels.label("en", "page.subscribe") == "Subscribe"


def test_counts_take_each_languages_plural_form():
    """'1 chosen sessions' no more: English has one form for 1 and another for the rest,
    Chinese one form for every number (the catalog's Plural-Forms rule)."""
    from scheduler.labels import counted

    assert counted("en", "atom.entry", 1) == "1 change published"
    assert counted("en", "atom.entry", 0) == "0 changes published"
    assert counted("en", "atom.entry", 2) == "2 changes published"
    one = counted("en", "agenda.description", 1, festival="F")
    assert one == "1 chosen session of F"
    assert counted("en", "agenda.description", 21, festival="F") == "21 chosen sessions of F"
    assert counted("zh-CN", "atom.entry", 1) == "发布了 1 项变更"
    assert counted("zh-CN", "atom.entry", 5) == "发布了 5 项变更"


def test_the_calendar_shows_a_venues_slot_grid_and_the_track_of_each_block(tmp_path):
    """The hall has three slots a day in two blocks that hold one track each: the
    keynote's day shows both blocks with their hours, the keynote's one headed by its
    track, and the slots left free."""
    text = SMALL.replace(
        'features = ["stage"]',
        'features = ["stage"]\nslots = ["09:00-11:00", "11:00-13:00", "14:00-16:00"]\n'
        'blocks = ["09:00-13:00", "14:00-18:00"]',
        1,
    ).replace('step = "30m"', 'step = "30m"\none_track_per_block = true')
    festival = config.loads(text)
    timetable = planning.plan(festival, out=tmp_path, at=AT).timetable
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    begins = timetable.placement("keynote").start.astimezone(ZoneInfo("Asia/Shanghai"))
    row = re.search(rf'<tr id="day-{begins.date()}".*?</tr>', page, flags=re.S).group(0)
    hall = re.findall(r"<td>(.*?)</td>", row, flags=re.S)[0]  # the first venue's column
    heads = re.findall(r'<span class="block-head">(.*?)</span>', hall)
    held, other = ("09:00–13:00", "14:00–18:00")[:: 1 if begins.hour < 13 else -1]
    assert f"{held} · 云" in heads and any(h.startswith(other) for h in heads)
    used = [
        p
        for p in timetable.placements
        if p.venue == "hall" and p.start.astimezone(begins.tzinfo).date() == begins.date()
    ]
    free = label(festival.language, "page.free_slot")
    assert hall.count(f"</span> {free}</div>") == 3 - len(used)
    assert "主旨演讲" in hall
    times = re.findall(r'<span class="time">(\d\d:\d\d)', hall)  # sessions and free slots
    assert times == sorted(times)


def styles(page: str) -> list[tuple[str, str]]:
    """(track colour, text colour) of every element that sets both."""
    return re.findall(r"--track: ([#\w]+); --on-track: (#[0-9a-f]{6})", page)


@pytest.mark.parametrize("colour", ["deepskyblue", "gold", "navy", "#00ff00", "gray", "crimson"])
def test_text_on_a_track_colour_meets_wcag_aa(colour):
    from scheduler.writers.html import contrast, text_on

    assert contrast(text_on(colour), colour) >= 4.5


def test_every_badge_on_the_page_is_readable(default_page):
    from scheduler.writers.html import contrast

    pairs = styles(default_page)
    assert len(pairs) >= len(config.load(DEFAULT_CONFIG).sessions)
    for background, text in pairs:
        assert contrast(text, background) >= 4.5, (background, text)


def test_the_footer_says_when_the_plan_last_changed_in_words_not_solver_status(default_page):
    footer = default_page[default_page.index("<footer>") :]
    assert "最后更新：" in footer and "(Asia/Shanghai)" in footer
    for word in ("OPTIMAL", "FEASIBLE", "INFEASIBLE", "计划状态", "Plan status"):
        assert word not in default_page


def test_descriptions_and_a_filter_of_every_track(default_page):
    festival = config.load(DEFAULT_CONFIG)
    for venue in festival.venues:  # each session's entry says where, with the address
        if venue.address:
            assert f'<span class="who">{venue.address}</span>' in default_page
    for session in festival.sessions:
        if session.description:
            assert f'<p class="description">{session.description}</p>' in default_page
    for track in festival.tracks:
        assert f'<option value="{track.id}">{track.name}</option>' in default_page
    assert 'class="to-calendar" href="#views"' in default_page  # hidden with them on phones


def json_ld(page: str) -> dict:
    import json

    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert found is not None
    return json.loads(found.group(1))


def test_structured_data_lists_every_session_with_offsets(default_page):
    data = json_ld(default_page)
    festival = config.load(DEFAULT_CONFIG)
    assert data["@context"] == "https://schema.org" and data["@type"] == "Event"
    events = {e["@id"]: e for e in data["subEvent"]}
    assert set(events) == {f"#session-{s.id}" for s in festival.sessions}
    for event in events.values():
        for key in ("startDate", "endDate"):
            assert datetime.fromisoformat(event[key]).utcoffset() is not None
        assert event["eventStatus"] == "https://schema.org/EventScheduled"
        assert event["location"]["address"]["addressLocality"]


def test_a_moved_session_is_rescheduled_with_its_previous_start_until_it_moves_again(tmp_path):
    out = tmp_path / "out"
    planning.plan(config.loads(SMALL), out=out, at=AT)
    first = {e["@id"]: e for e in json_ld((out / "index.html").read_text())["subEvent"]}
    keynote = first["#session-keynote"]
    day = keynote["startDate"][:10]
    moved = SMALL.replace('days = "workdays:CN"', f'days = "workdays:CN"\nblackout = [{day}]')
    moved = moved.replace('[[sessions]]\nid = "workshop"', '[[sessions]]\nid = "gone"')
    for run in range(2):  # the re-plan, then an unchanged re-run: still rescheduled
        planning.plan(config.loads(moved), out=out, at=datetime(2023, 9, 2 + run, tzinfo=UTC))
        page = (out / "index.html").read_text()
        events = {e["@id"]: e for e in json_ld(page)["subEvent"]}
        now = events["#session-keynote"]
        assert now["eventStatus"] == "https://schema.org/EventRescheduled"
        assert now["previousStartDate"] == keynote["startDate"] != now["startDate"]
        assert events["#session-workshop"]["eventStatus"] == "https://schema.org/EventCancelled"
        assert "previousStartDate" not in events["#session-gone"]


def test_structured_data_cannot_end_its_script_element(tmp_path):
    text = SMALL.replace('title = "主旨演讲"', 'title = "</script><script>alert(1)</script>"')
    out = tmp_path / "out"
    planning.plan(config.loads(text), out=out, at=AT)
    page = (out / "index.html").read_text()
    assert page.count("</script>") == page.count("<script")  # only the page's own
    data = json_ld(page)
    assert "</script><script>alert(1)</script>" in {e["name"] for e in data["subEvent"]}


def test_the_page_offers_the_exports_and_previews_in_chat_apps_and_search(tmp_path):
    """schedule.xml, schedule.json and changes.atom linked, each saying who reads it;
    OpenGraph tags; JSON-LD with the organizer, the image and how it is attended."""
    import json

    text = SMALL.replace(
        'step = "30m"',
        'step = "30m"\norganizer = "China Telecom"\nimage = "https://example.org/poster.png"\n'
        'url = "https://fest.example.org/"',
    )
    planning.plan(config.loads(text), out=tmp_path, at=AT)
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    for name, who in (
        ("schedule.xml", "ConfClerk"),
        ("schedule.json", "pyfahrplan"),
        ("changes.atom", "feed reader"),
    ):
        line = re.search(rf'<li><a href="{name}">{name}</a> ([^<]*)</li>', page)
        assert line and who in line.group(1), name
    assert '<meta property="og:title" content="小型测试节">' in page
    assert '<meta property="og:url" content="https://fest.example.org/">' in page
    assert '<meta property="og:image" content="https://example.org/poster.png">' in page
    assert '<link rel="icon" href="data:image/svg+xml,' in page
    data = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', page).group(1)
    )
    assert data["organizer"] == {"@type": "Organization", "name": "China Telecom"}
    assert data["image"] == "https://example.org/poster.png"
    assert data["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
    plain = config.loads(SMALL)
    planning.plan(plain, out=tmp_path / "plain", at=AT)
    bare = (tmp_path / "plain/index.html").read_text(encoding="utf-8")
    assert "og:image" not in bare and '"organizer"' not in bare  # only where given
