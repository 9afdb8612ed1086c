"""CoSPLib's own reader and checker, driven from the outside (run in CoSPLib's venv).

Usage (`benchmarks/cosplib.py` calls it; it is not meant to be run by hand):
    python cosplib_checker.py SOLVER dump INSTANCE.xlsx OUT.json
    python cosplib_checker.py SOLVER score INSTANCE.xlsx PLACEMENT.json
    python cosplib_checker.py SOLVER published INSTANCE.xlsx SOLUTION.xlsx

SOLVER is the `Solver` folder of a CoSPLib checkout; its `domain.problem.Problem`
reads the instance exactly as CoSPLib does, and its `solution.Solution` scores a
timetable with CoSPLib's own evaluation functions (those `Solver_Checker_v1.1.py`
prints). `dump` writes the instance as plain JSON for the converter; `score` fills a
`Solution` from PLACEMENT.json (`{"cells": [[session, room, track]],
"talks": [[submission, session, room, first_slot]]}`, all names) and prints its
evaluation as JSON; `published` does the same for a solution workbook of the
repository (read with CoSPLib's own `load_solution`).
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import sys
from pathlib import Path


def _problem(solver: Path, instance: Path):
    sys.path.insert(0, str(solver))
    os.chdir(solver)
    from domain.problem import Problem

    logging.disable(logging.INFO)
    problem = Problem(file_path=instance)
    with contextlib.redirect_stdout(io.StringIO()):
        problem.build()
    return problem


def _number(value) -> int:
    return int(value)


def _table(penalty, rows: int, columns: int) -> list[list[int]]:
    """A penalty matrix read by index, as plain integers."""
    return [[_number(penalty(i, j)) for j in range(columns)] for i in range(rows)]


def dump(problem) -> dict:
    """The instance as names and numbers, in CoSPLib's own order."""
    sessions = problem.get_session_list()
    rooms = [r.get_room_name() for r in problem.get_room_list()]
    tracks = problem.get_trackList()
    submissions = problem.get_submissionList()
    parameters = {
        key.split("__")[-1]: value
        for key, value in vars(problem.get_parameters()).items()
        if isinstance(value, int)
    }
    return {
        "parameters": parameters,
        "sessions": [
            {
                "name": s.get_session_name(),
                "slots": _number(s.get_session_max_time_slots()),
                "date": str(s.get_session_date())[:10],
                "start": s.get_session_start_time().strftime("%H:%M"),
                "end": s.get_session_end_time().strftime("%H:%M"),
            }
            for s in sessions
        ],
        "rooms": rooms,
        "tracks": [
            {"name": t.get_track_name(), "chairs": [c for c in t.get_track_chairs_list() if c]}
            for t in tracks
        ],
        "submissions": [
            {
                "name": s.get_submission_name(),
                "track": s.get_submission_track().get_track_name(),
                "slots": _number(s.get_submission_required_time_slots()),
                "order": _number(s.get_submission_order()),
                "presenters": [p for p in s.get_submission_prsenters_list() if p],
                "attendees": [a for a in s.get_submission_attendees_list() if a],
                "presenter_conflicts": [
                    c.get_submission_name() for c in s.get_submission_presenter_conflicts_list()
                ],
                "attendee_conflicts": [
                    c.get_submission_name() for c in s.get_submission_attendee_conflicts_list()
                ],
            }
            for s in submissions
        ],
        "tracks_sessions": _table(
            problem.get_tracks_sessions_penalty_by_index, len(tracks), len(sessions)
        ),
        "tracks_rooms": _table(problem.get_tracks_rooms_penalty_by_index, len(tracks), len(rooms)),
        "sessions_rooms": _table(
            problem.get_sessions_rooms_penalty_by_index, len(sessions), len(rooms)
        ),
        "similar_tracks": _table(
            lambda a, b: problem.get_tracks_tracks_penalty_by_index(a, b) if a != b else 0,
            len(tracks),
            len(tracks),
        ),
        "submissions_sessions": _table(
            problem.get_submissions_sessions_penalty_by_index, len(submissions), len(sessions)
        ),
        "submissions_timezones": _table(
            problem.get_submissions_timezones_penalty_by_index, len(submissions), len(sessions)
        ),
        "submissions_rooms": _table(
            problem.get_submissions_rooms_penalty_by_index, len(submissions), len(rooms)
        ),
    }


def evaluation(solution) -> dict:
    """CoSPLib's verdict on a filled solution: feasible, valid, objective, each term."""
    terms = {
        solution.get_evaluation_name(function).rstrip(":").strip(): function()
        for function in solution.get_evaluations_list()
    }
    return {
        "feasible": bool(solution.evaluate_all_submissions_scheduled()),
        "valid": bool(solution.validate_solution()),
        "objective": int(solution.evaluate_solution()),
        "terms": {name: int(value) for name, value in terms.items() if value},
    }


def fill(problem, placement: dict):
    from solution import Solution

    solution = Solution(problem)
    tracks, subs = solution.get_tracks_solution(), solution.get_submissions_solution()
    for session, room, track in placement["cells"]:
        s, r = problem.get_session_index(session), problem.get_room_index(room)
        tracks[s][r] = problem.get_track_index(track)
    for submission, session, room, first in placement["talks"]:
        index = problem.get_submission_index(submission)
        s, r = problem.get_session_index(session), problem.get_room_index(room)
        for slot in range(
            first, first + problem.get_submission(index).get_submission_required_time_slots()
        ):
            subs[s][r][slot] = index
    return solution


def main(argv: list[str]) -> int:
    solver, command, instance = Path(argv[0]).resolve(), argv[1], Path(argv[2]).resolve()
    other = Path(argv[3]).resolve()
    problem = _problem(solver, instance)
    if command == "dump":
        other.write_text(json.dumps(dump(problem)), encoding="utf-8")
        return 0
    if command == "score":
        solution = fill(problem, json.loads(other.read_text(encoding="utf-8")))
    elif command == "published":
        from solution import Solution

        solution = Solution(problem)
        solution.load_solution(file_path=other)
    else:
        raise SystemExit(f"unknown command {command}")
    print(json.dumps(evaluation(solution)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
