"""`festival`: a thin layer over `scheduler.plan` and friends (`pretalx`: `cli_pretalx`).

Exit codes: 0 done, 1 no timetable exists, 2 bad input, 3 internal error (nothing is
published), 4 the output folder could not be written (the previous publication is intact)
or pretalx could not be reached, 5 pretalx changed since the pull, 130 interrupted. Every
library error is a `FestivalError` that carries its exit code. Each command imports what
it needs when it runs: `festival --help` never loads OR-Tools, numpy or pandas.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .cli_pretalx import pretalx_group
from .starter import DEFINITION

if TYPE_CHECKING:
    from .model import Festival


class Failed(click.ClickException):
    """A library error as `Error: …` on stderr, with the library's exit code."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


@contextmanager
def reported() -> Iterator[None]:
    """Turn any `FestivalError` raised inside into `Failed`: one line, its exit code."""
    from .errors import FestivalError

    try:
        yield
    except FestivalError as error:
        raise Failed(str(error), error.exit_code) from None


@contextmanager
def _told_if_interrupted(out: Path, stop: threading.Event) -> Iterator[None]:
    """Say that Ctrl-C published nothing (exit 130), also when it came before any
    timetable was found (which the library reports as none found, exit 1)."""
    try:
        yield
    except Failed as error:
        if error.exit_code == 130:
            raise Failed(f"interrupted; nothing was published in {out}/", 130) from None
        if error.exit_code == 1 and stop.is_set():
            raise Failed(
                "interrupted before any timetable was found; nothing published", 130
            ) from None
        raise


def default_config() -> Path:
    """`config/festival.toml` here, else the default festival shipped in the package."""
    return DEFINITION if DEFINITION.exists() else shipped_festival()


def shipped_festival() -> Path:
    """The default festival as installed with the package."""
    return Path(str(importlib.resources.files("scheduler") / "festival.toml"))


