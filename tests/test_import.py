"""festival import: frab schedule.xml and c3voc schedule.json become a definition that
passes its own check, keeps what is consistent, and lists every problem."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from conftest import DEFAULT_CONFIG

from scheduler import config, frab_reader, generate, importer, validate
from scheduler import plan as planning
from scheduler.cli import cli
from scheduler.writers import frab

PUBLISHED_AT = datetime(2023, 9, 1, 8, 0, tzinfo=UTC)


def events_of(document: dict) -> list[dict]:
    return [
        event
        for day in document["schedule"]["conference"]["days"]
        for listed in day["rooms"].values()
        for event in listed
    ]


def talks(document: dict) -> list[tuple]:
    """What describes the programme: each talk's title, start, duration, room, persons."""
    return sorted(
        (e["title"], e["date"], e["duration"], e["room"], tuple(p["name"] for p in e["persons"]))
        for e in events_of(document)
    )


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("calendars")
    planning.plan(config.load(DEFAULT_CONFIG), out=out, at=PUBLISHED_AT)
    return out


@pytest.mark.parametrize("name", ["schedule.xml", "schedule.json"])
def test_round_trip_import_plan_export_describes_the_same_programme(published, name, tmp_path):
    imported = importer.definition(frab_reader.read(published / name), origin=name)
    assert imported.problems == ()
    festival = config.loads(imported.text)
    out = tmp_path / "out"
    planning.plan(festival, out=out, at=PUBLISHED_AT)
    before = json.loads((published / "schedule.json").read_text(encoding="utf-8"))
    after = json.loads((out / "schedule.json").read_text(encoding="utf-8"))
    assert talks(after) == talks(before)
    # the same events for the apps: guids, ids and slugs kept
    ids = sorted((e["guid"], e["id"], e["slug"]) for e in events_of(before))
    assert sorted((e["guid"], e["id"], e["slug"]) for e in events_of(after)) == ids
    rooms = [(r["name"], r["guid"]) for r in before["schedule"]["conference"]["rooms"]]
    assert {(r["name"], r["guid"]) for r in after["schedule"]["conference"]["rooms"]} >= {
        (name, guid) for name, guid in rooms if any(e["room"] == name for e in events_of(before))
    }


def offset(zone: str, day: str, clock: str) -> str:
    """The UTC offset of a wall-clock time on `zone`'s clock, as +HH:MM (first pass)."""
    wall = datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=ZoneInfo(zone))
    text = wall.strftime("%z")
    return f"{text[:3]}:{text[3:]}"


def frab_xml(
    events: list[dict],
    *,
    zone: str = "Europe/Berlin",
    day_end: str = "22:00",
    window: tuple[str, str] | None = None,
) -> bytes:
    """A frab-style schedule.xml of `events`, written here from the format's description:
    each event's `day`, `start` (wall clock on `zone`, or with an explicit `offset`),
    `duration`, `room`, `title`, and optionally `persons` as (id, name) pairs. The
    conference's dates are `window`, else the events' first and last."""
    days: dict[str, dict[str, list[dict]]] = {}
    for event in events:
        days.setdefault(event["day"], {}).setdefault(event["room"], []).append(event)
    first, last = window or (min(days), max(days))
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<schedule>",
        "  <version>Kopernikus</version>",
        "  <conference>",
        "    <acronym>messycon24</acronym>",
        "    <title>Messy Con &amp; Friends</title>",
        f"    <start>{first}</start><end>{last}</end><days>{len(days)}</days>",
        "    <timeslot_duration>00:15</timeslot_duration>",
        f"    <time_zone_name>{zone}</time_zone_name>",
        "  </conference>",
    ]
    for index, (day, rooms) in enumerate(sorted(days.items()), start=1):
        opens = f"{day}T09:00:00{offset(zone, day, '09:00')}"
        closes = f"{day}T{day_end}:00{offset(zone, day, day_end)}"
        lines.append(f'  <day index="{index}" date="{day}" start="{opens}" end="{closes}">')
        for room, held in rooms.items():
            lines.append(f"    <room name={quoteattr(room)}>")
            for e in held:
                at = e.get("offset") or offset(zone, day, e["start"])
                lines.append(f'      <event id="{e["id"]}" guid="{e.get("guid", "")}">')
                lines.append(f"        <date>{day}T{e['start']}:00{at}</date>")
                lines.append(f"        <start>{e['start']}</start>")
                lines.append(f"        <duration>{e['duration']}</duration>")
                lines.append(f"        <room>{escape(room)}</room>")
                lines.append(f"        <slug>messycon24-{e['id']}-{e.get('slug', 'talk')}</slug>")
                lines.append(f"        <title>{escape(e['title'])}</title>")
                lines.append("        <subtitle/><track>Main</track><type>lecture</type>")
                lines.append("        <language>en</language>")
                lines.append(f"        <abstract>{escape(e.get('abstract', ''))}</abstract>")
                lines.append(
                    f"        <description>{escape(e.get('description', ''))}</description>"
                )
                if "persons" in e:
                    lines.append("        <persons>")
                    for pid, name in e["persons"]:
                        lines.append(f'          <person id="{pid}">{escape(name)}</person>')
                    lines.append("        </persons>")
                lines.append("      </event>")
            lines.append("    </room>")
        lines.append("  </day>")
    lines.append("</schedule>")
    return "\n".join(lines).encode("utf-8")


