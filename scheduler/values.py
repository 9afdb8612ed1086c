"""Typed values out of a definition's TOML tables, each problem located at its key.

`Reader` converts one raw value at a time (an id, a duration, a period, …),
checks its type and range, and collects a `Problem` (file, line, key, what was
expected) for each one that is wrong, so that `config` reports all of them at
once. The limits on values are here, and documented in docs/definition.md.
"""

from __future__ import annotations

import difflib
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import webcolors

from . import days
from .errors import BadInput
from .includes import Locations
from .labels import LANGUAGES
from .model import Link, Period
from .problems import capped

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
#: what the c3voc schedule format allows as an acronym, without a leading '-'
ACRONYM = re.compile(r"[a-z0-9_][a-z0-9_]{3,59}(-2[0-9]{3}-[a-z]{1,40})?")
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}")
MAX_EVENT_ID = 2**31 - 1
#: characters no text may hold: control characters other than tab and newline
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
ZONE_NAME = re.compile(r"^[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+)*$")
#: the longest duration any key takes (a longer one is a typo), in minutes
MAX_MINUTES = 366 * 1440
#: the largest capacity, attendance or count
MAX_COUNT = 10**9
#: the largest weight of a goal or a move: keeps every objective well inside 64 bits
MAX_WEIGHT = 1_000_000
#: the years a date may fall in, and the longest festival window, in days
FIRST_YEAR, LAST_YEAR = 1900, 2199
MAX_WINDOW = 366
DURATION = re.compile(r"^\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?\s*$")
CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
TIMES_OF_DAY = {
    "morning": ("00:00", "12:00"),
    "afternoon": ("12:00", "18:00"),
    "evening": ("18:00", "24:00"),
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a definition file."""

    file: str
    line: int | None
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


class ConfigError(BadInput, ValueError):
    """The definition cannot be used; `problems` lists every reason found."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(capped(str(p) for p in self.problems)))


class Reader:
    """Reads typed values out of the raw TOML tables, collecting problems."""

    def __init__(self, source: str, text: str):
        self.source = source
        self.lines = Locations(source, text)
        self.problems: list[Problem] = []
        self.tz = ZoneInfo("UTC")  # until festival.timezone is read

    def fail(self, path: str, message: str) -> None:
        self.problems.append(Problem(*self.lines.locate(path), message))

    def check_keys(self, table: dict[str, Any], allowed: set[str], path: str) -> None:
        for key in table:
            if key not in allowed:
                hint = difflib.get_close_matches(key, sorted(allowed), n=1)
                guess = f" (did you mean {hint[0]!r}?)" if hint else ""
                where = f"{path}.{key}" if path else key
                self.fail(
                    where,
                    f"unknown key {key!r}{guess}; expected one of: " + ", ".join(sorted(allowed)),
                )

    def get(
        self,
        table: dict[str, Any],
        key: str,
        path: str,
        convert: Callable[[Any, str], Any],
        default: Any = None,
        required: bool = False,
    ) -> Any:
        where = f"{path}.{key}" if path else key
        if key not in table:
            if required:
                self.fail(where, f"missing; every {singular(path)} needs {key!r}")
            return default
        try:
            return convert(table[key], where)
        except Bad as bad:
            self.fail(where, str(bad))
        except OverflowError:  # a time so far out that a clock change cannot be computed
            self.fail(where, "is out of range; expected dates and times near the festival")
        return default

    # --- converters: each raises _Bad with what was expected ------------------

    @staticmethod
    def text(value: Any, _: str) -> str:
        """Text that may run over several lines (a description)."""
        if not isinstance(value, str):
            raise Bad(f"{show(value)} is not text; expected a quoted string")
        bad = CONTROL.search(value)
        if bad:
            raise Bad(
                f"holds the control character U+{ord(bad.group()):04X}; expected printable "
                "text (tabs and newlines are allowed in descriptions only)"
            )
        return value

    def line(self, value: Any, where: str) -> str:
        """Text on one line: a name, title, city or address."""
        value = self.text(value, where)
        if "\n" in value or "\t" in value:
            raise Bad(
                f"{show(value)} runs over several lines; expected one line "
                "(names, titles and addresses are shown on one line in calendars)"
            )
        return value

    def slug(self, value: Any, where: str) -> str:
        value = self.text(value, where)
        if not SLUG.match(value):
            raise Bad(
                f"{show(value)} is not a valid id; use lower-case ASCII letters, digits, "
                "'-' and '_', starting with a letter or digit"
            )
        return value

    def slugs(self, value: Any, where: str) -> tuple[str, ...]:
        return tuple(self.slug(item, where) for item in as_list(value))

    def texts(self, value: Any, where: str) -> tuple[str, ...]:
        return tuple(self.text(item, where) for item in as_list(value))

    @staticmethod
    def count(value: Any, _: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise Bad(f"{show(value)} is not a whole number; expected e.g. 120")
        if value > MAX_COUNT:
            raise Bad(f"{show(value)} is too large; expected at most {MAX_COUNT:,}")
        return value

    def weight(self, value: Any, where: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise Bad(f"{show(value)} is not a whole number; expected e.g. 10")
        number = value
        if number > MAX_WEIGHT:
            raise Bad(
                f"{show(number)} is larger than the largest weight allowed, {MAX_WEIGHT:,}; "
                "weights only compare with each other, so scale them all down"
            )
        return number

    def positive(self, value: Any, where: str) -> int:
        number = self.count(value, where)
        if number < 1:
            raise Bad("must be at least 1")
        return number

    @staticmethod
    def flag(value: Any, _: str) -> bool:
        if not isinstance(value, bool):
            raise Bad(f"{show(value)} is not true or false")
        return value

    @staticmethod
    def duration(value: Any, _: str) -> int:
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            minutes = value
        else:
            match = DURATION.match(value) if isinstance(value, str) and len(value) < 40 else None
            if not match or not (match.group(1) or match.group(2)):
                raise Bad(f'{show(value)} is not a duration; use e.g. "2h", "90m" or "1h30m"')
            minutes = int(match.group(1) or 0) * 60 + int(match.group(2) or 0)
            if minutes <= 0:
                raise Bad(f"{show(value)} is not a positive duration")
        if minutes > MAX_MINUTES:
            raise Bad(f"{show(value)} is longer than a year; expected a shorter duration")
        return minutes

    @classmethod
    def date(cls, value: Any, _: str) -> date:
        if isinstance(value, date) and not isinstance(value, datetime):
            return cls._in_range(value)
        if isinstance(value, str):
            try:
                return cls._in_range(date.fromisoformat(value))
            except ValueError:
                pass
        raise Bad(f"{show(value)} is not a date; expected YYYY-MM-DD, e.g. 2023-10-09")

    def dates(self, value: Any, where: str) -> tuple[date, ...]:
        return tuple(self.date(item, where) for item in as_list(value))

    def moment(self, value: Any, _: str) -> datetime:
        """An instant: a wall-clock time on the festival's clock (TOML local date-time or
        "YYYY-MM-DD HH:MM", read as `days.instant` reads it) or one with a UTC offset."""
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value.strip())
            except ValueError:
                raise Bad(
                    f"{show(value)} is not a date and time; expected "
                    '"YYYY-MM-DD HH:MM", e.g. "2023-10-09 09:30"'
                ) from None
        if not isinstance(value, datetime):
            raise Bad(
                f"{show(value)} is not a date and time; expected "
                '"YYYY-MM-DD HH:MM", e.g. "2023-10-09 09:30"'
            )
        self._in_range(value.date())
        value = value.replace(second=0, microsecond=0)
        if value.tzinfo is not None:
            return value.astimezone(UTC)
        return days.instant(self.tz, value)

    @staticmethod
    def _in_range(day: date) -> date:
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise Bad(f"{day} is out of range; expected a date from {FIRST_YEAR} to {LAST_YEAR}")
        return day

    def bound(self, value: Any, where: str, end_of_day: bool) -> datetime:
        """A date (its start, or its end) or a date and time."""
        if isinstance(value, date) and not isinstance(value, datetime):
            day = value
        elif isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            day = self.date(value.strip(), where)
        else:
            return self.moment(value, where)
        self._in_range(day)
        return days.midnight(self.tz, day + timedelta(days=1) if end_of_day else day)

    def earliest(self, value: Any, where: str) -> datetime:
        return self.bound(value, where, end_of_day=False)

    def latest(self, value: Any, where: str) -> datetime:
        return self.bound(value, where, end_of_day=True)

    @staticmethod
    def clock(value: Any, _: str, allow_24: bool = False) -> int:
        """A time of day as minutes after midnight; "24:00" is 1440 where allowed."""
        match = CLOCK.match(value.strip()) if isinstance(value, str) else None
        if match:
            hour, minute = int(match.group(1)), int(match.group(2))
            if allow_24 and hour == 24 and minute == 0:
                return 1440
            if hour < 24 and minute < 60:
                return hour * 60 + minute
        raise Bad(f'{show(value)} is not a time of day; expected HH:MM, e.g. "09:30"')

    @staticmethod
    def minutes(value: Any, where: str) -> int:
        """A duration that may be zero."""
        if value in (0, "0", "0m", "0h"):
            return 0
        return Reader.duration(value, where)

    def clock_range(self, value: Any, where: str) -> tuple[int, int]:
        if not isinstance(value, str) or value.count("-") != 1:
            raise Bad(
                f'{show(value)} is not a time range; expected "HH:MM-HH:MM", e.g. "09:00-18:00"'
            )
        first, last = (part.strip() for part in value.split("-"))
        opens = self.clock(first, where)
        closes = self.clock(last, where, allow_24=True)
        if closes <= opens:
            raise Bad(
                f'{show(value)} ends before it starts; expected "HH:MM-HH:MM" with the '
                "end later the same day"
            )
        return opens, closes

    def period(self, value: Any, where: str) -> Period:
        """A date, "DATE..DATE", "DATE HH:MM-HH:MM", or {start, end}."""
        expected = (
            'expected a date (2023-10-20), a date range ("2023-10-20..2023-10-22"), '
            'a date with hours ("2023-10-20 13:00-18:00") or {start, end}'
        )
        if isinstance(value, dict):
            unknown = set(value) - {"start", "end"}
            if unknown or "start" not in value or "end" not in value:
                raise Bad(expected)
            start = self.earliest(value["start"], where)
            end = self.latest(value["end"], where)
        elif isinstance(value, date) and not isinstance(value, datetime):
            start, end = self._whole_days(value, value)
        elif isinstance(value, str):
            text = value.strip()
            if ".." in text:
                first, _, last = text.partition("..")
                try:
                    start, end = self._whole_days(
                        date.fromisoformat(first.strip()), date.fromisoformat(last.strip())
                    )
                except ValueError:
                    raise Bad(f"{show(value)} is not a date range; {expected}") from None
            elif " " in text:
                day_text, _, hours = text.partition(" ")
                try:
                    day = self._in_range(date.fromisoformat(day_text))
                    opens, closes = self.clock_range(hours.strip(), where)
                except (ValueError, Bad):
                    raise Bad(f"{show(value)} is not a date with hours; {expected}") from None
                midnight = datetime.combine(day, time())
                start = days.instant(self.tz, midnight + timedelta(minutes=opens))
                end = days.instant(self.tz, midnight + timedelta(minutes=closes))
            else:
                try:
                    day = date.fromisoformat(text)
                except ValueError:
                    raise Bad(f"{show(value)} is not a date; {expected}") from None
                start, end = self._whole_days(day, day)
        else:
            raise Bad(f"{show(value)} is not a period; {expected}")
        if end <= start:
            raise Bad(f"{show(value)} ends before it starts")
        return Period(start, end)

    def _whole_days(self, first: date, last: date) -> tuple[datetime, datetime]:
        """From the first instant of `first` to the first instant after `last`."""
        self._in_range(first)
        self._in_range(last)
        return days.midnight(self.tz, first), days.midnight(self.tz, last + timedelta(days=1))

    def periods(self, value: Any, where: str) -> tuple[Period, ...]:
        return tuple(self.period(item, where) for item in as_list(value))

    def color(self, value: Any, where: str) -> str:
        value = self.text(value, where).strip().lower()
        if HEX_COLOR.match(value) or value in webcolors.names("css3"):
            return value
        hint = difflib.get_close_matches(value, webcolors.names("css3"), n=1)
        guess = f" (did you mean {hint[0]!r}?)" if hint else ""
        raise Bad(
            f"{show(value)} is not a colour{guess}; "
            'expected a CSS colour name (e.g. "teal") or #RRGGBB'
        )

    def url(self, value: Any, where: str) -> str:
        value = self.text(value, where).strip()
        if not re.fullmatch(r"https?://[^\s/]+\S*", value) or len(value) > 2000:
            raise Bad(f"{show(value)} is not a web address; expected https://…")
        return value

    def acronym(self, value: Any, where: str) -> str:
        """The name conference apps file the programme under: what the c3voc schedule
        format allows, starting with a letter, digit or '_'."""
        value = self.text(value, where)
        if not ACRONYM.fullmatch(value):
            raise Bad(
                f"{show(value)} is not an acronym conference apps accept; expected at least "
                "four lower-case letters, digits or '_', optionally followed by a year and "
                'a word, e.g. "pycon_de" or "gecco-2026-main"'
            )
        return value

    def guid(self, value: Any, where: str) -> str:
        """A UUID, written in its canonical lower-case form."""
        text = self.text(value, where)
        try:
            if len(text) > 45:
                raise ValueError(text)
            return str(uuid.UUID(text))
        except ValueError:
            raise Bad(
                f'{show(text)} is not a UUID; expected e.g. "a0a0fcfe-b7fb-46e3-84b6-97a5406016b4"'
            ) from None

    def event_id(self, value: Any, where: str) -> int:
        """A positive event number, as conference apps store it (32 bits)."""
        number = self.positive(value, where)
        if number > MAX_EVENT_ID:
            raise Bad(f"{show(number)} is too large; expected at most {MAX_EVENT_ID:,}")
        return number

    @staticmethod
    def one_of(*choices: str) -> Callable[[Any, str], str]:
        """A converter taking exactly one of `choices`."""

        def choose(value: Any, _: str) -> str:
            if value not in choices:
                listed = ", ".join(f'"{c}"' for c in choices)
                raise Bad(f"{show(value)} is not a choice here; expected one of: {listed}")
            return value

        return choose

    def kind(self, value: Any, where: str) -> str:
        """What kind of session it is, as conference apps show it: a short word or two."""
        value = self.line(value, where).strip()
        if not value or len(value) > 60:
            raise Bad(f'{show(value)} is not a session type; expected e.g. "talk" or "workshop"')
        return value

    def links(self, value: Any, where: str) -> tuple[Link, ...]:
        """Links as a list of tables, each with a `title` and a web address `url`."""
        if not isinstance(value, list):
            raise Bad(
                'expected a list of links, e.g. links = [{ title = "Slides", '
                'url = "https://example.org/slides.pdf" }]'
            )
        found = []
        for index, item in enumerate(value):
            if not isinstance(item, dict) or set(item) - {"title", "url"} or "url" not in item:
                raise Bad(f'[{index}] is not a link; expected {{ title = "…", url = "https://…" }}')
            for key in ("url", "title"):
                try:
                    checked = self.url if key == "url" else self.line
                    checked(item.get(key, ""), where)
                except Bad as bad:
                    raise Bad(f"[{index}].{key}: {bad}") from None
            found.append(Link(item.get("title") or item["url"].strip(), item["url"].strip()))
        return tuple(found)

    def language_tag(self, value: Any, where: str) -> str:
        """A session's language as a BCP 47 tag, e.g. "en", "de" or "zh-CN"."""
        value = self.text(value, where).strip()
        if not LANGUAGE_TAG.fullmatch(value):
            raise Bad(f'{show(value)} is not a language tag; expected e.g. "en", "de" or "zh-CN"')
        return value

    def language(self, value: Any, where: str) -> str:
        value = self.text(value, where).strip()
        if value not in LANGUAGES:
            raise Bad(
                f"{show(value)} is not a supported language; expected one of: "
                + ", ".join(LANGUAGES)
            )
        return value


class Bad(Exception):
    """A value that cannot be converted; the text says what was expected."""


def keys_of(cls: type) -> set[str]:
    """The keys a definition table of `cls` takes: its fields, each under its `key`
    metadata where the code name differs (`Person.break_` is `break`); fields with
    `key = None` are not keys of the table (tables of their own, bookkeeping)."""
    keys = (f.metadata.get("key", f.name) for f in fields(cls))
    return {key for key in keys if key is not None}


def as_list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise Bad(f"{show(value)} is not a list; expected [ ... ]")
    return value


def show(value: Any) -> str:
    """A value as a message quotes it: short, and never failing."""
    if isinstance(value, str):
        return repr(value) if len(value) <= 60 else repr(value[:57]) + "…"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**30:
        return "a number of more than 30 digits"
    return str(value)


def folder_url(url: str) -> str:
    return url if not url or url.endswith("/") else url + "/"


def singular(path: str) -> str:
    base = re.sub(r"\[\d+\]$", "", path.split(".")[-1]) if path else "file"
    names = {"sessions": "session", "venues": "venue", "people": "person", "tracks": "track"}
    names |= {"limits": "limit", "blocks": "block", "rewards": "reward", "order": "order"}
    return names.get(base, base or "file")
