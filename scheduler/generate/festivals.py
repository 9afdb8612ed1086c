"""Seeded generator of festival definitions, written as the TOML a user would write.

The generator first lays out a hidden *witness* timetable and then draws every
rule so that the witness keeps it (venues that fit, closures and absences that
miss it, `after` chains that it respects, …). A generated festival is therefore
always feasible, which makes "the solver found nothing" a detectable bug. The
same seed and shape always give the same text.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from . import config, days
from .model import DayRule, Festival, Period, Placement, Timetable

CITIES = ("北京", "上海", "广州", "成都", "合肥", "深圳")
FEATURES = ("stage", "livestream", "lab", "demo-area")
COLORS = ("teal", "crimson", "royalblue", "darkorange", "mediumpurple", "goldenrod")
DAY_RULES = ("all", "weekdays", "workdays:CN")
#: festival time zones: two with clock changes (in October/November and March)
ZONES = ("Asia/Shanghai", "Asia/Shanghai", "Europe/London", "America/New_York")


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


@dataclass
class _Witness:
    """One session of the hidden timetable: a wall-clock start on a day, and its length."""

    day: date
    start: int  # wall-clock minutes after midnight
    duration: int
    venue: int
    zone: ZoneInfo

    @property
    def end(self) -> int:
        """Wall-clock minutes after midnight at the end, where no clock change intervenes."""
        return self.start + self.duration

    def span(self) -> tuple[datetime, datetime]:
        """Start and end as instants (the end is `duration` minutes of elapsed time later)."""
        begins = _instant(self.zone, self.day, self.start)
        return begins, begins + timedelta(minutes=self.duration)


def _instant(zone: ZoneInfo, day: date, minutes: int) -> datetime:
    """The instant of a wall-clock time (first occurrence; 1440 is the next midnight)."""
    wall = datetime.combine(day, time()) + timedelta(minutes=minutes)
    return days.instant(zone, wall)


def _exists(zone: ZoneInfo, day: date, minutes: int) -> bool:
    """Whether the wall clock shows this time on `day` (not skipped by a clock change)."""
    wall = datetime.combine(day, time()) + timedelta(minutes=minutes)
    return _instant(zone, day, minutes).astimezone(zone).replace(tzinfo=None) == wall


def _clock_changes(zone: ZoneInfo, first: date, last: date) -> list[date]:
    """The dates in [first, last] on which `zone`'s clocks change."""
    found = []
    day = first
    while day <= last:
        before = _instant(zone, day, 0).astimezone(zone).utcoffset()
        after = _instant(zone, day, 1440).astimezone(zone).utcoffset()
        if before != after:
            found.append(day)
        day += timedelta(days=1)
    return found


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _overlaps(a: tuple[datetime, datetime], b: tuple[datetime, datetime]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


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
    changes = _clock_changes(zone, date(2023, 9, 25), date(2024, 4, 30))
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
                "hours": f"{_clock(opens)}-{_clock(closes)}",
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
    witness: list[_Witness] = []
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
            if not _exists(zone, day, begin):
                continue  # the clocks skip that time
            candidate = _Witness(day, begin, duration, v, zone)
            a, b = candidate.span()
            if b > _instant(zone, day, closes) or a < _instant(zone, day, opens):
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
                not _overlaps(w.span(), witness[j].span())
                and not (
                    witness[j].day == w.day
                    and venues[witness[j].venue]["city"] != venues[w.venue]["city"]
                )
                for j in held[p]
            )
            if fits:
                held[p].append(i)
                people_of[i].append(f"p{p}")

    def free_period(busy: list[tuple[datetime, datetime]]) -> str | None:
        day = rng.choice(window)
        options = [f"{day}", f"{day} 09:00-12:00", f"{day} 13:00-15:30"]
        choice = rng.choice(options)
        if " " in choice:
            first, last = choice.split(" ")[1].split("-")
            span = (
                _instant(zone, day, int(first[:2]) * 60 + int(first[3:])),
                _instant(zone, day, int(last[:2]) * 60 + int(last[3:])),
            )
        else:
            span = (_instant(zone, day, 0), _instant(zone, day, 1440))
        return None if any(_overlaps(span, b) for b in busy) else choice

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
        people.append(person)

    # A shared audience: a tag on sessions that do not overlap in the hidden timetable,
    # and `not_with` pairs that do not either.
    tags_of: dict[int, list[str]] = defaultdict(list)
    exclusive = []
    if some():
        tagged: list[int] = []
        for i in rng.sample(range(len(witness)), len(witness)):
            if not any(_overlaps(witness[i].span(), witness[j].span()) for j in tagged):
                tagged.append(i)
        if len(tagged) > 1:
            exclusive.append("同场")
            for i in tagged:
                tags_of[i].append("同场")
    apart: dict[int, list[str]] = defaultdict(list)
    for i in range(len(witness)):
        others = [j for j in range(i) if not _overlaps(witness[i].span(), witness[j].span())]
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
    for i, w in enumerate(witness):
        home = venues[w.venue]
        session: dict[str, Any] = {
            "id": f"s{i}",
            "title": f"会议 {i}：测试, 分号; 反斜杠\\",
            "track": f"t{rng.randrange(shape.tracks)}",
            "duration": f"{durations[i]}m",
            "attendance": rng.randint(0, home["capacity"]),
        }
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
        if some(shape.rules / 2):
            session["earliest"] = rng.choice([d for d in window if d <= w.day])
        if some(shape.rules / 2):
            session["latest"] = rng.choice([d for d in window if d >= w.day])
        earlier = [j for j in range(i) if witness[j].span()[1] <= w.span()[0]]
        if earlier and some(shape.rules / 2):
            session["after"] = [f"s{rng.choice(earlier)}"]
        if some(shape.rules / 3):
            session["fixed"] = {"start": f"{w.day} {_clock(w.start)}"}
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
        sessions.append(session)

    data: dict[str, Any] = {"festival": head}
    if some(0.5):
        data["weights"] = {"spread": rng.randint(0, 10), "prefer_time": rng.randint(0, 5)}
    data.update(tracks=tracks, venues=venues, people=people, sessions=sessions)
    placements = [(f"s{i}", f"v{w.venue}", *w.span()) for i, w in enumerate(witness)]
    return data, placements


