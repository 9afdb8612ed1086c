"""Publish a set of files into a folder: all at once, even if the process is killed.

The new publication is built as a complete folder beside the old one
(`.NAME.festival-new`): every file of the old folder is hard-linked into it
(so unchanged files keep their inode and modification time, and any HTTP cache
keyed on them stays valid), and only the files whose bytes changed are written
anew, each modified in a later whole second than the file it replaces (so
Last-Modified moves forward with every publication that changes a file). The
two folders are then swapped in one step with Linux's
`renameat2(RENAME_EXCHANGE)`, and the old one, now under the staging name, is
deleted. A kill at any instant leaves either the old folder or the new one in
place; the next run (or `festival serve` starting) deletes what was left
beside it.

Where the exchange is not available (another kernel or file system), a
journal (`.NAME.festival-journal`) is written before the old folder is moved
aside and the new one moved in; a run that finds the journal completes the
swap, so the folder is again exactly the new publication.

A lock (held with `filelock`) makes runs publishing into one folder take
turns; the caller holds it from reading the published plan to writing the new
one, so two runs never mix or lose a revision. Its file lives in the user's
cache folder, named after the folder's real path (`lock_path`), so nothing is
left beside the publication.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import filelock
import platformdirs

from .errors import BadInput, CannotWrite

#: Linux renameat2() flag: swap the two paths atomically
RENAME_EXCHANGE = 2
AT_FDCWD = -100


class PublishError(CannotWrite):
    """The new publication could not be written; the folder still holds the previous one."""

    def __init__(self, message: str, code: int = 0):
        super().__init__(message)
        self.errno = code


class UnsafeFolder(BadInput, ValueError):
    """An output folder that publishing would swap away with the current folder in it."""


@dataclass(frozen=True)
class Published:
    folder: Path
    written: tuple[str, ...]
    unchanged: tuple[str, ...]

    @staticmethod
    def served(paths: tuple[str, ...]) -> tuple[str, ...]:
        """The paths readers see: hidden files (a publication's own records) left out."""
        return tuple(p for p in paths if not any(part.startswith(".") for part in p.split("/")))


def _safe(relative: str) -> PurePosixPath:
    path = PurePosixPath(relative)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise ValueError(f"output path {relative!r} must stay inside the output folder")
    return path


def _sibling(folder: Path, what: str) -> Path:
    """A hidden path beside `folder` for one of its publishing aids."""
    return folder.parent / f".{folder.name}.festival-{what}"


def lock_path(folder: Path) -> Path:
    """The lock file of runs publishing into `folder`: in the user's cache folder, named
    after the folder's real path (so two spellings of one folder share it). Where the
    cache cannot be written, a hidden file beside the folder."""
    real = folder.absolute().parent.resolve() / folder.name
    locks = Path(platformdirs.user_cache_dir("festival")) / "locks"
    try:
        locks.mkdir(parents=True, exist_ok=True)
    except OSError:
        return _sibling(folder, "lock")
    return locks / f"{hashlib.sha256(os.fsencode(real)).hexdigest()[:32]}.lock"


def staging_paths(folder: Path) -> list[Path]:
    """Every publishing aid beside `folder` that a finished run leaves no trace of."""
    return [_sibling(folder, what) for what in ("new", "old", "journal")]


@contextlib.contextmanager
def locked(folder: str | Path, on_wait: Callable[[], None] | None = None) -> Iterator[Path]:
    """Hold `folder`'s publishing lock; finish or clear what a killed run left beside it.

    If another run holds the lock, `on_wait` is called once and this one waits.
    """
    folder = Path(folder)
    _checked(folder)
    lock = filelock.FileLock(lock_path(folder))
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        lock.acquire(timeout=0)
    except filelock.Timeout:
        if on_wait is not None:
            on_wait()
        lock.acquire()
    except OSError as error:
        raise _failure(folder, error) from None
    try:
        recover(folder)
        yield folder
    finally:
        lock.release()


def _checked(folder: Path) -> None:
    folder = folder.absolute()
    here = Path.cwd().absolute()
    if folder == here or folder in here.parents or folder.parent == folder:
        raise UnsafeFolder(
            f"cannot publish into {folder}: it holds the current folder; "
            "choose an output folder of its own, e.g. --out calendars"
        )


def tidy(folder: str | Path) -> None:
    """Finish or clear what a killed run left beside `folder`, unless a run is publishing
    into it now (that run does it)."""
    folder = Path(folder)
    lock = filelock.FileLock(lock_path(folder))
    try:
        lock.acquire(timeout=0)
    except (filelock.Timeout, OSError):
        return
    try:
        recover(folder)
    except OSError:
        pass  # serving goes on; the next run reports what it cannot write
    finally:
        lock.release()


def recover(folder: str | Path) -> bool:
    """Complete or clear an interrupted publication of `folder` (the lock must be held).

    Returns whether anything was found.
    """
    folder = Path(folder)
    new, old, journal = staging_paths(folder)
    found = False
    if journal.exists():
        found = True
        # the old folder was being moved aside for the new one: finish the swap
        if not folder.exists() and new.is_dir():
            os.rename(new, folder)
        _fsync_dir(folder.parent)
        journal.unlink()
    for leftover in (new, old):
        if leftover.exists() or leftover.is_symlink():
            found = True
            _remove(leftover)
    return found


def publish(
    files: Mapping[str, bytes],
    folder: str | Path,
    *,
    locked_by_caller: bool = False,
    kept: Iterable[str] = (),
) -> Published:
    """Make `folder` hold `files` (relative path → bytes), in one step.

    Files already in the folder that `files` does not name are kept; `kept` names
    those the caller publishes unchanged (counted as such in `Published`). Raises
    `PublishError` if anything cannot be written; the folder then still holds
    the previous publication, untouched.
    """
    for relative in files:
        _safe(relative)
    kept = tuple(sorted(set(kept) - set(files)))
    if locked_by_caller:
        return _publish(files, Path(folder), kept)
    with locked(folder) as held:
        return _publish(files, held, kept)


def _publish(files: Mapping[str, bytes], folder: Path, kept: tuple[str, ...]) -> Published:
    new = _sibling(folder, "new")
    try:
        if folder.exists() and not folder.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "is a file, not a folder", str(folder))
        changed = [relative for relative in sorted(files) if _differs(folder, relative, files)]
        unchanged = tuple(
            sorted({*kept, *(relative for relative in files if relative not in changed)})
        )
        if not changed and folder.is_dir():
            return Published(folder, (), unchanged)
        if folder.is_dir():
            _link_tree(folder, new)
        else:
            new.mkdir()
        written = [new / _safe(relative) for relative in changed]
        for target, relative in zip(written, changed, strict=True):
            _write(target, files[relative])
            _modified_after(target, folder / _safe(relative))
        _make_durable(new, written)
        _swap_in(new, folder)
    except OSError as error:
        with contextlib.suppress(OSError):
            _roll_back(folder)
        raise _failure(folder, error) from None
    _remove(new)  # the previous publication, now under the staging name
    return Published(folder, tuple(changed), unchanged)


