"""The domain words of the scheduler, as immutable values.

Three kinds of time, never mixed:

- a *moment* (`Period`, `Session.earliest`/`latest`, `Fixed.start`,
  `Placement`, `Entry`) is an instant: an aware datetime in UTC. Durations,
  gaps and overlaps are differences of instants, right across clock changes;
- a *time of day* (`Venue.opens`/`closes`, `Preference.time`) is wall-clock
  minutes after local midnight on the festival's clock, a rule for every day;
- a *date* (`Festival.start`/`end`, blackouts, preferred dates) is a calendar
  date on the festival's clock.

`scheduler.days` turns wall-clock times into instants and back (the definition
is read as RFC 5545 reads a time with a TZID). Periods are half-open:
`[start, end)`.

No IO and no solver code lives here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from functools import cached_property
from types import MappingProxyType
from typing import Literal, TypeVar, get_args

from .groups import Block, Limit, Order, Reward, Together
from .interest import Choice
from .rules import Kind, goals, names

#: Names of the soft goals, in the order they are reported (see `scheduler.rules`).
SOFT_GOALS = goals()
#: Kinds of move from the published plan, each weighed in `Weights`.
MOVE_KINDS = names(Kind.MOVE)


class Status(StrEnum):
    """How a solve ended: a timetable proven best, one found, none exists, none found."""

    OPTIMAL = "OPTIMAL"
    FEASIBLE = "FEASIBLE"
    INFEASIBLE = "INFEASIBLE"
    UNKNOWN = "UNKNOWN"


class Keep(StrEnum):
    """Why a published session may not move in a re-plan."""

    PINNED = "pinned"  # `pinned = true` in the definition
    FROZEN = "frozen"  # published before `--freeze-until`


def clock_time(minutes: int) -> str:
    """A time of day as definitions and messages write it: 570 → "09:30", 1440 → "24:00"
    (also a length of time in hours and minutes, as frab writes durations)."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def clock_window(start: int, end: int) -> str:
    """Two times of day as one window: "09:00-12:30"."""
    return f"{clock_time(start)}-{clock_time(end)}"


@dataclass(frozen=True)
class Period:
    """A half-open stretch of time between two instants, `[start, end)`."""

    start: datetime
    end: datetime

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.start < end and start < self.end


@dataclass(frozen=True)
class DayRule:
    """Which calendar days may hold sessions.

    `kind` is "all", "weekdays" or "workdays"; for "workdays", `country` is an
    ISO 3166 code and `fallback` allows plain weekdays for years the holiday
    library has no official data for.
    """

    kind: str
    country: str | None = None
    fallback: bool = False

    def __str__(self) -> str:
        return f"workdays:{self.country}" if self.kind == "workdays" else self.kind


@dataclass(frozen=True)
class Track:
    id: str
    name: str
    color: str = "gray"


