"""The library behind `festival plan`: solve → validate → revise → write → publish.

The command line is a thin layer over `plan()`; tests call it directly.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from . import days, errors, interest, penalties, rendered, revisions, solver, validate
from .diff import Change, diff
from .model import Entry, Festival, Keep, Placement, Status, Timetable, Violation
from .publish import Published, locked, publish
from .writers import atom, frab, html, ical, timetable_json


class NoTimetable(errors.NoTimetableError):
    """No timetable keeps every hard rule (proven), or none was found in time."""

    def __init__(
        self,
        festival: Festival,
        result: solver.Result,
        explanation: solver.Explanation | None = None,
        conflicts: Sequence[tuple[Violation, tuple[solver.RuleInstance, ...]]] = (),
    ):
        self.festival = festival
        self.result = result
        self.explanation = explanation
        #: conflicts among known places, each with the rules that state it
        self.conflicts = tuple(conflicts)
        if conflicts:
            text = (
                "no timetable keeps every hard rule of the definition (proven infeasible): "
                "sessions whose place is known before any search (fixed, or kept where they "
                "were published) break these among themselves:"
            )
            lines = [text]
            for violation, rules in conflicts:
                lines.append(f"  - {violation.message} [{violation.rule}]")
                lines += [f"      {solver.where(festival, r)}: {r.text} [{r.name}]" for r in rules]
            super().__init__("\n".join(lines))
            return
        if result.status == Status.INFEASIBLE:
            text = "no timetable keeps every hard rule of the definition (proven infeasible)"
        elif result.stopped_by_clock:
            text = (
                f"no timetable was found within --max-seconds ({result.status}); "
                "raise or drop --max-seconds"
            )
        else:
            text = (
                f"no timetable was found within the time limit ({result.status}); "
                "try a longer --time-limit"
            )
        reasons = "".join(f"\n  - {why}" for why in result.unplaceable)
        if explanation is not None and explanation.rules and not result.unplaceable:
            reasons = "\n" + describe(festival, explanation)
        super().__init__(text + reasons)


class Interrupted(errors.Interrupted):
    """The search was stopped; `timetable` is the best valid one found so far (not published)."""

    def __init__(self, result: solver.Result, timetable: Timetable):
        super().__init__("interrupted: the best timetable found so far was not published")
        self.result = result
        self.timetable = timetable


class InvalidTimetable(errors.InternalError):
    """The solver produced a timetable the validator rejects: a bug, never published."""

    def __init__(self, violations: list[Violation]):
        self.violations = violations
        listed = "\n".join(f"  - {v}" for v in violations)
        super().__init__(
            "internal error: the solver's timetable breaks rules it should keep; "
            f"nothing was published. Please report this:\n{listed}"
        )


@dataclass(frozen=True)
class Plan:
    festival: Festival
    result: solver.Result
    timetable: Timetable
    score: dict[str, int]
    entries: tuple[Entry, ...]
    changes: tuple[Change, ...]
    published: Published | None
    #: attendees whose chosen sessions clash, now and in the published plan (with interest)
    attendees: interest.Clashes | None = None
    attendees_before: interest.Clashes | None = None


def known_places(
    festival: Festival, previous: Timetable | None, keep: Mapping[str, Keep]
) -> list[Placement]:
    """The places that need no search: sessions `fixed` to a start in a known venue (its
    `fixed` venue, or the only one that fits it), and kept sessions where they were
    published."""
    known = {}
    for s in festival.sessions:
        if s.fixed is None:
            continue
        venue = s.fixed.venue
        if venue is None:
            fitting = solver.eligible_venues(festival, s)
            venue = fitting[0].id if len(fitting) == 1 else None
        if venue is not None:
            end = s.fixed.start + timedelta(minutes=s.duration)
            known[s.id] = Placement(s.id, venue, s.fixed.start, end)
    duration = {s.id: timedelta(minutes=s.duration) for s in festival.sessions}
    for p in previous.placements if previous is not None else ():
        if p.session in keep and p.session in duration and p.session not in known:
            # kept: its published start and venue, its length as now defined
            known[p.session] = Placement(p.session, p.venue, p.start, p.start + duration[p.session])
    return sorted(known.values(), key=lambda p: (p.start, p.venue, p.session))


def refuse_known_conflicts(
    festival: Festival,
    previous: Timetable | None,
    keep: Mapping[str, Keep],
    time_limit: float = 5.0,
    deadline: float | None = None,
) -> None:
    """Raise `NoTimetable` naming every rule that the places known before any search
    (`known_places`) break among themselves: the validator finds them all at once, and
    each is explained on the festival of its own sessions alone (a model of one or two
    sessions), which names the keys that state it; a search over the whole would prove
    infeasibility and name one conflict."""
    known = known_places(festival, previous, keep)
    conflicts = validate.among(festival, known)
    if not conflicts:
        return
    explained = []
    for violation in conflicts:
        ids = set(violation.sessions)
        part = festival.only(ids)
        kept = Timetable(festival.id, tuple(p for p in known if p.session in ids))
        found = solver.explain(
            part,
            previous=kept if previous is not None else None,
            keep={sid: why for sid, why in keep.items() if sid in ids},
            time_limit=time_limit,
            deadline=deadline,
        )
        rules = found.rules if found.status == Status.INFEASIBLE else ()
        explained.append((violation, tuple(_renumbered(festival, part, r) for r in rules)))
    raise NoTimetable(festival, solver.Result(Status.INFEASIBLE, None), conflicts=explained)


def _renumbered(
    festival: Festival, part: Festival, rule: solver.RuleInstance
) -> solver.RuleInstance:
    """`rule` of `part` (`Festival.only`) with its session keys as in `festival`."""
    index = {s.id: i for i, s in enumerate(festival.sessions)}

    def original(match: re.Match) -> str:
        return f"sessions[{index[part.sessions[int(match.group(1))].id]}]"

    return replace(rule, key=re.sub(r"^sessions\[(\d+)\]", original, rule.key))


def describe(festival: Festival, explanation: solver.Explanation) -> str:
    """An explanation as lines: each rule with its place in the definition."""
    head = (
        "These rules cannot all hold; relax or remove any one of them:"
        if explanation.minimal
        else "These rules cannot all hold (the set may not be minimal: time ran out):"
    )
    lines = [head]
    for rule in explanation.rules:  # where it is stated, what it says, the rule's name
        lines.append(f"  - {solver.where(festival, rule)}: {rule.text} [{rule.name}]")
    return "\n".join(lines)


def schedule(
    festival: Festival,
    *,
    options: solver.Options = solver.Options(),
    on_progress: Callable[[solver.Progress], None] | None = None,
    previous: Timetable | None = None,
    keep: Mapping[str, Keep] | None = None,
    stop: threading.Event | None = None,
) -> tuple[solver.Result, Timetable]:
    """Solve and independently validate; raise `NoTimetable` or `InvalidTimetable`.

    With `options.max_seconds`, every step (conflicts among known places, the solve, the
    explanation of an infeasible definition) ends by one deadline: `options.deadline`,
    else `max_seconds` from now."""
    keep = dict(keep or {})
    if options.max_seconds is not None and options.deadline is None:
        options = replace(options, deadline=time.perf_counter() + options.max_seconds)
    refuse_known_conflicts(festival, previous, keep, deadline=options.deadline)
    result = solver.solve(
        festival, options=options, on_progress=on_progress, previous=previous, keep=keep, stop=stop
    )
    if result.timetable is None:
        explanation = None
        if result.status == Status.INFEASIBLE and not result.interrupted:
            explanation = solver.explain(
                festival,
                previous=previous,
                keep=keep,
                time_limit=options.time_limit,
                deadline=options.deadline,
            )
        raise NoTimetable(festival, result, explanation)
    timetable = result.timetable
    broken = validate.violations(festival, timetable)
    recomputed = penalties.score(festival, timetable)["total"]
    if recomputed != timetable.objective:
        broken.append(
            Violation(
                "weights",
                f"the solver reports objective "
                f"{timetable.objective}, the validator scores {recomputed}",
            )
        )
    if previous is not None:
        broken.extend(validate.kept(festival, timetable, previous, keep))
        counted = penalties.moves(festival, timetable, previous)
        if timetable.moves and counted != dict(timetable.moves):
            broken.append(
                Violation(
                    "moves",
                    f"the solver counts moves {dict(timetable.moves)}, the validator {counted}",
                )
            )
    if broken:
        raise InvalidTimetable(broken)
    return result, timetable


def now() -> datetime:
    """The publication time: `SOURCE_DATE_EPOCH` if set (reproducible builds), else now."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC)
    return moment.replace(microsecond=0)


