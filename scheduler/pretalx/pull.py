"""`festival pretalx pull`: a pretalx event as the part of a definition that pretalx owns.

What pretalx knows becomes `<stem>.pretalx.toml` (rewritten on every pull): the event's
dates and time zone, rooms (with their availabilities as `hours` and `closed`), tracks,
accepted and confirmed talks (with their runs, speakers, language, texts) and speakers
(their availabilities as `unavailable`), and each talk's place in the work-in-progress
schedule as its `current` place, so that the next plan moves as few talks as possible.
The organiser's own file (`<stem>.toml`) includes it; a pull writes that file only when
it does not exist yet. `<stem>.pretalx.json` records what `push` needs: which pretalx
slot and room each session and venue is, and the work-in-progress places as pulled.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import tomlkit

from .. import importer
from ..errors import BadInput
from ..runs import run_id
from ..values import CONTROL
from .client import Client, PretalxError, id_of, text_of

#: the states of the talks a programme holds
STATES = ("accepted", "confirmed")
#: the grid steps tried, largest first: the one every pulled place and availability fits
STEPS = (30, 15, 10, 5)


@dataclass(frozen=True)
class Files:
    """The files of one pulled event, named after the organiser's definition."""

    definition: Path  # the organiser's file, which includes the pulled one

    @property
    def pulled(self) -> Path:
        return self.definition.with_name(f"{self.definition.stem}.pretalx.toml")

    @property
    def state(self) -> Path:
        return self.definition.with_name(f"{self.definition.stem}.pretalx.json")


@dataclass
class Pulled:
    """What a pull read, as written: the definition text, the state, and what was
    noticed along the way (pretalx's quirks, named for the organiser)."""

    toml: str
    state: dict[str, Any]
    counts: dict[str, int]
    notes: list[str] = field(default_factory=list)


def pull(client: Client) -> Pulled:
    """Read the event behind `client` and build its definition and state."""
    event = client.event_info()
    rooms = client.every("rooms/")
    tracks = client.every("tracks/")
    types = {t["id"]: t for t in client.every("submission-types/")}
    submissions = [s for state in STATES for s in client.every("submissions/", state=state)]
    speakers = client.every("speakers/")
    wip = client.request("GET", f"{client.base}schedules/wip/")
    slots = client.every("slots/", schedule=wip["id"])
    return Reading(client, event, wip).build(rooms, tracks, types, submissions, speakers, slots)


