"""The validator's checks of the rules that tie sessions together, and what every check
of the validator reads (`Checked`).

Plain Python on aware datetimes, as `scheduler.validate`: nothing is shared with the
solver's model. Each check yields (rule, message, sessions) for each breach.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from itertools import combinations

from .model import Festival, Placement, clock_window
from .penalties import together_breaks
from .wall_clock import Wall, allowed_dates, minute_of_day


class Checked:
    """What every rule's check reads: the festival, its wall clock, and the placements
    that name a known session and venue, once each, with aware times."""

    def __init__(self, festival: Festival, placed: dict[str, Placement]):
        self.festival = festival
        self.placed = placed
        self.wall = Wall(festival)
        self.sessions = festival.sessions_by_id
        self.venues = festival.venues_by_id
        self.people = festival.people_by_id
        self.usable = set(allowed_dates(festival))

    def day(self, p: Placement) -> date:
        """The festival's local date on which `p` starts."""
        return self.wall(p.start).date()

    def block_of(self, p: Placement) -> int | None:
        """The index of the block of its venue's day that holds `p` whole (None: none does)."""
        v, day = self.venues[p.venue], self.day(p)
        begins = minute_of_day(self.wall(p.start))
        ends = minute_of_day(self.wall(p.end)) if self.wall(p.end).date() == day else 1440
        windows = v.blocks or dict(v.dated_blocks).get(day, ())
        return next((k for k, (a, b) in enumerate(windows) if a <= begins and ends <= b), None)


#: a check of one placement: (rule, message, sessions) for each rule it breaks
PlacementCheck = Callable[[Checked, str, Placement], Iterator[tuple[str, str, tuple[str, ...]]]]
#: a check of the whole timetable
TimetableCheck = Callable[[Checked], Iterator[tuple[str, str, tuple[str, ...]]]]


def _max_sessions_per_day(c: Checked) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """`festival.max_sessions_per_day`."""
    most = c.festival.max_sessions_per_day
    if not most:
        return
    per_day: dict[date, list[str]] = defaultdict(list)
    for sid, p in c.placed.items():
        per_day[c.day(p)].append(sid)
    for day, ids in sorted(per_day.items()):
        if len(ids) > most:
            yield (
                "festival.max_sessions_per_day",
                f"{day} holds {len(ids)} sessions, more than {most}",
                tuple(sorted(ids)),
            )


def _changeover(c: Checked) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """`venues.changeover`: two sessions of a venue are apart by its changeover."""
    by_venue: dict[str, list[Placement]] = defaultdict(list)
    for p in c.placed.values():
        by_venue[p.venue].append(p)
    for vid, items in sorted(by_venue.items()):
        minutes = c.venues[vid].changeover
        gap = timedelta(minutes=minutes)
        for a, b in combinations(sorted(items, key=lambda p: (p.start, p.session)), 2):
            if b.start < a.end + gap and a.start < b.end + gap:
                yield (
                    "venues.changeover",
                    f"sessions {a.session!r} and {b.session!r} in {vid} are too close: "
                    f"{c.wall.show(a)} and {c.wall.show(b)} (changeover {minutes} min)",
                    (a.session, b.session),
                )


def _block_tracks(c: Checked) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """`venues.blocks`, second half: a block holds the track `[[blocks]]` names, or one
    track with `one_track_per_block`."""
    in_block: dict[tuple[str, date, int], list[str]] = defaultdict(list)
    for sid, p in c.placed.items():
        v = c.venues[p.venue]
        if v.blocks or v.dated_blocks:
            k = c.block_of(p)
            if k is not None:
                in_block[(p.venue, c.day(p), k)].append(sid)
    owners = {(b.venue, b.date, b.window): b.track for b in c.festival.blocks}
    for (vid, day, k), ids in sorted(in_block.items()):
        v = c.venues[vid]
        window = (v.blocks or dict(v.dated_blocks)[day])[k]
        tracks = {c.sessions[sid].track for sid in ids} - {None}
        fixed = owners.get((vid, day, window))
        shown = f"block {clock_window(*window)} of {vid} on {day}"
        if fixed is not None and tracks - {fixed}:
            yield (
                "venues.blocks",
                f"{shown} is the {fixed!r} track's, but holds {sorted(tracks - {fixed})}",
                tuple(ids),
            )
        elif c.festival.one_track_per_block and len(tracks) > 1:
            yield "venues.blocks", f"{shown} holds the tracks {sorted(tracks)}", tuple(ids)


