"""The checks of a definition that look across its tables: ids used once, references
that name something defined, `after` without loops, slots and blocks inside their
venue's hours, sessions that fit some venue, a calendar the `holidays` library knows.

Each adds located problems to the `Reader`; `config` runs them once every table has
been read on its own.
"""

from __future__ import annotations

import difflib
import graphlib
from itertools import pairwise
from typing import Any

from . import days
from .model import Festival, Venue, clock_window
from .runs import run_ids
from .values import Reader, show


def unique_ids(r: Reader, **tables: list[Any]) -> None:
    """Each table's ids used once; venues', people's and sessions' guids too, and the
    numbers conference apps key sessions and people by."""
    for kind, items in tables.items():
        _unique(kind, items, r)
    for kind in ("venues", "people", "sessions"):
        _unique(kind, tables[kind], r, "guid")
    _unique("sessions", tables["sessions"], r, "event_id")
    _unique("people", tables["people"], r, "person_id")


def check(f: Festival, r: Reader) -> None:
    """Every check of a festival read whole."""
    references(f, r)
    repeated_sessions(f, r)
    current_places(f, r)
    after_cycles(f, r)
    slots_inside_hours(f, r)
    fits_hours(f, r)
    calendar(f, r)


def _unique(kind: str, items: list[Any], r: Reader, key: str = "id") -> None:
    """Each item's `key` (when given) used once among `items`."""
    seen: dict[Any, int] = {}
    for index, item in enumerate(items):
        value = getattr(item, key)
        if value in ("", None):
            continue
        if value in seen:
            r.fail(
                f"{kind}[{index}].{key}",
                f"duplicate {key} {value!r}; already used by "
                f"{kind}[{seen[value]}] (line {r.lines.line(f'{kind}[{seen[value]}]')})",
            )
        else:
            seen[value] = index


def repeated_sessions(f: Festival, r: Reader) -> None:
    """A session of several `runs`: each run's id free, no single place (`fixed`) for
    them all, no `[[together]]` group that would hold them all on one day or in one
    block."""
    taken = {s.id: i for i, s in enumerate(f.sessions)}
    for i, s in enumerate(f.sessions):
        if s.runs == 1:
            continue
        for k, rid in enumerate(run_ids(s)[1:], start=2):
            if rid in taken:
                r.fail(
                    f"sessions[{i}].runs",
                    f"run {k} of {s.id!r} is the session {rid!r}, which is also the id of "
                    f"sessions[{taken[rid]}]; rename that session",
                )
        if s.fixed is not None:
            r.fail(
                f"sessions[{i}].fixed",
                f"pins one place, but {s.id!r} has {s.runs} runs; expected no `fixed` on a "
                "session with runs (give its runs wishes with `prefer` instead)",
            )
    for g, group in enumerate(f.together):
        for sid in group.sessions:
            if sid in taken and f.sessions[taken[sid]].runs > 1:
                r.fail(
                    f"together[{g}].sessions",
                    f"{sid!r} has {f.sessions[taken[sid]].runs} runs, which a group cannot "
                    "keep together; expected sessions of one run",
                )


def current_places(f: Festival, r: Reader) -> None:
    """Each `current` place in a venue of the definition, one per run at most."""
    venues = {v.id for v in f.venues}
    for i, s in enumerate(f.sessions):
        for j, place in enumerate(s.current):
            at = f"sessions[{i}].current" + (f"[{j}]" if len(s.current) > 1 else "")
            if place.venue not in venues:
                hint = difflib.get_close_matches(place.venue or "", sorted(venues), n=1)
                guess = f" (did you mean {hint[0]!r}?)" if hint else ""
                r.fail(
                    f"{at}.venue",
                    f"unknown venue {show(place.venue)}{guess}; expected one of: "
                    + ", ".join(sorted(venues)),
                )
        if len(s.current) > s.runs:
            r.fail(
                f"sessions[{i}].current",
                f"{len(s.current)} places for {s.runs} run(s); expected one per run at most",
            )


