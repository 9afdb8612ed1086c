"""Load `festival serve` with concurrent calendar subscribers on 127.0.0.1.

Usage: python benchmarks/serve_load.py [CLIENTS] [SECONDS]

Publishes the default festival into a temporary folder, starts `festival serve`
on a free loopback port in its own process, then runs CLIENTS keep-alive
connections (default 100), each polling /festival.ics as fast as it can for
SECONDS (default 10): first plain GETs (full responses), then conditional GETs
with the ETag (304s). Prints requests/s, latency percentiles and errors for
each. The client runs on the same machine and shares its cores with the server.
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


async def subscriber(
    port: int,
    path: str,
    etag: str | None,
    until: float,
    latencies: list[float],
    errors: list[str],
    expect: int,
) -> None:
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError as error:
        errors.append(f"connect: {error}")
        return
    condition = f"If-None-Match: {etag}\r\n" if etag else ""
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{condition}\r\n".encode()
    try:
        while time.perf_counter() < until:
            started = time.perf_counter()
            writer.write(request)
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if length:
                await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if status != expect:
                errors.append(f"status {status}")
    except (OSError, asyncio.IncompleteReadError) as error:
        errors.append(f"connection: {error!r}")
    finally:
        writer.close()


async def phase(
    port: int, clients: int, seconds: float, etag: str | None, expect: int
) -> tuple[int, list[float], list[str], float]:
    latencies: list[float] = []
    errors: list[str] = []
    started = time.perf_counter()
    until = started + seconds
    await asyncio.gather(
        *(
            subscriber(port, "/festival.ics", etag, until, latencies, errors, expect)
            for _ in range(clients)
        )
    )
    return len(latencies), latencies, errors, time.perf_counter() - started


def report(
    name: str, count: int, latencies: list[float], errors: list[str], elapsed: float
) -> None:
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    print(
        f"{name}: {count} requests in {elapsed:.1f} s = {count / elapsed:.0f} req/s; "
        f"latency p50 {cuts[49] * 1000:.1f} ms, p99 {cuts[98] * 1000:.1f} ms, "
        f"max {max(latencies) * 1000:.1f} ms; errors {len(errors)}"
        + (f" (first: {errors[0]})" if errors else "")
    )


def main(clients: int, seconds: float) -> None:
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work) / "calendars"
        subprocess.run(
            [sys.executable, "-m", "scheduler", "plan", "--quiet", "--out", str(folder)],
            cwd=ROOT,
            check=True,
        )
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = subprocess.Popen(
            [sys.executable, "-m", "scheduler", "serve", "--dir", str(folder), "--port", str(port)],
            stderr=subprocess.DEVNULL,
        )
        try:
            import httpx

            deadline = time.monotonic() + 30
            while True:
                try:
                    etag = httpx.get(f"http://127.0.0.1:{port}/festival.ics").headers["etag"]
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            size = (folder / "festival.ics").stat().st_size
            print(
                f"festival serve, {clients} concurrent keep-alive subscribers polling "
                f"/festival.ics ({size} bytes) for {seconds:.0f} s each, on "
                f"{os.cpu_count()} cores (client and server share them)"
            )
            report("full responses (200)", *asyncio.run(phase(port, clients, seconds, None, 200)))
            report("conditional (304)", *asyncio.run(phase(port, clients, seconds, etag, 304)))
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 100,
        float(sys.argv[2]) if len(sys.argv) > 2 else 10,
    )
