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
    assert "duration '99:99' is not H:MM or HH:MM[:SS]" in problem_about(problems, 104, "Broken")[0]
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
            "declares a DTD or entities",
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


# --- faithful imports: the zone, wall-clock times, what apps show -------------------------


def fosdem_like_xml(*, zone_name: str | None = None, offsets: bool = False) -> bytes:
    """A schedule written as FOSDEM's is: wall-clock times, no time_zone_name, a venue and
    a city, HTML abstracts, slugs without the acronym, persons with ids, links, a type."""
    head = f"<time_zone_name>{zone_name}</time_zone_name>" if zone_name else ""
    at = "+01:00" if offsets else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<schedule>
  <conference>
    <title>FOSDEM 2020</title><subtitle/>
    <venue>ULB (Université Libre de Bruxelles)</venue><city>Brussels</city>
    <start>2020-02-01</start><end>2020-02-02</end><days>2</days>
    <day_change>09:00:00</day_change><timeslot_duration>00:05:00</timeslot_duration>{head}
  </conference>
  <day index="1" date="2020-02-01">
    <room name="Janson">
      <event id="10715">
        <date>2020-02-01T10:00:00{at}</date>
        <start>10:00</start><duration>00:50</duration><room>Janson</room>
        <slug>linux_kernel</slug>
        <title>The Linux Kernel: We have to finish this thing one day ;)</title>
        <subtitle>Solving big problems in small steps</subtitle>
        <track>Keynotes</track><type>keynote</type><language/>
        <abstract>&lt;p&gt;Today's kernel &amp;amp; the early ones.&lt;/p&gt;&lt;p&gt;Two
paragraphs.&lt;/p&gt;</abstract>
        <description>&lt;ul&gt;&lt;li&gt;one&lt;/li&gt;&lt;li&gt;two with
&lt;a href="https://kernel.org"&gt;a link&lt;/a&gt;&lt;/li&gt;&lt;/ul&gt;</description>
        <persons><person id="7368">Thorsten Leemhuis</person></persons>
        <recording><license/><optout>true</optout></recording>
        <links>
          <link href="https://video.fosdem.org/2020/Janson/linux_kernel.webm">Video (WebM)</link>
          <link href="dat://not-the-web/">Elsewhere</link>
        </links>
      </event>
      <event id="9025">
        <date>2020-02-01T09:30:00{at}</date>
        <start>09:30</start><duration>00:25</duration><room>Janson</room>
        <slug>keynotes_welcome</slug><title>Welcome to FOSDEM 2020</title>
        <track>Keynotes</track><type>keynote</type>
        <abstract>&lt;p&gt;Welcome.&lt;/p&gt;</abstract><description/>
        <persons><person id="6">FOSDEM Staff</person></persons>
      </event>
    </room>
  </day>
