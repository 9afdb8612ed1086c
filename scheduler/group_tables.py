"""Reading the definition's tables about groups of sessions (`[[together]]`,
`[[limits]]`, `[[order]]`, `[[rewards]]`, `[[blocks]]`) into `scheduler.groups`, each
problem located by the `Reader`."""

from __future__ import annotations

from datetime import date
from typing import Any

from .groups import (
    REWARD_WHENS,
    TOGETHER_COUNTS,
    TOGETHER_MODES,
    Block,
    Limit,
    Order,
    Reward,
    Together,
)
from .values import Reader, keys_of, show

TOGETHER_KEYS = keys_of(Together)
LIMIT_KEYS = keys_of(Limit)
ORDER_KEYS = keys_of(Order)
REWARD_KEYS = keys_of(Reward)
BLOCK_KEYS = keys_of(Block)


def together(t: dict[str, Any], p: str, r: Reader) -> Together:
    r.check_keys(t, TOGETHER_KEYS, p)
    same = r.get(t, "same", p, r.text, default="day", required=True)
    if same not in TOGETHER_MODES:
        r.fail(
            f"{p}.same",
            f"{show(same)} is not a way to keep sessions together; expected one of: "
            + ", ".join(f'"{mode}"' for mode in TOGETHER_MODES),
        )
    if ("sessions" in t) == ("track" in t):
        r.fail(p, 'expected either sessions = [...] or track = "<id>", not both or neither')
    sessions = r.get(t, "sessions", p, r.slugs, default=())
    if "sessions" in t and len(set(sessions)) < 2:
        r.fail(f"{p}.sessions", "expected at least two different session ids")
    elif len(set(sessions)) < len(sessions):
        r.fail(f"{p}.sessions", "lists a session twice; expected each once")
    count = r.get(t, "count", p, r.one_of(*TOGETHER_COUNTS), default="extra")
    if count == "pairs" and same == "block":
        r.fail(
            f"{p}.count",
            'a block counts its broken links; expected count = "extra" (the default) '
            'with same = "block"',
        )
    return Together(
        sessions=sessions,
        same=same,
        weight=r.get(t, "weight", p, r.weight),
        track=r.get(t, "track", p, r.slug),
        count=count,
    )


def limit(t: dict[str, Any], p: str, r: Reader) -> Limit:
    r.check_keys(t, LIMIT_KEYS, p)
    return Limit(
        tag=r.get(t, "tag", p, r.line, default="", required=True),
        at_once=r.get(t, "at_once", p, r.positive, default=1, required=True),
        weight=r.get(t, "weight", p, r.weight),
    )


def order(t: dict[str, Any], p: str, r: Reader) -> Order:
    r.check_keys(t, ORDER_KEYS, p)
    first = r.get(t, "first", p, r.slugs, default=(), required=True)
    then = r.get(t, "then", p, r.slugs, default=(), required=True)
    for key, ids in (("first", first), ("then", then)):
        if not ids:
            r.fail(f"{p}.{key}", "is empty; expected at least one session id")
        elif len(set(ids)) < len(ids):
            r.fail(f"{p}.{key}", "lists a session twice; expected each once")
    both = sorted(set(first) & set(then))
    if both:
        r.fail(
            f"{p}.then",
            f"{show(both[0])} is also in first; expected a session in one list or the other",
        )
    return Order(first=first, then=then, weight=r.get(t, "weight", p, r.weight))


def reward(t: dict[str, Any], p: str, r: Reader) -> Reward:
    r.check_keys(t, REWARD_KEYS, p)
    tags = r.get(t, "tags", p, r.texts, default=(), required=True)
    if "tags" in t and not tags:
        r.fail(f"{p}.tags", "is empty; expected at least one tag")
    return Reward(
        tags=tags,
        when=r.get(t, "when", p, r.one_of(*REWARD_WHENS), default="differ", required=True),
        weight=r.get(t, "weight", p, r.weight, default=0, required=True),
    )


def block(t: dict[str, Any], p: str, r: Reader) -> Block:
    """`[[blocks]]`: the track of one venue-block (checked against the venue later)."""
    r.check_keys(t, BLOCK_KEYS, p)
    return Block(
        venue=r.get(t, "venue", p, r.slug, default="?", required=True),
        date=r.get(t, "date", p, r.date, default=date.min, required=True),
        window=r.get(t, "time", p, r.clock_range, default=(0, 0), required=True),
        track=r.get(t, "track", p, r.slug, default="?", required=True),
    )
