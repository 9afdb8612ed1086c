"""Side by side: this scheduler and conference-scheduler on generated conference programmes.

Usage:
    pip install -e '.[bench]'
    python benchmarks/conference.py [--sizes 50,100,200,400,1000,2000] [--seconds 60]
                                    [--rival-seconds 120] [--seed 1] [--no-replan]
                                    [--slot-exact]

For each size N, `scheduler.generate.programme_and_witness` writes a conference
of N talks over 3 days (rooms: see ROOMS) as the TOML a user would write, and
it is loaded like a user's file. Every run happens in a fresh process whose
peak resident memory (with its children, such as CBC) is sampled from /proc.

Ours: `solver.solve` with the default options and a wall-clock cap of
--seconds; we record when the first valid timetable arrived, when it was
proven optimal (or the gap to the proven bound at the cap), peak memory, and
the validator's verdict.

conference-scheduler (PuLP + CBC, the PyCon UK scheduler): the adapter
(`to_rival`) gives each room, on each day, back-to-back slots whose lengths
are the programme's own talk lengths packed first-fit decreasing into the
room-days (changeover after each, closures left out), so that every talk has a
slot of its length. Capacity, needs, cities, venues, absences, `earliest`,
`latest` and `fixed` become slots an event is unavailable for; people shared
between talks and `not_with` become events unavailable together; exclusive
audience tags become its tags (events sharing a tag never run concurrently).
Breaks between a speaker's talks and preferences cannot be said to it: it
solves for feasibility only (its objectives weigh room capacity against
demand, which ours does not). It is stopped after --rival-seconds. Its result
goes through our validator like ours, and the table shows what it finds.

With --slot-exact the programmes are slot-exact instead
(`generate.SlotExact`, without prerequisites, which conference-scheduler cannot
state): six 45-minute slots a day shared by every room, one room per 10.8
talks (216 talks: 20 rooms), each talk one slot, room features and
capacities; the adapter then gives conference-scheduler exactly the rooms'
slots, so both solve the same problem; the re-plan table is left out.

The second table closes one room for one day (a room-day without fixed talks,
holding the middle talk of our timetable) and re-plans: ours with the
published timetable (fewest moves first) and from scratch.

Prints two Markdown tables. Linux only (memory is read from /proc).
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing as mp
import os
import queue
import sys
import threading
import time
from collections import defaultdict
from datetime import datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

from scheduler import days, generate, solver, validate, wall_clock
from scheduler.model import Festival, Placement, Timetable

ROOMS = {50: 3, 100: 5, 200: 8, 400: 15, 1000: 40, 2000: 80}


def rooms_for(sessions: int) -> int:
    return ROOMS.get(sessions, max(2, round(sessions / 25)))


def exact_rooms_for(sessions: int) -> int:
    return max(2, -(-sessions * 10 // 108))


def instance(sessions: int, seed: int, exact: bool = False) -> tuple[Festival, Timetable]:
    """The generated programme and the generator's hidden valid timetable."""
    if exact:
        shape = generate.SlotExact(sessions=sessions, venues=exact_rooms_for(sessions), after=0)
        return generate.published_slot_exact(seed, shape)
    shape = generate.Programme(sessions=sessions, venues=rooms_for(sessions))
    return generate.published_programme(seed, shape)


# --- memory, sampled from /proc -------------------------------------------------


def _tree_rss(pid: int) -> int:
    """Resident kB of a process and its descendants."""
    total = 0
    children: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                children[int(fields[1])].append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    stack = [pid]
    while stack:
        current = stack.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
        stack.extend(children.get(current, ()))
    return total


def run_isolated(target, args: tuple, limit: float) -> tuple[dict | None, float, float]:
    """Run `target(*args, out)` in a fresh process; (its result, seconds, peak MB).

    The process is killed, with its children, after `limit` seconds: result None.
    """
    context = mp.get_context("spawn")
    out = context.Queue()
    process = context.Process(target=_child, args=(target, args, out))
    started = time.perf_counter()
    process.start()
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss(process.pid))
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    result = None
    with contextlib.suppress(queue.Empty):
        result = out.get(timeout=limit)
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    if process.is_alive():
        _kill_tree(process.pid)
    process.join()
    return result, elapsed, peak[0] / 1024