def published_baseline(
    festival: Festival, out: str | Path | None, baseline: str | Path | None = None
) -> revisions.PublishedPlan:
    """The published plan: `baseline`, else `out/timetable.json` if present, else an
    empty one."""
    if baseline is None:
        if out is None or not (Path(out) / "timetable.json").exists():
            return revisions.PublishedPlan(festival.id, festival.timezone, {})
        baseline = Path(out) / "timetable.json"
    return revisions.read_baseline(baseline, festival)


def previous_timetable(festival: Festival, published: Mapping[str, Entry]) -> Timetable | None:
    """The published placements of sessions still in the definition (None if none)."""
    known = {s.id for s in festival.sessions}
    placements = tuple(
        Placement(e.session, e.venue, e.start, e.end)
        for e in published.values()
        if e.status == "CONFIRMED" and e.session in known
    )
    return Timetable(festival.id, placements) if placements else None


def starting_point(festival: Festival, published: Mapping[str, Entry]) -> Timetable | None:
    """What a plan moves as few sessions as possible from: each session's `current` place
    (where the tool the programme is kept in has it now), else its published one."""
    placed = {
        s.id: Placement(s.id, place.venue, place.start, place.start + timedelta(minutes=s.duration))
        for s in festival.sessions
        for place in s.current
        if place.venue is not None
    }
    published_places = previous_timetable(festival, published)
    for p in published_places.placements if published_places else ():
        placed.setdefault(p.session, p)
    ordered = tuple(placed[s.id] for s in festival.sessions if s.id in placed)
    return Timetable(festival.id, ordered) if ordered else None


