"""Seeded fuzzing: hostile definitions and corrupt published plans never crash, hang or
damage what was published.

Every run asserts: no traceback, exit code 0, 1, 2 or 4 only (3 would be the
validator rejecting the solver: a bug), the output folder byte for byte and
mtime for mtime untouched unless the run succeeded, nothing left beside it, and
every timetable published by a successful run re-checked by the validator. Each
mutant runs with a solver cap and under a watchdog: a hang ends the test run
with every thread's traceback instead of blocking CI.
"""

from __future__ import annotations

import faulthandler
import json
import random
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import DEFAULT_CONFIG, ROOT, SMALL, snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mutate import json_paths, mutants, schedule_mutants

from scheduler import config, generate, problems, publish, revisions, validate
from scheduler.cli import cli
from scheduler.model import Placement, Timetable

# a deterministic solver budget: the same outcome for each mutant however loaded the
# machine (the watchdog, not a clock, catches a hang)
CAPS = ["--time-limit", "2"]
WATCHDOG = 180  # seconds one run may take before the whole test run is stopped


def bases() -> list[tuple[str, str]]:
    """The definitions mutated: the default festival, a small one, generated festivals
    (in New York and London time too) and a generated conference programme."""
    shape = generate.Shape(sessions=8, venues=3, people=3, days=5, rules=0.5, step=30)
    texts = [("default", DEFAULT_CONFIG.read_text(encoding="utf-8")), ("small", SMALL)]
    for seed in (3, 11, 12):
        texts.append((f"generated-{seed}", generate.festival_toml(seed, shape)))
    programme = generate.Programme(sessions=30, venues=3, days=2)
    texts.append(("programme", generate.programme_toml(5, programme)))
    return texts


def run(args: list[str]) -> tuple[int, str, BaseException | None]:
    faulthandler.dump_traceback_later(WATCHDOG, exit=True)
    try:
        result = CliRunner().invoke(cli, args)
    finally:
        faulthandler.cancel_dump_traceback_later()
    exception = result.exception
    if isinstance(exception, SystemExit):
        exception = None
    return result.exit_code, result.output, exception


def published_timetable(out: Path, festival) -> Timetable:
    entries = revisions.read_published(out / "timetable.json").entries.values()
    placements = tuple(
        Placement(e.session, e.venue, e.start, e.end) for e in entries if e.status == "CONFIRMED"
    )
    return Timetable(festival.id, placements)


def check_outcome(code, output, exception, out, before, definition) -> None:
    assert exception is None, f"{exception!r}\n{output}"
    assert "Traceback" not in output
    assert code in (0, 1, 2, 4), output
    if code != 0:
        assert output.startswith("Error: ") or "no timetable" in output, output
        assert snapshot(out) == before
    else:
        festival = config.load(definition)
        assert validate.violations(festival, published_timetable(out, festival)) == []
    assert [p.name for p in publish.staging_paths(out) if p.exists()] == []


def test_hostile_definitions_never_crash_hang_or_damage_the_published_folder(tmp_path):
    rng = random.Random(20261128)
    outcomes: Counter[int] = Counter()
    count = 0
    for name, text in bases():
        definition = tmp_path / f"{name}.toml"
        definition.write_text(text, encoding="utf-8")
        template = tmp_path / f"{name}-published"
        code, output, _ = run(["plan", str(definition), "--out", str(template), "-q", *CAPS])
        assert code == 0, output
        for description, data in mutants(text, rng, 85):
            count += 1
            mutant = tmp_path / "mutant.toml"
            mutant.write_bytes(data)
            out = tmp_path / "out"
            if out.exists():
                shutil.rmtree(out)
            shutil.copytree(template, out)
            before = snapshot(out)
            code, output, exception = run(["plan", str(mutant), "--out", str(out), "-q", *CAPS])
            try:
                check_outcome(code, output, exception, out, before, mutant)
                checked = run(["check", str(mutant)])
                assert checked[2] is None and checked[0] in (0, 1, 2), checked[1]
            except AssertionError as error:
                raise AssertionError(f"{name}: {description}: {error}") from None
            outcomes[code] += 1
    assert count >= 500  # 6 definitions × 85
    # the mutants reach past the reader: some plan and publish, some are infeasible
    assert outcomes[2] > 100 and outcomes[0] > 80, outcomes


