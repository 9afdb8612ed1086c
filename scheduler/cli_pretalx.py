"""`festival pretalx pull|push`: the command line over `scheduler.pretalx`.

Exit codes as every command's (`scheduler.cli`), and: 4 pretalx could not be reached or
refused a request, 5 pretalx's schedule changed since the pull (nothing was pushed).
The token comes from `PRETALX_TOKEN` or `--token-file`, and is never printed.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

token_file_option = click.option(
    "--token-file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="A file holding the organiser's pretalx API token (else PRETALX_TOKEN).",
)


def _token(token_file: Path | None) -> str:
    from .errors import BadInput

    if token_file is not None:
        try:
            token = token_file.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as error:
            reason = getattr(error, "strerror", None) or type(error).__name__
            raise BadInput(f"{token_file}: cannot be read ({reason})") from None
        if not token:
            raise BadInput(f"{token_file}: holds no token")
        return token
    token = os.environ.get("PRETALX_TOKEN", "").strip()
    if not token:
        raise BadInput(
            "no pretalx token: set PRETALX_TOKEN or pass --token-file (an organiser's API "
            "token, from pretalx's user settings)"
        )
    return token


@click.group(name="pretalx")
def pretalx_group() -> None:
    """Plan a pretalx event: pull it, plan it, push the places back (docs/pretalx.md).

    The token is an organiser's API token, from PRETALX_TOKEN or --token-file.

    \b
    Example:
        festival pretalx pull https://pretalx.example.org mycon
        festival plan mycon.toml
        festival pretalx push https://pretalx.example.org mycon --dry-run
        festival pretalx push https://pretalx.example.org mycon --release 1.0
    """


@pretalx_group.command()
@click.argument("url")
@click.argument("event")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Your definition, which includes the pulled one: written only if missing. "
    "Default: EVENT.toml. Beside it: EVENT.pretalx.toml (rewritten on every pull) and "
    "EVENT.pretalx.json (what push needs).",
)
@token_file_option
def pull(url: str, event: str, output: Path | None, token_file: Path | None) -> None:
    """Read pretalx event EVENT at URL into a definition.

    Rooms and their availabilities, tracks, accepted and confirmed talks (with
    their runs), speakers and their availabilities, and each talk's place in the
    work-in-progress schedule (its `current` place: the next plan moves as few
    talks as possible from there).

    \b
    Example:
        PRETALX_TOKEN=… festival pretalx pull https://pretalx.example.org mycon
    """
    from . import config
    from .cli import reported
    from .pretalx import client as api
    from .pretalx import pull as pulling

    files = pulling.Files(output or Path(f"{event}.toml"))
    with reported():
        with api.Client(url, event, _token(token_file)) as client:
            pulled = pulling.pull(client)
        written = pulling.write(pulled, files)
        festival = config.load(files.definition)
    counts = pulled.counts
    click.echo(
        f"Pulled {event} from {url}: {counts['days']} days, {counts['rooms']} rooms, "
        f"{counts['tracks']} tracks, {counts['talks']} talks "
        f"({counts['talks with runs']} with several runs), {counts['speakers']} speakers, "
        f"{counts['placed']} of {counts['slots']} slots placed"
    )
    for note in pulled.notes:
        click.echo(f"  {note}")
    click.echo(f"Wrote {', '.join(str(p) for p in written)}")
    click.echo(f"{files.definition}: OK: {len(festival.sessions)} sessions to plan")


@pretalx_group.command()
@click.argument("url")
@click.argument("event")
@click.option(
    "-d",
    "--definition",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="The definition `pull` wrote (its EVENT.pretalx.json beside it). Default: EVENT.toml.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("calendars"),
    show_default=True,
    help="The folder `festival plan` published the plan into (its timetable.json).",
)
@click.option("--dry-run", is_flag=True, help="Print the changes and push nothing.")
@click.option(
    "--force",
    is_flag=True,
    help="Push even where pretalx's schedule changed since the pull (the plan wins).",
)
@click.option("--release", "version", default=None, help="Then release the schedule as VERSION.")
@click.option(
    "--notify",
    is_flag=True,
    help="Notify speakers of the release: pretalx's API cannot; refused with the way to do it.",
)
@token_file_option
def push(
    url: str,
    event: str,
    definition: Path | None,
    out: Path,
    dry_run: bool,
    force: bool,
    version: str | None,
    notify: bool,
    token_file: Path | None,
) -> None:
    """Write the published plan's rooms and starts into pretalx's work-in-progress schedule.

    Moves only slots pretalx has (never creates or deletes one), shows the changes
    first, and refuses (exit 5, naming the talks) where pretalx's schedule changed
    since the pull unless --force. A push cut short is completed by running it
    again. Afterwards the pulled files are refreshed from pretalx.

    \b
    Example:
        festival pretalx push https://pretalx.example.org mycon --release 1.0
    """
    from zoneinfo import ZoneInfo

    from . import revisions
    from .cli import reported
    from .errors import BadInput
    from .pretalx import client as api
    from .pretalx import pull as pulling
    from .pretalx import push as pushing

    files = pulling.Files(definition or Path(f"{event}.toml"))
    with reported():
        if notify:
            raise BadInput(
                "--notify: pretalx's API releases a schedule without notifying speakers; "
                "release with --release, then send the notifications from pretalx's "
                "schedule page (Schedule → Release → notify speakers)"
            )
        state = pulling.read_state(files)
        if (state["url"].rstrip("/"), state["event"]) != (url.rstrip("/"), event):
            raise BadInput(
                f"{files.state}: pulled from {state['url']} event {state['event']!r}, not "
                f"{url} event {event!r}; pull this event first"
            )
        published = revisions.read_published(out / "timetable.json")
        zone = ZoneInfo(published.timezone)
        with api.Client(url, event, _token(token_file)) as client:
            wip = client.request("GET", f"{client.base}schedules/wip/")
            slots = client.every("slots/", schedule=wip["id"])
            found = pushing.compare(state, slots, published.entries, force)
            rooms = {room: vid for vid, room in state["rooms"].items()}
            for move in found.moves:
                click.echo(f"  {pushing.shown(move, rooms, zone)}")
            click.echo(
                f"{len(found.moves)} talks to move, {found.unchanged} already in place"
                + (f", {len(found.not_in_pretalx)} sessions not in pretalx left out"
                   if found.not_in_pretalx else "")
            )  # fmt: skip
            if found.conflicts:
                raise pushing.Conflict(
                    "pretalx's schedule changed since the pull, nothing pushed: "
                    + "; ".join(found.conflicts)
                    + ". Pull and plan again, or pass --force to push the plan over it"
                )
            if dry_run:
                click.echo("Dry run: nothing pushed")
                return
            pushing.apply(client, found.moves)
            if found.moves:
                click.echo(f"Pushed {len(found.moves)} talks into pretalx's work in progress")
            if version is not None:
                released = pushing.release(client, version, "Planned with festival")
                click.echo(f"Released version {released.get('version', version)}")
            pulling.write(pulling.pull(client), files)
        click.echo(f"Refreshed {files.pulled} and {files.state} from pretalx")
