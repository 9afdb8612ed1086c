"""Read a festival definition (TOML) into a `Festival`.

`load(path)` collects *every* problem it finds and raises one `ConfigError`
listing them, each as `file:line: key.path: what is wrong; what is expected`.
The keys are documented in `docs/definition.md`.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import fields, replace
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import cross_checks, interest, runs, sources
from .group_tables import block, limit, order, reward, together
from .model import (
    OVERLAP_MODES,
    DayRule,
    Festival,
    Fixed,
    Person,
    Preference,
    Route,
    Session,
    Track,
    Travel,
    Venue,
    Weights,
    Wish,
    clock_window,
)
from .values import (
    MAX_WINDOW,
    TIMES_OF_DAY,
    ZONE_NAME,
    Bad,
    ConfigError,
    Problem,
    Reader,
    folder_url,
    keys_of,
    show,
)

#: keys of [festival] that set no field of its own: `workdays_fallback` goes into
#: `DayRule`, `break` is every person's default break
FESTIVAL_KEYS = keys_of(Festival) | {"workdays_fallback", "break"}
TRACK_KEYS = keys_of(Track)
VENUE_KEYS = keys_of(Venue)
PERSON_KEYS = keys_of(Person)
SESSION_KEYS = keys_of(Session)
FIXED_KEYS = keys_of(Fixed)
PREFER_KEYS = keys_of(Preference)
WEIGHT_KEYS = keys_of(Weights)
WISH_KEYS = {"date", "dates", "venue", "venues", "time", "weight"}
TRAVEL_KEYS = keys_of(Travel)
ROUTE_KEYS = keys_of(Route)
#: the top-level tables: [festival] and the arrays of tables of `Festival`
TOP_KEYS = {"festival", "include"} | {f.name for f in fields(Festival) if f.metadata.get("table")}


def load(path: str | Path) -> Festival:
    """Read and check the definition at `path` (a regular file of UTF-8 text, a byte order
    mark allowed), with the file it includes if any; raise `ConfigError` on any problem."""
    return loads(sources.read(Path(path)), source=str(path))


def loads(text: str, source: str = "<string>") -> Festival:
    """Read and check a definition given as TOML text (an `include` is read relative to
    the folder of `source`, or the working folder)."""
    text = text.removeprefix("\ufeff")
    raw = sources.parse(text, source)
    reader = Reader(source, text)
    if "include" in raw:
        raw = sources.with_included(raw, reader)
    festival = _build(raw, reader)
    if reader.problems:
        raise ConfigError(reader.problems)
    assert festival is not None
    return runs.with_runs(festival)


def _tables(raw: dict[str, Any], name: str, reader: Reader) -> list[tuple[str, dict]]:
    value = raw.get(name, [])
    if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
        reader.fail(name, f"expected an array of tables, written [[{name}]]")
        return []
    return [(f"{name}[{i}]", table) for i, table in enumerate(value)]


def _build(raw: dict[str, Any], r: Reader) -> Festival | None:
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
    groups = [together(t, p, r) for p, t in _tables(raw, "together", r)]
    travel = _travel(raw.get("travel", {}), r)
    blocks = [block(t, p, r) for p, t in _tables(raw, "blocks", r)]
    limits = [limit(t, p, r) for p, t in _tables(raw, "limits", r)]
    orders = [order(t, p, r) for p, t in _tables(raw, "order", r)]
    rewards = [reward(t, p, r) for p, t in _tables(raw, "rewards", r)]
    cross_checks.unique_ids(r, tracks=tracks, venues=venues, people=people, sessions=sessions)
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
        together=tuple(groups),
        travel=travel,
        blocks=tuple(blocks),
        limits=tuple(limits),
        order=tuple(orders),
        rewards=tuple(rewards),
        source=r.source,
        lines=r.lines,
    )
    festival = _resolve_tracks(festival, r)
    festival = _read_interest(festival, head, r)
    cross_checks.check(festival, r)
    return festival


def _festival_fields(head: dict[str, Any], r: Reader) -> dict[str, Any]:
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
            f'{show(timezone)} is not a known IANA time zone; expected e.g. "Asia/Shanghai"',
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
        "feed_url": folder_url(r.get(head, "feed_url", p, r.url, default="")),
        "refresh": r.get(head, "refresh", p, r.duration, default=60),
        "language": r.get(head, "language", p, r.language, default="en"),
        "exclusive_tags": r.get(head, "exclusive_tags", p, r.texts, default=()),
        "one_track_per_block": r.get(head, "one_track_per_block", p, r.flag, default=False),
        "overlap": r.get(head, "overlap", p, r.one_of(*OVERLAP_MODES), default="pairs"),
        "acronym": r.get(head, "acronym", p, r.acronym, default=""),
        "site": r.get(head, "venue", p, r.line, default=""),
        "city": r.get(head, "city", p, r.line, default=""),
        "organizer": r.get(head, "organizer", p, r.line, default=""),
        "image": r.get(head, "image", p, r.url, default=""),
    }


def _day_rule(head: dict[str, Any], r: Reader) -> DayRule:
    value = r.get(head, "days", "festival", r.text, default="all")
    fallback = r.get(head, "workdays_fallback", "festival", r.flag, default=False)
    if value in ("all", "weekdays"):
        return DayRule(value)
    match = re.fullmatch(r"workdays:([A-Z]{2})", value or "")
    if match:
        return DayRule("workdays", match.group(1), fallback)
    r.fail(
        "festival.days",
        f'{show(value)} is not a day rule; expected "all", "weekdays" or '
        '"workdays:CC" with a country code, e.g. "workdays:CN"',
    )
    return DayRule("all")


def _track(t: dict[str, Any], p: str, r: Reader) -> Track:
    r.check_keys(t, TRACK_KEYS, p)
    track_id = r.get(t, "id", p, r.slug, default="?", required=True)
    return Track(
        id=track_id,
        name=r.get(t, "name", p, r.line, default=track_id),
        color=r.get(t, "color", p, r.color, default="gray"),
    )


def _venue(t: dict[str, Any], p: str, r: Reader) -> Venue:
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
        guid=r.get(t, "guid", p, r.guid, default=""),
        slots=r.get(t, "slots", p, lambda v, w: _slots(v, w, r), default=()),
        dated_slots=r.get(t, "slots", p, lambda v, w: _dated_slots(v, w, r), default=()),
        blocks=r.get(t, "blocks", p, lambda v, w: _slots(v, w, r, "blocks"), default=()),
        dated_blocks=r.get(
            t, "blocks", p, lambda v, w: _dated_slots(v, w, r, "blocks"), default=()
        ),
    )


def _slots(value: Any, where: str, r: Reader, key: str = "slots") -> tuple[tuple[int, int], ...]:
    """`slots` (or `blocks`) as a list of "HH:MM-HH:MM", every festival day: in order,
    none overlapping."""
    if isinstance(value, dict):
        return ()  # the table form: `_dated_slots`
    if not isinstance(value, list) or not value:
        raise Bad(
            f'expected a list of time ranges, e.g. {key} = ["09:00-09:45", "10:00-10:45"], '
            "or a table of them per date"
        )
    slots = tuple(r.clock_range(item, where) for item in value)
    one = key[:-1]
    for (a, b), (c, d) in itertools.pairwise(slots):
        if c < b:
            raise Bad(
                f"{one} {clock_window(c, d)} starts before the {one} {clock_window(a, b)} "
                f"ends; expected {key} in order, none overlapping"
            )
    return slots


def _dated_slots(
    value: Any, where: str, r: Reader, key: str = "slots"
) -> tuple[tuple[date, tuple[tuple[int, int], ...]], ...]:
    """`slots` (or `blocks`) as a table, date → that day's list."""
    if not isinstance(value, dict):
        return ()  # the list form: `_slots`
    dated = []
    for day_key, slots in value.items():
        day = r.date(day_key, f"{where}.{day_key}")
        dated.append((day, _slots(slots, f"{where}.{day_key}", r, key)))
    return tuple(sorted(dated))


