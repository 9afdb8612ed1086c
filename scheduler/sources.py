"""A definition's files as text and TOML tables: the file itself, the one it includes
(combined by `scheduler.includes`), and every file a watch must follow.

Each problem is a located `ConfigError`, as `config` reports them.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from . import files, includes
from .values import ConfigError, Problem, Reader, show

#: the largest definition read, in bytes (the largest real programmes take well under 1 MB)
MAX_BYTES = 64 * 2**20


def read(path: Path, named_at: tuple[str, int | None, str] | None = None) -> str:
    """The text of the definition at `path`; `named_at` is where an `include` names it."""
    where = named_at or (str(path), None, "")
    try:
        return files.read_bounded(path, MAX_BYTES).decode("utf-8-sig")
    except files.Unreadable as error:
        reason = f"{path}: {error.reason}" if named_at else error.reason
        raise ConfigError([Problem(*where, reason)]) from None
    except UnicodeDecodeError as error:
        reason = f"is not UTF-8 text ({error.reason} at byte {error.start})"
        raise ConfigError([Problem(str(path), None, "", reason)]) from None


def files_read(path: str | Path) -> list[Path]:
    """The definition at `path` and every file it names (the file it includes, the
    `interest` file), as far as they can be told without checking the definition: what
    a watch must follow."""
    path = Path(path)
    found = [path]
    raw = tables_if_readable(path)
    head = raw.get("festival")
    name = raw.get("include")
    if _is_name(name):
        found.append(path.parent / name)
        included = tables_if_readable(found[-1]).get("festival")
        if isinstance(included, dict) and isinstance(head, dict):
            head = included | head
        elif isinstance(included, dict):
            head = included
    name = head.get("interest") if isinstance(head, dict) else None
    if _is_name(name):
        found.append(path.parent / name)
    return found


def _is_name(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip()) and "\0" not in value


def tables_if_readable(path: Path) -> dict[str, Any]:
    """The TOML tables of the file at `path`, or none where it cannot be read as TOML."""
    try:
        return tomllib.loads(files.read_bounded(path, MAX_BYTES).decode("utf-8-sig"))
    except (files.Unreadable, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        return {}
    except ValueError:  # an integer of more digits than Python converts
        return {}


def parse(text: str, source: str) -> dict[str, Any]:
    """The TOML text `text` as tables; `ConfigError` if it is not TOML or holds nothing."""
    try:
        raw = tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        line = re.search(r"line (\d+)", message)
        problem = Problem(
            source, int(line.group(1)) if line else None, "", f"not valid TOML: {message}"
        )
        raise ConfigError([problem]) from None
    except RecursionError:
        raise ConfigError(
            [Problem(source, None, "", "arrays or tables are nested too deeply to read")]
        ) from None
    except ValueError:  # an integer of more digits than Python converts
        raise ConfigError(
            [Problem(source, None, "", "not valid TOML: a number has thousands of digits")]
        ) from None
    if not raw:
        raise ConfigError(
            [
                Problem(
                    source,
                    None,
                    "",
                    "holds no definition; expected a [festival] table, [[venues]] and "
                    "[[sessions]] (see docs/definition.md)",
                )
            ]
        )
    return raw


def with_included(raw: dict[str, Any], r: Reader) -> dict[str, Any]:
    """`raw` combined with the definition its `include` names (`scheduler.includes`)."""
    name = raw["include"]
    if not _is_name(name):
        r.fail("include", f"{show(name)} is not a file name; expected the path of a definition")
        return {k: v for k, v in raw.items() if k != "include"}
    folder = Path(r.source).parent if not r.source.startswith("<") else Path()
    path = folder / name
    text = read(path, r.lines.locate("include"))
    included = parse(text, str(path))
    if "include" in included:
        line = Reader(str(path), text).lines.line("include")
        reason = "an included definition includes no other; expected its keys here instead"
        raise ConfigError([Problem(str(path), line, "include", reason)])
    return includes.combine(included, raw, r.lines, str(path), text)
