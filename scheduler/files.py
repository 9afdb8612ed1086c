"""Reading what users name on the command line or in a definition: regular files only,
and never more bytes than a real one holds.

A device (`/dev/zero`), a pipe (a FIFO waits forever for a writer) or a folder is
refused by its type before any byte is read, and the size limit counts the bytes
actually read, not what `stat` claims (0 for devices and pipes, and a file may grow
while it is read).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


class Unreadable(OSError):
    """The file cannot be used; `reason` says why, to follow its name in a message."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def kind_of(mode: int) -> str:
    """What a file that is not a regular file is, for a message."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_bounded(path: str | Path, limit: int) -> bytes:
    """The bytes of the regular file at `path`; raises `Unreadable` if it is missing, is
    not a regular file, cannot be read, or holds more than `limit` bytes."""
    path = Path(path)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise Unreadable("no such file") from None
    except OSError as error:
        raise Unreadable(f"cannot be read: {error.strerror or error}") from None
    if not stat.S_ISREG(mode):
        raise Unreadable(f"is {kind_of(mode)}, not a file")
    try:
        # non-blocking: should a pipe be swapped in after the check, opening it does
        # not wait for a writer, and it is refused below
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as error:
        raise Unreadable(f"cannot be read: {error.strerror or error}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise Unreadable(f"is {kind_of(mode)}, not a file")
        chunks = []
        read = 0
        while read <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - read))
            if not chunk:
                break
            chunks.append(chunk)
            read += len(chunk)
        if read > limit:
            raise Unreadable(f"is larger than {_size(limit)}; expected a smaller file")
        return b"".join(chunks)
    except Unreadable:
        raise
    except OSError as error:
        raise Unreadable(f"cannot be read: {error.strerror or error}") from None
    finally:
        os.close(fd)


def _size(limit: int) -> str:
    return f"{limit // 2**20} MB" if limit >= 2**20 else f"{limit:,} bytes"


def refuse_unless_regular_or_new(path: str | Path) -> None:
    """Raise `Unreadable` unless `path` is free or a regular file (not a link, device,
    pipe or folder): what may be replaced by a file written there."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as error:
        raise Unreadable(f"cannot be checked: {error.strerror or error}") from None
    if stat.S_ISLNK(mode):
        raise Unreadable("is a symbolic link; name the file it points to, or a new path")
    if not stat.S_ISREG(mode):
        raise Unreadable(f"is {kind_of(mode)}; expected a new path or a regular file")
