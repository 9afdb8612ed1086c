"""Read a festival definition (TOML) into a `Festival`.

`load(path)` collects *every* problem it finds and raises one `ConfigError`
listing them, each as `file:line: key.path: what is wrong; what is expected`.
The keys are documented in `config/README.md`.
"""

from __future__ import annotations

import difflib
import graphlib
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import webcolors

from . import days
from .keylines import KeyLines
from .labels import LANGUAGES
from .model import (
    DayRule,
    Festival,
    Fixed,
    Period,
    Person,
    Preference,
    Session,
    Track,
    Venue,
    Weights,
)

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
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

FESTIVAL_KEYS = {
    "id",
    "name",
    "timezone",
    "start",
    "end",
    "days",
    "workdays_fallback",
    "blackout",
    "max_sessions_per_day",
    "step",
    "spread_days",
    "description",
    "url",
    "feed_url",
    "refresh",
    "language",
    "exclusive_tags",
    "break",
}
TRACK_KEYS = {"id", "name", "color"}
VENUE_KEYS = {
    "id",
    "name",
    "city",
    "address",
    "capacity",
    "hours",
    "features",
    "closed",
    "changeover",
}
PERSON_KEYS = {"id", "name", "unavailable", "break"}
SESSION_KEYS = {
    "id",
    "title",
    "track",
    "duration",
    "attendance",
    "needs",
    "cities",
    "venues",
    "people",
    "earliest",
    "latest",
    "fixed",
    "after",
    "prefer",
    "description",
    "pinned",
    "tags",
    "not_with",
}
FIXED_KEYS = {"start", "venue"}
PREFER_KEYS = {"dates", "venues", "time"}
WEIGHT_KEYS = {
    "spread",
    "track_days",
    "prefer_date",
    "prefer_venue",
    "prefer_time",
    "moved_date",
    "moved_time",
    "moved_venue",
}
TOP_KEYS = {"festival", "tracks", "venues", "people", "sessions", "weights"}


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