def _differs(folder: Path, relative: str, files: Mapping[str, bytes]) -> bool:
    """Whether the published file at `relative` is missing or holds other bytes."""
    target = folder / _safe(relative)
    try:
        return target.is_symlink() or target.read_bytes() != files[relative]
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return True


def _roll_back(folder: Path) -> None:
    """After a failure in this process: put the previous publication back, clear the rest."""
    new, old, journal = staging_paths(folder)
    if not folder.exists() and old.is_dir():
        os.rename(old, folder)
    journal.unlink(missing_ok=True)
    for leftover in (new, old):
        _remove(leftover)


def _failure(folder: Path, error: OSError) -> PublishError:
    """One line: what could not be written, where (as the user knows the folder), and that
    nothing was lost."""
    staging = str(_sibling(folder, "new"))
    path = str(error.filename or "").replace(staging, str(folder))
    if isinstance(error, FileExistsError | NotADirectoryError) and path:
        reason = f"{_first_file(Path(path), folder)} is a file where a folder is needed"
    else:
        reason = f"{path}: {error.strerror or error}" if path else str(error.strerror or error)
    return PublishError(
        f"cannot publish into {folder}/: {reason}; the previous publication is intact",
        error.errno or 0,
    )


def _first_file(path: Path, folder: Path) -> Path:
    """The first part of `path` below `folder` that is a file rather than a folder."""
    for parent in [*reversed(path.parents), path]:
        if parent.is_relative_to(folder) and parent != folder and parent.is_file():
            return parent
    return path


