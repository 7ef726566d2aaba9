"""The Telegram channel on python-telegram-bot v22: a webhook or polling, and the sends.

The webhook is served by our own aiohttp application (no second web server). Updates become
`Inbound`s for the core; `send` delivers what the outbox hands it, honouring 429 retry_after and
marking a citizen who blocked the bot unreachable. Clips are sent by
`channels/telegram_clips.py`."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hmac
import logging
import os
from typing import Any

from aiohttp import web

# Durations as timedelta: what PTB's next major version does by default (no deprecation noise).
os.environ.setdefault("PTB_TIMEDELTA", "1")

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.constants import ChatAction
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import AIORateLimiter, Application, ContextTypes, TypeHandler

from app.settings import Settings
from bot.channel import Capabilities, DeliveryError, Hub, StillHandling
from bot.messages import Address, Button, Inbound, Kind, Reply
from channels.media import keep_media
from channels.telegram_clips import ClipUploads
from channels.telegram_http import AiohttpRequest

log = logging.getLogger(__name__)
CHANNEL = "telegram"
TYPING_DELAY = 0.8  # seconds of work before "typing…" is shown, unless told otherwise
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
POLLING_RETRIES = 12  # an update not stored is tried again for about 6 minutes (polling)
# The command menu Telegram shows, in Vietnamese.
COMMANDS = [
    ("start", "Bắt đầu, menu chính"),
    ("help", "Cách dùng"),
    ("hoidap", "Hỏi đáp chính sách"),
    ("kiemtra", "Kiểm tra diện hỗ trợ"),
    ("phaply", "Trợ giúp pháp lý"),
    ("guicauhoi", "Gửi câu hỏi cho cán bộ"),
    ("bantin", "Bản tin âm thanh"),
    ("diaphuong", "Chọn địa phương"),
    ("thongbao", "Đăng ký nhận thông báo"),
]


def keyboard(buttons: tuple[Button, ...]) -> InlineKeyboardMarkup | None:
    """Inline buttons, one a row; None without buttons."""
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.payload)] for b in buttons]
    )


def _id(value: object) -> str:
    """A chat or user id as the address's string; ValueError unless it is an integer."""
    if type(value) is not int:
        raise ValueError(f"not a Telegram id: {value!r}")
    return str(value)


