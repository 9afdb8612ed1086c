"""`festival pretalx push`: a published plan's places into pretalx's work-in-progress
schedule.

Only slots pretalx already has are moved (a room, a start and an end each); none is
created or deleted. A slot pretalx moved since the pull, to somewhere other than where
the plan puts it, is a conflict: nothing is pushed unless forced. A slot already where
the plan puts it is left alone, so a push cut short is completed by running it again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..model import Entry
from .client import Client, PretalxError, id_of


class Conflict(PretalxError):
    """pretalx's work-in-progress schedule changed since the pull where the plan differs."""

    exit_code = 5


Place = tuple[Any, datetime, datetime] | None  # (room id, start, end); None: unplaced


@dataclass(frozen=True)
class Move:
    """One slot to move: the session, its slot, where pretalx has it, where it goes."""

    session: str
    title: str
    slot: int
    now: Place
    to: tuple[Any, datetime, datetime]


@dataclass(frozen=True)
class Comparison:
    """A plan against pretalx: the slots to move, the conflicts, what stays as it is."""

    moves: tuple[Move, ...]
    conflicts: tuple[str, ...]
    unchanged: int
    not_in_pretalx: tuple[str, ...]


def place_of(slot: dict[str, Any]) -> Place:
    room, start, end = id_of(slot.get("room")), slot.get("start"), slot.get("end")
    if room is None or not start or not end:
        return None
    return room, datetime.fromisoformat(start), datetime.fromisoformat(end)


def compare(
    state: dict[str, Any],
    slots: list[dict[str, Any]],
    entries: dict[str, Entry],
    force: bool = False,
) -> Comparison:
    """What pushing the plan `entries` (a timetable.json's, by session) into pretalx,
    whose slots are now `slots`, changes; `state` is what the pull saw. With `force`, a
    slot moved in pretalx since the pull goes where the plan puts it all the same."""
    now = {slot["id"]: slot for slot in slots}
    rooms = state["rooms"]
    moves, conflicts, unchanged = [], [], 0
    for sid, pulled in sorted(state["slots"].items()):
        entry = entries.get(sid)
        if entry is None or entry.status != "CONFIRMED":
            continue
        slot = now.get(pulled["slot"])
        if slot is None:
            conflicts.append(f"{sid}: its pretalx slot {pulled['slot']} is gone")
            continue
        target = (rooms.get(entry.venue), entry.start, entry.end)
        if target[0] is None:
            conflicts.append(f"{sid}: venue {entry.venue!r} is not a pretalx room")
            continue
        current = place_of(slot)
        seen = place_of(pulled)
        if current == target:
            unchanged += 1
            continue
        if current != seen and not force:
            conflicts.append(f"{sid} ({entry.title}): moved in pretalx since the pull")
            continue
        moves.append(Move(sid, entry.title, pulled["slot"], current, target))
    pulled_slots = {s["slot"] for s in state["slots"].values()} | set(state.get("seen", ()))
    for slot in slots:
        code = id_of(slot.get("submission"), "code")
        if code is not None and slot["id"] not in pulled_slots and not force:
            conflicts.append(f"{code.lower()}: a talk pretalx scheduled since the pull")
    not_in = tuple(sorted(sid for sid, e in entries.items() if sid not in state["slots"]))
    return Comparison(tuple(moves), tuple(conflicts), unchanged, not_in)


def shown(move: Move, rooms: dict[Any, str], zone: Any) -> str:
    """One move as a line: the talk, where pretalx has it, where it goes (wall clock)."""

    def where(place: Place) -> str:
        if place is None:
            return "unplaced"
        room, start, _ = place
        return f"{rooms.get(room, room)} {start.astimezone(zone):%a %d %b %H:%M}"

    return f"{move.session} ({move.title}): {where(move.now)} → {where(move.to)}"


def apply(
    client: Client, moves: tuple[Move, ...], done: Callable[[Move], None] = lambda _: None
) -> None:
    """Move each slot in pretalx, one request each; `done` after each one. pretalx sets a
    talk's end from its duration (it refuses an `end` for a slot that holds a talk)."""
    for move in moves:
        room, start, _ = move.to
        client.request(
            "PATCH",
            f"{client.base}slots/{move.slot}/",
            json={"room": room, "start": start.isoformat()},
        )
        done(move)


def release(client: Client, version: str, comment: str) -> dict[str, Any]:
    """Release the work-in-progress schedule as `version` (pretalx's API never notifies
    speakers of a release)."""
    return client.request(
        "POST", f"{client.base}schedules/release/", json={"version": version, "comment": comment}
    )
