"""The hard rules in the CP-SAT model: one function per rule of `scheduler.rules`.

Each function is named after its rule (`people.break` → `people_break`) and adds that
rule as constraints to the model being built, of which it reads only `ModelView`; a
rule the variables' domains keep in a plan is stated here in explain mode only, where
each instance of a rule is switched by its own guard literal (`ModelView.when`). The
rules of where a session may be held are in `venue_rules`. `BUILDERS` lists them all,
in the order the model adds them (which changes the model's text, never its solutions).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from itertools import combinations, pairwise
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from .. import days
from ..model import Keep, Session, Venue
from .grid import (
    DAY,
    travel_times,
)
from .venue_rules import (
    avoid_period,
    sessions_cities,
    sessions_needs,
    sessions_venues,
    venues_blocks,
    venues_capacity,
    venues_changeover,
    venues_closed,
    venues_hours,
    venues_slots,
)

if TYPE_CHECKING:
    from .formulation import ModelView


# Some rules are kept by the variables' domains in a plan, and only explain mode,
# which must be able to switch them off, states them as constraints: the days
# (`_variables` offers allowed days only), a session's eligible venues (a venue
# Boolean exists only where `eligible_venues` allows) and the venues' hours, slots,
# blocks and closures (the domain of each venue's start variable: the session's row
# of `grid.starts_table`, `m.table`, built once before any rule).


def festival_days(m: ModelView) -> None:
    """Sessions fall only on days the `days` rule allows.

    In a plan `m.days` holds only the allowed days, the values `_variables` gives
    each session's day. Explain mode offers every day of the window and bars the
    others here, each behind the guard of the rule that bars it.
    """
    if not m.explain:
        return  # kept by the day variables' domains
    _bar_days(m, "festival.days")


def festival_blackout(m: ModelView) -> None:
    """No session on a blackout date (kept like `festival_days`)."""
    if not m.explain:
        return  # kept by the day variables' domains
    _bar_days(m, "festival.blackout")


def _bar_days(m: ModelView, name: str) -> None:
    allowed = set(m.allowed_days)
    rule_days, _ = days.working_days(m.festival.days, m.festival.start, m.festival.end)
    for d in m.days:
        if d in allowed or (d in rule_days) != (name == "festival.blackout"):
            continue
        if name == "festival.days":
            text = f"sessions fall on {m.festival.days} days only"
        else:
            text = f"no sessions on blackout date {d}"
        guard = m.when(name, name, text)
        for s in m.sessions:
            m.model.add(m.vars[s.id].on[d] == 0).only_enforce_if(guard)


def festival_max_sessions_per_day(m: ModelView) -> None:
    """No day holds more than `max_sessions_per_day` sessions."""
    limit = m.festival.max_sessions_per_day
    if limit is None:
        return
    key = "festival.max_sessions_per_day"
    guard = m.when(key, key, f"at most {limit} sessions a day")
    for d in m.days:
        m.model.add(sum(m.vars[s.id].on[d] for s in m.sessions) <= limit).only_enforce_if(guard)


def people_break(m: ModelView) -> None:
    """Nobody is in two sessions at once, and everybody gets their break between two."""
    attends: dict[str, list[Session]] = {person.id: [] for person in m.festival.people}
    for s in m.sessions:
        for pid in s.people:
            attends[pid].append(s)
    for p, person in enumerate(m.festival.people):
        mine = attends[person.id]
        if len(mine) < 2:
            continue
        rest = f", with {person.break_} min between two" if person.break_ else ""
        guard = m.when(
            "people.break", f"people[{p}]", f"{person.id} cannot be in two sessions at once{rest}"
        )
        m.model.add_no_overlap([_busy(m, s, person.break_, guard) for s in mine])


def travel(m: ModelView) -> None:
    """A person's two sessions in venues that need travel time between them are that far
    apart, on top of the person's break (`[travel]`).

    For each pair of a person's sessions on days near enough, a Boolean orders them, and
    one Boolean per travel time says that the venues chosen need it: implied by each pair
    of venues that does, or, when every two different venues of the pair need the same
    time (one city, `same_city` alone), by the venues' indices differing.
    """
    times = travel_times(m.festival)
    if not times:
        return
    index = {v.id: i for i, v in enumerate(m.festival.venues)}
    longest = max(minutes for minutes, _ in times.values())
    for person in m.festival.people:
        mine = m.sessions_of.get(person.id, [])
        # sessions never cross midnight: days further apart leave a full day between
        reach = 1 + (person.break_ + longest) // DAY
        for a, b in combinations(mine, 2):
            near = any(
                abs(x - y) <= reach
                for x in m.vars[a.id].day_offsets
                for y in m.vars[b.id].day_offsets
            )
            needs: dict[tuple[int, str], list[tuple[str, str]]] = {}
            for u in m.vars[a.id].at:
                for v in m.vars[b.id].at:
                    if (u, v) in times:
                        needs.setdefault(times[(u, v)], []).append((u, v))
            if not near or not needs:
                continue
            a_first = m.model.new_bool_var(f"{person.id}.{a.id}<{b.id}")
            m.model.add(m.vars[a.id].start + a.duration <= m.vars[b.id].start).only_enforce_if(
                a_first
            )
            m.model.add(m.vars[b.id].start + b.duration <= m.vars[a.id].start).only_enforce_if(
                ~a_first
            )
            moves = sum(u != v for u in m.vars[a.id].at for v in m.vars[b.id].at)
            for (minutes, key), pairs in sorted(needs.items()):
                between = _key_venues(key, pairs)
                text = f"{person.id} needs {minutes} min between sessions in {between}"
                guard = m.when("travel", key, text)
                need = m.model.new_bool_var(f"{person.id}.{a.id}.{b.id}.travel{minutes}")
                if len(needs) == 1 and len(pairs) == moves:
                    venue_a = sum(index[u] * at for u, at in m.vars[a.id].at.items())
                    venue_b = sum(index[v] * at for v, at in m.vars[b.id].at.items())
                    m.model.add(venue_a == venue_b).only_enforce_if(~need)
                else:
                    for u, v in pairs:
                        m.model.add_bool_or([~m.vars[a.id].at[u], ~m.vars[b.id].at[v], need])
                gap = person.break_ + minutes
                m.model.add(
                    m.vars[b.id].start >= m.vars[a.id].start + a.duration + gap
                ).only_enforce_if(need, a_first, *guard)
                m.model.add(
                    m.vars[a.id].start >= m.vars[b.id].start + b.duration + gap
                ).only_enforce_if(need, ~a_first, *guard)


def _key_venues(key: str, pairs: list[tuple[str, str]]) -> str:
    """The venues a travel time is between, as an explanation shows them."""
    if key == "travel.same_city":
        return "different venues of one city"
    u, v = pairs[0]
    return f"{u} and {v}"


def _busy(
    m: ModelView, s: Session, extra: int, guard: list[cp_model.IntVar]
) -> cp_model.IntervalVar:
    """Session `s`'s interval lengthened by `extra` minutes (switched by `guard`)."""
    if not guard and not extra:
        return m.vars[s.id].interval
    if guard:
        return m.model.new_optional_fixed_size_interval_var(
            m.vars[s.id].start, s.duration + extra, guard[0], f"{s.id}.busy+{extra}"
        )
    return m.model.new_fixed_size_interval_var(
        m.vars[s.id].start, s.duration + extra, f"{s.id}.busy+{extra}"
    )


