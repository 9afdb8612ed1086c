"""Seeded generator of conference programmes: many talks over a few days in many rooms.

As for festivals, a hidden witness timetable is laid out first and every rule is
drawn so that it keeps it, so a generated programme is always feasible.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ..model import Festival, Timetable, clock_time, clock_window
from .common import (
    COLORS,
    FEATURES,
    Witness,
    a_limit,
    a_plenary,
    a_reward,
    an_order,
    interest_csv,
    loaded,
    pair_counting,
    together_counting,
    toml_text,
    witness_blocks,
    witness_slots,
    witness_travel,
)

#: (minutes, share) of talk lengths in a generated conference programme
DURATION_MIX = ((30, 0.5), (45, 0.25), (60, 0.15), (90, 0.1))
#: ... in a programme of short talks, as in a developer meeting's devrooms
SHORT_TALKS = ((15, 0.2), (20, 0.3), (25, 0.2), (30, 0.15), (40, 0.1), (50, 0.05))
#: where a room's day splits into its morning and afternoon track blocks (minutes)
HALF_DAY = 12 * 60 + 30
AUDIENCES = ("入门", "主题演讲", "动手实验", "开发者", "管理者", "学生", "投资人", "开源")


@dataclass(frozen=True)
class Programme:
    """How big a generated conference is: many talks over a few days in many rooms."""

    sessions: int = 200
    venues: int = 0  # 0: one room per 20 sessions (at least 2)
    days: int = 3
    step: int = 15
    fill: float = 0.85  # share of room hours the hidden timetable uses, at most
    attendees: int = 0  # attendees choosing 5-20 talks each (an interest file), popular first
    slots: float = 0.1  # share of rooms with a slot grid (1: every room)
    blocks: float = 0.0  # share of rooms whose half-days each hold one track
    named_blocks: float = 0.0  # share of those blocks whose track is named in [[blocks]]
    wishes: float = 0.1  # share of talks with graded `prefer` entries (half as many: `avoid`)
    durations: tuple[tuple[int, float], ...] = DURATION_MIX  # (minutes, share) of talk lengths

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

    Talks have lengths from `shape.durations`; rooms have capacities, features,
    changeovers and the odd closure; speakers give one to several talks and
    some ask for a break between them or are away for half a day; sessions
    carry audience tags that must not overlap (`exclusive_tags`) and a few
    `not_with` pairs; some have preferences, not all of which can be met.
    """
    rng = random.Random(seed)
    #: draws of rules added later, apart, so that earlier rules draw as they always did
    later = random.Random(f"{seed}:later")
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
                "hours": clock_window(opens, closes),
                "features": sorted(rng.sample(FEATURES, rng.randint(0, 2))),
                "changeover": f"{rng.choice((0, 0, 0, 15))}m",
            }
        )
    hours = [tuple(int(t[:2]) * 60 + int(t[3:]) for t in v["hours"].split("-")) for v in venues]
    gaps = [int(v["changeover"][:-1]) for v in venues]

    lengths, shares = zip(*shape.durations, strict=True)
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
    witness: dict[int, Witness] = {}
    for (v, d), talks in sorted(assigned.items()):
        rng.shuffle(talks)
        used = sum(taken(i, v) for i in talks)
        slack_steps = (hours[v][1] - first[v] - used) // step
        cuts = sorted(rng.randint(0, slack_steps) for _ in talks)
        cursor, previous_cut = first[v], 0
        for i, cut in zip(talks, cuts, strict=True):
            cursor += (cut - previous_cut) * step
            previous_cut = cut
            witness[i] = Witness(window[d], cursor, durations[i], v, zone)
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
                person["unavailable"] = [f"{window[day]} {clock_window(span[0], span[1])}"]

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

    # Speakers on few days: weighed in half of the programmes (it slows the whole-model
    # search of mid-size programmes most).
    spread_people = rng.random() < 0.5
    # Soft audiences: talks sharing one should rather not overlap (tag_overlap).
    soft = [f"{AUDIENCES[t % len(AUDIENCES)]}-关注" for t in range(2)]
    for i in order:
        if rng.random() < 0.15:
            tags_of[i].append(soft[i % len(soft)])
    soft = [tag for tag in soft if any(tag in tags for tags in tags_of.values())]

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
                venue["closed"] = [f"{window[d]} {clock_window(a, b)}"]

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
            session["fixed"] = {"start": f"{w.day} {clock_time(w.start)}", "venue": home["id"]}
        if later.random() < 0.03:  # its room is being set up for half of another day
            day = later.choice(window)
            if day != w.day:
                session["unavailable"] = [f"{day} {later.choice(('08:00-13:00', '13:00-20:00'))}"]
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

    head = _conference_head(f"conference-{seed}", seed, zone, window, step)
    if exclusive:
        head["exclusive_tags"] = exclusive
    data: dict[str, Any] = {
        "festival": head,
        # a conference packs its days: no spreading, tracks may fill a day; big talks in
        # big rooms, speakers on few days, newcomers' talks apart where possible
        "weights": {
            "spread": 0,
            "track_days": 0,
            "tag_overlap": {tag: 3 for tag in soft},
            "person_days": 5 if spread_people else 0,
            "room_fit": 1,
        },
        "tracks": tracks,
        "venues": venues,
        "people": people,
        "sessions": sessions,
    }
    # some tracks would rather stay in one room
    kept = [{"track": track["id"], "same": "venue", "weight": 2} for track in tracks]
    kept = [group for group in kept if rng.random() < 0.3]
    if kept:
        data["together"] = kept
    travel = witness_travel(witness, venues, people, talks_of, later)
    if travel:
        data["travel"] = travel
    by_id = {s["id"]: s for s in sessions}
    named: list[dict[str, Any]] = []
    for v, venue in enumerate(venues):  # track blocks the hidden timetable keeps
        if shape.blocks and later.random() < shape.blocks:
            # as organisers hand out rooms: each half-day of the room goes to one track
            for day in window:
                for half in (True, False):
                    track = later.choice(tracks)["id"]
                    for i, w in witness.items():
                        if w.venue == v and w.day == day and (w.start < HALF_DAY) == half:
                            by_id[f"s{i:04d}"]["track"] = track
            track_of = {int(s["id"][1:]): s["track"] for s in sessions}
            venue["blocks"], owned = witness_blocks(witness, v, hours[v], window, track_of)
            head["one_track_per_block"] = True
            for day, time, track in owned:  # blocks whose track the organisers chose
                if shape.named_blocks and later.random() < shape.named_blocks:
                    named.append({"venue": venue["id"], "date": day, "time": time, "track": track})
    if named:
        data["blocks"] = named
    for v, venue in enumerate(venues):  # slot grids the hidden timetable keeps
        if later.random() < shape.slots:
            table, spans = witness_slots(witness, v, hours[v], step, window, later)
            if table:
                venue["slots"] = table
                for i, span in spans.items():
                    by_id[f"s{i:04d}"]["span"] = span
    if shape.attendees:
        data["interest"] = _choices(sessions, shape.attendees, rng)
        data["weights"]["attendee_clash"] = 1
    for session in sessions:  # graded wishes: drawn last, so that older draws stay as they were
        w = witness[int(session["id"][1:])]
        if "prefer" not in session and later.random() < shape.wishes:
            session["prefer"] = _wishes(w, venues, window, later, kept=0.7)
        if later.random() < shape.wishes / 2:
            session["avoid"] = _wishes(w, venues, window, later, kept=0.0)
    placements = [
        (f"s{i:04d}", venues[w.venue]["id"], *w.span()) for i, w in sorted(witness.items())
    ]
    plenary = random.Random(f"{seed}:plenary")
    if plenary.random() < 0.5:  # an opening keynote, where the hidden timetable has one
        a_plenary(data, placements, plenary)
    limited = random.Random(f"{seed}:limits")
    if limited.random() < 0.5:  # crowd control: a tag with at most so many at once
        a_limit(data, placements, limited)
    ordered = random.Random(f"{seed}:order")
    if ordered.random() < 0.5:
        an_order(data, placements, ordered)
    pair_counting(data, random.Random(f"{seed}:pairs"))
    together_counting(data, placements, random.Random(f"{seed}:together"))
    a_reward(data, random.Random(f"{seed}:rewards"), tagged=0.25)
    return data, placements