def moved_where_kept(
    festival: Festival, published: Mapping[str, Entry], timetable: Timetable
) -> dict[str, str]:
    """The change report's reason for each session that stands where its `current` place
    is, which is not where it was published: it was moved in the tool it is kept in."""
    now = {p.session: p for p in timetable.placements}
    reasons = {}
    for s in festival.sessions:
        old, new = published.get(s.id), now.get(s.id)
        if not s.current or old is None or new is None or old.status != "CONFIRMED":
            continue
        place = s.current[0]
        here = (new.start, new.venue) == (place.start, place.venue)
        if here and (old.start, old.venue) != (place.start, place.venue):
            reasons[s.id] = "it was moved there where the programme is kept (its `current` place)"
    return reasons


def kept_sessions(
    festival: Festival, previous: Timetable | None, freeze_until: date | None
) -> dict[str, Keep]:
    """Published sessions that may not move: pinned ones, and those before `freeze_until`."""
    if previous is None:
        return {}
    pinned = {s.id for s in festival.sessions if s.pinned}
    keep = {}
    for p in previous.placements:
        if p.session in pinned:
            keep[p.session] = Keep.PINNED
        elif freeze_until is not None and days.local_date(festival, p.start) < freeze_until:
            keep[p.session] = Keep.FROZEN
    return keep


def outputs(
    festival: Festival,
    timetable: Timetable,
    entries: tuple[Entry, ...],
    attendees: interest.Clashes | None = None,
    attendees_before: interest.Clashes | None = None,
) -> dict[str, bytes]:
    """Every published file of a first publication, rendered in memory: relative path →
    bytes."""
    people = revisions.person_numbers(festival, {})
    clashes = shown_clashes(attendees, attendees_before)
    files = pages(festival, timetable, entries, people, clashes)
    files.update(ical.outputs(festival, entries))
    return files


def shown_clashes(
    attendees: interest.Clashes | None, attendees_before: interest.Clashes | None
) -> Mapping[str, object] | None:
    """Attendees' clashes as timetable.json shows them (None without interest)."""
    return interest.as_json(attendees, attendees_before) if attendees is not None else None


def pages(
    festival: Festival,
    timetable: Timetable,
    entries: tuple[Entry, ...],
    people: Mapping[str, int],
    clashes: Mapping[str, object] | None,
    latest: atom.AtomEntry | None = None,
) -> dict[str, bytes]:
    """The published files other than feeds: `timetable.json`, the page (with the
    `latest` revision's changes), and the programme for conference apps
    (`schedule.json`, `schedule.xml`; `people` are the people's numbers there)."""
    files = timetable_json.outputs(festival, timetable, entries, people, clashes)
    files.update(html.outputs(festival, timetable, entries, latest))
    files.update(frab.outputs(festival, entries, people))
    return files


def retired_feeds(festival: Festival, out: Path, feeds: Collection[str]) -> dict[str, bytes]:
    """Empty calendars for published feeds whose track, venue or person was removed (is
    not among `feeds`, the paths of the feeds published now)."""
    stale = {}
    for folder in ("tracks", "venues", "people"):
        for path in sorted((out / folder).glob("*.ics")):
            relative = f"{folder}/{path.name}"
            if relative not in feeds:
                try:
                    previous = path.read_bytes()
                except OSError:  # unreadable: it is replaced all the same
                    previous = b""
                stale[relative] = ical.retired(festival, relative, previous)
    return stale


