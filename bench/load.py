"""The load driver shared by the channel benchmarks: C concurrent clients POST new requests for a
fixed time; then throughput and the latency from each POST to its reply reaching the fake API."""

from __future__ import annotations

import asyncio
import itertools
import statistics
import time
from collections.abc import Callable

from aiohttp import ClientSession, TCPConnector

# (key of the reply to wait for, body, headers) for the n-th request
Request = Callable[[int], tuple[str, bytes, dict[str, str]]]


async def drive(
    url: str, request: Request, duration: float, concurrency: int
) -> tuple[dict[str, float], int, float]:
    """Returns when each key was posted, how many requests were handled, and the elapsed time."""
    ids = itertools.count(1)
    started: dict[str, float] = {}
    done = 0
    deadline = time.monotonic() + duration

    async def worker(session: ClientSession) -> None:
        nonlocal done
        while time.monotonic() < deadline:
            key, body, headers = request(next(ids))
            started[key] = time.monotonic()
            async with session.post(url, data=body, headers=headers) as response:
                assert response.status == 200, response.status
            done += 1

    begin = time.monotonic()
    async with ClientSession(connector=TCPConnector(limit=concurrency)) as session:
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
    elapsed = time.monotonic() - begin
    await asyncio.sleep(2.0)  # let the last replies out
    return started, done, elapsed


def summarise(
    started: dict[str, float], arrivals: dict[str, float], done: int, elapsed: float
) -> dict[str, float]:
    latencies = sorted((arrivals[k] - t) * 1000 for k, t in started.items() if k in arrivals)
    return {
        "per_s": done / elapsed,
        "replied": len(latencies) / max(len(started), 1),
        "p50_ms": statistics.median(latencies),
        "p99_ms": latencies[int(0.99 * (len(latencies) - 1))],
    }
