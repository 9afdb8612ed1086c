"""The penalty of a timetable, recomputed independently of the solver: each soft goal's
count (`score`), and how far a re-plan moved the published sessions (`moves`).

Like the validator, plain Python on aware datetimes and the festival's wall clock;
nothing is shared with the solver's model.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from itertools import combinations, pairwise

from .groups import Together
from .model import SOFT_GOALS, Festival, Placement, Session, Timetable, Wish
from .wall_clock import Wall, allowed_dates, minute_of_day


def spread_width(festival: Festival, usable: tuple[date, ...]) -> int:
    """How many usable days the `spread` goal's window covers (`[festival] spread_days`)."""
    if festival.spread_days:
        return festival.spread_days
    return max(1, len(usable) // max(1, len(festival.sessions)))


def score(festival: Festival, timetable: Timetable) -> dict[str, int]:
    """The penalty of each soft goal, plus `total` weighted as in `[weights]`."""
    placed = {p.session: p for p in timetable.placements}
    sessions: list[Session] = [s for s in festival.sessions if s.id in placed]
    usable = allowed_dates(festival)
    width = spread_width(festival, usable)
    wall = Wall(festival)
    day_of = {s.id: wall.date(placed[s.id].start) for s in sessions}
    penalty = dict.fromkeys(SOFT_GOALS, 0)

    if len(sessions) >= 2 and usable:
        for i in range(max(1, len(usable) - width + 1)):
            window = set(usable[i : i + width])
            inside = sum(1 for s in sessions if day_of[s.id] in window)
            penalty["spread"] += inside * (inside - 1) // 2
    same_track_day = Counter((s.track, day_of[s.id]) for s in sessions if s.track is not None)
    penalty["track_days"] = sum(n * (n - 1) // 2 for n in same_track_day.values())
    for s in sessions:
        p = placed[s.id]
        if s.prefer.dates and day_of[s.id] not in s.prefer.dates:
            penalty["prefer_date"] += 1
        if s.prefer.venues and p.venue not in s.prefer.venues:
            penalty["prefer_venue"] += 1
        if s.prefer.time:
            begins, ends = wall(p.start), wall(p.end)
            ends_at = minute_of_day(ends) + 1440 * (ends.date() - begins.date()).days
            first, last = s.prefer.time
            if not (first <= minute_of_day(begins) and ends_at <= last):
                penalty["prefer_time"] += 1
    for s in sessions:
        p = placed[s.id]
        begins, ends = wall(p.start), wall(p.end)
        ends_at = minute_of_day(ends) + 1440 * (ends.date() - begins.date()).days

        where = (day_of[s.id], p.venue, minute_of_day(begins), ends_at)
        penalty["prefer"] += sum(w.weight for w in s.wishes if not _meets(w, *where))
        penalty["avoid"] += sum(w.weight for w in s.avoid if _meets(w, *where))
    for tag, weight in festival.weights.tag_overlap:
        tagged = sorted(s.id for s in sessions if tag in s.tags)
        for a, b in combinations(tagged, 2):
            penalty["tag_overlap"] += weight * _clash(festival, placed[a], placed[b])
    longest_day = max((v.closes - v.opens for v in festival.venues), default=1440)
    held: dict[str, list[Session]] = defaultdict(list)
    for s in sessions:
        for person in dict.fromkeys(s.people):
            held[person].append(s)
    for person in festival.people:
        mine = held.get(person.id, [])
        if mine:
            need = max(1, -(-sum(s.duration for s in mine) // max(1, longest_day)))
            penalty["person_days"] += len({day_of[s.id] for s in mine}) - need
            first, last = min(day_of[s.id] for s in mine), max(day_of[s.id] for s in mine)
            penalty["person_span"] += max(0, (last - first).days - 1)
    for choice in festival.interest:
        chosen = sorted(sid for sid in set(choice.sessions) if sid in placed)
        for a, b in combinations(chosen, 2):
            penalty["attendee_clash"] += _clash(festival, placed[a], placed[b])
    capacity = {v.id: v.capacity for v in festival.venues}
    for s in sessions:
        seats = capacity[placed[s.id].venue]
        if s.attendance and seats:
            penalty["room_fit"] += 100 * max(0, seats - s.attendance) // seats
    penalty["popular_rooms"] = _popular_in_smaller_rooms(festival, sessions, placed)
    penalty["rewards"] = _rewards_missed(festival, sessions, placed)
    for group in festival.together:
        if group.weight:
            broken = together_breaks(festival, group, placed)
            penalty["together"] += group.weight * sum(cost for _, cost in broken)
    order = {s.id: i for i, s in enumerate(festival.sessions)}
    for limit in festival.limits:
        if limit.weight:
            penalty["limits"] += limit.weight * _beyond_limit(
                limit.tag, limit.at_once, sessions, placed, order
            )
    for rule in festival.order:
        if rule.weight:
            penalty["order"] += rule.weight * _out_of_order(festival, rule.pairs(), placed)
    penalty["total"] = sum(festival.weight(g) * penalty[g] for g in SOFT_GOALS)
    return penalty


def _beyond_limit(
    tag: str,
    at_once: int,
    sessions: Iterable[Session],
    placed: dict[str, Placement],
    order: dict[str, int],
) -> int:
    """For each session with `tag`, how many of those running as it starts (started
    earlier, or at the same instant and listed earlier) reach beyond `at_once - 1`."""
    tagged = sorted((placed[s.id].start, order[s.id], s.id) for s in sessions if tag in s.tags)
    beyond = 0
    for k, (start, _, _) in enumerate(tagged):
        running = sum(1 for _, _, other in tagged[:k] if placed[other].end > start)
        beyond += max(0, running + 1 - at_once)
    return beyond


def _clash(festival: Festival, a: Placement, b: Placement) -> int:
    """What `a` and `b` overlapping costs before its weight: 1 if they overlap at all, or
    with `overlap = "minutes"` the minutes they share; 0 if they do not."""
    shared = (min(a.end, b.end) - max(a.start, b.start)) // timedelta(minutes=1)
    if shared <= 0:
        return 0
    return shared if festival.overlap == "minutes" else 1


def _popular_in_smaller_rooms(
    festival: Festival, sessions: list[Session], placed: dict[str, Placement]
) -> int:
    """Pairs where the session more attendees want (their choices in the interest file;
    without one, `popularity`, else `attendance`) has fewer seats than the other; with
    `overlap = "minutes"`, the minutes of both sessions of each such pair."""
    if festival.interest:
        wanted = Counter(sid for c in festival.interest for sid in dict.fromkeys(c.sessions))
    else:
        wanted = Counter({s.id: s.attendance if s.popularity is None else s.popularity
                          for s in sessions})  # fmt: skip
    seats = {v.id: v.capacity for v in festival.venues}
    count = 0
    for a, b in combinations(sessions, 2):
        if wanted[a.id] < wanted[b.id]:
            a, b = b, a
        if wanted[a.id] > wanted[b.id] and seats[placed[a.id].venue] < seats[placed[b.id].venue]:
            count += a.duration + b.duration if festival.overlap == "minutes" else 1
    return count


def _rewards_missed(
    festival: Festival, sessions: list[Session], placed: dict[str, Placement]
) -> int:
    """Of each `[[rewards]]`, what the pairs of sessions of one length would earn side by
    side (same start; with `overlap = "minutes"`, per minute) and do not."""
    missed = 0
    for reward in festival.rewards:
        wanted = set(reward.tags)
        for a, b in combinations(sessions, 2):
            if a.duration != b.duration or placed[a.id].start == placed[b.id].start:
                continue
            mine, theirs = wanted & set(a.tags), wanted & set(b.tags)
            if reward.when == "share":
                earned = reward.weight * len(mine & theirs)
            else:
                earned = reward.weight if mine and theirs and mine != theirs else 0
            missed += earned * (a.duration if festival.overlap == "minutes" else 1)
    return missed


def _out_of_order(
    festival: Festival, pairs: Iterable[tuple[str, str]], placed: dict[str, Placement]
) -> int:
    """How many (first, then) pairs have `then` starting before `first` ends; with
    `overlap = "minutes"`, the minutes of both sessions of each such pair."""
    count = 0
    for a, b in pairs:
        if a in placed and b in placed and placed[b].start < placed[a].end:
            both = (placed[a].end - placed[a].start) + (placed[b].end - placed[b].start)
            minutes = both // timedelta(minutes=1)
            count += minutes if festival.overlap == "minutes" else 1
    return count


def _meets(wish: Wish, day: date, venue: str, begins: int, ends: int) -> bool:
    """Whether a session on `day` in `venue`, from minute `begins` to `ends` of the wall
    clock, is where `wish` names: each part it gives holds."""
    in_time = wish.time is None or (wish.time[0] <= begins and ends <= wish.time[1])
    return (
        (not wish.dates or day in wish.dates)
        and (not wish.venues or venue in wish.venues)
        and in_time
    )


def moves(festival: Festival, timetable: Timetable, previous: Timetable) -> dict[str, int]:
    """How many published sessions moved, and how (recomputed from the placements)."""
    wall = Wall(festival)
    now = {p.session: p for p in timetable.placements}
    counted = {"moved": 0, "moved_date": 0, "moved_time": 0, "moved_venue": 0}
    for old in previous.placements:
        new = now.get(old.session)
        if new is None:
            continue
        changed_start = new.start != old.start
        changed_venue = new.venue != old.venue
        counted["moved"] += changed_start or changed_venue
        same_date = wall.date(new.start) == wall.date(old.start)
        counted["moved_date"] += not same_date
        counted["moved_time"] += changed_start and same_date
        counted["moved_venue"] += changed_venue
    return counted


def together_breaks(
    festival: Festival, group: Together, placed: dict[str, Placement]
) -> list[tuple[str, int]]:
    """What keeps a `[[together]]` group apart, one line per day or venue beyond the first
    (per day for "venue-each-day"), per broken link of a block, or per pair that breaks
    `same` (`count = "pairs"`), each with its count: 1, or for a pair under `overlap =
    "minutes"` the minutes of both (sessions not placed are left out)."""
    wall = Wall(festival)
    here = [placed[sid] for sid in group.sessions if sid in placed]
    found: list[tuple[str, int]] = []
    if group.count == "pairs":
        for a, b in combinations(here, 2):
            one_day = wall.date(a.start) == wall.date(b.start)
            one_venue = a.venue == b.venue
            broken = {
                "day": not one_day,
                "venue": not one_venue,
                "venue-day": not (one_day and one_venue),
                "venue-each-day": one_day and not one_venue,
            }[group.same]
            if broken:
                both = ((a.end - a.start) + (b.end - b.start)) // timedelta(minutes=1)
                where = f"{wall.date(a.start)} in {a.venue}, {wall.date(b.start)} in {b.venue}"
                line = f"{a.session!r} and {b.session!r} apart ({where})"
                found.append((line, both if festival.overlap == "minutes" else 1))
        return found
    if group.same == "venue-each-day":
        by_date: dict[date, list[str]] = defaultdict(list)
        for p in here:
            by_date[wall.date(p.start)].append(p.venue)
        for day, venues in sorted(by_date.items()):
            found += [(f"also in {v} on {day}", 1) for v in list(dict.fromkeys(venues))[1:]]
    if group.same_day:
        dates = sorted({wall.date(p.start) for p in here})
        found += [(f"also on {d}", 1) for d in dates[1:]]
    if group.same_venue:
        venues = sorted({p.venue for p in here}, key=[p.venue for p in here].index)
        found += [(f"also in {v}", 1) for v in venues[1:]]
    if group.same == "block":
        changeover = {v.id: timedelta(minutes=v.changeover) for v in festival.venues}
        step = timedelta(minutes=festival.step)
        for a, b in pairwise(here):
            gap = b.start - (a.end + changeover[a.venue])
            if a.venue != b.venue or not timedelta(0) <= gap < step:
                found.append((f"{b.session!r} does not follow {a.session!r} in {a.venue}", 1))
    return found