class Reading:
    """One pull's answers made into a definition."""

    def __init__(self, client: Client, event: dict[str, Any], wip: dict[str, Any]):
        self.client = client
        self.event = event
        self.wip = wip
        self.languages = tuple(
            dict.fromkeys([event.get("locale") or "en", *(event.get("locales") or []), "en"])
        )
        try:
            self.zone = ZoneInfo(event["timezone"])
            self.first = date.fromisoformat(event["date_from"])
            self.last = date.fromisoformat(event["date_to"])
        except (KeyError, TypeError, ValueError) as error:
            raise PretalxError(
                f"pretalx: event {client.event!r} has no usable dates or time zone ({error})"
            ) from None
        self.notes: list[str] = []
        self.day_window = (0, 1440)  # minutes of the day a talk may take (`window`)

    def text(self, value: Any) -> str:
        return text_of(value, self.languages)

    def local(self, moment: str) -> datetime:
        return datetime.fromisoformat(moment).astimezone(self.zone)

    def window(self, rooms: list[dict]) -> None:
        """The part of each day any room is open (all day where rooms give no hours):
        closures and absences outside it change nothing and are not written."""
        spans = [s for room in rooms for s in self._spans(room.get("availabilities") or [])]
        if spans:
            opens, closes = _hours_minutes(spans)
            self.day_window = (opens, closes)

    def build(
        self,
        rooms: list[dict],
        tracks: list[dict],
        types: dict[Any, dict],
        submissions: list[dict],
        speakers: list[dict],
        slots: list[dict],
    ) -> Pulled:
        self.window(rooms)
        venue_ids, venues = self._venues(rooms)
        track_ids, track_tables = self._tracks(tracks)
        people_ids, people = self._people(speakers)
        by_code = {s["code"]: s for s in submissions}
        places, slot_of = self._places(slots, by_code, venue_ids)
        sessions = [
            self._session(s, types, track_ids, people_ids, places.get(s["code"], []))
            for s in sorted(submissions, key=lambda s: s["code"])
        ]
        untracked = sum(1 for s in sessions if "track" not in s)
        if untracked and tracks:
            self.notes.append(f"{untracked} talks have no track")
        starts = [p["start"] for ps in places.values() for p in ps]
        step = self._step(starts, rooms)
        doc = self._document(step, venues, track_tables, people, sessions)
        state = {
            "format": 1,
            "url": self.client.url,
            "event": self.client.event,
            "wip": {"id": self.wip.get("id"), "version": self.wip.get("version")},
            "rooms": {vid: room for room, vid in sorted(venue_ids.items(), key=lambda x: x[1])},
            "slots": dict(sorted(slot_of.items())),
            #: every slot holding a talk when pulled, those of talks not planned included
            #: (withdrawn, extra runs): push tells a talk scheduled since from these
            "seen": sorted(s["id"] for s in slots if id_of(s.get("submission"), "code")),
        }
        runs = sum(1 for s in submissions if (s.get("slot_count") or 1) > 1)
        counts = {
            "days": (self.last - self.first).days + 1,
            "rooms": len(rooms),
            "tracks": len(tracks),
            "talks": len(submissions),
            "talks with runs": runs,
            "speakers": len(speakers),
            "slots": len(slot_of),
            "placed": sum(1 for s in slot_of.values() if s["start"]),
        }
        return Pulled(tomlkit.dumps(doc), state, counts, self.notes)

    # --- the tables -----------------------------------------------------------

    def _venues(self, rooms: list[dict]) -> tuple[dict[Any, str], list[dict]]:
        unique = importer.UniqueIds()
        ids, tables = {}, []
        city = self.event["timezone"].rsplit("/", 1)[-1].replace("_", " ")
        no_capacity, no_availability = [], []
        for room in sorted(rooms, key=lambda r: (r.get("position") or 0, r["id"])):
            name = self.text(room.get("name")) or f"Room {room['id']}"
            vid = unique(importer.slugify(name, f"room-{room['id']}"))
            ids[room["id"]] = vid
            table: dict[str, Any] = {"id": vid, "name": name, "city": city}
            table["capacity"] = int(room.get("capacity") or 0)
            if not room.get("capacity"):
                no_capacity.append(name)
            if "availabilities" not in room:
                no_availability.append(name)
            elif room["availabilities"]:
                spans = self._spans(room["availabilities"])
                table["hours"] = _hours(spans)
                closed = self._gaps(spans)
                if closed:
                    table["closed"] = closed
            tables.append(table)
        if no_capacity:
            self.notes.append(
                f"rooms without a capacity (capacity 0: talks have no attendance, any fits): "
                f"{', '.join(no_capacity)}"
            )
        if no_availability and len(no_availability) == len(rooms):
            self.notes.append(
                "rooms came without availabilities: pretalx shows them to organisers only "
                "(the token's team needs the permission to change event settings); every "
                "room is taken as open all day"
            )
        return ids, tables

    def _tracks(self, tracks: list[dict]) -> tuple[dict[Any, str], list[dict]]:
        unique = importer.UniqueIds()
        ids, tables = {}, []
        for track in sorted(tracks, key=lambda t: (t.get("position") or 0, t["id"])):
            name = self.text(track.get("name")) or f"Track {track['id']}"
            tid = unique(importer.slugify(name, f"track-{track['id']}"))
            ids[track["id"]] = tid
            table = {"id": tid, "name": name}
            if isinstance(track.get("color"), str) and track["color"].startswith("#"):
                table["color"] = track["color"].lower()
            tables.append(table)
        return ids, tables

    def _people(self, speakers: list[dict]) -> tuple[dict[str, str], list[dict]]:
        ids, tables, always = {}, [], 0
        if speakers and not any("availabilities" in s for s in speakers):
            self.notes.append(
                "speakers came without availabilities: the event's call for papers does not "
                "ask for them, or the token's team may not see them; everyone is taken as "
                "always available"
            )
        for speaker in sorted(speakers, key=lambda s: s["code"]):
            pid = speaker["code"].lower()
            ids[speaker["code"]] = pid
            table: dict[str, Any] = {"id": pid, "name": self.text(speaker.get("name")) or pid}
            if speaker.get("availabilities"):
                gaps = self._gaps(self._spans(speaker["availabilities"]))
                if gaps:
                    table["unavailable"] = gaps
            else:
                always += 1
            tables.append(table)
        if always and any("availabilities" in s for s in speakers):
            self.notes.append(f"{always} speakers gave no availability: taken as always available")
        return ids, tables

    def _places(
        self, slots: list[dict], by_code: dict[str, dict], venue_ids: dict[Any, str]
    ) -> tuple[dict[str, list[dict]], dict[str, dict]]:
        """Each talk's slots, run by run (placed ones first, in time order), and each
        run's slot as the state records it."""
        of: dict[str, list[dict]] = defaultdict(list)
        breaks = 0
        for slot in slots:
            code = id_of(slot.get("submission"), "code")
            if code is None:
                breaks += 1
            elif code in by_code:
                of[code].append(slot)
        if breaks:
            self.notes.append(f"{breaks} breaks and blockers in the schedule are left to pretalx")
        places: dict[str, list[dict]] = {}
        slot_of: dict[str, dict] = {}
        for code, found in of.items():
            found.sort(
                key=lambda s: (
                    not (s.get("start") and s.get("room")),
                    s.get("start") or "",
                    s["id"],
                )
            )
            runs = by_code[code].get("slot_count") or 1
            for k, slot in enumerate(found[:runs], start=1):
                room = id_of(slot.get("room"))
                placed = bool(slot.get("start") and room in venue_ids)
                slot_of[run_id(code.lower(), k)] = {
                    "slot": slot["id"],
                    "room": room if placed else None,
                    "start": slot["start"] if placed else None,
                    "end": slot.get("end") if placed else None,
                }
                if placed:
                    places.setdefault(code, []).append(
                        {"start": self.local(slot["start"]), "venue": venue_ids[room]}
                    )
        return places, slot_of

    def _session(
        self,
        s: dict,
        types: dict[Any, dict],
        track_ids: dict[Any, str],
        people_ids: dict[str, str],
        places: list[dict],
    ) -> dict[str, Any]:
        table: dict[str, Any] = {
            "id": s["code"].lower(),
            "title": _line(s.get("title")) or s["code"],
        }
        kind = types.get(id_of(s.get("submission_type")), {})
        duration = s.get("duration") or kind.get("default_duration") or 30
        table["duration"] = f"{int(duration)}m"
        track = track_ids.get(id_of(s.get("track")))
        if track:
            table["track"] = track
        people = [
            people_ids[c]
            for c in (id_of(p, "code") for p in s.get("speakers") or [])
            if c in people_ids
        ]
        if people:
            table["people"] = people
        if s.get("content_locale"):
            table["language"] = s["content_locale"]
        if kind.get("name"):
            table["type"] = _line(self.text(kind["name"]))[:60]
        for key in ("abstract", "description"):
            if s.get(key):
                text = str(s[key]).replace("\r\n", "\n").replace("\r", "\n")
                table[key] = CONTROL.sub("", text).strip()
        runs = int(s.get("slot_count") or 1)
        if runs > 1:
            table["runs"] = runs
        if s.get("do_not_record"):
            table["do_not_record"] = True
        if places:
            shown = [
                {"start": p["start"].replace(tzinfo=None), "venue": p["venue"]} for p in places
            ]
            table["current"] = shown[0] if runs == 1 else shown
        return table

    # --- times ------------------------------------------------------------------

    def _spans(self, availabilities: list[dict]) -> list[tuple[datetime, datetime]]:
        spans = []
        for a in availabilities:
            try:
                start, end = self.local(a["start"]), self.local(a["end"])
            except (KeyError, TypeError, ValueError):
                continue
            if end > start:
                spans.append((start, end))
        spans.sort()
        merged: list[tuple[datetime, datetime]] = []
        for start, end in spans:
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        return merged

    def _gaps(self, spans: list[tuple[datetime, datetime]]) -> list[str]:
        """The festival's days outside `spans`, day by day: a whole day as its date,
        a part as "DATE HH:MM-HH:MM" on the wall clock."""
        gaps = []
        opens, closes = self.day_window
        for offset in range((self.last - self.first).days + 1):
            day = self.first + timedelta(days=offset)
            midnight = datetime.combine(day, datetime.min.time())
            begin = (midnight + timedelta(minutes=opens)).replace(tzinfo=self.zone)
            finish = (midnight + timedelta(minutes=closes)).replace(tzinfo=self.zone)
            cursor = begin
            pieces = []
            for start, end in spans:
                if end <= begin or start >= finish:
                    continue
                if start > cursor:
                    pieces.append((cursor, start))
                cursor = max(cursor, end)
            if cursor < finish:
                pieces.append((cursor, finish))
            if pieces == [(begin, finish)]:
                gaps.append(day.isoformat())
                continue
            for start, end in pieces:
                until = "24:00" if closes == 1440 and end >= finish else f"{end:%H:%M}"
                gaps.append(f"{day.isoformat()} {start:%H:%M}-{until}")
        return gaps

    def _step(self, starts: list[datetime], rooms: list[dict]) -> int:
        minutes = [t.hour * 60 + t.minute for t in starts]
        for room in rooms:
            for start, end in self._spans(room.get("availabilities") or []):
                minutes += [start.hour * 60 + start.minute, end.hour * 60 + end.minute]
        return next(step for step in STEPS if all(m % step == 0 for m in minutes))

    def _document(
        self, step: int, venues: list, tracks: list, people: list, sessions: list
    ) -> tomlkit.TOMLDocument:
        doc = tomlkit.document()
        doc.add(
            tomlkit.comment(
                f"Pulled by `festival pretalx pull` from {self.client.url}, event "
                f"{self.client.event}."
            )
        )
        doc.add(
            tomlkit.comment(
                "Rewritten on every pull: put your own keys in the file that includes this one."
            )
        )
        doc.add(tomlkit.nl())
        head = tomlkit.table()
        head["id"] = importer.slugify(self.client.event, "event")
        head["name"] = _line(self.text(self.event.get("name"))) or self.client.event
        head["timezone"] = self.event["timezone"]
        head["start"] = self.first
        head["end"] = self.last
        head["step"] = f"{step}m"
        if self.event.get("locale"):
            head["language"] = self.event["locale"]
        head["url"] = f"{self.client.url}{self.client.event}/"
        doc["festival"] = head
        for name, tables in (
            ("tracks", tracks),
            ("venues", venues),
            ("people", people),
            ("sessions", sessions),
        ):
            if tables:
                array = tomlkit.aot()
                for table in tables:
                    item = tomlkit.item(table)
                    for key in ("closed", "unavailable", "current"):
                        value = item.get(key)
                        if isinstance(value, tomlkit.items.Array) and len(value) > 2:
                            value.multiline(True)
                    array.append(item)
                doc[name] = array
        return doc


