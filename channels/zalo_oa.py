"""The Zalo Official Account channel: a signed webhook at /zalo/webhook, and the sends.

Replies go through the OA consultation API with the tokens of `channels/zalo_oa_tokens.py`.
Endpoints and fields live in `channels/zalo_oa_api.py`."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from typing import Any

import aiohttp
from aiohttp import web
from aiolimiter import AsyncLimiter

from app.settings import Settings
from bot.channel import Capabilities, DeliveryError, Hub, StillHandling
from bot.messages import Address, Inbound, Kind, Reply, storable
from channels import zalo_oa_api as api
from channels.media import keep_media
from channels.webhooks import read_body
from channels.zalo_oa_tokens import TokenError, TokenStore
from db.conversations import by_address
from db.models import Message

log = logging.getLogger(__name__)
NAME = "zalo"  # stored in citizens.channel and outbox.channel: never renamed


class ZaloOAChannel:
    """One Official Account (ZALO_APP_ID, ZALO_OA_SECRET_KEY): its webhook and its sends."""

    name = NAME

    def __init__(self, settings: Settings, capabilities: Capabilities):
        self.settings = settings
        self.capabilities = capabilities
        self.hub: Hub | None = None
        self.http: aiohttp.ClientSession | None = None
        self.tokens: TokenStore | None = None
        # Every send of this worker, replies and announcements alike, within ZALO_MAX_RATE.
        self.limiter = AsyncLimiter(max(1.0, settings.zalo_max_rate), 1.0)

    # ---- life cycle -----------------------------------------------------------------------
    def routes(self) -> list[web.RouteDef]:
        return [web.post("/zalo/webhook", self.webhook)]

    async def start(self, hub: Hub) -> None:
        """Opens the HTTP client and copies the configured tokens into the database once."""
        self.hub = hub
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20))
        self.tokens = TokenStore(self.settings, hub.sessions, self.http)
        try:
            await self.tokens.seed()
        except BaseException:
            await self.http.close()
            raise

    async def stop(self) -> None:
        if self.http:
            await self.http.close()

    # ---- inbound --------------------------------------------------------------------------
    async def webhook(self, request: web.Request) -> web.Response:
        """POST /zalo/webhook: signed, fresh, known events are stored, then answered 200."""
        raw = await read_body(request)
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
        assert self.hub is not None, "start() first"
        await self.hub.citizen_wrote(inbound.address)  # what waited for the window goes first
        await self.hub.handle(inbound)

    async def to_inbound(self, event: dict[str, Any]) -> Inbound | None:
        name = api.event_name(event)
        stamp = api.app_id_and_timestamp(event)[1]
        if name in (api.FOLLOW, api.UNFOLLOW):
            user = api.follower_id(event)
            if not user:
                return None
            kind = Kind.FOLLOW if name == api.FOLLOW else Kind.UNFOLLOW
            return Inbound(Address(NAME, user), kind, event_id=f"{name}:{user}:{stamp}")
        user = api.sender_id(event)
        if not user:
            return None
        address = Address(NAME, user)
        event_id = api.message_id(event) or f"{name}:{user}:{stamp}"
        text = api.message_text(event)
        url = api.attachment_url(event)
        if name == api.TEXT:
            tapped = api.tapped_payload(text)
            if tapped:  # a tap on one of our template buttons: that choice pressed
                return Inbound(address, Kind.BUTTON, payload=tapped, event_id=event_id)
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
        media.update(await keep_media(self.settings, NAME, event_id, ext, url))
        return media

    async def _record_receipt(self, event: dict[str, Any]) -> None:
        """Delivered / seen receipts are recorded, not answered."""
        assert self.hub is not None, "start() first"
        user = api.recipient_id(event)
        async with self.hub.sessions() as session:
            citizen = await by_address(session, NAME, user)
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

    # ---- outbound -------------------------------------------------------------------------
    async def send(self, address: Address, reply: Reply, *, key: str | None = None) -> str | None:
        """Sends one fitted part: its text (numbered choices and the audio link are in it), then
        its picture as Zalo's media template. A refusal outside the 7-day window waits for the
        citizen to write again."""
        if reply.buttons or reply.phones:  # the button template, the numbered text kept in it
            choices = [(b.label, b.payload) for b in reply.buttons]
            phones = [(p.label, p.number) for p in reply.phones]
            bodies = [api.buttons_message(address.user_id, reply.text, choices, phones)]
        else:
            bodies = [api.text_message(address.user_id, reply.text)] if reply.text else []
        if reply.image_url:  # a picture (a poster, a QR code) as Zalo's media template
            bodies.append(api.image_message(address.user_id, reply.image_url))
        message_id = None
        for body in bodies:
            async with self.limiter:
                data = await self.send_json(body)
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

    async def send_json(self, body: dict[str, Any]) -> dict[str, Any]:
        """POSTs one message; an access token Zalo calls invalid is refreshed once and the
        message sent again."""
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