</schedule>
""".encode()


def test_a_schedule_without_a_zone_needs_timezone_and_keeps_its_wall_clock(tmp_path):
    """FOSDEM's schedule.xml gives Brussels wall-clock times and no zone: read as UTC they
    were an hour late everywhere. Without --timezone it is refused, naming the option;
    with it every event starts at its wall-clock time in Brussels."""
    path = tmp_path / "schedule.xml"
    path.write_bytes(fosdem_like_xml())
    runner = CliRunner()
    refused = runner.invoke(cli, ["import", str(path), "-o", str(tmp_path / "f.toml")])
    assert refused.exit_code == 2 and "Traceback" not in refused.output
    assert "--timezone" in refused.stderr and "names no time zone" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "f.toml").exists()
    target = tmp_path / "f.toml"
    done = runner.invoke(
        cli, ["import", str(path), "--timezone", "Europe/Brussels", "-o", str(target)]
    )
    assert done.exit_code == 0, done.output
    festival = config.load(target)
    assert festival.timezone == "Europe/Brussels"
    plan = planning.plan(festival, out=tmp_path / "out", at=PUBLISHED_AT)
    starts = {
        p.session: p.start.astimezone(ZoneInfo("Europe/Brussels")).strftime("%H:%M")
        for p in plan.timetable.placements
    }
    assert starts == {"linux_kernel": "10:00", "keynotes_welcome": "09:30"}
    page = (tmp_path / "out/index.html").read_text(encoding="utf-8")
    assert "Times in Europe/Brussels" in page
    assert "Today&#39;s kernel &amp; the early ones." in page and "&lt;p&gt;" not in page
    bad = runner.invoke(cli, ["import", str(path), "--timezone", "Europe/Bruxelles"])
    assert bad.exit_code == 2 and "--timezone: 'Europe/Bruxelles' is not an IANA" in bad.stderr


def test_one_offset_on_every_event_is_a_fixed_offset_zone_and_said_so(tmp_path):
    path = tmp_path / "schedule.xml"
    path.write_bytes(fosdem_like_xml(offsets=True))
    imported = importer.definition(frab_reader.read(path), origin=str(path))
    assert (
        "carries the UTC offset +01:00, so the fixed-offset zone Etc/GMT-1"
        in (imported.problems[0])
    )
    assert config.loads(imported.text).timezone == "Etc/GMT-1"
    differing = fosdem_like_xml(offsets=True).replace(b"09:30:00+01:00", b"09:30:00+02:00")
    path.write_bytes(differing)
    with pytest.raises(importer.ImportRefused, match="UTC offsets differ"):
        importer.definition(frab_reader.read(path), origin=str(path))


def test_what_apps_show_is_kept_apart_and_readable(tmp_path):
    path = tmp_path / "schedule.xml"
    path.write_bytes(fosdem_like_xml())
    imported = importer.definition(
        frab_reader.read(path), origin=str(path), timezone="Europe/Brussels"
    )
    festival = config.loads(imported.text)
    assert (festival.site, festival.city) == ("ULB (Université Libre de Bruxelles)", "Brussels")
    assert {v.city for v in festival.venues} == {"Brussels"}
    kernel = festival.session("linux_kernel")  # the slug is the id
    assert kernel.subtitle == "Solving big problems in small steps"
    assert kernel.kind == "keynote" and kernel.do_not_record
    assert kernel.abstract == "Today's kernel & the early ones.\n\nTwo paragraphs."
    assert kernel.description == "  * one\n  * two with a link [https://kernel.org]" or (
        "one" in kernel.description and "https://kernel.org" in kernel.description
    )
    assert "<" not in kernel.description and "<" not in kernel.abstract
    assert [(link.title, link.url) for link in kernel.links] == [
        ("Video (WebM)", "https://video.fosdem.org/2020/Janson/linux_kernel.webm")
    ]
    assert any("'dat://not-the-web/' is not a web address" in p for p in imported.problems)
    person = next(p for p in festival.people if p.name == "Thorsten Leemhuis")
    assert person.person_id == 7368
    out = tmp_path / "out"
    planning.plan(festival, out=out, at=PUBLISHED_AT)
    exported = json.loads((out / "schedule.json").read_text(encoding="utf-8"))
    event = next(e for e in events_of(exported) if e["id"] == 10715)
    assert event["slug"].endswith("-10715-linux_kernel") and event["type"] == "keynote"
    assert event["persons"][0]["id"] == 7368 and event["do_not_record"] is True
    assert event["abstract"] == kernel.abstract and event["subtitle"] == kernel.subtitle


def test_fixed_starts_are_wall_clock_times_so_a_new_zone_keeps_them(tmp_path):
    """Imported fixed places are written on the festival's wall clock: correcting the zone
    in the definition afterwards keeps every published wall-clock time (instants written
    with an offset would all shift and, on other days' hours, become infeasible)."""
    path = tmp_path / "schedule.xml"
    path.write_bytes(fosdem_like_xml())
    imported = importer.definition(frab_reader.read(path), fixed=True, timezone="Europe/Brussels")
    assert "start = 2020-02-01T10:00:00," in imported.text  # no offset
    moved = config.loads(imported.text.replace("Europe/Brussels", "America/New_York"))
    wall = {
        s.id: s.fixed.start.astimezone(ZoneInfo("America/New_York")).strftime("%H:%M")
        for s in moved.sessions
    }
    assert wall == {"linux_kernel": "10:00", "keynotes_welcome": "09:30"}
    assert planning.plan(moved, out=None, at=PUBLISHED_AT).timetable.placements


def pretalx_demo_like() -> dict:
    """Shaped as pretalx's demo export in the c3voc validator's examples: time_zone_name
    UTC with events at +01:00, two rooms sharing one guid, persons with id and code but
    only public_name, a track as a translated text."""
    events = [
        {"id": 25, "guid": "8079583e-8321-506c-95af-fd2903a5f075", "date":
         "2020-12-14T09:00:00+01:00", "start": "09:00", "duration": "00:30", "room": "Gray Room",
         "slug": "democon-25-focused-hardware", "title": "Focused hardware", "subtitle": "",
         "track": {"en": "Phased"}, "type": "Talk", "language": "en", "abstract": "Brand!",
         "description": "Station.", "do_not_record": False, "links": [],
         "persons": [{"id": 26, "code": "NQTF8Y", "public_name": "Brian Robinson"}]},
        {"id": 22, "guid": "35173228-cb1a-59de-84f1-cf91b83b8929", "date":
         "2020-12-14T09:00:00+01:00", "start": "09:00", "duration": "00:30", "room": "Tan Room",
         "slug": "democon-22-moderator", "title": "Moderator", "subtitle": "",
         "track": None, "type": "Talk", "language": "en", "abstract": None,
         "description": None, "persons": [{"id": 23, "code": "CFSPQZ", "public_name": "Thomas"}]},
    ]  # fmt: skip
    shared = "b379c473-93b9-4eae-9a09-d482e86cede3"
    return {
        "schedule": {
            "version": "0.1",
            "conference": {
                "acronym": "democon", "title": "DemoCon", "start": "2020-12-14",
                "end": "2020-12-14", "daysCount": 1, "time_zone_name": "UTC",
                "timeslot_duration": "00:05",
                "rooms": [{"name": "Gray Room", "guid": shared},
                          {"name": "Tan Room", "guid": shared}],
                "days": [{"index": 1, "date": "2020-12-14",
                          "day_start": "2020-12-14T04:00:00+01:00",
                          "day_end": "2020-12-15T03:59:00+01:00",
                          "rooms": {"Gray Room": events[:1], "Tan Room": events[1:]}}],
            },
        }
    }  # fmt: skip


def schedule2_like() -> dict:
    """Shaped as a c3voc "schedule 2" document: events in one list with start and end
    instants, rooms and tracks as objects, people as participants."""
    return {
        "$schema": "https://c3voc.de/schema/schedule2#",
        "schedule": {
            "version": "2", "base_url": "https://example.org/",
            "conference": {
                "acronym": "38c3", "title": "38C3", "start": "2024-12-27T09:30:00+00:00",
                "end": "2024-12-30T17:45:00+00:00", "time_zone_name": "Europe/Berlin",
                "tracks": [{"name": "CCC", "slug": "ccc", "colors": {"light": "#F9B000"}}],
                "rooms": [{"name": "Saal 1", "guid": "ba692ba3-421b-5371-8309-60acc34a3c05",
                           "capacity": 3025}],
                "days": [{"index": 1, "date": "2024-12-27", "start": "2024-12-27T09:30:00+00:00",
                          "end": "2024-12-28T06:00:00+01:00"}],
            },
            "events": [
                {"guid": "270fa44c-821a-577f-8ca3-33e8d4a8c2a7", "code": "HQCCYH", "type": "OTHER",
                 "start": "2024-12-27T10:30:00+01:00", "end": "2024-12-27T11:00:00+01:00",
                 "room": {"name": "Saal 1", "guid": "ba692ba3-421b-5371-8309-60acc34a3c05"},
                 "slug": "38c3-opening-ceremony", "title": "38C3: Opening Ceremony",
                 "subtitle": None, "language": "en", "track": {"slug": "ccc"},
                 "abstract": "Glad you could make it!", "description": "Let's kick off.",
                 "participants": [{"guid": "0c16ffaa-709d-599f-959f-9a38b911361a",
                                   "name": "Gabriela Bogk", "role": "SPEAKER"}],
                 "links": [{"url": "https://example.net/", "title": "foo bar"}]},
                {"guid": "b1740c2f-0c44-5f1b-89ed-456a9eecf0b8", "type": "LECTURE",
                 "start": "2024-12-28T00:30:00+01:00", "end": "2024-12-28T01:10:00+01:00",
                 "room": {"name": "Saal 1"}, "slug": "38c3-late-night", "title": "Late night",
                 "track": {"slug": "ccc"}, "participants": []},
            ],
            "persons": [{"guid": "0c16ffaa-709d-599f-959f-9a38b911361a", "name": "Gabriela Bogk"}],
        },
    }  # fmt: skip


@pytest.mark.parametrize("shape", ["pretalx-demo", "schedule-2"])
def test_the_validators_example_shapes_import_and_plan(shape, tmp_path):
    document = pretalx_demo_like() if shape == "pretalx-demo" else schedule2_like()
    path = tmp_path / "schedule.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    result = CliRunner().invoke(cli, ["import", str(path), "-o", str(tmp_path / "d.toml")])
    assert result.exit_code == 0, result.output
    festival = config.load(tmp_path / "d.toml")
    plan = planning.plan(festival, out=tmp_path / "out", at=PUBLISHED_AT)
    assert validate.violations(festival, plan.timetable) == []
    assert len(plan.timetable.placements) == 2
    if shape == "pretalx-demo":
        assert "has the guid b379c473-93b9-4eae-9a09-d482e86cede3 of room 'Gray Room'" in (
            result.stderr
        )
        guids = [v.guid for v in festival.venues]
        assert guids[0] == "b379c473-93b9-4eae-9a09-d482e86cede3" and guids[1] == ""
        assert "carry the UTC offset +01:00, which is not UTC's" in result.stderr
        starts = {p.start for p in plan.timetable.placements}
        assert starts == {datetime(2020, 12, 14, 8, 0, tzinfo=UTC)}  # instants kept
        assert {p.name for p in festival.people} == {"Brian Robinson", "Thomas"}
    else:
        late = festival.session("38c3-late-night")
        assert late.duration == 40 and late.track == "ccc"
        opening = festival.session("38c3-opening-ceremony")
        assert opening.abstract == "Glad you could make it!" and opening.links
        assert [festival.person(p).name for p in opening.people] == ["Gabriela Bogk"]
        assert "lies outside its day" not in result.stderr  # after midnight: the day before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b'{"schedule": {"conference": {"title": "Empty", "time_zone_name": "UTC", '
            b'"days": [{"index": 1, "date": "2024-01-01", "rooms": {}}]}}}',
            "holds no events",
        ),
        (
            b'{"schedule": {"conference": {"time_zone_name": "UTC", "days": [{"date": '
            b'"2024-01-01", "rooms": {"A": [{"date": "0001-01-01T10:00:00+00:00", '
            b'"duration": "00:30", "title": "Old"}]}}]}}}',
            "none of its 1 events can be imported",
        ),
        (
            b'{"schedule": {"version": null, "conference": {"title": null, "acronym": null, '
            b'"start": null, "end": null, "time_zone_name": null, "days": [{"index": null, '
            b'"date": null, "rooms": {"A": [{"id": null, "guid": null, "date": null, "start": '
            b'null, "duration": null, "title": null, "persons": null}]}}]}}}',
            "names no time zone",
        ),
    ],
)
def test_a_schedule_with_nothing_to_plan_is_an_input_error(tmp_path, content, message):
    path = tmp_path / "schedule.json"
    path.write_bytes(content)
    target = tmp_path / "out.toml"
    result = CliRunner().invoke(cli, ["import", str(path), "-o", str(target)])
    assert result.exit_code == 2, result.output
    assert message in result.stderr and "Traceback" not in result.output
    assert "internal error" not in result.output
    assert not target.exists()


