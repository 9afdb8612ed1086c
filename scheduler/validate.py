"""An independent check of a timetable against its festival definition.

Plain Python on aware datetimes and `zoneinfo`: nothing here is shared with the
solver's model or its minute axis, so a bug in one is caught by the other.
Durations, overlaps and gaps are judged on instants; days, opening hours and
the grid on the festival's wall clock, as the definition states them.
`violations()` returns one `Violation` per broken rule, labelled with the
config key it comes from; `score()` recomputes the soft-goal penalties the
solver minimises.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import combinations, pairwise
from zoneinfo import ZoneInfo

import holidays

from .model import (
    SOFT_GOALS,
    Festival,
    Placement,
    Session,
    Timetable,
    Together,
    Violation,
    Wish,
    clock_window,
)
from .rules import named


def _minute_of_day(moment: datetime) -> int:
    return moment.hour * 60 + moment.minute


def _wall_instant(zone: ZoneInfo, day: date, minutes: int) -> datetime:
    """The instant the wall clock shows `minutes` after midnight on `day` (its first
    occurrence; a skipped time with the offset before the skip, as RFC 5545 reads it)."""
    wall = datetime.combine(day, time()) + timedelta(minutes=minutes)
    return wall.replace(tzinfo=zone, fold=0).astimezone(UTC)


class _Wall:
    """The festival's wall clock, for showing and judging placements."""

    def __init__(self, festival: Festival):
        self.zone = ZoneInfo(festival.timezone)

    def __call__(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    def show(self, p: Placement) -> str:
        return f"{p.venue} {self(p.start):%Y-%m-%d %H:%M}–{self(p.end):%H:%M}"

    def moment(self, moment: datetime) -> str:
        return f"{self(moment):%Y-%m-%d %H:%M}"

    def date(self, moment: datetime) -> date:
        return self(moment).date()


@lru_cache(maxsize=32)
def allowed_dates(festival: Festival) -> tuple[date, ...]:
    """The festival's usable dates, computed straight from the holiday library."""
    dates = []
    day = festival.start
    rule = festival.days
    calendar = None
    if rule.kind == "workdays":
        years = list(range(festival.start.year, festival.end.year + 1))
        calendar = holidays.country_holidays(rule.country, years=years)
    known_years = {d.year for d in getattr(calendar, "weekend_workdays", ())}
    substitutes = getattr(calendar, "has_substituted_holidays", False)
    while day <= festival.end:
        if rule.kind == "all":
            ok = True
        elif rule.kind == "weekdays":
            ok = day.weekday() < 5
        elif substitutes and day.year not in known_years:  # weekday fallback
            ok = day.weekday() < 5 and day not in calendar
        else:
            ok = calendar.is_working_day(day)
        if ok and day not in festival.blackout:
            dates.append(day)
        day += timedelta(days=1)
    return tuple(dates)


def violations(festival: Festival, timetable: Timetable) -> list[Violation]:
    """Every hard rule of `festival` that `timetable` breaks (empty when valid)."""
    found: list[Violation] = []

    def bad(rule: str, message: str, *sessions: str) -> None:
        found.append(Violation(named(rule), message, tuple(sessions)))

    if timetable.festival != festival.id:
        bad("timetable.complete", f"timetable is for {timetable.festival!r}, not {festival.id!r}")
    sessions = festival.sessions_by_id
    venues = festival.venues_by_id
    people = festival.people_by_id
    placed: dict[str, Placement] = {}
    for p in timetable.placements:
        if p.session not in sessions:
            bad("timetable.complete", f"session {p.session!r} is not in the definition", p.session)
        elif p.session in placed:
            bad("timetable.complete", f"session {p.session!r} is placed twice", p.session)
        elif p.venue not in venues:
            bad(
                "timetable.complete",
                f"session {p.session!r} is in unknown venue {p.venue!r}",
                p.session,
            )
        else:
            placed[p.session] = p
    for sid in sessions:
        if sid not in placed:
            bad("timetable.complete", f"session {sid!r} is missing from the timetable", sid)

    wall = _Wall(festival)
    _show = wall.show
    for sid, p in list(placed.items()):
        if p.start.tzinfo is None or p.end.tzinfo is None:
            bad("timetable.complete", f"session {sid!r} has a time without a time zone", sid)
            del placed[sid]
    usable = set(allowed_dates(festival))
    per_day: dict[date, list[str]] = defaultdict(list)
    in_block: dict[tuple[str, date, int], list[str]] = defaultdict(list)
    for sid, p in placed.items():
        s, v = sessions[sid], venues[p.venue]
        local_start = wall(p.start)
        day = local_start.date()
        per_day[day].append(sid)
        if p.end - p.start != timedelta(minutes=s.duration):
            bad(
                "sessions.duration",
                f"session {sid!r} lasts {p.end - p.start}, not {s.duration} minutes",
                sid,
            )
        if not festival.start <= day <= festival.end:
            bad(
                "festival.window",
                f"session {sid!r} on {day} is outside the festival window "
                f"{festival.start}..{festival.end}",
                sid,
            )
        elif day in festival.blackout:
            bad("festival.blackout", f"session {sid!r} is on blackout date {day}", sid)
        elif day not in usable:
            bad(
                "festival.days",
                f"session {sid!r} is on {day}, which is not a {festival.days} day",
                sid,
            )
        if p.end > _wall_instant(wall.zone, day + timedelta(days=1), 0):
            bad("sessions.one_day", f"session {sid!r} runs past midnight", sid)
        if _minute_of_day(local_start) % festival.step:
            bad(
                "festival.step",
                f"session {sid!r} starts at {local_start:%H:%M}, off the "
                f"{festival.step}-minute grid",
                sid,
            )
        if p.start < _wall_instant(wall.zone, day, v.opens) or p.end > _wall_instant(
            wall.zone, day, v.closes
        ):
            bad(
                "venues.hours",
                f"session {sid!r} at {_show(p)} is outside the venue's opening hours",
                sid,
            )
        if v.blocks or v.dated_blocks:
            begins = _minute_of_day(local_start)
            ends = _minute_of_day(wall(p.end)) if wall(p.end).date() == day else 1440
            held = [
                k
                for k, (a, b) in enumerate(v.blocks or dict(v.dated_blocks).get(day, ()))
                if a <= begins and ends <= b
            ]
            if held:
                in_block[(p.venue, day, held[0])].append(sid)
            else:
                bad("venues.blocks", f"session {sid!r} at {_show(p)} lies in no block", sid)
        if v.slots or v.dated_slots:
            slots = v.slots or dict(v.dated_slots).get(day, ())
            begins = _minute_of_day(local_start)
            firsts = [
                i for i, (a, _) in enumerate(slots) if a == begins and i + s.span <= len(slots)
            ]
            if not firsts:
                bad(
                    "venues.slots",
                    f"session {sid!r} at {_show(p)} does not start at a slot of {p.venue}"
                    + ("" if slots else f", which has none on {day}"),
                    sid,
                )
            elif p.end > _wall_instant(wall.zone, day, slots[firsts[0] + s.span - 1][1]):
                taken = "its slot" if s.span == 1 else f"its {s.span} slots"
                bad("venues.slots", f"session {sid!r} at {_show(p)} runs past {taken}", sid)
        for closure in v.closed:
            if closure.overlaps(p.start, p.end):
                bad(
                    "venues.closed",
                    f"session {sid!r} at {_show(p)} overlaps the closure "
                    f"{wall.moment(closure.start)}–{wall.moment(closure.end)}",
                    sid,
                )
        if s.attendance > v.capacity:
            bad(
                "venues.capacity",
                f"session {sid!r} expects {s.attendance} people; {p.venue} holds {v.capacity}",
                sid,
            )
        if not s.needs <= v.features:
            missing = ", ".join(sorted(s.needs - v.features))
            bad("sessions.needs", f"session {sid!r} needs {missing}, which {p.venue} lacks", sid)
        if s.cities and v.city not in s.cities:
            bad(
                "sessions.cities",
                f"session {sid!r} is in {v.city}, not one of {', '.join(s.cities)}",
                sid,
            )
        if s.venues and p.venue not in s.venues:
            bad(
                "sessions.venues",
                f"session {sid!r} is at {p.venue}, not one of {', '.join(s.venues)}",
                sid,
            )
        if s.earliest and p.start < s.earliest:
            bad(
                "sessions.earliest",
                f"session {sid!r} starts {wall.moment(p.start)} before its earliest "
                f"{wall.moment(s.earliest)}",
                sid,
            )
        if s.latest and p.end > s.latest:
            bad(
                "sessions.latest",
                f"session {sid!r} ends {wall.moment(p.end)} after its latest "
                f"{wall.moment(s.latest)}",
                sid,
            )
        if s.fixed:
            if p.start != s.fixed.start:
                bad(
                    "sessions.fixed",
                    f"session {sid!r} starts {wall.moment(p.start)}, not its fixed "
                    f"{wall.moment(s.fixed.start)}",
                    sid,
                )
            if s.fixed.venue and p.venue != s.fixed.venue:
                bad(
                    "sessions.fixed",
                    f"session {sid!r} is at {p.venue}, not its fixed venue {s.fixed.venue}",
                    sid,
                )
        for before in s.after:
            if before in placed and p.start < placed[before].end:
                bad(
                    "sessions.after",
                    f"session {sid!r} starts {wall.moment(p.start)} before {before!r} ends "
                    f"{wall.moment(placed[before].end)}",
                    sid,
                    before,
                )
        for pid in s.people:
            for gap in people[pid].unavailable:
                if gap.overlaps(p.start, p.end):
                    bad(
                        "people.unavailable",
                        f"{pid} is unavailable "
                        f"{wall.moment(gap.start)}–{wall.moment(gap.end)} but is in "
                        f"session {sid!r} at {_show(p)}",
                        sid,
                    )
        for gap in s.unavailable:
            if gap.overlaps(p.start, p.end):
                bad(
                    "sessions.unavailable",
                    f"session {sid!r} is unavailable "
                    f"{wall.moment(gap.start)}–{wall.moment(gap.end)} but runs at {_show(p)}",
                    sid,
                )

    if festival.max_sessions_per_day:
        for day, ids in sorted(per_day.items()):
            if len(ids) > festival.max_sessions_per_day:
                bad(
                    "festival.max_sessions_per_day",
                    f"{day} holds {len(ids)} sessions, more than {festival.max_sessions_per_day}",
                    *sorted(ids),
                )

    by_venue: dict[str, list[Placement]] = defaultdict(list)
    for p in placed.values():
        by_venue[p.venue].append(p)
    for vid, items in sorted(by_venue.items()):
        gap = timedelta(minutes=venues[vid].changeover)
        for a, b in combinations(sorted(items, key=lambda p: (p.start, p.session)), 2):
            if b.start < a.end + gap and a.start < b.end + gap:
                bad(
                    "venues.changeover",
                    f"sessions {a.session!r} and {b.session!r} in {vid} are too close: "
                    f"{_show(a)} and {_show(b)} (changeover {venues[vid].changeover} min)",
                    a.session,
                    b.session,
                )

    owners = {(b.venue, b.date, b.window): b.track for b in festival.blocks}
    for (vid, day, k), ids in sorted(in_block.items()):
        window = (venues[vid].blocks or dict(venues[vid].dated_blocks)[day])[k]
        tracks = {sessions[sid].track for sid in ids} - {None}
        fixed = owners.get((vid, day, window))
        shown = f"block {clock_window(*window)} of {vid} on {day}"
        if fixed is not None and tracks - {fixed}:
            bad(
                "venues.blocks",
                f"{shown} is the {fixed!r} track's, but holds {sorted(tracks - {fixed})}",
                *ids,
            )
        elif festival.one_track_per_block and len(tracks) > 1:
            bad("venues.blocks", f"{shown} holds the tracks {sorted(tracks)}", *ids)

    attended: dict[str, list[Placement]] = defaultdict(list)
    for sid, p in placed.items():
        for pid in sessions[sid].people:
            attended[pid].append(p)
    for pid in sorted(people):
        mine = sorted(attended[pid], key=lambda p: (p.start, p.session))
        rest = timedelta(minutes=people[pid].break_)
        for a, b in combinations(mine, 2):
            if a.start < b.end and b.start < a.end:
                bad(
                    "people.break",
                    f"{pid} is in {a.session!r} and {b.session!r} at once",
                    a.session,
                    b.session,
                )
            elif a.end <= b.start < a.end + rest:
                bad(
                    "people.break",
                    f"{pid} has {(b.start - a.end).seconds // 60} min between {a.session!r} "
                    f"and {b.session!r}, less than their {people[pid].break_}-minute break",
                    a.session,
                    b.session,
                )
            trip = timedelta(minutes=_trip(festival, a.venue, b.venue))
            if trip and a.end <= b.start < a.end + rest + trip:
                rested = f", on top of their {people[pid].break_}-minute break" if rest else ""
                bad(
                    "travel",
                    f"{pid} has {(b.start - a.end).seconds // 60} min from {a.session!r} in "
                    f"{a.venue} to {b.session!r} in {b.venue}; the trip takes "
                    f"{trip.seconds // 60} min{rested}",
                    a.session,
                    b.session,
                )
            same_day = wall.date(a.start) == wall.date(b.start)
            if same_day and venues[a.venue].city != venues[b.venue].city:
                bad(
                    "people.one_city_per_day",
                    f"{pid} is in {venues[a.venue].city} ({a.session!r}) and "
                    f"{venues[b.venue].city} ({b.session!r}) on {wall.date(a.start)}",
                    a.session,
                    b.session,
                )
    for tag in festival.exclusive_tags:
        tagged = sorted(
            (p for sid, p in placed.items() if tag in sessions[sid].tags),
            key=lambda p: (p.start, p.session),
        )
        for a, b in combinations(tagged, 2):
            if a.start < b.end and b.start < a.end:
                bad(
                    "festival.exclusive_tags",
                    f"sessions {a.session!r} and {b.session!r} share the audience tag {tag!r} "
                    f"but overlap: {_show(a)} and {_show(b)}",
                    a.session,
                    b.session,
                )
    for i, group in enumerate(festival.together):
        if group.weight is None:
            for what in together_breaks(festival, group, placed):
                bad("together", f"together[{i}] (same {group.same}): {what}", *group.sessions)
    for sid, p in sorted(placed.items()):
        for other in sessions[sid].not_with:
            q = placed.get(other)
            if q is not None and p.start < q.end and q.start < p.end:
                bad(
                    "sessions.not_with",
                    f"session {sid!r} overlaps {other!r}, which it must not: "
                    f"{_show(p)} and {_show(q)}",
                    sid,
                    other,
                )
    return found


def among(festival: Festival, placements: Iterable[Placement]) -> list[Violation]:
    """The hard rules that `placements`, the places of some sessions known before any
    search (fixed, kept), break among themselves: checked on the festival of those
    sessions alone (`Festival.only`), so no timetable of the whole avoids what this
    reports."""
    known = {p.session: p for p in placements}
    return violations(festival.only(known), Timetable(festival.id, tuple(known.values())))


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


def spread_width(festival: Festival, usable: tuple[date, ...]) -> int:
    if festival.spread_days:
        return festival.spread_days
    return max(1, len(usable) // max(1, len(festival.sessions)))


def score(festival: Festival, timetable: Timetable) -> dict[str, int]:
    """The penalty of each soft goal, plus `total` weighted as in `[weights]`."""
    placed = {p.session: p for p in timetable.placements}
    sessions: list[Session] = [s for s in festival.sessions if s.id in placed]
    usable = allowed_dates(festival)
    width = spread_width(festival, usable)
    wall = _Wall(festival)
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
            ends_at = _minute_of_day(ends) + 1440 * (ends.date() - begins.date()).days
            first, last = s.prefer.time
            if not (first <= _minute_of_day(begins) and ends_at <= last):
                penalty["prefer_time"] += 1
    for s in sessions:
        p = placed[s.id]
        begins, ends = wall(p.start), wall(p.end)
        ends_at = _minute_of_day(ends) + 1440 * (ends.date() - begins.date()).days

        where = (day_of[s.id], p.venue, _minute_of_day(begins), ends_at)
        penalty["prefer"] += sum(w.weight for w in s.wishes if not _meets(w, *where))
        penalty["avoid"] += sum(w.weight for w in s.avoid if _meets(w, *where))
    for tag, weight in festival.weights.tag_overlap:
        tagged = sorted(s.id for s in sessions if tag in s.tags)
        for a, b in combinations(tagged, 2):
            if placed[a].start < placed[b].end and placed[b].start < placed[a].end:
                penalty["tag_overlap"] += weight
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
    for choice in festival.interest:
        chosen = sorted(sid for sid in set(choice.sessions) if sid in placed)
        for a, b in combinations(chosen, 2):
            if placed[a].start < placed[b].end and placed[b].start < placed[a].end:
                penalty["attendee_clash"] += 1
    capacity = {v.id: v.capacity for v in festival.venues}
    for s in sessions:
        seats = capacity[placed[s.id].venue]
        if s.attendance and seats:
            penalty["room_fit"] += 100 * max(0, seats - s.attendance) // seats
    for group in festival.together:
        if group.weight:
            penalty["together"] += group.weight * len(together_breaks(festival, group, placed))
    penalty["total"] = sum(festival.weight(g) * penalty[g] for g in SOFT_GOALS)
    return penalty


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
    wall = _Wall(festival)
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


def kept(
    festival: Festival, timetable: Timetable, previous: Timetable, keep: dict[str, str]
) -> list[Violation]:
    """Sessions that had to stay where they were published but moved."""
    show = _Wall(festival).show
    now = {p.session: p for p in timetable.placements}
    found = []
    for old in previous.placements:
        why = keep.get(old.session)
        new = now.get(old.session)
        if why and new and (new.start, new.venue) != (old.start, old.venue):
            rule = named("sessions.pinned" if why == "pinned" else "--freeze-until")
            found.append(
                Violation(
                    rule,
                    f"session {old.session!r} moved from {show(old)} to {show(new)} but is {why}",
                    (old.session,),
                )
            )
    return found


def move_reason(festival: Festival, timetable: Timetable, old: Placement) -> str:
    """Why a session could not stay at its published placement, in one line."""
    if old.venue not in {v.id for v in festival.venues}:
        return f"venue {old.venue!r} is no longer in the definition"
    duration = timedelta(minutes=festival.session(old.session).duration)
    back = replace(old, end=old.start + duration)
    trial = replace(
        timetable,
        placements=tuple(back if p.session == old.session else p for p in timetable.placements),
    )
    mine = [v for v in violations(festival, trial) if old.session in v.sessions]
    if not mine:
        return "its old place is still valid; it moved to make room for another move"
    return str(mine[0])


def together_breaks(festival: Festival, group: Together, placed: dict[str, Placement]) -> list[str]:
    """What keeps a `[[together]]` group apart, one line per day or venue beyond the first
    or per broken link of a block (sessions not placed are left out)."""
    wall = _Wall(festival)
    here = [placed[sid] for sid in group.sessions if sid in placed]
    found = []
    if group.same in ("day", "venue-day"):
        dates = sorted({wall.date(p.start) for p in here})
        found += [f"also on {d}" for d in dates[1:]]
    if group.same in ("venue", "venue-day"):
        venues = sorted({p.venue for p in here}, key=[p.venue for p in here].index)
        found += [f"also in {v}" for v in venues[1:]]
    if group.same == "block":
        changeover = {v.id: timedelta(minutes=v.changeover) for v in festival.venues}
        step = timedelta(minutes=festival.step)
        for a, b in pairwise(here):
            gap = b.start - (a.end + changeover[a.venue])
            if a.venue != b.venue or not timedelta(0) <= gap < step:
                found.append(f"{b.session!r} does not follow {a.session!r} in {a.venue}")
    return found