def _text(value: object) -> str:
    """A name, caption or button payload; ValueError unless it is a string (or absent)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"not a string: {type(value).__name__}")
    return value


class MalformedUpdate(Exception):
    """An update whose fields cannot be read: refused, never worth delivering again."""


class TelegramChannel:
    """One bot (TELEGRAM_TOKEN): its webhook or poller, and its sends."""

    name = CHANNEL

    def __init__(
        self, settings: Settings, capabilities: Capabilities, *, typing_delay: float = TYPING_DELAY
    ):
        self.settings = settings
        self.capabilities = capabilities
        self.typing_delay = typing_delay
        self.hub: Hub | None = None
        self.clips: ClipUploads | None = None
        builder = (
            Application.builder()
            .token(settings.telegram_token or "")
            .base_url(settings.telegram_base_url)
            .base_file_url(settings.telegram_base_file_url)
            .request(AiohttpRequest())
            .get_updates_request(AiohttpRequest(connection_pool_size=1))
            .rate_limiter(
                AIORateLimiter(overall_max_rate=settings.telegram_max_rate, max_retries=0)
            )
        )
        if settings.telegram_mode == "webhook":
            builder = builder.updater(None)
        self.application = builder.build()
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self._retries: dict[int, int] = {}  # polling: tries of updates not stored yet
        self._typing: set[asyncio.Task[None]] = set()  # "typing…" requests under way

    # ---- life cycle -----------------------------------------------------------------------
    def routes(self) -> list[web.RouteDef]:
        return [web.post("/telegram/webhook", self.webhook)]

    async def start(self, hub: Hub) -> None:
        """Registers the command menu, then the webhook, or starts polling (without a
        webhook: the two exclude each other)."""
        self.hub = hub
        self.clips = ClipUploads(self.application.bot, hub.sessions, hub.clip_path)
        await self.application.initialize()
        try:
            await self._register()
        except BaseException:
            await self.stop()  # the client sessions are closed
            raise

    async def _register(self) -> None:
        bot = self.application.bot
        await bot.set_my_commands([BotCommand(c, d) for c, d in COMMANDS])
        if self.settings.telegram_mode == "webhook":
            url = self.settings.public_url.rstrip("/") + "/telegram/webhook"
            await bot.set_webhook(
                url,
                secret_token=self.settings.telegram_webhook_secret,
                allowed_updates=Update.ALL_TYPES,
            )
        else:
            await bot.delete_webhook()
            await self.application.start()
            await self.application.updater.start_polling(
                allowed_updates=Update.ALL_TYPES, timeout=10, poll_interval=0
            )

    async def stop(self) -> None:
        if self.application.updater and self.application.updater.running:
            await self.application.updater.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()

    @property
    def username(self) -> str | None:
        """The bot's @username (known once started), for t.me deep links."""
        try:
            return self.application.bot.username
        except RuntimeError:  # not initialised yet
            return None

    # ---- inbound --------------------------------------------------------------------------
    async def webhook(self, request: web.Request) -> web.Response:
        """POST /telegram/webhook (404 in polling mode): checked by its secret token, stored,
        then answered 200."""
        if self.settings.telegram_mode != "webhook":
            raise web.HTTPNotFound()
        secret = self.settings.telegram_webhook_secret or ""
        sent = request.headers.get(SECRET_HEADER, "")
        if not secret or not hmac.compare_digest(sent.encode(), secret.encode()):
            raise web.HTTPUnauthorized(text="wrong secret token")
        try:
            data = await request.json()
            if not isinstance(data, dict) or type(data.get("update_id")) is not int:
                raise ValueError("not an update")
            update = Update.de_json(data, self.application.bot)
        except web.HTTPException:
            raise  # too large (413)
        except Exception as exc:  # PTB's parser raises anything on a malformed update
            raise web.HTTPBadRequest(text="malformed update") from exc
        # Handled here, not through PTB's process_update, which logs a handler's exception and
        # returns: Telegram would get its 200 for an update never stored, and not send it again.
        # The question is committed when Telegram gets its 200; anything else is a 4xx (never
        # worth sending again) or a 503 (Telegram delivers the update again later).
        try:
            await self.handle_update(update)
        except StillHandling as exc:  # another attempt is handling it right now
            raise web.HTTPServiceUnavailable(text="update being handled; retry later") from exc
        except MalformedUpdate as exc:
            log.warning("update %s refused: %r", update.update_id, exc.__cause__)
            raise web.HTTPBadRequest(text="malformed update") from exc
        except Exception as exc:
            log.error(
                "update %s not stored; Telegram will deliver it again",
                update.update_id,
                exc_info=True,
            )
            raise web.HTTPServiceUnavailable(text="update not stored; retry later") from exc
        return web.json_response({"ok": True})

    async def handle_update(self, update: Update) -> None:
        """Stores and answers one update. Returns once it is stored (or has nothing to store);
        raises MalformedUpdate for one that can never be handled, StillHandling or what the
        storing failed with for one that should come again."""
        if update.callback_query:
            # Always answered, so the button's spinner stops.
            try:
                await update.callback_query.answer()
            except TelegramError:
                log.warning("answerCallbackQuery failed", exc_info=True)
        try:
            inbound = await self.to_inbound(update)
        except OSError:
            raise  # keeping a file failed (a full disk): worth another try
        except Exception as exc:  # fields of unexpected types
            raise MalformedUpdate(update.update_id) from exc
        if inbound is None:
            return
        # "typing…" is shown only when an answer takes more than a moment (a timer, not a task:
        # most answers come first and cancel it).
        assert self.hub is not None, "start() first"
        typing = asyncio.get_running_loop().call_later(
            self.typing_delay, self._start_typing, inbound.address.user_id
        )
        try:
            await self.hub.handle(inbound)  # the replies go out through the outbox
        finally:
            typing.cancel()

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Polling mode: Telegram counts an update delivered once it was fetched, so one that
        was not stored is put back in the queue here, after a growing pause."""
        try:
            await self.handle_update(update)
        except MalformedUpdate as exc:
            log.warning("update %s refused: %r", update.update_id, exc.__cause__)
        except Exception as exc:
            tries = self._retries.get(update.update_id, 0) + 1
            if tries > POLLING_RETRIES:
                self._retries.pop(update.update_id, None)
                log.error(
                    "update %s given up after %d tries", update.update_id, tries, exc_info=True
                )
                return
            self._retries[update.update_id] = tries
            if not isinstance(exc, StillHandling):
                log.error("update %s not stored; trying again", update.update_id, exc_info=True)
            asyncio.get_running_loop().call_later(
                min(2.0**tries / 4, 60.0), self.application.update_queue.put_nowait, update
            )
        else:
            self._retries.pop(update.update_id, None)

    def _start_typing(self, chat_id: str) -> None:
        # Once started, the request is not cut off by the answer arriving.
        task = asyncio.create_task(self._send_typing(chat_id))
        self._typing.add(task)
        task.add_done_callback(self._typing.discard)

    async def _send_typing(self, chat_id: str) -> None:
        with contextlib.suppress(TelegramError):
            await self.application.bot.send_chat_action(int(chat_id), ChatAction.TYPING)

    async def to_inbound(self, update: Update) -> Inbound | None:
        event = f"u{update.update_id}"
        if update.callback_query:
            q = update.callback_query
            return Inbound(
                Address(CHANNEL, _id(q.from_user.id)),
                Kind.BUTTON,
                payload=_text(q.data),
                event_id=event,
                display_name=_text(q.from_user.full_name),
            )
        if update.my_chat_member and update.my_chat_member.new_chat_member.status == "kicked":
            user = update.my_chat_member.from_user
            return Inbound(Address(CHANNEL, _id(user.id)), Kind.UNFOLLOW, event_id=event)
        message = update.message or update.edited_message
        if message is None or message.from_user is None:
            return None
        address = Address(CHANNEL, _id(message.chat.id))
        name = _text(message.from_user.full_name)
        common = {"event_id": event, "display_name": name}
        if message.text:
            if message.text.startswith("/"):
                command, _, argument = message.text.partition(" ")
                return Inbound(
                    address, Kind.COMMAND, text=command, payload=argument.strip() or None, **common
                )
            media = {"edited": True} if update.edited_message else None
            return Inbound(address, Kind.TEXT, text=message.text, media=media, **common)
        if message.voice or message.audio:
            item = message.voice or message.audio
            kind = Kind.VOICE if message.voice else Kind.AUDIO
            media = await self.download(
                item.file_id, item.file_unique_id, item.file_size, "oga" if message.voice else "mp3"
            )
            duration = item.duration
            media["duration"] = (
                duration.total_seconds() if isinstance(duration, dt.timedelta) else duration
            )
            return Inbound(address, kind, text=_text(message.caption), media=media, **common)
        if message.photo or message.document:
            item = message.photo[-1] if message.photo else message.document
            kind = Kind.IMAGE if message.photo else Kind.FILE
            media = await self.download(item.file_id, item.file_unique_id, item.file_size, "bin")
            return Inbound(address, kind, text=_text(message.caption), media=media, **common)
        if message.sticker:
            return Inbound(address, Kind.STICKER, **common)
        if message.location:
            media = {"latitude": message.location.latitude, "longitude": message.location.longitude}
            return Inbound(address, Kind.LOCATION, media=media, **common)
        if message.contact:
            # Sharing one's own contact is the consent to store the number.
            own = message.contact.user_id == message.from_user.id
            media = {"phone": message.contact.phone_number} if own else None
            return Inbound(address, Kind.CONTACT, media=media, **common)
        return None

    async def download(
        self, file_id: str, unique_id: str, size: int | None, ext: str
    ) -> dict[str, Any]:
        """Keeps a voice note or a file with the question, so officers can listen to it."""
        media: dict[str, Any] = {"file_id": file_id, "size": size}
        if size is not None and size > self.settings.max_media_bytes:
            media["skipped"] = "too large"
            return media
        try:
            file = await self.application.bot.get_file(file_id)
        except TelegramError as exc:
            media["error"] = str(exc)
            return media
        # Fetched by our guard, never PTB's download: a file_path that names a local file would
        # be copied by it, and the name comes from Telegram's file_unique_id.
        media.update(await keep_media(self.settings, CHANNEL, unique_id, ext, file.file_path))
        return media

    # ---- outbound -------------------------------------------------------------------------
    async def send(self, address: Address, reply: Reply, *, key: str | None = None) -> str | None:
        """Sends one fitted part: its text with its inline buttons, then its clip."""
        chat_id = int(address.user_id)
        message_id = None
        try:
            if reply.text:
                sent = await self.application.bot.send_message(
                    chat_id, reply.text, reply_markup=keyboard(reply.buttons)
                )
                message_id = str(sent.message_id)
            if reply.audio:
                assert self.clips is not None, "start() first"
                message_id = await self.clips.send(chat_id, reply.audio)
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if isinstance(wait, dt.timedelta) else float(wait)
            raise DeliveryError(f"429: {exc}", retry_after=seconds) from exc
        except Forbidden as exc:
            raise DeliveryError(f"Forbidden: {exc}", retry=False, unreachable=True) from exc
        except (TimedOut, NetworkError) as exc:
            if isinstance(exc, BadRequest):
                raise DeliveryError(f"BadRequest: {exc}", retry=False) from exc
            raise DeliveryError(f"network: {exc}") from exc
        except TelegramError as exc:
            raise DeliveryError(str(exc), retry=False) from exc
        return message_id