def _line(value: Any) -> str:
    """One line of printable text (a title, a name)."""
    return CONTROL.sub("", " ".join(str(value or "").split()))


def _hours_minutes(spans: list[tuple[datetime, datetime]]) -> tuple[int, int]:
    """The daily window, in minutes of the day, that holds every span."""
    opens = min(s.hour * 60 + s.minute for s, e in spans)
    closes = max(1440 if e.date() > s.date() else e.hour * 60 + e.minute for s, e in spans)
    return opens, max(closes, opens + 5)


def _hours(spans: list[tuple[datetime, datetime]]) -> str:
    """The `hours` that hold every available span (the rest is `closed`)."""
    opens, closes = _hours_minutes(spans)
    return f"{opens // 60:02d}:{opens % 60:02d}-{closes // 60:02d}:{closes % 60:02d}"


ORGANISER = """\
# The organiser's part of {name}: your own rules, weights and wishes.
# `festival pretalx pull` rewrites {pulled} (included below) and never touches this file.
# Keys here add to, or replace, the pulled ones (see docs/definition.md, `include`).
include = "{pulled}"

# [weights]
# prefer = 2
#
# [[sessions]]          # a pulled talk, by its pretalx code in lower case
# id = "{example}"
# prefer = [{{ time = "morning", weight = 5 }}]
"""


