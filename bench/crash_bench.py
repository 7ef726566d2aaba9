"""kill -9 of a worker in the middle of a load run and of a 10,000-subscriber announcement, on
SQLite and PostgreSQL, with `serve --workers 2` restarting it (method: bench/crash.py)."""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import crash  # noqa: E402
from bench.harness_client import Harness  # noqa: E402
from bench.scale_bench import fresh_postgres, postgres_server  # noqa: E402
from bench.servers import Serve, environment, free_port  # noqa: E402

LOAD_SECONDS = 20.0
LOAD_RATE = 60.0
SUBSCRIBERS = 10_000
SEND_RATE = 300.0  # TELEGRAM_MAX_RATE of the run: announcements use two thirds of it
LEASE = "5"


async def one(harness: Harness, url: str, tmp: Path) -> dict[str, Any]:
    env = environment(
        url,
        harness.urls,
        free_port(),
        OUTBOX_LEASE_SECONDS=LEASE,
        TELEGRAM_MAX_RATE=str(SEND_RATE),
        MEDIA_DIR=str(tmp / "media"),
    )
    serve = Serve(env, workers=2, log=tmp / "serve.log")
    await serve.start()  # every worker answering
    try:
        load = await crash.crash_during_load(harness, serve, url, LOAD_SECONDS, LOAD_RATE)
        await serve.wait_healthy(pids=2)
        announcement = await crash.crash_during_announcement(
            harness, serve, url, SUBSCRIBERS, SEND_RATE, timeout=900
        )
    finally:
        serve.stop()
    return {"load": load, "announcement": announcement}


async def main() -> dict[str, dict[str, Any]]:
    pg = postgres_server()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        async with Harness() as harness:
            results["SQLite"] = await one(harness, f"sqlite+aiosqlite:///{tmp}/crash.db", Path(tmp))
            url = await fresh_postgres(pg, "caunoi_crash")
            results["PostgreSQL"] = await one(harness, url, Path(tmp))
    return results


def table(results: dict[str, dict[str, Any]]) -> list[str]:
    lines = [
        "| database | load: updates | stored once | twice | lost | unanswered | "
        "announcement: subscribers | received once | twice | missed | seconds |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, r in results.items():
        load, ann = r["load"], r["announcement"]
        lines.append(
            f"| {name} | {load['updates']} | {load['stored_once']} | "
            f"{load['stored_twice_or_more']} | {load['lost']} | {load['unanswered']} | "
            f"{ann['subscribers']} | {ann['received_once']} | {ann['received_twice_or_more']} | "
            f"{ann['missed']} | {ann['seconds']} |"
        )
    repeated = ", ".join(
        f"{r['announcement']['received_twice_or_more']} on {name}" for name, r in results.items()
    )
    lines += [
        "",
        f"`bot.py serve --workers 2`; one worker killed with SIGKILL halfway through a "
        f"{LOAD_SECONDS:.0f} s load run ({LOAD_RATE:.0f} Telegram and Zalo updates a second, "
        "re-posted on a refused connection or a 5xx as the platforms do), and again once 40% "
        f"of a {SUBSCRIBERS:,}-subscriber announcement was sent (Telegram, sent at two thirds of "
        f"TELEGRAM_MAX_RATE={SEND_RATE:.0f}); the supervisor restarts it. Stored: inbound "
        "messages per chat in the database; received: messages per chat at the fake Bot API. "
        f"OUTBOX_LEASE_SECONDS={LEASE}: what the killed worker had claimed goes out after that.",
        "",
        "Questions are stored exactly once by design: the event is recorded in the transaction "
        "that stores the message, a retry of it is ignored, told to come back (503) while it is "
        "being handled, or finishes it when its worker died. Announcements are delivered at "
        "least once: a row is marked sent right after the platform accepts it, so only a send "
        "in flight at the moment of the kill can be repeated, once its claim runs out; Telegram "
        "and Zalo take no idempotency key that would let anyone tell. The bound is the sends a "
        "worker has in flight (8, the outbox's concurrency): an earlier run of this benchmark on "
        f"PostgreSQL repeated 8 of 10,000; this run repeated {repeated}.",
    ]
    return lines


if __name__ == "__main__":
    print("\n".join(table(asyncio.run(main()))))