SAT, SUN = "2024-03-30", "2024-03-31"
MESSY = [
    # consistent
    dict(id=1, day=SAT, room="Saal 1", start="10:00", duration="00:45", title="Opening",
         persons=[(7, "Ada")], abstract="Welcome.", description="Welcome.\r\nAll of you."),
    dict(id=2, day=SUN, room="Saal 1", start="01:30", duration="01:00", title="Through the gap",
         persons=[(8, "Grace")]),
    # overlapping events in one room
    dict(id=3, day=SAT, room="Saal 2", start="11:00", duration="01:00", title="First <&> one",
         persons=[(9, "Linus")]),
    dict(id=4, day=SAT, room="Saal 2", start="11:30", duration="00:30", title="Clashing \"quoted\"",
         persons=[(10, "Margaret")]),
    # a person in two rooms at once
    dict(id=5, day=SAT, room="Saal 1", start="14:00", duration="01:00", title="Ada in one",
         persons=[(7, "Ada")]),
    dict(id=6, day=SAT, room="Saal 2", start="14:15", duration="00:30", title="Ada in two",
         persons=[(7, "Ada")]),
    # durations of nothing and of more than a day
    dict(id=7, day=SAT, room="Saal 1", start="16:00", duration="0:00", title="Empty",
         persons=[]),
    dict(id=8, day=SAT, room="Saal 1", start="17:00", duration="25:00", title="Marathon",
         persons=[]),
    # outside the day's bounds
    dict(id=9, day=SUN, room="Saal 2", start="23:00", duration="00:30", title="Late night",
         persons=[(11, "Barbara")]),
    # a repeated id, missing persons, a person without a name
    dict(id=1, day=SUN, room="Saal 2", start="10:00", duration="00:30", title="Duplicate id",
         persons=[(12, "Ken")], slug="again"),
    dict(id=10, day=SUN, room="Saal 1", start="12:00", duration="00:30", title="Nobody listed"),
    dict(id=11, day=SUN, room="Saal 1", start="13:00", duration="00:30", title="Nameless",
         persons=[(13, "")]),
    # off the grid, past midnight, decades away
    dict(id=12, day=SAT, room="Saal 2", start="10:07", duration="00:30", title="Off the grid",
         persons=[]),
    dict(id=13, day=SAT, room="Saal 1", start="23:30", duration="01:00", title="Past midnight",
         persons=[]),
    dict(id=14, day="1970-01-01", room="Saal 1", start="10:00", duration="00:30",
         title="Epoch", persons=[]),
]  # fmt: skip


