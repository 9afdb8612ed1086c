"""What attendees want to see: `[festival] interest = "<file>.csv"`, read and aggregated.

The file has a header `attendee,session` and one row per attendee's chosen
session. The planner never looks at attendees one by one: it weighs each pair
of sessions by how many attendees chose both (`pair_weights`), so thousands of
attendees add no more to the model than the pairs they share.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations
from pathlib import Path

from . import files
from .problems import Capped, more_of_the_same

HEADER = ("attendee", "session")
#: the largest interest file read, in bytes (a bigger one is a mistake, not a programme)
MAX_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Choice:
    """One attendee and the sessions they chose, in the order of the file."""

    attendee: str
    sessions: tuple[str, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the interest file: where, and what was expected."""

    line: int | None
    message: str


def parse(text: str, known: Iterable[str]) -> tuple[tuple[Choice, ...], list[Problem]]:
    """The attendees' choices in CSV `text`, and the problems found (unknown sessions,
    malformed or duplicate rows, a wrong header, no rows): the first of each kind
    (`scheduler.problems`), then how many more. Read row by row: memory grows with the
    choices, not with the rows."""
    sessions = set(known)
    problems: Capped[Problem] = Capped(lambda n, _: Problem(None, more_of_the_same(n)))
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = _rows(reader, problems)
    header_row = next((row for row in rows if row), None)
    if header_row is None:
        empty = Problem(None, "is empty; expected a header attendee,session and rows")
        return (), problems.items() or [empty]
    header = tuple(cell.strip() for cell in header_row)
    if header != HEADER:
        shown = ",".join(header)[:60]
        return (), [Problem(1, f"header is {shown!r}; expected exactly attendee,session")]
    chosen: dict[str, list[str]] = {}
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        line = reader.line_num
        if not row:
            continue  # a blank line
        if len(row) != 2 or not row[0].strip() or not row[1].strip():
            problems.add(
                Problem(
                    line, f"{','.join(row)[:60]!r} is not attendee,session; expected two values"
                )
            )
            continue
        attendee, session = row[0].strip(), row[1].strip()
        if session not in sessions:
            problems.add(Problem(line, f"unknown session {session[:60]!r}"))
            continue
        if (attendee, session) in seen:
            problems.add(
                Problem(
                    line,
                    f"{attendee[:60]!r} chose {session!r} already on line "
                    f"{seen[(attendee, session)]}; expected each choice once",
                )
            )
            continue
        seen[(attendee, session)] = line
        chosen.setdefault(attendee, []).append(session)
    if not chosen and not problems:
        problems.add(Problem(None, "has a header but no rows; expected attendee,session rows"))
    return tuple(Choice(a, tuple(s)) for a, s in chosen.items()), problems.items()


def _rows(reader: Iterator[list[str]], problems: Capped[Problem]) -> Iterator[list[str]]:
    """The rows of `reader` until the text stops being CSV (said in `problems`)."""
    try:
        yield from reader
    except csv.Error as error:  # e.g. a field longer than csv allows, a NUL byte
        line = getattr(reader, "line_num", None)
        problems.add(Problem(line, f"is not CSV from here on ({error}); the rest is not read"))


def read(path: Path, known: Iterable[str]) -> tuple[tuple[Choice, ...], list[Problem]]:
    """`parse` the file at `path`: a regular file of UTF-8 text, at most `MAX_BYTES`
    (counted as read: a device or a pipe is refused before it is read)."""
    try:
        data = files.read_bounded(path, MAX_BYTES)
    except files.Unreadable as error:
        return (), [Problem(None, error.reason)]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return (), [Problem(None, f"is not UTF-8 text ({error.reason} at byte {error.start})")]
    return parse(text, known)


@lru_cache(maxsize=8)
def pair_weights(choices: tuple[Choice, ...]) -> dict[tuple[str, str], int]:
    """How many attendees chose both sessions of each pair (a < b). Cached: every step
    of a neighbourhood search asks again."""
    counted: Counter[tuple[str, str]] = Counter()
    for choice in choices:
        counted.update(combinations(sorted(set(choice.sessions)), 2))
    return dict(sorted(counted.items()))


@dataclass(frozen=True)
class Clashes:
    """Attendees who cannot see everything they chose, and how often."""

    attendees: int  # with at least one clash
    clashes: int  # (attendee, pair of chosen sessions) that overlap


def clashes(choices: Iterable[Choice], overlap: Callable[[str, str], bool]) -> Clashes:
    """Count, for a timetable, the attendees with a clash and the clashing pairs."""
    attendees = total = 0
    for choice in choices:
        mine = sum(overlap(a, b) for a, b in combinations(sorted(set(choice.sessions)), 2))
        attendees += bool(mine)
        total += mine
    return Clashes(attendees, total)


def as_json(counted: Clashes, before: Clashes | None) -> Mapping[str, object]:
    """The counts as `timetable.json` shows them."""
    shown: dict[str, object] = {"with_clash": counted.attendees, "clashes": counted.clashes}
    if before is not None:
        shown["before"] = {"with_clash": before.attendees, "clashes": before.clashes}
    return shown