def test_far_dates_are_left_out_and_the_rest_plans(tmp_path):
    events = [
        dict(id=1, day="2024-05-04", room="A", start="10:00", duration="00:30", title="Real"),
        dict(id=2, day="1900-01-01", room="A", start="10:00", duration="00:30", title="1900"),
        dict(id=3, day="9999-12-31", room="A", start="10:00", duration="00:30", title="9999"),
    ]
    path = tmp_path / "schedule.xml"
    path.write_bytes(frab_xml(events, window=("0001-01-01", "9999-12-31")))
    result = CliRunner().invoke(cli, ["import", str(path), "-o", str(tmp_path / "d.toml")])
    assert result.exit_code == 0, result.output
    festival = config.load(tmp_path / "d.toml")
    assert [s.title for s in festival.sessions] == ["Real"]
    assert "a year or more from the conference's dates" in result.stderr


def test_a_utf8_bom_json_and_strict_durations(tmp_path):
    document = c3voc_json(problems_too=False)
    day = document["schedule"]["conference"]["days"][0]["rooms"]["Saal Gelb"]
    day[0]["duration"] = "1:00:99"  # seconds past 59
    day[1]["duration"] = "０１:００"  # full-width digits
    path = tmp_path / "schedule.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(document, ensure_ascii=False).encode())
    imported = importer.definition(frab_reader.read(path))
    assert "duration '1:00:99' is not H:MM or HH:MM[:SS]" in imported.problems[0]
    assert any("duration '０１:００' is not H:MM" in p for p in imported.problems)
    assert frab_reader._minutes("0:29:30") == 30  # seconds round up
    assert frab_reader._minutes("00:05:00") == 5