def _link_tree(source: Path, target: Path) -> None:
    """`target` as a copy of `source` made of hard links (copies where links fail)."""
    target.mkdir()
    for root, dirs, names in os.walk(source):
        here = target / Path(root).relative_to(source)
        for name in dirs:
            if _legacy_staging(name):
                continue
            if (Path(root) / name).is_symlink():
                os.symlink(os.readlink(Path(root) / name), here / name)
            else:
                (here / name).mkdir()
        dirs[:] = [d for d in dirs if not (Path(root) / d).is_symlink() and not _legacy_staging(d)]
        for name in names:
            path = Path(root) / name
            if path.is_symlink():
                os.symlink(os.readlink(path), here / name)
                continue
            try:
                os.link(path, here / name)
            except OSError as error:
                if error.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP):
                    raise
                shutil.copy2(path, here / name)


def _legacy_staging(name: str) -> bool:
    """A staging folder that versions before whole-folder swaps left inside the folder."""
    return name.startswith(".festival-")


def _write(target: Path, data: bytes) -> None:
    """Write a new file at `target`, never through a link shared with the old folder."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.festival-part")
    with open(temporary, "wb") as handle:
        handle.write(data)
    os.replace(temporary, target)


def _modified_after(target: Path, previous: Path) -> None:
    """Give the new file at `target` a modification time in a later whole second than the
    file it replaces at `previous` (if any): HTTP's Last-Modified counts whole seconds, so
    a client holding the old file's date must not be told, by a second publication within
    that second, that nothing changed. Set a little ahead of the clock when need be."""
    try:
        before = os.stat(previous).st_mtime_ns
    except OSError:
        return
    later = (before // 1_000_000_000 + 1) * 1_000_000_000
    if os.stat(target).st_mtime_ns < later:
        os.utime(target, ns=(later, later))


def _make_durable(root: Path, written: list[Path]) -> None:
    """Put the staged folder on disk before it is swapped in, so that a power cut after
    the swap cannot leave empty files: one `syncfs()` of its file system where Linux has
    it (far cheaper than a flush per file for hundreds of feeds), else an `fsync()` of
    each written file and of each folder."""
    if _syncfs(root):
        return
    for path in written:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    _fsync_tree_dirs(root)


def _syncfs(path: Path) -> bool:
    """Flush the file system holding `path` to disk; False where `syncfs()` is missing."""
    try:
        syncfs = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return False
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        if syncfs(fd) != 0:
            code = ctypes.get_errno()
            if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
                return False
            raise OSError(code, os.strerror(code))
    finally:
        os.close(fd)
    return True


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _fsync_tree_dirs(root: Path) -> None:
    for directory, _, _ in os.walk(root):
        _fsync_dir(Path(directory))


def _swap_in(new: Path, folder: Path) -> None:
    """Put the complete folder `new` in the place of `folder`; the old one ends up at `new`."""
    if not folder.exists():
        os.rename(new, folder)
    elif not _exchange(new, folder):
        journal = _sibling(folder, "journal")
        old = _sibling(folder, "old")
        journal.write_text(json.dumps({"new": new.name, "old": old.name}), encoding="utf-8")
        _fsync_dir(folder.parent)
        os.rename(folder, old)
        os.rename(new, folder)
        os.rename(old, new)  # where the caller deletes the previous publication
        journal.unlink()
    _fsync_dir(folder.parent)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step; False where the system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