def solver_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options every solving command shares, passed on as `solver=` keyword values."""

    @click.option(
        "--time-limit",
        type=click.FloatRange(min=0.01),
        default=28.0,
        show_default=True,
        help="Solver budget in CP-SAT deterministic time units (a programme solved as one "
        "model gets less as it grows, see docs/replanning.md): reproducible whatever the machine's "
        "load, but not a wall-clock bound (building the model, first fit and much of "
        "CP-SAT's presolve are not counted); --max-seconds caps the wall clock.",
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
        help="Optional wall-clock cap, from reading the definition to the timetable "
        "chosen, every phase included (first fit, bounds, search, explaining an "
        "infeasible definition). If it, rather than --time-limit, stops the solver, the "
        "result may differ between runs (you are told).",
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
        solving = {
            "time_limit": time_limit,
            "workers": workers,
            "seed": seed,
            "max_seconds": max_seconds,
        }
        return command(*args, solving=solving, **kwargs)

    return wrapper


#: paths are checked by the library (a folder, a device or a pipe is one line, exit 2)
config_argument = click.argument(
    "config_path",
    metavar="[CONFIG]",
    required=False,
    type=click.Path(path_type=Path),
)

by_option = click.option(
    "--by",
    type=click.Choice(["session", "person"]),
    default="session",
    show_default=True,
    help="List the changes session by session, or person by person (what changed for "
    "each person: the list to send to the people affected).",
)


def _load(config_path: Path | None) -> Festival:
    from . import config, days

    path = config_path or default_config()
    with reported():
        festival = config.load(path)
    for warning in days.working_days(festival.days, festival.start, festival.end)[1]:
        click.echo(f"Warning: {path}: festival.days: {warning}", err=True)
    return festival


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="festival-scheduler", prog_name="festival")
def cli() -> None:
    """Plan a festival programme with a constraint solver and publish it.

    Reads a festival definition (TOML), lays every session out over dates,
    times and venues with OR-Tools CP-SAT, checks the result with an
    independent validator, and writes calendars/timetable.json.

    Without CONFIG, a command reads config/festival.toml, else the default
    festival (China Telecom's 2023 Tech Festival).

    \b
    Start here:
        festival init my-festival   # a starter in my-festival/config/
        cd my-festival
        festival plan               # plan it, publish calendars/
        festival serve              # the page and feeds on http://127.0.0.1:8000/
    """


@cli.command()
@click.argument("folder", metavar="[FOLDER]", default=Path("."), type=click.Path(path_type=Path))
def init(folder: Path) -> None:
    """Start a programme of your own: write FOLDER/config/festival.toml.

    The starter has one venue, one person and three sessions, with a comment
    pointing to the reference of every key. `festival plan` run in FOLDER
    plans it and publishes FOLDER/calendars/. An existing definition is never
    replaced (exit 2).

    \b
    Example:
        festival init my-festival && cd my-festival && festival plan
    """
    from . import starter

    with reported():
        target = starter.write(folder)
    where = "" if folder == Path(".") else f"cd {folder} && "
    click.echo(f"Wrote {target}: edit it, then run `{where}festival plan`.")


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
    metavar="FILE",
    type=click.Path(path_type=Path),
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
@by_option
@solver_options
def plan(
    config_path: Path | None,
    out: Path,
    baseline: Path | None,
    fresh: bool,
    freeze_until: datetime | None,
    quiet: bool,
    verbose: bool,
    by: str,
    solving: dict[str, Any],
) -> None:
    """Plan the festival in CONFIG and publish the timetable and calendar feeds.

    CONFIG defaults to config/festival.toml. Writes OUT/timetable.json, the
    iCalendar feeds (OUT/festival.ics, OUT/tracks/, OUT/venues/, OUT/people/),
    the page (OUT/index.html) and the programme for conference apps
    (OUT/schedule.json, OUT/schedule.xml), and prints the timetable. When OUT
    already holds a published plan, moves as few sessions as the rules allow
    and prints what changed. Exits 1 if no
    timetable keeps every rule (naming a smallest set of clashing rules), 2 on
    bad input, 4 if OUT cannot be written, 130 on Ctrl-C; in every such case
    nothing in OUT is touched.

    \b
    Example:
        festival plan config/festival.toml --out calendars --freeze-until 2023-10-20
    """
    from . import plan as planning
    from . import solver, terminal

    started = time.perf_counter()  # --max-seconds counts from the definition's read
    festival = _load(config_path)
    if config_path is None and not DEFINITION.exists():
        click.echo(
            f"No {DEFINITION} here: planning the default festival shipped with festival "
            f"({shipped_festival()}) into {out.absolute()}/",
            err=True,
        )
    cap = solving["max_seconds"]
    progress = terminal.ProgressLine(
        enabled=not quiet and sys.stderr.isatty(), verbose=verbose, budget=cap, started=started
    )
    ctrl_c = terminal.CtrlC()

    def offer(result: solver.Result, timetable: Any) -> bool:
        """After Ctrl-C: show the best timetable so far and ask whether to publish it."""
        progress.close()
        terminal.console().print(terminal.timetable_table(festival, timetable))
        click.echo("Interrupted. " + terminal.summary(festival, result, timetable))
        if not sys.stdin.isatty():
            return False
        return ctrl_c.ask(lambda: terminal.confirm(f"Publish this timetable to {out}/?"))

    def waiting() -> None:
        click.echo(
            f"Another festival run is publishing into {out}/; waiting for it to finish…",
            err=True,
        )

    def job() -> planning.Plan:
        return planning.plan(
            festival,
            out=out,
            options=solver.Options(**solving, deadline=started + cap if cap else None),
            on_progress=progress.update,
            baseline=baseline,
            fresh=fresh,
            freeze_until=freeze_until.date() if freeze_until else None,
            stop=ctrl_c.stop,
            accept=offer,
            on_wait=waiting,
        )

    with _told_if_interrupted(out, ctrl_c.stop), progress, reported():
        done = ctrl_c.run(job)
    if not quiet:
        terminal.report(festival, done, out, by_person=by == "person")


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

    \b
    Example:
        festival check config/festival.toml --explain
    """
    from . import days
    from .solver.grid import eligible_venues

    festival = _load(config_path)
    usable = days.festival_days(festival)
    homeless = [s for s in festival.sessions if not eligible_venues(festival, s)]
    if homeless and not explain:
        lines = [
            f"session {s.id!r} fits no venue (attendance {s.attendance}, needs "
            f"{', '.join(sorted(s.needs)) or 'nothing'}, cities "
            f"{', '.join(s.cities) or 'any'}, venues {', '.join(s.venues) or 'any'})"
            for s in homeless
        ]
        raise Failed("\n".join(lines), 1)
    click.echo(
        f"{festival.source}: OK: {festival.name} ({festival.id}), "
        f"{len(festival.sessions)} sessions, {len(festival.venues)} venues, "
        f"{len(festival.people)} people, {len(usable)} usable days "
        f"({festival.start}..{festival.end}, {festival.days}"
        f"{f', {len(festival.blackout)} blackout' if festival.blackout else ''})."
    )
    if not explain:
        return
    from . import plan as planning
    from . import solver
    from .model import Status

    with reported():
        planning.refuse_known_conflicts(festival, None, {})  # what needs no search, at once
    with reported():
        found = solver.explain(festival, time_limit=time_limit)
    if found.status == Status.FEASIBLE:
        click.echo("A timetable exists that keeps every rule.")
    elif found.status == Status.INFEASIBLE:
        raise Failed(
            "no timetable keeps every hard rule (proven infeasible)\n"
            + planning.describe(festival, found),
            1,
        )
    else:
        raise Failed(
            "could not decide within the time limit whether a timetable "
            "exists; try a longer --time-limit",
            1,
        )


@cli.command(name="diff")
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the changes as JSON.")
@by_option
def diff_command(old: Path, new: Path, as_json: bool, by: str) -> None:
    """Show what changed between two published timetable.json files.

    Lists moved sessions with their old and new date, time and venue, and
    added, cancelled and updated sessions, in time order.

    \b
    Example:
        festival diff old/timetable.json calendars/timetable.json --json
    """
    from zoneinfo import ZoneInfo

    from . import diff, revisions

    try:
        before = revisions.read_published(old)
        after = revisions.read_published(new)
    except revisions.BaselineError as error:
        raise Failed(str(error).replace("; use --fresh to plan without it", ""), 2) from None
    if before.festival != after.festival:
        raise Failed(
            f"{old} is festival {before.festival!r} but {new} is "
            f"{after.festival!r}; compare two plans of one festival",
            2,
        )
    changes = diff.diff(before.entries, after.entries.values())
    zone = ZoneInfo(after.timezone)
    if as_json:
        found = (
            diff.by_person_json(changes, zone) if by == "person" else diff.to_json(changes, zone)
        )
        click.echo(json.dumps(found, ensure_ascii=False, indent=2))
    elif by == "person":
        click.echo(diff.render_by_person(changes, zone))
    else:
        click.echo(diff.render(changes, zone))


@cli.command(name="import")
@click.argument("schedule_path", metavar="FILE", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    type=click.Path(path_type=Path),
    default=None,
    help="Write the definition here (default: print it): a new path, or a regular file "
    "with --force.",
)
@click.option(
    "--timezone",
    metavar="ZONE",
    default=None,
    help="The conference's IANA time zone (e.g. Europe/Brussels), for a schedule that "
    "names none (FOSDEM's) or names the wrong one; times without a UTC offset are read "
    "on its clock.",
)
@click.option(
    "--fixed",
    is_flag=True,
    help="Fix every event where it was published, instead of wishing for it.",
)
@click.option("--force", is_flag=True, help="Replace --output if it exists.")
def import_command(
    schedule_path: Path, output: Path | None, timezone: str | None, fixed: bool, force: bool
) -> None:
    """Write a festival definition from a frab or c3voc schedule.xml or schedule.json.

    Rooms become venues, events become sessions (keeping their guids, ids,
    types, subtitles, abstracts, links), persons become people. Each event
    wishes for its published room and start, so that `festival plan` keeps the
    published programme where the rules allow; with --fixed, each is fixed
    there. Problems in the source (overlaps, a person in two rooms at once,
    odd durations, repeated ids, ...) are listed, the first 20 of each kind;
    what is consistent is imported. A schedule without a time zone needs
    --timezone. Exits 2, writing nothing, if the file is not a usable schedule.

    \b
    Example:
        festival import schedule.xml --timezone Europe/Brussels -o config/imported.toml
    """
    from . import config, frab_reader, importer

    with reported():
        if output is not None:
            importer.check_target(output, force)
        schedule = frab_reader.read(schedule_path)
        imported = importer.definition(
            schedule, fixed=fixed, origin=str(schedule_path), timezone=timezone
        )
        try:
            config.loads(imported.text, source=str(output or "<imported>"))
        except config.ConfigError as error:  # the source says what no definition can hold
            raise importer.refused_by_check(error, str(schedule_path)) from None
    for problem in imported.shown_problems():
        click.echo(f"Warning: {schedule_path}: {problem.strip()}", err=True)
    if output is None:
        click.echo(imported.text, nl=False)
    else:
        with reported():
            importer.write(imported.text, output)
    click.echo(
        f"Imported {imported.sessions} sessions, {imported.venues} rooms and "
        f"{imported.people} people from {schedule_path}"
        + (f" into {output}" if output else "")
        + (f"; {len(imported.problems)} problem(s) listed above." if imported.problems else "."),
        err=True,
    )


@cli.command()
@click.argument(
    "config_path",
    metavar="[CONFIG]",
    required=False,
    type=click.Path(path_type=Path),
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
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=8000,
    show_default=True,
    help="Port to listen on.",
)
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
    solving: dict[str, Any],
) -> None:
    """Serve the published folder: the timetable page and every feed.

    Calendar clients get text/calendar with ETag and Last-Modified, and 304
    when nothing changed. Re-published files are served at once. With
    --watch, saving CONFIG (default config/festival.toml) re-plans.

    \b
    Example:
        festival serve --dir calendars --port 8000 --watch config/festival.toml
    """
    import threading

    from . import publish
    from . import serve as serving

    if not folder.is_dir():
        raise Failed(f"{folder}: no such folder; run festival plan first, or pass --dir", 2)
    publish.tidy(folder)  # finish or clear what a killed run left beside the folder
    stop = threading.Event()

    def report(text: str) -> None:
        click.echo(text, err=True)

    if watch:
        flags = [
            f"--{name.replace('_', '-')}={value}"
            for name, value in solving.items()
            if value is not None
        ]
        path = config_path or default_config()
        serving.watch_in_background(path, folder, flags, replan_timeout, report, stop)
    click.echo(f"Serving {folder}/ at http://{host}:{port}/ (Ctrl-C stops)", err=True)
    try:
        serving.run(folder, host, port)
    finally:
        stop.set()


cli.add_command(pretalx_group)