def _a_persons_day(c: Checked) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """`people.break`, `travel`, `people.one_city_per_day`, for each two sessions of one
    person: never at once, their break between, the trip between venues on top, and one
    city a day."""
    attended: dict[str, list[Placement]] = defaultdict(list)
    for sid, p in c.placed.items():
        for pid in c.sessions[sid].people:
            attended[pid].append(p)
    for pid in sorted(c.people):
        mine = sorted(attended[pid], key=lambda p: (p.start, p.session))
        break_ = c.people[pid].break_
        rest = timedelta(minutes=break_)
        for a, b in combinations(mine, 2):
            pair = (a.session, b.session)
            if a.start < b.end and b.start < a.end:
                yield "people.break", f"{pid} is in {a.session!r} and {b.session!r} at once", pair
            elif a.end <= b.start < a.end + rest:
                yield (
                    "people.break",
                    f"{pid} has {(b.start - a.end).seconds // 60} min between {a.session!r} "
                    f"and {b.session!r}, less than their {break_}-minute break",
                    pair,
                )
            trip = timedelta(minutes=_trip(c.festival, a.venue, b.venue))
            if trip and a.end <= b.start < a.end + rest + trip:
                rested = f", on top of their {break_}-minute break" if rest else ""
                yield (
                    "travel",
                    f"{pid} has {(b.start - a.end).seconds // 60} min from {a.session!r} in "
                    f"{a.venue} to {b.session!r} in {b.venue}; the trip takes "
                    f"{trip.seconds // 60} min{rested}",
                    pair,
                )
            here, there = c.venues[a.venue].city, c.venues[b.venue].city
            if c.wall.date(a.start) == c.wall.date(b.start) and here != there:
                yield (
                    "people.one_city_per_day",
                    f"{pid} is in {here} ({a.session!r}) and {there} ({b.session!r}) on "
                    f"{c.wall.date(a.start)}",
                    pair,
                )


def _exclusive_tags(c: Checked) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """`festival.exclusive_tags`: two sessions sharing such a tag never overlap."""
    for tag in c.festival.exclusive_tags:
        tagged = sorted(
            (p for sid, p in c.placed.items() if tag in c.sessions[sid].tags),
            key=lambda p: (p.start, p.session),
        )
        for a, b in combinations(tagged, 2):
            if a.start < b.end and b.start < a.end:
                yield (
                    "festival.exclusive_tags",
                    f"sessions {a.session!r} and {b.session!r} share the audience tag {tag!r} "
                    f"but overlap: {c.wall.show(a)} and {c.wall.show(b)}",
                    (a.session, b.session),
                )


def _together(c: Checked) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """`together`: each group without a weight is kept."""
    for i, group in enumerate(c.festival.together):
        if group.weight is None:
            for what, _ in together_breaks(c.festival, group, c.placed):
                yield "together", f"together[{i}] (same {group.same}): {what}", group.sessions


def _not_with(c: Checked) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """`sessions.not_with`: a session overlaps none it must not."""
    for sid, p in sorted(c.placed.items()):
        for other in c.sessions[sid].not_with:
            q = c.placed.get(other)
            if q is not None and p.start < q.end and q.start < p.end:
                yield (
                    "sessions.not_with",
                    f"session {sid!r} overlaps {other!r}, which it must not: "
                    f"{c.wall.show(p)} and {c.wall.show(q)}",
                    (sid, other),
                )


