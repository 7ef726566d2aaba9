"""The started application with every inbound channel on (Telegram, Zalo OA and Zalo Bot
webhooks, the web chat) against our fake platforms, all on loopback, and a way to send each
channel one message and count how often it was stored. Shared by tests and bench."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from app import keys
from app.settings import Settings
from db.models import Message
from tests.factories import (
    FORM_HEADERS,
    TG_HEADER,
    TG_SECRET,
    TG_TOKEN,
    ZALO_APP,
    ZALO_BOT_HEADER,
    ZALO_BOT_SECRET,
    ZALO_BOT_TOKEN,
    ZALO_KEY,
    ZALO_SECRET,
    sign_zalo,
    telegram_update,
    web_form,
    zalo_bot_text,
    zalo_event,
)
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.zalo_api import FakeZalo
from tests.fakes.zalo_bot_api import FakeZaloBot
from tests.web_client import CSRF, web_client

CHANNELS = ("telegram", "zalo", "zalo_bot", "web")


@dataclass
class Harness:
    client: TestClient
    telegram: FakeTelegram
    zalo: FakeZalo
    zalo_bot: FakeZaloBot
    db_url: str
    csrf: str = ""

    @property
    def sessions(self):  # type: ignore[no-untyped-def]
        return self.client.server.app[keys.SESSIONS]

    async def open_web_chat(self) -> None:
        """The citizen opens /chat once (a cookie and the form's CSRF token)."""
        page = await self.client.get("/chat")
        match = CSRF.search(await page.text())
        assert match, "no CSRF token on /chat"
        self.csrf = match.group(1)

    async def send(
        self, channel: str, key: str, text: str, name: str = "Bà", user: str = "1"
    ) -> tuple[int, str]:
        """One message on `channel`; sending the same `key` again is the platform's redelivery
        (the same update, event or form). Returns the HTTP status and the stored event id."""
        if channel == "telegram":
            update_id = int(key)
            body = telegram_update(update_id, text, chat_id=5550000 + int(user), name=name)
            response = await self.client.post(
                "/telegram/webhook", json=body, headers={TG_HEADER: TG_SECRET}
            )
            return response.status, f"u{update_id}"
        if channel == "zalo":
            event = zalo_event(key, text, user=f"84{user:0>17}", name=name)
            raw, headers = sign_zalo(event)
            response = await self.client.post("/zalo/webhook", data=raw, headers=headers)
            return response.status, f"zmsg-{key}"
        if channel == "zalo_bot":
            message_id = f"{int(key):020x}"  # Zalo's message ids are 20 hex digits
            event = zalo_bot_text(
                text, chat_id=f"{int(user):020x}", name=name, message_id=message_id
            )
            response = await self.client.post(
                "/zalo-bot/webhook", json=event, headers={ZALO_BOT_HEADER: ZALO_BOT_SECRET}
            )
            return response.status, message_id
        response = await self.client.post(
            "/chat",
            data=web_form(self.csrf, f"n{key}", text),
            headers=FORM_HEADERS,
            allow_redirects=False,
        )
        return response.status, f"form:n{key}"

    async def stored(self, event_id: str) -> int:
        """How many times the citizen's message of this event is in the message log."""
        async with self.sessions() as session:
            return await session.scalar(
                select(func.count())
                .select_from(Message)
                .where(Message.event_id == event_id, Message.direction == "in")
            )


def ok(channel: str, status: int) -> bool:
    """The platform counts the message delivered (the web chat redirects to the page)."""
    return status == (303 if channel == "web" else 200)


def all_channels_settings(
    db_url: str, tg_url: str, zalo_url: str, zalo_bot_url: str, tmp: Path, **more: Any
) -> Settings:
    access = "access-0"
    return Settings(
        **more,
        database_url=db_url,
        secret_key="k",
        telegram_token=TG_TOKEN,
        telegram_mode="webhook",
        telegram_webhook_secret=TG_SECRET,
        telegram_base_url=f"{tg_url}/bot",
        telegram_base_file_url=f"{tg_url}/file/bot",
        media_fetch_hosts="127.0.0.1",  # the fakes on loopback, listed as an operator would
        telegram_max_rate=1000,
        public_url="https://caunoi.example.vn",
        zalo_app_id=ZALO_APP,
        zalo_app_secret=ZALO_SECRET,
        zalo_oa_secret_key=ZALO_KEY,
        zalo_access_token=access,
        zalo_refresh_token="refresh-0",
        zalo_api_base=zalo_url,
        zalo_oauth_base=zalo_url,
        zalo_bot_token=ZALO_BOT_TOKEN,
        zalo_bot_mode="webhook",
        zalo_bot_webhook_secret=ZALO_BOT_SECRET,
        zalo_bot_api_base=zalo_bot_url,
        media_dir=tmp / "media",
    )


@asynccontextmanager
async def all_channels(
    db_url: str, knowledge: Any, tmp: Path, **more: Any
) -> AsyncIterator[Harness]:
    telegram = FakeTelegram(TG_TOKEN)
    zalo = FakeZalo(ZALO_APP, ZALO_SECRET, ZALO_KEY)
    zalo.access_tokens.add("access-0")
    zalo_bot = FakeZaloBot(ZALO_BOT_TOKEN)
    async with AsyncExitStack() as stack:
        for fake in (telegram, zalo, zalo_bot):
            server = TestServer(fake.app())
            await server.start_server()
            stack.push_async_callback(server.close)
            fake.url = str(server.make_url("/")).rstrip("/")
        settings = all_channels_settings(db_url, telegram.url, zalo.url, zalo_bot.url, tmp, **more)
        async with web_client(settings, knowledge, run_outbox=False) as client:
            harness = Harness(client, telegram, zalo, zalo_bot, db_url)
            await harness.open_web_chat()
            yield harness
