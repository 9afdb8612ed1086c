"""Publishing is all or nothing, and leaves unchanged files alone."""

from __future__ import annotations

import os

import pytest
from conftest import snapshot

from scheduler import publish


def test_writes_files_and_subfolders(tmp_path):
    result = publish.publish({"a.json": b"1", "tracks/x.ics": b"2"}, tmp_path / "out")
    assert (tmp_path / "out/a.json").read_bytes() == b"1"
    assert (tmp_path / "out/tracks/x.ics").read_bytes() == b"2"
    assert result.written == ("a.json", "tracks/x.ics")
    assert [p.name for p in (tmp_path / "out").iterdir() if p.name.startswith(".")] == []


def test_unchanged_files_keep_their_modification_time(tmp_path):
    publish.publish({"a.json": b"1", "b.json": b"2"}, tmp_path)
    os.utime(tmp_path / "a.json", ns=(1_000_000_000, 1_000_000_000))
    result = publish.publish({"a.json": b"1", "b.json": b"3"}, tmp_path)
    assert result.unchanged == ("a.json",) and result.written == ("b.json",)
    assert (tmp_path / "a.json").stat().st_mtime_ns == 1_000_000_000


def test_a_failure_while_writing_leaves_the_previous_files_intact(tmp_path, monkeypatch):
    publish.publish({"a.json": b"old a", "b.json": b"old b"}, tmp_path)
    before = snapshot(tmp_path)
    calls = {"n": 0}
    real_fsync = os.fsync

    def failing_fsync(fd):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(publish.os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="No space left"):
        publish.publish({"a.json": b"new a", "b.json": b"new b"}, tmp_path)
    assert snapshot(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "b.json"]


def test_paths_must_stay_inside_the_folder(tmp_path):
    with pytest.raises(ValueError, match="inside the output folder"):
        publish.publish({"../escape.txt": b"x"}, tmp_path / "out")
    assert not (tmp_path / "escape.txt").exists()


def test_a_failure_while_moving_into_place_restores_the_previous_files(tmp_path, monkeypatch):
    publish.publish({"a.json": b"old a", "b.json": b"old b", "c.json": b"old c"}, tmp_path)
    before = snapshot(tmp_path)
    real_replace = os.replace
    calls = {"n": 0}

    def failing_replace(source, target):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(5, "Input/output error")
        real_replace(source, target)

    monkeypatch.setattr(publish.os, "replace", failing_replace)
    with pytest.raises(OSError, match="Input/output"):
        publish.publish(
            {"a.json": b"new a", "b.json": b"new b", "c.json": b"new c", "d.json": b"d"}, tmp_path
        )
    monkeypatch.setattr(publish.os, "replace", real_replace)
    assert snapshot(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "b.json", "c.json"]