def _value(value: Any) -> str:
    """One TOML value; tables become inline tables."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | date):
        return str(value) if not isinstance(value, date) else value.isoformat()
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a valid TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {value!r} as TOML")


def _table(header: str, items: dict[str, Any]) -> str:
    return "\n".join([header, *(f"{k} = {_value(v)}" for k, v in items.items())]) + "\n"


def festival_toml(seed: int, shape: Shape = Shape()) -> str:
    """The generated festival as TOML text, one table per item."""
    return _toml(festival(seed, shape), seed, shape)


def _toml(data: dict[str, Any], seed: int, shape: Shape | Programme) -> str:
    parts = [
        f"# Generated by scheduler.generate (seed {seed}, {shape})\n",
        _table("[festival]", data["festival"]),
    ]
    if "weights" in data:
        parts.append(_table("[weights]", data["weights"]))
    for kind in ("tracks", "venues", "people", "sessions"):
        parts.extend(_table(f"[[{kind}]]", item) for item in data[kind])
    return "\n".join(parts)


def published(seed: int, shape: Shape = Shape()) -> tuple[Festival, Timetable]:
    """A generated festival, loaded as a user's file would be, and its hidden valid timetable."""
    data, witness = festival_and_witness(seed, shape)
    loaded = config.loads(_toml(data, seed, shape), source=f"generated-{seed}.toml")
    return loaded, Timetable(loaded.id, tuple(Placement(*w) for w in witness))


