"""Sessions that run more than once: a definition's `runs = N` made into N sessions.

Run 1 keeps the session's id, guid and event number; run k (k ≥ 2) is the session
`<id>-run-k`, with a guid derived from the session's and a number of its own, and the
same title, people and rules. A reference to the session from `after`, `not_with` or
an `[[order]]` names every run. The runs of one session never overlap and, unless `runs_same_day`,
fall on different days (the rule `sessions.runs`).
"""

from __future__ import annotations

import uuid
from dataclasses import replace

from .model import Festival, Session


def run_id(session_id: str, run: int) -> str:
    """The id of run `run` of session `session_id`."""
    return session_id if run == 1 else f"{session_id}-run-{run}"


def run_ids(session: Session) -> tuple[str, ...]:
    """The ids of every run of `session` as the definition states it."""
    return tuple(run_id(session.id, k) for k in range(1, session.runs + 1))


def with_runs(festival: Festival) -> Festival:
    """`festival` with each session of several runs as that many sessions. Runs 2… come
    after every session of the definition, so that each keeps its index (its key path in
    messages); a festival without such sessions is returned as it is."""
    repeated = {s.id: run_ids(s) for s in festival.sessions if s.runs > 1 and not s.run_of}
    if not repeated:
        return festival

    def every_run(ids: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(rid for sid in ids for rid in repeated.get(sid, (sid,)))

    firsts, more = [], []
    for s in festival.sessions:
        s = replace(s, after=every_run(s.after), not_with=every_run(s.not_with))
        if s.id not in repeated:
            firsts.append(s)
            continue
        firsts.append(replace(s, run=1, run_of=s.id, current=s.current[:1]))
        for k in range(2, s.runs + 1):
            guid = str(uuid.uuid5(uuid.UUID(s.guid), f"run-{k}")) if s.guid else ""
            current = s.current[k - 1 : k]
            more.append(
                replace(
                    s,
                    id=run_id(s.id, k),
                    run=k,
                    run_of=s.id,
                    guid=guid,
                    event_id=None,
                    current=current,
                )
            )
    orders = tuple(
        replace(o, first=every_run(o.first), then=every_run(o.then)) for o in festival.order
    )
    return replace(festival, sessions=tuple(firsts + more), order=orders)
