"""The Zalo Bot Platform channel: bots made in "Zalo Bot Manager", by webhook or long polling.

A webhook at /zalo-bot/webhook checked by its secret header, or a getUpdates long-poll loop;
replies through the outbox with sendMessage, choices as numbered text (the platform has no
buttons). Methods, fields and codes live in `channels/zalo_bot_api.py`."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from typing import Any

import aiohttp
from aiohttp import web
from aiolimiter import AsyncLimiter

from app.settings import Settings
from bot.channel import Capabilities, DeliveryError, Hub, StillHandling
from bot.messages import Address, Inbound, Kind, Reply
from channels import zalo_bot_api as api
from channels.media import keep_media
from channels.webhooks import read_body

log = logging.getLogger(__name__)
NAME = "zalo_bot"
# No buttons: choices as numbered lines; audio as a link. No published rate: 5 a second for
# announcements (the free plan allows 3,000 messages a month in all).
CAPABILITIES = Capabilities(max_text=api.TEXT_LIMIT, max_buttons=0, announce_rate=5.0)
POLLING_RETRIES = 12  # an update not stored is tried again for about 6 minutes (polling)
MAX_PAUSE = 60.0  # seconds between getUpdates calls at most, after errors
DONT_RETRY = {api.BAD_REQUEST, api.BAD_TOKEN, 403, 404}


class MalformedUpdate(Exception):
    """An update whose fields cannot be read: refused, never worth delivering again."""


class ZaloBotChannel:
    """One Zalo bot (ZALO_BOT_TOKEN): its webhook or poller, and its sends."""

    name = NAME
    capabilities = CAPABILITIES

    def __init__(
        self,
        settings: Settings,
        capabilities: Capabilities = CAPABILITIES,
        *,
        typing_delay: float = 0.8,
    ):
        self.settings = settings
        self.capabilities = capabilities
        self.token = settings.zalo_bot_token or ""
        self.webhook_mode = settings.zalo_bot_mode == "webhook"
        self.secret = settings.zalo_bot_webhook_secret or ""
        self.typing_delay = typing_delay  # seconds of work before "typing…" is shown
        self.poll_seconds = api.POLL_SECONDS
        # Every send of this worker, replies and announcements alike, within ZALO_MAX_RATE.
        self.limiter = AsyncLimiter(max(1.0, settings.zalo_max_rate), 1.0)
        self.hub: Hub | None = None
        self.http: aiohttp.ClientSession | None = None
        self._poller: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()  # "typing…" and polled retries under way

    # ---- life cycle -----------------------------------------------------------------------
    def routes(self) -> list[web.RouteDef]:
        return [web.post(api.WEBHOOK_PATH, self.webhook)]

    async def start(self, hub: Hub) -> None:
        """Webhook mode: tells Zalo where to post (setWebhook). Polling mode: removes any webhook
        (the two exclude each other), then polls getUpdates one call at a time."""
        self.hub = hub
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20))
        try:
            if self.webhook_mode:
                body = api.webhook_body(self.settings.public_url, self.secret)
                await self.call(api.SET_WEBHOOK, body)
                log.info("Zalo Bot webhook set", extra={"url": body["url"]})
            else:
                await self.call(api.DELETE_WEBHOOK, {})
                self._poller = asyncio.create_task(self._poll(), name="zalo-bot-poll")
        except (api.ApiError, aiohttp.ClientError, TimeoutError) as exc:
            await self.http.close()
            raise RuntimeError(f"Zalo Bot could not start: {self._redact(exc)}") from exc

    async def stop(self) -> None:
        """Stops polling; the webhook stays set (another worker may be serving it)."""
        tasks = [t for t in (self._poller, *self._tasks) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self.http is not None:
            await self.http.close()

    async def call(self, method: str, body: dict[str, Any], timeout: float | None = None) -> Any:
        """One Bot API call: its result, or ApiError; aiohttp.ClientError or TimeoutError when
        the network failed."""
        assert self.http is not None, "start() first"
        url = api.url(self.settings.zalo_bot_api_base, self.token, method)
        limit = aiohttp.ClientTimeout(total=timeout) if timeout else None
        async with self.http.post(url, json=body, timeout=limit) as response:
            try:
                envelope = await response.json(content_type=None)
            except ValueError:
                envelope = None
            return api.result(envelope, response.status)

    def _redact(self, exc: BaseException) -> str:
        return api.redact(str(exc) or type(exc).__name__, self.token)

    # ---- inbound: webhook -------------------------------------------------------------------
    async def webhook(self, request: web.Request) -> web.Response:
        if not self.webhook_mode:
            raise web.HTTPNotFound()
        sent = request.headers.get(api.SECRET_HEADER, "")
        # The secret first: a body from anyone else is never read.
        if not self.secret or not hmac.compare_digest(sent.encode(), self.secret.encode()):
            raise web.HTTPUnauthorized(text="wrong secret token")
        raw = await read_body(request)
        if not raw.strip():
            return web.json_response({"ok": True})  # a probe without a body (seen once live)
        try:
            body = json.loads(raw)
            if not isinstance(body, dict):
                raise ValueError("not an object")
            update = api.unwrap(body)
        except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
            raise web.HTTPBadRequest(text="malformed update") from exc
        # Stored before Zalo gets its 200; one not stored gets a 503 (see docs/zalo-bot.md on
        # retries); one that can never be read, a 400.
        try:
            await self.take(update)
        except MalformedUpdate as exc:
            log.warning("Zalo Bot update refused: %r", exc.__cause__)
            raise web.HTTPBadRequest(text="malformed update") from exc
        except StillHandling as exc:
            raise web.HTTPServiceUnavailable(text="event being handled; retry later") from exc
        except Exception as exc:
            log.error("Zalo Bot event not stored", exc_info=True)
            raise web.HTTPServiceUnavailable(text="event not stored; retry later") from exc
        return web.json_response({"ok": True})

    # ---- inbound: polling -------------------------------------------------------------------
    async def _poll(self) -> None:
        """getUpdates, one call at a time: an idle answer (408, or nothing) loops at once, other
        failures wait 1, 2, 4 … 60 s."""
        pause = 1.0
        while True:
            try:
                answer = await self.call(
                    api.GET_UPDATES, api.poll_body(self.poll_seconds), timeout=self.poll_seconds + 5
                )
                found = api.updates(answer)
            except api.ApiError as exc:
                if exc.code == api.IDLE:
                    continue
                log.warning("Zalo Bot getUpdates failed: %s", self._redact(exc))
                if exc.code == api.BAD_TOKEN:
                    log.error("ZALO_BOT_TOKEN is refused: reset it in Zalo Bot Creator")
                await asyncio.sleep(pause)
                pause = min(pause * 2, MAX_PAUSE)
                continue
            except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
                log.warning("Zalo Bot getUpdates failed: %s", self._redact(exc))
                await asyncio.sleep(pause)
                pause = min(pause * 2, MAX_PAUSE)
                continue
            pause = 1.0
            for update in found:
                await self._take_polled(update, 0)

    async def _take_polled(self, update: dict[str, Any], tries: int) -> None:
        """getUpdates has no offset to fetch an update again: one not stored is retried from
        memory after a growing pause, as Telegram's polling does."""
        try:
            await self.take(update)
        except MalformedUpdate as exc:
            log.warning("Zalo Bot update refused: %r", exc.__cause__)
        except Exception:
            tries += 1
            if tries > POLLING_RETRIES:
                log.error("Zalo Bot update given up after %d tries", tries, exc_info=True)
                return
            log.warning("Zalo Bot update not stored; trying again", exc_info=True)
            self._spawn(self._retry_later(update, tries))

    async def _retry_later(self, update: dict[str, Any], tries: int) -> None:
        await asyncio.sleep(min(2.0**tries / 4, MAX_PAUSE))
        await self._take_polled(update, tries)

    def _spawn(self, work: Any) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ---- inbound: both ----------------------------------------------------------------------
    async def take(self, update: dict[str, Any]) -> None:
        """Stores and answers one update (the replies go out through the outbox); returns once
        it is stored. Unknown events are ignored; MalformedUpdate for one that cannot be read."""
        assert self.hub is not None, "start() first"
        try:
            name = api.event_name(update)
            if name not in api.KNOWN_EVENTS:
                log.info("Zalo Bot event ignored", extra={"event": name[:64]})
                return
            event = api.read_event(update)
        except ValueError as exc:
            raise MalformedUpdate() from exc
        inbound = await self.to_inbound(event)
        # "typing…" only when the answer takes more than a moment (a timer: most answers come
        # first and cancel it).
        typing = asyncio.get_running_loop().call_later(
            self.typing_delay, self._start_typing, event.chat_id
        )
        try:
            await self.hub.handle(inbound)
        finally:
            typing.cancel()

    async def to_inbound(self, event: api.Event) -> Inbound:
        address = Address(NAME, event.chat_id)
        # The message id is the event id: a redelivered event is answered once.
        common: dict[str, Any] = {"event_id": event.message_id, "display_name": event.display_name}
        if event.name == api.TEXT:
            if event.text.startswith("/"):
                command, _, argument = event.text.partition(" ")
                return Inbound(
                    address, Kind.COMMAND, text=command, payload=argument.strip() or None, **common
                )
            return Inbound(address, Kind.TEXT, text=event.text, **common)
        if event.name == api.IMAGE:
            media = await self.download(event.photo_url, event.message_id, "jpg")
            return Inbound(address, Kind.IMAGE, text=event.text, media=media, **common)
        if event.name == api.VOICE:
            # Raw ADTS AAC, 16 kHz mono; kept as it came.
            media = await self.download(event.voice_url, event.message_id, "aac")
            return Inbound(address, Kind.VOICE, media=media, **common)
        if event.name == api.STICKER:
            media = {"sticker": event.sticker, "url": event.sticker_url}
            return Inbound(address, Kind.STICKER, media=media, **common)
        return Inbound(address, Kind.UNSUPPORTED, **common)

    async def download(self, url: str | None, event_id: str, ext: str) -> dict[str, Any]:
        """Keeps what the citizen sent for officers, right away (Zalo's links may expire); only
        from MEDIA_FETCH_HOSTS."""
        media: dict[str, Any] = {"url": url}
        if url:
            media.update(await keep_media(self.settings, NAME, event_id, ext, url))
        return media

    def _start_typing(self, chat_id: str) -> None:
        self._spawn(self._send_typing(chat_id))  # once started, not cut off by the answer

    async def _send_typing(self, chat_id: str) -> None:
        with contextlib.suppress(api.ApiError, aiohttp.ClientError, TimeoutError):
            await self.call(api.SEND_CHAT_ACTION, api.typing_body(chat_id))

    # ---- outbound ---------------------------------------------------------------------------
    async def send(self, address: Address, reply: Reply, *, key: str | None = None) -> str | None:
        """Sends one fitted part: `bot.render.fit` already numbered its choices, added the audio
        link and kept its text within the channel's max_text, so it goes as one message."""
        bodies: list[tuple[str, dict[str, Any]]] = []
        if reply.text:
            bodies.append((api.SEND_MESSAGE, api.message_body(address.user_id, reply.text)))
        if reply.image_url:  # a picture (a poster, a QR code) that Zalo fetches
            bodies.append((api.SEND_PHOTO, api.photo_body(address.user_id, reply.image_url)))
        message_id = None
        for method, body in bodies:
            try:
                async with self.limiter:
                    message_id = api.sent_message_id(await self.call(method, body)) or message_id
            except api.ApiError as exc:
                raise self.delivery_error(exc) from exc
            except (aiohttp.ClientError, TimeoutError) as exc:
                raise DeliveryError(f"network: {self._redact(exc)}") from exc
        return message_id

    def delivery_error(self, exc: api.ApiError) -> DeliveryError:
        """What a refusal means for the outbox. No code is known for a citizen who blocked the
        bot, so nobody is ever marked unreachable; 429 ("quota exceeded") backs off."""
        description = self._redact(exc)
        if exc.code == api.BAD_TOKEN:
            log.error("ZALO_BOT_TOKEN is refused: reset it in Zalo Bot Creator")
        if exc.code in DONT_RETRY:
            return DeliveryError(description, retry=False)
        return DeliveryError(description)  # 429, 408, 5xx and anything unknown: later
