"""Running CP-SAT: settings, deterministic parameters, progress reports and stopping.

Every solve of the package goes through `run()`, which honours `stop` without
crashing OR-Tools and turns MODEL_INVALID into `ModelInvalid`. The default
parameters are deterministic: `interleave_search` (the same search whatever the
number of workers), a fixed `random_seed`, and a limit in deterministic time
rather than wall-clock time. Nothing here prints.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from ortools.sat.python import cp_model

from ..errors import InternalError
from ..model import Festival, Keep, Status, Timetable

SLOW_SUBSOLVERS = (
    "core",
    "fixed",
    "max_lp",
    "max_lp_sym",
    "reduced_costs",
    "pseudo_costs",
    "quick_restart",
    "quick_restart_no_lp",
)


class Stopped(Exception):
    """`stop` was set while a model was being built or first fit was placing sessions."""


class Either(threading.Event):
    """Set when any of `events` is: stops a solve for any of several reasons."""

    def __init__(self, *events: threading.Event):
        super().__init__()
        self.events = events

    def is_set(self) -> bool:
        return any(event.is_set() for event in self.events)


class Halt(threading.Event):
    """What ends a solve early, as every part of it checks (`is_set`): the caller's `stop`
    (Ctrl-C), or the wall-clock `deadline` of `--max-seconds`. Which of the two it was
    decides what the solve reports: `interrupted` or `clocked`."""

    def __init__(self, stop: threading.Event, deadline: float | None):
        super().__init__()
        self.stop = stop
        self.deadline = deadline

    def is_set(self) -> bool:
        return self.stop.is_set() or self.clocked()

    def set(self) -> None:
        self.stop.set()

    @property
    def interrupted(self) -> bool:
        """The caller stopped the solve."""
        return self.stop.is_set()

    def clocked(self) -> bool:
        """The deadline has passed (and nobody stopped the solve before)."""
        return (
            self.deadline is not None
            and time.perf_counter() >= self.deadline
            and not self.stop.is_set()
        )


class ModelInvalid(InternalError):
    """CP-SAT refused a model this package built: a bug, never a user's mistake."""

    def __init__(self, reason: str):
        super().__init__(
            f"internal error: the solver refused the model it built ({reason}); "
            "nothing was published. Please report this"
        )
        self.reason = reason


class Phase(StrEnum):
    """The stage of a solve: with a published plan, the fewest moves come first."""

    FEWEST_MOVES = "fewest moves"
    SOFT_GOALS = "soft goals"


#: CP-SAT's log line once presolve is over and the search has begun
SEARCH_STARTED = re.compile(r"^Starting .*search at ")


def run(
    solver: cp_model.CpSolver,
    model: cp_model.CpModel,
    callback: Any = None,
    stop: threading.Event | None = None,
) -> Any:
    """`solver.solve`, ended early once `stop` is set; a model CP-SAT finds invalid raises
    `ModelInvalid` with its reason, rather than reading as "no timetable found in time".

    A stop set before the solve skips it (status UNKNOWN). A stop set during it waits for
    the search to begin: OR-Tools 9.15 aborts the whole process (a failed CHECK in
    postsolve) when stopped while it loads the presolved model after a complete hint
    has already given solution #1 (seen with Ctrl-C on a loaded machine).
    """
    if stop is not None and stop.is_set():
        return cp_model.UNKNOWN
    finished = threading.Event()
    searching = threading.Event()
    watcher = None
    if stop is not None:
        solver.parameters.log_search_progress = True
        solver.parameters.log_to_stdout = False
        solver.log_callback = lambda line: SEARCH_STARTED.match(line) and searching.set()

        def watch() -> None:
            # short polls of `finished`, so that the solve's caller never waits long here
            while not finished.wait(0.01):
                if stop.is_set():
                    while not (searching.is_set() or finished.wait(0.01)):
                        pass
                    if not finished.is_set():
                        solver.stop_search()
                    return

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
    try:
        code = solver.solve(model, callback) if callback is not None else solver.solve(model)
    finally:
        finished.set()
        if watcher is not None:
            watcher.join()
    release_freed_memory()
    if code == cp_model.MODEL_INVALID:
        raise ModelInvalid(" ".join(model.validate().split()) or "CP-SAT reports MODEL_INVALID")
    return code


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's `malloc_trim`, or None where the C library has none (musl, macOS)."""
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None