def festival_exclusive_tags(m: ModelView) -> None:
    """Sessions sharing an exclusive tag share an audience: they never overlap."""
    for tag in m.festival.exclusive_tags:
        tagged = [s for s in m.sessions if tag in s.tags]
        if len(tagged) < 2:
            continue
        guard = m.when(
            "festival.exclusive_tags",
            "festival.exclusive_tags",
            f"sessions tagged {tag!r} never overlap",
        )
        m.model.add_no_overlap([_busy(m, s, 0, guard) for s in tagged])


def sessions_not_with(m: ModelView) -> None:
    """A session never overlaps the sessions in its `not_with` list."""
    by_id = m.festival.sessions_by_id
    for s in m.sessions:
        for other in s.not_with:
            guard = m.when(
                "sessions.not_with",
                f"sessions[{m.index[s.id]}].not_with",
                f"session {s.id!r} never overlaps {other!r}",
            )
            m.model.add_no_overlap([_busy(m, s, 0, guard), _busy(m, by_id[other], 0, guard)])


def limits(m: ModelView) -> None:
    """At most `at_once` sessions with the tag of a `[[limits]]` without a weight run at any
    instant (a weighted one is a goal: `goals.limits`)."""
    for i, limit in enumerate(m.festival.limits):
        tagged = [s for s in m.sessions if limit.tag in s.tags]
        if limit.weight is not None or len(tagged) <= limit.at_once:
            continue
        guard = m.when(
            "limits",
            f"limits[{i}]",
            f"at most {limit.at_once} sessions tagged {limit.tag!r} at once",
        )
        intervals = [_busy(m, s, 0, guard) for s in tagged]
        if limit.at_once == 1:
            m.model.add_no_overlap(intervals)
        else:
            m.model.add_cumulative(intervals, [1] * len(intervals), limit.at_once)


