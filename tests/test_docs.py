"""The README shows current command output, and the code is lint clean."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT, cog_is_current


def test_readme_command_output_is_current():
    assert cog_is_current("README.md")


@pytest.mark.parametrize("args", [["check"], ["format", "--check"]])
def test_ruff_is_clean(args):
    pytest.importorskip("ruff", reason="ruff comes with the test extra")
    result = subprocess.run(
        [sys.executable, "-m", "ruff", *args, "scheduler", "tests"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("table", "keys"),
    [
        ("[festival]", "FESTIVAL_KEYS"),
        ("[[tracks]]", "TRACK_KEYS"),
        ("[[venues]]", "VENUE_KEYS"),
        ("[[people]]", "PERSON_KEYS"),
        ("[[sessions]]", "SESSION_KEYS"),
    ],
)
def test_every_key_a_definition_takes_is_in_the_reference(table, keys):
    """A key the reader accepts but the reference does not list is one a user cannot
    find: each is a row of its table's section in config/README.md."""
    from scheduler import config

    text = (ROOT / "config" / "README.md").read_text(encoding="utf-8")
    section = text.split(f"## `{table}`", 1)[1].split("\n## ", 1)[0]
    listed = {
        name.strip("` ")
        for row in section.splitlines()
        if row.startswith("| `")
        for name in row.split("|")[1].split(",")
    }
    assert set(getattr(config, keys)) - listed == set()
