"""Where each key of a TOML definition stands: key path → line.

The positions come from a real TOML parser (tree-sitter's TOML grammar); this
module only walks its syntax tree, iteratively, so any nesting depth and any
bracket inside a string are harmless. Key paths are written as users read them
in messages: `festival.timezone`, `sessions[3].duration`, `sessions[0].fixed.start`,
`venues[1].closed[2]`.

Nothing is parsed until a line is asked for: a definition that loads cleanly
never pays for it.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

#: the last part of a key path: `.key` or `[index]`
PARENT = re.compile(r"(\.[^.\[\]]+|\[\d+\])$")


@cache
def _parser() -> Any:
    import tree_sitter
    import tree_sitter_toml

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_toml.language()))


class KeyLines(Mapping[str, int]):
    """The 1-based line of every key path of a TOML text, found on first use."""

    def __init__(self, text: str = ""):
        # kept as UTF-8 until asked: a str of non-ASCII text takes up to 4 bytes a character
        # (7 MB for an imported 1.7 MB definition), and the parser reads bytes anyway
        self._data = text.encode("utf-8", "surrogatepass")
        self._lines: dict[str, int] | None = None

    def _table(self) -> dict[str, int]:
        if self._lines is None:
            self._lines = _key_lines(self._data) if self._data else {}
            self._data = b""
        return self._lines

    def __getitem__(self, path: str) -> int:
        return self._table()[path]

    def __iter__(self) -> Iterator[str]:
        return iter(self._table())

    def __len__(self) -> int:
        return len(self._table())

    def line(self, path: str) -> int | None:
        """The line of `path`, or of the nearest enclosing key or table that has one."""
        table = self._table()
        probe = path
        while probe:
            if probe in table:
                return table[probe]
            shorter = PARENT.sub("", probe)
            if shorter == probe:
                return None
            probe = shorter
        return None


def _key_segments(node: Any) -> list[str]:
    """The parts of a bare, quoted or dotted key node, decoded."""
    parts: list[str] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type == "dotted_key":
            stack.extend(reversed([c for c in current.children if c.type != "."]))
        elif current.type == "quoted_key":
            text = current.text.decode("utf-8", "replace")
            try:
                parts.extend(tomllib.loads(f"{text} = 0"))
            except tomllib.TOMLDecodeError:
                parts.append(text.strip("\"'"))
        else:
            parts.append(current.text.decode("utf-8", "replace"))
    return parts


def _join(prefix: str, part: str) -> str:
    return f"{prefix}.{part}" if prefix else part


def _key_lines(data: bytes) -> dict[str, int]:
    tree = _parser().parse(data)
    lines: dict[str, int] = {}
    counters: dict[str, int] = {}  # array-of-tables path → index of its last element

    def resolve(parts: list[str]) -> str:
        """A header's parent path, entering the last element of arrays of tables."""
        path = ""
        for part in parts:
            path = _join(path, part)
            if path in counters:
                path = f"{path}[{counters[path]}]"
        return path

    # (node, path of the table or value it belongs to)
    stack: list[tuple[Any, str]] = []
    for child in reversed(tree.root_node.children):
        stack.append((child, ""))
    while stack:
        node, prefix = stack.pop()
        kind = node.type
        if kind in ("table", "table_array_element"):
            key = next((c for c in node.children if c.type.endswith("key")), None)
            if key is None:
                continue
            parts = _key_segments(key)
            base = _join(resolve(parts[:-1]), parts[-1])
            if kind == "table_array_element":
                counters[base] = counters.get(base, -1) + 1
                base = f"{base}[{counters[base]}]"
            lines.setdefault(base, node.start_point.row + 1)
            stack.extend((c, base) for c in reversed(node.children) if c.type == "pair")
        elif kind == "pair":
            key = node.children[0] if node.children else None
            if key is None or not key.type.endswith("key"):
                continue
            path = prefix
            for part in _key_segments(key):
                path = _join(path, part)
                lines.setdefault(path, node.start_point.row + 1)
            value = node.children[-1]
            if value.type in ("inline_table", "array"):
                stack.append((value, path))
        elif kind == "inline_table":
            stack.extend((c, prefix) for c in reversed(node.children) if c.type == "pair")
        elif kind == "array":
            items = [c for c in node.children if c.type not in ("[", "]", ",", "comment")]
            for index in reversed(range(len(items))):
                item = f"{prefix}[{index}]"
                lines.setdefault(item, items[index].start_point.row + 1)
                if items[index].type in ("inline_table", "array"):
                    stack.append((items[index], item))
    return lines
