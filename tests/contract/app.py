"""One running application with every channel on (Telegram and Zalo Bot by webhook, Zalo OA,
the web chat, the console) and the outbox on, against our fake platforms on loopback."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from app import keys
from app.channels import build_registry
from app.factory import create_app
from app.settings import Settings
from bot.channel import Registry
from db.models import OutboxMessage
from db.officers import create_officer
from tests.factories import (
    TG_SECRET,
    TG_TOKEN,
    ZALO_APP,
    ZALO_BOT_SECRET,
    ZALO_BOT_TOKEN,
    ZALO_KEY,
    ZALO_SECRET,
)
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.zalo_api import FakeZalo
from tests.fakes.zalo_bot_api import FakeZaloBot

OFFICER, PASSWORD = "canbo-xa", "mat-khau-du-dai-1"
CSRF = re.compile(r'name="csrf" value="([^"]*)"')


@dataclass
class ContractApp:
    client: TestClient
    registry: Registry
    telegram: FakeTelegram
    zalo: FakeZalo
    zalo_bot: FakeZaloBot

    @property
    def url(self) -> str:
        return str(self.client.server.make_url("/"))

    @property
    def sessions(self):  # type: ignore[no-untyped-def]
        return self.client.server.app[keys.SESSIONS]

    async def outbox_done(self, seconds: float = 15) -> None:
        """Runs the outbox until nothing is due or being sent (by this call, an immediate
        delivery, or the outbox's own loop)."""
        outbox = self.client.server.app[keys.OUTBOX]
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            await outbox.drain()
            while await outbox.deliver_due():
                pass
            async with self.sessions() as session:
                busy = await session.scalar(
                    select(func.count())
                    .select_from(OutboxMessage)
                    .where(OutboxMessage.status.in_(("pending", "sending")))
                )
            if not busy:
                return
            await asyncio.sleep(0.02)
        raise AssertionError("the outbox did not finish in time")

    async def answer_as_officer(self, question_id: int, text: str) -> None:
        """An officer, in a browser of their own, logs in and answers a question."""
        async with aiohttp.ClientSession(
            base_url=self.url, cookie_jar=aiohttp.CookieJar(unsafe=True)
        ) as officer:
            token = await _csrf(officer, "/dashboard/login")
            async with officer.post(
                "/dashboard/login",
                data={"username": OFFICER, "password": PASSWORD, "csrf": token},
                allow_redirects=False,
            ) as response:
                assert response.status in (302, 303), await response.text()
            token = await _csrf(officer, f"/dashboard/questions/{question_id}")
            async with officer.post(
                "/dashboard/answer",
                data={"csrf": token, "question": str(question_id), "answer": text},
                allow_redirects=False,
            ) as response:
                assert response.status in (200, 302, 303), await response.text()


async def _csrf(browser: aiohttp.ClientSession, path: str) -> str:
    async with browser.get(path) as response:
        assert response.status == 200, path
        match = CSRF.search(await response.text())
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def contract_settings(db_url: str, fakes: dict[str, str], tmp: Path) -> Settings:
    return Settings(
        database_url=db_url,
        secret_key="contract-secret",
        public_url="https://caunoi.example.vn",
        media_fetch_hosts="127.0.0.1",  # the fakes on loopback, listed as an operator would
        media_dir=tmp / "media",
        telegram_token=TG_TOKEN,
        telegram_mode="webhook",
        telegram_webhook_secret=TG_SECRET,
        telegram_base_url=f"{fakes['telegram']}/bot",
        telegram_base_file_url=f"{fakes['telegram']}/file/bot",
        telegram_max_rate=1000,
        zalo_app_id=ZALO_APP,
        zalo_app_secret=ZALO_SECRET,
        zalo_oa_secret_key=ZALO_KEY,
        zalo_access_token="access-0",
        zalo_refresh_token="refresh-0",
        zalo_api_base=fakes["zalo"],
        zalo_oauth_base=fakes["zalo"],
        zalo_bot_token=ZALO_BOT_TOKEN,
        zalo_bot_mode="webhook",
        zalo_bot_webhook_secret=ZALO_BOT_SECRET,
        zalo_bot_api_base=fakes["zalo_bot"],
    )


async def _serve(stack: AsyncExitStack, fake_app: web.Application) -> str:
    server = TestServer(fake_app)
    await server.start_server()
    stack.push_async_callback(server.close)
    return str(server.make_url("/")).rstrip("/")


@asynccontextmanager
async def contract_app(db_url: str, knowledge: Any, tmp: Path) -> AsyncIterator[ContractApp]:
    """The application and the fakes, started; an officer account exists."""
    telegram = FakeTelegram(TG_TOKEN)
    zalo = FakeZalo(ZALO_APP, ZALO_SECRET, ZALO_KEY)
    zalo.access_tokens.add("access-0")
    zalo_bot = FakeZaloBot(ZALO_BOT_TOKEN)
    async with AsyncExitStack() as stack:
        fakes = {
            "telegram": await _serve(stack, telegram.app()),
            "zalo": await _serve(stack, zalo.app()),
            "zalo_bot": await _serve(stack, zalo_bot.app()),
        }
        telegram.url, zalo.url, zalo_bot.url = fakes["telegram"], fakes["zalo"], fakes["zalo_bot"]
        settings = contract_settings(db_url, fakes, tmp)
        registry = build_registry(settings)
        app = create_app(settings, knowledge, run_outbox=True, registry=registry)
        client = TestClient(TestServer(app))
        await client.start_server()
        stack.push_async_callback(client.close)
        async with app[keys.SESSIONS]() as db:
            await create_officer(db, OFFICER, "admin", PASSWORD, None)
            await db.commit()
        yield ContractApp(client, registry, telegram, zalo, zalo_bot)