def plan(
    festival: Festival,
    *,
    out: str | Path | None = "calendars",
    options: solver.Options = solver.Options(),
    on_progress: Callable[[solver.Progress], None] | None = None,
    baseline: str | Path | None = None,
    fresh: bool = False,
    at: datetime | None = None,
    freeze_until: date | None = None,
    stop: threading.Event | None = None,
    accept: Callable[[solver.Result, Timetable], bool] | None = None,
    on_wait: Callable[[], None] | None = None,
) -> Plan:
    """Plan `festival` and publish it into `out` (None: render only, write nothing).

    The published plan (`baseline`, else `out/timetable.json`) decides each
    session's revision, and is kept as far as the rules allow unless `fresh`
    (then places are chosen without it; revisions still continue from it, so a
    SEQUENCE never goes back). Runs publishing into one folder take turns: if
    another holds it, `on_wait` is called and this one waits. Setting `stop`
    ends the search early: the best timetable so far is validated and
    published only if `accept(result, timetable)` says so, else `Interrupted`
    carries it. Every error is a `FestivalError` (`scheduler.errors`):
    `revisions.BaselineError` for a bad baseline, `NoTimetable` when no
    timetable exists, `InvalidTimetable` or `solver.ModelInvalid` on a bug,
    `publish.PublishError` when the folder cannot be written; in every case
    nothing published is changed.
    """

    def planned(folder: Path | None) -> Plan:
        published = published_baseline(festival, folder, baseline)
        previous = None if fresh else starting_point(festival, published.entries)
        keep = kept_sessions(festival, previous, freeze_until)
        result, timetable = schedule(
            festival,
            options=options,
            on_progress=on_progress,
            previous=previous,
            keep=keep,
            stop=stop,
        )
        if result.interrupted and (accept is None or not accept(result, timetable)):
            raise Interrupted(result, timetable)
        release = release_plan(festival, timetable, published, previous, folder, at or now())
        return Plan(
            festival,
            result,
            timetable,
            penalties.score(festival, timetable),
            release.entries,
            release.changes,
            release.published,
            release.attendees,
            release.attendees_before,
        )

    if out is None:
        return planned(None)
    with locked(out, on_wait) as folder:
        return planned(folder)


@dataclass(frozen=True)
class Release:
    """A timetable as published: its entries, what changed, and the files written."""

    entries: tuple[Entry, ...]
    changes: tuple[Change, ...]
    published: Published | None
    attendees: interest.Clashes | None
    attendees_before: interest.Clashes | None


def release_plan(
    festival: Festival,
    timetable: Timetable,
    plan: revisions.PublishedPlan,
    previous: Timetable | None,
    out: Path | None,
    at: datetime,
) -> Release:
    """Revise `timetable` against the published `plan`, render it and publish it into
    `out` (None: render only). The caller holds `out`'s lock.

    Feeds that `out` already publishes, rendered from the same sessions and settings,
    are neither rendered nor written again (`rendered`)."""
    published = plan.entries
    entries = revisions.revise(festival, timetable, published, at)
    people = revisions.person_numbers(festival, plan.people)
    reasons = {}
    if previous is not None:
        placed = {p.session: p for p in timetable.placements}
        for old in previous.placements:
            new = placed[old.session]
            if (new.start, new.venue) != (old.start, old.venue):
                reasons[old.session] = validate.move_reason(festival, timetable, old)
    reasons.update(moved_where_kept(festival, published, timetable))
    changes = tuple(diff(published, entries, reasons)) if published else ()
    attendees = attendee_clashes(festival, timetable)
    before = previous_timetable(festival, published)
    attendees_before = attendee_clashes(festival, before) if before is not None else None
    previous_changes = _read_if_present(out / atom.PATH) if out is not None else None
    changes_history = atom.history(festival, changes, at, previous_changes)
    latest = changes_history[0] if changes_history else None
    clashes = shown_clashes(attendees, attendees_before)
    files = pages(festival, timetable, entries, people, clashes, latest)
    files.update(atom.outputs(festival, entries, changes_history))
    feeds = ical.feeds(festival, entries)
    digests = ical.digests(festival, feeds)
    kept = rendered.intact(out, digests)
    feeds_now = ical.render(festival, [f for f in feeds if f.path not in kept])
    files.update(feeds_now)
    written = None
    if out is not None:
        files.update(retired_feeds(festival, out, digests.keys()))
        files[rendered.RECORD] = rendered.record(digests, feeds_now, kept)
        written = publish(files, out, locked_by_caller=True, kept=kept.keys())
    return Release(entries, changes, written, attendees, attendees_before)


def _read_if_present(path: Path) -> bytes | None:
    """A published file's bytes (None if missing or unreadable: it is written anew)."""
    try:
        return path.read_bytes()
    except OSError:
        return None


def attendee_clashes(festival: Festival, timetable: Timetable) -> interest.Clashes | None:
    """Attendees whose chosen sessions overlap in `timetable` (None without interest)."""
    if not festival.interest:
        return None
    placed = {p.session: p for p in timetable.placements}

    def overlap(a: str, b: str) -> bool:
        p, q = placed.get(a), placed.get(b)
        return p is not None and q is not None and p.start < q.end and q.start < p.end

    return interest.clashes(festival.interest, overlap)
