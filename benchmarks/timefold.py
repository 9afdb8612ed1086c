"""festival on Timefold's own conference-scheduling benchmark, scored by Timefold's rules.

Usage:
    python benchmarks/timefold.py REPO [--seconds 10,60] [--runs 1] [--files 36,72]
                                       [--peer] [--check-score]

REPO is a git repository of the public timefold-solver-benchmarks (a clone, or the
mirror the search tool's `fetch` brings); everything is read from its commit
2ee64b5 (2025-07-11, the one that made Timefold Solver 1.24.0 its baseline) with
`git show`, and nothing of it is kept here. For each of its unsolved data sets
(18, 36, 72, 108 and 216 talks):

1. `benchmarks/timefold_convert.py` writes it as a festival definition, stating each
   of Timefold's 30 constraints exactly (`benchmarks/timefold_exact.py` checks it);
2. `festival plan DEFINITION --max-seconds S --time-limit 1e6` runs in a fresh
   process for each budget S (only the wall clock ends the run);
3. the published `timetable.json` is read back as Timefold timeslots and rooms and
   scored by `benchmarks/timefold_model.py`, an independent implementation of
   Timefold's `ConferenceSchedulingConstraintProvider`.

With `--peer`, Timefold Solver itself runs beside festival, same budget, back to
back: the Java engine that PyPI's `timefold` 1.24.0b0 wheel ships (downloaded into
`.cache/timefold-peer` on first use; the wheel is only unpacked for its jars), run by
the machine's JDK 17 (Debian's openjdk-17-jdk-headless, plus libjackson2-databind-java
for the annotations the domain classes carry), with the benchmark repository's own
domain classes and constraint provider compiled by `javac` at run time and its own
solver configuration (construction heuristic, then tabu search, one thread):
`benchmarks/timefold_peer/Peer.java` feeds it the data set and prints its timetable,
which is scored by the same Python scorer, and Timefold's own score of it is printed
beside ours as a check.

`--check-score` first scores the published solved file
(`conferencescheduling-216-18-20.json`) and fails unless it gives the score stored
in it (-3240hard/-11838405soft). Prints a Markdown table: per data set and budget,
the median hard and soft scores over --runs, and the wall seconds of the run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import capped_plan
import timefold_convert
import timefold_model

ROOT = Path(__file__).resolve().parents[1]
FILES = {
    18: "unsolved/18talks-6timeslots-5rooms.json",
    36: "unsolved/36talks-12timeslots-5rooms.json",
    72: "unsolved/72talks-12timeslots-10rooms.json",
    108: "unsolved/108talks-18timeslots-10rooms.json",
    216: "unsolved/216talks-18timeslots-20rooms.json",
}
SOLVED = "conferencescheduling-216-18-20.json"
COMMIT = "2ee64b502b0e2c9e474a8384dd1c9a3c69b5f01d"
DATA = "data/conferencescheduling"
SOURCES = "src/main/java/ai/timefold/solver/benchmarks/examples"
PEER_SOURCES = (
    f"{SOURCES}/conferencescheduling/domain",
    f"{SOURCES}/conferencescheduling/score",
    f"{SOURCES}/common/domain/AbstractPersistable.java",
    f"{SOURCES}/common/persistence/jackson/JacksonUniqueIdGenerator.java",
)
TIMEFOLD_WHEEL = "timefold==1.24.0b0"
CACHE = ROOT / ".cache" / "timefold-peer"


def git_show(repo: Path, path: str) -> bytes:
    """A file of the benchmark repository at COMMIT."""
    done = subprocess.run(["git", "-C", str(repo), "show", f"{COMMIT}:{path}"], capture_output=True)
    if done.returncode != 0:
        raise SystemExit(
            f"{repo}: cannot read {path} at {COMMIT[:7]}: {done.stderr.decode().strip()}"
        )
    return done.stdout


def git_files(repo: Path, path: str) -> list[str]:
    done = subprocess.run(
        ["git", "-C", str(repo), "ls-tree", "-r", "--name-only", COMMIT, path],
        capture_output=True,
        text=True,
    )
    return [line for line in done.stdout.splitlines() if line.endswith(".java")]


def load_data(repo: Path, relative: str, folder: Path) -> timefold_model.Problem:
    target = folder / Path(relative).name
    target.write_bytes(git_show(repo, f"{DATA}/{relative}"))
    return timefold_model.load(target)


def placement_of(problem: timefold_model.Problem, timetable: dict) -> dict[str, tuple[str, str]]:
    """festival's published sessions as Timefold (timeslot, room) keys."""
    talk_of = {timefold_convert.slug(t.code): t for t in problem.talks}
    room_of = {timefold_convert.slug(r.name): key for key, r in problem.rooms.items()}
    placement = {}
    for entry in timetable["sessions"]:
        talk = talk_of[entry["id"]]
        start = datetime.fromisoformat(entry["start"]).replace(tzinfo=None)
        end = datetime.fromisoformat(entry["end"]).replace(tzinfo=None)
        slots = [
            key
            for key in problem.talk_types[talk.talk_type][0]
            if problem.timeslots[key].start == start and problem.timeslots[key].end == end
        ]
        if len(slots) != 1:
            raise SystemExit(f"{entry['id']}: {start}-{end} is not one of its timeslots")
        placement[talk.key] = (slots[0], room_of[entry["venue"]])
    return placement