# --- corrupt published plans (hypothesis) -----------------------------------------------

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


@pytest.fixture(scope="module")
def good_plan(tmp_path_factory):
    folder = tmp_path_factory.mktemp("good") / "calendars"
    code, output, _ = run(["plan", str(DEFAULT_CONFIG), "--out", str(folder), "-q", *CAPS])
    assert code == 0, output
    return folder


@st.composite
def corrupt_plans(draw, document: dict) -> str:
    """A timetable.json with one field replaced or removed, or its text damaged."""
    kind = draw(st.sampled_from(["replace", "remove", "truncate", "number", "nest"]))
    text = json.dumps(document, ensure_ascii=False, indent=2)
    if kind == "truncate":
        return text[: draw(st.integers(0, len(text) - 1))]
    if kind == "number":  # a number JSON can hold but Python should not trust
        key = draw(st.sampled_from(["sequence", "objective", "bound"]))
        huge = draw(st.sampled_from(["1e400", "-1e400", "9" * 5000, "-0", "1.5"]))
        return re.sub(rf'("{key}"): -?\d+', rf"\1: {huge}", text, count=1)
    if kind == "nest":
        depth = draw(st.sampled_from([100, 1000, 100_000]))
        return text.replace(
            '"people": [', '"people": ' + "[" * depth + "]" * (depth - 1) + ", [", 1
        )
    paths = [p for p in json_paths(document) if p]
    path = draw(st.sampled_from(paths))
    copy = json.loads(text)
    parent = copy
    for part in path[:-1]:
        parent = parent[part]
    if kind == "remove":
        del parent[path[-1]]
    else:
        parent[path[-1]] = draw(JSON)
    return json.dumps(copy, ensure_ascii=False)


