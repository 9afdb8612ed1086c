"""A definition that includes another: `include = "event.pretalx.toml"`.

The included file holds what another tool owns (what `festival pretalx pull` writes,
rewritten on every pull); the including file holds the organiser's own keys, which a
re-pull never touches. They combine key by key, the including file winning:

- `[festival]`, `[weights]`, `[travel]`: each key of the including file replaces the
  included one;
- `[[tracks]]`, `[[venues]]`, `[[people]]`, `[[sessions]]`: an entry whose `id` the
  included file has adds its keys to that entry (its own replacing the included ones);
  any other entry comes after the included ones;
- `[[together]]`, `[[blocks]]`: the included file's, then the including file's.

`Locations` says for each key path of the combined definition which file and line state
it, and under which path that file has it, so that every message points at the file
the user has to change.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .keylines import PARENT, KeyLines

#: the arrays of tables whose entries combine by `id`
BY_ID = ("tracks", "venues", "people", "sessions")
#: the tables whose keys the including file replaces one by one
BY_KEY = ("festival", "weights", "travel")


class Locations(Mapping[str, int]):
    """Key path → line, for a definition read from one file or combined from two: the
    file (`locate`) and the path it has there come with the line."""

    def __init__(self, source: str, text: str) -> None:
        self.source = source
        self.files: dict[str, KeyLines] = {source: KeyLines(text)}
        #: combined path → (file, path in that file), for what did not come from `source`
        #: under its own path
        self.origin: dict[str, tuple[str, str]] = {}

    def locate(self, path: str) -> tuple[str, int | None, str]:
        """The file that states `path` (or the nearest enclosing key), its line there,
        and the path as that file has it."""
        probe, rest = path, ""
        while probe:
            if probe in self.origin:
                source, original = self.origin[probe]
                return source, self.files[source].line(original + rest), original + rest
            shorter = PARENT.sub("", probe)
            if shorter == probe:
                break
            rest, probe = probe[len(shorter) :] + rest, shorter
        return self.source, self.files[self.source].line(path), path

    def line(self, path: str) -> int | None:
        return self.locate(path)[1]

    def __getitem__(self, path: str) -> int:
        line = self.line(path)
        if line is None:
            raise KeyError(path)
        return line

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and self.line(path) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self.files[self.source])

    def __len__(self) -> int:
        return len(self.files[self.source])


def combine(
    included: dict[str, Any], main: dict[str, Any], locations: Locations, source: str, text: str
) -> dict[str, Any]:
    """The definition `main` (read from `locations.source`) with the included file's
    `included` (read from `source`, holding `text`) under it; records in `locations`
    where each combined key comes from."""
    locations.files[source] = KeyLines(text)
    origin = locations.origin

    def from_included(path: str) -> None:
        origin[path] = (source, path)

    def from_main(path: str, original: str) -> None:
        origin[path] = (locations.source, original)

    combined: dict[str, Any] = {}
    for key in included.keys() | main.keys():
        if key == "include":
            continue
        mine, theirs = main.get(key), included.get(key)
        if key not in main:
            combined[key] = theirs
            from_included(key)
        elif key not in included:
            combined[key] = mine
        elif key in BY_KEY and isinstance(mine, dict) and isinstance(theirs, dict):
            combined[key] = theirs | mine
            for inner in theirs.keys() - mine.keys():
                from_included(f"{key}.{inner}")
        elif isinstance(mine, list) and isinstance(theirs, list):
            combined[key] = _entries(key, theirs, mine, from_included, from_main)
        else:
            combined[key] = mine
    return {key: combined[key] for key in [*included, *main] if key in combined}


def _entries(key: str, theirs: list, mine: list, from_included: Any, from_main: Any) -> list:
    """The entries of the array of tables `key`: the included ones, each with the keys of
    the including file's entry of its `id` (`BY_ID`), then the including file's others."""
    entries = [dict(t) if isinstance(t, dict) else t for t in theirs]
    for i in range(len(entries)):
        from_included(f"{key}[{i}]")
    position = {
        entry["id"]: i
        for i, entry in enumerate(entries)
        if key in BY_ID and isinstance(entry, dict) and isinstance(entry.get("id"), str)
    }
    for j, entry in enumerate(mine):
        named = isinstance(entry, dict) and isinstance(entry.get("id"), str)
        target = position.get(entry["id"]) if named else None
        if target is None:
            from_main(f"{key}[{len(entries)}]", f"{key}[{j}]")
            entries.append(entry)
            continue
        entries[target].update(entry)
        for inner in entry:
            from_main(f"{key}[{target}].{inner}", f"{key}[{j}].{inner}")
    return entries
