"""Write a set of output files into a folder, all or nothing.

Every file is first written into a temporary folder inside the destination (so
the final moves are renames on one file system). Only when all were written are
they moved into place; a file whose bytes did not change is left alone, so its
modification time, and any HTTP cache keyed on it, stays valid.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath


@dataclass(frozen=True)
class Published:
    folder: Path
    written: tuple[str, ...]
    unchanged: tuple[str, ...]


def _safe(relative: str) -> PurePosixPath:
    path = PurePosixPath(relative)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise ValueError(f"output path {relative!r} must stay inside the output folder")
    return path


def publish(files: Mapping[str, bytes], folder: str | Path) -> Published:
    """Write `files` (relative path → bytes) into `folder`, all or nothing.

    If moving the new files into place fails part-way, the files already moved
    are put back as they were (the old versions are kept as hard links until
    the end), so the folder never mixes two publications.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".festival-", dir=folder))
    try:
        changed = []
        unchanged = []
        for relative in sorted(files):
            data = files[relative]
            target = folder / _safe(relative)
            if target.is_file() and target.read_bytes() == data:
                unchanged.append(relative)
                continue
            staged = staging / "new" / _safe(relative)
            staged.parent.mkdir(parents=True, exist_ok=True)
            with open(staged, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            changed.append(relative)
        _move_into_place(changed, staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return Published(folder, tuple(changed), tuple(unchanged))


def _move_into_place(changed: list[str], staging: Path, folder: Path) -> None:
    moved: list[tuple[Path, Path | None]] = []  # (target, backup of the old file or None)
    try:
        for relative in changed:
            target = folder / relative
            backup = None
            if target.exists():
                backup = staging / "old" / relative
                backup.parent.mkdir(parents=True, exist_ok=True)
                os.link(target, backup)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / "new" / relative, target)
            moved.append((target, backup))
    except BaseException:
        for target, backup in reversed(moved):
            if backup is None:
                target.unlink(missing_ok=True)
            else:
                os.replace(backup, target)
        raise
