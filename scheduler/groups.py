"""Definition tables about groups of sessions: `[[together]]`, `[[limits]]`, `[[order]]`,
and `[[blocks]]` (which track a block of a venue holds)."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Literal, get_args

#: what a `[[together]]` group keeps its sessions to: `same` in the definition
TogetherMode = Literal["day", "venue", "venue-day", "venue-each-day", "block"]
TOGETHER_MODES: tuple[str, ...] = get_args(TogetherMode)
#: how a weighted `[[together]]` counts: `count` in the definition
TogetherCount = Literal["extra", "pairs"]
TOGETHER_COUNTS: tuple[str, ...] = get_args(TogetherCount)


@dataclass(frozen=True)
class Together:
    """Sessions kept together: on one day, in one venue, both, in one venue on each day
    ("venue-each-day": those of one day share a venue), or as a block.

    A "block" runs back to back in one venue in the order listed: each session starts
    after the previous one's end plus the venue's changeover, sooner than one `step`
    later. Without a `weight` the group is a hard rule; with one, each extra day or
    venue beyond the first (a day's extra venues for "venue-each-day"), or each broken
    link of a block, costs the weight; with `count = "pairs"`, each pair of its sessions
    that breaks `same` does.
    """

    #: the sessions, in order (a `track` is read into its sessions, in definition order)
    sessions: tuple[str, ...]
    same: TogetherMode
    weight: int | None = None
    track: str | None = None
    count: TogetherCount = "extra"

    @property
    def same_day(self) -> bool:
        """Its sessions share a day ("day", "venue-day")."""
        return self.same in ("day", "venue-day")

    @property
    def same_venue(self) -> bool:
        """Its sessions share a venue ("venue", "venue-day")."""
        return self.same in ("venue", "venue-day")


@dataclass(frozen=True)
class Limit:
    """`[[limits]]`: at most `at_once` sessions with `tag` run at any instant (crowd
    control, a shared crew). Without a `weight` a hard rule; with one, each session that
    starts while `at_once` or more others with the tag are running costs the weight for
    each one beyond `at_once - 1` (of sessions starting together, the one listed later in
    the definition starts second)."""

    tag: str
    at_once: int
    weight: int | None = None


@dataclass(frozen=True)
class Order:
    """`[[order]]`: every `then` session should start once every `first` session has
    ended (a course's beginner talks before its advanced ones). Without a `weight` a hard
    rule, as `after`; with one, each (first, then) pair out of order costs the weight."""

    first: tuple[str, ...]
    then: tuple[str, ...]
    weight: int | None = None

    def pairs(self) -> Iterator[tuple[str, str]]:
        """Each (first, then) pair it orders."""
        return ((a, b) for a in self.first for b in self.then)

    def among(self, ids: Collection[str]) -> Order:
        """This order between the sessions `ids` alone."""
        return replace(
            self,
            first=tuple(a for a in self.first if a in ids),
            then=tuple(b for b in self.then if b in ids),
        )


#: what a `[[rewards]]` rewards in sessions side by side: `when` in the definition
RewardWhen = Literal["differ", "share"]
REWARD_WHENS: tuple[str, ...] = get_args(RewardWhen)


@dataclass(frozen=True)
class Reward:
    """`[[rewards]]`: sessions side by side (same start and end) earn `weight` when they
    differ in `tags` (each has some of them, not the same ones: a choice of levels or
    languages in every slot) or for each of `tags` they share (an audience finds two
    choices). What a timetable misses of the rewards its sessions could earn is its
    penalty, so that every penalty stays at least zero."""

    tags: tuple[str, ...]
    when: RewardWhen
    weight: int

    def earns(self, a: frozenset[str] | set[str], b: frozenset[str] | set[str]) -> int:
        """What two sessions with tags `a` and `b` earn side by side, before minutes."""
        mine, theirs = set(self.tags) & set(a), set(self.tags) & set(b)
        if self.when == "share":
            return self.weight * len(mine & theirs)
        return self.weight if mine and theirs and mine != theirs else 0


@dataclass(frozen=True)
class Block:
    """`[[blocks]]`: the track that one block of a venue on one date holds."""

    venue: str
    date: date
    #: the `time` key: the block's window, as listed in the venue's `blocks`
    window: tuple[int, int] = field(metadata={"key": "time"})
    track: str
