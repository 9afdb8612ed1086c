"""Seeded generator of festival definitions, written as the TOML a user would write.

The generator first lays out a hidden *witness* timetable and then draws every
rule so that the witness keeps it (venues that fit, closures and absences that
miss it, `after` chains that it respects, …). A generated festival is therefore
always feasible, which makes "the solver found nothing" a detectable bug. The
same seed and shape always give the same text.
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from .. import days
from ..model import DayRule, Festival, Period, Timetable, clock_time, clock_window
from .common import (
    CITIES,
    COLORS,
    DAY_RULES,
    FEATURES,
    ZONES,
    Witness,
    a_limit,
    a_plenary,
    a_reward,
    an_order,
    clock_changes,
    exists,
    instant,
    loaded,
    overlaps,
    pair_counting,
    together_counting,
    toml_text,
    witness_blocks,
    witness_slots,
    witness_travel,
)


@dataclass(frozen=True)
class Shape:
    """How big a generated festival is and how often each optional rule is used."""

    sessions: int = 6
    venues: int = 3
    people: int = 3
    tracks: int = 3
    days: int = 7
    cities: int = 2
    step: int = 60
    rules: float = 0.3  # chance that an optional rule is used on an item
    pinned: float = 0.0  # chance that a session is pinned (it matters in re-plans only)


def app_fields(apps: random.Random, i: int, chance: float) -> dict[str, Any]:
    """What conference apps show of session `i` beyond its title, each drawn with
    `chance`: a type, a subtitle, an abstract, links, and whether it may be recorded."""
    found: dict[str, Any] = {}
    if apps.random() < chance / 2:
        found["type"] = apps.choice(("talk", "workshop", "keynote", "Lightning talk"))
    if apps.random() < chance / 3:
        found["subtitle"] = f"副标题 {i}; with, punctuation"
    if apps.random() < chance / 2:
        found["abstract"] = f"摘要 {i}: <what> & why\nsecond line"
    if apps.random() < chance / 3:
        found["links"] = [
            {"title": f"Slides {i}", "url": f"https://example.org/{i}/slides.pdf?a=1&b=2"},
            {"url": f"https://example.org/{i}/"},
        ][: apps.randint(1, 2)]
    if apps.random() < chance / 3:
        found["do_not_record"] = True
    return found


def festival(seed: int, shape: Shape = Shape()) -> dict[str, Any]:
    """A feasible festival definition as TOML-ready data."""
    return festival_and_witness(seed, shape)[0]


def festival_and_witness(
    seed: int, shape: Shape = Shape()
) -> tuple[dict[str, Any], list[tuple[str, str, datetime, datetime]]]:
    """The definition, and the hidden valid timetable: (session, venue, start, end)."""
    rng = random.Random(seed)
    zone_name = rng.choice(ZONES)
    zone = ZoneInfo(zone_name)
    start = date(2023, 9, 25) + timedelta(days=rng.randrange(0, 140))
    changes = clock_changes(zone, date(2023, 9, 25), date(2024, 4, 30))
    overnight = bool(changes) and rng.random() < 0.5
    if overnight:  # a window across a clock change, with venues open all night
        start = rng.choice(changes) - timedelta(days=rng.randrange(0, shape.days))
    end = start + timedelta(days=shape.days - 1)
    rule_text = rng.choice(DAY_RULES)
    rule = DayRule("workdays", "CN") if rule_text.startswith("workdays") else DayRule(rule_text)
    usable = sorted(days.working_days(rule, start, end)[0])
    if len(usable) < (shape.days + 1) // 2:  # a holiday week: too few days to fill
        rule_text, usable = "all", [start + timedelta(days=i) for i in range(shape.days)]
    window = [start + timedelta(days=i) for i in range(shape.days)]
    step = shape.step

    def some(chance: float = shape.rules) -> bool:
        return rng.random() < chance

    #: draws of rules added later, apart, so that earlier rules draw as they always did
    later = random.Random(f"{seed}:later")
    # what conference-app exports carry (drawn apart, so that the rest stays as it was)
    interchange = random.Random(f"{seed}:interchange")
    # what apps show beyond that: types, subtitles, abstracts, links, person numbers
    apps = random.Random(f"{seed}:apps")

    cities = list(CITIES[: max(1, shape.cities)])
    venues: list[dict[str, Any]] = []
    for i in range(shape.venues):
        opens = rng.choice((8, 9, 10)) * 60
        closes = rng.choice((17, 18, 20)) * 60
        if overnight and rng.random() < 0.7:
            opens, closes = 0, 1440
        venues.append(
            {
                "id": f"v{i}",
                "name": f"会场 {i}",
                "city": cities[i % len(cities)],
                "address": f"{cities[i % len(cities)]}示例路 {i + 1} 号",
                "capacity": rng.choice((80, 150, 300, 800)),
                "hours": clock_window(opens, closes),
                "features": sorted(rng.sample(FEATURES, rng.randint(0, 3))),
                "changeover": f"{rng.choice((0, 15, 30, 60))}m",
            }
        )

    def venue_hours(v: dict[str, Any]) -> tuple[int, int]:
        first, last = v["hours"].split("-")
        return tuple(int(t[:2]) * 60 + int(t[3:]) for t in (first, last))  # type: ignore[return-value]

    def changeover(v: dict[str, Any]) -> int:
        return int(v["changeover"][:-1])

    # The witness: a valid placement of every session, built one at a time.
    witness: list[Witness] = []
    durations: list[int] = []
    for _ in range(shape.sessions):
        duration = step * rng.randint(1, max(1, 180 // step))
        for _attempt in range(200):
            v = rng.randrange(shape.venues)
            opens, closes = venue_hours(venues[v])
            if closes - opens < duration:
                continue
            first = -(-opens // step)
            slots = (closes - duration - first * step) // step
            if slots < 0:
                continue
            begin = (first + rng.randint(0, slots)) * step
            day = rng.choice(usable)
            if not exists(zone, day, begin):
                continue  # the clocks skip that time
            candidate = Witness(day, begin, duration, v, zone)
            a, b = candidate.span()
            if b > instant(zone, day, closes) or a < instant(zone, day, opens):
                continue  # a clock change makes this day's opening shorter
            gap = timedelta(minutes=changeover(venues[v]))
            clash = any(
                w.venue == v and a < w.span()[1] + gap and w.span()[0] < b + gap for w in witness
            )
            if not clash:
                witness.append(candidate)
                durations.append(duration)
                break
        else:
            raise ValueError(f"shape {shape} is too dense to generate (seed {seed})")

    # People: each joins sessions that fit their day (no overlap, one city a day).
    people_of: dict[int, list[str]] = defaultdict(list)
    held: dict[int, list[int]] = defaultdict(list)
    for i, w in enumerate(witness):
        for p in rng.sample(range(shape.people), min(shape.people, rng.randint(0, 2))):
            fits = all(
                not overlaps(w.span(), witness[j].span())
                and not (
                    witness[j].day == w.day
                    and venues[witness[j].venue]["city"] != venues[w.venue]["city"]
                )
                for j in held[p]
            )
            if fits:
                held[p].append(i)
                people_of[i].append(f"p{p}")

    def free_period(busy: list[tuple[datetime, datetime]], rng: random.Random = rng) -> str | None:
        day = rng.choice(window)
        options = [f"{day}", f"{day} 09:00-12:00", f"{day} 13:00-15:30"]
        choice = rng.choice(options)
        if " " in choice:
            first, last = choice.split(" ")[1].split("-")
            span = (
                instant(zone, day, int(first[:2]) * 60 + int(first[3:])),
                instant(zone, day, int(last[:2]) * 60 + int(last[3:])),
            )
        else:
            span = (instant(zone, day, 0), instant(zone, day, 1440))
        return None if any(overlaps(span, b) for b in busy) else choice

    for i, v in enumerate(venues):
        if some():
            period = free_period([w.span() for w in witness if w.venue == i])
            if period:
                v["closed"] = [period]
    people = []
    for p in range(shape.people):
        person: dict[str, Any] = {"id": f"p{p}", "name": f"人员 {p}"}
        if some():
            period = free_period([witness[i].span() for i in held[p]])
            if period:
                person["unavailable"] = [period]
        spans = sorted(witness[i].span() for i in held[p])
        gaps = [(b[0] - a[1]).total_seconds() // 60 for a, b in pairwise(spans)]
        if gaps and some():  # a break the hidden timetable already leaves them
            rest = max((r for r in (15, 30, 60) if r <= min(gaps)), default=0)
            if rest:
                person["break"] = f"{rest}m"
        if apps.random() < shape.rules / 2:
            person["person_id"] = 500 + p
        people.append(person)

    # A shared audience: a tag on sessions that do not overlap in the hidden timetable,
    # and `not_with` pairs that do not either.
    tags_of: dict[int, list[str]] = defaultdict(list)
    exclusive = []
    if some():
        tagged: list[int] = []
        for i in rng.sample(range(len(witness)), len(witness)):
            if not any(overlaps(witness[i].span(), witness[j].span()) for j in tagged):
                tagged.append(i)
        if len(tagged) > 1:
            exclusive.append("同场")
            for i in tagged:
                tags_of[i].append("同场")
    apart: dict[int, list[str]] = defaultdict(list)
    for i in range(len(witness)):
        others = [j for j in range(i) if not overlaps(witness[i].span(), witness[j].span())]
        if others and some(shape.rules / 2):
            apart[i].append(f"s{rng.choice(others)}")

    load = defaultdict(int)
    for w in witness:
        load[w.day] += 1
    head: dict[str, Any] = {
        "id": f"generated-{seed}",
        "name": f"生成的节日 {seed}",
        "timezone": zone_name,
        "start": start,
        "end": end,
        "days": rule_text,
        "step": f"{step}m",
    }
    if interchange.random() < shape.rules:
        head["acronym"] = f"gen_{seed}"[:60].ljust(4, "_")
    if apps.random() < shape.rules:
        head["venue"] = '会展中心, Hall "A" & <B>'
    if apps.random() < shape.rules / 2:
        head["city"] = cities[0]
    free_days = [d for d in usable if not load[d]]
    if free_days and some():
        head["blackout"] = [rng.choice(free_days)]
    if some():
        head["max_sessions_per_day"] = max(load.values()) + rng.randint(0, 1)
    if some():
        head["spread_days"] = rng.randint(1, 3)
    if exclusive:
        head["exclusive_tags"] = exclusive

    tracks = [
        {"id": f"t{i}", "name": f"主题 {i}", "color": COLORS[i % len(COLORS)]}
        for i in range(shape.tracks)
    ]
    sessions = []

    def wish(rng: random.Random) -> dict[str, Any]:
        """A graded `prefer` or `avoid` entry: a date, a venue, a time, or two of them."""
        parts = {
            "date": rng.choice(window),
            "venue": f"v{rng.randrange(shape.venues)}",
            "time": rng.choice(("morning", "afternoon", "10:00-16:00")),
        }
        chosen = rng.sample(sorted(parts), rng.randint(1, 2))
        return {key: parts[key] for key in sorted(chosen)} | {"weight": rng.randint(1, 9)}

    for i, w in enumerate(witness):
        home = venues[w.venue]
        session: dict[str, Any] = {
            "id": f"s{i}",
            "title": f"会议 {i}：测试, 分号; 反斜杠\\",
            "track": f"t{rng.randrange(shape.tracks)}",
            "duration": f"{durations[i]}m",
            "attendance": rng.randint(0, home["capacity"]),
        }
        if interchange.random() < shape.rules / 2:
            session["language"] = interchange.choice(("en", "de", "zh-CN"))
        if interchange.random() < shape.rules / 2:
            session["event_id"] = 1000 + i
        if interchange.random() < shape.rules / 3:
            session["guid"] = str(uuid.UUID(int=interchange.getrandbits(128), version=4))
        session.update(app_fields(apps, i, shape.rules))
        if home["features"] and some():
            session["needs"] = [rng.choice(home["features"])]
        if some():
            session["cities"] = sorted({home["city"], rng.choice(cities)})
        if some(shape.rules / 2):
            session["venues"] = sorted({home["id"], f"v{rng.randrange(shape.venues)}"})
        if people_of[i]:
            session["people"] = people_of[i]
        if tags_of[i]:
            session["tags"] = tags_of[i]
        if apart[i]:
            session["not_with"] = apart[i]
        if later.random() < shape.rules / 2:
            period = free_period([w.span()], later)
            if period:
                session["unavailable"] = [period]
        if some(shape.rules / 2):
            session["earliest"] = rng.choice([d for d in window if d <= w.day])
        if some(shape.rules / 2):
            session["latest"] = rng.choice([d for d in window if d >= w.day])
        earlier = [j for j in range(i) if witness[j].span()[1] <= w.span()[0]]
        if earlier and some(shape.rules / 2):
            session["after"] = [f"s{rng.choice(earlier)}"]
        if some(shape.rules / 3):
            session["fixed"] = {"start": f"{w.day} {clock_time(w.start)}"}
            if some(0.5):
                session["fixed"]["venue"] = home["id"]
        prefer: dict[str, Any] = {}
        if some():
            prefer["dates"] = [rng.choice(window)]
        if some():
            prefer["venues"] = [f"v{rng.randrange(shape.venues)}"]
        if some():
            prefer["time"] = rng.choice(("morning", "afternoon", "10:00-16:00"))
        if prefer:
            session["prefer"] = prefer
        elif later.random() < shape.rules:
            session["prefer"] = [wish(later) for _ in range(later.randint(1, 2))]
        if later.random() < shape.rules / 2:
            session["avoid"] = [wish(later)]
        sessions.append(session)

    data: dict[str, Any] = {"festival": head}
    if some(0.5):
        data["weights"] = {"spread": rng.randint(0, 10), "prefer_time": rng.randint(0, 5)}
    # the goals real programmes are judged by: a weighted audience that should not overlap,
    # speakers' days, rooms that fit
    if some(0.5):
        weights = data.setdefault("weights", {})
        audience = [s for s in sessions if some(0.5)]
        if len(audience) > 1:
            for session in audience:
                session.setdefault("tags", []).append("开发者")
            weights["tag_overlap"] = {"开发者": rng.randint(1, 9)}
        if some(0.5):
            weights["person_days"] = rng.randint(1, 9)
        if some(0.5):
            weights["room_fit"] = rng.randint(1, 3)
    # Sessions kept together: groups the hidden timetable keeps are drawn as hard rules
    # or goals, other groups only as goals.
    groups = _together_groups(witness, venues, shape.step, rng, some)
    if groups:
        data["together"] = groups
    # what attendees chose to see (an interest file; not part of the TOML text)
    if len(sessions) > 1 and some(0.5):
        rows = []
        for a in range(rng.randint(3, 12)):
            for i in rng.sample(range(len(sessions)), min(len(sessions), rng.randint(2, 4))):
                rows.append((f"a{a}", sessions[i]["id"]))
        data["interest"] = rows
        data.setdefault("weights", {})["attendee_clash"] = rng.randint(1, 5)
    travel = witness_travel(witness, venues, people, held, later)
    if travel:
        data["travel"] = travel
    track_of = {i: session["track"] for i, session in enumerate(sessions)}
    named = []
    for v, venue in enumerate(venues):  # track blocks the hidden timetable keeps
        if later.random() < shape.rules / 3:
            by_index = dict(enumerate(witness))
            table, owned = witness_blocks(by_index, v, venue_hours(venue), window, track_of)
            venue["blocks"] = table
            head["one_track_per_block"] = True
            if owned and later.random() < 0.5:
                day, time, track = later.choice(owned)
                named.append({"venue": venue["id"], "date": day, "time": time, "track": track})
    if named:
        data["blocks"] = named
    for v, venue in enumerate(venues):  # slot grids the hidden timetable keeps
        if later.random() < shape.rules / 2:
            by_index = dict(enumerate(witness))
            table, spans = witness_slots(by_index, v, venue_hours(venue), step, window, later)
            if table:
                venue["slots"] = table
                for i, span in spans.items():
                    sessions[i]["span"] = span
    # drawn last, so that festivals without pinned sessions are as they always were
    for session in sessions:
        if shape.pinned and some(shape.pinned):
            session["pinned"] = True
    data.update(tracks=tracks, venues=venues, people=people, sessions=sessions)
    placements = [(f"s{i}", f"v{w.venue}", *w.span()) for i, w in enumerate(witness)]
    plenary = random.Random(f"{seed}:plenary")
    if plenary.random() < shape.rules:
        a_plenary(data, placements, plenary)
    limited = random.Random(f"{seed}:limits")
    if limited.random() < shape.rules:
        a_limit(data, placements, limited)
    ordered = random.Random(f"{seed}:order")
    if ordered.random() < shape.rules:
        an_order(data, placements, ordered)
    pair_counting(data, random.Random(f"{seed}:pairs"))
    together_counting(data, placements, random.Random(f"{seed}:together"))
    a_reward(data, random.Random(f"{seed}:rewards"))
    if random.Random(f"{seed}:runs").random() < shape.rules:
        _two_runs(data, placements, random.Random(f"{seed}:runs"))
    return data, placements


#: keys that tie a session to others, a time or a room: the hidden timetable keeps them at
#: the session's own place only, so a session given a second run elsewhere loses them
_TIED = ("people", "fixed", "pinned", "tags", "not_with", "after", "unavailable", "earliest",
         "latest", "needs", "cities", "venues", "plenary")  # fmt: skip


def _two_runs(
    data: dict[str, Any], placements: list[tuple[str, str, datetime, datetime]], rng: random.Random
) -> None:
    """Give a session that nothing names a second run at the place of another such
    session (`runs = 2`; `runs_same_day` when the two share a day): the first loses the
    keys that hold it to its own place (`_TIED`), the other goes, and its place becomes
    the second run's, shortened to the run's duration where its venue has no slot grid."""
    sessions = data["sessions"]
    named = {sid for s in sessions for key in ("after", "not_with") for sid in s.get(key, ())}
    named |= {sid for g in data.get("together", ()) for sid in g["sessions"]}
    named |= {sid for o in data.get("order", ()) for sid in (*o["first"], *o["then"])}
    named |= {sid for _, sid in data.get("interest", ())}
    gridded = {v["id"] for v in data["venues"] if "slots" in v}
    blocked = any("blocks" in v for v in data["venues"])

    def minutes(i: int) -> int:
        return int(sessions[i]["duration"][:-1])

    def fits(a: int, b: int) -> bool:
        (_, _, a0, a1), (_, venue, b0, b1) = placements[a], placements[b]
        same_track = sessions[a]["track"] == sessions[b]["track"] or not blocked
        shorter = minutes(a) == minutes(b) or (minutes(a) < minutes(b) and venue not in gridded)
        one_slot = "span" not in sessions[b]
        return same_track and shorter and one_slot and not (a0 < b1 and b0 < a1)

    unnamed = [i for i, s in enumerate(sessions) if s["id"] not in named]
    pairs = [
        (a, b)
        for a in unnamed
        if "span" not in sessions[a]
        for b in unnamed
        if a != b and fits(a, b)
    ]
    if not pairs:
        return
    a, b = rng.choice(pairs)
    first = sessions[a]
    for key in _TIED:
        first.pop(key, None)
    first["runs"] = 2
    _, venue, start, _ = placements[b]
    if placements[a][2].date() == start.date():
        first["runs_same_day"] = True
    first["attendance"] = min(first["attendance"], sessions[b]["attendance"])
    end = start + timedelta(minutes=minutes(a))
    placements[b] = (f"{first['id']}-run-2", venue, start, end)
    del sessions[b]


def festival_toml(seed: int, shape: Shape = Shape()) -> str:
    """The generated festival as TOML text, one table per item."""
    return toml_text(festival(seed, shape), seed, shape)


def published(seed: int, shape: Shape = Shape()) -> tuple[Festival, Timetable]:
    """A generated festival, loaded as a user's file would be, and its hidden valid timetable."""
    data, witness = festival_and_witness(seed, shape)
    return loaded(data, witness, seed, shape, f"generated-{seed}.toml")


