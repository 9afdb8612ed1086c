"""The `festival` command: a thin layer over `scheduler.plan` and friends.

Exit codes: 0 done, 1 no timetable exists, 2 bad input, 3 internal error (a
timetable the validator rejects; nothing is published), 4 the output folder
could not be written (the previous publication is intact), 130 interrupted.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.resources
import json
import select
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

from . import config, days, diff, publish, revisions, solver
from . import plan as planning
from .model import SOFT_GOALS, Festival, Timetable
from .publish import PublishError, UnsafeFolder

DEFAULT_CONFIG = Path("config") / "festival.toml"


class BadInput(click.ClickException):
    exit_code = 2


class NoTimetableFound(click.ClickException):
    exit_code = 1


class InternalError(click.ClickException):
    exit_code = 3


class CannotWrite(click.ClickException):
    exit_code = 4


class Stopped(click.ClickException):
    exit_code = 130  # as for a command stopped by Ctrl-C


def default_config() -> Path:
    """`config/festival.toml` here, else the default festival shipped in the package."""
    return DEFAULT_CONFIG if DEFAULT_CONFIG.exists() else shipped_festival()


def shipped_festival() -> Path:
    """The default festival as installed with the package."""
    return Path(str(importlib.resources.files("scheduler") / "festival.toml"))


def solver_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options every solving command shares."""

    @click.option(
        "--time-limit",
        type=click.FloatRange(min=0.01),
        default=30.0,
        show_default=True,
        help="Solver budget in CP-SAT deterministic time units: reproducible whatever "
        "the machine's load; wall-clock time varies with the machine and the problem.",
    )
    @click.option(
        "--workers",
        type=click.IntRange(min=1),
        default=2,
        show_default=True,
        help="Solver threads. Like every option, part of what makes a run reproducible: "
        "the same options give the same timetable.",
    )
    @click.option(
        "--seed",
        type=int,
        default=0,
        show_default=True,
        help="Solver random seed; the same seed gives the same timetable.",
    )
    @click.option(
        "--max-seconds",
        type=click.FloatRange(min=0.1),
        default=None,
        help="Optional wall-clock cap per solve phase. If it, rather than --time-limit, "
        "stops the solver, the result may differ between runs (you are told).",
    )
    @functools.wraps(command)
    def wrapper(
        *args: Any,
        time_limit: float,
        workers: int,
        seed: int,
        max_seconds: float | None,
        **kwargs: Any,
    ) -> Any:
        options = solver.Options(
            time_limit=time_limit, workers=workers, seed=seed, max_seconds=max_seconds
        )
        return command(*args, options=options, **kwargs)

    return wrapper


config_argument = click.argument(
    "config_path",
    metavar="[CONFIG]",
    required=False,
    type=click.Path(dir_okay=False, path_type=Path),
)


def _load(config_path: Path | None) -> Festival:
    path = config_path or default_config()
    try:
        festival = config.load(path)
    except config.ConfigError as error:
        raise BadInput(str(error)) from None
    for warning in days.working_days(festival.days, festival.start, festival.end)[1]:
        click.echo(f"Warning: {path}: festival.days: {warning}", err=True)
    return festival


def _console(err: bool = False) -> Console:
    stream = sys.stderr if err else sys.stdout
    tty = stream.isatty()
    return Console(
        file=stream,
        width=None if tty else 200,
        highlight=False,
        force_terminal=None if tty else False,
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="festival-scheduler", prog_name="festival")
def cli() -> None:
    """Plan a festival programme with a constraint solver and publish it.

    Reads a festival definition (TOML), lays every session out over dates,
    times and venues with OR-Tools CP-SAT, checks the result with an
    independent validator, and writes calendars/timetable.json.

    Example:

        festival plan                # the default festival, config/festival.toml
    """


