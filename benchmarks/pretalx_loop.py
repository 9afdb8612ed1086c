"""The pretalx loop timed: pull, plan, push on a seeded pretalx, then one speaker's
availability changed through pretalx's API, and pull, plan, push again.

Usage: python benchmarks/pretalx_loop.py [--talks 300] [--runs 3] [--max-seconds 60]
                                         [--transcript]

Each run starts a pretalx 2025.2 of its own on 127.0.0.1 (`tests/pretalx_server.py`:
installed from the package registry into `.cache/pretalx` on first use), seeded with
TALKS confirmed talks over three days (`tests/pretalx_seed.py`: rooms scaled to the
talks, one talk with two runs, a third of the speakers available two days only, six
talks already placed), and times each command as an organiser runs it (`festival`, a
process each). Prints each step's seconds per run and their medians. With
--transcript, prints what each command printed (the README's "With pretalx" shows
such a run with 30 talks).

Run from the repository's root with the development environment active.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import pretalx_server

ZONE = ZoneInfo("Europe/Brussels")  # the seeded event's
STEPS = ("pull", "plan", "push", "pull again", "plan again", "push again")


def festival(args: list[str], env: dict[str, str], folder: Path) -> tuple[float, str]:
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "scheduler", *args],
        cwd=folder, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    took = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"festival {' '.join(args)} exited {done.returncode}:\n{done.stderr}")
    return took, done.stdout


def after_the_table(printed: str) -> str:
    """What `festival plan` prints after its timetable (the table itself left out)."""
    lines = printed.splitlines()
    ends = [i for i, line in enumerate(lines) if line.startswith("└")]
    if ends:
        lines = ["[the timetable]", *lines[ends[-1] + 1 :]]
    return "\n".join(lines) + "\n"


def unavailable_on_a_talks_day(server, folder: Path) -> str:
    """Make a placed talk's first speaker unavailable on that talk's day, through
    pretalx's API; returns the talk's id."""
    document = json.loads((folder / "calendars" / "timetable.json").read_text(encoding="utf-8"))
    talk = next(s for s in document["sessions"] if s["people"] and s["status"] == "CONFIRMED")
    day = datetime.fromisoformat(talk["start"]).astimezone(ZONE).date()
    days = ("2026-02-06", "2026-02-07", "2026-02-08")
    availabilities = [
        {"start": f"{d}T09:00:00+01:00", "end": f"{d}T18:00:00+01:00"}
        for d in days
        if d != day.isoformat()
    ]
    answer = httpx.patch(
        f"{server.url}/api/events/{server.event}/speakers/{talk['people'][0].upper()}/",
        headers={"Authorization": f"Token {server.token}"},
        json={"availabilities": availabilities},
    )
    answer.raise_for_status()
    return talk["id"]


def one_run(talks: int, max_seconds: float, transcript: bool) -> list[float]:
    with tempfile.TemporaryDirectory(prefix="pretalx-loop-") as tmp:
        folder = Path(tmp)
        with pretalx_server.running(folder / "pretalx", talks=talks) as server:
            env = dict(os.environ, PRETALX_TOKEN=server.token)
            pull = ["pretalx", "pull", server.url, server.event]
            plan = ["plan", f"{server.event}.toml", "--max-seconds", str(max_seconds)]
            push = ["pretalx", "push", server.url, server.event]
            times = []
            for args in (pull, plan, [*push, "--release", "1.0"]):
                took, printed = festival(args, env, folder)
                times.append(took)
                if transcript:
                    print(f"$ festival {' '.join(args)}\n{after_the_table(printed)}")
            moved = unavailable_on_a_talks_day(server, folder)
            if transcript:
                print(f"(speaker of {moved} now unavailable that day, changed in pretalx)\n")
            for args in (pull, plan, [*push, "--release", "1.1"]):
                took, printed = festival(args, env, folder)
                times.append(took)
                if transcript:
                    print(f"$ festival {' '.join(args)}\n{after_the_table(printed)}")
            return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--talks", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--max-seconds", type=float, default=60.0)
    parser.add_argument("--transcript", action="store_true")
    options = parser.parse_args()
    print(f"pretalx loop, {options.talks} talks, {options.runs} runs, load {os.getloadavg()}")
    runs = [
        one_run(options.talks, options.max_seconds, options.transcript) for _ in range(options.runs)
    ]
    for step, times in zip(STEPS, zip(*runs, strict=True), strict=True):
        shown = ", ".join(f"{t:.1f}" for t in times)
        print(f"{step:>11}: median {statistics.median(times):6.1f} s  ({shown})")


if __name__ == "__main__":
    main()
