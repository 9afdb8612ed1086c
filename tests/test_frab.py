"""schedule.json and schedule.xml: every rule of the c3voc schedule format, the same
programme as timetable.json, stable ids across re-plans, and a version that changes
exactly when the programme does."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import pytest
from conftest import DEFAULT_CONFIG, SMALL

from scheduler import config, generate, revisions
from scheduler import plan as planning
from scheduler.errors import InternalError
from scheduler.generate.common import clock_changes
from scheduler.values import ConfigError
from scheduler.writers import frab

PUBLISHED_AT = datetime(2023, 9, 1, 8, 0, tzinfo=UTC)
LATER = datetime(2023, 9, 2, 8, 0, tzinfo=UTC)

# the patterns the c3voc JSON schema and XSD state
ACRONYM = re.compile(r"^[a-z0-9_-][a-z0-9_]{3,}(-2[0-9]{3}-[a-z]+)?$")
SLUG = re.compile(r"^[a-z0-9_-]+[a-z0-9]$")
XSD_SLUG = re.compile(r"[a-z0-9_]{4,}-[a-z0-9\-_]{4,}")
START = re.compile(r"^(0[0-9]|1[0-9]|2[0-3]):[0-5][0-9]$")
DURATION = re.compile(r"^[0-9]+:[0-9]{2}$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
WITH_OFFSET = re.compile(r".+(Z|\+[0-9]{1,2}:[0-9]{2}|-[0-9]{1,2}:[0-9]{2})$")
EVENT_KEYS = {
    "guid", "id", "date", "start", "duration", "room", "slug", "url", "title", "subtitle",
    "track", "type", "language", "abstract", "description", "persons", "links",
}  # fmt: skip
#: every key the schema allows in an event (it allows no others)
EVENT_ALLOWED = EVENT_KEYS | {
    "code", "logo", "end", "recording_license", "do_not_record", "do_not_stream",
    "feedback_url", "origin_url", "attachments",
}  # fmt: skip
REFERENCE_TYPES = {"slides", "paper", "web", "blog", "article", "media", "related", "activitypub"}
XSD_EVENT_REQUIRED = {"room", "title", "type", "date", "start", "duration", "abstract", "track"}
XSD_EVENT_ALLOWED = XSD_EVENT_REQUIRED | {
    "subtitle", "slug", "logo", "persons", "language", "description", "recording", "links",
    "attachments", "video_download_url", "url", "feedback_url", "origin_url",
}  # fmt: skip


def is_uuid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text.lower()
    except ValueError:
        return False


def events_of(document: dict) -> list[tuple[dict, str, dict]]:
    """(day, room name, event) for every event."""
    return [
        (day, room, event)
        for day in document["schedule"]["conference"]["days"]
        for room, listed in day["rooms"].items()
        for event in listed
    ]


def assert_follows_the_format(document: dict, festival) -> None:
    """Every rule of the c3voc schedule.json the issue lists, checked on its own terms."""
    assert set(document) <= {"schedule", "$schema", "generator"}
    assert set(document["generator"]) <= {"name", "version", "url"}
    schedule = document["schedule"]
    assert isinstance(schedule["version"], str) and schedule["version"]
    assert "rooms" not in schedule  # rooms are not allowed directly under schedule
    conference = schedule["conference"]
    for key in ("title", "acronym", "start", "end", "daysCount", "timeslot_duration", "days"):
        assert key in conference, key
    assert ACRONYM.match(conference["acronym"])
    assert DATE.match(conference["start"]) and DATE.match(conference["end"])
    assert re.fullmatch(r"\d{2}:\d{2}", conference["timeslot_duration"])
    assert conference["time_zone_name"] == festival.timezone
    ZoneInfo(conference["time_zone_name"])
    assert conference["daysCount"] == len(conference["days"])
    rooms = [room["name"] for room in conference["rooms"]]
    assert len(set(rooms)) == len(rooms)
    assert all(is_uuid(room["guid"]) for room in conference["rooms"])
    zone = ZoneInfo(festival.timezone)
    for number, day in enumerate(conference["days"], start=1):
        assert set(day) == {"index", "date", "day_start", "day_end", "rooms"}
        assert day["index"] == number
        assert DATE.match(day["date"])
        assert WITH_OFFSET.match(day["day_start"]) and WITH_OFFSET.match(day["day_end"])
        assert set(day["rooms"]) <= set(rooms)
    seen: dict[str, set] = {"guid": set(), "id": set(), "slug": set()}
    for day, room, event in events_of(document):
        assert EVENT_KEYS <= set(event) <= EVENT_ALLOWED, set(event) ^ EVENT_KEYS
        assert is_uuid(event["guid"])
        assert isinstance(event["id"], int) and event["id"] >= 1
        assert WITH_OFFSET.match(event["date"])
        moment = datetime.fromisoformat(event["date"])
        assert moment.utcoffset() == moment.astimezone(zone).utcoffset()  # the zone's offset
        assert START.match(event["start"]) and event["start"] == moment.strftime("%H:%M")
        assert moment.date().isoformat() == day["date"]
        assert DURATION.match(event["duration"])  # HH:MM, never with seconds
        hours, minutes = (int(part) for part in event["duration"].split(":"))
        end = datetime.fromisoformat(event["end"])
        assert end - moment == timedelta(hours=hours, minutes=minutes)
        first, last = (datetime.fromisoformat(day[k]) for k in ("day_start", "day_end"))
        assert first <= moment and end <= last
        assert event["room"] == room and room in rooms
        assert SLUG.match(event["slug"]) and XSD_SLUG.fullmatch(event["slug"])
        assert re.match(r"^[a-z][a-z0-9+.-]*:", event["url"])  # an absolute URI
        for key in ("title", "type"):
            assert isinstance(event[key], str)
        for key in ("subtitle", "track", "language", "abstract", "description"):
            assert event[key] is None or isinstance(event[key], str)
        for person in event["persons"]:
            # both person styles of the format at once, as readers in the wild need: frab's
            # integer id and public_name (ConfClerk, pyfahrplan, c3voc's c3data), pretalx's
            # name; the schema's oneOf between the two styles is the one rule relaxed
            assert set(person) == {"id", "name", "public_name", "guid"}
            assert person["name"] and person["public_name"] == person["name"]
            assert isinstance(person["id"], int) and 1 <= person["id"] <= 2**31 - 1
            assert is_uuid(person["guid"])
        for link in event["links"]:
            assert set(link) <= {"type", "url", "title"} and "url" in link
            assert link.get("type", "related") in REFERENCE_TYPES
            assert re.match(r"^https?://", link["url"])
        assert isinstance(event.get("do_not_record", False), bool)
        for key in seen:
            assert event[key] not in seen[key], f"{key} {event[key]} twice"
            seen[key].add(event[key])


def assert_xml_follows_the_format(data: bytes, document: dict) -> None:
    """schedule.xml: the XSD's structure and unique keys, and the JSON's content."""
    assert data.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    root = ElementTree.fromstring(data)
    assert root.tag == "schedule"
    assert [child.tag for child in root][:3] == ["generator", "version", "conference"]
    schedule = document["schedule"]
    assert root.findtext("version") == schedule["version"]
    conference = root.find("conference")
    assert conference.findtext("acronym") == schedule["conference"]["acronym"]
    assert re.fullmatch(r"[a-z0-9_-]{4,}", conference.findtext("acronym"))
    assert int(conference.findtext("days")) == len(root.findall("day"))
    assert conference.findtext("title") == schedule["conference"]["title"]
    json_events = {e["guid"]: (room, e) for _, room, e in events_of(document)}
    seen: dict[str, set] = {"guid": set(), "id": set(), "slug": set()}
    for number, day in enumerate(root.findall("day"), start=1):
        assert int(day.get("index")) == number
        for key in ("start", "end"):
            assert WITH_OFFSET.match(day.get(key))
        for room in day.findall("room"):
            assert room.get("name") and is_uuid(room.get("guid"))
            for event in room.findall("event"):
                tags = [child.tag for child in event]
                assert len(tags) == len(set(tags))  # xs:all: each once
                assert XSD_EVENT_REQUIRED <= set(tags) <= XSD_EVENT_ALLOWED
                guid = event.get("guid")
                assert is_uuid(guid) and int(event.get("id")) >= 1
                assert XSD_SLUG.fullmatch(event.findtext("slug"))
                for key, value in (
                    ("guid", guid),
                    ("id", event.get("id")),
                    ("slug", event.findtext("slug")),
                ):
                    assert value not in seen[key]
                    seen[key].add(value)
                json_room, twin = json_events.pop(guid)
                assert room.get("name") == json_room == event.findtext("room")
                assert int(event.get("id")) == twin["id"]
                for key in ("date", "start", "duration", "slug", "title", "type", "language"):
                    assert event.findtext(key) == twin[key], key
                assert (event.findtext("description") or "") == (twin["description"] or "")
                assert (event.findtext("track") or None) == twin["track"]
                names = [p.text for p in event.find("persons").findall("person")]
                assert names == [p["name"] for p in twin["persons"]]
                ids = [int(p.get("id")) for p in event.find("persons").findall("person")]
                assert ids == [p["id"] for p in twin["persons"]]
                links = [(a.get("href"), a.text) for a in event.find("links").findall("link")]
                assert links == [(link["url"], link["title"]) for link in twin["links"]]
                optout = event.find("recording").findtext("optout")
                assert optout == ("true" if twin["do_not_record"] else "false")
    assert json_events == {}  # every event of the JSON is in the XML
    assert_person_ids_are_one_per_person(root)


def assert_person_ids_are_one_per_person(root: ElementTree.Element) -> None:
    """Every <person> has an integer id, and one id names one person across the file
    (ConfClerk keys persons by id: a missing one loses them, a shared one merges them)."""
    by_id: dict[int, set[str]] = {}
    by_guid: dict[str, set[int]] = {}
    for person in root.iter("person"):
        number = int(person.get("id"))
        assert number >= 1
        by_id.setdefault(number, set()).add(person.get("guid"))
        by_guid.setdefault(person.get("guid"), set()).add(number)
    assert all(len(guids) == 1 for guids in by_id.values())
    assert all(len(numbers) == 1 for numbers in by_guid.values())


def assert_matches_timetable(document: dict, timetable: dict, festival) -> None:
    """Every session that takes place, and only those, with its start, duration, room
    and title as timetable.json has them."""
    rooms = frab.room_names(festival)
    by_title = {}
    for _, room, event in events_of(document):
        by_title[event["guid"]] = (room, event)
    confirmed = [s for s in timetable["sessions"] if s["status"] == "CONFIRMED"]
    assert len(confirmed) == len(by_title)
    numbers = {e["id"]: (room, e) for room, e in by_title.values()}
    for session in confirmed:
        room, event = numbers[session["number"]]
        start = datetime.fromisoformat(session["start"])
        end = datetime.fromisoformat(session["end"])
        assert datetime.fromisoformat(event["date"]) == start
        hours, minutes = (int(part) for part in event["duration"].split(":"))
        assert timedelta(hours=hours, minutes=minutes) == end - start
        assert room == rooms[session["venue"]]
        assert event["title"] == session["title"]


@pytest.fixture(scope="module")
def default_festival():
    return config.load(DEFAULT_CONFIG)


@pytest.fixture(scope="module")
def published(default_festival, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("calendars")
    planning.plan(default_festival, out=out, at=PUBLISHED_AT)
    return out


def read(folder: Path, name: str = "schedule.json") -> dict:
    return json.loads((folder / name).read_text(encoding="utf-8"))


def test_default_festival_export_follows_the_format(published, default_festival):
    document = read(published)
    assert_follows_the_format(document, default_festival)
    assert_xml_follows_the_format((published / "schedule.xml").read_bytes(), document)
    assert_matches_timetable(document, read(published, "timetable.json"), default_festival)
    assert document["schedule"]["conference"]["daysCount"] == 11  # the days with sessions


def test_event_numbers_are_recorded_in_timetable_json_in_time_order(published):
    sessions = read(published, "timetable.json")["sessions"]
    assert [s["number"] for s in sessions] == list(range(1, len(sessions) + 1))


def test_unchanged_rerun_is_byte_identical(published, default_festival, tmp_path):
    again = tmp_path / "again"
    planning.plan(default_festival, out=again, at=PUBLISHED_AT)
    for name in ("schedule.json", "schedule.xml"):
        assert (again / name).read_bytes() == (published / name).read_bytes()
    planning.plan(default_festival, out=again, at=LATER)  # re-run over its own publication
    for name in ("schedule.json", "schedule.xml"):
        assert (again / name).read_bytes() == (published / name).read_bytes()


def copy_of(folder: Path, tmp_path: Path) -> Path:
    import shutil

    target = tmp_path / "copy"
    shutil.copytree(folder, target)
    return target


def test_a_re_plan_keeps_guid_id_and_slug_and_changes_the_version(published, tmp_path):
    out = copy_of(published, tmp_path)
    before = {e["guid"]: e for _, _, e in events_of(read(out))}
    sessions = read(out, "timetable.json")["sessions"]
    closed_on = next(s for s in sessions if s["id"] == "quantum")["start"][:10]
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    closure = 'closed = ["2023-10-30..2023-11-01"]'
    assert closure in text
    changed = config.loads(
        text.replace(closure, f'closed = ["2023-10-30..2023-11-01", {closed_on}]')
    )
    plan = planning.plan(changed, out=out, at=LATER)
    assert [c.kind for c in plan.changes] == ["moved"]
    after_document = read(out)
    assert_follows_the_format(after_document, changed)
    assert_matches_timetable(after_document, read(out, "timetable.json"), changed)
    after = {e["guid"]: e for _, _, e in events_of(after_document)}
    assert set(after) == set(before)
    for guid, event in after.items():
        assert (event["id"], event["slug"]) == (before[guid]["id"], before[guid]["slug"])
    assert [after[g]["title"] for g in after if after[g]["date"] != before[g]["date"]] == [
        next(s["title"] for s in sessions if s["id"] == "quantum")
    ]
    assert after_document["schedule"]["version"] != read(published)["schedule"]["version"]


def test_cancelled_sessions_are_left_out(published, default_festival, tmp_path):
    out = copy_of(published, tmp_path)
    gone = default_festival.sessions[-1]
    fewer = replace(
        default_festival, sessions=tuple(s for s in default_festival.sessions if s != gone)
    )
    planning.plan(fewer, out=out, at=LATER)
    statuses = {s["id"]: s["status"] for s in read(out, "timetable.json")["sessions"]}
    assert statuses[gone.id] == "CANCELLED"
    slugs = [e["slug"] for _, _, e in events_of(read(out))]
    assert not any(slug.endswith(f"-{gone.id}") for slug in slugs)
    assert len(slugs) == len(default_festival.sessions) - 1
    root = ElementTree.fromstring((out / "schedule.xml").read_bytes())
    assert len(root.findall(".//event")) == len(slugs)


AWKWARD = (
    "Quotes \"double\" and 'single'",
    "Markup <b>&amp;</b> <&> ]]> --> <!--",
    "中文标题：云网融合；（第二场）",
    "Emoji 🎉 and a tab\tinside",
    "Backslash \\ and unicode line\u2028separator",
)


def awkward(festival):
    """`festival` with titles and descriptions no config would write but a bug would
    mishandle: quotes, markup, CJK, newlines and control characters."""
    sessions = tuple(
        replace(
            s,
            title=AWKWARD[i % len(AWKWARD)] + f" {i}",
            description=f"Line one\nline two & <three>\r\n\x0bvertical tab\n{AWKWARD[i % 5]}",
        )
        for i, s in enumerate(festival.sessions)
    )
    return replace(festival, sessions=sessions)


def dst_crossing_seeds(count: int) -> list[int]:
    """Seeds of generated festivals whose window holds a clock change."""
    found = []
    for seed in range(200):
        festival = generate.loads(seed)
        zone = ZoneInfo(festival.timezone)
        if clock_changes(zone, festival.start, festival.end):
            found.append(seed)
        if len(found) == count:
            return found
    raise AssertionError("no generated festival crosses a clock change")


@pytest.mark.parametrize("seed", [0, 1, 2, 3, *dst_crossing_seeds(4)])
def test_generated_festivals_export_follows_the_format(seed, tmp_path):
    festival, timetable = generate.published(seed)
    festival = awkward(festival)
    entries = revisions.revise(festival, timetable, {}, PUBLISHED_AT)
    document = frab.document(festival, entries)
    assert_follows_the_format(document, festival)
    data = frab.render_xml(document)
    assert_xml_follows_the_format(data, document)
    timetable_json = {"sessions": [revisions.entry_to_json(festival, e) for e in entries]}
    assert_matches_timetable(document, timetable_json, festival)
    titles = {e["title"] for _, _, e in events_of(document)}
    assert titles == {s.title for s in festival.sessions}  # nothing escaped twice or lost
    root = ElementTree.fromstring(data)
    assert {e.findtext("title") for e in root.iter("event")} == titles
    defined = {s.id: s.event_id for s in festival.sessions if s.event_id}
    numbers = {e.session: e.number for e in entries}
    assert all(numbers[sid] == number for sid, number in defined.items())


def test_rooms_sharing_a_name_get_the_city():
    festival = config.loads(SMALL.replace('name = "小会议室"', 'name = "大厅"'))
    names = frab.room_names(festival)
    assert names == {"hall": "大厅 (北京)", "room": "大厅 (上海)"}


def test_acronym_is_derived_or_configured_and_checked():
    small = config.loads(SMALL)
    assert frab.acronym(small) == "small"
    short = config.loads(SMALL.replace('id = "small"', 'id = "ab"'))
    assert ACRONYM.match(frab.acronym(short))
    named = config.loads(SMALL.replace('id = "small"', 'id = "small"\nacronym = "pycon-2026-main"'))
    assert frab.acronym(named) == "pycon-2026-main"
    with pytest.raises(ConfigError) as refused:
        config.loads(SMALL.replace('id = "small"', 'id = "small"\nacronym = "Py-Con"'))
    assert "<string>:3: festival.acronym: 'Py-Con' is not an acronym" in str(refused.value)


def test_definition_keys_for_imported_ids_are_checked():
    keys = 'id = "keynote"\nguid = "not-a-uuid"\nevent_id = 0\nlanguage = "english please"'
    with pytest.raises(ConfigError) as refused:
        config.loads(SMALL.replace('id = "keynote"', keys))
    message = str(refused.value)
    assert "sessions[0].guid: 'not-a-uuid' is not a UUID" in message
    assert "sessions[0].event_id: must be at least 1" in message
    assert "sessions[0].language: 'english please' is not a language tag" in message
    twice = SMALL.replace('id = "keynote"', 'id = "keynote"\nevent_id = 7').replace(
        'id = "workshop"', 'id = "workshop"\nevent_id = 7'
    )
    with pytest.raises(ConfigError, match=r"sessions\[1\]\.event_id: duplicate event_id 7"):
        config.loads(twice)


def test_new_sessions_get_numbers_never_used_and_defined_ids_win(tmp_path):
    festival = config.loads(SMALL)
    out = tmp_path / "out"
    first = planning.plan(festival, out=out, at=PUBLISHED_AT)
    numbers = {e.session: e.number for e in first.entries}
    assert sorted(numbers.values()) == [1, 2]
    extra = SMALL + '\n[[sessions]]\nid = "panel"\ntitle = "圆桌"\nduration = "1h"\n'
    extra = extra.replace('id = "keynote"', 'id = "keynote"\nevent_id = 2')
    second = planning.plan(config.loads(extra), out=out, at=LATER)
    renumbered = {e.session: e.number for e in second.entries}
    assert renumbered["keynote"] == 2  # the definition's event_id
    assert renumbered["workshop"] != 2
    assert len(set(renumbered.values())) == 3
    assert renumbered["panel"] > max(numbers.values())


def test_an_inconsistent_export_is_a_bug_never_published():
    document = {
        "schedule": {
            "version": "x",
            "conference": {
                "acronym": "small",
                "rooms": [{"name": "大厅", "guid": str(uuid.uuid4())}],
                "days": [
                    {
                        "rooms": {
                            "大厅": [
                                {"guid": "g", "id": 1, "slug": "small-1-a", "room": "大厅"},
                                {"guid": "g", "id": 1, "slug": "small-1-a", "room": "大厅"},
                            ]
                        }
                    }
                ],
            },
        }
    }
    with pytest.raises(InternalError, match="guid 'g' used 2 times"):
        frab.check(document)


def test_baseline_with_a_repeated_number_is_refused(published, tmp_path):
    path = tmp_path / "timetable.json"
    document = read(published, "timetable.json")
    document["sessions"][1]["number"] = document["sessions"][0]["number"]
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(revisions.BaselineError, match=r"sessions\[1\]\.number: 1 is also"):
        revisions.read_published(path)


def test_people_keep_their_numbers_across_re_plans_and_renames_and_none_is_reused(tmp_path):
    """Each person's <person id> is given once, recorded in timetable.json and kept: a
    re-plan that moves sessions and renames people keeps every number; a person removed
    keeps theirs reserved, so a new person gets a number never used."""
    festival, _ = generate.published_programme(6, generate.Programme(sessions=40, venues=4))
    out = tmp_path / "out"
    planning.plan(festival, out=out, at=PUBLISHED_AT)
    recorded = read(out, "timetable.json")["people"]
    assert set(recorded) == {p.id for p in festival.people}
    assert sorted(recorded.values()) == list(range(1, len(festival.people) + 1))

    def exported(folder: Path) -> dict[str, int]:
        """guid → number, from schedule.xml's <person> elements."""
        root = ElementTree.fromstring((folder / "schedule.xml").read_bytes())
        assert_person_ids_are_one_per_person(root)
        return {p.get("guid"): int(p.get("id")) for p in root.iter("person")}

    before = exported(out)
    assert before and len(set(before.values())) == len(before)
    renamed = replace(
        festival,
        people=tuple(replace(p, name=f"{p.name} (Dr.)") for p in festival.people[1:]),
        sessions=tuple(
            replace(s, people=tuple(p for p in s.people if p != festival.people[0].id))
            for s in festival.sessions
        ),
        venues=festival.venues[1:] + festival.venues[:1],
    )
    newcomer = replace(festival.people[1], id="newcomer", name="Newcomer", guid="")
    with_newcomer = replace(
        renamed,
        people=(*renamed.people, newcomer),
        sessions=(replace(renamed.sessions[0], people=("newcomer",)), *renamed.sessions[1:]),
    )
    planning.plan(with_newcomer, out=out, at=LATER)
    after = read(out, "timetable.json")["people"]
    gone = festival.people[0].id
    assert after[gone] == recorded[gone]  # reserved, not given to anyone else
    assert all(after[p] == recorded[p] for p in recorded)
    assert after["newcomer"] == max(recorded.values()) + 1
    kept = exported(out)
    assert all(kept[guid] == number for guid, number in kept.items() if guid in before)
    document = read(out)
    names = {p["id"]: p["name"] for _, _, e in events_of(document) for p in e["persons"]}
    assert names[after[festival.people[1].id]] == f"{festival.people[1].name} (Dr.)"


