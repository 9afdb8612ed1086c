"""Seeded generators of feasible festival definitions and conference programmes.

Each generator first lays out a hidden *witness* timetable and then draws every
rule so that the witness keeps it, so a generated definition is always
feasible: "the solver found nothing" is a detectable bug. The same seed and
shape always give the same TOML text. `python -m scheduler.generate` prints a
programme.
"""

from __future__ import annotations

from .common import interest_csv, with_interest
from .congress import Congress, congress_and_witness, published_congress
from .festivals import (
    Shape,
    close_for_day,
    festival,
    festival_and_witness,
    festival_toml,
    loads,
    published,
)
from .programmes import (
    AUDIENCES,
    DURATION_MIX,
    SHORT_TALKS,
    Programme,
    SlotExact,
    main,
    programme,
    programme_and_witness,
    programme_toml,
    published_programme,
    published_slot_exact,
    slot_exact_and_witness,
)

__all__ = [
    "AUDIENCES",
    "DURATION_MIX",
    "SHORT_TALKS",
    "Congress",
    "Programme",
    "Shape",
    "SlotExact",
    "close_for_day",
    "congress_and_witness",
    "festival",
    "festival_and_witness",
    "festival_toml",
    "interest_csv",
    "loads",
    "main",
    "programme",
    "programme_and_witness",
    "programme_toml",
    "published",
    "published_congress",
    "published_programme",
    "published_slot_exact",
    "slot_exact_and_witness",
    "with_interest",
]
