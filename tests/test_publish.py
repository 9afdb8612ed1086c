"""Publishing swaps in a complete folder: all or nothing, and unchanged files untouched."""

from __future__ import annotations

import contextlib
import errno
import os

import pytest
from conftest import snapshot

from scheduler import publish


def beside(folder) -> list[str]:
    """What publishing left next to the folder: nothing, not even its lock."""
    return sorted(p.name for p in folder.parent.iterdir() if p.name.startswith(f".{folder.name}"))


def test_writes_files_and_subfolders(tmp_path):
    out = tmp_path / "out"
    result = publish.publish({"a.json": b"1", "tracks/x.ics": b"2"}, out)
    assert (out / "a.json").read_bytes() == b"1"
    assert (out / "tracks/x.ics").read_bytes() == b"2"
    assert result.written == ("a.json", "tracks/x.ics")
    assert [p.name for p in out.rglob(".*")] == []
    assert beside(out) == []


def test_runs_into_one_folder_share_one_lock_in_the_users_cache(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    (tmp_path / "site").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "site")
    monkeypatch.chdir(tmp_path)
    spellings = [
        tmp_path / "site" / "calendars",
        tmp_path / "link" / "calendars",
        publish.Path("site/calendars"),
    ]
    paths = {publish.lock_path(folder) for folder in spellings}
    assert len(paths) == 1 and next(iter(paths)).parent.is_relative_to(cache)
    assert publish.lock_path(tmp_path / "site" / "other") not in paths
    with publish.locked(spellings[0]):
        assert next(iter(paths)).exists()
    assert beside(spellings[0]) == []


