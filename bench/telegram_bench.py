"""Telegram webhook throughput and latency, ours beside a bare python-telegram-bot echo bot,
both against our fake Bot API, measured in one run the same way.

The bots under test run in this process; the fake Bot API and the load generator run in another
(bench/harness.py), so the figures are the bots' own. For a fixed time, C concurrent clients each
POST an update (a new chat each time, a question of the development set in turn) to the webhook
and wait for its 200; throughput is updates answered per second, latency runs from the POST to
the first sendMessage for that chat reaching the fake API. The two bots take turns for several
rounds, as this shared machine's speed drifts from one minute to the next."""

from __future__ import annotations

import contextlib
import os
import resource
import statistics
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiohttp import web  # noqa: E402
from aiohttp.test_utils import TestServer  # noqa: E402
from telegram import Update  # noqa: E402
from telegram.ext import Application, MessageHandler, filters  # noqa: E402

from app.knowledge import load_knowledge  # noqa: E402
from app.settings import Settings  # noqa: E402
from bench.harness import TELEGRAM_TOKEN  # noqa: E402
from bench.harness_client import Harness, app_under_load  # noqa: E402
from bench.servers import SECRET, Serve, environment, free_port  # noqa: E402

DURATION = 10.0
CONCURRENCY = 32
ROUNDS = 3


@contextlib.asynccontextmanager
async def ours(harness: Harness, knowledge) -> AsyncIterator[dict]:  # type: ignore[no-untyped-def]
    """Our application, as `serve` runs it in webhook mode; yields how the harness posts to it."""
    base = harness.urls["telegram"]
    async with app_under_load(
        knowledge,
        telegram_token=TELEGRAM_TOKEN,
        telegram_mode="webhook",
        telegram_webhook_secret=SECRET,
        telegram_base_url=f"{base}/bot",
        telegram_base_file_url=f"{base}/file/bot",
        telegram_max_rate=100_000,
    ) as url:
        yield {"target": f"{url}/telegram/webhook", "secret": SECRET}


@contextlib.asynccontextmanager
async def bare(harness: Harness) -> AsyncIterator[dict]:
    """A python-telegram-bot Application that echoes each text, behind an aiohttp webhook."""
    base = harness.urls["telegram"]
    application = (
        Application.builder()
        .token(TELEGRAM_TOKEN)
        .base_url(f"{base}/bot")
        .base_file_url(f"{base}/file/bot")
        .updater(None)
        .build()
    )

    async def echo(update: Update, context) -> None:  # type: ignore[no-untyped-def]
        await update.message.reply_text(update.message.text)

    application.add_handler(MessageHandler(filters.TEXT, echo))
    await application.initialize()

    async def hook(request: web.Request) -> web.Response:
        await application.process_update(Update.de_json(await request.json(), application.bot))
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/webhook", hook)
    server = TestServer(app)
    await server.start_server()
    try:
        yield {"target": str(server.make_url("/webhook"))}
    finally:
        await server.close()
        await application.shutdown()


@contextlib.asynccontextmanager
async def workers(harness: Harness, count: int = 2) -> AsyncIterator[dict]:
    """`bot.py serve --workers N` on SQLite: N real processes sharing the port."""
    with tempfile.TemporaryDirectory() as tmp:
        env = environment(f"sqlite+aiosqlite:///{tmp}/bench.db", harness.urls, free_port())
        serve = Serve(env, count, log=Path(tmp) / "serve.log")
        await serve.start()
        try:
            yield {
                "target": f"{serve.url}/telegram/webhook",
                "secret": SECRET,
                "pids": serve.worker_pids(),
            }
        finally:
            serve.stop()


async def main() -> dict[str, list[dict]]:
    """ROUNDS runs of each bot, in turn (bare, ours, bare, ours…), so that a slow spell of this
    shared machine falls on both; each bot's figure is the median of its rounds."""
    knowledge = load_knowledge(Settings())
    results: dict[str, list[dict]] = {"bare": [], "ours": [], "workers": []}
    async with (
        Harness() as harness,
        bare(harness) as bare_bot,
        ours(harness, knowledge) as our_bot,
        workers(harness) as two_workers,
    ):
        for _ in range(ROUNDS):
            for name, bot in (("bare", bare_bot), ("ours", our_bot), ("workers", two_workers)):
                spec = {k: v for k, v in bot.items() if k != "pids"}
                before = _cpu_seconds(bot.get("pids"))
                run = await harness.run(
                    channel="telegram", duration=DURATION, concurrency=CONCURRENCY, **spec
                )
                # Only this bot works during its run: its processes' CPU time is its cost.
                spent = _cpu_seconds(bot.get("pids")) - before
                run["cpu_ms_per_update"] = 1000 * spent / max(run["replied"], 1)
                results[name].append(run)
    return results


def _cpu_seconds(pids: list[int] | None = None) -> float:
    """CPU time of this process, or of the given processes (from /proc)."""
    if not pids:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime
    ticks = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def median_run(runs: list[dict]) -> dict:
    return sorted(runs, key=lambda r: r["replied_per_s"])[len(runs) // 2]


def table(results: dict[str, list[dict]]) -> list[str]:
    rows = []
    for label, name in (
        ("bare python-telegram-bot echo", "bare"),
        ("Cầu Nối (SQLite, search, outbox)", "ours"),
        ("Cầu Nối, `serve --workers 2` (two processes)", "workers"),
    ):
        runs = results[name]
        mid = median_run(runs)
        rounds = ", ".join(f"{r['replied_per_s']:.0f}" for r in runs)
        replied = sum(r["replied"] for r in runs) / sum(r["posted"] for r in runs)
        cpu = statistics.median(r["cpu_ms_per_update"] for r in runs)
        rows.append(
            f"| {label} | {mid['replied_per_s']:.0f} | {rounds} | {mid['p50_ms']:.1f} | "
            f"{mid['p99_ms']:.1f} | {cpu:.2f} | {replied:.0%} |"
        )
    fraction = (
        median_run(results["ours"])["replied_per_s"] / median_run(results["bare"])["replied_per_s"]
    )
    return [
        "| bot | updates/s (median) | each round | p50 ms | p99 ms | CPU ms per update | replied |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: |",
        *rows,
        "",
        f"Ours as a fraction of the bare bot, each in one process: {fraction:.2f} "
        "(target ≥ 0.5 and ≥ 300 updates/s). "
        f"{ROUNDS} rounds of {DURATION:.0f} s for each bot, in turn, {CONCURRENCY} concurrent "
        "clients; latency from the median round; CPU: this process's time during a bot's runs "
        "over the updates it answered (median of the rounds). The bare bot and ours in this "
        "process, the two workers in theirs, the fake API and the load in another; loopback.",
    ]


if __name__ == "__main__":
    import uvloop

    print("\n".join(table(uvloop.run(main()))))