def _kill_tree(pid: int) -> None:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid:
                    _kill_tree(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    with contextlib.suppress(OSError):
        os.kill(pid, 9)


def _child(target, args: tuple, out) -> None:
    out.put(target(*args))


# --- ours -----------------------------------------------------------------------


def ours(sessions: int, seed: int, seconds: float, exact: bool = False) -> dict:
    """Plan the programme; timings and the validator's verdict."""
    return _timed(instance(sessions, seed, exact)[0], None, seconds)


def ours_replan(sessions: int, seed: int, seconds: float) -> dict:
    """Plan, close one room for a day, re-plan with the published plan and from scratch."""
    festival = instance(sessions, seed)[0]
    published = solver.solve(festival, options=solver.Options(max_seconds=seconds)).timetable
    changed, previous = close_one_room(festival, published)
    return {
        "hint": _timed(changed, previous, seconds),
        "scratch": _timed(changed, None, seconds),
    }


def _timed(festival: Festival, previous: Timetable | None, seconds: float) -> dict:
    first: list[float] = []

    def progress(p: solver.Progress) -> None:
        if not first:
            first.append(time.perf_counter() - started)

    started = time.perf_counter()
    result = solver.solve(
        festival,
        options=solver.Options(time_limit=10_000, max_seconds=seconds),
        on_progress=progress,
        previous=previous,
    )
    wall = time.perf_counter() - started
    timetable = result.timetable
    if timetable is None:
        return {"first": None, "wall": wall, "status": result.status}
    return {
        "first": first[0] if first else wall,
        "wall": wall,
        "status": result.status,
        "objective": timetable.objective,
        "bound": timetable.bound,
        "moves": dict(timetable.moves),
        "violations": len(validate.violations(festival, timetable)),
    }


def close_one_room(festival: Festival, published: Timetable) -> tuple[Festival, Timetable]:
    """Close the room of the middle talk for its whole day (a room-day without fixed talks)."""
    fixed = {
        (p.venue, days.local_date(festival, p.start))
        for p in published.placements
        if festival.session(p.session).fixed is not None
    }
    open_ = [
        p
        for p in published.placements
        if (p.venue, days.local_date(festival, p.start)) not in fixed
    ]
    target = open_[len(open_) // 2]
    target_day = days.local_date(festival, target.start)
    return generate.close_for_day(festival, target.venue, target_day), published


# --- conference-scheduler -----------------------------------------------------------


def to_rival(festival: Festival, layout: Timetable):
    """The festival as conference-scheduler events and slots (see the module docstring)."""
    from conference_scheduler.resources import Event, Slot

    lengths = sorted({s.duration for s in festival.sessions}, reverse=True)
    taken: dict[tuple[str, object], list[tuple[datetime, datetime]]] = defaultdict(list)
    for p in layout.placements:
        taken[(p.venue, days.local_date(festival, p.start))].append((p.start, p.end))
    zone = days.zone(festival)
    slots = []
    for v in festival.venues:
        for d in wall_clock.allowed_dates(festival):
            midnight = datetime.combine(d, clock_time())
            if v.has_slots:  # a slot grid of its own: exactly its slots
                for a, b in v.slots_on(d):
                    at = days.instant(zone, midnight + timedelta(minutes=a))
                    slots.append(Slot(v.id, at, b - a, v.capacity, f"{d} {v.id}"))
                continue
            closes = days.instant(zone, midnight + timedelta(minutes=v.closes))
            cursor = days.instant(zone, midnight + timedelta(minutes=v.opens))
            gap = timedelta(minutes=v.changeover)
            for start, end in [*sorted(taken[(v.id, d)]), (closes + gap, closes + gap)]:
                while True:  # spare slots in the free time before the next taken one
                    fits = [n for n in lengths if cursor + timedelta(minutes=n) + gap <= start]
                    if not fits:
                        break
                    spare_end = cursor + timedelta(minutes=fits[0])
                    slots.append(Slot(v.id, cursor, fits[0], v.capacity, f"{d} {v.id}"))
                    cursor = spare_end + gap
                if start < closes:
                    slots.append(
                        Slot(
                            v.id,
                            start,
                            int((end - start).total_seconds() // 60),
                            v.capacity,
                            f"{d} {v.id}",
                        )
                    )
                    cursor = end + gap
    slots = [
        slot
        for slot in slots
        if not any(
            c.overlaps(slot.starts_at, slot.starts_at + timedelta(minutes=slot.duration))
            for c in next(v for v in festival.venues if v.id == slot.venue).closed
        )
    ]
    venues = {v.id: v for v in festival.venues}
    people = {p.id: p for p in festival.people}
    exclusive = set(festival.exclusive_tags)
    events = [
        Event(s.id, s.duration, s.attendance, tags=[t for t in s.tags if t in exclusive])
        for s in festival.sessions
    ]
    by_id = {e.name: e for e in events}
    eligible = {
        s.id: {v.id for v in solver.eligible_venues(festival, s)} for s in festival.sessions
    }
    for s in festival.sessions:
        event = by_id[s.id]
        absent = [p for pid in s.people for p in people[pid].unavailable]
        for slot in slots:
            end = slot.starts_at + timedelta(minutes=slot.duration)
            ends = slot.starts_at + timedelta(minutes=s.duration)
            bad = (
                slot.venue not in eligible[s.id]
                or any(a.overlaps(slot.starts_at, ends) for a in absent)
                or (s.earliest is not None and slot.starts_at < s.earliest)
                or (s.latest is not None and ends > s.latest)
                or (s.fixed is not None and slot.starts_at != s.fixed.start)
                or (s.fixed is not None and s.fixed.venue and slot.venue != s.fixed.venue)
                or any(c.overlaps(slot.starts_at, end) for c in venues[slot.venue].closed)
            )
            if bad:
                event.add_unavailability(slot)
        for other in festival.sessions:
            if other.id != s.id and (
                set(s.people) & set(other.people)
                or other.id in s.not_with
                or s.id in other.not_with
            ):
                event.add_unavailability(by_id[other.id])
    return events, slots


def rival(sessions: int, seed: int, replan: str = "", exact: bool = False) -> dict:
    """conference-scheduler on the same instance: its time and our validator's verdict."""
    import pulp
    from conference_scheduler import scheduler as cs
    from conference_scheduler.lp_problem import objective_functions

    festival, layout = instance(sessions, seed, exact)
    quiet = pulp.PULP_CBC_CMD(msg=False)
    original = None
    if replan:  # its own plan first, as ours re-plans from our own
        events, slots = to_rival(festival, layout)
        original = cs.schedule(events, slots, solver=quiet)
        published = _timetable(festival, original)
        festival, _ = close_one_room(festival, published)
    started = time.perf_counter()
    events, slots = to_rival(festival, layout)
    try:
        if replan == "hint":
            kept = [item for item in original if item.slot in set(slots)]
            by_name = {e.name: e for e in events}
            kept = [type(item)(by_name[item.event.name], item.slot) for item in kept]
            items = cs.schedule(
                events,
                slots,
                objective_function=objective_functions.number_of_changes,
                original_schedule=kept,
                solver=quiet,
            )
        else:
            items = cs.schedule(events, slots, solver=quiet)
    except ValueError:
        return {"wall": time.perf_counter() - started, "status": "no solution"}
    wall = time.perf_counter() - started
    timetable = _timetable(festival, items)
    return {
        "wall": wall,
        "status": "FEASIBLE",
        "violations": len(validate.violations(festival, timetable)),
        "slots": len(slots),
    }


def _timetable(festival: Festival, items) -> Timetable:
    placements = tuple(
        Placement(
            item.event.name,
            item.slot.venue,
            item.slot.starts_at,
            item.slot.starts_at + timedelta(minutes=item.event.duration),
        )
        for item in items
    )
    return Timetable(festival.id, placements)


# --- the tables -------------------------------------------------------------------


def _seconds(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.2f} s" if value < 1 else f"{value:.1f} s"


def _ours_cells(result: dict | None, elapsed: float, peak: float) -> list[str]:
    if result is None or result.get("first") is None:
        return ["none", "–", f"{peak:.0f} MB", "–"]
    if result["status"] == "OPTIMAL":
        proof = f"optimal {_seconds(result['wall'])}"
    else:
        objective, bound = result["objective"], result["bound"]
        gap = 0.0 if objective == 0 else (objective - bound) / objective
        proof = f"gap {gap:.1%} ({objective} vs {bound})"
    return [_seconds(result["first"]), proof, f"{peak:.0f} MB", str(result["violations"])]


def _rival_cells(result: dict | None, elapsed: float, peak: float, limit: float) -> list[str]:
    if result is None:
        return [f"stopped at {limit:.0f} s", f"{peak:.0f} MB", "–"]
    if result["status"] != "FEASIBLE":
        return [f"{result['status']} ({_seconds(result['wall'])})", f"{peak:.0f} MB", "–"]
    return [_seconds(result["wall"]), f"{peak:.0f} MB", str(result["violations"])]


def sizes_list(text: str) -> list[int]:
    """--sizes: comma-separated whole numbers (argparse reports a bad one in one line)."""
    return [int(n) for n in text.split(",")]


sizes_list.__name__ = "list of sizes"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        type=sizes_list,
        default=[50, 100, 200, 400, 1000, 2000],
        help="comma-separated numbers of talks",
    )
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rival-seconds", type=float, default=120.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-replan", action="store_true")
    parser.add_argument("--slot-exact", action="store_true")
    args = parser.parse_args(argv)
    sizes = args.sizes
    try:
        import conference_scheduler  # noqa: F401

        have_rival = True
    except ImportError:
        have_rival = False
        print("conference-scheduler is not installed (pip install -e '.[bench]'): ours only\n")
    print(
        f"{os.cpu_count()} cores; ours capped at {args.seconds:.0f} s, "
        f"conference-scheduler at {args.rival_seconds:.0f} s; seed {args.seed}\n"
    )
    print(
        "| N | rooms | ours: first valid | ours: optimum or gap | ours: peak | ours: violations "
        "| c-s: time | c-s: peak | c-s: violations | speed-up |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    planned_by_rival: dict[int, bool] = {}
    for n in sizes:
        mine, my_time, my_peak = run_isolated(
            ours, (n, args.seed, args.seconds, args.slot_exact), args.seconds + 120
        )
        cells = _ours_cells(mine, my_time, my_peak)
        theirs_cells, speed = ["not run", "–", "–"], "–"
        if have_rival:
            theirs, their_time, their_peak = run_isolated(
                rival, (n, args.seed, "", args.slot_exact), args.rival_seconds
            )
            theirs_cells = _rival_cells(theirs, their_time, their_peak, args.rival_seconds)
            speed = _speed_up(mine, theirs, args.rival_seconds)
            planned_by_rival[n] = theirs is not None and theirs.get("status") == "FEASIBLE"
        rooms = exact_rooms_for(n) if args.slot_exact else rooms_for(n)
        print(
            f"| {n} | {rooms} | " + " | ".join(cells + theirs_cells + [speed]) + " |",
            flush=True,
        )
    if args.no_replan or args.slot_exact:
        return
    print("\nRe-plan after one room closes for a day:\n")
    print(
        "| N | ours, with the published plan | moves | ours from scratch: first valid "
        "| ours from scratch: end | speed-up | c-s with its plan (fewest changes) "
        "| c-s from scratch |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for n in sizes:
        both, _, _ = run_isolated(ours_replan, (n, args.seed, args.seconds), 3 * args.seconds + 60)
        hinted = both["hint"] if both else None
        scratch = both["scratch"] if both else None
        moves = hinted["moves"] if hinted and "moves" in hinted else {}
        with_hint = (
            f"{_seconds(hinted['wall'])} ({hinted['status']}, {hinted['violations']} violations)"
            if hinted and hinted.get("first") is not None
            else "none"
        )
        scratch_first = _seconds(scratch["first"]) if scratch and scratch.get("first") else "none"
        scratch_end = f"{_seconds(scratch['wall'])} ({scratch['status']})" if scratch else "stopped"
        speed = (
            f"{scratch['wall'] / hinted['wall']:.1f}×"
            if hinted and scratch and hinted.get("first") is not None
            else "–"
        )
        moved = ", ".join(f"{k} {v}" for k, v in moves.items()) or "–"
        theirs = ["not run", "not run"]
        if have_rival and not planned_by_rival.get(n):
            theirs = ["no plan of its own to re-plan (stopped above)"] * 2
        elif have_rival:
            theirs = []
            for mode in ("hint", "scratch"):
                result, _, peak = run_isolated(rival, (n, args.seed, mode), args.rival_seconds)
                cell = _rival_cells(result, 0, peak, args.rival_seconds)[0]
                if result and "violations" in result:
                    cell += f", {result['violations']} violations"
                theirs.append(cell)
        print(
            f"| {n} | {with_hint} | {moved} | {scratch_first} | {scratch_end} | {speed} | "
            + " | ".join(theirs)
            + " |",
            flush=True,
        )


def _speed_up(mine: dict | None, theirs: dict | None, limit: float) -> str:
    """conference-scheduler's time over ours to the same kind of answer: a valid timetable
    (it solves for feasibility only; our optimising beyond that is in its own column)."""
    if mine is None or mine.get("first") is None:
        return "–"
    reference = max(mine["first"], 0.001)
    if theirs is None:
        return f"≥ {limit / reference:.0f}×"
    return f"{theirs['wall'] / reference:.0f}×"


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    main()