def sessions_plenary(m: ModelView) -> None:
    """No other session overlaps a `plenary` session in its city: a plenary held in a
    city holds each of its venues for its time (a stand-in interval in every venue of
    the city but its own), so each venue's sessions keep clear of it, and of each other
    plenary, as a venue's own sessions keep clear of each other."""
    plenaries = [s for s in m.sessions if s.plenary]
    if not plenaries:
        return
    venues = m.festival.venues_by_id
    stand_ins: dict[str, list[cp_model.IntervalVar]] = defaultdict(list)
    for p in plenaries:
        guard = m.when(
            "sessions.plenary",
            f"sessions[{m.index[p.id]}].plenary",
            f"nothing else runs in its city while {p.id!r} does",
        )
        for city in sorted({v.city for v in m.festival.venues}):
            mine = _in_city(m, p, city, venues, guard)
            if mine is None:
                continue
            for v in (v for v in m.festival.venues if v.city == city):
                held = m.vars[p.id].at.get(v.id)
                elsewhere = m.model.new_bool_var(f"{p.id}.holds.{v.id}")
                if held is None:  # it is never held here: it holds the venue whenever in the city
                    m.model.add(elsewhere == mine)
                elif not guard:  # held here implies in the city
                    m.model.add(elsewhere == mine - held)
                else:  # in the city with the rule stated, and not held here
                    m.model.add(elsewhere <= mine)
                    m.model.add(elsewhere <= 1 - held)
                    m.model.add(elsewhere >= mine - held)
                stand_ins[v.id].append(
                    m.model.new_optional_fixed_size_interval_var(
                        m.vars[p.id].start, p.duration, elsewhere, f"{p.id}.holds.{v.id}"
                    )
                )
    for vid, held_by_plenaries in stand_ins.items():
        here = [
            m.model.new_optional_fixed_size_interval_var(
                m.vars[s.id].start, s.duration, m.vars[s.id].at[vid], f"{s.id}.at.{vid}"
            )
            for s in m.sessions
            if vid in m.vars[s.id].at
        ]
        m.model.add_no_overlap(held_by_plenaries + here)