@cli.command()
@config_argument
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("calendars"),
    show_default=True,
    help="Folder to publish into; files are replaced only when all succeeded.",
)
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The published timetable.json to keep close to and whose revisions continue "
    "[default: OUT/timetable.json if it exists].",
)
@click.option(
    "--fresh",
    is_flag=True,
    help="Choose every place from scratch, ignoring where sessions were published; "
    "revision numbers still continue from the published plan.",
)
@click.option(
    "--freeze-until",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Published sessions that start before this date (YYYY-MM-DD) do not move.",
)
@click.option("-q", "--quiet", is_flag=True, help="Print no timetable, only errors.")
@click.option(
    "-v",
    "--verbose",
    is_flag=True,
    help="Print a line on stderr for each better timetable found (for logs).",
)
@solver_options
def plan(
    config_path: Path | None,
    out: Path,
    baseline: Path | None,
    fresh: bool,
    freeze_until: datetime | None,
    quiet: bool,
    verbose: bool,
    options: solver.Options,
) -> None:
    """Plan the festival in CONFIG and publish the timetable and calendar feeds.

    CONFIG defaults to config/festival.toml. Writes OUT/timetable.json and the
    iCalendar feeds (OUT/festival.ics, OUT/tracks/, OUT/venues/, OUT/people/)
    and prints the timetable. When OUT already holds a published plan, moves
    as few sessions as the rules allow and prints what changed. Exits 1 if no
    timetable keeps every rule (naming a smallest set of clashing rules), 2 on
    bad input, 4 if OUT cannot be written, 130 on Ctrl-C; in every such case
    nothing in OUT is touched.

    Example:

        festival plan config/festival.toml --out calendars --freeze-until 2023-10-20
    """
    festival = _load(config_path)
    if config_path is None and not DEFAULT_CONFIG.exists():
        click.echo(
            f"No {DEFAULT_CONFIG} here: planning the default festival shipped with festival "
            f"({shipped_festival()}) into {out.absolute()}/",
            err=True,
        )
    progress = _ProgressLine(enabled=not quiet and sys.stderr.isatty(), verbose=verbose)
    frozen = freeze_until.date() if freeze_until else None
    stop = threading.Event()

    def offer(result: solver.Result, timetable: Timetable) -> bool:
        """After Ctrl-C: show the best timetable so far and ask whether to publish it."""
        progress.close()
        _console().print(timetable_table(festival, timetable))
        click.echo("Interrupted. " + _summary(festival, result, timetable))
        if not sys.stdin.isatty():
            return False
        try:
            return _confirm(f"Publish this timetable to {out}/?")
        except KeyboardInterrupt:  # Ctrl-C (again) at the prompt: no
            click.echo(err=True)
            return False

    def waiting() -> None:
        click.echo(
            f"Another festival run is publishing into {out}/; waiting for it to finish…",
            err=True,
        )

    try:
        with progress, _ctrl_c_stops(stop):
            done = planning.plan(
                festival,
                out,
                options,
                progress.update,
                baseline,
                fresh,
                freeze_until=frozen,
                stop=stop,
                accept=offer,
                on_wait=waiting,
            )
    except planning.Interrupted:
        raise Stopped(f"interrupted; nothing was published in {out}/") from None
    except revisions.BaselineError as error:
        raise BadInput(str(error)) from None
    except planning.NoTimetable as error:
        if error.result.interrupted:
            raise Stopped("interrupted before any timetable was found; nothing published") from None
        raise NoTimetableFound(str(error)) from None
    except planning.InvalidTimetable as error:
        raise InternalError(str(error)) from None
    except solver.ModelInvalid as error:
        raise InternalError(
            f"internal error: the solver refused the model it built ({error}); "
            "nothing was published. Please report this"
        ) from None
    except PublishError as error:
        raise CannotWrite(str(error)) from None
    except UnsafeFolder as error:
        raise BadInput(str(error)) from None
    if quiet:
        return
    if not done.result.interrupted:  # else `offer` has shown it
        _console().print(timetable_table(festival, done.timetable))
        click.echo(_summary(festival, done.result, done.timetable))
    if done.changes:
        click.echo("\nChanges since the published plan:")
        click.echo(diff.render(list(done.changes), days.zone(festival)))
    elif done.timetable.moves:
        click.echo("No changes to the published plan.")
    assert done.published is not None
    written = len(done.published.written)
    click.echo(
        f"Published {out}/: {written} file{'s' if written != 1 else ''} written, "
        f"{len(done.published.unchanged)} unchanged."
    )