def run_festival(problem: timefold_model.Problem, name: str, seconds: float, folder: Path) -> dict:
    """One capped `festival plan` in a fresh process, scored by Timefold's rules."""
    definition = folder / f"{name}.toml"
    definition.write_text(timefold_convert.definition(problem, name), encoding="utf-8")
    timetable, wall, error = capped_plan.plan(definition, seconds)
    if timetable is None:
        return {"hard": None, "soft": None, "wall": wall, "error": error}
    placement = placement_of(problem, timetable)
    missing = len(problem.talks) - len(placement)
    hard, soft = timefold_model.score(problem, placement)
    return {"hard": hard, "soft": soft, "wall": wall, "missing": missing, "placement": placement}


def build_peer(repo: Path) -> str:
    """Compile the peer (once per cache); returns its Java class path."""
    jars = CACHE / "jars"
    if not jars.is_dir():
        wheel_dir = CACHE / "wheel"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "-q",
                "-d",
                str(wheel_dir),
                TIMEFOLD_WHEEL,
            ],
            check=True,
        )
        (wheel,) = wheel_dir.glob("timefold-*.whl")
        staging = CACHE / "jars.partial"
        staging.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(wheel) as archive:
            for name in archive.namelist():
                if name.endswith(".jar"):
                    (staging / Path(name).name).write_bytes(archive.read(name))
        staging.rename(jars)
    jackson = sorted(Path("/usr/share/java").glob("jackson-*.jar"))
    if not shutil.which("javac") or not jackson:
        raise SystemExit(
            "--peer needs a JDK 17 and Jackson: "
            "apt-get install openjdk-17-jdk-headless libjackson2-databind-java"
        )
    class_path = os.pathsep.join(str(p) for p in [*sorted(jars.glob("*.jar")), *jackson])
    classes = CACHE / f"classes-{COMMIT[:7]}"
    if not (classes / "Peer.class").is_file():
        sources = CACHE / "src"
        shutil.rmtree(sources, ignore_errors=True)
        files = []
        for path in PEER_SOURCES:
            for name in git_files(repo, path) if not path.endswith(".java") else [path]:
                text = git_show(repo, name).decode("utf-8")
                # the id generator names the JSON file reader in an import its code never uses
                text = "\n".join(
                    line
                    for line in text.splitlines()
                    if "persistence.AbstractJsonSolutionFileIO;" not in line
                )
                target = sources / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
                files.append(str(target))
        files.append(str(Path(__file__).resolve().parent / "timefold_peer" / "Peer.java"))
        staging = CACHE / "classes.partial"
        shutil.rmtree(staging, ignore_errors=True)
        subprocess.run(
            ["javac", "-nowarn", "--release", "17", "-cp", class_path, "-d", str(staging), *files],
            check=True,
        )
        shutil.rmtree(classes, ignore_errors=True)
        staging.rename(classes)
    return os.pathsep.join([str(classes), class_path])