def _in_city(
    m: ModelView, s: Session, city: str, venues: Mapping[str, Venue], guard: list
) -> cp_model.IntVar | None:
    """A literal true when `s` is held in `city` (and `guard` holds); None where it cannot
    be."""
    here = [var for vid, var in m.vars[s.id].at.items() if venues[vid].city == city]
    if not here:
        return None
    literal = m.model.new_bool_var(f"{s.id}.in.{city}")
    if guard:  # in the city and the rule stated: the conjunction
        m.model.add(literal <= sum(here))
        m.model.add(literal <= guard[0])
        m.model.add(literal >= sum(here) + guard[0] - 1)
    else:
        m.model.add(literal == sum(here))
    return literal


def sessions_runs(m: ModelView) -> None:
    """The runs of a session never overlap, and fall on different days unless
    `runs_same_day`."""
    runs: dict[str, list[Session]] = defaultdict(list)
    for s in m.sessions:
        if s.run_of:
            runs[s.run_of].append(s)
    for base, group in runs.items():
        if len(group) < 2:
            continue
        apart = not group[0].runs_same_day
        guard = m.when(
            "sessions.runs",
            f"sessions[{m.index[base]}].runs" if base in m.index else "sessions.runs",
            f"the runs of {base!r} " + ("fall on different days" if apart else "never overlap"),
        )
        if apart:
            m.model.add_all_different([m.vars[s.id].day for s in group]).only_enforce_if(guard)
        else:
            m.model.add_no_overlap([_busy(m, s, 0, guard) for s in group])


def sessions_unavailable(m: ModelView) -> None:
    """A session does not run during its own `unavailable` periods."""
    for s in m.sessions:
        for period in s.unavailable:
            guard = m.when(
                "sessions.unavailable",
                f"sessions[{m.index[s.id]}].unavailable",
                f"session {s.id!r} is unavailable {m.period_shown(period)}",
            )
            avoid_period(m, s, period, *guard)


def people_unavailable(m: ModelView) -> None:
    for p, person in enumerate(m.festival.people):
        for period in person.unavailable:
            guard = m.when(
                "people.unavailable",
                f"people[{p}].unavailable",
                f"{person.id} is unavailable {m.period_shown(period)}",
            )
            for s in m.sessions:
                if person.id not in s.people:
                    continue
                avoid_period(m, s, period, *guard)


def people_one_city_per_day(m: ModelView) -> None:
    """Nobody is in two cities on the same day."""
    cities = sorted({v.city for v in m.festival.venues})
    code = {c: i for i, c in enumerate(cities)}
    city: dict[str, cp_model.IntVar | int] = {}
    for s in m.sessions:
        codes = {code[m.festival.venue(v).city] for v in m.vars[s.id].at}
        if len(codes) > 1:
            var = m.model.new_int_var(min(codes), max(codes), f"{s.id}.city")
            m.model.add(
                var == sum(code[m.festival.venue(v).city] * b for v, b in m.vars[s.id].at.items())
            )
            city[s.id] = var
        elif codes:
            city[s.id] = next(iter(codes))
    same_day: dict[tuple[str, str], cp_model.IntVar] = {}
    for p, person in enumerate(m.festival.people):
        mine = [s.id for s in m.sessions_of.get(person.id, []) if s.id in city]
        pairs = [(a, b) for i, a in enumerate(mine) for b in mine[i + 1 :]]
        if not pairs:
            continue
        guard = m.when(
            "people.one_city_per_day",
            f"people[{p}]",
            f"{person.id} cannot be in two cities on one day",
        )
        for a, b in pairs:
            if isinstance(city[a], int) and isinstance(city[b], int):
                if city[a] != city[b]:
                    m.model.add(m.vars[a].day != m.vars[b].day).only_enforce_if(guard)
                continue
            key = (a, b) if a < b else (b, a)
            if key not in same_day:
                lit = m.model.new_bool_var(f"{key[0]}.{key[1]}.same_day")
                m.model.add(m.vars[a].day == m.vars[b].day).only_enforce_if(lit)
                m.model.add(m.vars[a].day != m.vars[b].day).only_enforce_if(~lit)
                same_day[key] = lit
            m.model.add(city[a] == city[b]).only_enforce_if(same_day[key], *guard)