def references(f: Festival, r: Reader) -> None:
    tracks = {t.id for t in f.tracks}
    venues = {v.id for v in f.venues}
    people = {p.id for p in f.people}
    sessions = {s.id for s in f.sessions}
    cities = {v.city for v in f.venues}

    def check(path: str, value: str, known: set[str], kind: str) -> None:
        _known(r, path, value, known, kind)

    tags = {t for s in f.sessions for t in s.tags}
    for tag in f.exclusive_tags:
        check("festival.exclusive_tags", tag, tags, "tag (no session has it)")
    for i, limit in enumerate(f.limits):
        check(f"limits[{i}].tag", limit.tag, tags, "tag (no session has it)")
    for i, reward in enumerate(f.rewards):
        for tag in reward.tags:
            check(f"rewards[{i}].tags", tag, tags, "tag (no session has it)")
    for tag, _ in f.weights.tag_overlap:
        check(f"weights.tag_overlap.{tag}", tag, tags, "tag (no session has it)")
        if tag in f.exclusive_tags:
            r.fail(
                f"weights.tag_overlap.{tag}",
                f"{show(tag)} is also in festival.exclusive_tags, where its sessions never "
                "overlap; expected a tag in one or the other",
            )
    for i, block in enumerate(f.blocks):
        p = f"blocks[{i}]"
        check(f"{p}.venue", block.venue, venues, "venue")
        check(f"{p}.track", block.track, tracks, "track")
        if block.venue in venues:
            listed = f.venue(block.venue).blocks_on(block.date)
            if block.window not in listed:
                shown = ", ".join(f"{clock_window(a, b)}" for a, b in listed) or "none"
                r.fail(
                    f"{p}.time",
                    f"{clock_window(block.window[0], block.window[1])} is not a block of "
                    f"{block.venue} on {block.date}; expected one of: {shown}",
                )
        for j in range(i):
            other = f.blocks[j]
            if (other.venue, other.date, other.window) == (block.venue, block.date, block.window):
                r.fail(p, f"the same block as blocks[{j}]; expected one track per block")
    for i, route in enumerate(f.travel.between):
        for v in route.venues:
            check(f"travel.between[{i}].venues", v, venues, "venue")
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
        for key, wishes in (("prefer", s.wishes), ("avoid", s.avoid)):
            for j, wish in enumerate(wishes):
                for v in wish.venues:
                    check(f"{p}.{key}[{j}]", v, venues, "venue")
        if s.fixed and s.fixed.venue:
            check(f"{p}.fixed.venue", s.fixed.venue, venues, "venue")
        if s.earliest and s.latest and s.latest <= s.earliest:
            r.fail(f"{p}.latest", f"{s.latest} is not after earliest {s.earliest}")
    _group_references(f, r)


def _known(r: Reader, path: str, value: str, known: set[str], kind: str) -> None:
    """`value` must be one of `known` (ids or tags of `kind`): else a message with a guess."""
    if value not in known:
        hint = difflib.get_close_matches(value, sorted(known), n=1)
        guess = f" (did you mean {hint[0]!r}?)" if hint else ""
        listed = ", ".join(sorted(known)) or "none defined"
        r.fail(path, f"unknown {kind} {show(value)}{guess}; expected one of: {listed}")


def _group_references(f: Festival, r: Reader) -> None:
    """The ids that `[[order]]` and `[[together]]` name must be defined."""
    sessions = {s.id for s in f.sessions}
    for i, order in enumerate(f.order):
        for key, ids in (("first", order.first), ("then", order.then)):
            for sid in ids:
                _known(r, f"order[{i}].{key}", sid, sessions, "session")
    for i, group in enumerate(f.together):
        if group.track is not None:
            _known(r, f"together[{i}].track", group.track, {t.id for t in f.tracks}, "track")
        else:
            for sid in group.sessions:
                _known(r, f"together[{i}].sessions", sid, sessions, "session")


def after_cycles(f: Festival, r: Reader) -> None:
    """`after` and the `[[order]]` tables without a weight must not loop back on
    themselves (a → b → a); the message names the key of the loop's first step."""
    follows: dict[str, dict[str, str]] = {s.id: {} for s in f.sessions}
    for i, s in enumerate(f.sessions):
        for before in s.after:
            follows[s.id].setdefault(before, f"sessions[{i}].after")
    for i, order in enumerate(f.order):
        if order.weight is None:
            for first, then in order.pairs():
                if then in follows:
                    follows[then].setdefault(first, f"order[{i}]")
    graph = graphlib.TopologicalSorter({sid: list(before) for sid, before in follows.items()})
    try:
        graph.prepare()
    except graphlib.CycleError as error:
        loop = list(reversed(error.args[1]))  # graphlib lists it from successor to predecessor
        steps = [f"{sid} → {_word(follows[sid][after])} →" for sid, after in pairwise(loop)]
        if len(steps) > 7:
            steps = [*steps[:4], f"… {len(steps) - 5} more …", *steps[-1:]]
        keys = [follows[sid][after] for sid, after in pairwise(loop)]
        stated = {"'after'" if k.endswith(".after") else "[[order]]" for k in keys}
        what = " and ".join(sorted(stated)) + (" forms" if len(stated) == 1 else " form")
        r.fail(
            keys[0],
            f"{what} a cycle: {' '.join(steps)} {loop[-1]}; expected an order without loops",
        )


