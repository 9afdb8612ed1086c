"""SIGKILL at any instant, and runs at the same time: the published folder is always
one whole publication, and the next run leaves nothing beside it.

The kill instants are drawn at random (seeded) after the process is seen to be
publishing: whatever the instant, and however loaded the machine, the folder
must hold exactly the old publication or exactly the new one, so the
assertions do not depend on when the signal lands.
"""

from __future__ import annotations

import os
import pickle
import random
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import filelock
import pytest
from conftest import DEFAULT_CONFIG

from scheduler import generate, publish, revisions
from scheduler import plan as planning

AT = datetime(2024, 1, 1, tzinfo=UTC)

PUBLISH_FOREVER = """
import pickle, sys
from scheduler import publish
first, second = (pickle.loads(open(p, "rb").read()) for p in sys.argv[1:3])
out, mode = sys.argv[3], sys.argv[4]
if mode == "journal":  # as on a system without renameat2(RENAME_EXCHANGE)
    publish._exchange = lambda a, b: False
print("publishing", flush=True)
while True:
    for files in (first, second):
        publish.publish(files, out)
        print("published", flush=True)
"""


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in publish.staging_paths(folder) if p.exists())


@pytest.fixture(scope="module")
def two_publications(tmp_path_factory):
    """Every file of a 1,000-session programme, twice: half of the feeds differ."""
    festival, timetable = generate.published_programme(
        1, generate.Programme(sessions=1000, venues=40)
    )
    first = planning.outputs(festival, timetable, revisions.revise(festival, timetable, {}, AT))
    renamed = replace(
        festival,
        sessions=tuple(
            replace(s, title=f"{s.title}（更新）") if i % 2 else s
            for i, s in enumerate(festival.sessions)
        ),
    )
    second = planning.outputs(renamed, timetable, revisions.revise(renamed, timetable, {}, AT))
    folder = tmp_path_factory.mktemp("publications")
    for name, data in (("first", first), ("second", second)):
        (folder / f"{name}.pickle").write_bytes(pickle.dumps(data))
    return folder, first, second


@pytest.mark.parametrize("mode", ["exchange", "journal"])
def test_sigkill_during_a_thousand_session_publish_leaves_old_or_new(
    two_publications, tmp_path, mode
):
    stored, first, second = two_publications
    assert len(first) > 900 and sum(first[k] != second[k] for k in first) > 400
    out = tmp_path / "calendars"
    publish.publish(first, out)
    rng = random.Random(f"kill-{mode}")
    outcomes = set()
    trials = 0
    # ten kills, and more (up to 40) until kills have landed on both sides of a swap: a
    # busy machine can stretch one publication and not the next
    while trials < 10 or (outcomes != {"first", "second"} and trials < 40):
        trials += 1
        child = subprocess.Popen(
            [
                sys.executable,
                "-c",
                PUBLISH_FOREVER,
                str(stored / "first.pickle"),
                str(stored / "second.pickle"),
                str(out),
                mode,
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdout.readline() == "publishing\n"
        # one publication's length under the machine's present load, measured between two
        # that finished, then a kill at a random instant of the next two
        assert child.stdout.readline() == "published\n"
        begun = time.monotonic()
        assert child.stdout.readline() == "published\n"
        time.sleep(rng.uniform(0, 2 * (time.monotonic() - begun)))
        child.kill()
        child.wait()
        if mode == "exchange" or out.exists():  # what a reader sees is one whole publication
            seen = files(out)
            assert seen in (first, second)
        with publish.locked(out):  # the next run: completes or clears what was left
            pass
        seen = files(out)
        assert seen in (first, second)
        assert leftovers(out) == []
        outcomes.add("first" if seen == first else "second")
    assert outcomes == {"first", "second"}  # kills landed on both sides of a swap


def festival_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "scheduler", *args]


def wait_until_publishing(out: Path, process: subprocess.Popen) -> None:
    """Return once `process` holds the folder's publishing lock (or has ended)."""
    lock = filelock.FileLock(publish.lock_path(out))
    while process.poll() is None:
        try:
            lock.acquire(timeout=0)
        except filelock.Timeout:
            return
        lock.release()
        time.sleep(0.01)  # polling for the event, not waiting for a time


def variant(path: Path, old: str, new: str) -> Path:
    """The default festival with one line changed, written at `path`."""
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_sigkill_during_festival_plan_leaves_old_or_new(tmp_path):
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    before = variant(
        tmp_path / "before.toml",
        'name = "中国电信第三届科技节"',
        'name = "中国电信第三届科技节（草案）"',
    )
    reference = tmp_path / "reference"
    for config in (before, DEFAULT_CONFIG):
        subprocess.run(
            festival_command("plan", str(config), "--out", str(reference), "-q"),
            env=env,
            check=True,
        )
    new = files(reference)
    subprocess.run(
        festival_command("plan", str(before), "--out", str(tmp_path / "old"), "-q"),
        env=env,
        check=True,
    )
    old = files(tmp_path / "old")
    assert old != new
    rng = random.Random("kill-plan")
    out = tmp_path / "calendars"
    for _ in range(5):
        if out.exists():
            os.rename(out, tmp_path / "done")
            subprocess.run(["rm", "-rf", str(tmp_path / "done")], check=True)
        subprocess.run(["cp", "-a", str(tmp_path / "old"), str(out)], check=True)
        process = subprocess.Popen(
            festival_command("plan", str(DEFAULT_CONFIG), "--out", str(out), "-q"),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until_publishing(out, process)
        time.sleep(rng.uniform(0, 1.0))  # somewhere in solving, rendering or publishing
        process.kill()
        process.wait()
        assert files(out) in (old, new)
        finished = subprocess.run(
            festival_command("plan", str(DEFAULT_CONFIG), "--out", str(out), "-q"), env=env
        )
        assert finished.returncode == 0
        assert files(out) == new
        assert leftovers(out) == []


def test_two_plans_into_one_folder_take_turns(tmp_path):
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    other = variant(tmp_path / "other.toml", 'title = "量子主题活动"', 'title = "量子科技主题活动"')
    configs = {"default": DEFAULT_CONFIG, "other": other}
    # the two outcomes of running them one after the other, in either order
    expected = []
    for order in (("default", "other"), ("other", "default")):
        folder = tmp_path / "-".join(order)
        for name in order:
            command = festival_command("plan", str(configs[name]), "--out", str(folder), "-q")
            subprocess.run(command, env=env, check=True)
        expected.append(files(folder))
    assert expected[0] != expected[1]
    out = tmp_path / "calendars"
    out.mkdir()
    held = filelock.FileLock(publish.lock_path(out))
    held.acquire()  # a third run is publishing: both must wait their turn
    runs = [
        subprocess.Popen(
            festival_command("plan", str(config), "--out", str(out), "-q"),
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for config in configs.values()
    ]
    for run in runs:
        waiting = run.stderr.readline()
        assert waiting == (
            f"Another festival run is publishing into {out}/; waiting for it to finish…\n"
        )
    held.release()
    assert [run.wait() for run in runs] == [0, 0]
    # never a mix: the second to go read the first one's publication as its published
    # plan, so the folder is byte for byte what running them in that order gives
    assert files(out) in expected
    assert leftovers(out) == []
