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


# --- hostile schedules to import (frab / c3voc XML and JSON) ---------------------------

WEIRD_SCALARS: list[object] = [
    None, "", " ", 0, -1, 2**63, 1e308, True, [], {}, "null", "0001-01-01T00:00:00",
    "9999-12-31T23:59:59+14:00", "1900-01-01", "2024-02-30T10:00:00+01:00", "25:00",
    "1:00:99", "０１:００", "99:99", "-0:30", "00:00", "23:59:59", "x" * 100_000,
    "<p>html &amp; <b>bold</b></p>", "名" * 200, "\u202e\u0000\u001b[31m", "Europe/Nowhere",
    "Etc/GMT+14", "../../etc/passwd", {"en": None, "de": 5},
]  # fmt: skip


def json_paths(value, prefix=()):
    """Every path into a JSON document (keys and list indexes)."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from json_paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from json_paths(item, (*prefix, index))


def _set(document, path, value):
    target = document
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value


def _json_mutation(document: dict, rng: random.Random) -> tuple[str, object]:
    """One change to a parsed schedule.json: a value replaced, removed, nested, every
    scalar nulled, far dates, repeated events, an empty programme."""
    import copy

    document = copy.deepcopy(document)
    paths = [p for p in json_paths(document) if p]
    kind = rng.choice(
        ["replace", "replace", "replace", "remove", "nest", "nulls", "dates", "repeat",
         "empty", "wrong-root", "huge-list"]
    )  # fmt: skip
    if kind == "replace":
        _set(document, rng.choice(paths), rng.choice(WEIRD_SCALARS))
    elif kind == "remove":
        path = rng.choice(paths)
        target = document
        for part in path[:-1]:
            target = target[part]
        del target[path[-1]]
    elif kind == "nest":  # deeper than Python's recursion: see `schedule_mutants`
        nested: object = 1
        for _ in range(rng.choice([20, 300])):
            nested = [nested]
        _set(document, rng.choice(paths), nested)
    elif kind == "nulls":
        for path in paths:
            value = document
            for part in path:
                value = value[part]
            if not isinstance(value, dict | list):
                _set(document, path, None)
    elif kind == "dates":
        year = rng.choice(["0001", "1900", "9999", "2199", "2200"])
        for path in paths:
            if path[-1] in ("date", "start", "end", "day_start", "day_end"):
                value = document
                for part in path:
                    value = value[part]
                if isinstance(value, str) and len(value) >= 10:
                    _set(document, path, year + value[4:])
    elif kind == "repeat":
        for path in paths:
            if len(path) >= 2 and path[-2] == "rooms" and isinstance(path[-1], str):
                value = document
                for part in path:
                    value = value[part]
                if isinstance(value, list) and value:
                    _set(document, path, value * rng.choice([2, 50]))
                    break
    elif kind == "empty":
        for day in document.get("schedule", {}).get("conference", {}).get("days", []) or []:
            if isinstance(day, dict):
                day["rooms"] = {}
    elif kind == "wrong-root":
        return kind, rng.choice([[], [document], "schedule", {"schedule": []}])
    elif kind == "huge-list":
        conference = document.get("schedule", {}).get("conference", {})
        if isinstance(conference, dict):
            conference["rooms"] = [{"name": f"R{i}", "guid": "g"} for i in range(20_000)]
    return kind, document


XML_ELEMENT = re.compile(rb"<(\w+)([^<>]*)>([^<]*)</\1>")


def _xml_mutation(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    """One change to a schedule.xml's text: entities, a DTD, deep nesting, an element's
    text or an attribute replaced, elements dropped or repeated, truncation."""
    kind = rng.choice(
        ["text", "text", "text", "attribute", "entities", "dtd", "nest", "drop", "repeat",
         "truncate", "garbage", "far-dates", "empty"]
    )  # fmt: skip
    if kind == "entities":
        bomb = b'<!DOCTYPE schedule [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        return kind, data.replace(b"<schedule>", bomb + b"<schedule>&b;", 1)
    if kind == "dtd":
        return kind, data.replace(b"<schedule>", b'<!DOCTYPE schedule SYSTEM "x.dtd"><schedule>', 1)
    if kind == "nest":
        depth = rng.choice([100, 5_000, 100_000])
        return kind, data.replace(
            b"</conference>", b"<x>" * depth + b"</x>" * depth + b"</conference>", 1
        )
    if kind == "truncate":
        return kind, data[: rng.randrange(len(data) + 1)]
    if kind == "garbage":
        at = rng.randrange(len(data) + 1)
        return kind, data[:at] + bytes(rng.choice(b"<>&;\"'\x00\xff") for _ in range(4)) + data[at:]
    if kind == "far-dates":
        year = rng.choice([b"0001", b"1900", b"9999"])
        return kind, re.sub(rb"20\d\d-(\d\d-\d\d)", year + rb"-\1", data)
    if kind == "empty":
        return kind, re.sub(rb"<event [\s\S]*?</event>", b"", data)
    matches = list(XML_ELEMENT.finditer(data))
    if not matches:
        return kind, data
    match = rng.choice(matches)
    if kind == "text":
        value = rng.choice(WEIRD_SCALARS)
        text = "" if value is None else str(value)
        escaped = text.replace("&", "&amp;").replace("<", "&lt;").encode("utf-8", "replace")
        return kind, data[: match.start(3)] + escaped + data[match.end(3) :]
    if kind == "attribute":
        attributes = list(re.finditer(rb'(\w+)="[^"]*"', data))
        if not attributes:
            return kind, data
        found = rng.choice(attributes)
        value = rng.choice([b"", b"-1", b"x", b"99999999999999999999", b"0", b"\xc3"])
        return kind, data[: found.start()] + found.group(1) + b'="' + value + b'"' + data[
            found.end() :
        ]
    if kind == "drop":
        return kind, data[: match.start()] + data[match.end() :]
    return kind, data[: match.end()] + match.group(0) * rng.choice([2, 30]) + data[match.end() :]


def schedule_mutants(data: bytes, rng: random.Random, count: int) -> Iterator[tuple[str, bytes]]:
    """`count` hostile variants of a schedule.xml or schedule.json, each one or two
    mutations, then sometimes a byte order mark, another encoding or bad bytes."""
    import json

    is_json = data.lstrip()[:1] in (b"{", b"[")
    for _ in range(count):
        names = []
        if is_json:
            document: object = json.loads(data)
            for _ in range(rng.choice([1, 1, 2])):
                if not isinstance(document, dict):
                    break
                kind, document = _json_mutation(document, rng)
                names.append(kind)
            try:
                mutated = json.dumps(document, ensure_ascii=False).encode("utf-8")
            except (ValueError, RecursionError):
                mutated = data[: len(data) // 2]
                names.append("unencodable")
            if rng.random() < 0.05:  # nesting no parser should follow to its end
                depth = rng.choice([5_000, 200_000])
                deep = b'"persons": ' + b"[" * depth + b"]" * depth + b", "
                mutated = mutated.replace(b'"persons": ', deep, 1)
                names.append(f"nested {depth}")
        else:
            mutated = data
            for _ in range(rng.choice([1, 1, 2])):
                kind, mutated = _xml_mutation(mutated, rng)
                names.append(kind)
        roll = rng.random()
        if roll < 0.08:
            mutated, names = b"\xef\xbb\xbf" + mutated, [*names, "bom"]
        elif roll < 0.11:
            mutated, names = mutated.decode("utf-8", "replace").encode("utf-16"), [*names, "utf-16"]
        elif roll < 0.14:
            at = rng.randrange(len(mutated) + 1)
            mutated, names = mutated[:at] + b"\xff\xfe\x00" + mutated[at:], [*names, "bad bytes"]
        yield "+".join(names), mutated


# --- hostile interest files (attendee,session CSV) -------------------------------------


def interest_mutants(
    text: str, sessions: list[str], rng: random.Random, count: int
) -> Iterator[tuple[str, bytes]]:
    """`count` hostile variants of an interest CSV: wrong headers and columns, unknown
    and repeated choices, quoting gone wrong, huge fields, NUL bytes, encodings."""
    lines = text.splitlines()
    for _ in range(count):
        kind = rng.choice(
            ["header", "columns", "unknown", "repeat", "quotes", "huge-field", "nul",
             "blank", "only-header", "many-rows", "truncate", "encoding", "bom", "semicolons"]
        )  # fmt: skip
        body = list(lines)
        if kind == "header":
            body[0] = rng.choice(["session,attendee", "attendee;session", "", "a,b,c", "名,会"])
        elif kind == "columns":
            body.insert(rng.randrange(1, len(body) + 1), rng.choice(["x", "a,b,c", ",", "a,"]))
        elif kind == "unknown":
            body += [f"u{i},nope-{i}" for i in range(rng.choice([1, 500]))]
        elif kind == "repeat":
            body += [body[-1]] * rng.choice([1, 5_000])
        elif kind == "quotes":
            body.insert(rng.randrange(1, len(body) + 1), '"unclosed,' + rng.choice(sessions))
        elif kind == "huge-field":
            body.append('"' + "x" * 300_000 + '",' + rng.choice(sessions))
        elif kind == "nul":
            body.append("a\x00b," + rng.choice(sessions))
        elif kind == "blank":
            body = ["", "", *body, "", ""]
        elif kind == "only-header":
            body = body[:1]
        elif kind == "many-rows":
            body += [f"p{i},{rng.choice(sessions)}" for i in range(20_000)]
        elif kind == "truncate":
            joined = "\n".join(body)
            body = [joined[: rng.randrange(len(joined) + 1)]]
        elif kind == "semicolons":
            body = [line.replace(",", ";") for line in body]
        data = ("\n".join(body) + "\n").encode("utf-8")
        if kind == "encoding":
            data = data.decode().encode(rng.choice(["utf-16", "gb18030", "latin-1"]), "replace")
        elif kind == "bom":
            data = b"\xef\xbb\xbf" + data
        yield kind, data