def _conference_head(
    festival_id: str, seed: int, zone: ZoneInfo, window: list[date], step: int
) -> dict[str, Any]:
    """The `[festival]` table of a generated conference held every day of `window`."""
    return {
        "id": festival_id,
        "name": f"生成的大会 {seed}",
        "timezone": zone.key,
        "language": "zh-CN",
        "start": window[0],
        "end": window[-1],
        "days": "all",
        "step": f"{step}m",
    }


def _wishes(
    w: Witness,
    venues: list[dict[str, Any]],
    window: list[date],
    rng: random.Random,
    kept: float,
) -> list[dict[str, Any]]:
    """One or two graded entries, each a date, a room or a time of day (or two of them) and
    a weight; each entry names the hidden timetable's own date, room or time with
    probability `kept`, another one otherwise."""
    entries = []
    for _ in range(rng.randint(1, 2)):
        own = rng.random() < kept
        morning = (w.end <= 12 * 60) == own
        parts = {
            "date": w.day if own else rng.choice(window),
            "venue": venues[w.venue]["id"] if own else rng.choice(venues)["id"],
            "time": "morning" if morning else "afternoon",
        }
        chosen = sorted(rng.sample(sorted(parts), rng.randint(1, 2)))
        entries.append({key: parts[key] for key in chosen} | {"weight": rng.randint(1, 5)})
    return entries