def _person(t: dict[str, Any], p: str, r: Reader, default_break: int) -> Person:
    r.check_keys(t, PERSON_KEYS, p)
    person_id = r.get(t, "id", p, r.slug, default="?", required=True)
    return Person(
        id=person_id,
        name=r.get(t, "name", p, r.line, default=person_id),
        unavailable=r.get(t, "unavailable", p, r.periods, default=()),
        break_=r.get(t, "break", p, r.minutes, default=default_break),
        guid=r.get(t, "guid", p, r.guid, default=""),
        person_id=r.get(t, "person_id", p, r.event_id),
    )


def _session(t: dict[str, Any], p: str, r: Reader) -> Session:
    r.check_keys(t, SESSION_KEYS, p)
    return Session(
        id=r.get(t, "id", p, r.slug, default="?", required=True),
        title=r.get(t, "title", p, r.line, default="", required=True),
        duration=r.get(t, "duration", p, r.duration, default=60, required=True),
        track=r.get(t, "track", p, r.slug),
        attendance=r.get(t, "attendance", p, r.count, default=0),
        popularity=r.get(t, "popularity", p, r.count),
        needs=frozenset(r.get(t, "needs", p, r.texts, default=())),
        cities=r.get(t, "cities", p, r.texts, default=()),
        venues=r.get(t, "venues", p, r.slugs, default=()),
        people=r.get(t, "people", p, r.slugs, default=()),
        earliest=r.get(t, "earliest", p, r.earliest),
        latest=r.get(t, "latest", p, r.latest),
        fixed=r.get(t, "fixed", p, lambda v, w: _fixed(v, w, r)),
        after=r.get(t, "after", p, r.slugs, default=()),
        prefer=r.get(t, "prefer", p, lambda v, w: _prefer(v, w, r), default=Preference()),
        wishes=r.get(t, "prefer", p, lambda v, w: _wishes(v, w, r), default=()),
        avoid=r.get(t, "avoid", p, lambda v, w: _wishes(v, w, r, "avoid"), default=()),
        description=r.get(t, "description", p, r.text, default=""),
        pinned=r.get(t, "pinned", p, r.flag, default=False),
        tags=r.get(t, "tags", p, r.texts, default=()),
        not_with=r.get(t, "not_with", p, r.slugs, default=()),
        unavailable=r.get(t, "unavailable", p, r.periods, default=()),
        span=r.get(t, "span", p, r.positive, default=1),
        language=r.get(t, "language", p, r.language_tag, default=""),
        guid=r.get(t, "guid", p, r.guid, default=""),
        event_id=r.get(t, "event_id", p, r.event_id),
        kind=r.get(t, "type", p, r.kind, default=""),
        subtitle=r.get(t, "subtitle", p, r.line, default=""),
        abstract=r.get(t, "abstract", p, r.text, default=""),
        links=r.get(t, "links", p, r.links, default=()),
        do_not_record=r.get(t, "do_not_record", p, r.flag, default=False),
        runs=r.get(t, "runs", p, r.positive, default=1),
        plenary=r.get(t, "plenary", p, r.flag, default=False),
        runs_same_day=r.get(t, "runs_same_day", p, r.flag, default=False),
        current=r.get(t, "current", p, lambda v, w: _places(v, w, r), default=()),
    )