def test_a_defined_person_id_wins_and_is_checked(tmp_path):
    text = SMALL.replace('name = "总经理"', 'name = "总经理"\nperson_id = 228')
    planning.plan(config.loads(text), out=tmp_path, at=PUBLISHED_AT)
    root = ElementTree.fromstring((tmp_path / "schedule.xml").read_bytes())
    assert {p.get("id") for p in root.iter("person")} == {"228"}
    assert read(tmp_path, "timetable.json")["people"] == {"ceo": 228}
    twice = SMALL.replace(
        '[[people]]\nid = "ceo"\nname = "总经理"',
        '[[people]]\nid = "ceo"\nname = "总经理"\nperson_id = 7\n\n'
        '[[people]]\nid = "cfo"\nname = "财务官"\nperson_id = 7',
    )
    with pytest.raises(ConfigError, match=r"people\[1\]\.person_id: duplicate person_id 7"):
        config.loads(twice)
    with pytest.raises(ConfigError, match=r"people\[0\]\.person_id: must be at least 1"):
        config.loads(text.replace("person_id = 228", "person_id = 0"))


@pytest.mark.parametrize(
    ("people", "expected"),
    [
        ('"nope"', "people: expected an object"),
        ('{"ceo": "one"}', "people.ceo: expected a whole number, found text"),
        ('{"ceo": 0}', "people.ceo: expected a number from 1 to"),
        ('{"ceo": 3, "cfo": 3}', "people.cfo: 3 is also the number of 'ceo'"),
        ('{"Not An Id": 3}', "people.Not An Id: expected a person id"),
    ],
)
def test_a_baseline_with_bad_person_numbers_is_refused(tmp_path, people, expected):
    planning.plan(config.loads(SMALL), out=tmp_path, at=PUBLISHED_AT)
    path = tmp_path / "timetable.json"
    text = path.read_text(encoding="utf-8")
    document = json.loads(text)
    document["people"] = json.loads(people)
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(revisions.BaselineError) as refused:
        revisions.read_published(path)
    assert expected in str(refused.value)


