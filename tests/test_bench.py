"""The comparison benchmark runs end to end on a tiny size (its figures are not asserted)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT

pytest.importorskip("conference_scheduler")


def comparison(*options: str) -> subprocess.CompletedProcess:
    """benchmarks/conference.py run with `options`; its exit checked."""
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "conference.py"), *options],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    return run


def test_the_benchmark_prints_both_tables_for_a_tiny_programme():
    run = comparison("--sizes", "12", "--seconds", "10", "--rival-seconds", "60")
    rows = [line for line in run.stdout.splitlines() if line.startswith("| 12 |")]
    assert len(rows) == 2, run.stdout
    plan_row = [cell.strip() for cell in rows[0].strip("|").split("|")]
    # ours: a first valid timetable, proven optimal, no violation found by the validator
    assert plan_row[2].endswith(" s") and plan_row[3].startswith("optimal"), plan_row
    assert plan_row[5] == "0", plan_row
    # conference-scheduler ran on the same instance and our validator judged its result
    assert plan_row[6].endswith(" s") and plan_row[8].isdigit(), plan_row
    assert "×" in plan_row[9]
    replan_row = [cell.strip() for cell in rows[1].strip("|").split("|")]
    assert "0 violations" in replan_row[1] and replan_row[2].startswith("moved "), replan_row


def test_on_slot_exact_programmes_both_schedulers_solve_the_same_problem():
    run = comparison("--sizes", "20", "--seconds", "10", "--rival-seconds", "60", "--slot-exact")
    rows = [line for line in run.stdout.splitlines() if line.startswith("| 20 |")]
    assert len(rows) == 1, run.stdout  # no re-plan table
    row = [cell.strip() for cell in rows[0].strip("|").split("|")]
    # given exactly the rooms' slots, conference-scheduler's timetable keeps every rule too
    assert row[5] == "0" and row[8] == "0", row
