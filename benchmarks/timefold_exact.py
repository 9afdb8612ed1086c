"""Whether festival states Timefold's conference-scheduling model exactly: festival's own
penalties of a timetable against Timefold's score of it, constraint by constraint.

Usage:
    python benchmarks/timefold_exact.py REPO [--file conferencescheduling-216-18-20.json]

REPO is a git repository of timefold-solver-benchmarks (as for `timefold.py`); the data
set (default: the published solved 216-talk file) is read at its commit with `git show`.
Its stored timetable is converted (`timefold_convert.definition`), read by festival,
checked by festival's validator and scored by `scheduler.penalties`; Timefold's side is
`timefold_model`, which reproduces the score stored in the file. For each festival goal
the table shows festival's weighted penalty and minus Timefold's soft score of the
constraints the goal states (`timefold_convert.STATES`); for `rewards`, the rewards
festival could earn at most less Timefold's rewards. Exits 1 unless every row agrees
and every hard rule festival states holds where Timefold's hard score is 0.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import timefold_convert
import timefold_model

from scheduler import config, penalties, validate
from scheduler.model import Festival, Placement, Timetable


def timetable_of(
    problem: timefold_model.Problem, festival: Festival, placement: dict[str, tuple[str, str]]
) -> Timetable:
    """A Timefold placement (talk -> timeslot, room) as festival's timetable."""
    rooms = {key: timefold_convert.slug(room.name) for key, room in problem.rooms.items()}
    placements = []
    for talk in problem.talks:
        if talk.key in placement:
            slot_key, room_key = placement[talk.key]
            slot = problem.timeslots[slot_key]
            placements.append(
                Placement(
                    timefold_convert.slug(talk.code),
                    rooms[room_key],
                    slot.start.replace(tzinfo=UTC),
                    slot.end.replace(tzinfo=UTC),
                )
            )
    return Timetable(festival.id, tuple(placements))


def compare(
    problem: timefold_model.Problem, placement: dict[str, tuple[str, str]]
) -> list[tuple[str, int, int]]:
    """(festival goal, festival's weighted penalty, what Timefold's soft score says it
    must be) for each goal `timefold_convert.STATES` names."""
    festival = config.loads(timefold_convert.definition(problem, "exact"))
    score = penalties.score(festival, timetable_of(problem, festival, placement))
    matched = timefold_model.matches(problem, placement)
    rows = []
    for goal, names in timefold_convert.STATES.items():
        soft = sum(timefold_model.weighted(problem, n, matched.get(n, 0))[1] for n in names)
        expected = timefold_convert.possible_rewards(problem) - soft if goal == "rewards" else -soft
        rows.append((goal, festival.weight(goal) * score[goal], expected))
    return rows


def hard_breaches(problem: timefold_model.Problem, placement: dict[str, tuple[str, str]]) -> list:
    """What festival's validator finds wrong with the placement."""
    festival = config.loads(timefold_convert.definition(problem, "exact"))
    return validate.violations(festival, timetable_of(problem, festival, placement))


def main(argv: list[str] | None = None) -> int:
    import timefold

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("repo", type=Path)
    parser.add_argument("--file", default=timefold.SOLVED)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        problem = timefold.load_data(args.repo, args.file, Path(tmp))
    placement = timefold_model.stored_placement(problem)
    hard, soft = timefold_model.score(problem, placement)
    started = datetime.now()
    rows = compare(problem, placement)
    breaches = hard_breaches(problem, placement)
    print(f"{args.file}: Timefold's score {timefold_model.format_score(hard, soft)}")
    print(f"rewards at most (festival's constant): {timefold_convert.possible_rewards(problem)}")
    print("\n| festival goal | Timefold constraints | festival | Timefold | equal |")
    print("|---|---|---|---|---|")
    for goal, ours, theirs in rows:
        names = ", ".join(timefold_convert.STATES[goal])
        print(
            f"| `{goal}` | {names} | {ours:,} | {theirs:,} | {'yes' if ours == theirs else 'NO'} |"
        )
    total = sum(ours for _, ours, _ in rows)
    print(
        f"\nfestival's soft total {total:,} = -(Timefold soft {soft:,}) + constant "
        f"{timefold_convert.possible_rewards(problem):,}: "
        f"{total == -soft + timefold_convert.possible_rewards(problem)}"
    )
    print(
        f"festival's validator: {len(breaches)} hard rule(s) broken "
        f"(Timefold hard score {hard}); checked in {(datetime.now() - started).seconds} s"
    )
    for v in breaches[:10]:
        print(f"  {v}")
    exact = all(ours == theirs for _, ours, theirs in rows)
    return 0 if exact and (hard < 0 or not breaches) else 1


if __name__ == "__main__":
    raise SystemExit(main())