def test_a_dtd_without_entities_is_refused_too(tmp_path):
    path = tmp_path / "schedule.xml"
    path.write_bytes(
        b'<?xml version="1.0"?>\n<!DOCTYPE schedule SYSTEM "schedule.dtd">\n<schedule/>'
    )
    result = CliRunner().invoke(cli, ["import", str(path)])
    assert result.exit_code == 2 and "declares a DTD or entities" in result.stderr


def test_overlaps_are_found_by_sorting_one_problem_per_event_and_shown_capped(tmp_path):
    """3,000 events in one room at one time: one problem each (not one per pair: 4.5
    million), and the warnings show 20 of the kind and how many more."""
    events = [
        dict(id=i, day="2024-05-04", room="A", start="10:00", duration="00:30",
             title=f"Talk {i}", persons=[(i, f"P{i}")])
        for i in range(1, 3001)
    ]  # fmt: skip
    path = tmp_path / "schedule.xml"
    path.write_bytes(frab_xml(events))
    target = tmp_path / "d.toml"
    result = CliRunner().invoke(cli, ["import", str(path), "-o", str(target)])
    assert result.exit_code == 0, result.output[-2000:]
    prefix = f"Warning: {path}: "
    warnings = [line.removeprefix(prefix) for line in result.stderr.splitlines()]
    assert len([w for w in warnings if w.startswith("event") and "overlaps" in w]) == 20
    assert "… and 2,979 more of the same kind" in warnings
    assert "2999 problem(s) listed above" in result.stderr
    written = target.read_text(encoding="utf-8")
    assert "# 2999 problem(s) in the source:" in written
    assert written.count("overlaps event") == 20 and target.stat().st_size < 2 * 2**20