@cli.command()
@config_argument
@click.option(
    "--explain",
    is_flag=True,
    help="Also decide whether a timetable exists; if none does, name a smallest "
    "set of clashing rules. Writes nothing.",
)
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0.01),
    default=30.0,
    show_default=True,
    help="Budget of the --explain analysis, deterministic seconds.",
)
def check(config_path: Path | None, explain: bool, time_limit: float) -> None:
    """Check the definition in CONFIG without publishing anything.

    Reports every problem with its file, line and key (exit 2), or sessions
    that no venue can hold (exit 1); otherwise summarises the festival. With
    --explain, also decides whether any timetable keeps every rule, and if
    none does, names a smallest set of rules that clash (exit 1).

    Example:

        festival check config/festival.toml --explain
    """
    festival = _load(config_path)
    usable = days.festival_days(festival)
    homeless = [s for s in festival.sessions if not solver.eligible_venues(festival, s)]
    if homeless and not explain:
        lines = [
            f"session {s.id!r} fits no venue (attendance {s.attendance}, needs "
            f"{', '.join(sorted(s.needs)) or 'nothing'}, cities "
            f"{', '.join(s.cities) or 'any'}, venues {', '.join(s.venues) or 'any'})"
            for s in homeless
        ]
        raise NoTimetableFound("\n".join(lines))
    click.echo(
        f"{festival.source}: OK: {festival.name} ({festival.id}), "
        f"{len(festival.sessions)} sessions, {len(festival.venues)} venues, "
        f"{len(festival.people)} people, {len(usable)} usable days "
        f"({festival.start}..{festival.end}, {festival.days}"
        f"{f', {len(festival.blackout)} blackout' if festival.blackout else ''})."
    )
    if not explain:
        return
    found = solver.explain(festival, time_limit=time_limit)
    if found.status == "FEASIBLE":
        click.echo("A timetable exists that keeps every rule.")
    elif found.status == "INFEASIBLE":
        raise NoTimetableFound(
            "no timetable keeps every hard rule (proven infeasible)\n"
            + planning.describe(festival, found)
        )
    else:
        raise NoTimetableFound(
            "could not decide within the time limit whether a timetable "
            "exists; try a longer --time-limit"
        )


@cli.command(name="diff")
@click.argument("old", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the changes as JSON.")
def diff_command(old: Path, new: Path, as_json: bool) -> None:
    """Show what changed between two published timetable.json files.

    Lists moved sessions with their old and new date, time and venue, and
    added, cancelled and updated sessions, in time order.

    Example:

        festival diff old/timetable.json calendars/timetable.json --json
    """
    try:
        before = revisions.read_published(old)
        after = revisions.read_published(new)
    except revisions.BaselineError as error:
        raise BadInput(str(error).replace("; use --fresh to plan without it", "")) from None
    if before.festival != after.festival:
        raise BadInput(
            f"{old} is festival {before.festival!r} but {new} is "
            f"{after.festival!r}; compare two plans of one festival"
        )
    changes = diff.diff(before.entries, after.entries.values())
    zone = ZoneInfo(after.timezone)
    if as_json:
        click.echo(json.dumps(diff.to_json(changes, zone), ensure_ascii=False, indent=2))
    else:
        click.echo(diff.render(changes, zone))


@cli.command()
@click.argument(
    "config_path",
    metavar="[CONFIG]",
    required=False,
    type=click.Path(dir_okay=False, path_type=Path),
)
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("calendars"),
    show_default=True,
    help="The published folder to serve.",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; 0.0.0.0 serves every interface.",
)
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option(
    "--watch",
    is_flag=True,
    help="Re-plan into --dir whenever CONFIG is saved (the published plan is the "
    "baseline); a definition that fails keeps the last good feeds served.",
)
@click.option(
    "--replan-timeout",
    type=click.FloatRange(min=1),
    default=600.0,
    show_default=True,
    help="With --watch: seconds after which a re-plan is stopped and reported.",
)
@solver_options
def serve(
    config_path: Path | None,
    folder: Path,
    host: str,
    port: int,
    watch: bool,
    replan_timeout: float,
    options: solver.Options,
) -> None:
    """Serve the published folder: the timetable page and every feed.

    Calendar clients get text/calendar with ETag and Last-Modified, and 304
    when nothing changed. Re-published files are served at once. With
    --watch, saving CONFIG (default config/festival.toml) re-plans.

    Example:

        festival serve --dir calendars --port 8000 --watch config/festival.toml
    """
    from . import serve as serving

    if not folder.is_dir():
        raise BadInput(f"{folder}: no such folder; run festival plan first, or pass --dir")
    publish.tidy(folder)  # finish or clear what a killed run left beside the folder
    stop = threading.Event()

    def report(text: str) -> None:
        click.echo(text, err=True)

    if watch:
        path = config_path or default_config()
        solving = ["--time-limit", str(options.time_limit), "--workers", str(options.workers)]
        solving += ["--seed", str(options.seed)]
        if options.max_seconds is not None:
            solving += ["--max-seconds", str(options.max_seconds)]
        replan = serving.Replanner(path, folder, solving, replan_timeout, report)
        seen = serving.fingerprint(path)  # before the thread: a save right after counts
        threading.Thread(
            target=serving.watch, args=(path, replan, stop, 0.5, seen, report), daemon=True
        ).start()
    click.echo(f"Serving {folder}/ at http://{host}:{port}/ (Ctrl-C stops)", err=True)
    try:
        serving.run(folder, host, port)
    finally:
        stop.set()