def write(pulled: Pulled, files: Files) -> list[Path]:
    """Write the pulled definition and state, and the organiser's file if it does not
    exist yet; each in one step (a reader sees the old file or the new one). Returns
    the files written."""
    for path in (files.pulled, files.state, files.definition):
        if path.exists() and not path.is_file():
            raise BadInput(f"{path}: not a regular file")
    importer.write(pulled.toml, files.pulled)
    importer.write(json.dumps(pulled.state, indent=1, sort_keys=True) + "\n", files.state)
    written = [files.pulled, files.state]
    if not files.definition.exists():
        example = next(iter(pulled.state["slots"]), "abc123")
        text = ORGANISER.format(
            name=files.definition.name, pulled=files.pulled.name, example=example.split("-run-")[0]
        )
        importer.write(text, files.definition)
        written.append(files.definition)
    return written


def read_state(files: Files) -> dict[str, Any]:
    """The state the last pull wrote; `BadInput` where there is none to use."""
    try:
        state = json.loads(files.state.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadInput(f"{files.state}: no such file; run `festival pretalx pull` first") from None
    except (OSError, ValueError) as error:
        raise BadInput(f"{files.state}: cannot be read ({error}); pull again") from None
    if (
        not isinstance(state, dict)
        or state.get("format") != 1
        or not isinstance(state.get("slots"), dict)
    ):
        raise BadInput(f"{files.state}: not a state written by `festival pretalx pull`; pull again")
    return state
