"""The `festival` command line, driven through click's CliRunner."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tomllib
from datetime import datetime, time
from pathlib import Path

import click
import icalendar
import pytest
from click.testing import CliRunner
from conftest import BAD_INPUTS, DEFAULT_CONFIG, ROOT, SMALL, snapshot

from scheduler import config, generate, plan, revisions, solver, validate
from scheduler.cli import cli


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def published(runner, tmp_path, monkeypatch):
    """A folder holding a previous, good plan of the small festival."""
    monkeypatch.chdir(tmp_path)
    Path("f.toml").write_text(SMALL, encoding="utf-8")
    result = runner.invoke(cli, ["plan", "f.toml", "--out", "calendars"])
    assert result.exit_code == 0, result.output
    return tmp_path / "calendars"


def test_plan_on_the_default_festival(runner, tmp_path):
    out = tmp_path / "calendars"
    result = runner.invoke(cli, ["plan", str(DEFAULT_CONFIG), "--out", str(out)])
    assert result.exit_code == 0, result.output
    festival = config.load(DEFAULT_CONFIG)
    for session in festival.sessions:
        assert session.title in result.output
    assert "Proven optimal" in result.output
    assert "Validator: every rule holds." in result.output
    document = json.loads((out / "timetable.json").read_text(encoding="utf-8"))
    assert document["festival"]["id"] == "ctc-tech-festival-2023"
    assert document["solver"]["status"] == "OPTIMAL"
    assert document["solver"]["objective"] == document["solver"]["bound"]
    sessions = {s["id"]: s for s in document["sessions"]}
    assert set(sessions) == {s.id for s in festival.sessions}
    opening = sessions["opening"]
    assert opening["start"] == "2023-10-09T09:30:00+08:00"
    assert opening["end"] == "2023-10-09T12:00:00+08:00"
    assert opening["venue"] == "bj-main"
    assert opening["people"] == ["chair", "president", "cto"]
    assert all(s["sequence"] == 0 for s in sessions.values())
    assert all(s["start"].endswith("+08:00") for s in sessions.values())


def test_plan_without_arguments_uses_the_default_festival(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no config/ here: the festival shipped with the package
    result = runner.invoke(cli, ["plan", "--quiet"])
    assert result.exit_code == 0, result.output
    document = json.loads((tmp_path / "calendars/timetable.json").read_text(encoding="utf-8"))
    assert document["festival"]["id"] == "ctc-tech-festival-2023"
    assert f"into {tmp_path / 'calendars'}/" in result.output  # says where it writes


def test_a_non_editable_install_ships_the_default_festival(tmp_path):
    """`pip install .` (not editable), run from outside the repository."""
    target = tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target)]
    install = subprocess.run(
        [*pip, str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert install.returncode == 0, install.stderr
    shipped = target / "scheduler" / "festival.toml"
    assert not shipped.is_symlink()
    assert shipped.read_bytes() == DEFAULT_CONFIG.read_bytes()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run = subprocess.run(
        [sys.executable, "-m", "scheduler", "plan", "--quiet"],
        capture_output=True,
        text=True,
        cwd=elsewhere,
        env={**os.environ, "PYTHONPATH": str(target)},
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert str(shipped) in run.stderr  # the installed copy, not the repository's
    assert (elsewhere / "calendars" / "timetable.json").exists()


def test_rerun_is_byte_identical_and_leaves_files_untouched(runner, published):
    before = snapshot(published)
    result = runner.invoke(cli, ["plan", "f.toml", "--out", "calendars"])
    assert result.exit_code == 0
    assert "0 files written, 10 unchanged" in result.output
    assert snapshot(published) == before


@pytest.mark.parametrize(("old", "new", "expected"), BAD_INPUTS)
def test_bad_input_exits_2_with_one_message_and_touches_nothing(
    runner, published, old, new, expected
):
    before = snapshot(published)
    Path("f.toml").write_text(SMALL.replace(old, new, 1), encoding="utf-8")
    result = runner.invoke(cli, ["plan", "f.toml", "--out", "calendars"])
    assert result.exit_code == 2
    assert f"Error: {expected}" in result.output or f"\n{expected}" in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert snapshot(published) == before


def test_infeasible_definition_exits_1_and_touches_nothing(runner, published):
    before = snapshot(published)
    Path("f.toml").write_text(
        SMALL.replace("attendance = 200", "attendance = 999"), encoding="utf-8"
    )
    result = runner.invoke(cli, ["plan", "f.toml", "--out", "calendars"])
    assert result.exit_code == 1
    assert "proven infeasible" in result.output
    assert "no venue holds 999 people" in result.output
    assert snapshot(published) == before


def test_missing_config_file_is_bad_input(runner, tmp_path):
    result = runner.invoke(
        cli, ["plan", str(tmp_path / "nope.toml"), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 2
    assert "nope.toml: no such file" in result.output
    assert not (tmp_path / "out").exists()


def test_check_summarises_a_good_definition(runner):
    result = runner.invoke(cli, ["check", str(DEFAULT_CONFIG)])
    assert result.exit_code == 0, result.output
    assert (
        "OK: 中国电信第三届科技节 (ctc-tech-festival-2023), 12 sessions, 6 venues" in result.output
    )
    assert "23 usable days (2023-10-09..2023-11-09, workdays:CN, 1 blackout)" in result.output


def test_check_reports_bad_input_and_homeless_sessions(runner, tmp_path):
    bad = tmp_path / "f.toml"
    bad.write_text(SMALL.replace('duration = "2h"', 'duration = "long"'), encoding="utf-8")
    result = runner.invoke(cli, ["check", str(bad)])
    assert result.exit_code == 2 and "sessions[0].duration" in result.output
    bad.write_text(SMALL.replace("attendance = 200", "attendance = 999"), encoding="utf-8")
    result = runner.invoke(cli, ["check", str(bad)])
    assert result.exit_code == 1 and "session 'keynote' fits no venue" in result.output


def test_fallback_year_warns_on_stderr(runner, tmp_path):
    text = SMALL.replace("2023-09-28", "2031-09-29").replace("2023-10-10", "2031-10-10")
    text = text.replace('days = "workdays:CN"', 'days = "workdays:CN"\nworkdays_fallback = true')
    path = tmp_path / "f.toml"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(cli, ["check", str(path)])
    assert result.exit_code == 0
    assert "Warning:" in result.stderr and "2031" in result.stderr


def _commands(group: click.Group = cli, path: tuple[str, ...] = ()):
    """Every command and group, as the words that name it: ("plan",), ("pretalx", "pull")."""
    for name, command in sorted(group.commands.items()):
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))


COMMANDS = dict(_commands())


@pytest.mark.parametrize("command", sorted(COMMANDS), ids=" ".join)
def test_every_command_has_help_with_an_example(runner, command):
    result = runner.invoke(cli, [*command, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert runner.invoke(cli, [*command, "-h"]).output == result.output


@pytest.mark.parametrize("command", sorted(COMMANDS), ids=" ".join)
def test_help_examples_keep_their_lines_and_every_option_says_what_it_does(runner, command):
    """An example is a command to copy: rewrapped at a narrow terminal it would not run."""
    docstring = COMMANDS[command].help
    example = docstring.split("Example:", 1)[1].strip().splitlines()[0].strip()
    narrow = runner.invoke(cli, [*command, "--help"], terminal_width=60).output
    assert example in narrow.splitlines()[narrow.splitlines().index("  Example:") + 1]
    undocumented = [
        parameter.opts[-1]
        for parameter in COMMANDS[command].params
        if isinstance(parameter, click.Option) and not parameter.help
    ]
    assert undocumented == []


def test_init_then_plan_in_an_empty_folder_publishes_a_page_and_feeds(
    runner, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["init"])
    assert result.exit_code == 0, result.output
    assert "festival plan" in result.output
    starter = config.load(Path("config/festival.toml"))
    planned = runner.invoke(cli, ["plan", "--quiet"])
    assert planned.exit_code == 0, planned.output
    out = Path("calendars")
    document = json.loads((out / "timetable.json").read_text(encoding="utf-8"))
    assert document["festival"]["id"] == starter.id != "ctc-tech-festival-2023"
    published = revisions.read_published(out / "timetable.json").entries
    timetable = plan.previous_timetable(starter, published)
    assert len(timetable.placements) == len(starter.sessions)
    assert validate.violations(starter, timetable) == []
    feed = icalendar.Calendar.from_ical((out / "festival.ics").read_bytes())
    titles = {str(event["SUMMARY"]) for event in feed.walk("VEVENT")}
    assert titles == {session.title for session in starter.sessions}
    for person in starter.people:
        assert (out / "people" / f"{person.id}.ics").is_file()
    page = (out / "index.html").read_text(encoding="utf-8")
    assert all(session.title in page for session in starter.sessions)
    assert 'href="festival.ics"' in page


def test_init_never_replaces_a_definition(runner, tmp_path):
    target = tmp_path / "mine" / "config" / "festival.toml"
    assert runner.invoke(cli, ["init", str(tmp_path / "mine")]).exit_code == 0
    target.write_text("# my own programme\n", encoding="utf-8")
    result = runner.invoke(cli, ["init", str(tmp_path / "mine")])
    assert result.exit_code == 2
    assert "already exists" in result.output
    assert target.read_text(encoding="utf-8") == "# my own programme\n"


def test_group_help_and_version(runner):
    assert "plan" in runner.invoke(cli, ["--help"]).output
    assert runner.invoke(cli, ["--version"]).output.startswith("festival, version ")


def test_the_command_line_plans_with_the_librarys_default_budget(runner, tmp_path, monkeypatch):
    """`festival plan` without options and `solver.solve` without options are one budget."""
    seen = []

    def recorded(*args, options, **kwargs):
        seen.append(options)
        raise SystemExit(0)

    monkeypatch.setattr(plan, "plan", recorded)
    (tmp_path / "small.toml").write_text(SMALL, encoding="utf-8")
    runner.invoke(cli, ["plan", str(tmp_path / "small.toml"), "--out", str(tmp_path / "out")])
    assert seen == [solver.Options()]
    assert seen[0].time_limit == 28


def test_python_dash_m_runs_the_cli():
    result = subprocess.run(
        [sys.executable, "-m", "scheduler", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0 and "Usage: festival" in result.stdout


def interruptible() -> None:
    """In the child before it starts: Ctrl-C as in a user's terminal, even when the
    test run itself was started in the background (which ignores SIGINT, inherited)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def long_search(tmp_path):
    """`festival plan` on a generated festival whose search runs for minutes, and its
    output folder."""
    from scheduler import generate

    definition = tmp_path / "big.toml"
    shape = generate.Shape(sessions=120, venues=10, people=30, days=10, rules=0.2)
    definition.write_text(generate.festival_toml(7, shape), encoding="utf-8")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "scheduler", "plan", str(definition), "--out", str(out)]
    return [*command, "--time-limit", "10000"], out


