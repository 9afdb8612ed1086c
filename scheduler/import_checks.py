"""What `festival import` reads off a schedule before writing a definition: the zone its
times are on, the events that can become sessions (each with its wall-clock place),
and every problem of the source, found in time proportional to its size.

- The zone: `--timezone`, else the schedule's `time_zone_name`, else, when every
  event carries one and the same UTC offset, a fixed-offset zone; anything else is
  refused (`ImportRefused`), naming the option.
- Events are left out, each with a problem, when their duration, time or room cannot
  be read or their date lies a year or more from the conference's; the window widens
  for the nearer ones.
- Overlaps in a room and people in two places at once are found by sorting, one
  problem per event that starts while an earlier one still runs.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import BadInput
from .frab_reader import Event, Schedule
from .model import clock_time
from .values import MAX_EVENT_ID, MAX_WINDOW, ZONE_NAME

LONGEST = 24 * 60  # minutes: a session lies within one day
UUID = re.compile(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}")  # canonical, lower case


class ImportRefused(BadInput, ValueError):
    """The schedule cannot become a definition: what is wrong with it, and what to do."""


@dataclass(frozen=True)
class Placed:
    """An event that will be a session: its wall-clock place and the ids it keeps."""

    event: Event
    start: datetime  # aware, on the festival's clock
    minutes: int
    number: int | None  # the event's id, kept where it is valid and unique
    guid: str  # the event's guid, kept where it is valid and unique

    @property
    def end(self) -> datetime:
        return (self.start.astimezone(UTC) + timedelta(minutes=self.minutes)).astimezone(
            self.start.tzinfo
        )

    def minute(self) -> int:
        return self.start.hour * 60 + self.start.minute

    def crosses_midnight(self) -> bool:
        end = self.end
        return end.date() != self.start.date() and not (
            end.date() == self.start.date() + timedelta(days=1) and end.hour == end.minute == 0
        )

    def on_grid(self, step: int) -> bool:
        return self.minute() % step == 0


def zone(schedule: Schedule, asked: str | None, source: str, problems: list[str]) -> str:
    """The festival's time zone: `asked` (--timezone), else the schedule's, else the one
    UTC offset every event carries. Raises `ImportRefused` where none of these names a
    zone."""
    if asked is not None:
        if not _known_zone(asked):
            raise ImportRefused(
                f"--timezone: {asked[:60]!r} is not an IANA time zone; expected e.g. "
                '"Europe/Brussels"'
            )
        if schedule.timezone and schedule.timezone != asked:
            problems.append(
                f"conference: time_zone_name {schedule.timezone[:60]!r} is replaced by "
                f"--timezone {asked}"
            )
        return asked
    if _known_zone(schedule.timezone):
        return schedule.timezone
    said = (
        f"names the time zone {schedule.timezone[:60]!r}, which is not an IANA zone"
        if schedule.timezone
        else "names no time zone (time_zone_name)"
    )
    starts = [e.start for e in schedule.events if e.start is not None]
    offsets = {s.utcoffset() for s in starts if s.tzinfo is not None}
    if starts and len(offsets) == 1 and all(s.tzinfo is not None for s in starts):
        offset = next(iter(offsets))
        assert offset is not None
        hours, rest = divmod(int(offset.total_seconds()), 3600)
        if not rest:
            found = "UTC" if not hours else f"Etc/GMT{-hours:+d}"
            problems.append(
                f"conference: {said}; every event carries the UTC offset {_offset(offset)}, "
                f"so the fixed-offset zone {found} is used (pass --timezone to plan on the "
                "conference's own zone, with its clock changes)"
            )
            return found
    why = (
        "its events give wall-clock times without a UTC offset"
        if any(s.tzinfo is None for s in starts) or not starts
        else "its events' UTC offsets differ or are not whole hours"
    )
    raise ImportRefused(
        f"{source}: the schedule {said} and {why}, so its times could be read on any "
        "clock; pass --timezone with the conference's zone, e.g. --timezone Europe/Brussels"
    )


def _known_zone(name: str) -> bool:
    try:
        if name and len(name) <= 60 and ZONE_NAME.match(name):
            ZoneInfo(name)
            return True
    except (ZoneInfoNotFoundError, ValueError, OSError):
        pass
    return False


def _offset(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{clock_time(abs(minutes))}"


def placed_events(schedule: Schedule, tz: ZoneInfo, problems: list[str]) -> list[Placed]:
    """The events that can become sessions, on the festival's clock (events with an
    offset keep their instant); the others are listed in `problems`."""
    placed: list[Placed] = []
    numbers: set[int] = set()
    guids: set[str] = set()
    shifted = Counter[str]()
    for event in schedule.events:
        about = event.about()
        why = _unusable(event)
        if why:
            problems.append(f"{about}: {why}")
            continue
        assert event.start is not None and event.minutes is not None
        number = event.number
        if number is not None and not 1 <= number <= MAX_EVENT_ID:
            problems.append(f"{about}: id {number} is out of range; a new number is given")
            number = None
        if number is not None and number in numbers:
            problems.append(
                f"{about}: id {number} is used by an earlier event; a new number is given"
            )
            number = None
        guid = event.guid.lower()
        if guid and not UUID.fullmatch(guid):
            problems.append(f"{about}: guid {event.guid[:60]!r} is not a UUID; a new guid is given")
            guid = ""
        if guid and guid in guids:
            problems.append(
                f"{about}: guid {guid} is used by an earlier event; a new guid is given"
            )
            guid = ""
        numbers.update([number] if number is not None else [])
        guids.update([guid] if guid else [])
        if not event.title:
            problems.append(f"{about}: has no title; titled after its id")
        start = event.start.replace(tzinfo=tz) if event.start.tzinfo is None else event.start
        local = start.astimezone(tz)
        if event.start.tzinfo is not None and local.utcoffset() != event.start.utcoffset():
            shifted[_offset(event.start.utcoffset() or timedelta(0))] += 1
        placed.append(Placed(event, local, event.minutes, number, guid))
    for offset, count in sorted(shifted.items()):
        problems.append(
            f"conference: {count} event(s) carry the UTC offset {offset}, which is not "
            f"{tz.key}'s at their time; their instants are kept, so their wall-clock times "
            "differ from the file's"
        )
    return placed


def _unusable(event: Event) -> str:
    """Why `event` cannot become a session ("" if it can)."""
    if event.minutes is None:
        return f"duration {event.duration[:20]!r} is not H:MM or HH:MM[:SS]; left out"
    if event.minutes <= 0:
        return f"duration {event.duration[:20]!r} is empty; left out"
    if event.minutes > LONGEST:
        return (
            f"duration {event.duration[:20]!r} is longer than a day; left out (a session "
            "lies within one day)"
        )
    if event.start is None:
        return "no readable date and start; left out"
    if not 1900 <= event.start.year <= 2199:
        return f"dated {event.start.year}, outside 1900-2199; left out"
    if not event.room:
        return "names no room; left out"
    return ""


def within_window(
    schedule: Schedule, placed: list[Placed], problems: list[str]
) -> tuple[list[Placed], date, date]:
    """Events on the conference's dates, and the festival's first and last date: an event
    outside them is reported, and kept while the window stays within a year
    (`MAX_WINDOW`), else left out."""
    dates = sorted(p.start.date() for p in placed)
    given = [d for d in (schedule.start, schedule.end) if d and 1900 <= d.year <= 2199]
    first = given[0] if given else (dates[len(dates) // 2] if dates else date(2000, 1, 1))
    last = given[-1] if given else first
    first, last = min(first, last), max(first, last)
    if (last - first).days >= MAX_WINDOW:  # the conference's own dates are not usable
        problems.append(
            f"conference: its dates {first} to {last} span more than a year; the events' "
            "own dates are used"
        )
        first = last = dates[len(dates) // 2] if dates else first
    kept = []
    for p in sorted(placed, key=lambda p: abs((p.start.date() - first).days)):
        day = p.start.date()
        if first <= day <= last:
            kept.append(p)
            continue
        wider = (max(last, day) - min(first, day)).days
        if wider < MAX_WINDOW:
            problems.append(
                f"{p.event.about()}: on {day}, outside the conference's dates "
                f"({first} to {last}); imported, the festival's window widened"
            )
            first, last = min(first, day), max(last, day)
            kept.append(p)
        else:
            problems.append(
                f"{p.event.about()}: on {day}, a year or more from the conference's dates; left out"
            )
    order = {id(p): i for i, p in enumerate(placed)}
    return sorted(kept, key=lambda p: order[id(p)]), first, last


def report_outside_days(placed: Iterable[Placed], problems: list[str]) -> None:
    for p in placed:
        day = p.event.day
        if day is None or day.start is None or day.end is None:
            continue
        first, last = _aware(day.start, p.start), _aware(day.end, p.start)
        if p.start < first or p.end > last:
            problems.append(
                f"{p.event.about()}: lies outside its day "
                f"({first.isoformat()} to {last.isoformat()}); imported as published"
            )


def _aware(moment: datetime, like: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=like.tzinfo)


def report_off_grid(placed: Iterable[Placed], step: int, problems: list[str]) -> None:
    for p in placed:
        if not p.on_grid(step):
            problems.append(
                f"{p.event.about()}: starts at {p.start:%H:%M}, off the {step}-minute grid; "
                "only its room is kept"
            )


def report_clashes(
    placed: list[Placed],
    room_of: Callable[[Placed], str],
    problems: list[str],
    fixed: bool,
) -> set[int]:
    """List events that start while another in their room still runs, or while one of
    their people is elsewhere; the indexes (in `placed`) of those that cannot be fixed
    because of it. Found by sorting each room's and each person's events by start: time
    and problems grow with the events, not with the pairs that overlap."""
    later: set[int] = set()
    consequence = "; only the first is fixed" if fixed else "; the plan separates them"
    by_room: dict[str, list[int]] = defaultdict(list)
    by_person: dict[str, list[int]] = defaultdict(list)
    names: dict[str, str] = {}
    for i, p in enumerate(placed):
        by_room[room_of(p)].append(i)
        for person in dict.fromkeys(q.key for q in p.event.persons):
            by_person[person].append(i)
            names.setdefault(person, next(q.name for q in p.event.persons if q.key == person))
    for held in by_room.values():
        for first, second in _overlapping(placed, held):
            problems.append(
                f"{placed[second].event.about()}: overlaps {placed[first].event.about()} in "
                f"room {placed[second].event.room!r}{consequence}"
            )
            later.add(second)
    for key, held in by_person.items():
        for first, second in _overlapping(placed, held):
            if room_of(placed[first]) == room_of(placed[second]):
                continue  # listed as an overlap in the room
            problems.append(
                f"{placed[second].event.about()}: {names[key]!r} is also in "
                f"{placed[first].event.about()} at that time{consequence}"
            )
            later.add(second)
    return later


def _overlapping(placed: list[Placed], indexes: list[int]) -> Iterable[tuple[int, int]]:
    """(earlier, later) for each event of `indexes` that starts before the latest end of
    those before it: the one still running is named."""
    ordered = sorted(indexes, key=lambda i: (placed[i].start, i))
    running: int | None = None
    for i in ordered:
        if running is not None and placed[i].start < placed[running].end:
            yield running, i
        if running is None or placed[i].end > placed[running].end:
            running = i
