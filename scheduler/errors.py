"""The one base of every error the library raises on purpose.

Each kind carries the exit code that `festival` gives it, so that the command
line catches `FestivalError` once: 1 no timetable exists, 2 bad input, 3 an
internal error (nothing is published), 4 the output folder could not be
written, 130 interrupted.
"""

from __future__ import annotations


class FestivalError(Exception):
    """An error the library reports to its user; its text is the whole message."""

    exit_code = 2


class BadInput(FestivalError):
    """The definition, a baseline or an argument is wrong: what, where, and what was expected."""

    exit_code = 2


class NoTimetableError(FestivalError):
    """No timetable keeps every hard rule, or none was found in time."""

    exit_code = 1


class InternalError(FestivalError):
    """A bug: the solver or the model broke a promise. Nothing is published."""

    exit_code = 3


class CannotWrite(FestivalError):
    """The output folder could not be written; the previous publication is intact."""

    exit_code = 4


class Interrupted(FestivalError):
    """Stopped by the user (Ctrl-C)."""

    exit_code = 130
