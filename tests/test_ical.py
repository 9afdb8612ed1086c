"""Calendar feeds: valid for three independent parsers, stable, and exact per audience."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import icalendar
import ics
import pytest
import vobject
from conftest import DEFAULT_CONFIG, SMALL, snapshot

from scheduler import config, generate
from scheduler import plan as planning
from scheduler.writers import ical

PUBLISHED_AT = datetime(2023, 9, 1, 8, 0, tzinfo=UTC)


def plan_into(festival, out: Path, at: datetime = PUBLISHED_AT) -> planning.Plan:
    return planning.plan(festival, out=out, at=at)


@pytest.fixture(scope="module")
def default_festival():
    return config.load(DEFAULT_CONFIG)


@pytest.fixture(scope="module")
def feeds(default_festival, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("calendars")
    plan_into(default_festival, out)
    return out


def ics_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.ics"))


def instants_by_icalendar(data: bytes) -> dict[str, tuple[datetime, datetime]]:
    calendar = icalendar.Calendar.from_ical(data)
    return {str(e["UID"]): (e.start, e.end) for e in calendar.events}


def instants_by_vobject(data: bytes) -> dict[str, tuple[datetime, datetime]]:
    calendar = vobject.readOne(data.decode("utf-8"))
    events = getattr(calendar, "vevent_list", [])
    return {e.uid.value: (e.dtstart.value, e.dtend.value) for e in events}


def instants_by_ics(data: bytes) -> dict[str, tuple[datetime, datetime]]:
    calendar = ics.Calendar(data.decode("utf-8"))
    return {e.uid: (e.begin.datetime, e.end.datetime) for e in calendar.events}


def test_plan_writes_every_feed(feeds, default_festival):
    names = {str(p.relative_to(feeds)) for p in ics_files(feeds)}
    expected = {"festival.ics"}
    expected |= {f"tracks/{t.id}.ics" for t in default_festival.tracks}
    expected |= {f"venues/{v.id}.ics" for v in default_festival.venues}
    expected |= {f"people/{p.id}.ics" for p in default_festival.people}
    assert names == expected


def test_three_independent_parsers_agree_on_every_event(feeds):
    for path in ics_files(feeds):
        data = path.read_bytes()
        by_icalendar = instants_by_icalendar(data)
        assert by_vobject_equal(by_icalendar, instants_by_vobject(data)), path
        assert by_vobject_equal(by_icalendar, instants_by_ics(data)), path


def by_vobject_equal(a: dict, b: dict) -> bool:
    """Same UIDs, and the same instants (aware datetimes compare as instants)."""
    return a.keys() == b.keys() and all(a[k][0] == b[k][0] and a[k][1] == b[k][1] for k in a)


def test_festival_feed_matches_the_timetable(feeds, default_festival):
    import json

    document = json.loads((feeds / "timetable.json").read_text(encoding="utf-8"))
    events = instants_by_icalendar((feeds / "festival.ics").read_bytes())
    assert len(events) == len(default_festival.sessions)
    for session in document["sessions"]:
        start, end = events[f"{session['id']}@ctc-tech-festival-2023"]
        assert start == datetime.fromisoformat(session["start"])
        assert end == datetime.fromisoformat(session["end"])
        assert start.tzinfo is not None  # never floating


def test_each_person_feed_holds_exactly_their_sessions(feeds, default_festival):
    for person in default_festival.people:
        uids = set(instants_by_icalendar((feeds / f"people/{person.id}.ics").read_bytes()))
        mine = {
            f"{s.id}@{default_festival.id}"
            for s in default_festival.sessions
            if person.id in s.people
        }
        assert uids == mine, person.id


def test_track_and_venue_feeds_partition_the_festival(feeds, default_festival):
    everything = set(instants_by_icalendar((feeds / "festival.ics").read_bytes()))
    for kind in ("tracks", "venues"):
        seen: list[str] = []
        for path in sorted((feeds / kind).glob("*.ics")):
            seen.extend(instants_by_icalendar(path.read_bytes()))
        assert sorted(seen) == sorted(everything), kind


def test_every_tzid_has_its_vtimezone_and_nothing_floats(feeds):
    for path in ics_files(feeds):
        text = path.read_bytes().decode("utf-8")
        used = set(re.findall(r";TZID=([^:;]+)[:;]", text))
        defined = set(re.findall(r"^TZID:(.+?)\r$", text, flags=re.M))
        assert used <= defined, path
        assert defined == {"Asia/Shanghai"}
        for event in re.findall(r"BEGIN:VEVENT.*?END:VEVENT", text, flags=re.S):
            assert not re.search(r"^DT(START|END):", event, flags=re.M), path  # no floating


def test_lines_are_crlf_folded_at_75_octets_on_character_boundaries(feeds):
    for path in ics_files(feeds):
        data = path.read_bytes()
        assert data.endswith(b"\r\n")
        assert b"\n" not in data.replace(b"\r\n", b"")
        for line in data.split(b"\r\n"):
            assert len(line) <= 75, (path, line)
            line.decode("utf-8")  # a fold never splits a multi-byte character


def test_calendar_properties(feeds):
    calendar = icalendar.Calendar.from_ical((feeds / "tracks/quantum.ics").read_bytes())
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"].startswith("-//festival-scheduler//festival ")
    assert calendar["NAME"] == calendar["X-WR-CALNAME"] == "中国电信第三届科技节 · 量子"
    assert calendar["DESCRIPTION"] == calendar["X-WR-CALDESC"]
    assert calendar["X-WR-TIMEZONE"] == "Asia/Shanghai"
    assert calendar["COLOR"] == "teal"
    assert "METHOD" not in calendar
    text = (feeds / "tracks/quantum.ics").read_bytes().decode("utf-8")
    assert "\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in text
    assert "\r\nX-PUBLISHED-TTL:PT1H\r\n" in text
    assert "SOURCE" not in calendar  # no public feed URL configured


def test_event_properties(feeds, default_festival):
    calendar = icalendar.Calendar.from_ical((feeds / "festival.ics").read_bytes())
    opening = next(e for e in calendar.events if e["UID"] == "opening@ctc-tech-festival-2023")
    assert opening["SUMMARY"] == "中国电信战新共链行动大会暨第三届科技节开幕式"
    assert opening["LOCATION"] == "北京主会场, 北京市西城区金融大街31号"
    assert opening["STATUS"] == "CONFIRMED"
    assert opening["SEQUENCE"] == 0
    assert opening.categories == ["大会"]
    assert opening.stamp == opening.last_modified == PUBLISHED_AT
    assert opening["DESCRIPTION"] == (
        "主题：大会\n出席：集团董事长（示例）、集团总经理（示例）、集团首席技术官（示例）\n\n"
        "开幕大会，发布战新共链行动。"
    )
    text = (feeds / "festival.ics").read_text(encoding="utf-8")
    assert "DTSTAMP:20230901T080000Z" in text and "LAST-MODIFIED:20230901T080000Z" in text


def test_feed_url_gives_source_and_url_and_colour_names(tmp_path):
    text = SMALL.replace(
        'step = "30m"',
        'step = "30m"\nfeed_url = "https://feeds.example.org/x"\nrefresh = "6h"\n'
        'url = "https://fest.example.org/"',
    ).replace('color = "teal"', 'color = "#00807f"')
    plan_into(config.loads(text), tmp_path)
    calendar = icalendar.Calendar.from_ical((tmp_path / "tracks/cloud.ics").read_bytes())
    assert calendar["SOURCE"] == calendar["URL"] == "https://feeds.example.org/x/tracks/cloud.ics"
    assert calendar["COLOR"] == "teal"  # the nearest CSS colour name
    keynote = next(e for e in calendar.events if e["UID"] == "keynote@small")
    assert keynote["URL"] == "https://fest.example.org/#session-keynote"  # the page's anchor
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT6H" in (tmp_path / "tracks/cloud.ics").read_text()


def test_awkward_text_round_trips_through_every_parser(tmp_path):
    title = '云, 网; 数\\智 "quoted"'
    description = "第一行, 逗号; 分号\n第二行 \\ 反斜杠"
    text = SMALL.replace(
        'title = "主旨演讲"',
        'title = "云, 网; 数\\\\智 \\"quoted\\""\n'
        'description = "第一行, 逗号; 分号\\n第二行 \\\\ 反斜杠"',
    )
    festival = config.loads(text)
    assert festival.session("keynote").title == title
    assert festival.session("keynote").description == description
    plan_into(festival, tmp_path)
    data = (tmp_path / "festival.ics").read_bytes()
    by_icalendar = {e["UID"]: e for e in icalendar.Calendar.from_ical(data).events}
    by_vobject = {e.uid.value: e for e in vobject.readOne(data.decode()).vevent_list}
    assert str(by_icalendar["keynote@small"]["SUMMARY"]) == title
    assert by_vobject["keynote@small"].summary.value == title
    for shown in (
        str(by_icalendar["keynote@small"]["DESCRIPTION"]),
        by_vobject["keynote@small"].description.value,
    ):
        assert shown.endswith(description)


def test_empty_feeds_are_valid_calendars(tmp_path):
    text = SMALL.replace(
        '[[people]]\nid = "ceo"',
        '[[people]]\nid = "guest"\nname = "嘉宾"\n\n[[people]]\nid = "ceo"',
    )
    plan_into(config.loads(text), tmp_path)
    data = (tmp_path / "people/guest.ics").read_bytes()
    calendar = icalendar.Calendar.from_ical(data)
    assert calendar.events == [] and calendar["X-WR-CALNAME"] == "小型测试节 · 嘉宾"
    assert calendar.timezones == []  # no event refers to one
    assert b"TZID" not in data
    assert vobject.readOne(data.decode()).name == "VCALENDAR"
    assert ics.Calendar(data.decode()).events == set()


def test_uids_are_stable_and_output_is_byte_identical(default_festival, tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    plan_into(default_festival, first)
    plan_into(default_festival, second)
    assert {k: v[0] for k, v in snapshot(first).items()} == {
        k: v[0] for k, v in snapshot(second).items()
    }
    uids = set(instants_by_icalendar((first / "festival.ics").read_bytes()))
    assert uids == {f"{s.id}@ctc-tech-festival-2023" for s in default_festival.sessions}


def test_an_unchanged_rerun_rewrites_nothing(default_festival, tmp_path):
    plan_into(default_festival, tmp_path)
    before = snapshot(tmp_path)
    later = plan_into(default_festival, tmp_path, at=datetime(2023, 9, 20, tzinfo=UTC))
    assert later.published.written == ()
    assert snapshot(tmp_path) == before  # bytes and modification times


def rendering_recorded(monkeypatch) -> list[str]:
    """The paths of the feeds rendered from now on."""
    rendered, real_feed = [], ical.feed

    def feed(festival, entries, path, *args, **kwargs):
        rendered.append(path)
        return real_feed(festival, entries, path, *args, **kwargs)

    monkeypatch.setattr(ical, "feed", feed)
    return rendered


def published_feeds(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in ics_files(folder)}


def test_an_unchanged_rerun_renders_no_feed(default_festival, tmp_path, monkeypatch):
    plan_into(default_festival, tmp_path)
    rendered = rendering_recorded(monkeypatch)
    later = plan_into(default_festival, tmp_path, at=datetime(2023, 9, 20, tzinfo=UTC))
    assert rendered == []
    assert later.published.written == ()
    assert {"festival.ics", "people/president.ics"} <= set(later.published.unchanged)


def test_a_rerun_renders_only_the_feeds_showing_a_changed_session(
    default_festival, tmp_path, monkeypatch
):
    plan_into(default_festival, tmp_path)
    retitled = config.loads(
        DEFAULT_CONFIG.read_text(encoding="utf-8").replace(
            'title = "视联网主题活动"', 'title = "视联网主题活动（新）"'
        )
    )
    rendered = rendering_recorded(monkeypatch)
    later = plan_into(retitled, tmp_path, at=datetime(2023, 9, 20, tzinfo=UTC))
    entry = next(e for e in later.entries if e.session == "video-network")
    showing = {"festival.ics", f"tracks/{entry.track}.ics", f"venues/{entry.venue}.ics"}
    showing |= {f"people/{p}.ics" for p in entry.people}
    assert sorted(rendered) == sorted(showing)
    assert {p for p in later.published.written if p.endswith(".ics")} == showing
    # the feeds kept are exactly what rendering everything anew gives
    everything = planning.outputs(retitled, later.timetable, later.entries)
    assert published_feeds(tmp_path) == {p: b for p, b in everything.items() if p.endswith(".ics")}


def test_a_feed_changed_by_hand_is_rendered_again(default_festival, tmp_path, monkeypatch):
    plan_into(default_festival, tmp_path)
    good = published_feeds(tmp_path)
    (tmp_path / "people" / "president.ics").write_bytes(b"BEGIN:VCALENDAR\r\n")
    (tmp_path / "festival.ics").unlink()
    rendered = rendering_recorded(monkeypatch)
    plan_into(default_festival, tmp_path, at=datetime(2023, 9, 20, tzinfo=UTC))
    assert sorted(rendered) == ["festival.ics", "people/president.ics"]
    assert published_feeds(tmp_path) == good


def test_renaming_the_festival_renders_every_feed_again(default_festival, tmp_path, monkeypatch):
    plan_into(default_festival, tmp_path)
    renamed = replace(default_festival, name="中国电信科技周")
    rendered = rendering_recorded(monkeypatch)
    plan_into(renamed, tmp_path, at=datetime(2023, 9, 20, tzinfo=UTC))
    assert sorted(rendered) == sorted(published_feeds(tmp_path))
    assert all("中国电信科技周".encode() in b for b in published_feeds(tmp_path).values())


def test_a_new_release_renders_every_feed_again(default_festival, tmp_path, monkeypatch):
    plan_into(default_festival, tmp_path)
    monkeypatch.setattr(ical, "__version__", "99.0.0")
    rendered = rendering_recorded(monkeypatch)
    plan_into(default_festival, tmp_path, at=datetime(2023, 9, 20, tzinfo=UTC))
    assert sorted(rendered) == sorted(published_feeds(tmp_path))
    assert all(b"festival 99.0.0" in b for b in published_feeds(tmp_path).values())


def test_a_failure_during_writing_leaves_the_previous_feeds_intact(
    default_festival, tmp_path, monkeypatch
):
    plan_into(default_festival, tmp_path)
    before = snapshot(tmp_path)
    changed = config.loads(
        DEFAULT_CONFIG.read_text(encoding="utf-8").replace(
            'title = "视联网主题活动"', 'title = "视联网主题活动（新）"'
        )
    )
    real_feed = ical.feed

    def failing_feed(festival, entries, path, *args, **kwargs):
        if path == "festival.ics":
            raise RuntimeError("disk on fire")
        return real_feed(festival, entries, path, *args, **kwargs)

    monkeypatch.setattr(ical, "feed", failing_feed)
    with pytest.raises(RuntimeError, match="disk on fire"):
        plan_into(changed, tmp_path, at=datetime(2023, 9, 2, tzinfo=UTC))
    assert snapshot(tmp_path) == before


def test_dst_time_zones_agree_across_parsers(tmp_path):
    shape = generate.Shape(sessions=8, days=14)
    seed = next(
        s
        for s in range(100)
        if "Europe/London" in generate.festival_toml(s, shape)
        and "2023-10-2" in generate.festival_toml(s, shape)
    )
    festival = config.loads(generate.festival_toml(seed, shape))
    plan_into(festival, tmp_path)
    data = (tmp_path / "festival.ics").read_bytes()
    assert b"BEGIN:DAYLIGHT" in data and b"BEGIN:STANDARD" in data
    by_icalendar = instants_by_icalendar(data)
    assert by_vobject_equal(by_icalendar, instants_by_vobject(data))
    assert by_vobject_equal(by_icalendar, instants_by_ics(data))


def test_css_colour_names():
    assert ical.css_color_name("teal") == "teal"
    assert ical.css_color_name("#ff0001") == "red"


def test_the_feed_of_a_removed_person_is_emptied_not_left_stale(tmp_path):
    text = SMALL.replace(
        '[[people]]\nid = "ceo"',
        '[[people]]\nid = "cfo"\nname = "财务官"\n\n[[people]]\nid = "ceo"',
    ).replace('attendance = 30\npeople = ["ceo"]', 'attendance = 30\npeople = ["ceo", "cfo"]')
    plan_into(config.loads(text), tmp_path)
    assert len(instants_by_icalendar((tmp_path / "people/cfo.ics").read_bytes())) == 1
    plan_into(config.loads(SMALL), tmp_path, at=datetime(2023, 9, 2, tzinfo=UTC))
    calendar = icalendar.Calendar.from_ical((tmp_path / "people/cfo.ics").read_bytes())
    assert calendar.events == []
    assert calendar["X-WR-CALNAME"] == "小型测试节 · 财务官"


def test_feeds_are_what_icalendar_itself_writes_for_them(tmp_path):
    """Feeds are assembled from each event's bytes, built once per publication: every
    feed of a generated programme, read back and written again by icalendar, is the same
    bytes, and each person's feed holds exactly their sessions."""
    festival, _ = generate.published_programme(3, generate.Programme(sessions=120, venues=6))
    result = planning.plan(festival, out=tmp_path, at=datetime(2024, 1, 1, tzinfo=UTC))
    feeds = ics_files(tmp_path)
    assert len(feeds) == 1 + len(festival.tracks) + len(festival.venues) + len(festival.people)
    for path in feeds:
        data = path.read_bytes()
        assert icalendar.Calendar.from_ical(data).to_ical() == data, path
    for person in festival.people:
        data = (tmp_path / "people" / f"{person.id}.ics").read_bytes()
        held = {str(e["UID"]) for e in icalendar.Calendar.from_ical(data).events}
        mine = {p.session for p in result.timetable.placements}
        mine = {s for s in mine if person.id in festival.session(s).people}
        assert held == {ical.event_uid(festival, s) for s in mine}


