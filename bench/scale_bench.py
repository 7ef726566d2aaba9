"""Load at a steady rate on real `bot.py serve` processes: SQLite and PostgreSQL, 1 and 2
workers sharing one port.

The harness (bench/harness.py, its own process) posts Telegram and Zalo webhook updates in turn,
each from a new chat with a question of the development set, at a fixed rate for a fixed time,
whatever the answers (open loop, as citizens do); the workers answer through the fake Bot API and
the fake Zalo OpenAPI. Each configuration climbs through the rates until the workers stop keeping
up (fewer than 95% answered within the run, or p99 over 2 s): the last rate they kept up with is
what they sustain."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.ext.asyncio import create_async_engine  # noqa: E402

from bench.harness_client import Harness  # noqa: E402
from bench.servers import SECRET, Serve, environment, free_port  # noqa: E402

RATES = [50, 100, 150, 200, 250, 300, 400]
DURATION = 10.0
P99_LIMIT_MS = 2000.0
CONFIGS = [("SQLite", 1), ("SQLite", 2), ("PostgreSQL", 1), ("PostgreSQL", 2)]


def postgres_server() -> str:
    """The throw-away PostgreSQL server of the test suite (installed and started if needed)."""
    out = subprocess.run(
        ["bash", str(ROOT / ".ci" / "postgres.sh")],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip().splitlines()[-1]


async def fresh_postgres(server_url: str, name: str) -> str:
    engine = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()
    return server_url.rsplit("/", 1)[0] + f"/{name}"


async def run_config(
    harness: Harness, database_url: str, workers: int, log: Path
) -> list[tuple[int, dict[str, Any]]]:
    port = free_port()
    serve = Serve(environment(database_url, harness.urls, port), workers, log=log)
    await serve.start()  # every worker answering
    steps = []
    targets = {
        "telegram": f"{serve.url}/telegram/webhook",
        "zalo": f"{serve.url}/zalo/webhook",
    }
    try:
        # Warm-up, not recorded: every worker's caches, connections and the database's pages.
        await harness.run(
            channels=["telegram", "zalo"], targets=targets, secret=SECRET, duration=5, rate=20
        )
        for rate in RATES:
            result = await harness.run(
                channels=["telegram", "zalo"],
                targets=targets,
                secret=SECRET,
                duration=DURATION,
                rate=rate,
                settle=5.0,
            )
            steps.append((rate, result))
            p99 = result["p99_ms"] if result["p99_ms"] is not None else float("inf")
            if result["replied_per_s"] < 0.95 * rate or p99 > P99_LIMIT_MS:
                break
    finally:
        serve.stop()
    return steps


async def main() -> dict[str, list[tuple[int, dict[str, Any]]]]:
    results = {}
    pg = postgres_server()
    with tempfile.TemporaryDirectory() as tmp:
        async with Harness() as harness:
            for kind, workers in CONFIGS:
                name = f"{kind}, {workers} worker{'s' if workers > 1 else ''}"
                if kind == "SQLite":
                    url = f"sqlite+aiosqlite:///{tmp}/scale-{workers}.db"
                else:
                    url = await fresh_postgres(pg, f"caunoi_scale_{workers}")
                results[name] = await run_config(harness, url, workers, Path(tmp) / "serve.log")
                print(name, "done", file=sys.stderr, flush=True)
    return results


def sustained(steps: list[tuple[int, dict[str, Any]]]) -> tuple[int, dict[str, Any]] | None:
    kept = [
        (rate, r)
        for rate, r in steps
        if r["replied_per_s"] >= 0.95 * rate
        and r["p99_ms"] is not None
        and r["p99_ms"] <= P99_LIMIT_MS
    ]
    return kept[-1] if kept else None


def table(results: dict[str, list[tuple[int, dict[str, Any]]]]) -> list[str]:
    lines = [
        "| configuration | sustained updates/s | p50 ms | p99 ms | first rate not kept up "
        "(answered/s, p99 ms) |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for name, steps in results.items():
        best = sustained(steps)
        over = next(
            ((rate, r) for rate, r in steps if best is None or rate > best[0]),
            None,
        )
        over_text = (
            f"{over[0]}/s ({over[1]['replied_per_s']:.0f}, {over[1]['p99_ms'] or float('nan'):.0f})"
            if over
            else f"none up to {RATES[-1]}/s"
        )
        if best:
            rate, r = best
            lines.append(
                f"| {name} | {rate} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {over_text} |"
            )
        else:
            lines.append(f"| {name} | < {RATES[0]} | | | {over_text} |")
    lines += [
        "",
        f"Telegram and Zalo webhook updates in turn, each from a new chat with a question of the "
        f"development set, at a fixed rate for {DURATION:.0f} s per step; rates {RATES} until "
        f"fewer than 95% are answered within the step or p99 passes {P99_LIMIT_MS:.0f} ms. "
        "Latency: from the POST to the reply reaching the fake API. Workers: `bot.py serve "
        "--workers N` (SO_REUSEPORT). PostgreSQL: Debian's server of the test suite, with "
        "fsync off. The harness (fake APIs and load) runs in its own process on the same two "
        "cores. Each configuration is warmed up for 5 s at 20 updates/s first. Figures vary "
        "between runs on this shared machine; a single slow spike (SQLite writers waiting on "
        "each other, a checkpoint) can end a configuration's climb early.",
    ]
    return lines


if __name__ == "__main__":
    print("\n".join(table(asyncio.run(main()))))
