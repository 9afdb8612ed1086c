"""What `festival` shows on a terminal, and how it takes Ctrl-C there.

The timetable as a table, the one-line summary, the live progress line, the
yes/no prompt, and `CtrlC`: the plan runs in a worker thread while the main
thread waits in Python, so that Ctrl-C arrives as a plain `KeyboardInterrupt`
(the first sets `stop`: the solver ends with its best timetable so far; a
second one interrupts).
"""

from __future__ import annotations

import queue
import select
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click
from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

from . import days, diff
from .interest import Clashes
from .model import SOFT_GOALS, Festival, Timetable
from .solver import Progress, Result

if TYPE_CHECKING:
    from .plan import Plan

T = TypeVar("T")
#: how often the waiting main thread comes back to Python: the kernel may hand Ctrl-C to
#: any thread (CP-SAT's, OpenBLAS's), and only the main thread, running Python, acts on it
POLL = 0.1


def console(err: bool = False) -> Console:
    """A rich console on stdout (or stderr); plain text, 200 columns, when not a terminal."""
    stream = sys.stderr if err else sys.stdout
    tty = stream.isatty()
    return Console(
        file=stream,
        width=None if tty else 200,
        highlight=False,
        force_terminal=None if tty else False,
    )


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


def summary(festival: Festival, result: Result, timetable: Timetable) -> str:
    """One line: proven optimal or not, the penalty by goal, the time, the validator's word."""
    parts = [
        f"{g} {timetable.penalties.get(g, 0)}×{festival.weight(g)}"
        for g in SOFT_GOALS
        if timetable.penalties.get(g, 0)
    ]
    detail = f" ({', '.join(parts)})" if parts else ""
    moved = timetable.moves.get("moved", 0)
    if result.proven_optimal:
        head = f"Proven optimal: penalty {timetable.objective}{detail}"
    elif result.moves_proven is False and timetable.objective <= (timetable.bound or 0):
        # the soft goals are proven for these moves: what is unproven is the moves
        head = (
            f"Best found: {moved} session{'s' if moved != 1 else ''} moved, not proven the "
            f"fewest; penalty {timetable.objective}{detail}, the least with those moves"
        )
    else:
        unproven = (
            f"{moved} session{'s' if moved != 1 else ''} moved, not proven the fewest; "
            if result.moves_proven is False
            else ""
        )
        head = (
            f"Best found, not proven optimal: {unproven}penalty {timetable.objective}{detail}, "
            f"lower bound {timetable.bound}"
        )
    clock = (
        " Stopped by --max-seconds before --time-limit: another run may give another timetable."
        if result.stopped_by_clock
        else ""
    )
    return f"{head}; solved in {result.wall_time:.2f} s. Validator: every rule holds." + clock


def report(festival: Festival, done: Plan, out: Path, by_person: bool = False) -> None:
    """What `festival plan` prints once it has published: the timetable and the summary
    (unless Ctrl-C's offer showed them), the attendees' clashes, what changed since the
    published plan (session by session, or person by person), and the files written."""
    if not done.result.interrupted:
        console().print(timetable_table(festival, done.timetable))
        click.echo(summary(festival, done.result, done.timetable))
    if done.attendees is not None:
        click.echo(clash_line(done.attendees, done.attendees_before, festival))
    if done.changes:
        click.echo("\nChanges since the published plan:")
        if by_person:
            names = {p.id: p.name for p in festival.people}
            click.echo(diff.render_by_person(list(done.changes), days.zone(festival), names))
        else:
            click.echo(diff.render(list(done.changes), days.zone(festival)))
    elif done.timetable.moves:
        click.echo("No changes to the published plan.")
    assert done.published is not None
    written = len(done.published.served(done.published.written))
    click.echo(
        f"Published {out}/: {written} file{'s' if written != 1 else ''} written, "
        f"{len(done.published.served(done.published.unchanged))} unchanged."
    )


def clash_line(now: Clashes, before: Clashes | None, festival: Festival) -> str:
    """Attendees whose chosen sessions overlap, and the clashes, now and before a re-plan."""
    line = (
        f"Attendees: {now.attendees} of {len(festival.interest)} have a clash "
        f"({now.clashes} clashing pairs of chosen sessions)"
    )
    if before is not None:
        line += f"; in the published plan {before.attendees} ({before.clashes})"
    return line + "."


