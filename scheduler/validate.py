"""An independent check of a timetable against its festival definition.

Plain Python on datetimes: nothing here is shared with the solver's model, so a
bug in one is caught by the other. `violations()` returns one `Violation` per
broken rule, labelled with the config key it comes from; `score()` recomputes
the soft-goal penalties the solver minimises.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from itertools import combinations

import holidays

from .model import SOFT_GOALS, Festival, Placement, Session, Timetable, Violation


def _minute_of_day(moment: datetime) -> int:
    return moment.hour * 60 + moment.minute


def _show(p: Placement) -> str:
    return f"{p.venue} {p.start:%Y-%m-%d %H:%M}–{p.end:%H:%M}"


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
        found.append(Violation(rule, message, tuple(sessions)))

    if timetable.festival != festival.id:
        bad("festival.id", f"timetable is for {timetable.festival!r}, not {festival.id!r}")
    sessions = {s.id: s for s in festival.sessions}
    venues = {v.id: v for v in festival.venues}
    people = {p.id: p for p in festival.people}
    placed: dict[str, Placement] = {}
    for p in timetable.placements:
        if p.session not in sessions:
            bad("sessions", f"session {p.session!r} is not in the definition", p.session)
        elif p.session in placed:
            bad("sessions", f"session {p.session!r} is placed twice", p.session)
        elif p.venue not in venues:
            bad("venues", f"session {p.session!r} is in unknown venue {p.venue!r}", p.session)
        else:
            placed[p.session] = p
    for sid in sessions:
        if sid not in placed:
            bad("sessions", f"session {sid!r} is missing from the timetable", sid)

    usable = set(allowed_dates(festival))
    per_day: dict[date, list[str]] = defaultdict(list)
    for sid, p in placed.items():
        s, v = sessions[sid], venues[p.venue]
        day = p.start.date()
        per_day[day].append(sid)
        if p.end - p.start != timedelta(minutes=s.duration):
            bad(
                "sessions.duration",
                f"session {sid!r} lasts {p.end - p.start}, not {s.duration} minutes",
                sid,
            )
        if not festival.start <= day <= festival.end:
            bad(
                "festival.start",
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
        if p.end > datetime.combine(day + timedelta(days=1), datetime.min.time()):
            bad("festival.days", f"session {sid!r} runs past midnight", sid)
        if _minute_of_day(p.start) % festival.step:
            bad(
                "festival.step",
                f"session {sid!r} starts at {p.start:%H:%M}, off the {festival.step}-minute grid",
                sid,
            )
        start_minute = _minute_of_day(p.start)
        if start_minute < v.opens or start_minute + s.duration > v.closes:
            bad(
                "venues.hours",
                f"session {sid!r} at {_show(p)} is outside the venue's opening hours",
                sid,
            )
        for closure in v.closed:
            if closure.overlaps(p.start, p.end):
                bad(
                    "venues.closed",
                    f"session {sid!r} at {_show(p)} overlaps the closure "
                    f"{closure.start:%Y-%m-%d %H:%M}–{closure.end:%Y-%m-%d %H:%M}",
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
                f"session {sid!r} starts {p.start} before its earliest {s.earliest}",
                sid,
            )
        if s.latest and p.end > s.latest:
            bad("sessions.latest", f"session {sid!r} ends {p.end} after its latest {s.latest}", sid)
        if s.fixed:
            if p.start != s.fixed.start:
                bad(
                    "sessions.fixed",
                    f"session {sid!r} starts {p.start}, not its fixed {s.fixed.start}",
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
                    f"session {sid!r} starts {p.start} before {before!r} ends {placed[before].end}",
                    sid,
                    before,
                )
        for pid in s.people:
            for gap in people[pid].unavailable:
                if gap.overlaps(p.start, p.end):
                    bad(
                        "people.unavailable",
                        f"{pid} is unavailable "
                        f"{gap.start:%Y-%m-%d %H:%M}–{gap.end:%Y-%m-%d %H:%M} but is in "
                        f"session {sid!r} at {_show(p)}",
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
                    "venues.changeover" if a.end <= b.start else "venues.overlap",
                    f"sessions {a.session!r} and {b.session!r} in {vid} are too close: "
                    f"{_show(a)} and {_show(b)} (changeover {venues[vid].changeover} min)",
                    a.session,
                    b.session,
                )

    attended: dict[str, list[Placement]] = defaultdict(list)
    for sid, p in placed.items():
        for pid in sessions[sid].people:
            attended[pid].append(p)
    for pid in sorted(people):
        mine = sorted(attended[pid], key=lambda p: (p.start, p.session))
        rest = timedelta(minutes=people[pid].rest)
        for a, b in combinations(mine, 2):
            if a.start < b.end and b.start < a.end:
                bad(
                    "people.overlap",
                    f"{pid} is in {a.session!r} and {b.session!r} at once",
                    a.session,
                    b.session,
                )
            elif a.end <= b.start < a.end + rest:
                bad(
                    "people.break",
                    f"{pid} has {(b.start - a.end).seconds // 60} min between {a.session!r} "
                    f"and {b.session!r}, less than their {people[pid].rest}-minute break",
                    a.session,
                    b.session,
                )
            if a.start.date() == b.start.date() and venues[a.venue].city != venues[b.venue].city:
                bad(
                    "people.cities",
                    f"{pid} is in {venues[a.venue].city} ({a.session!r}) and "
                    f"{venues[b.venue].city} ({b.session!r}) on {a.start.date()}",
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
    day_of = {s.id: placed[s.id].start.date() for s in sessions}
    penalty = dict.fromkeys(SOFT_GOALS, 0)

    if len(sessions) >= 2 and usable:
        for i in range(max(1, len(usable) - width + 1)):
            window = set(usable[i : i + width])
            inside = sum(1 for s in sessions if day_of[s.id] in window)
            penalty["spread"] += inside * (inside - 1) // 2
    for a, b in combinations(sessions, 2):
        if a.track is not None and a.track == b.track and day_of[a.id] == day_of[b.id]:
            penalty["track_days"] += 1
    for s in sessions:
        p = placed[s.id]
        if s.prefer.dates and day_of[s.id] not in s.prefer.dates:
            penalty["prefer_date"] += 1
        if s.prefer.venues and p.venue not in s.prefer.venues:
            penalty["prefer_venue"] += 1
        if s.prefer.time:
            begins = _minute_of_day(p.start)
            if not (s.prefer.time[0] <= begins and begins + s.duration <= s.prefer.time[1]):
                penalty["prefer_time"] += 1
    penalty["total"] = sum(festival.weights.of(g) * penalty[g] for g in SOFT_GOALS)
    return penalty


def moves(timetable: Timetable, previous: Timetable) -> dict[str, int]:
    """How many published sessions moved, and how (recomputed from the placements)."""
    now = {p.session: p for p in timetable.placements}
    counted = {"moved": 0, "moved_date": 0, "moved_time": 0, "moved_venue": 0}
    for old in previous.placements:
        new = now.get(old.session)
        if new is None:
            continue
        changed_start = new.start != old.start
        changed_venue = new.venue != old.venue
        counted["moved"] += changed_start or changed_venue
        counted["moved_date"] += new.start.date() != old.start.date()
        counted["moved_time"] += changed_start and new.start.date() == old.start.date()
        counted["moved_venue"] += changed_venue
    return counted


def kept(timetable: Timetable, previous: Timetable, keep: dict[str, str]) -> list[Violation]:
    """Sessions that had to stay where they were published but moved."""
    now = {p.session: p for p in timetable.placements}
    found = []
    for old in previous.placements:
        why = keep.get(old.session)
        new = now.get(old.session)
        if why and new and (new.start, new.venue) != (old.start, old.venue):
            rule = "sessions.pinned" if why == "pinned" else "--freeze-until"
            found.append(
                Violation(
                    rule,
                    f"session {old.session!r} moved from {_show(old)} to {_show(new)} but is {why}",
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