def _word(key: str) -> str:
    """How a step of a cycle is shown: `after`, or the `[[order]]` that states it."""
    return "after" if key.endswith(".after") else key


def slots_inside_hours(f: Festival, r: Reader) -> None:
    """Slots and blocks lie inside the venue's hours and fall on festival dates; slots
    also start on the step grid."""
    for j, v in enumerate(f.venues):
        for key, every, dated in (
            ("blocks", v.blocks, v.dated_blocks),
            ("slots", v.slots, v.dated_slots),
        ):
            where, one = f"venues[{j}].{key}", key[:-1]
            for day, _ in dated:
                if not f.start <= day <= f.end:
                    r.fail(f"{where}.{day}", f"{day} is outside the festival ({f.start}..{f.end})")
            lists = [(where, every)] + [(f"{where}.{day}", ranges) for day, ranges in dated]
            for path, ranges in lists:
                for a, b in ranges:
                    if a < v.opens or b > v.closes:
                        r.fail(
                            path,
                            f"{one} {clock_window(a, b)} is outside the venue's hours "
                            f"{clock_window(v.opens, v.closes)}; expected {key} inside them",
                        )
                    elif key == "slots" and a % f.step:
                        r.fail(
                            path,
                            f"slot {clock_window(a, b)} does not start on the {f.step}-minute "
                            "step grid; expected a start on it, or a finer [festival] step",
                        )


def _longest_slots(v: Venue, span: int) -> tuple[int, int] | None:
    """The longest stretch of `span` consecutive slots of venue `v`, as (start, end)."""
    days = [v.slots] if v.slots else [slots for _, slots in v.dated_slots]
    runs = [
        (slots[i][0], slots[i + span - 1][1])
        for slots in days
        for i in range(len(slots) - span + 1)
    ]
    return max(runs, key=lambda run: run[1] - run[0], default=None)


def fits_hours(f: Festival, r: Reader) -> None:
    """A session longer than every venue day (or every run of its `span` slots) it may use
    can never be placed."""
    for i, s in enumerate(f.sessions):
        allowed = [
            v
            for v in f.venues
            if (not s.venues or v.id in s.venues) and (not s.cities or v.city in s.cities)
        ]
        if not allowed:
            continue
        if all(v.has_slots for v in allowed):
            runs = {v.id: _longest_slots(v, s.span) for v in allowed}
            fits = [(b - a, vid, a, b) for vid, run in runs.items() if run for a, b in (run,)]
            if not fits or s.duration > max(fits)[0]:
                slots = "slot" if s.span == 1 else f"run of {s.span} consecutive slots"
                best = (
                    f"longest: {max(fits)[1]}, {clock_window(max(fits)[2], max(fits)[3])}"
                    if fits
                    else "none has that many slots"
                )
                r.fail(
                    f"sessions[{i}].duration",
                    f"{_hours(s.duration)} is longer than every {slots} of the venues it may "
                    f"use ({best}); expected at most that, or a larger span",
                )
            continue
        longest = max(allowed, key=lambda v: v.hours_minutes)
        if s.duration > longest.hours_minutes:
            r.fail(
                f"sessions[{i}].duration",
                f"{_hours(s.duration)} is longer than the opening hours of every venue it may "
                f"use (longest: {longest.id}, {clock_window(longest.opens, longest.closes)}, "
                f"{_hours(longest.hours_minutes)}); expected at most that",
            )


def calendar(f: Festival, r: Reader) -> None:
    try:
        days.working_days(f.days, f.start, f.end)
    except days.CalendarError as error:
        r.fail("festival.days", str(error))


def _hours(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours}h{rest:02d}m" if rest else f"{hours}h"