def _choices(
    sessions: list[dict[str, Any]], attendees: int, rng: random.Random
) -> list[tuple[str, str]]:
    """Each attendee chooses 5 to 20 talks, popular ones (large attendance) more often."""
    ids = [s["id"] for s in sessions]
    popularity = [max(1, s.get("attendance", 1)) for s in sessions]
    rows = []
    for a in range(attendees):
        wanted = min(len(ids), rng.randint(5, 20))
        chosen: dict[str, None] = {}
        while len(chosen) < wanted:
            chosen.update(dict.fromkeys(rng.choices(ids, weights=popularity, k=wanted)))
        rows.extend((f"a{a:05d}", sid) for sid in list(chosen)[:wanted])
    return rows


def programme_toml(seed: int, shape: Programme = Programme()) -> str:
    """The generated conference as TOML text, one table per item."""
    return toml_text(programme(seed, shape), seed, shape)


def published_programme(seed: int, shape: Programme = Programme()) -> tuple[Festival, Timetable]:
    """A generated conference, loaded as a user's file would be, and its hidden timetable."""
    data, witness = programme_and_witness(seed, shape)
    return loaded(data, witness, seed, shape, f"conference-{seed}.toml")


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
    parser.add_argument(
        "--attendees", type=int, default=0, help="attendees choosing 5-20 talks each"
    )
    parser.add_argument(
        "--interest",
        metavar="FILE",
        help="with --attendees: write their choices to FILE (CSV) and name it in [festival]; "
        "keep the TOML in the same folder",
    )
    args = parser.parse_args(argv)
    shape = Programme(
        sessions=args.sessions, venues=args.rooms, days=args.days, attendees=args.attendees
    )
    if args.attendees and not args.interest:
        parser.error("--attendees needs --interest FILE")  # one line, exit 2
    try:
        data = programme(args.seed, shape)
    except ValueError as error:
        parser.error(f"{error}; give more --rooms or --days")  # one line, exit 2
    if args.interest:
        Path(args.interest).write_text(interest_csv(data["interest"]), encoding="utf-8")
        data["festival"]["interest"] = Path(args.interest).name
    print(toml_text(data, args.seed, shape), end="")


@dataclass(frozen=True)
class SlotExact:
    """A conference given as slot-based schedulers take one: one grid of equal slots a day
    shared by every room, each talk exactly one slot long; tight where rooms' features
    and capacities, speakers and prerequisites (`after`) leave few places."""

    sessions: int = 216
    venues: int = 20
    days: int = 3
    slots: int = 6  # a day, in every room
    length: int = 45  # minutes of a talk and of a slot
    fill: float = 0.9  # share of the slots the hidden timetable uses, at most
    needs: float = 0.5  # share of talks needing a feature of a room
    after: float = 0.15  # share of talks that must follow another (a prerequisite)


