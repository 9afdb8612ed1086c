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