@dataclass(frozen=True)
class Venue:
    id: str
    name: str
    city: str
    address: str = ""
    capacity: int = 0
    #: the `hours` key: minutes after midnight when it opens and closes (1440: midnight at
    #: the end of the day)
    opens: int = field(default=0, metadata={"key": "hours"})
    closes: int = field(default=1440, metadata={"key": "hours"})
    features: frozenset[str] = frozenset()
    closed: tuple[Period, ...] = ()
    changeover: int = 0  # minutes needed between two sessions
    #: the room's UUID in conference-app exports (kept from an imported programme)
    guid: str = ""
    #: the `blocks` key: windows of a day (minutes after midnight) that hold sessions, every
    #: day; with `[festival] one_track_per_block`, each holds sessions of one track
    blocks: tuple[tuple[int, int], ...] = ()
    dated_blocks: tuple[tuple[date, tuple[tuple[int, int], ...]], ...] = field(
        default=(), metadata={"key": None}
    )
    #: the `slots` key given as a list: (start, end) minutes after midnight, every day
    slots: tuple[tuple[int, int], ...] = ()
    #: the `slots` key given as a table: date → that day's slots (a day not listed has none)
    dated_slots: tuple[tuple[date, tuple[tuple[int, int], ...]], ...] = field(
        default=(), metadata={"key": None}
    )

    @property
    def hours_minutes(self) -> int:
        return self.closes - self.opens

    @property
    def has_slots(self) -> bool:
        """Whether sessions here start at slots (`slots`) rather than on the step grid."""
        return bool(self.slots or self.dated_slots)

    @property
    def has_blocks(self) -> bool:
        """Whether sessions here lie inside the venue's `blocks`."""
        return bool(self.blocks or self.dated_blocks)

    def blocks_on(self, day: date) -> tuple[tuple[int, int], ...]:
        """The blocks of `day` in order (none: the venue is not used that day, when it has
        blocks at all)."""
        if self.blocks:
            return self.blocks
        return next((blocks for d, blocks in self.dated_blocks if d == day), ())

    def slots_on(self, day: date) -> tuple[tuple[int, int], ...]:
        """The slots of `day` in order (none: the venue is not used that day, when it has a
        slot grid at all)."""
        if self.slots:
            return self.slots
        return next((slots for d, slots in self.dated_slots if d == day), ())


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    unavailable: tuple[Period, ...] = ()
    #: the `break` key: least minutes between the end of one of their sessions and the next
    break_: int = field(default=0, metadata={"key": "break"})
    #: the person's UUID in conference-app exports (kept from an imported programme)
    guid: str = ""
    #: the person's number in conference-app exports (kept from an imported programme;
    #: otherwise given once and recorded in timetable.json)
    person_id: int | None = None


@dataclass(frozen=True)
class Link:
    """A link conference apps show with a session: slides, a recording, a project page."""

    title: str
    url: str


@dataclass(frozen=True)
class Fixed:
    """A pinned start, and optionally a pinned venue."""

    start: datetime
    venue: str | None = None


@dataclass(frozen=True)
class Preference:
    """Soft wishes for one session; each unmet part costs its weight."""

    dates: tuple[date, ...] = ()
    venues: tuple[str, ...] = ()
    time: tuple[int, int] | None = None  # minutes after midnight; the session should lie inside

    def __bool__(self) -> bool:
        return bool(self.dates or self.venues or self.time)


@dataclass(frozen=True)
class Wish:
    """One graded entry of a session's `prefer` or `avoid` list: the places it names
    (every part given must hold: a date of `dates`, a venue of `venues`, inside `time`)
    and what missing it (`prefer`) or meeting it (`avoid`) costs."""

    weight: int
    dates: tuple[date, ...] = ()
    venues: tuple[str, ...] = ()
    time: tuple[int, int] | None = None  # minutes after midnight; the session lies inside


@dataclass(frozen=True)
class Session:
    id: str
    title: str
    duration: int  # minutes
    track: str | None = None
    attendance: int = 0
    #: how many attendees want it, where no interest file says (`[weights] popular_rooms`;
    #: None: its `attendance`)
    popularity: int | None = None
    needs: frozenset[str] = frozenset()
    cities: tuple[str, ...] = ()  # allowed cities; empty means any
    venues: tuple[str, ...] = ()  # allowed venues; empty means any
    people: tuple[str, ...] = ()
    earliest: datetime | None = None
    latest: datetime | None = None  # the session must end by then
    fixed: Fixed | None = None
    after: tuple[str, ...] = ()
    prefer: Preference = Preference()
    #: `prefer` given as a list of graded entries (the table form is `prefer` above)
    wishes: tuple[Wish, ...] = field(default=(), metadata={"key": None})
    avoid: tuple[Wish, ...] = ()
    description: str = ""
    pinned: bool = False  # once published, never moved by a re-plan
    tags: tuple[str, ...] = ()  # free words; those in `Festival.exclusive_tags` never overlap
    not_with: tuple[str, ...] = ()  # session ids this one must not overlap (shared audience)
    span: int = 1  # consecutive slots it may take in a venue with `slots`
    unavailable: tuple[Period, ...] = ()  # when the session cannot run (a crew, a stage, …)
    language: str = ""  # the language it is held in (BCP 47); empty: the festival's
    #: the event's UUID and number in conference-app exports (kept from an imported
    #: programme; otherwise derived, and the number recorded in timetable.json)
    guid: str = ""
    event_id: int | None = None
    #: the `type` key: what kind of session it is in conference-app exports ("talk",
    #: "workshop", "keynote", …; empty: "talk")
    kind: str = field(default="", metadata={"key": "type"})
    subtitle: str = ""  # a second line under the title
    abstract: str = ""  # a short summary, shown before the description
    links: tuple[Link, ...] = ()
    do_not_record: bool = False  # the speakers do not want it recorded or streamed
    #: how many times it runs (a repeated workshop, pretalx's `slot_count`): each run is
    #: placed on its own, by default on a day of its own (`runs_same_day` allows one day)
    runs: int = 1
    runs_same_day: bool = False
    #: nothing else runs in its city while it does (an opening keynote, a closing plenary)
    plenary: bool = False
    #: where it stands now in the tool the programme is kept in (pretalx's work-in-progress
    #: schedule), one place per run: a plan moves as few sessions as possible from there
    current: tuple[Fixed, ...] = ()
    #: which run this is (1…runs) and run 1's id, the session as the definition names it
    #: ("" for a session of one run); set by `with_runs`, not keys
    run: int = field(default=1, metadata={"key": None})
    run_of: str = field(default="", metadata={"key": None})


