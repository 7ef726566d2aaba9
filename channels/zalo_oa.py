"""The Zalo Official Account channel: a signed webhook at /zalo/webhook, replies and officers'
answers through the outbox, and access tokens kept in the database and refreshed ahead of time.

Endpoints and fields live in `channels/zalo_oa_api.py`."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import time
from typing import Any

import aiohttp
from aiohttp import web
from aiolimiter import AsyncLimiter
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.settings import Settings
from bot import render
from bot.channel import DeliveryError, StillHandling
from bot.core import Core
from bot.messages import Address, Inbound, Kind, Reply, storable
from bot.outbox import Outbox, OutboxContent, release_waiting
from bot.render import split_text
from channels import zalo_oa_api as api
from channels.media import keep_media
from db.citizens import by_address
from db.models import Citizen, Message, OutboxMessage, ZaloToken

log = logging.getLogger(__name__)
CHANNEL = "zalo"
REFRESH_AHEAD = dt.timedelta(minutes=5)
MAX_EVENT_BYTES = 64 * 1024


class TokenError(Exception):
    pass


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


class ZaloChannel:
    def __init__(self, settings: Settings, core: Core, outbox: Outbox):
        self.settings = settings
        self.core = core
        self.outbox = outbox
        self.http: aiohttp.ClientSession | None = None
        self.tokens: TokenStore | None = None
        core.deliver_through(CHANNEL, outbox, self.outbox_content)

    async def start(self) -> None:
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20))
        self.tokens = TokenStore(self.settings, self.core.session_factory, self.http)
        await self.tokens.seed()

    async def stop(self) -> None:
        if self.http:
            await self.http.close()

    # ---- inbound --------------------------------------------------------------------------
    async def webhook(self, request: web.Request) -> web.Response:
        if request.content_length is not None and request.content_length > MAX_EVENT_BYTES:
            raise web.HTTPRequestEntityTooLarge(
                max_size=MAX_EVENT_BYTES, actual_size=request.content_length
            )
        raw = await request.read()
        if len(raw) > MAX_EVENT_BYTES:
            raise web.HTTPRequestEntityTooLarge(max_size=MAX_EVENT_BYTES, actual_size=len(raw))
        sent = request.headers.get(api.SIGNATURE_HEADER, "").removeprefix("mac=").strip()
        if not sent:
            raise web.HTTPUnauthorized(text="missing signature")
        app_id = self.settings.zalo_app_id or ""
        # The signature first: a body Zalo did not sign is never parsed.
        stamp = api.signed_timestamp(
            raw, sent.lower(), app_id, self.settings.zalo_oa_secret_key or ""
        )
        if stamp is None:
            raise web.HTTPUnauthorized(text="bad signature")
        try:
            event = api.read_event(raw)
        except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
            raise web.HTTPBadRequest(text="malformed event") from exc
        if api.app_id_and_timestamp(event) != (app_id, stamp):
            raise web.HTTPUnauthorized(text="bad signature")
        if not api.fresh(stamp, time.time(), self.settings.zalo_max_event_age):
            raise web.HTTPUnauthorized(text="event too old or from the future")
        name = api.event_name(event)
        if name not in api.KNOWN_EVENTS:
            raise web.HTTPBadRequest(text="unknown event")
        if name in api.ECHOES:
            return web.json_response({"ok": True})
        # Stored before Zalo gets its 200; one not stored gets a 503 and Zalo sends it again.
        try:
            await self._take(storable(event), name)
        except web.HTTPException:
            raise
        except StillHandling as exc:  # another attempt is handling it now
            raise web.HTTPServiceUnavailable(text="event being handled; retry later") from exc
        except Exception as exc:
            log.error("event %s not stored; Zalo will send it again", name, exc_info=True)
            raise web.HTTPServiceUnavailable(text="event not stored; retry later") from exc
        return web.json_response({"ok": True})

    async def _take(self, event: dict[str, Any], name: str) -> None:
        """Records a receipt, or hands a citizen's event to the core (replies go out through
        the outbox); returns once it is stored."""
        if name in (api.RECEIVED, api.SEEN):
            await self._record_receipt(event)
            return
        inbound = await self.to_inbound(event)
        if inbound is None:
            raise web.HTTPBadRequest(text="event without a sender")
        await self._release_waiting(inbound.address)
        await self.core.handle(inbound)

    async def to_inbound(self, event: dict[str, Any]) -> Inbound | None:
        name = api.event_name(event)
        stamp = api.app_id_and_timestamp(event)[1]
        if name in (api.FOLLOW, api.UNFOLLOW):
            user = api.follower_id(event)
            if not user:
                return None
            kind = Kind.FOLLOW if name == api.FOLLOW else Kind.UNFOLLOW
            return Inbound(Address(CHANNEL, user), kind, event_id=f"{name}:{user}:{stamp}")
        user = api.sender_id(event)
        if not user:
            return None
        address = Address(CHANNEL, user)
        event_id = api.message_id(event) or f"{name}:{user}:{stamp}"
        text = api.message_text(event)
        url = api.attachment_url(event)
        if name == api.TEXT:
            return Inbound(address, Kind.TEXT, text=text, event_id=event_id)
        if name in (api.IMAGE, api.GIF):
            return Inbound(
                address,
                Kind.IMAGE,
                text=text,
                event_id=event_id,
                media=await self.download(url, event_id, "jpg"),
            )
        if name == api.AUDIO:
            return Inbound(
                address,
                Kind.VOICE,
                text=text,
                event_id=event_id,
                media=await self.download(url, event_id, "m4a"),
            )
        if name in (api.FILE, api.VIDEO, api.LINK):
            media = await self.download(url, event_id, "bin") if name != api.LINK else {"url": url}
            return Inbound(address, Kind.FILE, text=text, event_id=event_id, media=media)
        if name == api.STICKER:
            return Inbound(address, Kind.STICKER, event_id=event_id)
        if name == api.LOCATION:
            return Inbound(address, Kind.LOCATION, event_id=event_id, media=api.coordinates(event))
        return None

    async def download(self, url: str | None, event_id: str, ext: str) -> dict[str, Any]:
        """Keeps what the citizen sent (a voice message, a photo) for officers."""
        media: dict[str, Any] = {"url": url}
        if not url or self.http is None:
            return media
        # Only from MEDIA_FETCH_HOSTS, never a private address unless listed there.
        media.update(await keep_media(self.settings, CHANNEL, event_id, ext, url))
        return media

    async def _record_receipt(self, event: dict[str, Any]) -> None:
        """Delivered / seen receipts are recorded, not answered."""
        user = api.recipient_id(event)
        async with self.core.session_factory() as session:
            citizen = await by_address(session, Address(CHANNEL, user))
            if citizen is not None:
                session.add(
                    Message(
                        citizen_id=citizen.id,
                        direction="in",
                        kind=str(api.event_name(event))[:16],
                        text=None,
                        payload={"message": api.message_of(event)},
                        created_at=dt.datetime.now(dt.UTC),
                    )
                )
                await session.commit()

    async def _release_waiting(self, address: Address) -> None:
        async with self.core.session_factory() as session:
            citizen = await by_address(session, address)
            if citizen is None:
                return
            ids = await release_waiting(session, citizen.id)
            await session.commit()
        if ids:
            self.outbox.deliver_now(ids)

    @staticmethod
    def outbox_content(reply: Reply) -> OutboxContent:
        # Buttons are shown as numbered choices (typing the number presses them): the
        # shape of Zalo's button templates is not confirmed well enough to rely on.
        return render.as_text(reply), None

    # ---- outbound -------------------------------------------------------------------------
    async def send_json(self, body: dict[str, Any]) -> dict[str, Any]:
        assert self.tokens is not None and self.http is not None
        for attempt in (1, 2):
            token = await self.tokens.current()
            access = await self.tokens.access_token()
            url = self.settings.zalo_api_base.rstrip("/") + api.SEND_CONSULTATION
            try:
                async with self.http.post(
                    url, json=body, headers={api.ACCESS_TOKEN_HEADER: access}
                ) as r:
                    data = await r.json(content_type=None)
            except (aiohttp.ClientError, TimeoutError, json.JSONDecodeError) as exc:
                raise DeliveryError(f"network: {exc}") from exc
            code = api.error_code(data)
            if code in api.INVALID_TOKEN and attempt == 1:
                try:
                    await self.tokens.refresh(token.version)  # one refresh, one retry
                except TokenError as exc:
                    raise DeliveryError(f"token: {exc}") from exc
                continue
            return data
        return data


class ZaloSender:
    """Sends outbox rows through the Zalo OA consultation API."""

    def __init__(self, channel: ZaloChannel):
        self.channel = channel
        # Every send of this worker, replies and announcements alike, within ZALO_MAX_RATE.
        self.limiter = AsyncLimiter(max(1.0, channel.settings.zalo_max_rate), 1.0)

    async def send(self, session: AsyncSession, citizen: Citizen, row: OutboxMessage) -> str | None:
        message_id = None
        bodies = [
            api.text_message(citizen.external_id, chunk)
            for chunk in split_text(row.text, api.TEXT_LIMIT)
        ]
        image = (row.payload or {}).get("image_url")
        if image:  # a picture (a poster, a QR code) as Zalo's media template
            bodies.append(api.image_message(citizen.external_id, image))
        for body in bodies:
            async with self.limiter:
                data = await self.channel.send_json(body)
            code = api.error_code(data)
            if code == 0:
                message_id = api.sent_message_id(data)
                continue
            description = f"Zalo {code}: {api.error_message(data)}"
            if code in api.RETRYABLE:
                raise DeliveryError(description)
            if code in api.OUTSIDE_WINDOW:
                raise DeliveryError(description, retry=False, waiting_citizen=True)
            raise DeliveryError(description, retry=False)
        return message_id