def loads(seed: int, shape: Shape = Shape()) -> Festival:
    """A generated festival as a user's files give it: the TOML text, and its interest."""
    return published(seed, shape)[0]


def close_for_day(festival: Festival, venue_id: str, day: date) -> Festival:
    """`festival` with venue `venue_id` also closed all of `day`: the classic re-plan trigger."""
    zone = days.zone(festival)
    closure = Period(days.midnight(zone, day), days.midnight(zone, day + timedelta(days=1)))
    venues = tuple(
        replace(v, closed=(*v.closed, closure)) if v.id == venue_id else v for v in festival.venues
    )
    return replace(festival, venues=venues)


# --- conference-size programmes -------------------------------------------------


def _together_groups(
    witness: list[Witness],
    venues: list[dict[str, Any]],
    step: int,
    rng: random.Random,
    some: Any,
) -> list[dict[str, Any]]:
    """`[[together]]` groups: kept by the hidden timetable (hard, or weighted), or not."""
    by: dict[str, dict[Any, list[int]]] = {
        "day": defaultdict(list),
        "venue": defaultdict(list),
        "venue-day": defaultdict(list),
    }
    for i, w in enumerate(witness):
        by["day"][w.day].append(i)
        by["venue"][w.venue].append(i)
        by["venue-day"][(w.venue, w.day)].append(i)
    groups: list[dict[str, Any]] = []
    for same, members in by.items():
        kept = [ids for _, ids in sorted(members.items(), key=str) if len(ids) > 1]
        if kept and some():
            ids = rng.choice(kept)
            group: dict[str, Any] = {"sessions": [f"s{i}" for i in ids], "same": same}
            if some(0.5):
                group["weight"] = rng.randint(1, 5)
            groups.append(group)
    # a block: sessions that follow each other in one venue within a grid step
    for ids in by["venue-day"].values():
        chain = sorted(ids, key=lambda i: witness[i].span()[0])
        gap = int(venues[witness[chain[0]].venue]["changeover"][:-1])
        for a, b in pairwise(chain):
            apart = (witness[b].span()[0] - witness[a].span()[1]).total_seconds() // 60 - gap
            if 0 <= apart < step and some():
                group = {"sessions": [f"s{a}", f"s{b}"], "same": "block"}
                if some(0.5):
                    group["weight"] = rng.randint(1, 5)
                groups.append(group)
                break
    if len(witness) > 1 and some():  # a wish the hidden timetable need not keep
        pair = rng.sample(range(len(witness)), 2)
        same = rng.choice(("day", "venue", "venue-day", "block"))
        groups.append({"sessions": [f"s{i}" for i in pair], "same": same, "weight": 2})
    return groups
