"""The README and docs/ show current command output and link to what exists, and the code
is lint clean."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, cog_is_current

DOCUMENTS = ["README.md", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md"))]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_command_output_shown_in_the_documentation_is_current(document):
    assert cog_is_current(document)


def anchors(path: Path) -> set[str]:
    """The anchors GitHub gives a Markdown file's headings."""
    found = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            text = line.lstrip("#").strip().lower()
            found.add(re.sub(r"[^\w\- ]", "", text).replace(" ", "-"))
    return found


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_link_within_the_repository_reaches_a_file_and_heading(document):
    path = ROOT / document
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", path.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target):
            continue  # a web address
        file, _, anchor = target.partition("#")
        linked = (path.parent / file).resolve() if file else path
        if not linked.exists() or (anchor and anchor not in anchors(linked)):
            broken.append(target)
    assert broken == []


def test_the_readme_is_a_page_a_newcomer_finishes():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 300
    assert "festival init" in readme


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
    find: each is a row of its table's section in docs/definition.md."""
    from scheduler import config

    text = (ROOT / "docs" / "definition.md").read_text(encoding="utf-8")
    section = text.split(f"## `{table}`", 1)[1].split("\n## ", 1)[0]
    listed = {
        name.strip("` ")
        for row in section.splitlines()
        if row.startswith("| `")
        for name in row.split("|")[1].split(",")
    }
    assert set(getattr(config, keys)) - listed == set()