def _travel(t: Any, r: Reader) -> Travel:
    """`[travel]`: `same_city` and `[[travel.between]]` entries (venues checked later)."""
    if not isinstance(t, dict):
        r.fail("travel", "expected a table, written [travel]")
        return Travel()
    r.check_keys(t, TRAVEL_KEYS, "travel")
    routes = []
    for p, entry in _tables(t, "between", r):
        p = f"travel.{p}"
        r.check_keys(entry, ROUTE_KEYS, p)
        venues = r.get(entry, "venues", p, r.slugs, default=(), required=True)
        if len(venues) != 2 or venues[0] == venues[1]:
            r.fail(f"{p}.venues", 'expected two different venue ids, e.g. ["bj-main", "bj-forum"]')
            continue
        time = r.get(entry, "time", p, r.minutes, default=0, required=True)
        routes.append(Route((venues[0], venues[1]), time))
    seen: dict[frozenset[str], int] = {}
    for i, route in enumerate(routes):
        pair = frozenset(route.venues)
        if pair in seen:
            r.fail(
                f"travel.between[{i}].venues",
                f"{route.venues[0]} and {route.venues[1]} already have a travel time in "
                f"travel.between[{seen[pair]}]; expected one entry per pair",
            )
        seen.setdefault(pair, i)
    return Travel(
        same_city=r.get(t, "same_city", "travel", r.minutes, default=0),
        between=tuple(routes),
    )


def _resolve_tracks(f: Festival, r: Reader) -> Festival:
    """`[[together]]` groups given by track hold that track's sessions, in file order."""
    groups = []
    for i, group in enumerate(f.together):
        if group.track is not None:
            mine = tuple(s.id for s in f.sessions if s.track == group.track)
            known = {t.id for t in f.tracks}
            if group.track in known and len(mine) < 2:
                r.fail(
                    f"together[{i}].track",
                    f"track {group.track!r} has {len(mine)} session(s); expected at least two",
                )
            group = replace(group, sessions=mine)
        groups.append(group)
    return replace(f, together=tuple(groups))


def _read_interest(f: Festival, head: dict[str, Any], r: Reader) -> Festival:
    """`[festival] interest`: the attendees' choices, from a CSV file next to the definition."""
    name = r.get(head, "interest", "festival", r.line)
    if not name:
        return f
    folder = Path(r.source).parent if r.source and not r.source.startswith("<") else Path()
    path = folder / name
    choices, problems = interest.read(path, (s.id for s in f.sessions))
    for problem in problems:
        r.problems.append(Problem(str(path), problem.line, "festival.interest", problem.message))
    return replace(f, interest=choices)