def test_without_a_writable_cache_the_lock_stays_beside_the_folder(tmp_path, monkeypatch):
    (tmp_path / "cache").write_text("a file where the cache folder should be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    out = tmp_path / "out"
    assert publish.lock_path(out) == tmp_path / ".out.festival-lock"
    with publish.locked(out):
        pass


def test_unchanged_files_keep_their_inode_and_modification_time(tmp_path):
    out = tmp_path / "out"
    publish.publish({"a.json": b"1", "b.json": b"2"}, out)
    os.utime(out / "a.json", ns=(1_000_000_000, 1_000_000_000))
    inode = (out / "a.json").stat().st_ino
    result = publish.publish({"a.json": b"1", "b.json": b"3"}, out)
    assert result.unchanged == ("a.json",) and result.written == ("b.json",)
    assert (out / "a.json").stat().st_mtime_ns == 1_000_000_000
    assert (out / "a.json").stat().st_ino == inode
    assert (out / "a.json").stat().st_nlink == 1  # the old folder's link is gone
    assert beside(out) == []


def test_files_it_does_not_name_are_kept(tmp_path):
    out = tmp_path / "out"
    publish.publish({"a.json": b"1"}, out)
    (out / "CNAME").write_text("feeds.example.org")
    publish.publish({"a.json": b"2"}, out)
    assert (out / "CNAME").read_text() == "feeds.example.org"


def test_nothing_changed_touches_nothing(tmp_path):
    out = tmp_path / "out"
    publish.publish({"a.json": b"1"}, out)
    folder = out.stat().st_ino
    result = publish.publish({"a.json": b"1"}, out)
    assert result.written == () and out.stat().st_ino == folder


@pytest.mark.parametrize("flush", ["syncfs", "fsync"])
def test_a_failure_while_writing_leaves_the_previous_files_intact(tmp_path, monkeypatch, flush):
    out = tmp_path / "out"
    publish.publish({"a.json": b"old a", "b.json": b"old b"}, out)
    before = snapshot(out)
    calls = {"n": 0}
    real_fsync = os.fsync

    def failing_fsync(fd):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    def failing_syncfs(path):
        raise OSError(errno.ENOSPC, "No space left on device")

    if flush == "syncfs":  # the disk fills up before the staged files reach it
        monkeypatch.setattr(publish, "_syncfs", failing_syncfs)
    else:  # a system without syncfs(): each file is flushed
        monkeypatch.setattr(publish, "_syncfs", lambda path: False)
        monkeypatch.setattr(publish.os, "fsync", failing_fsync)
    with pytest.raises(publish.PublishError) as caught:
        publish.publish({"a.json": b"new a", "b.json": b"new b"}, out)
    assert str(caught.value) == (
        f"cannot publish into {out}/: No space left on device; the previous publication is intact"
    )
    assert snapshot(out) == before
    assert beside(out) == []


def test_a_file_where_a_folder_should_be_is_named(tmp_path):
    out = tmp_path / "out"
    publish.publish({"a.json": b"1", "tracks": b"not a folder"}, out)
    before = snapshot(out)
    with pytest.raises(publish.PublishError) as caught:
        publish.publish({"a.json": b"2", "tracks/x.ics": b"x"}, out)
    assert str(caught.value) == (
        f"cannot publish into {out}/: {out}/tracks is a file where a folder is needed; "
        "the previous publication is intact"
    )
    assert snapshot(out) == before and beside(out) == []


def test_paths_must_stay_inside_the_folder(tmp_path):
    with pytest.raises(ValueError, match="inside the output folder"):
        publish.publish({"../escape.txt": b"x"}, tmp_path / "out")
    assert not (tmp_path / "escape.txt").exists()


def test_the_current_folder_is_never_swapped_away(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for folder in (".", str(tmp_path), str(tmp_path.parent)):
        with pytest.raises(publish.UnsafeFolder, match="it holds the current folder"):
            publish.publish({"a.json": b"1"}, folder)


@pytest.fixture(params=["exchange", "journal"])
def swap(request, monkeypatch):
    """Both ways of swapping: one atomic exchange, and the journal where it is missing."""
    if request.param == "journal":
        monkeypatch.setattr(publish, "_exchange", lambda a, b: False)
    return request.param


class Killed(BaseException):
    """Stands for SIGKILL: no handler of ours runs (see test_kill.py for the real one)."""


# (module attribute, which call, die before or after it runs): every step of a publication
KILL_POINTS = [
    ("os.replace", 1, "before"),  # while writing the staging folder
    ("os.replace", 2, "after"),
    ("_make_durable", 1, "after"),  # staging complete, nothing swapped yet
    ("_exchange", 1, "before"),
    ("_exchange", 1, "after"),  # swapped, the old folder not yet deleted
    ("os.rename", 1, "after"),  # journal: old folder moved aside, new not yet in
    ("os.rename", 2, "after"),  # journal: new folder in, old still aside
    ("os.rename", 3, "after"),
    ("_remove", 1, "before"),
]


@pytest.mark.parametrize(("target", "nth", "when"), KILL_POINTS)
def test_a_kill_at_any_step_leaves_old_or_new_and_the_next_run_cleans_up(
    tmp_path, monkeypatch, swap, target, nth, when
):
    out = tmp_path / "out"
    old = {"a.json": b"old a", "tracks/t.ics": b"old t"}
    new = {"a.json": b"new a", "tracks/t.ics": b"new t", "venues/v.ics": b"v"}
    publish.publish(old, out)
    owner = publish.os if target.startswith("os.") else publish
    name = target.removeprefix("os.")
    real = getattr(owner, name)
    calls = {"n": 0}

    def dying(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == nth and when == "before":
            raise Killed
        result = real(*args, **kwargs)
        if calls["n"] == nth:
            raise Killed
        return result

    monkeypatch.setattr(owner, name, dying)
    with contextlib.suppress(Killed):
        publish.publish(new, out)
    monkeypatch.setattr(owner, name, real)
    if out.exists():  # whatever a reader sees now is one whole publication
        assert files(out) in (old, new)
    with publish.locked(out):  # the next run completes or clears what was left
        pass
    assert files(out) in (old, new)
    assert beside(out) == []
    publish.publish(new, out)
    assert files(out) == new


def files(folder) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_legacy_staging_folders_inside_the_folder_are_dropped(tmp_path):
    out = tmp_path / "out"
    publish.publish({"a.json": b"1"}, out)
    (out / ".festival-abc123" / "new").mkdir(parents=True)
    publish.publish({"a.json": b"2"}, out)
    assert not (out / ".festival-abc123").exists()
