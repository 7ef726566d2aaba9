"""Zalo OA access tokens: kept in the database, refreshed ahead of time, never spent twice."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import aiohttp
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.settings import Settings
from channels import zalo_oa_api as api
from db.models import ZaloToken

REFRESH_AHEAD = dt.timedelta(minutes=5)


class TokenError(Exception):
    """No token stored, or Zalo refused to refresh it."""


class TokenStore:
    """The OA tokens in the database. A refresh is serialised within the process by a lock and
    across workers by a compare-and-set on the row's version; the new pair is stored before it is
    used, so a crash after refreshing cannot lose the single-use refresh token."""

    def __init__(
        self,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        http: aiohttp.ClientSession,
    ):
        self.settings = settings
        self.sessions = sessions
        self.http = http
        self._lock = asyncio.Lock()

    async def seed(self) -> None:
        """Copies ZALO_ACCESS_TOKEN / ZALO_REFRESH_TOKEN into the database on first start."""
        async with self.sessions() as session:
            if await session.get(ZaloToken, 1) is None and self.settings.zalo_refresh_token:
                session.add(
                    ZaloToken(
                        id=1,
                        access_token=self.settings.zalo_access_token or "",
                        refresh_token=self.settings.zalo_refresh_token,
                        version=0,
                        # Age unknown: refresh before first use unless an access token is given.
                        expires_at=dt.datetime.now(dt.UTC)
                        + (
                            dt.timedelta(hours=1)
                            if self.settings.zalo_access_token
                            else dt.timedelta(0)
                        ),
                        updated_at=dt.datetime.now(dt.UTC),
                    )
                )
                await session.commit()

    async def current(self) -> ZaloToken:
        async with self.sessions() as session:
            token = await session.get(ZaloToken, 1)
        if token is None:
            raise TokenError("no Zalo token: set ZALO_ACCESS_TOKEN and ZALO_REFRESH_TOKEN")
        return token

    async def access_token(self) -> str:
        token = await self.current()
        if token.expires_at - REFRESH_AHEAD <= dt.datetime.now(dt.UTC):
            token = await self.refresh(token.version)
        return token.access_token

    async def refresh(self, seen_version: int) -> ZaloToken:
        """Refreshes unless another task or worker already did since `seen_version`.

        The token row is locked first (an UPDATE takes the row lock on PostgreSQL and the write
        lock on SQLite), so of two workers refreshing at once one calls Zalo and the other waits,
        then finds the new pair: the single-use refresh token is never spent twice."""
        async with self._lock, self.sessions() as session:
            now = dt.datetime.now(dt.UTC)
            await session.execute(update(ZaloToken).where(ZaloToken.id == 1).values(updated_at=now))
            token = await session.get(ZaloToken, 1, populate_existing=True)
            if token is None:
                raise TokenError("no Zalo token stored")
            if token.version != seen_version:
                await session.commit()
                return token  # someone refreshed meanwhile: use theirs
            access, refresh, expires_in = await self._call_oauth(token.refresh_token)
            token.access_token, token.refresh_token = access, refresh
            token.expires_at = now + dt.timedelta(seconds=expires_in)
            token.version = seen_version + 1
            await session.commit()  # stored before it is used
            return token

    async def _call_oauth(self, refresh_token: str) -> tuple[str, str, int]:
        url = self.settings.zalo_oauth_base.rstrip("/") + api.OAUTH_ACCESS_TOKEN
        form = api.refresh_form(self.settings.zalo_app_id or "", refresh_token)
        headers = {api.SECRET_KEY_HEADER: self.settings.zalo_app_secret or ""}
        try:
            async with self.http.post(url, data=form, headers=headers) as response:
                data = await response.json(content_type=None)
        except (aiohttp.ClientError, json.JSONDecodeError, TimeoutError) as exc:
            raise TokenError(f"oauth: {exc}") from exc
        pair = api.token_pair(data)
        if pair is None:
            raise TokenError(f"oauth refused: {data}")
        return pair