@pytest.mark.parametrize("kind", ["device", "fifo", "symlink", "folder"])
def test_output_is_written_only_to_a_new_path_or_a_regular_file(tmp_path, messy_xml, kind):
    import os

    target = tmp_path / "target"
    if kind == "device":
        target = Path("/dev/null")
    elif kind == "fifo":
        os.mkfifo(target)
    elif kind == "symlink":
        (tmp_path / "real.toml").write_text("x = 1\n", encoding="utf-8")
        target.symlink_to(tmp_path / "real.toml")
    else:
        target.mkdir()
    before = os.lstat(target)
    result = CliRunner().invoke(cli, ["import", str(messy_xml), "-o", str(target), "--force"])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and len(result.stderr.strip().splitlines()) == 1
    after = os.lstat(target)
    assert (after.st_mode, after.st_ino) == (before.st_mode, before.st_ino)


def test_first_fit_puts_every_imported_talk_at_its_wished_place_first():
    """An imported programme wishes for its published room and start: first fit reads
    those places off the wishes and tries them first, so its first timetable already
    keeps every talk where it was published (when that programme was valid)."""
    from scheduler import revisions
    from scheduler.solver import starts_table
    from scheduler.solver.clock import Clock
    from scheduler.solver.first_fit import first_fit

    shape = generate.Programme(sessions=120, venues=6, durations=generate.SHORT_TALKS, step=5)
    festival, timetable = generate.published_programme(4, shape)
    entries = revisions.revise(festival, timetable, {}, PUBLISHED_AT)
    xml = frab.render_xml(frab.document(festival, entries))
    imported = config.loads(importer.definition(frab_reader.parse(xml)).text)
    clock = Clock(imported)
    places = first_fit(imported, starts_table(imported), clock)
    assert len(places) == len(imported.sessions)
    for s in imported.sessions:
        venue, start = places[s.id]
        room, when = s.wishes
        assert venue in room.venues, s.id
        assert clock.time_of_day(start) == when.time[0], s.id


