"""Telegram webhook throughput and latency, ours beside a bare python-telegram-bot echo bot,
both against our fake Bot API, measured in one run the same way.

The bot under test runs in this process; the fake Bot API and the load generator run in another
(bench/harness.py), so the figures are the bot's own. For a fixed time, C concurrent clients each
POST an update (a new chat each time, a question of the development set in turn) to the webhook
and wait for its 200; throughput is updates answered per second, latency runs from the POST to
the first sendMessage for that chat reaching the fake API."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiohttp import web  # noqa: E402
from aiohttp.test_utils import TestServer  # noqa: E402
from telegram import Update  # noqa: E402
from telegram.ext import Application, MessageHandler, filters  # noqa: E402

from bench.harness import TELEGRAM_TOKEN  # noqa: E402
from bench.harness_client import Harness, app_under_load  # noqa: E402
from bot.runtime import load_knowledge  # noqa: E402
from bot.settings import Settings  # noqa: E402

SECRET = "bench-secret"
DURATION = 10.0
CONCURRENCY = 32


async def bench_ours(harness: Harness, knowledge) -> dict:  # type: ignore[no-untyped-def]
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
        return await harness.run(
            channel="telegram",
            target=f"{url}/telegram/webhook",
            secret=SECRET,
            duration=DURATION,
            concurrency=CONCURRENCY,
        )


async def bench_bare(harness: Harness) -> dict:
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
        return await harness.run(
            channel="telegram",
            target=str(server.make_url("/webhook")),
            duration=DURATION,
            concurrency=CONCURRENCY,
        )
    finally:
        await server.close()
        await application.shutdown()


async def main() -> dict[str, dict]:
    knowledge = load_knowledge(Settings())
    async with Harness() as harness:
        bare = await bench_bare(harness)
        ours = await bench_ours(harness, knowledge)
    return {"bare": bare, "ours": ours}


def table(results: dict[str, dict[str, float]]) -> list[str]:
    bare, ours = results["bare"], results["ours"]
    return [
        "| bot | updates/s | p50 ms | p99 ms | replied |",
        "| --- | ---: | ---: | ---: | ---: |",
        f"| bare python-telegram-bot echo | {bare['replied_per_s']:.0f} | {bare['p50_ms']:.1f} | "
        f"{bare['p99_ms']:.1f} | {bare['replied'] / bare['posted']:.0%} |",
        f"| Cầu Nối (SQLite, search, outbox) | {ours['replied_per_s']:.0f} | "
        f"{ours['p50_ms']:.1f} | {ours['p99_ms']:.1f} | {ours['replied'] / ours['posted']:.0%} |",
        "",
        f"Ours as a fraction of the bare bot: {ours['replied_per_s'] / bare['replied_per_s']:.2f} "
        f"(target ≥ 0.5 and ≥ 300 updates/s). {CONCURRENCY} concurrent clients for "
        f"{DURATION:.0f} s each; the bot in one process, the fake API and the load in another; "
        "loopback.",
    ]


if __name__ == "__main__":
    print("\n".join(table(asyncio.run(main()))))
