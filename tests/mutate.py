"""Seeded mutations of definition files, as a careless editor, a bad merge or a hostile
user would make them: structure, types, ranges, text, nesting, truncation, encodings.

`mutants(text, rng, n)` yields `(description, bytes)`; the same seed gives the same
mutants.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator

VALUE = re.compile(r"^(\s*[A-Za-z0-9_.\-\"]+\s*=\s*)(.+)$")
HEADER = re.compile(r"^\s*\[")

WEIRD_TEXT = [
    "",
    " ",
    "Intro [part 1",
    "{ not a table",
    '"quoted"',
    "line one\\nline two",
    "tab\\there",
    "\\u0000",
    "\\u001b[31mred",
    "\\u202eright-to-left",
    "e\\u0301",  # a combining accent
    "🎉 emoji",
    "名" * 300,
    "x" * 5000,
    "../../etc/passwd",
    "%s%n",
]
WEIRD_VALUES = [
    "0",
    "-1",
    "1e400",
    "inf",
    "nan",
    "99999999999999999999",
    "9" * 5000,
    "true",
    "[]",
    "{}",
    "[[]]",
    "1979-05-27T07:32:00Z",
    "0001-01-01",
    "9999-12-31",
    "2023-02-30",
    '"25:00-26:00"',
    '"09:00-09:00"',
    '"0m"',
    '"-5m"',
    '"99999h"',
    '"1h61m"',
    '"2023-10-09 24:00"',
    '"2024-03-10 02:30"',
    '"2024-11-03 01:30"',
    '"America/New_York"',
    '"Etc/GMT+14"',
    '"Asia/Kathmandu"',
    '"workdays:XX"',
    '"workdays:US"',
    "[" * 300 + "]" * 300,
    "{ a = { b = { c = { d = 1 } } } }",
]


def _lines(text: str) -> list[str]:
    return text.split("\n")


def _value_lines(lines: list[str]) -> list[int]:
    return [i for i, line in enumerate(lines) if VALUE.match(line) and not HEADER.match(line)]


def _set_value(text: str, rng: random.Random, value: str) -> str:
    lines = _lines(text)
    found = _value_lines(lines)
    if not found:
        return text
    i = rng.choice(found)
    lines[i] = VALUE.sub(lambda m: m.group(1) + value, lines[i])
    return "\n".join(lines)


def delete_line(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    del lines[rng.randrange(len(lines))]
    return "\n".join(lines)


def duplicate_line(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    i = rng.randrange(len(lines))
    lines.insert(i, lines[i])
    return "\n".join(lines)


def swap_lines(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines)


def _table(lines: list[str], rng: random.Random) -> tuple[int, int] | None:
    """The lines of one table, picked at random: (its header, the next header)."""
    headers = [i for i, line in enumerate(lines) if HEADER.match(line)]
    if not headers:
        return None
    start = rng.choice(headers)
    return start, next((i for i in headers if i > start), len(lines))


def drop_table(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    span = _table(lines, rng)
    return "\n".join(lines[: span[0]] + lines[span[1] :]) if span else text


def duplicate_table(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    span = _table(lines, rng)
    if not span:
        return text
    start, end = span
    return "\n".join(lines[:end] + lines[start:end] + lines[end:])


def weird_value(text: str, rng: random.Random) -> str:
    return _set_value(text, rng, rng.choice(WEIRD_VALUES))


def weird_text(text: str, rng: random.Random) -> str:
    return _set_value(text, rng, '"' + rng.choice(WEIRD_TEXT) + '"')


def other_type(text: str, rng: random.Random) -> str:
    """A value of another type: text for a number, a number for text, a list, a table."""
    lines = _lines(text)
    found = _value_lines(lines)
    if not found:
        return text
    i = rng.choice(found)
    value = VALUE.match(lines[i]).group(2).strip()
    if value.startswith('"'):
        replacement = rng.choice(["42", "true", "[" + value + "]", "{ x = " + value + " }"])
    elif value.startswith("["):
        replacement = rng.choice([value[1:-1] or '""', '"' + value.replace('"', "") + '"', "7"])
    else:
        replacement = rng.choice(['"' + value + '"', "[" + value + "]", "false"])
    lines[i] = VALUE.sub(lambda m: m.group(1) + replacement, lines[i])
    return "\n".join(lines)


def unknown_key(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    headers = [i for i, line in enumerate(lines) if HEADER.match(line)] or [0]
    at = rng.choice(headers) + 1
    key = rng.choice(["colour", "duraton", "venue", "a.b.c", '"spaced key"', "break", "tags"])
    lines.insert(at, f"{key} = {rng.choice(WEIRD_VALUES[:12])}")
    return "\n".join(lines)


def rename_id(text: str, rng: random.Random) -> str:
    """An id changed in one place only: references to it break."""
    ids = re.findall(r'^id = "([^"]+)"', text, flags=re.M)
    if not ids:
        return text
    old = rng.choice(ids)
    return text.replace(f'id = "{old}"', f'id = "{old}x"', 1)


def nest(text: str, rng: random.Random) -> str:
    depth = rng.choice([50, 300, 2000])
    return _set_value(text, rng, "[" * depth + "1" + "]" * depth)


def truncate(text: str, rng: random.Random) -> str:
    return text[: rng.randrange(len(text) + 1)]


def garbage(text: str, rng: random.Random) -> str:
    at = rng.randrange(len(text) + 1)
    junk = "".join(rng.choice("[]{}=\"'#\\\n,.x0") for _ in range(rng.randint(1, 8)))
    return text[:at] + junk + text[at:]


PLAUSIBLE = {
    "duration": ['"30m"', '"45m"', '"1h"', '"90m"', '"2h"', '"3h"', "60"],
    "hours": ['"08:00-20:00"', '"00:00-24:00"', '"09:00-12:00"', '"13:30-18:00"'],
    "attendance": ["0", "50", "150", "5000"],
    "capacity": ["30", "200", "2000"],
    "changeover": ['"0m"', '"15m"', '"1h"'],
    "break": ['"0m"', '"15m"', '"45m"'],
    "step": ['"15m"', '"30m"', '"1h"', '"2h"'],
    "max_sessions_per_day": ["1", "2", "5"],
    "spread_days": ["1", "3"],
}


def plausible_value(text: str, rng: random.Random) -> str:
    """A value an organiser might really write instead: the file may well stay valid."""
    lines = _lines(text)
    found = [
        i
        for i in _value_lines(lines)
        if VALUE.match(lines[i]).group(1).split("=")[0].strip() in PLAUSIBLE
    ]
    if not found:
        return text
    i = rng.choice(found)
    key = VALUE.match(lines[i]).group(1).split("=")[0].strip()
    lines[i] = VALUE.sub(lambda m: m.group(1) + rng.choice(PLAUSIBLE[key]), lines[i])
    return "\n".join(lines)


def drop_session(text: str, rng: random.Random) -> str:
    """A session removed (and, where it was referred to, a broken reference)."""
    lines = _lines(text)
    starts = [i for i, line in enumerate(lines) if line.strip() == "[[sessions]]"]
    if len(starts) < 2:
        return text
    start = rng.choice(starts)
    end = next((i for i, line in enumerate(lines) if i > start and HEADER.match(line)), len(lines))
    return "\n".join(lines[:start] + lines[end:])


TEXT_MUTATIONS: list[Callable[[str, random.Random], str]] = [
    plausible_value,
    plausible_value,
    plausible_value,
    drop_session,
    delete_line,
    duplicate_line,
    swap_lines,
    drop_table,
    duplicate_table,
    weird_value,
    weird_text,
    other_type,
    unknown_key,
    rename_id,
    nest,
    truncate,
    garbage,
]


def _encode(text: str, rng: random.Random) -> tuple[str, bytes]:
    """Mostly UTF-8; sometimes another encoding, a BOM, or bytes that are not UTF-8."""
    roll = rng.random()
    if roll < 0.85:
        return "utf-8", text.encode("utf-8")
    if roll < 0.89:
        return "utf-16", text.encode("utf-16")
    if roll < 0.92:
        return "gb18030", text.encode("gb18030")
    if roll < 0.95:
        return "bom", b"\xef\xbb\xbf" + text.encode("utf-8")
    data = bytearray(text.encode("utf-8"))
    for _ in range(rng.randint(1, 4)):
        data.insert(rng.randrange(len(data) + 1), rng.choice([0xFF, 0xC3, 0x80, 0x00]))
    return "bad bytes", bytes(data)


def mutants(text: str, rng: random.Random, count: int) -> Iterator[tuple[str, bytes]]:
    """`count` mutants of `text`, each one to three mutations, then an encoding."""
    for _ in range(count):
        mutated = text
        names = []
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            mutation = rng.choice(TEXT_MUTATIONS)
            names.append(mutation.__name__)
            mutated = mutation(mutated, rng)
        encoding, data = _encode(mutated, rng)
        yield f"{'+'.join(names)} ({encoding})", data