@pytest.fixture
def messy_xml(tmp_path) -> Path:
    path = tmp_path / "schedule.xml"
    path.write_bytes(frab_xml(MESSY, window=(SAT, SUN)))
    return path


def problem_about(problems: tuple[str, ...], number: int, title: str) -> list[str]:
    return [p for p in problems if p.startswith(f"event {number} {title!r}")]


def test_messy_frab_xml_imports_what_is_consistent_and_lists_every_problem(messy_xml, tmp_path):
    imported = importer.definition(frab_reader.read(messy_xml), origin="schedule.xml")
    problems = imported.problems
    assert problem_about(problems, 4, 'Clashing "quoted"')[0].endswith(
        "overlaps event 3 'First <&> one' in room 'Saal 2'; the plan separates them"
    )
    assert "'Ada' is also in event 5 'Ada in one'" in problem_about(problems, 6, "Ada in two")[0]
    assert "is empty; left out" in problem_about(problems, 7, "Empty")[0]
    assert "longer than a day; left out" in problem_about(problems, 8, "Marathon")[0]
    assert "lies outside its day" in problem_about(problems, 9, "Late night")[0]
    assert "id 1 is used by an earlier event" in problem_about(problems, 1, "Duplicate id")[0]
    assert "lists no persons" in problem_about(problems, 10, "Nobody listed")[0]
    assert "person without a name" in problem_about(problems, 11, "Nameless")[0]
    assert "off the 15-minute grid" in problem_about(problems, 12, "Off the grid")[0]
    assert "runs past midnight" in " ".join(problem_about(problems, 13, "Past midnight"))
    assert "a year or more from the conference's dates" in problem_about(problems, 14, "Epoch")[0]
    festival = config.loads(imported.text)
    titles = {s.title for s in festival.sessions}
    assert titles == {e["title"] for e in MESSY} - {"Empty", "Marathon", "Epoch"}
    assert imported.sessions == len(MESSY) - 3
    assert (festival.start.isoformat(), festival.end.isoformat()) == (SAT, SUN)
    by_title = {s.title: s for s in festival.sessions}
    assert by_title["Opening"].description == "Welcome.\nAll of you."
    assert by_title["Duplicate id"].event_id is None  # its id goes to the first
    assert by_title["Opening"].event_id == 1
    assert festival.timezone == "Europe/Berlin" and festival.step == 15
    # the published place is a wish: room and start, on the festival's clock
    gap = by_title["Through the gap"]
    assert gap.wishes[0].venues == ("saal-1",)
    assert gap.wishes[1].time == (90, 210) and str(gap.wishes[1].dates[0]) == SUN  # 1 h, DST
    # planned: a valid timetable that keeps every published place it can
    plan = planning.plan(festival, out=tmp_path / "out", at=PUBLISHED_AT)
    assert validate.violations(festival, plan.timetable) == []
    kept = kept_in_place(festival, plan.timetable)
    # at most one of each clashing pair moves; the off-grid one cannot keep its start
    assert kept >= len(festival.sessions) - 3


def kept_in_place(festival, timetable) -> int:
    """Sessions at their wished room and start."""
    kept = 0
    for placement in timetable.placements:
        session = festival.session(placement.session)
        room, when = session.wishes[0], session.wishes[1] if len(session.wishes) > 1 else None
        local = placement.start.astimezone(ZoneInfo(festival.timezone))
        at_time = when is None or (
            local.date() in when.dates and local.hour * 60 + local.minute == when.time[0]
        )
        kept += placement.venue in room.venues and at_time
    return kept


def test_fixed_import_fixes_the_consistent_events_and_plans(messy_xml, tmp_path):
    imported = importer.definition(frab_reader.read(messy_xml), fixed=True)
    festival = config.loads(imported.text)
    fixed = {s.title: s.fixed for s in festival.sessions if s.fixed}
    for loose in ('Clashing "quoted"', "Ada in two", "Off the grid", "Past midnight"):
        assert loose not in fixed
    assert fixed["Through the gap"].start == datetime(2024, 3, 31, 0, 30, tzinfo=UTC)
    assert "only the first is fixed" in problem_about(imported.problems, 4, 'Clashing "quoted"')[0]
    plan = planning.plan(festival, out=tmp_path / "out", at=PUBLISHED_AT)
    placed = {p.session: p for p in plan.timetable.placements}
    for session in festival.sessions:
        if session.fixed:
            assert placed[session.id].start == session.fixed.start
            assert placed[session.id].venue == session.fixed.venue


