"""A started application and a test client with cookie jar, for the web tests."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from aiohttp.test_utils import TestClient, TestServer

from app import keys
from app.factory import create_app
from app.settings import Settings
from bot.channel import Registry
from db.officers import create_officer

CSRF = re.compile(r'name="csrf" value="([^"]*)"')
NONCE = re.compile(r'name="nonce" value="([^"]*)"')


@asynccontextmanager
async def web_client(
    settings: Settings,
    knowledge,
    run_outbox: bool = False,
    officers: tuple[tuple[str, str, str | None], ...] = (),
    password: str = "",
    registry: Registry | None = None,
) -> AsyncIterator[TestClient]:
    """The started application (with the channels of `registry`, by default those the settings
    turn on); `officers` (username, role, locality) are created first, all with `password`."""
    app = create_app(settings, knowledge, run_outbox=run_outbox, registry=registry)
    async with TestClient(TestServer(app)) as client:
        if officers:
            async with app[keys.SESSIONS]() as db:
                for username, role, locality in officers:
                    await create_officer(db, username, role, password, locality)
                await db.commit()
        yield client


async def csrf_of(client: TestClient, path: str) -> str:
    page = await client.get(path)
    match = CSRF.search(await page.text())
    assert match, f"no CSRF token on {path}"
    return match.group(1)


async def login(client, username: str, password: str):  # type: ignore[no-untyped-def]
    token = await csrf_of(client, "/dashboard/login")
    return await client.post(
        "/dashboard/login",
        data={"username": username, "password": password, "csrf": token},
        allow_redirects=False,
    )


def other_browser(client: TestClient) -> aiohttp.ClientSession:
    """A second browser (its own cookies) on the same running server."""
    return aiohttp.ClientSession(
        base_url=str(client.server.make_url("/")), cookie_jar=aiohttp.CookieJar(unsafe=True)
    )