AWKWARD_NAME = 'Data, ML & Web; 2024 \\ "main"'


def test_a_festival_name_with_commas_semicolons_and_backslashes_reads_back_whole(tmp_path):
    """NAME, X-WR-CALNAME, DESCRIPTION and X-WR-CALDESC are TEXT: `,` `;` `\\` escaped,
    so every parser reads the whole name, in every feed and in the served agenda."""
    name = AWKWARD_NAME
    text = SMALL.replace('name = "小型测试节"', 'name = "Data, ML & Web; 2024 \\\\ \\"main\\""')
    text = text.replace('step = "30m"', 'step = "30m"\ndescription = "Talks; data, ML \\\\ web"')
    festival = config.loads(text)
    assert festival.name == name
    plan_into(festival, tmp_path)
    for path in ics_files(tmp_path):
        data = path.read_bytes()
        parsed = icalendar.Calendar.from_ical(data)
        by_vobject = vobject.readOne(data.decode())
        shown = ical.calendar_text(parsed, "X-WR-CALNAME")
        assert shown.startswith(name), path
        assert ical.calendar_text(parsed, "NAME") == shown
        assert by_vobject.contents["x-wr-calname"][0].value == shown, path
        assert by_vobject.contents["name"][0].value == shown, path
        assert str(parsed["DESCRIPTION"]) == ical.calendar_text(parsed, "X-WR-CALDESC")
        assert by_vobject.contents["x-wr-caldesc"][0].value == str(parsed["DESCRIPTION"])
        ics.Calendar(data.decode())  # a third parser accepts it
        unfolded = data.decode().replace("\r\n ", "")
        for key in ("NAME", "X-WR-CALNAME", "DESCRIPTION", "X-WR-CALDESC"):
            line = re.search(rf"^{key}:(.*)\r$", unfolded, re.M).group(1)
            assert not re.search(r"(?<!\\)(?:\\\\)*[,;]", line), (path, line)  # none bare
    festival_feed = icalendar.Calendar.from_ical((tmp_path / "festival.ics").read_bytes())
    assert str(festival_feed["DESCRIPTION"]) == "Talks; data, ML \\ web"