def c3voc_json(problems_too: bool = True) -> dict:
    """A c3voc/pretalx-style schedule.json written here: persons as frab gives them
    (public_name and id), as pretalx does (code) and as c3voc does (name and guid)."""

    def event(number, room, start, duration, title, persons, guid=None):
        return {
            "id": number,
            "guid": guid or f"00000000-0000-4000-8000-{number:012d}",
            "date": f"2023-12-27T{start}:00+01:00",
            "start": start,
            "duration": duration,
            "room": room,
            "slug": f"37c3-{number}-{title.lower().replace(' ', '_')}",
            "url": f"https://example.org/{number}",
            "title": title,
            "subtitle": "",
            "track": "Hardware",
            "type": "lecture",
            "language": "de",
            "abstract": "",
            "description": "",
            "persons": persons,
            "links": [],
        }

    events = [
        event(101, "Saal Gelb", "11:00", "00:40", "Badges", [{"id": 5, "public_name": "Kim"}]),
        event(102, "Saal Gelb", "12:00", "00:40", "Radios", [{"code": "AB12CD", "name": "Lee"}]),
        event(103, "Saal Grün", "12:00", "00:40", "Chips",
              [{"name": "Kim", "guid": "11111111-2222-4333-8444-555555555555"}]),
    ]  # fmt: skip
    if problems_too:
        events.append(event(104, "Saal Grün", "13:00", "99:99", "Broken", []))
        events.append(event(105, "Saal Pink", "14:00", "00:30", "Unlisted room", []))
        events.append(
            event(106, "Saal Grün", "15:00", "00:30", "Same guid", [], guid=events[0]["guid"])
        )
    return {
        "$schema": "https://c3voc.de/schedule/schema.json",
        "schedule": {
            "version": "1.0",
            "conference": {
                "acronym": "37c3",
                "title": "37th Chaos Communication Congress",
                "start": "2023-12-27",
                "end": "2023-12-27",
                "daysCount": 1,
                "timeslot_duration": "00:05",
                "time_zone_name": "Europe/Berlin",
                "rooms": [
                    {
                        "name": "Saal Gelb",
                        "guid": "aaaaaaaa-0000-4000-8000-000000000001",
                        "capacity": 900,
                    },
                    {"name": "Saal Grün", "guid": "aaaaaaaa-0000-4000-8000-000000000002"},
                ],
                "days": [
                    {
                        "index": 1,
                        "date": "2023-12-27",
                        "day_start": "2023-12-27T10:00:00+01:00",
                        "day_end": "2023-12-28T03:00:00+01:00",
                        "rooms": {
                            "Saal Gelb": [e for e in events if e["room"] == "Saal Gelb"],
                            "Saal Grün": [e for e in events if e["room"] != "Saal Gelb"],
                        },
                    }
                ],
            },
        },
    }


def test_c3voc_json_with_every_kind_of_person(tmp_path):
    path = tmp_path / "schedule.json"
    path.write_text(json.dumps(c3voc_json(), ensure_ascii=False), encoding="utf-8")
    imported = importer.definition(frab_reader.read(path))
    problems = imported.problems
    assert "duration '99:99' is not HH:MM" in problem_about(problems, 104, "Broken")[0]
    assert (
        "room 'Saal Pink' is not listed; added" in problem_about(problems, 105, "Unlisted room")[0]
    )
    assert "is used by an earlier event; a new guid" in problem_about(problems, 106, "Same guid")[0]
    festival = config.loads(imported.text)
    names = sorted(p.name for p in festival.people)
    assert names == ["Kim", "Kim", "Lee"]  # two people named Kim: the source says so
    venues = {v.name: v for v in festival.venues}
    assert venues["Saal Gelb"].capacity == 900 and venues["Saal Grün"].capacity == 0
    assert venues["Saal Gelb"].guid == "aaaaaaaa-0000-4000-8000-000000000001"
    assert {s.language for s in festival.sessions} == {"de"}
    assert festival.acronym == "37c3" and festival.timezone == "Europe/Berlin"
    ids = {s.title: s.id for s in festival.sessions}
    assert ids["Badges"] == "badges"  # the slug's tail after <acronym>-<id>-