class ConfigError(ValueError):
    """The definition cannot be used; `problems` lists every reason found."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class _Reader:
    """Reads typed values out of the raw TOML tables, collecting problems."""

    def __init__(self, source: str, text: str):
        self.source = source
        self.lines = KeyLines(text)
        self.problems: list[Problem] = []
        self.tz = ZoneInfo("UTC")  # until festival.timezone is read

    def fail(self, path: str, message: str) -> None:
        self.problems.append(Problem(self.source, self.lines.line(path), path, message))

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
                self.fail(where, f"missing; every {_singular(path)} needs {key!r}")
            return default
        try:
            return convert(table[key], where)
        except _Bad as bad:
            self.fail(where, str(bad))
        except OverflowError:  # a time so far out that a clock change cannot be computed
            self.fail(where, "is out of range; expected dates and times near the festival")
        return default

    # --- converters: each raises _Bad with what was expected ------------------

    @staticmethod
    def text(value: Any, _: str) -> str:
        """Text that may run over several lines (a description)."""
        if not isinstance(value, str):
            raise _Bad(f"{_show(value)} is not text; expected a quoted string")
        bad = CONTROL.search(value)
        if bad:
            raise _Bad(
                f"holds the control character U+{ord(bad.group()):04X}; expected printable "
                "text (tabs and newlines are allowed in descriptions only)"
            )
        return value

    def line(self, value: Any, where: str) -> str:
        """Text on one line: a name, title, city or address."""
        value = self.text(value, where)
        if "\n" in value or "\t" in value:
            raise _Bad(
                f"{_show(value)} runs over several lines; expected one line "
                "(names, titles and addresses are shown on one line in calendars)"
            )
        return value

    def slug(self, value: Any, where: str) -> str:
        value = self.text(value, where)
        if not SLUG.match(value):
            raise _Bad(
                f"{_show(value)} is not a valid id; use lower-case ASCII letters, digits, "
                "'-' and '_', starting with a letter or digit"
            )
        return value

    def slugs(self, value: Any, where: str) -> tuple[str, ...]:
        return tuple(self.slug(item, where) for item in _list(value))

    def texts(self, value: Any, where: str) -> tuple[str, ...]:
        return tuple(self.text(item, where) for item in _list(value))

    @staticmethod
    def count(value: Any, _: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise _Bad(f"{_show(value)} is not a whole number; expected e.g. 120")
        if value > MAX_COUNT:
            raise _Bad(f"{_show(value)} is too large; expected at most {MAX_COUNT:,}")
        return value

    def weight(self, value: Any, where: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise _Bad(f"{_show(value)} is not a whole number; expected e.g. 10")
        number = value
        if number > MAX_WEIGHT:
            raise _Bad(
                f"{_show(number)} is larger than the largest weight allowed, {MAX_WEIGHT:,}; "
                "weights only compare with each other, so scale them all down"
            )
        return number

    def positive(self, value: Any, where: str) -> int:
        number = self.count(value, where)
        if number < 1:
            raise _Bad("must be at least 1")
        return number

    @staticmethod
    def flag(value: Any, _: str) -> bool:
        if not isinstance(value, bool):
            raise _Bad(f"{_show(value)} is not true or false")
        return value

    @staticmethod
    def duration(value: Any, _: str) -> int:
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            minutes = value
        else:
            match = DURATION.match(value) if isinstance(value, str) and len(value) < 40 else None
            if not match or not (match.group(1) or match.group(2)):
                raise _Bad(f'{_show(value)} is not a duration; use e.g. "2h", "90m" or "1h30m"')
            minutes = int(match.group(1) or 0) * 60 + int(match.group(2) or 0)
            if minutes <= 0:
                raise _Bad(f"{_show(value)} is not a positive duration")
        if minutes > MAX_MINUTES:
            raise _Bad(f"{_show(value)} is longer than a year; expected a shorter duration")
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
        raise _Bad(f"{_show(value)} is not a date; expected YYYY-MM-DD, e.g. 2023-10-09")

    def dates(self, value: Any, where: str) -> tuple[date, ...]:
        return tuple(self.date(item, where) for item in _list(value))

    def moment(self, value: Any, _: str) -> datetime:
        """An instant: a wall-clock time on the festival's clock (TOML local date-time or
        "YYYY-MM-DD HH:MM", read as `days.instant` reads it) or one with a UTC offset."""
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value.strip())
            except ValueError:
                raise _Bad(
                    f"{_show(value)} is not a date and time; expected "
                    '"YYYY-MM-DD HH:MM", e.g. "2023-10-09 09:30"'
                ) from None
        if not isinstance(value, datetime):
            raise _Bad(
                f"{_show(value)} is not a date and time; expected "
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
            raise _Bad(f"{day} is out of range; expected a date from {FIRST_YEAR} to {LAST_YEAR}")
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
        raise _Bad(f'{_show(value)} is not a time of day; expected HH:MM, e.g. "09:30"')

    @staticmethod
    def minutes(value: Any, where: str) -> int:
        """A duration that may be zero."""
        if value in (0, "0", "0m", "0h"):
            return 0
        return _Reader.duration(value, where)

    def clock_range(self, value: Any, where: str) -> tuple[int, int]:
        if not isinstance(value, str) or value.count("-") != 1:
            raise _Bad(
                f'{_show(value)} is not a time range; expected "HH:MM-HH:MM", e.g. "09:00-18:00"'
            )
        first, last = (part.strip() for part in value.split("-"))
        opens = self.clock(first, where)
        closes = self.clock(last, where, allow_24=True)
        if closes <= opens:
            raise _Bad(
                f'{_show(value)} ends before it starts; expected "HH:MM-HH:MM" with the '
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
                raise _Bad(expected)
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
                    raise _Bad(f"{_show(value)} is not a date range; {expected}") from None
            elif " " in text:
                day_text, _, hours = text.partition(" ")
                try:
                    day = self._in_range(date.fromisoformat(day_text))
                    opens, closes = self.clock_range(hours.strip(), where)
                except (ValueError, _Bad):
                    raise _Bad(f"{_show(value)} is not a date with hours; {expected}") from None
                midnight = datetime.combine(day, time())
                start = days.instant(self.tz, midnight + timedelta(minutes=opens))
                end = days.instant(self.tz, midnight + timedelta(minutes=closes))
            else:
                try:
                    day = date.fromisoformat(text)
                except ValueError:
                    raise _Bad(f"{_show(value)} is not a date; {expected}") from None
                start, end = self._whole_days(day, day)
        else:
            raise _Bad(f"{_show(value)} is not a period; {expected}")
        if end <= start:
            raise _Bad(f"{_show(value)} ends before it starts")
        return Period(start, end)

    def _whole_days(self, first: date, last: date) -> tuple[datetime, datetime]:
        """From the first instant of `first` to the first instant after `last`."""
        self._in_range(first)
        self._in_range(last)
        return days.midnight(self.tz, first), days.midnight(self.tz, last + timedelta(days=1))

    def periods(self, value: Any, where: str) -> tuple[Period, ...]:
        return tuple(self.period(item, where) for item in _list(value))

    def color(self, value: Any, where: str) -> str:
        value = self.text(value, where).strip().lower()
        if HEX_COLOR.match(value) or value in webcolors.names("css3"):
            return value
        hint = difflib.get_close_matches(value, webcolors.names("css3"), n=1)
        guess = f" (did you mean {hint[0]!r}?)" if hint else ""
        raise _Bad(
            f"{_show(value)} is not a colour{guess}; "
            'expected a CSS colour name (e.g. "teal") or #RRGGBB'
        )

    def url(self, value: Any, where: str) -> str:
        value = self.text(value, where).strip()
        if not re.fullmatch(r"https?://[^\s/]+\S*", value) or len(value) > 2000:
            raise _Bad(f"{_show(value)} is not a web address; expected https://…")
        return value

    def language(self, value: Any, where: str) -> str:
        value = self.text(value, where).strip()
        if value not in LANGUAGES:
            raise _Bad(
                f"{_show(value)} is not a supported language; expected one of: "
                + ", ".join(LANGUAGES)
            )
        return value


class _Bad(Exception):
    """A value that cannot be converted; the text says what was expected."""


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise _Bad(f"{_show(value)} is not a list; expected [ ... ]")
    return value


def _show(value: Any) -> str:
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


def _folder_url(url: str) -> str:
    return url if not url or url.endswith("/") else url + "/"


def _singular(path: str) -> str:
    base = re.sub(r"\[\d+\]$", "", path.split(".")[-1]) if path else "file"
    return {"sessions": "session", "venues": "venue", "people": "person", "tracks": "track"}.get(
        base, base or "file"
    )


def load(path: str | Path) -> Festival:
    """Read and check the definition at `path`; raise `ConfigError` on any problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([Problem(str(path), None, "", "no such file")]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError([Problem(str(path), None, "", f"cannot be read: {error}")]) from None
    return loads(text, source=str(path))


def loads(text: str, source: str = "<string>") -> Festival:
    """Read and check a definition given as TOML text."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        line = re.search(r"line (\d+)", message)
        problem = Problem(
            source, int(line.group(1)) if line else None, "", f"not valid TOML: {message}"
        )
        raise ConfigError([problem]) from None
    except RecursionError:
        raise ConfigError(
            [Problem(source, None, "", "arrays or tables are nested too deeply to read")]
        ) from None
    except ValueError:  # an integer of more digits than Python converts
        raise ConfigError(
            [Problem(source, None, "", "not valid TOML: a number has thousands of digits")]
        ) from None
    if not raw:
        raise ConfigError(
            [
                Problem(
                    source,
                    None,
                    "",
                    "holds no definition; expected a [festival] table, [[venues]] and "
                    "[[sessions]] (see config/README.md)",
                )
            ]
        )
    reader = _Reader(source, text)
    festival = _build(raw, reader)
    if reader.problems:
        raise ConfigError(reader.problems)
    assert festival is not None
    return festival


def _tables(raw: dict[str, Any], name: str, reader: _Reader) -> list[tuple[str, dict]]:
    value = raw.get(name, [])
    if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
        reader.fail(name, f"expected an array of tables, written [[{name}]]")
        return []
    return [(f"{name}[{i}]", table) for i, table in enumerate(value)]


def _build(raw: dict[str, Any], r: _Reader) -> Festival | None:
    r.check_keys(raw, TOP_KEYS, "")
    head = raw.get("festival")
    if not isinstance(head, dict):
        r.fail(
            "festival",
            "missing; the file needs a [festival] table with id, name, timezone, start and end",
        )
        return None  # every date and time below depends on it
    festival_fields = _festival_fields(head, r)
    tracks = [_track(t, p, r) for p, t in _tables(raw, "tracks", r)]
    venues = [_venue(t, p, r) for p, t in _tables(raw, "venues", r)]
    default_break = r.get(head, "break", "festival", r.minutes, default=0)
    people = [_person(t, p, r, default_break) for p, t in _tables(raw, "people", r)]
    sessions = [_session(t, p, r) for p, t in _tables(raw, "sessions", r)]
    weights = _weights(raw.get("weights", {}), r)
    for kind, items in (
        ("tracks", tracks),
        ("venues", venues),
        ("people", people),
        ("sessions", sessions),
    ):
        _check_unique(kind, items, r)
    if not sessions:
        r.fail("sessions", "no sessions; add at least one [[sessions]] table")
    if not venues:
        r.fail("venues", "no venues; add at least one [[venues]] table")
    if r.problems:
        return None
    festival = Festival(
        **festival_fields,
        tracks=tuple(tracks),
        venues=tuple(venues),
        people=tuple(people),
        sessions=tuple(sessions),
        weights=weights,
        source=r.source,
        lines=r.lines,
    )
    _check_references(festival, r)
    _check_after_cycles(festival, r)
    _check_fits_hours(festival, r)
    _check_calendar(festival, r)
    return festival


def _festival_fields(head: dict[str, Any], r: _Reader) -> dict[str, Any]:
    p = "festival"
    r.check_keys(head, FESTIVAL_KEYS, p)
    timezone = r.get(head, "timezone", p, r.text, default="UTC", required=True)
    try:
        if len(timezone) > 60 or not ZONE_NAME.match(timezone):
            raise ValueError(timezone)
        r.tz = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        r.fail(
            f"{p}.timezone",
            f'{_show(timezone)} is not a known IANA time zone; expected e.g. "Asia/Shanghai"',
        )
        timezone = "UTC"
    start = r.get(head, "start", p, r.date, required=True)
    end = r.get(head, "end", p, r.date, required=True)
    if start and end and end < start:
        r.fail(f"{p}.end", f"{end} is before festival.start {start}; expected a later date")
    elif start and end and (end - start).days >= MAX_WINDOW:
        r.fail(
            f"{p}.end",
            f"the festival would last {(end - start).days + 1} days; expected at most {MAX_WINDOW}",
        )
    step = r.get(head, "step", p, r.duration, default=30)
    if step and (1440 % step):
        r.fail(f"{p}.step", f'{step} minutes does not divide a day; use e.g. "15m", "30m", "1h"')
    return {
        "id": r.get(head, "id", p, r.slug, default="festival", required=True),
        "name": r.get(head, "name", p, r.line, default="", required=True),
        "timezone": timezone,
        "start": start,
        "end": end,
        "days": _day_rule(head, r),
        "blackout": r.get(head, "blackout", p, r.dates, default=()),
        "max_sessions_per_day": r.get(head, "max_sessions_per_day", p, r.positive),
        "step": step,
        "spread_days": r.get(head, "spread_days", p, r.positive),
        "description": r.get(head, "description", p, r.text, default=""),
        "url": r.get(head, "url", p, r.url, default=""),
        "feed_url": _folder_url(r.get(head, "feed_url", p, r.url, default="")),
        "refresh": r.get(head, "refresh", p, r.duration, default=60),
        "language": r.get(head, "language", p, r.language, default="en"),
        "exclusive_tags": r.get(head, "exclusive_tags", p, r.texts, default=()),
    }


def _day_rule(head: dict[str, Any], r: _Reader) -> DayRule:
    value = r.get(head, "days", "festival", r.text, default="all")
    fallback = r.get(head, "workdays_fallback", "festival", r.flag, default=False)
    if value in ("all", "weekdays"):
        return DayRule(value)
    match = re.fullmatch(r"workdays:([A-Z]{2})", value or "")
    if match:
        return DayRule("workdays", match.group(1), fallback)
    r.fail(
        "festival.days",
        f'{_show(value)} is not a day rule; expected "all", "weekdays" or '
        '"workdays:CC" with a country code, e.g. "workdays:CN"',
    )
    return DayRule("all")


def _track(t: dict[str, Any], p: str, r: _Reader) -> Track:
    r.check_keys(t, TRACK_KEYS, p)
    track_id = r.get(t, "id", p, r.slug, default="?", required=True)
    return Track(
        id=track_id,
        name=r.get(t, "name", p, r.line, default=track_id),
        color=r.get(t, "color", p, r.color, default="gray"),
    )


def _venue(t: dict[str, Any], p: str, r: _Reader) -> Venue:
    r.check_keys(t, VENUE_KEYS, p)
    venue_id = r.get(t, "id", p, r.slug, default="?", required=True)
    opens, closes = r.get(t, "hours", p, r.clock_range, default=(0, 1440))
    return Venue(
        id=venue_id,
        name=r.get(t, "name", p, r.line, default=venue_id),
        city=r.get(t, "city", p, r.line, default="", required=True),
        address=r.get(t, "address", p, r.line, default=""),
        capacity=r.get(t, "capacity", p, r.count, default=0, required=True),
        opens=opens,
        closes=closes,
        features=frozenset(r.get(t, "features", p, r.texts, default=())),
        closed=r.get(t, "closed", p, r.periods, default=()),
        changeover=r.get(t, "changeover", p, r.minutes, default=0),
    )


def _person(t: dict[str, Any], p: str, r: _Reader, default_break: int) -> Person:
    r.check_keys(t, PERSON_KEYS, p)
    person_id = r.get(t, "id", p, r.slug, default="?", required=True)
    return Person(
        id=person_id,
        name=r.get(t, "name", p, r.line, default=person_id),
        unavailable=r.get(t, "unavailable", p, r.periods, default=()),
        rest=r.get(t, "break", p, r.minutes, default=default_break),
    )


def _session(t: dict[str, Any], p: str, r: _Reader) -> Session:
    r.check_keys(t, SESSION_KEYS, p)
    return Session(
        id=r.get(t, "id", p, r.slug, default="?", required=True),
        title=r.get(t, "title", p, r.line, default="", required=True),
        duration=r.get(t, "duration", p, r.duration, default=60, required=True),
        track=r.get(t, "track", p, r.slug),
        attendance=r.get(t, "attendance", p, r.count, default=0),
        needs=frozenset(r.get(t, "needs", p, r.texts, default=())),
        cities=r.get(t, "cities", p, r.texts, default=()),
        venues=r.get(t, "venues", p, r.slugs, default=()),
        people=r.get(t, "people", p, r.slugs, default=()),
        earliest=r.get(t, "earliest", p, r.earliest),
        latest=r.get(t, "latest", p, r.latest),
        fixed=r.get(t, "fixed", p, lambda v, w: _fixed(v, w, r)),
        after=r.get(t, "after", p, r.slugs, default=()),
        prefer=r.get(t, "prefer", p, lambda v, w: _prefer(v, w, r), default=Preference()),
        description=r.get(t, "description", p, r.text, default=""),
        pinned=r.get(t, "pinned", p, r.flag, default=False),
        tags=r.get(t, "tags", p, r.texts, default=()),
        not_with=r.get(t, "not_with", p, r.slugs, default=()),
    )


def _fixed(value: Any, where: str, r: _Reader) -> Fixed:
    if not isinstance(value, dict):
        return Fixed(r.moment(value, where))
    r.check_keys(value, FIXED_KEYS, where)
    if "start" not in value:
        raise _Bad('needs a start, e.g. fixed = { start = 2023-10-09T09:30:00, venue = "bj" }')
    return Fixed(
        start=r.moment(value["start"], f"{where}.start"),
        venue=r.slug(value["venue"], f"{where}.venue") if "venue" in value else None,
    )


def _prefer(value: Any, where: str, r: _Reader) -> Preference:
    if not isinstance(value, dict):
        raise _Bad('expected a table, e.g. prefer = { dates = [2023-10-12], time = "morning" }')
    r.check_keys(value, PREFER_KEYS, where)
    window = None
    if "time" in value:
        raw = value["time"]
        raw = "-".join(TIMES_OF_DAY[raw]) if raw in TIMES_OF_DAY else raw
        try:
            window = r.clock_range(raw, f"{where}.time")
        except _Bad:
            raise _Bad(
                f'time {value["time"]!r} is not "morning", "afternoon", "evening" or "HH:MM-HH:MM"'
            ) from None
    return Preference(
        dates=r.dates(value.get("dates", []), f"{where}.dates"),
        venues=r.slugs(value.get("venues", []), f"{where}.venues"),
        time=window,
    )


def _weights(value: Any, r: _Reader) -> Weights:
    if not isinstance(value, dict):
        r.fail("weights", "expected a [weights] table")
        return Weights()
    r.check_keys(value, WEIGHT_KEYS, "weights")
    defaults = Weights()
    return Weights(
        **{
            key: r.get(value, key, "weights", r.weight, default=defaults.of(key))
            for key in WEIGHT_KEYS
        }
    )


def _check_unique(kind: str, items: list[Any], r: _Reader) -> None:
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        if item.id in seen:
            r.fail(
                f"{kind}[{index}].id",
                f"duplicate id {item.id!r}; already used by "
                f"{kind}[{seen[item.id]}] (line {r.lines.line(f'{kind}[{seen[item.id]}]')})",
            )
        else:
            seen[item.id] = index


def _check_references(f: Festival, r: _Reader) -> None:
    tracks = {t.id for t in f.tracks}
    venues = {v.id for v in f.venues}
    people = {p.id for p in f.people}
    sessions = {s.id for s in f.sessions}
    cities = {v.city for v in f.venues}

    def check(path: str, value: str, known: set[str], kind: str) -> None:
        if value not in known:
            hint = difflib.get_close_matches(value, sorted(known), n=1)
            guess = f" (did you mean {hint[0]!r}?)" if hint else ""
            listed = ", ".join(sorted(known)) or "none defined"
            r.fail(path, f"unknown {kind} {_show(value)}{guess}; expected one of: {listed}")

    tags = {t for s in f.sessions for t in s.tags}
    for tag in f.exclusive_tags:
        check("festival.exclusive_tags", tag, tags, "tag (no session has it)")
    for i, s in enumerate(f.sessions):
        p = f"sessions[{i}]"
        if s.track is not None:
            check(f"{p}.track", s.track, tracks, "track")
        for v in s.venues:
            check(f"{p}.venues", v, venues, "venue")
        for c in s.cities:
            check(f"{p}.cities", c, cities, "city")
        for person in s.people:
            check(f"{p}.people", person, people, "person")
        for a in s.after:
            check(f"{p}.after", a, sessions - {s.id}, "session")
        for other in s.not_with:
            check(f"{p}.not_with", other, sessions - {s.id}, "session")
        for v in s.prefer.venues:
            check(f"{p}.prefer.venues", v, venues, "venue")
        if s.fixed and s.fixed.venue:
            check(f"{p}.fixed.venue", s.fixed.venue, venues, "venue")
        if s.earliest and s.latest and s.latest <= s.earliest:
            r.fail(f"{p}.latest", f"{s.latest} is not after earliest {s.earliest}")


def _check_after_cycles(f: Festival, r: _Reader) -> None:
    """`after` must not loop back on itself (a → b → a)."""
    order = graphlib.TopologicalSorter({s.id: s.after for s in f.sessions})
    try:
        order.prepare()
    except graphlib.CycleError as error:
        loop = list(reversed(error.args[1]))  # graphlib lists it from successor to predecessor
        index = {s.id: i for i, s in enumerate(f.sessions)}
        shown = loop if len(loop) <= 8 else [*loop[:4], f"… {len(loop) - 6} more …", *loop[-2:]]
        chain = " → after → ".join(shown)
        r.fail(
            f"sessions[{index[loop[0]]}].after",
            f"'after' forms a cycle: {chain}; expected an order without loops",
        )


def _check_fits_hours(f: Festival, r: _Reader) -> None:
    """A session longer than every venue day it may use can never be placed."""
    for i, s in enumerate(f.sessions):
        allowed = [
            v
            for v in f.venues
            if (not s.venues or v.id in s.venues) and (not s.cities or v.city in s.cities)
        ]
        if not allowed:
            continue
        longest = max(allowed, key=lambda v: v.hours_minutes)
        if s.duration > longest.hours_minutes:
            r.fail(
                f"sessions[{i}].duration",
                f"{_hours(s.duration)} is longer than the opening hours of every venue it may "
                f"use (longest: {longest.id}, {_clock(longest.opens)}-{_clock(longest.closes)}, "
                f"{_hours(longest.hours_minutes)}); expected at most that",
            )


def _check_calendar(f: Festival, r: _Reader) -> None:
    try:
        days.working_days(f.days, f.start, f.end)
    except days.CalendarError as error:
        r.fail("festival.days", str(error))


def _hours(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours}h{rest:02d}m" if rest else f"{hours}h"


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