def test_where_the_festival_takes_place_is_in_schedule_xml():
    """ConfClerk's "Where" comes from <conference><venue> and <city>: given by the
    definition, the city else the one city all venues share."""
    one_city = SMALL.replace('city = "上海"', 'city = "北京"')
    placed = config.loads(
        one_city.replace('id = "small"', 'id = "small"\nvenue = "国家会议中心 <A&B>"')
    )
    conference = ElementTree.fromstring(frab.outputs(placed, ())["schedule.xml"]).find("conference")
    assert conference.findtext("venue") == "国家会议中心 <A&B>"
    assert conference.findtext("city") == "北京"
    two_cities = ElementTree.fromstring(frab.outputs(config.loads(SMALL), ())["schedule.xml"])
    assert two_cities.find("conference/city") is None  # two cities and no [festival] city
    named = config.loads(SMALL.replace('id = "small"', 'id = "small"\ncity = "京沪"'))
    root = ElementTree.fromstring(frab.outputs(named, ())["schedule.xml"])
    assert root.findtext("conference/city") == "京沪"
    assert (
        "venue"
        not in json.loads(frab.outputs(placed, ())["schedule.json"])["schedule"]["conference"]
    )  # the JSON schema allows no such key


def test_what_a_session_states_for_apps_is_exported_and_shown():
    """type, subtitle, abstract (apart from the description), links and do_not_record:
    in schedule.json and schedule.xml, and the subtitle and abstract in the feeds."""
    text = SMALL.replace(
        'people = ["ceo"]\n\n[[sessions]]',
        'people = ["ceo"]\ntype = "keynote"\nsubtitle = "Twenty years, in one hour"\n'
        'abstract = "Short & sweet <summary>."\ndescription = "The long text."\n'
        'links = [{ title = "Slides", url = "https://example.org/s.pdf?a=1&b=2" }, '
        '{ url = "https://example.org/" }]\ndo_not_record = true\n\n[[sessions]]',
        1,
    )
    festival = config.loads(text)
    done = planning.plan(festival, out=None, at=PUBLISHED_AT)
    files = frab.outputs(festival, done.entries)
    document = json.loads(files["schedule.json"])
    events = {e["slug"].rsplit("-", 1)[-1]: e for _, _, e in events_of(document)}
    keynote, workshop = events["keynote"], events["workshop"]
    assert keynote["type"] == "keynote" and workshop["type"] == "talk"
    assert keynote["subtitle"] == "Twenty years, in one hour"
    assert keynote["abstract"] == "Short & sweet <summary>."
    assert keynote["description"] == "The long text."
    assert keynote["links"] == [
        {"title": "Slides", "url": "https://example.org/s.pdf?a=1&b=2", "type": "related"},
        {"title": "https://example.org/", "url": "https://example.org/", "type": "related"},
    ]
    assert keynote["do_not_record"] is True and workshop["do_not_record"] is False
    assert_follows_the_format(document, festival)
    assert_xml_follows_the_format(files["schedule.xml"], document)
    root = ElementTree.fromstring(files["schedule.xml"])
    event = next(e for e in root.iter("event") if e.findtext("slug").endswith("keynote"))
    assert event.findtext("abstract") == "Short & sweet <summary>."
    assert event.find("links/link").get("href") == "https://example.org/s.pdf?a=1&b=2"
    from scheduler.writers import ical

    feed = ical.outputs(festival, done.entries)["festival.ics"]
    import icalendar

    shown = next(
        str(e["DESCRIPTION"])
        for e in icalendar.Calendar.from_ical(feed).events
        if str(e["UID"]).startswith("keynote@")
    )
    assert shown.endswith(
        "\n\nTwenty years, in one hour\n\nShort & sweet <summary>.\n\nThe long text."
    )


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('type = ""', "sessions[0].type: '' is not a session type"),
        ('subtitle = "two\\nlines"', "sessions[0].subtitle: 'two\\nlines' runs over several lines"),
        ('links = "https://x.org"', "sessions[0].links: expected a list of links"),
        ('links = [{ url = "ftp://x" }]', "sessions[0].links: [0].url: 'ftp://x' is not a web"),
        ('links = [{ title = "x" }]', "sessions[0].links: [0] is not a link"),
        ("do_not_record = 1", "sessions[0].do_not_record: 1 is not true or false"),
    ],
)
def test_bad_app_keys_are_one_line_each(line, expected):
    text = SMALL.replace('duration = "2h"', f'duration = "2h"\n{line}')
    with pytest.raises(ConfigError) as refused:
        config.loads(text)
    assert f"<string>:39: {expected}" in str(refused.value)