def _fixed(value: Any, where: str, r: Reader) -> Fixed:
    if not isinstance(value, dict):
        return Fixed(r.moment(value, where))
    r.check_keys(value, FIXED_KEYS, where)
    if "start" not in value:
        raise Bad('needs a start, e.g. fixed = { start = 2023-10-09T09:30:00, venue = "bj" }')
    return Fixed(
        start=r.moment(value["start"], f"{where}.start"),
        venue=r.slug(value["venue"], f"{where}.venue") if "venue" in value else None,
    )


def _places(value: Any, where: str, r: Reader) -> tuple[Fixed, ...]:
    """`current`: a place `{ start, venue }`, or a list of them (one per run)."""
    entries = value if isinstance(value, list) else [value]
    places = []
    for i, entry in enumerate(entries):
        here = f"{where}[{i}]" if isinstance(value, list) else where
        if not isinstance(entry, dict) or not {"start", "venue"} <= set(entry):
            raise Bad(
                'expected a place, e.g. current = { start = 2023-10-09T09:30:00, venue = "bj" }, '
                "or a list of them, one per run"
            )
        places.append(_fixed(entry, here, r))
    return tuple(places)


def _prefer(value: Any, where: str, r: Reader) -> Preference:
    """`prefer` as one table of wishes, each part weighed by [weights] (a list: `_wishes`)."""
    if isinstance(value, list):
        return Preference()
    if not isinstance(value, dict):
        raise Bad(
            'expected a table, e.g. prefer = { dates = [2023-10-12], time = "morning" }, '
            'or a list of weighted entries, e.g. prefer = [{ time = "morning", weight = 5 }]'
        )
    r.check_keys(value, PREFER_KEYS, where)
    return Preference(
        dates=r.dates(value.get("dates", []), f"{where}.dates"),
        venues=r.slugs(value.get("venues", []), f"{where}.venues"),
        time=_time_of_day(value, where, r),
    )


def _time_of_day(value: dict[str, Any], where: str, r: Reader) -> tuple[int, int] | None:
    if "time" not in value:
        return None
    raw = value["time"]
    raw = "-".join(TIMES_OF_DAY[raw]) if raw in TIMES_OF_DAY else raw
    try:
        return r.clock_range(raw, f"{where}.time")
    except Bad:
        raise Bad(
            f'time {value["time"]!r} is not "morning", "afternoon", "evening" or "HH:MM-HH:MM"'
        ) from None


def _wishes(value: Any, where: str, r: Reader, key: str = "prefer") -> tuple[Wish, ...]:
    """A `prefer` or `avoid` list of graded entries, `{ date | dates | venue | venues |
    time, weight }` (`avoid` may also be one such table)."""
    if key == "prefer" and isinstance(value, dict):
        return ()  # the table form: `_prefer`
    entries = [value] if isinstance(value, dict) else value
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise Bad(f'expected a list of entries, e.g. {key} = [{{ time = "morning", weight = 5 }}]')
    wishes = []
    for i, entry in enumerate(entries):
        here = f"{where}[{i}]" if isinstance(value, list) else where
        r.check_keys(entry, WISH_KEYS, here)
        if not WISH_KEYS - {"weight"} & set(entry):
            r.fail(here, "names no date, venue or time; expected at least one of them")
            continue
        one_date = [entry["date"]] if "date" in entry else []
        dates = r.dates(one_date, f"{here}.date") + r.dates(entry.get("dates", []), here)
        one_venue = [entry["venue"]] if "venue" in entry else []
        venues = r.slugs(one_venue, f"{here}.venue") + r.slugs(entry.get("venues", []), here)
        weight = r.get(entry, "weight", here, r.weight, default=0, required=True)
        wishes.append(Wish(weight, dates, venues, _time_of_day(entry, here, r)))
    return tuple(wishes)


def _weights(value: Any, r: Reader) -> Weights:
    if not isinstance(value, dict):
        r.fail("weights", "expected a [weights] table")
        return Weights()
    r.check_keys(value, WEIGHT_KEYS, "weights")
    defaults = Weights()
    numbers = {
        key: r.get(value, key, "weights", r.weight, default=getattr(defaults, key))
        for key in (f.name for f in fields(Weights))
        if key != "tag_overlap"
    }
    return Weights(**numbers, tag_overlap=_tag_weights(value.get("tag_overlap", {}), r))


def _tag_weights(value: Any, r: Reader) -> tuple[tuple[str, int], ...]:
    """`[weights] tag_overlap = { <tag> = <weight>, ... }`, in the order written."""
    where = "weights.tag_overlap"
    if not isinstance(value, dict):
        r.fail(where, f"{show(value)} is not a table; expected e.g. {{ beginners = 5 }}")
        return ()
    weights = []
    for tag in value:
        number = r.get(value, tag, where, r.weight)
        if number is not None:
            weights.append((tag, number))
    return tuple(weights)