#: how the goals weighing pairs count: `overlap` in `[festival]`
OverlapMode = Literal["pairs", "minutes"]
OVERLAP_MODES: tuple[str, ...] = get_args(OverlapMode)


@dataclass(frozen=True)
class Route:
    """`[[travel.between]]`: the time to get between two venues, either way."""

    venues: tuple[str, str]
    time: int  # minutes


@dataclass(frozen=True)
class Travel:
    """`[travel]`: how long people need between sessions in different venues, on top of
    their `break`. A `between` entry for the two venues wins over `same_city`; venues in
    different cities need nothing here (nobody is in two cities on one day)."""

    same_city: int = 0  # minutes between two venues of one city
    between: tuple[Route, ...] = ()


@dataclass(frozen=True)
class Weights:
    """Weights of the soft goals (see `SOFT_GOALS`)."""

    spread: int = 10
    track_days: int = 5
    prefer_date: int = 3
    prefer_venue: int = 2
    prefer_time: int = 1
    #: tag → weight of each pair of sessions with the tag that overlap (a table in the file)
    tag_overlap: tuple[tuple[str, int], ...] = ()
    person_days: int = 0
    person_span: int = 0
    attendee_clash: int = 0
    room_fit: int = 0
    popular_rooms: int = 0
    #: how much the entries of `prefer` and `avoid` lists count (each has its own weight)
    prefer: int = 1
    avoid: int = 1
    #: and of the `[[rewards]]` tables' rewards missed (each table has its own weight)
    rewards: int = 1
    # re-planning: the fewest moved sessions come first; among as few, these weigh the moves
    moved_date: int = 4
    moved_time: int = 2
    moved_venue: int = 1

    def of(self, goal: str) -> int:
        """The weight of `goal`. `tag_overlap` weighs each pair by its tag, so its penalty
        is already weighted and its own weight is 1 (0 when no tag weighs anything)."""
        if goal == "tag_overlap":
            return int(any(weight for _, weight in self.tag_overlap))
        if goal in ("together", "limits", "order"):  # per table: `Festival.weight`
            return 0
        return int(getattr(self, goal))


_Identified = TypeVar("_Identified", "Track", "Venue", "Person", "Session")


def _first_by_id(items: tuple[_Identified, ...]) -> dict[str, _Identified]:
    found: dict[str, _Identified] = {}
    for item in items:
        found.setdefault(item.id, item)
    return found