def close_for_day(festival: Festival, venue_id: str, day: date) -> Festival:
    """`festival` with venue `venue_id` also closed all of `day`: the classic re-plan trigger."""
    zone = days.zone(festival)
    closure = Period(days.midnight(zone, day), days.midnight(zone, day + timedelta(days=1)))
    venues = tuple(
        replace(v, closed=(*v.closed, closure)) if v.id == venue_id else v for v in festival.venues
    )
    return replace(festival, venues=venues)


# --- conference-size programmes -------------------------------------------------

#: (minutes, share) of talk lengths in a generated conference programme
DURATION_MIX = ((30, 0.5), (45, 0.25), (60, 0.15), (90, 0.1))
AUDIENCES = ("入门", "主题演讲", "动手实验", "开发者", "管理者", "学生", "投资人", "开源")


@dataclass(frozen=True)
class Programme:
    """How big a generated conference is: many talks over a few days in many rooms."""

    sessions: int = 200
    venues: int = 0  # 0: one room per 20 sessions (at least 2)
    days: int = 3
    step: int = 15
    fill: float = 0.85  # share of room hours the hidden timetable uses, at most

    @property
    def rooms(self) -> int:
        return self.venues or max(2, -(-self.sessions // 20))


def programme(seed: int, shape: Programme = Programme()) -> dict[str, Any]:
    """A feasible conference definition as TOML-ready data."""
    return programme_and_witness(seed, shape)[0]


def programme_and_witness(
    seed: int, shape: Programme = Programme()
) -> tuple[dict[str, Any], list[tuple[str, str, datetime, datetime]]]:
    """A conference of `shape.sessions` talks, and the hidden valid timetable that it admits.

    Talks have lengths from `DURATION_MIX`; rooms have capacities, features,
    changeovers and the odd closure; speakers give one to several talks and
    some ask for a break between them or are away for half a day; sessions
    carry audience tags that must not overlap (`exclusive_tags`) and a few
    `not_with` pairs; some have preferences, not all of which can be met.
    """
    rng = random.Random(seed)
    step = shape.step
    zone = ZoneInfo("Asia/Shanghai")
    start = date(2024, 4, 9) + timedelta(weeks=rng.randrange(0, 20))  # a Tuesday
    window = [start + timedelta(days=i) for i in range(shape.days)]
    rooms = shape.rooms

    venues: list[dict[str, Any]] = []
    for i in range(rooms):
        opens = rng.choice((8 * 60 + 30, 9 * 60, 9 * 60))
        closes = rng.choice((17 * 60 + 30, 18 * 60, 18 * 60, 18 * 60 + 30))
        venues.append(
            {
                "id": f"r{i:03d}",
                "name": f"{i + 1} 号厅",
                "city": "上海",
                "address": f"上海国际会议中心 {i + 1} 号厅",
                "capacity": rng.choice((60, 100, 100, 200, 200, 400, 1000)),
                "hours": f"{_clock(opens)}-{_clock(closes)}",
                "features": sorted(rng.sample(FEATURES, rng.randint(0, 2))),
                "changeover": f"{rng.choice((0, 0, 0, 15))}m",
            }
        )
    hours = [tuple(int(t[:2]) * 60 + int(t[3:]) for t in v["hours"].split("-")) for v in venues]
    gaps = [int(v["changeover"][:-1]) for v in venues]

    lengths, shares = zip(*DURATION_MIX, strict=True)
    durations = rng.choices(lengths, weights=shares, k=shape.sessions)
    # Hand the talks out to (room, day) pairs with room left, then lay each out in order.
    room_days = [(v, d) for v in range(rooms) for d in range(shape.days)]
    first = [-(-opens // step) * step for opens, _ in hours]  # each room's first grid start

    def taken(i: int, v: int) -> int:
        """Minutes talk i holds room v: itself and the changeover, up to the next grid start."""
        return -(-(durations[i] + gaps[v]) // step) * step

    budget = {(v, d): int((hours[v][1] - first[v]) * shape.fill) for v, d in room_days}
    assigned: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i in sorted(range(shape.sessions), key=lambda i: (-durations[i], i)):
        open_rds = [rd for rd in room_days if budget[rd] >= taken(i, rd[0])]
        if not open_rds:
            raise ValueError(f"{shape} is too dense to generate (seed {seed})")
        rd = max(rng.sample(open_rds, min(3, len(open_rds))), key=lambda rd: budget[rd])
        budget[rd] -= taken(i, rd[0])
        assigned[rd].append(i)
    witness: dict[int, _Witness] = {}
    for (v, d), talks in sorted(assigned.items()):
        rng.shuffle(talks)
        used = sum(taken(i, v) for i in talks)
        slack_steps = (hours[v][1] - first[v] - used) // step
        cuts = sorted(rng.randint(0, slack_steps) for _ in talks)
        cursor, previous_cut = first[v], 0
        for i, cut in zip(talks, cuts, strict=True):
            cursor += (cut - previous_cut) * step
            previous_cut = cut
            witness[i] = _Witness(window[d], cursor, durations[i], v, zone)
            cursor += taken(i, v)
    order = list(range(shape.sessions))

    def clashes(i: int, j: int, rest: int = 0) -> bool:
        a, b = witness[i], witness[j]
        return a.day == b.day and a.start < b.end + rest and b.start < a.end + rest

    # Speakers: most give one talk, some several (never overlapping, breaks kept).
    people: list[dict[str, Any]] = []
    talks_of: list[list[int]] = []
    rests: list[int] = []
    speakers_of: dict[int, list[str]] = defaultdict(list)
    for i in order:
        for _ in range(rng.choice((1, 1, 1, 1, 2))):
            regulars = [p for p in range(len(people)) if len(talks_of[p]) < 4]
            p = rng.choice(regulars) if regulars and rng.random() < 0.35 else -1
            if p >= 0 and (
                f"p{p:04d}" in speakers_of[i] or any(clashes(i, j, rests[p]) for j in talks_of[p])
            ):
                p = -1
            if p < 0:
                p = len(people)
                rests.append(rng.choice((0, 0, 0, 15, 30)))
                people.append({"id": f"p{p:04d}", "name": f"讲者 {p}"})
                talks_of.append([])
                if rests[p]:
                    people[p]["break"] = f"{rests[p]}m"
            talks_of[p].append(i)
            speakers_of[i].append(f"p{p:04d}")
    for p, person in enumerate(people):
        if rng.random() < 0.08:
            day = rng.randrange(shape.days)
            morning = rng.random() < 0.5
            span = (8 * 60, 12 * 60) if morning else (12 * 60, 19 * 60)
            busy = [witness[j] for j in talks_of[p] if witness[j].day == window[day]]
            if not any(w.start < span[1] and span[0] < w.end for w in busy):
                person["unavailable"] = [f"{window[day]} {_clock(span[0])}-{_clock(span[1])}"]

    # Audience tags: each exclusive tag goes to talks that do not overlap in the witness.
    tags_of: dict[int, list[str]] = defaultdict(list)
    exclusive = []
    for t in range(max(1, shape.sessions // 40)):
        tag = f"{AUDIENCES[t % len(AUDIENCES)]}-{t // len(AUDIENCES) + 1}"
        members: list[int] = []
        for i in rng.sample(order, len(order)):
            if len(members) >= rng.randint(6, 14):
                break
            if not any(clashes(i, j) for j in members):
                members.append(i)
        if len(members) > 1:
            exclusive.append(tag)
            for i in members:
                tags_of[i].append(tag)

    # Closures: a free stretch of a room's day, at least an hour long.
    for v, venue in enumerate(venues):
        if rng.random() < 0.1:
            d = rng.randrange(shape.days)
            busy = sorted(
                (w.start, w.end) for w in witness.values() if w.venue == v and w.day == window[d]
            )
            edges = [hours[v][0], *[x for b in busy for x in b], hours[v][1]]
            free = [
                (edges[k], edges[k + 1])
                for k in range(0, len(edges), 2)
                if edges[k + 1] - edges[k] >= 60
            ]
            if free:
                a, b = rng.choice(free)
                venue["closed"] = [f"{window[d]} {_clock(a)}-{_clock(b)}"]

    tracks = [
        {"id": f"t{i:02d}", "name": f"分论坛 {i + 1}", "color": COLORS[i % len(COLORS)]}
        for i in range(max(3, shape.sessions // 20))
    ]
    sessions = []
    for i in order:
        w = witness[i]
        home = venues[w.venue]
        session: dict[str, Any] = {
            "id": f"s{i:04d}",
            "title": f"报告 {i}",
            "track": tracks[rng.randrange(len(tracks))]["id"],
            "duration": f"{durations[i]}m",
            "attendance": rng.randint(home["capacity"] // 3, home["capacity"]),
            "people": speakers_of[i],
        }
        if home["features"] and rng.random() < 0.2:
            session["needs"] = [rng.choice(home["features"])]
        if tags_of[i]:
            session["tags"] = tags_of[i]
        if rng.random() < 0.03:
            others = [
                j for j in rng.sample(order, min(20, len(order))) if j != i and not clashes(i, j)
            ]
            if others:
                session["not_with"] = [f"s{others[0]:04d}"]
        if rng.random() < 0.01:
            session["fixed"] = {"start": f"{w.day} {_clock(w.start)}", "venue": home["id"]}
        prefer: dict[str, Any] = {}
        if rng.random() < 0.3:
            kept = rng.random() < 0.7
            morning = (w.end <= 12 * 60) == kept
            prefer["time"] = "morning" if morning else "afternoon"
        if rng.random() < 0.1:
            prefer["dates"] = [w.day if rng.random() < 0.7 else rng.choice(window)]
        if rng.random() < 0.1:
            prefer["venues"] = [home["id"] if rng.random() < 0.7 else rng.choice(venues)["id"]]
        if prefer:
            session["prefer"] = prefer
        sessions.append(session)

    head: dict[str, Any] = {
        "id": f"conference-{seed}",
        "name": f"生成的大会 {seed}",
        "timezone": zone.key,
        "language": "zh-CN",
        "start": window[0],
        "end": window[-1],
        "days": "all",
        "step": f"{step}m",
    }
    if exclusive:
        head["exclusive_tags"] = exclusive
    data: dict[str, Any] = {
        "festival": head,
        # a conference packs its days: no spreading, tracks may fill a day
        "weights": {"spread": 0, "track_days": 0},
        "tracks": tracks,
        "venues": venues,
        "people": people,
        "sessions": sessions,
    }
    placements = [
        (f"s{i:04d}", venues[w.venue]["id"], *w.span()) for i, w in sorted(witness.items())
    ]
    return data, placements


def programme_toml(seed: int, shape: Programme = Programme()) -> str:
    """The generated conference as TOML text, one table per item."""
    return _toml(programme(seed, shape), seed, shape)


def published_programme(seed: int, shape: Programme = Programme()) -> tuple[Festival, Timetable]:
    """A generated conference, loaded as a user's file would be, and its hidden timetable."""
    data, witness = programme_and_witness(seed, shape)
    loaded = config.loads(_toml(data, seed, shape), source=f"conference-{seed}.toml")
    return loaded, Timetable(loaded.id, tuple(Placement(*w) for w in witness))


def main(argv: list[str] | None = None) -> None:
    """Print a generated conference programme as TOML: python -m scheduler.generate."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m scheduler.generate",
        description="Print a seeded, feasible conference programme as festival TOML.",
    )
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--rooms", type=int, default=0, help="default: one per 20 sessions")
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    shape = Programme(sessions=args.sessions, venues=args.rooms, days=args.days)
    try:
        text = programme_toml(args.seed, shape)
    except ValueError as error:
        parser.error(f"{error}; give more --rooms or --days")  # one line, exit 2
    print(text, end="")


if __name__ == "__main__":
    main()