class ProgressLine:
    """A live status line on the terminal while the solver runs: elapsed time (ticking)
    and how much of the --max-seconds budget it is, the phase, the best objective, the
    proven bound and the gap."""

    def __init__(
        self,
        enabled: bool,
        verbose: bool = False,
        budget: float | None = None,
        started: float | None = None,
    ):
        self.enabled = enabled
        self.verbose = verbose
        self.budget = budget
        self.live: Live | None = None
        self.started = started if started is not None else time.perf_counter()
        self.best: Progress | None = None

    def _clock(self, elapsed: float) -> str:
        if self.budget is None:
            return f"{elapsed:5.1f} s"
        return f"{elapsed:5.1f} of {self.budget:g} s ({min(1.0, elapsed / self.budget):.0%})"

    def __enter__(self) -> ProgressLine:
        if self.enabled:
            self.live = Live(self, console=console(err=True), transient=True, refresh_per_second=4)
            self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Take the line off the terminal."""
        if self.live is not None:
            self.live.__exit__(None, None, None)
            self.live = None

    def update(self, progress: Progress) -> None:
        """A better timetable was found (with --verbose, also a line on stderr)."""
        self.best = progress
        if self.verbose:
            elapsed = time.perf_counter() - self.started
            click.echo(
                f"Better timetable after {self._clock(elapsed).strip()}: {progress.phase} "
                f"{progress.objective}, bound {progress.bound}, gap {_gap(progress):.1%}",
                err=True,
            )

    def __rich__(self) -> Text:
        clock = self._clock(time.perf_counter() - self.started)
        best = self.best
        if best is None:
            return Text(f"Solving… {clock} · no timetable yet · Ctrl-C stops")
        return Text(
            f"Solving… {clock} · {best.phase}: best {best.objective} · "
            f"bound {best.bound} · gap {_gap(best):.1%} · Ctrl-C stops with the best so far"
        )


def _gap(best: Progress) -> float:
    """How far the best objective may be above the optimum, as a share of it."""
    return (best.objective - best.bound) / best.objective if best.objective else 0.0


def confirm(question: str) -> bool:
    """Ask a yes/no question on the terminal (default no); Ctrl-C raises KeyboardInterrupt.

    Waits for the answer in short polls rather than a blocking read, for the reason
    given at `POLL`: a main thread blocked in input() would never see Ctrl-C.
    """
    click.echo(f"{question} [y/N]: ", nl=False)
    while not select.select([sys.stdin], [], [], POLL)[0]:
        pass
    return sys.stdin.readline().strip().lower() in ("y", "yes")


class CtrlC:
    """Run a job in a worker thread; the first Ctrl-C sets `stop`, a second interrupts.

    The main thread waits in Python, where Ctrl-C is an ordinary `KeyboardInterrupt`,
    and answers the worker's questions (`ask`) itself, so that a prompt sees Ctrl-C too.
    """

    def __init__(self) -> None:
        self.stop = threading.Event()
        self._asked: queue.Queue[tuple[Callable[[], bool], queue.Queue[bool]] | None] = (
            queue.Queue()
        )

    def ask(self, question: Callable[[], bool]) -> bool:
        """From the worker: `question()` run on the main thread; Ctrl-C there answers no."""
        if threading.current_thread() is threading.main_thread():
            return _answer(question)
        answer: queue.Queue[bool] = queue.Queue(maxsize=1)
        self._asked.put((question, answer))
        return answer.get()

    def run(self, job: Callable[[], T]) -> T:
        """`job()`, run in a worker thread; what it returns or raises."""
        outcome: dict[str, object] = {}

        def work() -> None:
            try:
                outcome["value"] = job()
            except BaseException as error:  # handed to the main thread as is
                outcome["error"] = error
            finally:
                self._asked.put(None)

        worker = threading.Thread(target=work, name="festival-plan", daemon=True)
        worker.start()
        presses = 0
        while True:
            try:
                asked = self._asked.get(timeout=POLL)
            except queue.Empty:
                continue
            except KeyboardInterrupt:
                presses += 1
                self.stop.set()
                if presses > 1:
                    worker.join(timeout=5)  # the solver stops soon once `stop` is set
                    raise
                continue
            if asked is None:
                break
            question, answer = asked
            answer.put(_answer(question))
        worker.join()
        if "error" in outcome:
            raise outcome["error"]  # type: ignore[misc]
        return outcome["value"]  # type: ignore[return-value]


def _answer(question: Callable[[], bool]) -> bool:
    try:
        return question()
    except KeyboardInterrupt:  # Ctrl-C (again) at the prompt: no
        click.echo(err=True)
        return False