def test_an_imported_double_booking_is_planned_and_proven_optimal(tmp_path):
    """Two talks the source put in one room at one time: one must move, which costs at
    least its time wish. The search's bound counts that pair, so the plan of a large
    import (the neighbourhood search) is proven optimal rather than left at bound 0."""
    from scheduler import revisions, solver

    shape = generate.Programme(sessions=400, venues=20, durations=generate.SHORT_TALKS, step=5)
    festival, timetable = generate.published_programme(6, shape)
    entries = revisions.revise(festival, timetable, {}, PUBLISHED_AT)
    document = frab.document(festival, entries)
    events = [e for day in document["schedule"]["conference"]["days"]
              for held in day["rooms"].values() for e in held]  # fmt: skip
    first, second = events[0], next(e for e in events[1:] if e["room"] != events[0]["room"])
    for key in ("date", "start", "duration", "room", "end"):
        second[key] = first[key]  # the same room, the same time
    path = tmp_path / "schedule.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    imported = importer.definition(frab_reader.read(path))
    assert any("overlaps" in p for p in imported.problems)
    definition = config.loads(imported.text)
    assert solver.size_of(definition, solver.starts_table(definition)) > solver.LARGE
    result = solver.solve(definition, options=solver.Options(max_seconds=120))
    assert validate.violations(definition, result.timetable) == []
    assert result.timetable.objective == importer.TIME_WEIGHT  # one talk keeps its room
    assert result.status == "OPTIMAL" and result.timetable.bound == importer.TIME_WEIGHT


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_clash_bound_never_exceeds_the_whole_models_proven_optimum(seed, monkeypatch):
    """Small imports with two talks double-booked (and a person in two places), planned
    by neighbourhoods (forced) and by the whole model: the neighbourhood search's bound,
    which counts the clashing pairs, is at most the optimum the whole model proves."""
    from scheduler import revisions, solver

    shape = generate.Programme(sessions=60, venues=4, durations=generate.SHORT_TALKS, step=5)
    festival, timetable = generate.published_programme(seed, shape)
    entries = revisions.revise(festival, timetable, {}, PUBLISHED_AT)
    document = frab.document(festival, entries)
    events = [e for day in document["schedule"]["conference"]["days"]
              for held in day["rooms"].values() for e in held]  # fmt: skip
    for a, b in ((events[0], events[5]), (events[10], events[20])):
        for key in ("date", "start", "duration", "room", "end"):
            b[key] = a[key]
    events[30]["persons"] = events[31]["persons"] = [{"name": "Dana", "id": 77}]
    for key in ("date", "start", "duration", "end"):
        events[31][key] = events[30][key]
    imported = config.loads(importer.definition(frab_reader.parse(
        json.dumps(document).encode())).text)  # fmt: skip
    whole = solver.solve(imported, options=solver.Options(time_limit=60))
    assert whole.status == "OPTIMAL"
    monkeypatch.setattr(solver, "LARGE", 0)  # the neighbourhood search, whatever the size
    by_parts = solver.solve(imported, options=solver.Options(time_limit=60))
    assert by_parts.timetable.bound <= whole.timetable.objective <= by_parts.timetable.objective