def sessions_earliest(m: ModelView) -> None:
    for s in m.sessions:
        if s.earliest is not None:
            guard = m.when(
                "sessions.earliest",
                f"sessions[{m.index[s.id]}].earliest",
                f"session {s.id!r} starts at {m.shown(s.earliest)} or later",
            )
            m.model.add(m.vars[s.id].start >= m.minutes(s.earliest)).only_enforce_if(guard)


def sessions_latest(m: ModelView) -> None:
    for s in m.sessions:
        if s.latest is not None:
            guard = m.when(
                "sessions.latest",
                f"sessions[{m.index[s.id]}].latest",
                f"session {s.id!r} ends by {m.shown(s.latest)}",
            )
            m.model.add(m.vars[s.id].start + s.duration <= m.minutes(s.latest)).only_enforce_if(
                guard
            )


def sessions_fixed(m: ModelView) -> None:
    for s in m.sessions:
        if s.fixed is None:
            continue
        where = f" in venue {s.fixed.venue!r}" if s.fixed.venue else ""
        guard = m.when(
            "sessions.fixed",
            f"sessions[{m.index[s.id]}].fixed",
            f"session {s.id!r} is fixed at {m.shown(s.fixed.start)}" + where,
        )
        m.model.add(m.vars[s.id].start == m.minutes(s.fixed.start)).only_enforce_if(guard)
        if s.fixed.venue is not None:
            here = m.vars[s.id].at.get(s.fixed.venue)
            if here is None:
                m.model.add_bool_or([]).only_enforce_if(guard)  # venue not eligible
            else:
                m.model.add(here == 1).only_enforce_if(guard)


def sessions_after(m: ModelView) -> None:
    durations = {s.id: s.duration for s in m.sessions}
    for s in m.sessions:
        for before in s.after:
            guard = m.when(
                "sessions.after",
                f"sessions[{m.index[s.id]}].after",
                f"session {s.id!r} starts after {before!r} ends",
            )
            m.model.add(
                m.vars[s.id].start >= m.vars[before].start + durations[before]
            ).only_enforce_if(guard)


def order(m: ModelView) -> None:
    """Every `then` session of an `[[order]]` without a weight starts after every `first`
    session ends (a weighted one is a goal: `goals.order`): one barrier between the two
    lists, not a constraint per pair."""
    for i, rule in enumerate(m.festival.order):
        first = [sid for sid in rule.first if sid in m.vars]
        then = [sid for sid in rule.then if sid in m.vars]
        if rule.weight is not None or not first or not then:
            continue
        guard = m.when(
            "order",
            f"order[{i}]",
            f"{', '.join(map(repr, then))} start after {', '.join(map(repr, first))} end",
        )
        by_id = m.festival.sessions_by_id
        barrier = m.model.new_int_var(0, m.horizon, f"order{i}")
        for sid in first:
            m.model.add(m.vars[sid].start + by_id[sid].duration <= barrier).only_enforce_if(guard)
        for sid in then:
            m.model.add(m.vars[sid].start >= barrier).only_enforce_if(guard)


def together(m: ModelView) -> None:
    """The sessions of a `[[together]]` without a weight share a day, a venue, both, or run
    as a block (a weighted one is a goal: `goals.together`)."""
    for i, group in enumerate(m.festival.together):
        ids = [sid for sid in group.sessions if sid in m.vars]
        if group.weight is not None or len(ids) < 2:
            continue
        shown = ", ".join(repr(sid) for sid in ids)
        guard = m.when("together", f"together[{i}]", f"sessions {shown}: same {group.same}")
        if group.same_day:
            for sid in ids[1:]:
                m.model.add(m.vars[sid].day == m.vars[ids[0]].day).only_enforce_if(guard)
        if group.same_venue:
            for sid in ids[1:]:
                same_venue(m, ids[0], sid, guard)
        if group.same == "venue-each-day":
            for j, a in enumerate(ids):
                for b in ids[j + 1 :]:
                    same_day = m.model.new_bool_var(f"t{i}.{a}.{b}.same_day")
                    m.model.add(m.vars[a].day != m.vars[b].day).only_enforce_if(~same_day)
                    same_venue(m, a, b, [same_day, *guard])
        if group.same == "block":
            for a, b in pairwise(ids):
                next_in_block(m, a, b, guard)