def peer_input(problem: timefold_model.Problem) -> str:
    """The data set as Peer.java reads it."""
    sep = "\x1f"

    def number(key: str) -> str:
        return key.rsplit("#", 1)[1]

    def refs(keys) -> str:
        return sep.join(number(k) for k in keys)

    lines = [f"pause\t{problem.pause_minutes}"]
    for kind, (slots, rooms) in problem.talk_types.items():
        order_slots = [k for k in problem.timeslots if k in slots]
        order_rooms = [k for k in problem.rooms if k in rooms]
        lines.append(f"type\t{number(kind)}\t{kind}\t{refs(order_slots)}\t{refs(order_rooms)}")
    for key, slot in problem.timeslots.items():
        kinds = [k for k, (slots, _) in problem.talk_types.items() if key in slots]
        lines.append(
            f"timeslot\t{number(key)}\t{slot.start:%Y-%m-%dT%H:%M}\t{slot.end:%Y-%m-%dT%H:%M}\t{refs(kinds)}\t"
            + sep.join(sorted(slot.tags))
        )
    for key, room in problem.rooms.items():
        kinds = [k for k, (_, rooms) in problem.talk_types.items() if key in rooms]
        lines.append(
            f"room\t{number(key)}\t{room.name}\t{room.capacity}\t{refs(kinds)}\t"
            + sep.join(sorted(room.tags))
        )
    for key, s in problem.speakers.items():
        fields = [
            s.preferred_timeslot_tags,
            s.undesired_timeslot_tags,
            s.required_room_tags,
            s.preferred_room_tags,
            s.prohibited_room_tags,
            s.undesired_room_tags,
        ]
        lines.append(
            "\t".join(
                ["speaker", number(key), s.name, refs(sorted(s.unavailable, key=number))]
                + [sep.join(f) for f in fields]
            )
        )
    for t in problem.talks:
        fields = [
            "talk",
            number(t.key),
            t.code,
            number(t.talk_type),
            refs(t.speakers),
            *(sep.join(x) for x in (t.theme_tracks, t.sectors, t.audience_types)),
            str(t.audience_level),
            sep.join(t.contents),
            t.language,
            *(
                sep.join(x)
                for x in (t.required_room_tags, t.preferred_room_tags, t.prohibited_room_tags)
            ),
            sep.join(t.undesired_room_tags),
            sep.join(t.exclusive_tags),
            refs(t.prerequisites),
            str(t.favourites),
            str(t.crowd_risk),
            "true" if t.pinned else "false",
            number(t.timeslot) if t.pinned and t.timeslot else "",
            number(t.room) if t.pinned and t.room else "",
        ]
        lines.append("\t".join(fields))
    return "\n".join(lines) + "\n"


