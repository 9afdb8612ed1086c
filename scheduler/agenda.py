"""An attendee's agenda as a calendar: the published events of the sessions they chose.

Built from the published `festival.ics`, not from the definition: each chosen
session's event is the festival feed's own bytes (same UID, SEQUENCE, DTSTAMP and
LAST-MODIFIED), so a re-plan reaches an agenda exactly as it reaches every other
feed. The calendar's own properties (name, description, UID) say whose agenda it
is and which asked-for sessions are not in the programme. Whatever the request,
the answer is a valid calendar: a calendar client shows no error page.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import icalendar

from .labels import counted, label
from .writers import ical

MAX_IDS = 300  # sessions in one agenda
MAX_QUERY = 8_000  # characters of the selection read at all
ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,99}")
BEGIN_EVENT = b"BEGIN:VEVENT\r\n"
END_EVENT = b"END:VEVENT\r\n"
END = b"END:VCALENDAR\r\n"


@dataclass(frozen=True)
class Programme:
    """The published festival feed, cut into what an agenda reuses."""

    head: bytes  # the calendar's own lines, up to its first component
    timezone: bytes  # the VTIMEZONE block (b"" if none)
    events: dict[str, bytes]  # session id → its VEVENT block
    festival: str  # the festival's id, from the UIDs
    digest: str  # of the whole feed


def cut(feed: bytes) -> Programme:
    """`festival.ics` in parts; raises ValueError if it is not a feed `festival plan` wrote."""
    if not feed.startswith(b"BEGIN:VCALENDAR\r\n") or not feed.endswith(END):
        raise ValueError("not a published festival.ics")
    first = min(
        (i for i in (feed.find(b"BEGIN:VTIMEZONE\r\n"), feed.find(BEGIN_EVENT)) if i >= 0),
        default=len(feed) - len(END),
    )
    head = feed[:first]
    zone_start = feed.find(b"BEGIN:VTIMEZONE\r\n")
    timezone = b""
    if zone_start >= 0:
        zone_end = feed.index(b"END:VTIMEZONE\r\n", zone_start) + len(b"END:VTIMEZONE\r\n")
        timezone = feed[zone_start:zone_end]
    events: dict[str, bytes] = {}
    festival = ""
    at = feed.find(BEGIN_EVENT)
    while at >= 0:
        end = feed.index(END_EVENT, at) + len(END_EVENT)
        block = feed[at:end]
        unfolded = re.sub(rb"\r\n[ \t]", b"", block)
        found = re.search(rb"\r\nUID:([^\r\n@]+)@([^\r\n]+)\r\n", unfolded)
        if found:
            events[found.group(1).decode()] = block
            festival = found.group(2).decode()
        at = feed.find(BEGIN_EVENT, end)
    return Programme(head, timezone, events, festival, hashlib.sha256(feed).hexdigest())


def selection(query: str) -> tuple[list[str], list[str]]:
    """The session ids asked for (`s=a,b,c`), in order without repeats, and what was
    asked for but is not an id (cut to `MAX_IDS` and `MAX_QUERY`)."""
    wanted, bad = [], []
    for part in query[:MAX_QUERY].split(","):
        part = part.strip()
        if not part:
            continue
        if ID.fullmatch(part):
            if part not in wanted:
                wanted.append(part)
        else:  # shown in the description: printable, short
            bad.append(re.sub(r"[^\w .-]", "?", part[:40]))
    return wanted[:MAX_IDS], bad + [f"(+{len(wanted) - MAX_IDS} more)"] * (len(wanted) > MAX_IDS)


def etag(programme: Programme, wanted: list[str]) -> str:
    """A strong validator of the agenda: the published feed and the selection."""
    text = programme.digest + "\n" + ",".join(wanted)
    return '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


def render(programme: Programme, wanted: list[str], bad: list[str], language: str = "en") -> bytes:
    """The agenda of the sessions `wanted`, its words in `language` (ids not in the
    programme are named in its description, as are the parts of the selection that were
    not ids)."""
    chosen = [programme.events[sid] for sid in wanted if sid in programme.events]
    unknown = [sid for sid in wanted if sid not in programme.events] + bad
    calendar = icalendar.Calendar.from_ical(programme.head + END)
    name = (
        ical.calendar_text(calendar, "X-WR-CALNAME")
        or ical.calendar_text(calendar, "NAME")
        or programme.festival
    )
    agenda_name = label(language, "agenda.name", festival=name)
    for key in ("UID", "SOURCE", "URL"):
        calendar.pop(key, None)
    described = counted(language, "agenda.description", len(chosen), festival=name)
    if unknown:
        listed = label(language, "list_separator").join(unknown[:50])
        described += label(language, "agenda.unknown", ids=listed)
    ical.set_calendar_text(calendar, agenda_name, described)
    chosen_digest = hashlib.sha256(",".join(wanted).encode()).hexdigest()[:16]
    calendar.add("UID", f"{programme.festival}/agenda/{chosen_digest}")
    head = calendar.to_ical().removesuffix(END)
    uses_zone = any(b";TZID=" in block for block in chosen)
    return head + (programme.timezone if uses_zone else b"") + b"".join(chosen) + END
