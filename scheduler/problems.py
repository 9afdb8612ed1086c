"""Long lists of problems cut to what a reader can act on: the first few of each kind,
then how many more of that kind there were.

A problem's kind is its text with the particulars left out (quoted text and numbers),
so "event 4 'Talk': overlaps event 3 'Other' in room 'A'" and the same complaint about
two other events are one kind. Collecting through `Capped` keeps only what is shown,
so a file that repeats one mistake a million times costs a count, not a million lines.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

#: problems of one kind shown in full
MOST = 20
_QUOTED = re.compile(r"'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"")
_NUMBER = re.compile(r"\d+")

T = TypeVar("T")


def kind(text: str) -> str:
    """What a problem says, with its particulars (quoted text, numbers) left out."""
    return _NUMBER.sub("#", _QUOTED.sub("…", text))


def more_of_the_same(count: int) -> str:
    return f"… and {count:,} more of the same kind"


class Capped(Generic[T]):
    """Problems as they are found, keeping the first `most` of each kind (by `str(item)`)
    and counting the rest; `more(count, last_shown)` makes the line that says how many
    more of a kind there were."""

    def __init__(self, more: Callable[[int, T], T], most: int = MOST):
        self.more = more
        self.most = most
        self.kept: list[T] = []
        self.total = 0
        self._seen: Counter[str] = Counter()
        self._last: dict[str, int] = {}  # kind → index in `kept` of its last one shown

    def add(self, item: T) -> None:
        self.total += 1
        what = kind(str(item))
        self._seen[what] += 1
        if self._seen[what] <= self.most:
            self._last[what] = len(self.kept)
            self.kept.append(item)

    def extend(self, items: Iterable[T]) -> None:
        for item in items:
            self.add(item)

    def __len__(self) -> int:
        return self.total

    def __bool__(self) -> bool:
        return self.total > 0

    def items(self) -> list[T]:
        """The problems shown, each kind's "… and N more" after its last one."""
        after: dict[int, int] = {
            index: self._seen[what] - self.most
            for what, index in self._last.items()
            if self._seen[what] > self.most
        }
        shown: list[T] = []
        for index, item in enumerate(self.kept):
            shown.append(item)
            if index in after:
                shown.append(self.more(after[index], item))
        return shown


def capped(lines: Iterable[str], most: int = MOST) -> list[str]:
    """`lines` with at most `most` of each kind, each cut kind followed by how many more
    there were."""
    collected: Capped[str] = Capped(lambda count, _: f"  {more_of_the_same(count)}", most)
    collected.extend(lines)
    return collected.items()
