"""The `festival` command's entry point (also `python -m scheduler`).

It imports almost nothing before taking Ctrl-C over: until the command is
loaded (OR-Tools, numpy and pandas take most of a second), Ctrl-C ends the
process at once with exit code 130 and no traceback. After that, the command
turns an interruption anywhere into the same exit code, never into click's
"Aborted!" with exit code 1 (which means "no timetable").
"""

from __future__ import annotations

import os
import signal
import sys

INTERRUPTED = 130  # as a shell reports a command stopped by Ctrl-C


def _quit(signum: int, frame: object) -> None:
    os.write(2, b"Interrupted.\n")
    os._exit(INTERRUPTED)


def main() -> None:
    """Run the `festival` command with the process's arguments, and exit."""
    previous = signal.signal(signal.SIGINT, _quit)
    import click

    from .cli import cli

    signal.signal(signal.SIGINT, previous)
    try:
        code = cli.main(prog_name="festival", standalone_mode=False)
    except click.ClickException as error:
        error.show()
        code = error.exit_code
    except (click.Abort, KeyboardInterrupt):
        click.echo("Interrupted.", err=True)
        code = INTERRUPTED
    except click.exceptions.Exit as done:
        code = done.exit_code
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
