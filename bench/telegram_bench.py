"""Telegram webhook throughput and latency, ours beside a bare python-telegram-bot echo bot,
both against our fake Bot API on loopback, measured in one run the same way.

For a fixed time, C concurrent clients each POST an update (a new chat each time, a question
without diacritics) to the webhook and wait for the answer; throughput is updates handled per
second, latency runs from the POST to the first sendMessage for that chat reaching the fake API."""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiohttp import web  # noqa: E402
from aiohttp.test_utils import TestServer  # noqa: E402
from telegram import Update  # noqa: E402
from telegram.ext import Application, MessageHandler, filters  # noqa: E402

from bench import load  # noqa: E402
from bot.runtime import load_knowledge  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.web.app import create_app  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402

TOKEN = "123456:BENCH"
SECRET = "bench-secret"
QUESTION = "ho can ngheo co dc vay von ko"
DURATION = 10.0
CONCURRENCY = 32


def update(update_id: int, chat_id: int) -> dict:
    user = {"id": chat_id, "is_bot": False, "first_name": "Dân"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": user,
            "text": QUESTION,
        },
    }


async def drive(url: str, fake: FakeTelegram, headers: dict[str, str]) -> dict[str, float]:
    def request(n: int) -> tuple[str, bytes, dict[str, str]]:
        chat = 10_000_000 + n
        body = json.dumps(update(n, chat)).encode()
        return str(chat), body, {**headers, "Content-Type": "application/json"}

    started, done, elapsed = await load.drive(url, request, DURATION, CONCURRENCY)
    arrivals: dict[str, float] = {}
    for call in fake.calls:
        if call.method == "sendMessage":
            arrivals.setdefault(str(call.params["chat_id"]), call.at)
    result = load.summarise(started, arrivals, done, elapsed)
    result["updates_per_s"] = result.pop("per_s")
    return result


async def bench_ours(knowledge) -> dict[str, float]:  # type: ignore[no-untyped-def]
    fake = FakeTelegram(TOKEN)
    fake_server = TestServer(fake.app())
    await fake_server.start_server()
    base = str(fake_server.make_url("/")).rstrip("/")
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            database_url=f"sqlite+aiosqlite:///{tmp}/bench.db",
            secret_key="b",
            telegram_token=TOKEN,
            telegram_mode="webhook",
            telegram_webhook_secret=SECRET,
            telegram_base_url=f"{base}/bot",
            telegram_base_file_url=f"{base}/file/bot",
            telegram_max_rate=100_000,
            log_level="WARNING",
            media_dir=Path(tmp) / "media",
        )
        server = TestServer(create_app(settings, knowledge))
        await server.start_server()
        try:
            return await drive(
                str(server.make_url("/telegram/webhook")),
                fake,
                {"X-Telegram-Bot-Api-Secret-Token": SECRET},
            )
        finally:
            await server.close()
            await fake_server.close()


async def bench_bare() -> dict[str, float]:
    fake = FakeTelegram(TOKEN)
    fake_server = TestServer(fake.app())
    await fake_server.start_server()
    base = str(fake_server.make_url("/")).rstrip("/")
    application = (
        Application.builder()
        .token(TOKEN)
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
        return await drive(str(server.make_url("/webhook")), fake, {})
    finally:
        await server.close()
        await application.shutdown()
        await fake_server.close()


async def main() -> dict[str, dict[str, float]]:
    knowledge = load_knowledge(Settings())
    bare = await bench_bare()
    ours = await bench_ours(knowledge)
    return {"bare": bare, "ours": ours}


def table(results: dict[str, dict[str, float]]) -> list[str]:
    bare, ours = results["bare"], results["ours"]
    return [
        "| bot | updates/s | p50 ms | p99 ms | replied |",
        "| --- | ---: | ---: | ---: | ---: |",
        f"| bare python-telegram-bot echo | {bare['updates_per_s']:.0f} | {bare['p50_ms']:.1f} | "
        f"{bare['p99_ms']:.1f} | {bare['replied']:.0%} |",
        f"| Cầu Nối (SQLite, search, outbox) | {ours['updates_per_s']:.0f} | "
        f"{ours['p50_ms']:.1f} | {ours['p99_ms']:.1f} | {ours['replied']:.0%} |",
        "",
        f"Ours as a fraction of the bare bot: {ours['updates_per_s'] / bare['updates_per_s']:.2f} "
        f"(target ≥ 0.5 and ≥ 300 updates/s). {CONCURRENCY} concurrent clients for "
        f"{DURATION:.0f} s each, one process, loopback.",
    ]


if __name__ == "__main__":
    print("\n".join(table(asyncio.run(main()))))
