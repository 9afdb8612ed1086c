"""The code stays easy to read: modules of at most 600 lines, functions of at most 80.

An exception is listed in `LONGER` with the reason it is one; an entry that no longer
needs to be there fails too, so the list only shrinks.
"""

from __future__ import annotations

import ast

from conftest import ROOT

MODULE_LINES = 600
FUNCTION_LINES = 80

#: "path:function" → why it is longer than FUNCTION_LINES
LONGER = {
    "scheduler/generate/festivals.py:festival_and_witness": (
        "draws a festival and the hidden timetable that proves it feasible in one sequence "
        "of random choices, each rule's draw reading the places drawn before it; what a "
        "seed generates is that order"
    ),
    "scheduler/generate/programmes.py:programme_and_witness": (
        "the same for a conference programme: rooms, grids, talks, speakers and wishes drawn "
        "in one order that each seed's programme depends on"
    ),
    "scheduler/generate/programmes.py:slot_exact_and_witness": (
        "the same for a programme that fills its slot grid exactly"
    ),
}


def sizes() -> tuple[dict[str, int], dict[str, int]]:
    """Lines of every module of the package, and of every function (decorators aside)."""
    modules, functions = {}, {}
    for path in sorted((ROOT / "scheduler").rglob("*.py")):
        name = str(path.relative_to(ROOT))
        source = path.read_text(encoding="utf-8")
        modules[name] = len(source.splitlines())
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                functions[f"{name}:{node.name}"] = node.end_lineno - node.lineno + 1
    return modules, functions


def test_every_module_is_at_most_600_lines():
    modules, _ = sizes()
    assert {name: n for name, n in modules.items() if n > MODULE_LINES} == {}


def test_every_function_is_at_most_80_lines_or_says_why_not():
    _, functions = sizes()
    longer = {name for name, n in functions.items() if n > FUNCTION_LINES}
    assert longer - set(LONGER) == set(), "split it, or say in LONGER why it stays whole"
    assert set(LONGER) - longer == set(), "no longer needed in LONGER: remove it"