@dataclass(frozen=True)
class Festival:
    id: str
    name: str
    timezone: str
    start: date
    end: date  # inclusive
    days: DayRule = DayRule("all")
    blackout: tuple[date, ...] = ()
    max_sessions_per_day: int | None = None
    step: int = 30  # minutes between possible start times
    spread_days: int | None = None  # width of the anti-clustering window
    description: str = ""
    url: str = ""
    feed_url: str = ""  # public base URL of the published folder, ending in "/"
    refresh: int = 60  # minutes calendar clients should wait between refreshes
    language: str = "en"
    #: sessions sharing one of these tags share an audience: they never overlap
    exclusive_tags: tuple[str, ...] = ()
    #: every block of a venue's `blocks` holds sessions of one track only
    one_track_per_block: bool = False
    #: how the goals weighing pairs of sessions count: each pair ("pairs"), or its
    #: minutes ("minutes": the minutes two sessions overlap; for a pair out of order or
    #: in the wrong rooms, both sessions' minutes)
    overlap: OverlapMode = "pairs"
    #: the short name conference apps file the programme under (schedule.json/xml);
    #: empty: derived from `id`
    acronym: str = ""
    #: the `venue` key: where the festival as a whole takes place (a campus, a convention
    #: centre), and its `city`, as conference apps show them; empty city: the venues' one
    #: city, if they share it
    site: str = field(default="", metadata={"key": "venue"})
    city: str = ""
    #: who runs it, and a picture of it (web address), for search engines and link previews
    organizer: str = ""
    image: str = ""
    #: what attendees chose to see, from the `interest` file (`scheduler.interest`)
    interest: tuple[Choice, ...] = field(default=(), compare=False, repr=False)
    # tables of their own in the definition, not keys of [festival]
    tracks: tuple[Track, ...] = field(default=(), metadata={"key": None, "table": True})
    venues: tuple[Venue, ...] = field(default=(), metadata={"key": None, "table": True})
    people: tuple[Person, ...] = field(default=(), metadata={"key": None, "table": True})
    sessions: tuple[Session, ...] = field(default=(), metadata={"key": None, "table": True})
    weights: Weights = field(default=Weights(), metadata={"key": None, "table": True})
    together: tuple[Together, ...] = field(default=(), metadata={"key": None, "table": True})
    travel: Travel = field(default=Travel(), metadata={"key": None, "table": True})
    blocks: tuple[Block, ...] = field(default=(), metadata={"key": None, "table": True})
    limits: tuple[Limit, ...] = field(default=(), metadata={"key": None, "table": True})
    order: tuple[Order, ...] = field(default=(), metadata={"key": None, "table": True})
    rewards: tuple[Reward, ...] = field(default=(), metadata={"key": None, "table": True})
    #: the file it was read from, for messages
    source: str = field(default="", metadata={"key": None})
    #: key path (e.g. "sessions[3].duration") → line in `source`
    lines: Mapping[str, int] = field(
        default_factory=dict, compare=False, repr=False, metadata={"key": None}
    )

    def weight(self, goal: str) -> int:
        """The weight of soft goal `goal` (`Weights.of`); `together` weighs each group by
        its own weight, so its penalty is already weighted and its weight is 1 (0 when no
        group has a weight)."""
        if goal == "together":
            return int(any(group.weight for group in self.together))
        if goal == "limits":
            return int(any(limit.weight for limit in self.limits))
        if goal == "order":
            return int(any(order.weight for order in self.order))
        return self.weights.of(goal)

    def must_follow(self) -> dict[str, tuple[str, ...]]:
        """For each session, the sessions it must start after: its `after`, and the
        `first` of each `[[order]]` without a weight whose `then` lists it."""
        found = {s.id: list(s.after) for s in self.sessions}
        for order in self.order:
            if order.weight is None:
                for first, then in order.pairs():
                    if then in found and first not in found[then]:
                        found[then].append(first)
        return {sid: tuple(ids) for sid, ids in found.items()}

    def popularity(self) -> dict[str, int]:
        """How many attendees want each session (`[weights] popular_rooms`): those who
        chose it in the interest file; without one, its `popularity`, else `attendance`."""
        if self.interest:
            chosen = Counter(sid for c in self.interest for sid in dict.fromkeys(c.sessions))
            return {s.id: chosen[s.id] for s in self.sessions}
        return {s.id: s.attendance if s.popularity is None else s.popularity for s in self.sessions}

    def pair_weight(self, weight: int, a: Session, b: Session) -> int:
        """What a pair of sessions out of place costs under `weight`: the weight, or with
        `overlap = "minutes"` the weight for each minute of the two sessions."""
        return weight * (a.duration + b.duration) if self.overlap == "minutes" else weight

    def track(self, track_id: str) -> Track:
        return self.tracks_by_id[track_id]

    def venue(self, venue_id: str) -> Venue:
        return self.venues_by_id[venue_id]

    def person(self, person_id: str) -> Person:
        return self.people_by_id[person_id]

    def session(self, session_id: str) -> Session:
        return self.sessions_by_id[session_id]

    def __getstate__(self) -> dict[str, object]:
        """Pickled and copied without the id maps below: rebuilt on first use."""
        return {k: v for k, v in self.__dict__.items() if not k.endswith("_by_id")}

    # id → object, built on first use (a frozen festival never changes; `replace` makes a
    # new one with none built); the first of a repeated id, as a definition's check finds
    # it. Read them rather than building maps of one's own.
    @cached_property
    def tracks_by_id(self) -> Mapping[str, Track]:
        return MappingProxyType(_first_by_id(self.tracks))

    @cached_property
    def venues_by_id(self) -> Mapping[str, Venue]:
        return MappingProxyType(_first_by_id(self.venues))

    @cached_property
    def people_by_id(self) -> Mapping[str, Person]:
        return MappingProxyType(_first_by_id(self.people))

    @cached_property
    def sessions_by_id(self) -> Mapping[str, Session]:
        return MappingProxyType(_first_by_id(self.sessions))

    def only(self, ids: Collection[str]) -> Festival:
        """This festival with the sessions `ids` alone: their `after` and `not_with` keep
        the others among them, `together` groups their members among them (a `block` none
        unless whole: its sessions run back to back), and no attendees' choices. What its
        hard rules cannot keep, no timetable of the whole keeps."""
        sessions = tuple(
            replace(
                s,
                after=tuple(b for b in s.after if b in ids),
                not_with=tuple(o for o in s.not_with if o in ids),
            )
            for s in self.sessions
            if s.id in ids
        )
        groups = []
        for group in self.together:  # each kept in its place, so that keys stay as they are
            members = tuple(sid for sid in group.sessions if sid in ids)
            whole = len(members) == len(group.sessions) or group.same != "block"
            groups.append(replace(group, sessions=members if whole else ()))
        return replace(
            self,
            sessions=sessions,
            together=tuple(groups),
            order=tuple(o.among(ids) for o in self.order),
            interest=(),
        )


