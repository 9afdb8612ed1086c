"""What changed between two published plans, in words and as data."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from .model import Entry


class Kind(StrEnum):
    """What happened to a session between two published plans (in report order)."""

    MOVED = "moved"  # a new date, time or venue
    ADDED = "added"
    CANCELLED = "cancelled"
    UPDATED = "updated"  # what calendars show changed, not the place


KINDS = tuple(Kind)


@dataclass(frozen=True)
class Change:
    """One session's change: moved, added, cancelled, or updated (text only)."""

    kind: Kind
    session: str
    title: str
    old: Entry | None
    new: Entry | None
    reason: str = ""

    @property
    def when(self) -> tuple:
        entry = self.new or self.old
        assert entry is not None
        return (entry.start, entry.session)


def diff(
    old: Mapping[str, Entry], new: Iterable[Entry], reasons: Mapping[str, str] | None = None
) -> list[Change]:
    """The changes from `old` to `new` (session id → entry), sorted by time."""
    reasons = reasons or {}
    changes = []
    seen = set()
    for entry in new:
        seen.add(entry.session)
        before = old.get(entry.session)
        if before is None or (before.status == "CANCELLED" and entry.status != "CANCELLED"):
            if entry.status != "CANCELLED":
                changes.append(Change(Kind.ADDED, entry.session, entry.title, before, entry))
            continue
        if entry.status == "CANCELLED":
            if before.status != "CANCELLED":
                changes.append(Change(Kind.CANCELLED, entry.session, entry.title, before, entry))
            continue
        if (before.start, before.end, before.venue) != (entry.start, entry.end, entry.venue):
            changes.append(
                Change(
                    Kind.MOVED,
                    entry.session,
                    entry.title,
                    before,
                    entry,
                    reasons.get(entry.session, ""),
                )
            )
        elif before.digest != entry.digest and before.sequence != entry.sequence:
            # a new revision (a digest written by an older version alone is none)
            changes.append(Change(Kind.UPDATED, entry.session, entry.title, before, entry))
    for sid, before in old.items():
        if sid not in seen and before.status != "CANCELLED":
            changes.append(Change(Kind.CANCELLED, sid, before.title, before, None))
    return sorted(changes, key=lambda c: (c.when, KINDS.index(c.kind)))


def _slot(entry: Entry, zone: ZoneInfo) -> str:
    start, end = entry.start.astimezone(zone), entry.end.astimezone(zone)
    return f"{start:%Y-%m-%d %a %H:%M}–{end:%H:%M} {entry.venue}"


def render(changes: list[Change], zone: ZoneInfo) -> str:
    """The changes as lines of text, one per session, times on `zone`'s wall clock."""
    if not changes:
        return "No changes to the published plan."
    lines = []
    for c in changes:
        head = f"{c.kind:<9} {c.session} ({c.title})"
        if c.kind == Kind.MOVED:
            assert c.old and c.new
            line = f"{head}: {_slot(c.old, zone)} → {_slot(c.new, zone)}"
            if c.reason:
                line += f"\n          because {c.reason}"
        elif c.kind == Kind.ADDED:
            assert c.new
            line = f"{head}: {_slot(c.new, zone)}"
        elif c.kind == Kind.CANCELLED:
            assert c.old
            line = f"{head}: was {_slot(c.old, zone)}"
        else:
            line = f"{head}: title, track, people, description or location text changed"
        lines.append(line)
    counts = ", ".join(
        f"{sum(c.kind == k for c in changes)} {k}"
        for k in KINDS
        if any(c.kind == k for c in changes)
    )
    return "\n".join(
        [*lines, f"{len(changes)} change{'s' if len(changes) != 1 else ''}: {counts}."]
    )


def _entry_json(entry: Entry | None, zone: ZoneInfo) -> dict[str, Any] | None:
    if entry is None:
        return None
    return {
        "start": _iso(entry.start, zone),
        "end": _iso(entry.end, zone),
        "venue": entry.venue,
        "status": entry.status,
        "sequence": entry.sequence,
    }


def _iso(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).isoformat()


def to_json(changes: list[Change], zone: ZoneInfo) -> list[dict[str, Any]]:
    """The changes as JSON-ready data; times on `zone`'s wall clock, with their UTC offset."""
    return [
        {
            "kind": c.kind,
            "session": c.session,
            "title": c.title,
            "old": _entry_json(c.old, zone),
            "new": _entry_json(c.new, zone),
            "reason": c.reason,
        }
        for c in changes
    ]


class PersonKind(StrEnum):
    """What a session's change is to one of its people (in report order)."""

    MOVED = "moved"
    JOINED = "joined"  # they are in a session they were not in: new, or newly theirs
    LEFT = "left"  # a session they were in is cancelled, or no longer theirs
    UPDATED = "updated"


@dataclass(frozen=True)
class PersonChange:
    """One change as one person sees it."""

    kind: PersonKind
    change: Change


def by_person(changes: Iterable[Change]) -> dict[str, list[PersonChange]]:
    """For each person a change concerns (in its old or new people), what it means to
    them, in time order; people sorted by id."""
    found: dict[str, list[PersonChange]] = {}
    for c in changes:
        before = set(c.old.people) if c.old is not None and c.old.status == "CONFIRMED" else set()
        after = set(c.new.people) if c.new is not None and c.new.status == "CONFIRMED" else set()
        for person in sorted(before | after):
            if person not in before:
                kind = PersonKind.JOINED
            elif person not in after:
                kind = PersonKind.LEFT
            elif c.kind == Kind.MOVED:
                kind = PersonKind.MOVED
            else:
                kind = PersonKind.UPDATED
            found.setdefault(person, []).append(PersonChange(kind, c))
    return dict(sorted(found.items()))


def render_by_person(
    changes: list[Change], zone: ZoneInfo, names: Mapping[str, str] | None = None
) -> str:
    """The changes person by person: the list an organiser sends to the people affected.
    `names` gives people's names by id (else ids alone)."""
    names = names or {}
    grouped = by_person(changes)
    if not grouped:
        return "No changes for anybody's sessions."
    lines = []
    for person, seen in grouped.items():
        name = f" ({names[person]})" if person in names else ""
        lines.append(f"{person}{name}: {len(seen)} change{'s' if len(seen) != 1 else ''}")
        for item in seen:
            c = item.change
            head = f"  {item.kind:<8} {c.session} ({c.title})"
            if item.kind == PersonKind.MOVED:
                assert c.old and c.new
                lines.append(f"{head}: {_slot(c.old, zone)} → {_slot(c.new, zone)}")
            elif item.kind == PersonKind.JOINED:
                assert c.new
                lines.append(f"{head}: {_slot(c.new, zone)}")
            elif item.kind == PersonKind.LEFT:
                assert c.old
                was = "cancelled" if c.kind == Kind.CANCELLED else "no longer yours"
                lines.append(f"{head}: {was}, was {_slot(c.old, zone)}")
            else:
                lines.append(f"{head}: title, track, people, description or location text changed")
    lines.append(f"{len(grouped)} {'person' if len(grouped) == 1 else 'people'} affected.")
    return "\n".join(lines)


def by_person_json(changes: list[Change], zone: ZoneInfo) -> dict[str, list[dict[str, Any]]]:
    """`by_person` as JSON-ready data: each person's changes with what they are to them."""
    return {
        person: [{"for_person": item.kind, **to_json([item.change], zone)[0]} for item in seen]
        for person, seen in by_person(changes).items()
    }
