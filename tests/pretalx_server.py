"""A real pretalx on 127.0.0.1 for the tests and the benchmark.

pretalx comes from the package registry into a virtual environment of its own
(`.cache/pretalx`: its dependencies are not ours); its database schema is made once into
a template (`.cache/pretalx-template`), which each server copies, seeds through
pretalx's own models (`pretalx_seed.py`) and serves with SQLite. The server's log is
read as it comes, so a test can wait for a request to be answered.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import venv
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOME = ROOT / ".cache" / "pretalx"
TEMPLATE = ROOT / ".cache" / "pretalx-template"
#: pretalx 2025.2 is the newest release that runs on Python 3.11 (2026.x needs 3.13)
PACKAGE = "pretalx==2025.2.*"
#: what `.installed` says once pretalx, its schema template and static files are made
MADE = f"{PACKAGE} migrated, static files collected"
SEED = Path(__file__).with_name("pretalx_seed.py")


class Unavailable(Exception):
    """pretalx cannot be installed or started here; the message says why."""


def _config(folder: Path, port: int) -> Path:
    """pretalx's configuration: its data in `folder`, the static files of the template
    (its pages, the 404 page included, fail without them)."""
    path = folder / "pretalx.cfg"
    path.write_text(
        f"[filesystem]\ndata = {folder / 'data'}\nstatic = {TEMPLATE / 'static'}\n\n"
        f"[site]\ndebug = False\nurl = http://127.0.0.1:{port}\n\n"
        "[database]\nbackend = sqlite3\n\n[mail]\nfrom = festival@example.org\n",
        encoding="utf-8",
    )
    return path


def _run(args: list[str], env: dict[str, str], what: str) -> str:
    done = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise Unavailable(f"{what} failed: {(done.stderr or done.stdout)[-400:]}")
    return done.stdout


def python() -> Path:
    """pretalx's interpreter, with its database template made; installs on first use."""
    interpreter = HOME / "bin" / "python"
    HOME.parent.mkdir(parents=True, exist_ok=True)
    with open(str(HOME) + ".lock", "w") as lock:  # one installer at a time (stdlib only:
        fcntl.flock(lock, fcntl.LOCK_EX)  # `.ci/run` runs this file with the system Python)
        if (HOME / ".installed").exists() and (HOME / ".installed").read_text() == MADE:
            return interpreter
        venv.EnvBuilder(clear=True, with_pip=True).create(HOME)
        env = dict(os.environ)
        _run(
            [str(interpreter), "-m", "pip", "install", "-q", "--disable-pip-version-check",
             PACKAGE],
            env, f"pip install {PACKAGE}",
        )  # fmt: skip
        shutil.rmtree(TEMPLATE, ignore_errors=True)
        TEMPLATE.mkdir(parents=True)
        env["PRETALX_CONFIG_FILE"] = str(_config(TEMPLATE, 8000))
        _run([str(interpreter), "-m", "pretalx", "migrate"], env, "pretalx migrate")
        collect = [str(interpreter), "-m", "pretalx", "collectstatic", "--noinput"]
        _run(collect, env, "pretalx collectstatic")
        (HOME / ".installed").write_text(MADE)
    return interpreter


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    """A running pretalx: its address, event, tokens, and its log so far."""

    url: str
    event: str
    token: str
    read_token: str
    process: subprocess.Popen
    log: list[str] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def wait_for(self, predicate, what: str) -> None:
        """Wait until `predicate(log)` holds, the log grows, or the server ends."""
        with self.changed:
            while not predicate(self.log):
                if self.process.poll() is not None:
                    raise AssertionError(f"pretalx ended before {what}: {self.log[-20:]}")
                self.changed.wait()

    def pause(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)


@contextmanager
def running(folder: Path, talks: int = 30, placed: int = 6) -> Iterator[Server]:
    """A seeded pretalx serving from `folder` until the block ends."""
    interpreter = python()
    port = _free_port()
    shutil.copytree(TEMPLATE / "data", folder / "data")
    env = dict(os.environ, PRETALX_CONFIG_FILE=str(_config(folder, port)), PYTHONUNBUFFERED="1")
    env["DJANGO_SETTINGS_MODULE"] = "pretalx.settings"
    printed = _run([str(interpreter), str(SEED), str(talks), str(placed)], env, "seeding pretalx")
    seeded = json.loads(printed.strip().splitlines()[-1])  # pretalx may say more before
    process = subprocess.Popen(
        [str(interpreter), "-m", "pretalx", "runserver", f"127.0.0.1:{port}", "--noreload"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )  # fmt: skip
    server = Server(f"http://127.0.0.1:{port}", seeded["event"], seeded["token"],
                    seeded["read_token"], process)  # fmt: skip

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            with server.changed:
                server.log.append(line.rstrip("\n"))
                server.changed.notify_all()
        with server.changed:
            server.changed.notify_all()

    threading.Thread(target=read, daemon=True).start()
    try:
        server.wait_for(lambda log: any("Quit the server" in line for line in log), "starting")
        yield server
    finally:
        process.send_signal(signal.SIGCONT)
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


if __name__ == "__main__":  # install and make the template: what `.ci/run` does first
    try:
        print(python())
    except Unavailable as error:
        print(f"pretalx is unavailable: {error}", file=sys.stderr)