def test_ctrl_c_stops_with_the_best_timetable_shown_and_nothing_published(tmp_path):
    import signal

    command, out = long_search(tmp_path)
    process = subprocess.Popen(
        [*command, "--verbose"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        preexec_fn=interruptible,
    )
    first = process.stderr.readline()  # waits for the event: a timetable exists
    assert first.startswith("Better timetable after "), first
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "Interrupted. Best found, not proven optimal" in stdout
    assert "Validator: every rule holds" in stdout
    assert "nothing was published" in stderr
    assert not out.exists()


@pytest.mark.parametrize(
    "module", ["click", "numpy", "ortools.sat.python.cp_model", "scheduler.cli"]
)
def test_ctrl_c_while_starting_exits_130_without_a_traceback(tmp_path, module):
    import signal

    (tmp_path / "f.toml").write_text(SMALL, encoding="utf-8")
    plan = ["plan", str(tmp_path / "f.toml"), "--out", str(tmp_path / "out")]
    process = subprocess.Popen(
        [sys.executable, "-X", "importtime", "-m", "scheduler", *plan],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        preexec_fn=interruptible,
    )
    seen = []
    for line in process.stderr:  # each line: a module has just been imported
        seen.append(line)
        if line.rsplit("|", 1)[-1].strip() == module:
            break
    process.send_signal(signal.SIGINT)
    _, rest = process.communicate(timeout=60)
    errors = "".join(seen) + rest
    assert process.returncode == 130, errors[-2000:]
    assert "Traceback" not in errors and "KeyboardInterrupt" not in errors
    assert "Interrupted." in errors
    assert not (tmp_path / "out").exists()


def test_ctrl_c_before_python_starts_leaves_nothing_behind(tmp_path):
    import signal

    (tmp_path / "f.toml").write_text(SMALL, encoding="utf-8")
    plan = ["plan", str(tmp_path / "f.toml"), "--out", str(tmp_path / "out")]
    process = subprocess.Popen(
        [sys.executable, "-m", "scheduler", *plan],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        preexec_fn=interruptible,
    )
    process.send_signal(signal.SIGINT)
    _, errors = process.communicate(timeout=60)
    # stopped by the signal itself, or by our handler: what a shell reports as 130
    assert process.returncode in (130, -signal.SIGINT)
    assert "Traceback" not in errors
    assert not (tmp_path / "out").exists()


def test_the_progress_line_shows_elapsed_best_bound_and_gap():
    from scheduler.terminal import ProgressLine as _ProgressLine

    line = _ProgressLine(enabled=False)
    assert "no timetable yet" in str(line.__rich__())
    line.update(solver.Progress(1.0, objective=50, bound=40, solutions=3, phase="soft goals"))
    text = str(line.__rich__())
    assert "soft goals: best 50" in text and "bound 40" in text and "gap 20.0%" in text
    assert text.startswith("Solving…") and " s · " in text


def on_a_terminal(command: list[str]):
    """Run `command` on a pseudo-terminal: the process, and a function that reads its
    output until a marker appears (the marker is an event; the deadline only bounds a
    hang)."""
    import os
    import pty
    import select
    import time

    master, slave = pty.openpty()
    process = subprocess.Popen(
        command,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env={**os.environ, "COLUMNS": "200"},
        preexec_fn=interruptible,
    )
    os.close(slave)
    seen = bytearray()

    def read_until(marker: bytes, seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        while marker not in seen and time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    seen.extend(os.read(master, 65536))
                except OSError:
                    break
        assert marker in seen, bytes(seen[-2000:])

    return process, master, read_until


def test_on_a_terminal_ctrl_c_offers_to_publish_the_best_timetable(tmp_path):
    import os
    import signal

    command, out = long_search(tmp_path)
    process, master, read_until = on_a_terminal(command)
    read_until("Solving…".encode())  # the live line runs on a terminal
    read_until(b": best ")  # ... and shows that a timetable exists
    process.send_signal(signal.SIGINT)
    read_until(b"Publish this timetable")
    os.write(master, b"y\n")
    read_until(b"Published")
    assert process.wait(timeout=60) == 0
    os.close(master)
    assert (out / "timetable.json").exists() and (out / "festival.ics").exists()


def test_a_second_ctrl_c_at_the_publish_prompt_exits_130_and_publishes_nothing(tmp_path):
    import os
    import signal

    command, out = long_search(tmp_path)
    process, master, read_until = on_a_terminal(command)
    read_until(b": best ")
    process.send_signal(signal.SIGINT)
    read_until(b"Publish this timetable")
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 130
    read_until(b"nothing was published")
    os.close(master)
    assert not out.exists()


# --- the environment fails: one line, exit code 4, the previous publication intact -----

MOUNTED = """
import json, pathlib, subprocess, sys
mount_point, first, second, fault = sys.argv[1:5]
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", mount_point], check=True)
out = pathlib.Path(mount_point) / "calendars"
festival = [sys.executable, "-m", "scheduler", "plan", "--out", str(out), "-q"]
assert subprocess.run([*festival, first]).returncode == 0
def snapshot():
    return {str(p): (p.read_bytes().hex(), p.stat().st_mtime_ns) for p in sorted(out.rglob("*"))
            if p.is_file()}
before = snapshot()
if fault == "full":
    try:
        with open(pathlib.Path(mount_point) / "filler", "wb") as filler:
            while True:
                filler.write(bytes(65536))
    except OSError:
        pass
else:
    subprocess.run(["mount", "-o", "remount,ro", mount_point], check=True)
run = subprocess.run([*festival, second], capture_output=True, text=True)
print(json.dumps({"code": run.returncode, "stderr": run.stderr, "same": snapshot() == before,
                  "beside": sorted(p.name for p in pathlib.Path(mount_point).iterdir()
                                   if p.name.startswith(".calendars.festival-")
                                   and not p.name.endswith("-lock"))}))
"""


def _can_mount() -> str | None:
    """Why tmpfs mounts in a private namespace are not possible here, or None."""
    import shutil

    if shutil.which("unshare") is None:
        return "unshare is not installed"
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
        capture_output=True,
        check=False,
    )
    return None if probe.returncode == 0 else "cannot mount a tmpfs (needs root)"


@pytest.mark.parametrize(
    ("fault", "reason"),
    [("full", "No space left on device"), ("readonly", "Read-only file system")],
)
def test_a_full_or_read_only_disk_is_one_line_and_nothing_changes(tmp_path, fault, reason):
    why = _can_mount()
    if why:
        pytest.skip(why)
    (tmp_path / "mnt").mkdir()
    first, second = tmp_path / "first.toml", tmp_path / "second.toml"
    first.write_text(SMALL, encoding="utf-8")
    second.write_text(SMALL.replace('title = "工作坊"', 'title = "新工作坊"'), encoding="utf-8")
    scenario = [MOUNTED, str(tmp_path / "mnt"), str(first), str(second), fault]
    run = subprocess.run(
        ["unshare", "-m", "--propagation", "private", sys.executable, "-c", *scenario],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    outcome = json.loads(run.stdout)
    assert outcome["code"] == 4, outcome
    (line,) = outcome["stderr"].splitlines()
    assert line.startswith(f"Error: cannot publish into {tmp_path / 'mnt' / 'calendars'}/: ")
    assert line.endswith(f"{reason}; the previous publication is intact"), line
    assert outcome["same"] and outcome["beside"] == []


def test_a_file_where_a_feed_folder_should_be_is_exit_4(runner, published):
    import shutil

    shutil.rmtree(published / "tracks")
    (published / "tracks").write_text("not a folder", encoding="utf-8")
    before = snapshot(published)
    Path("f.toml").write_text(
        SMALL.replace('title = "工作坊"', 'title = "新工作坊"'), encoding="utf-8"
    )
    result = runner.invoke(cli, ["plan", "f.toml", "--out", "calendars"])
    assert result.exit_code == 4
    assert result.output == (
        "Error: cannot publish into calendars/: calendars/tracks is a file where a folder is "
        "needed; the previous publication is intact\n"
    )
    assert snapshot(published) == before


def test_publishing_into_the_current_folder_is_refused(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("f.toml").write_text(SMALL, encoding="utf-8")
    result = runner.invoke(cli, ["plan", "f.toml", "--out", "."])
    assert result.exit_code == 2
    assert "it holds the current folder; choose an output folder of its own" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.toml"]


def test_an_output_folder_under_a_file_is_exit_4(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("f.toml").write_text(SMALL, encoding="utf-8")
    Path("notes.txt").write_text("a file, not a folder", encoding="utf-8")
    result = runner.invoke(cli, ["plan", "f.toml", "--out", "notes.txt/calendars"])
    assert result.exit_code == 4
    (line,) = result.output.splitlines()
    assert line.startswith("Error: cannot publish into notes.txt/calendars/: ")
    assert line.endswith("the previous publication is intact")


def test_a_damaged_feed_of_a_removed_person_is_replaced_all_the_same(runner, published):
    (published / "people" / "ghost.ics").write_bytes(b"\xff\x00not a calendar\nX-WR-CALNAME:a\\nb")
    result = runner.invoke(cli, ["plan", "f.toml", "--out", "calendars"])
    assert result.exit_code == 0, result.output
    assert b"BEGIN:VCALENDAR" in (published / "people" / "ghost.ics").read_bytes()


def test_the_conference_example_plans_with_every_goal_it_weighs(tmp_path):
    """`config/conference.toml`, the conference example of docs/performance.md: every goal a real
    programme is judged by is in it, and a plan publishes a timetable the validator
    accepts, with its attendees' clashes counted."""
    path = ROOT / "config" / "conference.toml"
    festival = config.load(path)
    weights = festival.weights
    assert weights.attendee_clash and weights.person_days and weights.room_fit
    assert weights.tag_overlap and festival.interest
    assert {g.weight is None for g in festival.together} == {True, False}  # hard and weighed
    assert {g.same for g in festival.together} >= {"block", "venue", "day", "venue-day"}
    assert len(festival.sessions) >= 150 and len({v.city for v in festival.venues}) == 1
    out = tmp_path / "calendars"
    result = CliRunner().invoke(cli, ["plan", str(path), "--out", str(out), "--time-limit", "3"])
    assert result.exit_code == 0, result.output
    assert "Validator: every rule holds." in result.output
    published = json.loads((out / "timetable.json").read_text(encoding="utf-8"))
    penalties = published["solver"]["penalties"]
    assert {"tag_overlap", "person_days", "attendee_clash", "room_fit", "together"} <= set(
        penalties
    )
    attendees = published["solver"]["attendees"]
    assert attendees["clashes"] == penalties["attendee_clash"]
    assert f"{attendees['with_clash']} of {len(festival.interest)} have a clash" in result.output
    published = revisions.read_baseline(out / "timetable.json", festival)
    timetable = plan.previous_timetable(festival, published.entries)
    assert len(timetable.placements) == len(festival.sessions)
    assert validate.violations(festival, timetable) == []


def test_every_session_of_a_slot_programme_sits_in_its_own_slots(tmp_path):
    """Checked from `timetable.json` and the definition's slots alone: each session starts
    at a slot of its room and ends within its `span` slots, and no slot holds two."""
    shape = generate.Programme(sessions=60, venues=3, slots=1.0)
    path = tmp_path / "slots.toml"
    path.write_text(generate.programme_toml(4, shape), encoding="utf-8")
    definition = tomllib.loads(path.read_text(encoding="utf-8"))
    assert all("slots" in v for v in definition["venues"])
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["plan", str(path), "--out", str(out), "--time-limit", "5"])
    assert result.exit_code == 0, result.output
    published = json.loads((out / "timetable.json").read_text(encoding="utf-8"))

    def minutes(text: str) -> int:
        return time.fromisoformat(text).hour * 60 + time.fromisoformat(text).minute

    slots = {
        (v["id"], date): [tuple(minutes(t) for t in slot.split("-")) for slot in ranges]
        for v in definition["venues"]
        for date, ranges in v["slots"].items()
    }
    spans = {s["id"]: s.get("span", 1) for s in definition["sessions"]}
    taken: dict[tuple[str, str, int], str] = {}
    for session in published["sessions"]:
        start = datetime.fromisoformat(session["start"])
        end = datetime.fromisoformat(session["end"])
        grid = slots[(session["venue"], start.date().isoformat())]
        begins, ends = start.hour * 60 + start.minute, end.hour * 60 + end.minute
        first = [i for i, (a, _) in enumerate(grid) if a == begins]
        assert first, (session["id"], "does not start at a slot")
        last = first[0] + spans[session["id"]] - 1
        assert last < len(grid) and ends <= grid[last][1], (session["id"], "runs past its slots")
        for i in range(first[0], last + 1):
            if grid[i][0] < ends:
                key = (session["venue"], start.date().isoformat(), i)
                assert key not in taken, (session["id"], "shares a slot with", taken.get(key))
                taken[key] = session["id"]


def test_the_slot_grid_example_keeps_its_slots_and_one_track_per_block(tmp_path):
    """`config/slotted.toml`, the slot-grid example of docs/performance.md: every room has slots and
    half-day blocks; checked from `timetable.json` and the definition alone, each block's
    sessions share one track, and the block [[blocks]] names holds that track."""
    path = ROOT / "config" / "slotted.toml"
    definition = tomllib.loads(path.read_text(encoding="utf-8"))
    assert definition["festival"]["one_track_per_block"] and definition["blocks"]
    assert all("slots" in v and "blocks" in v for v in definition["venues"])
    sessions = definition["sessions"]
    assert {"span", "prefer", "avoid", "unavailable"} <= {key for s in sessions for key in s}
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["plan", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Validator: every rule holds." in result.output
    published = json.loads((out / "timetable.json").read_text(encoding="utf-8"))
    assert {s["id"] for s in published["sessions"]} == {s["id"] for s in sessions}

    def minutes(text: str) -> int:
        return time.fromisoformat(text).hour * 60 + time.fromisoformat(text).minute

    blocks = {
        v["id"]: [tuple(minutes(t) for t in block.split("-")) for block in v["blocks"]]
        for v in definition["venues"]
    }
    held: dict[tuple[str, str, int], set[str]] = {}
    for session in published["sessions"]:
        start = datetime.fromisoformat(session["start"])
        begins = start.hour * 60 + start.minute
        block = next(i for i, (a, b) in enumerate(blocks[session["venue"]]) if a <= begins < b)
        if session["track"]:
            key = (session["venue"], start.date().isoformat(), block)
            held.setdefault(key, set()).add(session["track"])
    assert all(len(tracks) == 1 for tracks in held.values()), held
    for named in definition["blocks"]:
        block = blocks[named["venue"]].index(tuple(minutes(t) for t in named["time"].split("-")))
        key = (named["venue"], named["date"].isoformat(), block)
        assert held.get(key, {named["track"]}) == {named["track"]}


FIXED_CLASHES = """\
[festival]
id = "clash"
name = "Clash"
timezone = "Asia/Shanghai"
start = 2023-09-28
end = 2023-09-29
days = "all"
step = "30m"

[[venues]]
id = "hall"
name = "Hall"
city = "北京"
capacity = 300
hours = "09:00-18:00"

[[people]]
id = "ceo"
name = "CEO"

[[sessions]]
id = "a"
title = "A"
duration = "1h"
people = ["ceo"]
fixed = { start = 2023-09-28T09:00:00, venue = "hall" }

[[sessions]]
id = "b"
title = "B"
duration = "1h"
fixed = { start = 2023-09-28T10:30:00, venue = "hall" }

[[sessions]]
id = "c"
title = "C"
duration = "1h"
people = ["ceo"]
fixed = { start = 2023-09-28T09:30:00 }

[[sessions]]
id = "d"
title = "D"
duration = "1h"
fixed = { start = 2023-09-29T17:30:00, venue = "hall" }

[[sessions]]
id = "free"
title = "Free"
duration = "1h"
"""


@pytest.mark.parametrize("command", [["plan", "f.toml"], ["check", "f.toml", "--explain"]])
def test_fixed_sessions_that_clash_are_all_named_before_any_search(tmp_path, monkeypatch, command):
    """Conflicts among fixed sessions (a person in two at once, and so the one room
    twice; one after hours): all reported at once, each with the keys and lines that
    state it, exit 1, nothing published."""
    monkeypatch.chdir(tmp_path)
    Path("f.toml").write_text(FIXED_CLASHES, encoding="utf-8")
    result = CliRunner().invoke(cli, command)
    assert result.exit_code == 1, result.output
    assert not Path("calendars").exists()
    lines = FIXED_CLASHES.splitlines()

    def line_of(text: str, after: str) -> int:
        return lines.index(text, lines.index(after)) + 1

    out = result.output
    assert "proven infeasible" in out
    assert "  - ceo is in 'a' and 'c' at once [people.break]" in out
    fixed_c = line_of("fixed = { start = 2023-09-28T09:30:00 }", 'id = "c"')
    hours = line_of('hours = "09:00-18:00"', 'id = "hall"')
    assert f"f.toml:{fixed_c}: sessions[2].fixed: session 'c' is fixed at 2023-09-28 09:30" in out
    assert "is outside the venue's opening hours [venues.hours]" in out
    assert f"f.toml:{hours}: venues[0].hours" in out
    assert "  - sessions 'a' and 'c' in hall are too close" in out
    assert out.count("\n  - ") == 3


@pytest.mark.parametrize(
    ("moves_proven", "objective", "bound", "expected"),
    [
        (None, 15, 15, "Proven optimal: penalty 15"),
        (False, 0, 0, "Best found: 3 sessions moved, not proven the fewest; penalty 0, the "
                      "least with those moves"),
        (False, 40, 10, "Best found, not proven optimal: 3 sessions moved, not proven the "
                        "fewest; penalty 40"),
        (True, 40, 10, "Best found, not proven optimal: penalty 40"),
    ],
)  # fmt: skip
def test_the_summary_says_which_part_is_not_proven(moves_proven, objective, bound, expected):
    """A re-plan by neighbourhoods may prove the penalty for its moves and not the moves:
    the summary says so, instead of 'not proven optimal: penalty 0, lower bound 0'."""
    from scheduler import terminal
    from scheduler.model import Status, Timetable

    festival = config.loads(SMALL)
    status = Status.OPTIMAL if expected.startswith("Proven") else Status.FEASIBLE
    timetable = Timetable(festival.id, (), status, objective, bound, {}, {"moved": 3})
    result = solver.Result(status, timetable, moves_proven=moves_proven)
    line = terminal.summary(festival, result, timetable)
    assert line.startswith(expected), line
    assert "lower bound 0" not in line or objective > 0
