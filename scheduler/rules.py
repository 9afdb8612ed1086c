"""Every rule and goal of a festival definition, under the one name everything uses.

The validator's violation labels, the infeasibility explanation (`check
--explain`, `festival plan` exit 1), the change report's reasons and the rule
table in `docs/definition.md` all say a rule's `name` from `RULES`. A rule's
`keys` are the definition keys that state it, as users write them; a rule no key
states (one city per day) still has a name here, and the docs list it.

Adding a rule starts here: see "Adding a rule" in docs/development.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """What a rule is to the planner."""

    HARD = "hard"  # every timetable keeps it; an explanation may name it
    REPLAN = "replan"  # hard while re-planning: what may not move
    SOFT = "soft"  # a goal: each miss costs its weight in [weights]
    MOVE = "move"  # re-planning: what each kind of move from the published plan costs
    SHAPE = "shape"  # what every timetable is made of: each session once, on the grid


@dataclass(frozen=True)
class Rule:
    """One rule family: its name, the keys that state it, what it asks, and its kind."""

    name: str
    keys: tuple[str, ...]
    text: str
    kind: Kind
    #: a hard rule that becomes a soft goal, under the same name, where the definition
    #: gives it a weight (`[[together]]` with `weight`)
    weighed: bool = False
    #: a soft goal whose cost is the sum of each session's own, wherever the others are
    #: (a place's wishes, its room's fit); the others weigh pairs or groups of sessions,
    #: so that a neighbourhood step must see every day they may tie together
    per_session: bool = False
    #: a hard rule that ties a session to particular others (by id, person, audience,
    #: group, or the room or block they share): placing a session first fit left out
    #: means freeing those others too (`solver.repair`)
    ties: bool = False


RULES: tuple[Rule, ...] = (
    # --- the shape of every timetable -------------------------------------------
    Rule(
        "timetable.complete",
        ("sessions", "venues"),
        "Every session of the definition is placed exactly once, in a venue of the definition.",
        Kind.SHAPE,
    ),
    Rule(
        "sessions.duration",
        ("sessions.duration",),
        "A session lasts exactly its duration (elapsed time, across clock changes).",
        Kind.SHAPE,
    ),
    Rule(
        "festival.window",
        ("festival.start", "festival.end"),
        "Sessions fall between the festival's `start` and `end` dates.",
        Kind.SHAPE,
    ),
    Rule(
        "sessions.one_day",
        (),
        "A session starts and ends on the same day: none runs past midnight.",
        Kind.SHAPE,
    ),
    Rule(
        "festival.step",
        ("festival.step",),
        "Sessions start on the `step` grid of the wall clock (every 30 minutes by default).",
        Kind.SHAPE,
    ),
    # --- hard rules ---------------------------------------------------------------
    Rule(
        "festival.days",
        ("festival.days", "festival.workdays_fallback"),
        "Sessions fall only on the days the `days` rule allows (all, weekdays, workdays).",
        Kind.HARD,
    ),
    Rule(
        "festival.blackout",
        ("festival.blackout",),
        "No session falls on a blackout date.",
        Kind.HARD,
    ),
    Rule(
        "festival.max_sessions_per_day",
        ("festival.max_sessions_per_day",),
        "No day holds more sessions than `max_sessions_per_day`.",
        Kind.HARD,
    ),
    Rule(
        "festival.exclusive_tags",
        ("festival.exclusive_tags", "sessions.tags"),
        "Sessions that share an exclusive tag (an audience) never overlap.",
        Kind.HARD,
        ties=True,
    ),
    Rule(
        "venues.hours",
        ("venues.hours",),
        "A session lies inside its venue's opening hours.",
        Kind.HARD,
    ),
    Rule(
        "venues.slots",
        ("venues.slots", "sessions.span"),
        "In a venue with `slots`, a session starts at a slot and ends by the end of the "
        "`span`-th slot from it (one slot by default): no slot holds two sessions.",
        Kind.HARD,
    ),
    Rule(
        "venues.blocks",
        ("venues.blocks", "festival.one_track_per_block", "blocks"),
        "In a venue with `blocks`, a session lies inside one block; with "
        "`one_track_per_block`, or a `[[blocks]]` entry, a block's sessions share one track.",
        Kind.HARD,
        ties=True,
    ),
    Rule(
        "venues.closed",
        ("venues.closed",),
        "A session does not overlap a closure of its venue.",
        Kind.HARD,
    ),
    Rule(
        "venues.changeover",
        ("venues.changeover",),
        "A venue holds one session at a time, at least `changeover` minutes apart.",
        Kind.HARD,
        ties=True,
    ),
    Rule(
        "venues.capacity",
        ("venues.capacity", "sessions.attendance"),
        "A session's expected `attendance` fits its venue's `capacity`.",
        Kind.HARD,
    ),
    Rule(
        "sessions.needs",
        ("sessions.needs", "venues.features"),
        "A session's venue has every feature it `needs`.",
        Kind.HARD,
    ),
    Rule(
        "sessions.cities",
        ("sessions.cities",),
        "A session with `cities` is held in one of them.",
        Kind.HARD,
    ),
    Rule(
        "sessions.venues",
        ("sessions.venues",),
        "A session with `venues` is held in one of them.",
        Kind.HARD,
    ),
    Rule(
        "sessions.earliest",
        ("sessions.earliest",),
        "A session starts at or after its `earliest`.",
        Kind.HARD,
    ),
    Rule(
        "sessions.latest",
        ("sessions.latest",),
        "A session ends by its `latest`.",
        Kind.HARD,
    ),
    Rule(
        "sessions.fixed",
        ("sessions.fixed",),
        "A session with `fixed` starts then (and, if given, in that venue).",
        Kind.HARD,
    ),
    Rule(
        "sessions.after",
        ("sessions.after",),
        "A session starts after every session in its `after` list has ended.",
        Kind.HARD,
        ties=True,
    ),
    Rule(
        "order",
        ("order.first", "order.then", "order.weight"),
        "Every `then` session of an `[[order]]` starts after every `first` session ends; "
        "with a `weight`, a goal: each pair out of order costs it.",
        Kind.HARD,
        weighed=True,
        ties=True,
    ),
    Rule(
        "sessions.not_with",
        ("sessions.not_with",),
        "A session never overlaps the sessions in its `not_with` list.",
        Kind.HARD,
        ties=True,
    ),
    Rule(
        "limits",
        ("limits.tag", "limits.at_once", "limits.weight"),
        "At most `at_once` sessions with the tag of a `[[limits]]` run at any instant; "
        "with a `weight`, a goal: each session starting beyond the limit costs it.",
        Kind.HARD,
        weighed=True,
        ties=True,
    ),
    Rule(
        "sessions.plenary",
        ("sessions.plenary",),
        "No other session overlaps a `plenary` session in its city.",
        Kind.HARD,
        ties=True,
    ),
    Rule(
        "sessions.runs",
        ("sessions.runs", "sessions.runs_same_day"),
        "The runs of a session never overlap, and fall on different days unless `runs_same_day`.",
        Kind.HARD,
        ties=True,
    ),
    Rule(
        "sessions.unavailable",
        ("sessions.unavailable",),
        "A session does not run while it is `unavailable`.",
        Kind.HARD,
    ),
    Rule(
        "people.break",
        ("people.break", "festival.break", "sessions.people"),
        "A person is in one session at a time, with at least their `break` minutes between two.",
        Kind.HARD,
        ties=True,
    ),
    Rule(
        "travel",
        ("travel.same_city", "travel.between"),
        "A person's sessions in two venues are at least the travel time between them apart, "
        "on top of their `break`.",
        Kind.HARD,
        ties=True,
    ),
    Rule(
        "people.unavailable",
        ("people.unavailable",),
        "A person is in no session while `unavailable`.",
        Kind.HARD,
    ),
    Rule(
        "together",
        (
            "together.sessions",
            "together.track",
            "together.same",
            "together.weight",
            "together.count",
        ),
        "The sessions of a `[[together]]` share a day, a venue, both, a venue on each day, "
        "or run as a block; with a `weight`, each extra day or venue, each broken link of "
        'a block, or (`count = "pairs"`) each pair apart costs it.',
        Kind.HARD,
        ties=True,
        weighed=True,
    ),
    Rule(
        "people.one_city_per_day",
        ("sessions.people", "venues.city"),
        "A person is in one city per day (no key states it: it always holds).",
        Kind.HARD,
        ties=True,
    ),
    # --- re-planning --------------------------------------------------------------
    Rule(
        "sessions.pinned",
        ("sessions.pinned",),
        "A pinned session stays where it was published.",
        Kind.REPLAN,
    ),
    Rule(
        "--freeze-until",
        (),
        "With `festival plan --freeze-until DATE`, sessions published before DATE stay.",
        Kind.REPLAN,
    ),
    Rule(
        "moved_date",
        ("weights.moved_date",),
        "Each published session moved to another date costs the weight.",
        Kind.MOVE,
    ),
    Rule(
        "moved_time",
        ("weights.moved_time",),
        "Each published session moved to another time on its date costs the weight.",
        Kind.MOVE,
    ),
    Rule(
        "moved_venue",
        ("weights.moved_venue",),
        "Each published session moved to another venue costs the weight.",
        Kind.MOVE,
    ),
    # --- soft goals ---------------------------------------------------------------
    Rule(
        "spread",
        ("weights.spread", "festival.spread_days"),
        "Each pair of sessions within `spread_days` consecutive festival days costs the weight.",
        Kind.SOFT,
    ),
    Rule(
        "track_days",
        ("weights.track_days", "sessions.track"),
        "Each pair of sessions of one track on the same day costs the weight.",
        Kind.SOFT,
    ),
    Rule(
        "prefer_date",
        ("weights.prefer_date", "sessions.prefer.dates"),
        "Each session held outside its preferred dates costs the weight.",
        Kind.SOFT,
        per_session=True,
    ),
    Rule(
        "prefer_venue",
        ("weights.prefer_venue", "sessions.prefer.venues"),
        "Each session held outside its preferred venues costs the weight.",
        Kind.SOFT,
        per_session=True,
    ),
    Rule(
        "prefer_time",
        ("weights.prefer_time", "sessions.prefer.time"),
        "Each session not inside its preferred time of day costs the weight.",
        Kind.SOFT,
        per_session=True,
    ),
    Rule(
        "prefer",
        ("sessions.prefer", "weights.prefer"),
        "Each entry of a session's `prefer` list that its place misses costs the entry's "
        "`weight` (times `[weights] prefer`).",
        Kind.SOFT,
        per_session=True,
    ),
    Rule(
        "avoid",
        ("sessions.avoid", "weights.avoid"),
        "Each entry of a session's `avoid` list that its place meets costs the entry's "
        "`weight` (times `[weights] avoid`).",
        Kind.SOFT,
        per_session=True,
    ),
    Rule(
        "tag_overlap",
        ("weights.tag_overlap", "sessions.tags"),
        "Each pair of sessions that share a tag of `tag_overlap` and overlap costs that tag's "
        "weight.",
        Kind.SOFT,
    ),
    Rule(
        "person_days",
        ("weights.person_days", "sessions.people"),
        "Each day a person attends beyond the fewest their sessions could need costs the weight.",
        Kind.SOFT,
    ),
    Rule(
        "person_span",
        ("weights.person_span", "sessions.people"),
        "Each day from a person's first session to their last beyond two costs the weight.",
        Kind.SOFT,
    ),
    Rule(
        "attendee_clash",
        ("weights.attendee_clash", "festival.interest"),
        "Each attendee and pair of sessions they chose (`interest`) that overlap costs the weight.",
        Kind.SOFT,
    ),
    Rule(
        "room_fit",
        ("weights.room_fit", "sessions.attendance", "venues.capacity"),
        "Each whole percent of its venue's seats a session leaves empty costs the weight.",
        Kind.SOFT,
        per_session=True,
    ),
    Rule(
        "rewards",
        ("rewards.tags", "rewards.when", "rewards.weight"),
        "Sessions side by side (same start and end) earn a `[[rewards]]` weight when they "
        "differ in its tags or per tag they share; each reward missed costs it.",
        Kind.SOFT,
    ),
    Rule(
        "popular_rooms",
        ("weights.popular_rooms", "sessions.popularity", "festival.interest"),
        "Each pair of sessions where the more popular one has a room with fewer seats "
        'costs the weight (per minute of both with `overlap = "minutes"`).',
        Kind.SOFT,
    ),
)

BY_NAME: dict[str, Rule] = {rule.name: rule for rule in RULES}


def named(name: str) -> str:
    """`name`, checked against the registry (a misspelt rule name fails loudly)."""
    if name not in BY_NAME:
        raise KeyError(f"{name!r} is not a rule in scheduler.rules.RULES")
    return name


def names(*kinds: Kind) -> tuple[str, ...]:
    """The names of the rules of these kinds, in registry order."""
    return tuple(rule.name for rule in RULES if rule.kind in kinds)


def goals() -> tuple[str, ...]:
    """Every soft goal: the soft rules, then the hard rules that a weight makes soft."""
    return names(Kind.SOFT) + tuple(rule.name for rule in RULES if rule.weighed)


def spanning_goals() -> tuple[str, ...]:
    """The soft goals not counted per session (`Rule.per_session`), in registry order,
    then the weighed hard rules (each weighs a group or a pair of sessions)."""
    soft = tuple(r.name for r in RULES if r.kind == Kind.SOFT and not r.per_session)
    return soft + tuple(r.name for r in RULES if r.weighed)


def table() -> str:
    """The registry as a Markdown table, for `docs/definition.md`."""
    lines = ["| Rule | Kind | Stated by | What it asks |", "|---|---|---|---|"]
    for rule in RULES:
        keys = ", ".join(f"`{key}`" for key in rule.keys) or "–"
        kind = f"{rule.kind} or soft" if rule.weighed else rule.kind
        lines.append(f"| `{rule.name}` | {kind} | {keys} | {rule.text} |")
    return "\n".join(lines)