def timetable_table(festival: Festival, timetable: Timetable) -> Table:
    """The timetable as a terminal table: date, time, venue, session, track."""
    table = Table(
        caption=Text(f"{festival.name} · times in {festival.timezone}"), caption_justify="left"
    )
    for column in ("Date", "Time", "Venue", "Session", "Track"):
        table.add_column(column)
    for p in timetable.placements:
        s = festival.session(p.session)
        v = festival.venue(p.venue)
        track = festival.track(s.track).name if s.track else ""
        start, end = days.local(festival, p.start), days.local(festival, p.end)
        table.add_row(
            Text(f"{start:%Y-%m-%d %a}"),
            Text(f"{start:%H:%M}–{end:%H:%M}"),
            Text(f"{v.name} ({v.city})"),
            Text(s.title),
            Text(track),
        )
    return table


def _summary(festival: Festival, result: solver.Result, timetable: Timetable) -> str:
    weights = festival.weights
    parts = [
        f"{g} {timetable.penalties.get(g, 0)}×{weights.of(g)}"
        for g in SOFT_GOALS
        if timetable.penalties.get(g, 0)
    ]
    detail = f" ({', '.join(parts)})" if parts else ""
    if result.proven_optimal:
        head = f"Proven optimal: penalty {timetable.objective}{detail}"
    else:
        head = (
            f"Best found, not proven optimal: penalty {timetable.objective}{detail}, "
            f"lower bound {timetable.bound}"
        )
    clock = (
        " Stopped by --max-seconds before --time-limit: another run may give another timetable."
        if result.stopped_by_clock
        else ""
    )
    return f"{head}; solved in {result.wall_time:.2f} s. Validator: every rule holds." + clock


class _ProgressLine:
    """A live status line on the terminal while the solver runs: elapsed time
    (ticking), the phase, the best objective, the proven bound and the gap."""

    def __init__(self, enabled: bool, verbose: bool = False):
        self.enabled = enabled
        self.verbose = verbose
        self.live: Live | None = None
        self.started = time.perf_counter()
        self.best: solver.Progress | None = None

    def __enter__(self) -> _ProgressLine:
        if self.enabled:
            self.started = time.perf_counter()
            self.live = Live(self, console=_console(err=True), transient=True, refresh_per_second=4)
            self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.live is not None:
            self.live.__exit__(None, None, None)
            self.live = None

    def update(self, progress: solver.Progress) -> None:
        self.best = progress
        if self.verbose:
            click.echo(
                f"Better timetable after {progress.elapsed:.1f} s: {progress.phase} "
                f"{progress.objective}, bound {progress.bound}",
                err=True,
            )

    def __rich__(self) -> Text:
        elapsed = time.perf_counter() - self.started
        best = self.best
        if best is None:
            return Text(f"Solving… {elapsed:5.1f} s · no timetable yet · Ctrl-C stops")
        gap = (best.objective - best.bound) / best.objective if best.objective else 0.0
        return Text(
            f"Solving… {elapsed:5.1f} s · {best.phase}: best {best.objective} · "
            f"bound {best.bound} · gap {gap:.1%} · Ctrl-C stops with the best so far"
        )


def _confirm(question: str) -> bool:
    """Ask a yes/no question on the terminal (default no); Ctrl-C raises KeyboardInterrupt.

    Waits for the answer in short polls rather than a blocking read: the kernel may
    hand Ctrl-C to any thread (CP-SAT's, OpenBLAS's), and only a main thread that
    comes back to Python runs the handler; one blocked in input() would wait forever.
    """
    click.echo(f"{question} [y/N]: ", nl=False)
    while not select.select([sys.stdin], [], [], 0.2)[0]:
        pass
    return sys.stdin.readline().strip().lower() in ("y", "yes")


@contextlib.contextmanager
def _ctrl_c_stops(stop: threading.Event) -> Iterator[None]:
    """The first Ctrl-C sets `stop` (the solver ends with its best timetable so far);
    a second one interrupts as usual.

    The solver runs in native code, where Python signal handlers wait; the
    signal's wake-up byte reaches a watching thread at once.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    reader, writer = socket.socketpair()
    writer.setblocking(False)

    presses = []

    def handler(signum: int, frame: object) -> None:
        # runs in the main thread once it is back in Python; the watcher has usually
        # set `stop` already, so count the presses rather than look at `stop`
        presses.append(signum)
        stop.set()
        if len(presses) > 1:
            raise KeyboardInterrupt

    def watch() -> None:
        while data := reader.recv(64):
            if signal.SIGINT in data:
                stop.set()

    previous_fd = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    previous = signal.signal(signal.SIGINT, handler)
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        signal.set_wakeup_fd(previous_fd)
        writer.close()
        watcher.join()
        reader.close()
