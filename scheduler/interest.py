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
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations
from pathlib import Path

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
    """The attendees' choices in CSV `text`, and every problem found (unknown sessions,
    malformed or duplicate rows, a wrong header, no rows)."""
    sessions = set(known)
    problems: list[Problem] = []
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows or not any(rows):
        return (), [Problem(None, "is empty; expected a header attendee,session and rows")]
    header = tuple(cell.strip() for cell in rows[0])
    if header != HEADER:
        shown = ",".join(header)[:60]
        return (), [Problem(1, f"header is {shown!r}; expected exactly attendee,session")]
    chosen: dict[str, list[str]] = {}
    seen: dict[tuple[str, str], int] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not row:
            continue  # a blank line
        if len(row) != 2 or not row[0].strip() or not row[1].strip():
            problems.append(
                Problem(
                    line, f"{','.join(row)[:60]!r} is not attendee,session; expected two values"
                )
            )
            continue
        attendee, session = row[0].strip(), row[1].strip()
        if session not in sessions:
            problems.append(Problem(line, f"unknown session {session[:60]!r}"))
            continue
        if (attendee, session) in seen:
            problems.append(
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
        problems.append(Problem(None, "has a header but no rows; expected attendee,session rows"))
    return tuple(Choice(a, tuple(s)) for a, s in chosen.items()), problems


def read(path: Path, known: Iterable[str]) -> tuple[tuple[Choice, ...], list[Problem]]:
    """`parse` the file at `path` (UTF-8, at most `MAX_BYTES`)."""
    try:
        if path.stat().st_size > MAX_BYTES:
            return (), [Problem(None, f"is larger than {MAX_BYTES // 2**20} MB")]
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        return (), [Problem(None, "no such file")]
    except UnicodeDecodeError as error:
        return (), [Problem(None, f"is not UTF-8 text ({error.reason} at byte {error.start})")]
    except OSError as error:
        return (), [Problem(None, f"cannot be read: {error.strerror}")]
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
