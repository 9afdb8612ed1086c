"""Time `/agenda.ics` answers on a large published festival.

Usage: python benchmarks/agenda.py [--sessions 1000] [--ids 20] [--requests 300] [--seed 1]

`scheduler.generate` writes a festival of --sessions sessions with a valid timetable,
which is published into a temporary folder; `festival serve` then runs on a free
loopback port in its own process, and one client on the same machine asks for
--requests agendas of --ids random session ids each, one after another over one
keep-alive connection (each a new selection: no 304). The first request (which
reads and cuts festival.ics once per publication) is reported apart. Prints
p50/p95/max latency of the rest, from sending the request to the last byte.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import paired

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def publish(folder: Path, sessions: int, seed: int) -> list[str]:
    """Publish a generated festival into `folder`; its session ids."""
    sys.path.insert(0, str(ROOT))
    from scheduler import generate

    shape = generate.Shape(
        sessions=sessions, venues=40, people=840, tracks=12, days=max(3, sessions // 50),
        cities=4, rules=0.2,
    )  # fmt: skip
    paired.publish_as_planned(*generate.published(seed, shape), folder)
    return [s["id"] for s in json.loads((folder / "timetable.json").read_text())["sessions"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--ids", type=int, default=20)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "calendars"
        ids = publish(folder, args.sessions, args.seed)
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "scheduler", "serve", "--dir", str(folder), "--port", str(port)],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert server.stderr is not None
            server.stderr.readline()  # "Serving …": listening
            with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
                for _ in range(100):  # until uvicorn accepts
                    try:
                        client.get("/")
                        break
                    except httpx.ConnectError:
                        time.sleep(0.05)
                timings = []
                for _ in range(args.requests + 1):
                    chosen = ",".join(rng.sample(ids, args.ids))
                    started = time.perf_counter()
                    response = client.get("/agenda.ics", params={"s": chosen})
                    timings.append(time.perf_counter() - started)
                    assert response.status_code == 200
                    assert response.text.count("BEGIN:VEVENT") == args.ids
        finally:
            server.terminate()
            server.wait(timeout=10)
    first, rest = timings[0], sorted(timings[1:])
    load = os.getloadavg()[0]
    print(
        f"{args.sessions} sessions, {len(ids)} published, {args.ids} ids a request, "
        f"{args.requests} requests; {os.cpu_count()} cores, load average {load:.2f} after"
    )
    print(
        f"first request {first * 1000:.1f} ms; then p50 {statistics.median(rest) * 1000:.1f} ms, "
        f"p95 {rest[int(len(rest) * 0.95) - 1] * 1000:.1f} ms, max {rest[-1] * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
