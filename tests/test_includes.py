"""A definition that includes another (`include`): the included file's tables under the
including file's keys, and every message pointing at the file that states the key."""

from __future__ import annotations

import pytest
from conftest import SMALL

from scheduler import config, solver, sources
from scheduler.solver.explain import explain, where
from scheduler.values import ConfigError

ORGANISER = """\
include = "small.pulled.toml"

[festival]
name = "Organiser's name"

[weights]
prefer = 5

[[sessions]]
id = "workshop"
prefer = [{ time = "morning", weight = 3 }]

[[sessions]]
id = "lunch"
title = "Lunch"
duration = "1h"
"""


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "small.pulled.toml").write_text(SMALL, encoding="utf-8")
    (tmp_path / "small.toml").write_text(ORGANISER, encoding="utf-8")
    return tmp_path


def test_the_including_file_adds_and_replaces_keys(folder):
    festival = config.load(folder / "small.toml")
    assert festival.name == "Organiser's name"
    assert festival.timezone == "Asia/Shanghai"  # from the included file
    assert [s.id for s in festival.sessions] == ["keynote", "workshop", "lunch"]
    workshop = festival.session("workshop")
    assert workshop.title == "工作坊" and workshop.duration == 90  # included
    assert [w.weight for w in workshop.wishes] == [3]  # the organiser's
    assert festival.weights.prefer == 5
    assert sources.files_read(folder / "small.toml") == [
        folder / "small.toml",
        folder / "small.pulled.toml",
    ]


def test_a_problem_in_the_included_file_is_located_there(folder):
    pulled = SMALL.replace('duration = "90m"', 'duration = "ninety"')
    (folder / "small.pulled.toml").write_text(pulled, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        config.load(folder / "small.toml")
    assert str(error.value).startswith(
        f"{folder / 'small.pulled.toml'}:46: sessions[1].duration: 'ninety' is not a duration"
    )


def test_a_problem_in_the_including_file_is_located_under_its_own_key(folder):
    organiser = ORGANISER.replace('time = "morning"', 'time = "dawn"')
    (folder / "small.toml").write_text(organiser, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        config.load(folder / "small.toml")
    assert str(error.value).startswith(f"{folder / 'small.toml'}:11: sessions[0].prefer")


def test_a_missing_included_file_is_named_where_it_is_included(folder):
    (folder / "small.pulled.toml").unlink()
    with pytest.raises(ConfigError) as error:
        config.load(folder / "small.toml")
    assert str(error.value) == (
        f"{folder / 'small.toml'}:1: include: {folder / 'small.pulled.toml'}: no such file"
    )


def test_an_included_file_includes_no_other(folder):
    (folder / "small.pulled.toml").write_text('include = "x.toml"\n' + SMALL, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        config.load(folder / "small.toml")
    assert str(error.value).startswith(f"{folder / 'small.pulled.toml'}:1: include: ")


def test_an_explanation_names_the_file_that_states_the_rule(folder):
    # the included file closes the hall; the organiser pins the keynote into it
    organiser = ORGANISER + (
        '\n[[venues]]\nid = "hall"\nclosed = ["2023-09-28", "2023-10-07", "2023-10-08",'
        ' "2023-10-09", "2023-10-10"]\n'
    )
    (folder / "small.toml").write_text(organiser, encoding="utf-8")
    festival = config.load(folder / "small.toml")
    assert solver.solve(festival, options=solver.Options(time_limit=10)).timetable is None
    shown = [where(festival, instance) for instance in explain(festival, time_limit=10).rules]
    assert f"{folder / 'small.toml'}:20: venues[0].closed" in shown
    assert any(place.startswith(f"{folder / 'small.pulled.toml'}:") for place in shown)