def test_import_is_the_same_on_every_run(messy_xml):
    first = importer.definition(frab_reader.read(messy_xml)).text
    assert importer.definition(frab_reader.read(messy_xml)).text == first


def test_a_generated_programme_keeps_every_talk_in_its_published_room(tmp_path):
    festival, timetable = generate.published_programme(3, generate.Programme(sessions=60, venues=6))
    from scheduler import revisions

    entries = revisions.revise(festival, timetable, {}, PUBLISHED_AT)
    path = tmp_path / "schedule.xml"
    path.write_bytes(frab.render_xml(frab.document(festival, entries)))
    imported = importer.definition(frab_reader.read(path))
    assert imported.problems == ()
    again = config.loads(imported.text)
    plan = planning.plan(again, out=None, at=PUBLISHED_AT)
    assert kept_in_place(again, plan.timetable) == len(again.sessions)


# --- the command ----------------------------------------------------------------


def test_cli_writes_a_definition_that_festival_check_accepts(messy_xml, tmp_path):
    runner = CliRunner()
    target = tmp_path / "imported.toml"
    result = runner.invoke(cli, ["import", str(messy_xml), "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert "Warning: " in result.stderr and "event 8 'Marathon'" in result.stderr
    assert f"Imported 12 sessions, 2 rooms and 6 people from {messy_xml} into {target}" in (
        result.stderr
    )
    assert runner.invoke(cli, ["check", str(target)]).exit_code == 0
    refused = runner.invoke(cli, ["import", str(messy_xml), "-o", str(target)])
    assert refused.exit_code == 2 and "exists; pass --force" in refused.stderr
    assert (
        runner.invoke(cli, ["import", str(messy_xml), "-o", str(target), "--force"]).exit_code == 0
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"hello", "neither XML nor JSON"),
        (b"<schedule>\n<conference>\n</schedule>", "schedule.bad:3: not well-formed XML"),
        (
            b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "aaaa">]><schedule>&a;</schedule>',
            "declares entities or a DTD",
        ),
        (b"<html><body/></html>", "not a schedule.xml"),
        (b'{"schedule": {"conference": {"days": [', "schedule.bad:1: not JSON"),
        (b'{"talks": []}', "no schedule.conference object"),
    ],
)
def test_cli_refuses_what_is_not_a_schedule_in_one_line(tmp_path, content, message):
    path = tmp_path / "schedule.bad"
    path.write_bytes(content)
    result = CliRunner().invoke(cli, ["import", str(path)])
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1


def test_event_times_in_a_repeated_hour_keep_their_instant(tmp_path):
    """An event in the second 02:30 of the night clocks go back keeps its instant."""
    events = [
        dict(id=1, day="2024-10-27", room="Saal 1", start="02:30", offset="+01:00",
             duration="00:30", title="Second pass", persons=[]),
    ]  # fmt: skip
    path = tmp_path / "schedule.xml"
    path.write_bytes(frab_xml(events))
    imported = importer.definition(frab_reader.read(path), fixed=True)
    festival = config.loads(imported.text)
    assert festival.sessions[0].fixed.start == datetime(2024, 10, 27, 1, 30, tzinfo=UTC)
    plan = planning.plan(festival, out=None, at=PUBLISHED_AT)
    assert plan.timetable.placements[0].start == datetime(2024, 10, 27, 1, 30, tzinfo=UTC)
