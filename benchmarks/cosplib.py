"""festival on CoSPLib's published instances, scored by CoSPLib's own checker.

Usage:
    python benchmarks/cosplib.py REPO [--instances GECCO19,N2OR] [--seconds 60] [--runs 1]

REPO is a git repository of the public CoSPLib (github.com/ahmedkheiri/CoSPLib: a
clone, or the mirror the search tool's `fetch` brings). Its commit COMMIT is
exported into a temporary folder with `git archive`; nothing of it is kept here.
CoSPLib's checker needs pandas, openpyxl, numpy and pytz, installed on first use
into a venv of its own (`.cache/cosplib-checker`), apart from festival's.

For each instance that has a published solution (`Solutions/Exact Model` or
`Solutions/Extended Model`):

1. `benchmarks/cosplib_checker.py dump` reads the workbook with CoSPLib's own
   `Problem` class and writes it as JSON;
2. `benchmarks/cosplib_convert.py` writes it as a festival definition (its docstring
   says which rules are exact, which approximate, which not stated);
3. `festival plan DEFINITION --max-seconds S --time-limit 1e6` runs in a fresh
   process (only the wall clock ends it);
4. the published timetable is mapped back to CoSPLib's sessions, rooms and slots and
   scored by CoSPLib's own evaluation functions (`cosplib_checker.py score`), as
   are the published solutions (`published`, read by CoSPLib's `load_solution`).

Prints a Markdown table: per instance, the median objective over --runs (whether
CoSPLib finds every submission scheduled and every cell's submissions of its
track), the best published objective, and festival's wall seconds; then each run's
objective per CoSPLib term.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import capped_plan
import cosplib_convert

ROOT = Path(__file__).resolve().parents[1]
COMMIT = "1bf6b9b"
INSTANCES = ("GECCO19", "GECCO20", "GECCO21", "N2OR", "OR60F", "OR60F2", "OR60F3")
MODELS = ("Exact Model", "Extended Model")
CHECKER = ROOT / ".cache" / "cosplib-checker"
CHECKER_PACKAGES = ("pandas>=2.2", "openpyxl>=3.1", "numpy>=2.0", "pytz")


def checker_python() -> Path:
    """The venv CoSPLib's checker runs in, made on first use."""
    python = CHECKER / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(CHECKER)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *CHECKER_PACKAGES], check=True)
    return python


def export(repo: Path, folder: Path) -> Path:
    """CoSPLib at COMMIT, unpacked into folder."""
    archive = subprocess.run(["git", "-C", str(repo), "archive", COMMIT], capture_output=True)
    if archive.returncode != 0:
        raise SystemExit(f"{repo}: cannot read {COMMIT}: {archive.stderr.decode().strip()}")
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder


def check(tree: Path, *args: str) -> dict | None:
    """One call of cosplib_checker.py; its JSON answer (None for `dump`)."""
    done = subprocess.run(
        [
            str(checker_python()),
            str(ROOT / "benchmarks" / "cosplib_checker.py"),
            str(tree / "Solver"),
            *args,
        ],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"CoSPLib's checker failed on {args[:2]}: {done.stderr.strip()[-500:]}")
    return json.loads(done.stdout.splitlines()[-1]) if done.stdout.strip() else None


def run_festival(tree: Path, instance: dict, name: str, seconds: float, folder: Path) -> dict:
    """One capped `festival plan` in a fresh process, scored by CoSPLib's checker."""
    text, interest = cosplib_convert.definition(instance, name)
    definition = folder / f"{cosplib_convert.slug(name)}.toml"
    definition.write_text(text, encoding="utf-8")
    if interest is not None:
        (folder / f"{cosplib_convert.slug(name)}-interest.csv").write_text(
            interest, encoding="utf-8"
        )
    timetable, wall, error = capped_plan.plan(definition, seconds)
    if timetable is None:
        return {"objective": None, "wall": wall, "error": error}
    placement = folder / f"{name}-placement.json"
    placement.write_text(
        json.dumps(cosplib_convert.placement(instance, timetable)), encoding="utf-8"
    )
    verdict = check(tree, "score", str(tree / "Dataset" / f"{name}.xlsx"), str(placement))
    return {**verdict, "wall": wall}


def published(tree: Path, name: str) -> dict | None:
    """The best published solution of the instance, scored by CoSPLib's checker."""
    best = None
    for model in MODELS:
        path = tree / "Solutions" / model / f"{name}Solution.xlsx"
        if path.exists():
            verdict = check(tree, "published", str(tree / "Dataset" / f"{name}.xlsx"), str(path))
            verdict["model"] = model
            if verdict["feasible"] and (best is None or verdict["objective"] < best["objective"]):
                best = verdict
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", type=Path, help="a git repository of CoSPLib")
    parser.add_argument("--instances", default=",".join(INSTANCES))
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args(argv)
    rows, details = [], []
    with tempfile.TemporaryDirectory(prefix="cosplib-") as temp:
        tree = export(args.repo, Path(temp) / "cosplib")
        work = Path(temp) / "work"
        work.mkdir()
        for name in args.instances.split(","):
            dumped = work / f"{name}.json"
            check(tree, "dump", str(tree / "Dataset" / f"{name}.xlsx"), str(dumped))
            instance = json.loads(dumped.read_text(encoding="utf-8"))
            best = published(tree, name)
            runs = [
                run_festival(tree, instance, name, args.seconds, work) for _ in range(args.runs)
            ]
            scored = [r for r in runs if r.get("objective") is not None]
            ok = all(r["feasible"] and r["valid"] for r in scored) and len(scored) == len(runs)
            median = statistics.median(r["objective"] for r in scored) if scored else None
            ours = "–" if median is None else f"{median:,.0f}" + ("" if ok else " (not feasible)")
            theirs = "–" if best is None else f"{best['objective']:,} ({best['model'].split()[0]})"
            wall = statistics.median(r["wall"] for r in runs)
            rows.append(
                f"| {name} | {len(instance['submissions'])} | {ours} | {theirs} | {wall:.1f} |"
            )
            for r in runs:
                details.append(f"- {name}: {r.get('objective')} {r.get('terms', r.get('error'))}")
            if best is not None:
                details.append(
                    f"- {name} published ({best['model']}): {best['objective']} {best['terms']}"
                )
            print(rows[-1], file=sys.stderr, flush=True)
    print(f"| instance | submissions | festival {args.seconds:g} s | best published | wall s |")
    print("|---|---:|---:|---:|---:|")
    print("\n".join(rows))
    print()
    print("\n".join(details))
    return 0


if __name__ == "__main__":
    sys.exit(main())