@settings(
    max_examples=120,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_corrupt_published_plans_are_refused_or_survived_never_crashed_on(
    data, good_plan, tmp_path_factory
):
    document = json.loads((good_plan / "timetable.json").read_text(encoding="utf-8"))
    corrupt = data.draw(corrupt_plans(document))
    out = tmp_path_factory.mktemp("corrupt") / "calendars"
    shutil.copytree(good_plan, out)
    (out / "timetable.json").write_text(corrupt, encoding="utf-8")
    before = snapshot(out)
    code, output, exception = run(["plan", str(DEFAULT_CONFIG), "--out", str(out), "-q", *CAPS])
    assert code in (0, 2), output
    check_outcome(code, output, exception, out, before, DEFAULT_CONFIG)
    if code == 0:  # a harmless change: revisions never went back
        published = revisions.read_published(out / "timetable.json").entries
        old = revisions.read_published(good_plan / "timetable.json").entries
        assert all(published[sid].sequence >= old[sid].sequence for sid in old if sid in published)
    compared = run(["diff", str(out / "timetable.json"), str(good_plan / "timetable.json")])
    assert compared[2] is None and compared[0] in (0, 2), compared[1]


# --- hostile schedules to import, and hostile interest files ----------------------------


def import_bases(tmp_path: Path) -> list[tuple[str, bytes]]:
    """The schedules mutated: the default festival's and a generated conference's exports
    (XML and JSON), and schedules shaped as FOSDEM's, pretalx's demo and c3voc's
    schedule 2 (written in test_import)."""
    from test_import import fosdem_like_xml, pretalx_demo_like, schedule2_like

    from scheduler import plan as planning

    out = tmp_path / "exported"
    planning.plan(config.load(DEFAULT_CONFIG), out=out)
    festival, _ = generate.published_programme(2, generate.Programme(sessions=40, venues=3))
    generated = tmp_path / "generated"
    planning.plan(festival, out=generated)
    return [
        ("default.xml", (out / "schedule.xml").read_bytes()),
        ("default.json", (out / "schedule.json").read_bytes()),
        ("generated.xml", (generated / "schedule.xml").read_bytes()),
        ("generated.json", (generated / "schedule.json").read_bytes()),
        ("fosdem.xml", fosdem_like_xml()),
        ("pretalx.json", json.dumps(pretalx_demo_like()).encode()),
        ("schedule2.json", json.dumps(schedule2_like()).encode()),
    ]


def test_hostile_schedules_import_or_are_refused_in_one_line(tmp_path):
    """Entities, nesting, wrong types, nulls, far dates, empty programmes, repeats, BOMs,
    encodings, truncation: every import ends in 0 or 2, one line on failure, nothing
    written then; what is written passes the definition's own check, and a sample of
    it plans (0) or is explained (1)."""
    rng = random.Random(20261207)
    outcomes: Counter[int] = Counter()
    planned = 0
    for name, data in import_bases(tmp_path):
        for description, mutant in schedule_mutants(data, rng, 30):
            source = tmp_path / f"mutant-{name}"
            source.write_bytes(mutant)
            target = tmp_path / "imported.toml"
            target.unlink(missing_ok=True)
            args = ["import", str(source), "-o", str(target)]
            args += rng.choice([[], ["--fixed"], ["--timezone", "Europe/Brussels"]])
            code, output, exception = run(args)
            where = f"{name}: {description}"
            assert exception is None, f"{where}: {exception!r}\n{output[-2000:]}"
            assert "Traceback" not in output and "internal error" not in output, where
            assert code in (0, 2), f"{where}: exit {code}\n{output[-2000:]}"
            outcomes[code] += 1
            if code == 2:
                errors = [line for line in output.splitlines() if line.startswith("Error: ")]
                assert len(errors) == 1, f"{where}: {output[-2000:]}"
                assert not target.exists(), where
                continue
            festival = config.load(target)  # what was written passes its own check
            small = len(festival.sessions) <= 200 and len(festival.venues) <= 50
            if planned < 12 and small and rng.random() < 0.3:
                planned += 1
                code, output, _ = run(["plan", str(target), "--out", str(tmp_path / "p"), "-q",
                                       *CAPS])  # fmt: skip
                assert code in (0, 1), f"{where}: plan exit {code}\n{output[-2000:]}"
                if code == 0:
                    assert validate.violations(festival, published_timetable(
                        tmp_path / "p", festival)) == []  # fmt: skip
                shutil.rmtree(tmp_path / "p", ignore_errors=True)
    assert sum(outcomes.values()) == 7 * 30
    assert outcomes[0] > 40 and outcomes[2] > 40, outcomes


def test_hostile_interest_files_are_problems_never_crashes(tmp_path):
    """The attendees' interest file mutated: every check and plan ends in 0, 1 or 2 with
    one clear message per problem kind (20 at most of each), never a traceback."""
    from mutate import interest_mutants

    conference = ROOT / "config" / "conference.toml"
    text = (ROOT / "config" / "conference-interest.csv").read_text(encoding="utf-8")
    festival = config.load(conference)
    sessions = [s.id for s in festival.sessions]
    definition = tmp_path / "conference.toml"
    definition.write_text(conference.read_text(encoding="utf-8"), encoding="utf-8")
    rng = random.Random(1207)
    codes: Counter[int] = Counter()
    for description, data in interest_mutants(text, sessions, rng, 60):
        (tmp_path / "conference-interest.csv").write_bytes(data)
        code, output, exception = run(["check", str(definition)])
        assert exception is None, f"{description}: {exception!r}"
        assert code in (0, 1, 2) and "Traceback" not in output, f"{description}\n{output}"
        codes[code] += 1
        if code == 2:
            kinds: Counter[str] = Counter(problems.kind(line) for line in output.splitlines())
            assert max(kinds.values()) <= 20, description
            assert len(output) < 20_000, description
    assert codes[0] > 5 and codes[2] > 20, codes
