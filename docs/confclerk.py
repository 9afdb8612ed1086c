"""Load a published schedule.xml into ConfClerk, the offline schedule app Debian ships
(used at FOSDEM and DebConf), and count what it stored: events, persons, the links
between them, and where it says the conference is.

ConfClerk has no command line: this starts it on a virtual screen (Xvfb) with a home
folder of its own, serves the published folder with `festival serve` on 127.0.0.1,
and types the schedule's address into its "add conference" dialog with xdotool, then
reads ConfClerk's own SQLite database. Needs Debian's confclerk, xvfb and xdotool:

    apt-get install confclerk xvfb xdotool
    python docs/confclerk.py calendars            # a published folder
    python docs/confclerk.py calendars --screenshot confclerk.png   # needs imagemagick

Prints one line per count, "ours" (from the schedule.xml) beside "ConfClerk" (what it
stored), and exits 1 if ConfClerk lost an event or a person.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from xml.etree import ElementTree

DISPLAY = ":93"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(what: str, check, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise SystemExit(f"confclerk.py: timed out waiting for {what}")


def ours(schedule: Path) -> dict[str, object]:
    root = ElementTree.parse(schedule).getroot()
    persons = {p.get("id") or p.text for p in root.iter("person")}
    links = sum(len(e.findall("persons/person")) for e in root.iter("event"))
    conference = root.find("conference")
    return {
        "events": len(root.findall(".//event")),
        "persons": len(persons),
        "event-person links": links,
        "venue": conference.findtext("venue"),
        "city": conference.findtext("city"),
    }


def theirs(database: Path) -> dict[str, object]:
    with sqlite3.connect(database) as db:
        count = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in
                 ("event", "person", "event_person")}  # fmt: skip
        venue, city = db.execute("SELECT venue, city FROM conference").fetchone()
    return {
        "events": count["event"],
        "persons": count["person"],
        "event-person links": count["event_person"],
        "venue": venue,
        "city": city,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="a folder festival plan published")
    parser.add_argument("--screenshot", type=Path, help="save the screen (needs imagemagick)")
    args = parser.parse_args()
    for tool in ("confclerk", "Xvfb", "xdotool", "festival"):
        if shutil.which(tool) is None:
            raise SystemExit(f"confclerk.py: {tool} is not installed")
    expected = ours(args.folder / "schedule.xml")
    home = Path(tempfile.mkdtemp(prefix="confclerk-home-"))
    env = {**os.environ, "HOME": str(home), "DISPLAY": DISPLAY}
    env.pop("XDG_DATA_HOME", None)
    port = free_port()
    started = []
    try:
        started.append(subprocess.Popen(["Xvfb", DISPLAY, "-screen", "0", "1280x800x24"]))
        started.append(
            subprocess.Popen(
                ["festival", "serve", "--dir", str(args.folder), "--port", str(port)],
                stderr=subprocess.DEVNULL,
            )
        )
        wait_for("festival serve", lambda: _answers(port))
        started.append(subprocess.Popen(["confclerk"], env=env, stderr=subprocess.DEVNULL))
        xdotool = ["xdotool"]

        def run(*words: str) -> str:
            return subprocess.run(
                [*xdotool, *words], env=env, capture_output=True, text=True, check=False
            ).stdout

        window = wait_for(
            "ConfClerk's window",
            lambda: run("search", "--onlyvisible", "--name", "ConfClerk").split(),
        )
        database = home / ".local/share/Toastfreeware/ConfClerk/ConfClerk.sqlite"
        wait_for("ConfClerk's database", database.exists)
        time.sleep(2)  # its first start fills the database after showing the window
        run("windowactivate", "--sync", window[0])
        # "Conferences" in the menu bar opens its dialog
        run("mousemove", "--window", window[0], "50", "10", "click", "1")
        time.sleep(1)
        run("mousemove", "--window", window[0], "176", "107", "click", "1")  # "+"
        time.sleep(1)  # its field for a schedule's address takes the keyboard
        run("type", "--delay", "20", f"http://127.0.0.1:{port}/schedule.xml")
        time.sleep(0.3)
        run("key", "Return")

        def imported() -> dict[str, object] | None:
            try:
                found = theirs(database)
            except (sqlite3.Error, TypeError):
                return None
            return found if found["events"] == expected["events"] else None

        try:
            stored = wait_for("the import", imported)
        finally:
            if args.screenshot:
                shot = ["import", "-window", "root", str(args.screenshot)]
                subprocess.run(shot, env=env, check=False)
    finally:
        for process in reversed(started):
            process.terminate()
            process.wait(timeout=10)
        shutil.rmtree(home, ignore_errors=True)
    for key in expected:
        print(f"{key:<20} ours {expected[key]!s:<40} ConfClerk {stored[key]}")
    lost = any(stored[k] != expected[k] for k in ("events", "persons", "event-person links"))
    return 1 if lost else 0


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


if __name__ == "__main__":
    sys.exit(main())