def test_the_agenda_of_an_awkwardly_named_festival_escapes_its_own_name(tmp_path):
    from scheduler import agenda

    text = SMALL.replace('name = "小型测试节"', 'name = "Data, ML & Web; 2024 \\\\ \\"main\\""')
    plan_into(config.loads(text), tmp_path)
    programme = agenda.cut((tmp_path / "festival.ics").read_bytes())
    data = agenda.render(programme, ["keynote"], ["x;y,z"], "en")
    parsed = vobject.readOne(data.decode())
    assert parsed.contents["x-wr-calname"][0].value == f"{AWKWARD_NAME} · my agenda"
    described = parsed.contents["x-wr-caldesc"][0].value
    assert described.startswith(f"1 chosen session of {AWKWARD_NAME}")
    assert str(icalendar.Calendar.from_ical(data)["DESCRIPTION"]) == described


def events_by_uid(data: bytes) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in icalendar.Calendar.from_ical(data).events}


def test_renaming_a_track_a_person_or_a_venue_is_a_new_revision_of_what_shows_it(tmp_path):
    """Google Calendar and Outlook keep an event whose SEQUENCE did not grow: every event
    whose text shows the renamed track, person or venue gets SEQUENCE + 1, the others
    keep theirs (and their bytes)."""
    festival, _ = generate.published_programme(4, generate.Programme(sessions=40, venues=4))
    plan_into(festival, tmp_path, at=datetime(2024, 1, 1, tzinfo=UTC))
    before = events_by_uid((tmp_path / "festival.ics").read_bytes())
    track = festival.tracks[0]
    person = next(p for p in festival.people if any(p.id in s.people for s in festival.sessions))
    venue = festival.venues[0]
    renamed = replace(
        festival,
        tracks=tuple(
            replace(t, name=f"{t.name} (renamed)") if t == track else t for t in festival.tracks
        ),
        people=tuple(
            replace(p, name=f"{p.name} Jr.") if p == person else p for p in festival.people
        ),
        venues=tuple(
            replace(v, name=f"{v.name} Hall") if v == venue else v for v in festival.venues
        ),
    )
    done = plan_into(renamed, tmp_path, at=datetime(2024, 1, 2, tzinfo=UTC))
    after = events_by_uid((tmp_path / "festival.ics").read_bytes())
    placed = {p.session: p for p in done.timetable.placements}
    showing = {
        s.id
        for s in festival.sessions
        if s.track == track.id or person.id in s.people or placed[s.id].venue == venue.id
    }
    assert showing and len(showing) < len(festival.sessions)
    for sid in (s.id for s in festival.sessions):
        uid = ical.event_uid(festival, sid)
        if sid in showing:
            assert after[uid]["SEQUENCE"] == before[uid]["SEQUENCE"] + 1, sid
            assert after[uid].last_modified == datetime(2024, 1, 2, tzinfo=UTC)
        else:
            assert after[uid].to_ical() == before[uid].to_ical(), sid
    track_feed = events_by_uid((tmp_path / f"tracks/{track.id}.ics").read_bytes())
    assert track_feed and all(e["SEQUENCE"] >= 1 for e in track_feed.values())
    assert all(f"{track.name} (renamed)" in e.categories for e in track_feed.values())
    updated = {c.session for c in done.changes}
    assert updated == showing  # each reported as updated, nothing else


def test_a_baseline_written_before_names_counted_revises_nothing(tmp_path):
    """Upgrading alone is no change: a timetable.json whose digests were written without
    the names (as older versions did) is matched, and no event gets a new SEQUENCE."""
    import json

    from scheduler import revisions

    festival = config.load(DEFAULT_CONFIG)
    plan_into(festival, tmp_path)
    path = tmp_path / "timetable.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    old = revisions.read_published(path).entries
    for item in document["sessions"]:
        item["digest"] = revisions._legacy_digest(festival, old[item["id"]])
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    before = (tmp_path / "festival.ics").read_bytes()
    done = plan_into(festival, tmp_path, at=datetime(2023, 9, 5, tzinfo=UTC))
    assert done.changes == ()
    assert (tmp_path / "festival.ics").read_bytes() == before
    assert all(e.sequence == old[e.session].sequence for e in done.entries)