def slot_exact_and_witness(
    seed: int, shape: SlotExact = SlotExact()
) -> tuple[dict[str, Any], list[tuple[str, str, datetime, datetime]]]:
    """A slot-exact conference of `shape.sessions` talks and a hidden timetable it admits.

    The slots of a day start at 09:00, one an hour (`length` minutes and the
    changeover). Talks in the hidden timetable take random free slots; each needs
    one of its room's features at the `needs` share and seats from a third of the
    room to all of it, so that it fits few rooms; speakers give one to three talks;
    a talk at the `after` share follows one that the hidden timetable runs earlier.
    """
    rng = random.Random(f"slot-exact:{seed}")
    zone = ZoneInfo("Asia/Shanghai")
    start = date(2024, 4, 9) + timedelta(weeks=rng.randrange(0, 20))  # a Tuesday
    window = [start + timedelta(days=i) for i in range(shape.days)]
    gap = 60 - shape.length % 60 if shape.length % 60 else 0
    grid = [9 * 60 + k * (shape.length + gap) for k in range(shape.slots)]
    closes = grid[-1] + shape.length
    if closes > 24 * 60 or shape.sessions > shape.fill * shape.venues * shape.days * shape.slots:
        raise ValueError(f"{shape} is too dense to generate (seed {seed})")
    venues = [
        {
            "id": f"r{v:03d}",
            "name": f"{v + 1} 号厅",
            "city": "上海",
            "address": f"上海国际会议中心 {v + 1} 号厅",
            "capacity": rng.choice((60, 100, 100, 200, 400)),
            "hours": clock_window(grid[0], closes),
            "features": sorted(rng.sample(FEATURES, rng.randint(0, 2))),
            "slots": [clock_window(t, t + shape.length) for t in grid],
        }
        for v in range(shape.venues)
    ]
    places = [(v, d, k) for v in range(shape.venues) for d in range(shape.days) for k in grid]
    taken = rng.sample(places, shape.sessions)
    tracks = [
        {"id": f"t{i:02d}", "name": f"分论坛 {i + 1}", "color": COLORS[i % len(COLORS)]}
        for i in range(max(3, shape.sessions // 24))
    ]
    people: list[dict[str, Any]] = []
    talks_of: list[list[int]] = []
    sessions: list[dict[str, Any]] = []
    for i, (v, d, t) in enumerate(taken):
        room = venues[v]
        mine = [p for p, talks in enumerate(talks_of) if len(talks) < 3]
        p = rng.choice(mine) if mine and rng.random() < 0.3 else -1
        if p < 0 or any(taken[j][1:] == (d, t) for j in talks_of[p]):
            p = len(people)
            people.append({"id": f"p{p:04d}", "name": f"讲者 {p}"})
            talks_of.append([])
        talks_of[p].append(i)
        session: dict[str, Any] = {
            "id": f"s{i:04d}",
            "title": f"报告 {i}",
            "track": rng.choice(tracks)["id"],
            "duration": f"{shape.length}m",
            "attendance": rng.randint(room["capacity"] // 3, room["capacity"]),
            "people": [f"p{p:04d}"],
        }
        if room["features"] and rng.random() < shape.needs:
            session["needs"] = [rng.choice(room["features"])]
        earlier = [j for j in range(i) if taken[j][1:] < (d, t)]
        if earlier and rng.random() < shape.after:
            session["after"] = [f"s{rng.choice(earlier):04d}"]
        sessions.append(session)
    data: dict[str, Any] = {
        "festival": _conference_head(f"slot-exact-{seed}", seed, zone, window, 15),
        "weights": {"spread": 0, "track_days": 0, "room_fit": 1},
        "tracks": tracks,
        "venues": venues,
        "people": people,
        "sessions": sessions,
    }

    def instant(d: int, minute: int) -> datetime:
        moment = datetime.combine(window[d], datetime.min.time(), zone)
        return (moment + timedelta(minutes=minute)).astimezone(UTC)

    placements = [
        (f"s{i:04d}", venues[v]["id"], instant(d, t), instant(d, t + shape.length))
        for i, (v, d, t) in enumerate(taken)
    ]
    return data, placements


def published_slot_exact(seed: int, shape: SlotExact = SlotExact()) -> tuple[Festival, Timetable]:
    """A generated slot-exact conference, loaded as a user's file would be, and its hidden
    timetable."""
    data, witness = slot_exact_and_witness(seed, shape)
    return loaded(data, witness, seed, shape, f"slot-exact-{seed}.toml")
