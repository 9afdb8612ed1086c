"""Check that a refactor changed no published byte: this tree against a given commit.

Usage: python benchmarks/same_bytes.py [COMMIT] [--festivals N] [--programmes N]

COMMIT (default `HEAD`) is exported with `git archive` into a temporary folder.
Both trees then publish, through the command line (`festival plan`, the one
interface both versions share), the same definitions, written once by this
tree's generator:

- the default festival (`config/festival.toml`);
- N generated festivals (default 50) and N generated programmes (default 10),
  each planned twice into one folder: first from nothing, then with one
  session removed, so the second run re-plans against the first run's
  publication as its baseline.

Every run publishes at the same instant (`SOURCE_DATE_EPOCH`). The script
compares the two sets of publications file by file and byte by byte, prints
the first differences, and exits 1 if any file differs (0 if none). Left out:
each folder's hidden `.festival-rendered.json`, never served: it records what
each feed was rendered from, including a digest of the code that rendered it,
so it changes with every change to the code by design; and what a version
leaves beside a folder (an older one's lock file), which is no publication.

Run from the repository's root with the development environment active; each
tree runs in its own process with its own `scheduler` package on `PYTHONPATH`.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tarfile
import tempfile
import tomllib
from pathlib import Path

import tomlkit

ROOT = Path(__file__).resolve().parent.parent
EPOCH = "1700000000"
#: the record of what each feed was rendered from, code included (never served)
RENDERED = ".festival-rendered.json"

#: what each tree runs: `festival plan` once per (definition, folder) line of argv[1]
RUNNER = """
import sys
from pathlib import Path
from scheduler.cli import cli

for line in Path(sys.argv[1]).read_text().splitlines():
    definition, out = line.split("\\t")
    try:
        cli(["plan", "--quiet", "--out", out, definition], standalone_mode=False)
    except SystemExit:
        pass
    except Exception as error:  # the failure is compared too: its message
        (Path(out).parent / (Path(out).name + ".error")).write_text(repr(error))
"""


def programme_shapes() -> list[object]:
    """Programmes small enough to plan in seconds, using slots, blocks and attendees."""
    from scheduler.generate.programmes import Programme

    return [
        Programme(sessions=40, venues=3, slots=0.5, blocks=0.5, named_blocks=0.5),
        Programme(sessions=60, venues=4, wishes=0.6, attendees=30),
        Programme(sessions=60, venues=3, slots=1.0),
    ]


def without_one_session(text: str) -> str:
    """The definition with its last session that nothing else names removed."""
    document = tomlkit.parse(text)
    sessions = document.get("sessions")
    if not sessions:
        return text
    for index in range(len(sessions) - 1, -1, -1):
        quoted = f'"{sessions[index]["id"]}"'
        if text.count(quoted) == 1:
            del sessions[index]
            return tomlkit.dumps(document)
    return text


def definitions(folder: Path, festivals: int, programmes: int) -> list[tuple[Path, Path]]:
    """Write every definition once; return (definition, folder name) pairs in run order."""
    from scheduler.generate import festivals as festival_generator
    from scheduler.generate import programmes as programme_generator

    texts: list[tuple[str, str]] = [("default", (ROOT / "config" / "festival.toml").read_text())]
    texts += [(f"festival-{s}", festival_generator.festival_toml(s)) for s in range(festivals)]
    shapes = programme_shapes()
    texts += [
        (f"programme-{s}", programme_generator.programme_toml(s, shapes[s % len(shapes)]))
        for s in range(programmes)
    ]
    runs = []
    for name, text in texts:
        first = folder / f"{name}.toml"
        first.write_text(text, encoding="utf-8")
        runs.append((first, Path(name)))
        if name != "default":
            tomllib.loads(text)  # the generator wrote valid TOML
            second = folder / f"{name}.replan.toml"
            second.write_text(without_one_session(text), encoding="utf-8")
            runs.append((second, Path(name)))
    return runs


def publish_all(tree: Path, runs: list[tuple[Path, Path]], out: Path) -> None:
    """Run `festival plan` from `tree` on each definition, into `out/<folder>`."""
    out.mkdir()
    listing = out.parent / f"{out.name}.runs"
    listing.write_text("".join(f"{d}\t{out / name}\n" for d, name in runs), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tree), "SOURCE_DATE_EPOCH": EPOCH}
    subprocess.run(
        [sys.executable, "-c", RUNNER, str(listing)], env=env, cwd=out.parent, check=True
    )


def digests(folder: Path) -> dict[str, str]:
    """Every file under `folder` by relative path, with its SHA-256."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
        and path.name != RENDERED
        and not path.relative_to(folder).parts[0].startswith(".")  # aids beside a folder
    }


def export(commit: str, into: Path) -> None:
    """The tree of `commit`, unpacked into `into`."""
    archive = into.parent / "tree.tar"
    subprocess.run(
        ["git", "archive", "--format=tar", "-o", str(archive), commit], cwd=ROOT, check=True
    )
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("commit", nargs="?", default="HEAD")
    parser.add_argument("--festivals", type=int, default=50)
    parser.add_argument("--programmes", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="same-bytes-") as temporary:
        work = Path(temporary)
        (work / "definitions").mkdir()
        runs = definitions(work / "definitions", args.festivals, args.programmes)
        export(args.commit, work / "before")
        publish_all(work / "before", runs, work / "published-before")
        publish_all(ROOT, runs, work / "published-after")
        before = digests(work / "published-before")
        after = digests(work / "published-after")
        differing = sorted(
            name for name in before.keys() | after.keys() if before.get(name) != after.get(name)
        )
        folders = len({name for _, name in runs})
        print(
            f"{len(runs)} runs into {folders} folders: {len(after)} files published, "
            f"{len(differing)} differ from {args.commit}"
        )
        for name in differing[:20]:
            both = name in before and name in after
            print(f"  {name}: {'differs' if both else 'missing on one side'}")
        return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
