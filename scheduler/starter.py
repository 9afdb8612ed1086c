"""A starter definition for a programme of one's own (`festival init`)."""

from __future__ import annotations

import importlib.resources
from pathlib import Path

from .errors import BadInput

#: where `festival plan` without a CONFIG looks first, relative to the folder it runs in
DEFINITION = Path("config") / "festival.toml"


def text() -> bytes:
    """The starter: one venue, one person, three sessions, and where every key is told."""
    return (importlib.resources.files("scheduler") / "starter.toml").read_bytes()


def write(folder: Path) -> Path:
    """Write the starter to `folder`/config/festival.toml and return that path; never
    replaces a file (`BadInput` if one is there, or the folder cannot be written)."""
    target = folder / DEFINITION
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("xb") as file:
            file.write(text())
    except FileExistsError:
        raise BadInput(f"{target} already exists; edit it, or remove it first") from None
    except OSError as error:
        raise BadInput(f"cannot write {target}: {error.strerror or error}") from None
    return target