def run_peer(
    problem: timefold_model.Problem, class_path: str, seconds: float, folder: Path
) -> dict:
    """One Timefold Solver run with the same wall budget, scored by our scorer."""
    data = folder / "peer-input.tsv"
    data.write_text(peer_input(problem), encoding="utf-8")
    started = time.perf_counter()
    done = subprocess.run(
        ["java", "-cp", class_path, "Peer", str(data), f"{seconds:g}"],
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        return {"hard": None, "soft": None, "wall": wall, "error": done.stderr.strip()[-300:]}
    talks = {t.key.rsplit("#", 1)[1]: t.key for t in problem.talks}
    slots = {k.rsplit("#", 1)[1]: k for k in problem.timeslots}
    rooms = {k.rsplit("#", 1)[1]: k for k in problem.rooms}
    placement, own, first = {}, "", None
    for line in done.stdout.splitlines():
        f = line.split("\t")
        if f[0] == "score":
            own = f[1]
        elif f[0] == "first":
            first = float(f[1]) if float(f[1]) >= 0 else None
        elif f[0] == "place":
            placement[talks[f[1]]] = (slots[f[2]], rooms[f[3]])
    hard, soft = timefold_model.score(problem, placement)
    if len(placement) == len(problem.talks) and own != timefold_model.format_score(hard, soft):
        raise SystemExit(
            f"Timefold scores its timetable {own}, "
            f"our scorer {timefold_model.format_score(hard, soft)}"
        )
    return {
        "placement": placement,
        "hard": hard,
        "soft": soft,
        "wall": wall,
        "missing": len(problem.talks) - len(placement),
        "first": first,
    }


def check_score(repo: Path, folder: Path) -> None:
    """Fail unless the published solved file scores what it stores."""
    solved = load_data(repo, SOLVED, folder)
    got = timefold_model.format_score(
        *timefold_model.score(solved, timefold_model.stored_placement(solved))
    )
    if got != solved.stored_score:
        raise SystemExit(f"scoring differs from Timefold's: {got}, stored {solved.stored_score}")
    print(f"scoring check: the solved 216-talk file scores {got}, as stored", file=sys.stderr)


def breakdown(problem: timefold_model.Problem, runs: dict[str, dict]) -> str:
    """Each constraint's score in each named run's last timetable, largest first."""
    scores = {}
    for name, run in runs.items():
        if run.get("placement"):
            matched = timefold_model.matches(problem, run["placement"])
            scores[name] = {c: timefold_model.weighted(problem, c, n) for c, n in matched.items()}
    names = sorted(
        {c for s in scores.values() for c in s},
        key=lambda c: -max(abs(sum(s.get(c, (0, 0)))) for s in scores.values()),
    )
    lines = ["| constraint | " + " | ".join(scores) + " |", "|---|" + "---|" * len(scores)]
    for c in names:
        cells = [f"{s.get(c, (0, 0))[0] + s.get(c, (0, 0))[1]:,}" for s in scores.values()]
        lines.append(f"| {c} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _median(runs: list[dict], key: str) -> str:
    values = [r[key] for r in runs if r.get(key) is not None]
    return f"{statistics.median(values):,.0f}" if values else "–"


def _cell(runs: list[dict]) -> str:
    good = [r for r in runs if r["hard"] is not None and not r.get("missing")]
    if not good:
        return "incomplete" if any(r["hard"] is not None for r in runs) else "failed"
    return f"{_median(good, 'hard')}hard / {_median(good, 'soft')}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("repo", type=Path, help="a git repository of timefold-solver-benchmarks")
    parser.add_argument("--seconds", default="10,60")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--files", default=",".join(str(k) for k in FILES))
    parser.add_argument("--peer", action="store_true", help="run Timefold Solver beside festival")
    parser.add_argument("--check-score", action="store_true")
    parser.add_argument(
        "--breakdown", action="store_true", help="each constraint's score in the last run of each"
    )
    args = parser.parse_args(argv)
    budgets = [float(s) for s in args.seconds.split(",")]
    sizes = [int(s) for s in args.files.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.check_score:
            check_score(args.repo, folder)
        class_path = build_peer(args.repo) if args.peer else ""
        load = os.getloadavg()[0]
        print(
            f"machine: {os.cpu_count()} cores, load average {load:.2f} at start; "
            f"median of {args.runs} run(s)\n"
        )
        print(
            "| talks | budget | festival (hard / soft) | festival wall s "
            "| Timefold (hard / soft) | Timefold wall s |"
        )
        print("|---|---|---|---|---|---|")
        for size in sizes:
            problem = load_data(args.repo, FILES[size], folder)
            for seconds in budgets:
                ours, theirs = [], []
                for _ in range(args.runs):
                    ours.append(run_festival(problem, f"tf{size}", seconds, folder))
                    if args.peer:
                        theirs.append(run_peer(problem, class_path, seconds, folder))
                for r in ours + theirs:
                    if r.get("error"):
                        print(f"  error: {r['error']}", file=sys.stderr)
                peer = f"{_cell(theirs)} | {_median(theirs, 'wall')}" if args.peer else "– | –"
                print(
                    f"| {size} | {seconds:g} s | {_cell(ours)} "
                    f"| {_median(ours, 'wall')} | {peer} |",
                    flush=True,
                )
                if args.breakdown:
                    runs = {"festival": ours[-1], **({"Timefold": theirs[-1]} if theirs else {})}
                    print("\n" + breakdown(problem, runs) + "\n", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