def same_venue(m: ModelView, a: str, b: str, enforce: list[cp_model.IntVar]) -> None:
    """Sessions `a` and `b` are in one venue (when every `enforce` literal holds)."""
    for vid in sorted(set(m.vars[a].at) | set(m.vars[b].at)):
        here, there = m.vars[a].at.get(vid), m.vars[b].at.get(vid)
        if here is not None and there is not None:
            m.model.add(here == there).only_enforce_if(enforce)
        else:
            m.model.add((here if here is not None else there) == 0).only_enforce_if(enforce)


def next_in_block(m: ModelView, a: str, b: str, enforce: list[cp_model.IntVar]) -> None:
    """Session `b` follows `a` in its venue: it starts after `a`'s end and the venue's
    changeover, sooner than one grid step later (when every `enforce` literal holds)."""
    same_venue(m, a, b, enforce)
    duration = m.festival.session(a).duration
    for vid, here in m.vars[a].at.items():
        gap = duration + m.festival.venue(vid).changeover
        m.model.add(m.vars[b].start >= m.vars[a].start + gap).only_enforce_if(here, *enforce)
        m.model.add(m.vars[b].start < m.vars[a].start + gap + m.festival.step).only_enforce_if(
            here, *enforce
        )


def sessions_pinned(m: ModelView) -> None:
    """A pinned session stays where it was published."""
    _stay(m, Keep.PINNED)


def freeze_until(m: ModelView) -> None:
    """With `--freeze-until`, sessions published before the date stay where they are."""
    _stay(m, Keep.FROZEN)


def _stay(m: ModelView, reason: Keep) -> None:
    """The published sessions kept for `reason` stay at their published start and venue."""
    for sid, why in sorted(m.keep.items()):
        old = m.previous.get(sid)
        if old is None or why != reason:
            continue
        if why == Keep.PINNED:
            name, key = "sessions.pinned", f"sessions[{m.index[sid]}].pinned"
            text = f"session {sid!r} is pinned where it was published"
        else:
            name = key = "--freeze-until"
            text = f"session {sid!r} was published before the freeze date and stays"
        guard = m.when(name, key, f"{text} ({old.venue}, {m.shown(old.start)})")
        m.model.add(m.vars[sid].start == m.minutes(old.start)).only_enforce_if(guard)
        here = m.vars[sid].at.get(old.venue)
        if here is None:
            m.model.add_bool_or([]).only_enforce_if(guard)
        else:
            m.model.add(here == 1).only_enforce_if(guard)


#: every hard rule of the model, in the order it is added
BUILDERS: tuple[Callable[[ModelView], None], ...] = (
    festival_days,
    festival_blackout,
    festival_max_sessions_per_day,
    venues_capacity,
    sessions_needs,
    sessions_cities,
    sessions_venues,
    venues_hours,
    venues_slots,
    venues_blocks,
    venues_closed,
    venues_changeover,
    people_break,
    festival_exclusive_tags,
    limits,
    sessions_not_with,
    sessions_plenary,
    sessions_runs,
    sessions_unavailable,
    travel,
    people_unavailable,
    people_one_city_per_day,
    sessions_earliest,
    sessions_latest,
    sessions_fixed,
    sessions_after,
    order,
    together,
    sessions_pinned,
    freeze_until,
)
