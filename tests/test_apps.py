"""What conference apps read of our schedule.json: every event with its speakers, as
two readers from the package registry show them (c3voc-schedule-tools, the c3voc
pipeline's reader, and the pyfahrplan command line), each in a virtual environment of
its own under `.cache/app-readers` (made on first use; `.ci/run` makes it too)."""

from __future__ import annotations

import json
import subprocess
import sys
import venv
from datetime import UTC, datetime
from pathlib import Path

import filelock
import pytest
from conftest import DEFAULT_CONFIG, ROOT

from scheduler import config, generate
from scheduler import plan as planning

READERS = ROOT / ".cache" / "app-readers"
#: the readers, and a requests-cache that imports on Python 3.11 (pyfahrplan pins 0.8,
#: whose cattrs fails there; it only caches the downloads our test does not make)
PACKAGES = ["c3voc-schedule-tools==1.1.0", "pyfahrplan==1.1.0", "requests-cache>=1.2"]
AT = datetime(2024, 1, 1, tzinfo=UTC)


def readers_python() -> Path:
    """The readers' interpreter, installing them on first use; skips (saying why) where
    the package registry cannot be reached."""
    python = READERS / "bin" / "python"
    done = READERS / ".installed"
    with filelock.FileLock(str(READERS) + ".lock"):
        if done.exists() and done.read_text() == "\n".join(PACKAGES):
            return python
        venv.EnvBuilder(clear=True, with_pip=True).create(READERS)
        for packages in (PACKAGES[:2], PACKAGES[2:]):  # the second overrides a pin
            installed = subprocess.run(
                [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                 *packages],
                capture_output=True, text=True, check=False,
            )  # fmt: skip
            if installed.returncode != 0:
                pytest.skip(f"cannot install {' '.join(packages)}: {installed.stderr[-300:]}")
        done.write_text("\n".join(PACKAGES))
    return python


@pytest.fixture(scope="module")
def read_by_apps():
    python = readers_python()

    def read(path: Path) -> dict:
        shown = subprocess.run(
            [str(python), str(Path(__file__).with_name("app_readers.py")), str(path)],
            capture_output=True, text=True, check=False, cwd=path.parent,
        )  # fmt: skip
        assert shown.returncode == 0, shown.stderr[-2000:]
        return json.loads(shown.stdout)

    return read


def programmes():
    yield "default", config.load(DEFAULT_CONFIG)
    yield "conference", config.load(ROOT / "config" / "conference.toml")
    festival, _ = generate.published_programme(8, generate.Programme(sessions=60, venues=4))
    yield "generated", festival


@pytest.mark.parametrize("name", ["default", "conference", "generated"])
def test_every_event_reaches_the_apps_with_its_speakers(name, read_by_apps, tmp_path):
    festival = dict(programmes())[name]
    out = tmp_path / "calendars"
    planning.plan(festival, out=out, at=AT, options=_quick())
    document = json.loads((out / "schedule.json").read_text(encoding="utf-8"))
    expected = {
        event["guid"]: [p["name"] for p in event["persons"]]
        for day in document["schedule"]["conference"]["days"]
        for events in day["rooms"].values()
        for event in events
    }
    assert sum(bool(names) for names in expected.values()) >= len(expected) * 0.9
    shown = read_by_apps(out / "schedule.json")
    assert shown["c3voc"] == expected  # every event, every speaker, in order
    assert shown["pyfahrplan"] == {guid: ", ".join(names) for guid, names in expected.items()}
    ids = shown["c3voc_xml_person_ids"]
    assert len(ids) == sum(len(names) for names in expected.values())
    assert all(i is not None and i.isdigit() for i in ids)  # c3voc's XML keys persons by id


def _quick():
    from scheduler import solver

    return solver.Options(time_limit=5, max_seconds=20)


if __name__ == "__main__":  # pragma: no cover - for trying the readers by hand
    print(readers_python(), file=sys.stderr)
