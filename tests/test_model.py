"""The domain values: id lookups that stay right through `replace`, pickling and copying."""

from __future__ import annotations

import copy
import pickle
from dataclasses import replace

import pytest
from conftest import DEFAULT_CONFIG

from scheduler import config
from scheduler.model import Status, Timetable, clock_time, clock_window


@pytest.fixture(scope="module")
def festival():
    return config.load(DEFAULT_CONFIG)


def test_every_id_finds_its_own_object(festival):
    for kind, items in (
        ("venue", festival.venues),
        ("session", festival.sessions),
        ("person", festival.people),
        ("track", festival.tracks),
    ):
        for item in items:
            assert getattr(festival, kind)(item.id) is item


def test_a_replaced_festival_looks_up_its_own_venues(festival):
    first = festival.venues[0]
    festival.venue(first.id)  # the original has built its map
    renamed = replace(first, name="Somewhere else")
    changed = replace(festival, venues=(renamed, *festival.venues[1:]))
    assert changed.venue(first.id).name == "Somewhere else"
    assert festival.venue(first.id).name == first.name


def test_a_festival_pickles_and_copies_after_lookups(festival):
    festival.session(festival.sessions[0].id)
    for twin in (pickle.loads(pickle.dumps(festival)), copy.deepcopy(festival)):
        assert twin == festival
        assert twin.session(festival.sessions[-1].id) == festival.sessions[-1]


def test_the_id_maps_cannot_be_changed_by_a_reader(festival):
    with pytest.raises(TypeError):
        festival.venues_by_id["elsewhere"] = festival.venues[0]  # type: ignore[index]


def test_a_timetable_built_without_a_solve_claims_no_proof():
    assert Timetable("f", ()).status == Status.FEASIBLE


@pytest.mark.parametrize(
    ("minutes", "shown"), [(0, "00:00"), (570, "09:30"), (1439, "23:59"), (1440, "24:00")]
)
def test_times_of_day_read_as_definitions_write_them(minutes, shown):
    assert clock_time(minutes) == shown
    assert clock_window(minutes, 1440) == f"{shown}-24:00"