def _limits(c: Checked) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """`limits`: each `[[limits]]` without a weight: at no instant more than `at_once`
    sessions with its tag (the most at once is reached as one of them starts)."""
    hard = [(i, lim) for i, lim in enumerate(c.festival.limits) if lim.weight is None]
    for i, limit in hard:
        tagged = [p for sid, p in sorted(c.placed.items()) if limit.tag in c.sessions[sid].tags]
        for p in sorted(tagged, key=lambda p: p.start):
            running = [q for q in tagged if q.start <= p.start < q.end]
            if len(running) > limit.at_once:
                yield (
                    "limits",
                    f"limits[{i}]: {len(running)} sessions tagged {limit.tag!r} run at "
                    f"{c.wall.show(p)}, more than {limit.at_once}: "
                    + ", ".join(repr(q.session) for q in running),
                    tuple(q.session for q in running),
                )
                break


def _order(c: Checked) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """`order`: each `[[order]]` without a weight: every `then` session starts once every
    `first` session has ended."""
    for i, rule in enumerate(c.festival.order):
        if rule.weight is not None:
            continue
        for a in rule.first:
            for b in rule.then:
                first, then = c.placed.get(a), c.placed.get(b)
                if first and then and then.start < first.end:
                    yield (
                        "order",
                        f"order[{i}]: session {b!r} starts {c.wall.moment(then.start)}, "
                        f"before {a!r} ends {c.wall.moment(first.end)}",
                        (b, a),
                    )


def _plenary(c: Checked) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """`sessions.plenary`: no other session overlaps a plenary in its city."""
    plenaries = [(pid, p) for pid, p in sorted(c.placed.items()) if c.sessions[pid].plenary]
    for pid, p in plenaries:
        city = c.venues[p.venue].city
        for sid, q in sorted(c.placed.items()):
            beside = sid != pid and c.venues[q.venue].city == city
            if beside and p.start < q.end and q.start < p.end:
                yield (
                    "sessions.plenary",
                    f"session {sid!r} runs in {city} during the plenary {pid!r}: "
                    f"{c.wall.show(q)} and {c.wall.show(p)}",
                    (pid, sid),
                )


def _runs(c: Checked) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """`sessions.runs`: two runs of one session never overlap, nor share a day unless
    `runs_same_day`."""
    runs: dict[str, list[Placement]] = defaultdict(list)
    for sid, p in sorted(c.placed.items()):
        if c.sessions[sid].run_of:
            runs[c.sessions[sid].run_of].append(p)
    for base, placed in sorted(runs.items()):
        same_day = c.sessions[placed[0].session].runs_same_day
        for a, b in combinations(sorted(placed, key=lambda p: (p.start, p.session)), 2):
            if a.start < b.end and b.start < a.end:
                why = "overlap"
            elif not same_day and c.wall.date(a.start) == c.wall.date(b.start):
                why = "fall on one day"
            else:
                continue
            yield (
                "sessions.runs",
                f"runs {a.session!r} and {b.session!r} of {base!r} {why}: "
                f"{c.wall.show(a)} and {c.wall.show(b)}",
                (a.session, b.session),
            )


TIMETABLE_CHECKS: tuple[TimetableCheck, ...] = (
    _max_sessions_per_day,
    _changeover,
    _block_tracks,
    _a_persons_day,
    _exclusive_tags,
    _together,
    _not_with,
    _limits,
    _order,
    _plenary,
    _runs,
)


def _trip(festival: Festival, here: str, there: str) -> int:
    """Minutes a person needs to get from venue `here` to `there` (`[travel]`): the
    `between` entry for the two, else `same_city` within one city, else nothing."""
    if here == there:
        return 0
    for route in festival.travel.between:
        if {here, there} == set(route.venues):
            return route.time
    same = festival.venue(here).city == festival.venue(there).city
    return festival.travel.same_city if same else 0