def release_freed_memory() -> None:
    """Give the memory a finished solve freed back to the system. glibc keeps it for
    reuse, but the next neighbourhood's model seldom fits its holes: reading and solving
    the imported FOSDEM 2020 peaked at 205 MiB without this, 197 MiB with it."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def spent(solver: cp_model.CpSolver) -> tuple[float, int, int]:
    """Deterministic time, branches and conflicts of the last solve (zeros if skipped)."""
    try:
        return solver.deterministic_time, solver.num_branches, solver.num_conflicts
    except (AttributeError, RuntimeError):
        return 0.0, 0, 0


@dataclass(frozen=True)
class Options:
    """Solver settings.

    `time_limit` is in CP-SAT deterministic time units: the result does not
    depend on the machine's load. `max_seconds` is an optional wall-clock cap on
    the whole solve, from `solve()`'s start; when it stops a solve, the result may
    differ between runs (`Result.stopped_by_clock` says so).
    """

    time_limit: float = 28.0
    workers: int = 2
    seed: int = 0
    max_seconds: float | None = None
    #: the `time.perf_counter()` instant at which `max_seconds` runs out (set by `solve()`)
    deadline: float | None = field(default=None, repr=False, compare=False)

    def left(self) -> float | None:
        """Wall-clock seconds left before the deadline (None: no cap)."""
        if self.deadline is None:
            return self.max_seconds
        return max(0.0, self.deadline - time.perf_counter())


@dataclass(frozen=True)
class Progress:
    """A new best timetable was found while solving."""

    elapsed: float  # wall-clock seconds
    objective: int
    bound: int
    solutions: int
    phase: Phase = Phase.SOFT_GOALS


@dataclass(frozen=True)
class Result:
    """What a solve produced. `timetable` is None unless a timetable was found."""

    status: Status
    timetable: Timetable | None
    wall_time: float = 0.0
    deterministic_time: float = 0.0
    branches: int = 0
    conflicts: int = 0
    unplaceable: tuple[str, ...] = field(default=())  # sessions with no eligible venue, why
    stopped_by_clock: bool = False  # the wall-clock cap ended a phase: may not be repeatable
    interrupted: bool = False  # `stop` was set: the best timetable found so far, if any
    #: re-planning: whether the fewest moves are proven (None: nothing was published)
    moves_proven: bool | None = None

    @property
    def proven_optimal(self) -> bool:
        return self.status == Status.OPTIMAL


def cp_solver() -> cp_model.CpSolver:
    """A CP-SAT solver that leaves Ctrl-C to the caller (CP-SAT's own handler, once
    installed, would leave the default one behind: a later Ctrl-C would kill)."""
    solver = cp_model.CpSolver()
    solver.parameters.catch_sigint_signal = False
    return solver


def deterministic(solver: cp_model.CpSolver, options: Options) -> None:
    """Set `solver` for a reproducible search within `options`' budget."""
    params = solver.parameters
    params.num_workers = max(1, options.workers)
    params.interleave_search = True
    params.random_seed = options.seed
    params.max_deterministic_time = options.time_limit
    # Subsolvers whose wall-clock time runs far ahead of their deterministic
    # time on programmes of hundreds of sessions: in interleaved search every
    # batch waits for its slowest task (measured with benchmarks/conference.py).
    params.ignore_subsolvers.extend(SLOW_SUBSOLVERS)
    cap_wall_clock(solver, options)
    params.log_search_progress = False


def lighten(solver: cp_model.CpSolver) -> None:
    """Set `solver` for a model whose sessions are mostly pinned (a neighbourhood step, a
    count of a timetable in hand): no probing and no symmetry detection. Both cost
    wall-clock time that CP-SAT does not count as deterministic time and find little
    in such models: without symmetry detection the conference example's search took
    the same steps to the same timetable in 61 s instead of 69 s."""
    solver.parameters.cp_model_probing_level = 0
    solver.parameters.symmetry_level = 0


def cap_wall_clock(solver: cp_model.CpSolver, options: Options) -> None:
    """Cap `solver`'s next solve at the wall-clock time `options` has left, if capped."""
    left = options.left()
    if left is not None:
        solver.parameters.max_time_in_seconds = max(0.01, left)


class Callback(cp_model.CpSolverSolutionCallback):
    """Reports each better timetable to `on_progress`."""

    def __init__(
        self,
        on_progress: Callable[[Progress], None] | None,
        phase: Phase,
        reported: Progress | None = None,
    ):
        """`reported`: the timetable already reported in this phase (first fit's): only
        better ones follow, numbered after it."""
        super().__init__()
        self.on_progress = on_progress
        self.phase = phase
        self.count = reported.solutions if reported else 0
        self.best = reported.objective if reported else None
        self.offset = reported.elapsed if reported else 0.0
        #: a timetable of objective 0 was found: it is optimal, the search may stop (never
        #: stopped from here: CP-SAT 9.15 can abort when stopped while loading its model)
        self.reached_zero = threading.Event()

    def on_solution_callback(self) -> None:
        objective = round(self.objective_value)
        if objective <= 0:  # nothing costs less than nothing: no proof needed
            self.reached_zero.set()  # `run` stops the search once that is safe
        if self.best is not None and objective >= self.best:
            return
        self.count += 1
        self.best = objective
        if self.on_progress is not None:
            self.on_progress(
                Progress(
                    self.offset + self.wall_time,
                    objective,
                    min(objective, max(0, round(self.best_objective_bound))),
                    self.count,
                    self.phase,
                )
            )


@dataclass(frozen=True)
class Request:
    """What one solve is asked: the festival, the published plan whose moves count, and
    the sessions of it that may not move, with why."""

    festival: Festival
    previous: Timetable | None = None
    keep: Mapping[str, Keep] = field(default_factory=dict)

    def of(self, festival: Festival) -> Request:
        """The same request for another festival (a step's pinned one)."""
        return replace(self, festival=festival)


@dataclass(frozen=True)
class Job:
    """How one solve runs, as each of its phases sees it: the options, what ends it early
    and when it started, and where progress goes."""

    options: Options
    stop: Halt
    started: float
    on_progress: Callable[[Progress], None] | None = None