@dataclass(frozen=True)
class Placement:
    """Where and when one session happens (instants)."""

    session: str
    venue: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Timetable:
    festival: str  # the festival id
    placements: tuple[Placement, ...]
    #: OPTIMAL (proven best) or FEASIBLE; a timetable built without a solve (known places,
    #: a published plan read back) claims no proof
    status: Status = Status.FEASIBLE
    objective: int | None = None
    bound: int | None = None
    penalties: Mapping[str, int] = field(default_factory=dict)
    #: with a published plan: "moved" sessions and each kind of move
    moves: Mapping[str, int] = field(default_factory=dict)

    def placement(self, session_id: str) -> Placement:
        return next(p for p in self.placements if p.session == session_id)


@dataclass(frozen=True)
class Violation:
    """One broken rule: `rule` is its name in `scheduler.rules`, e.g. `venues.closed`."""

    rule: str
    message: str
    sessions: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.rule}: {self.message}"


@dataclass(frozen=True)
class Entry:
    """One session as published: what every feed shows, with its revision.

    Cancelled sessions (removed from the definition) keep what was last
    published, so their ids may no longer be in the festival.
    """

    session: str
    title: str
    track: str | None
    venue: str
    location: str  # venue name and address, as shown in calendars
    city: str
    start: datetime  # an instant (UTC)
    end: datetime
    people: tuple[str, ...]
    description: str
    status: Literal["CONFIRMED", "CANCELLED"]
    sequence: int
    last_modified: datetime  # aware, UTC
    digest: str  # hash of what calendars show; a change updates `last_modified`
    #: the event's number in conference-app exports: stable for the life of the festival
    number: int = 0
    #: where it started before the last re-plan that moved it (None: never moved)
    previous_start: datetime | None = None
    subtitle: str = ""
    abstract: str = ""
