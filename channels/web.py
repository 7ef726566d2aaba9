"""The web chat: a channel for citizens, plain HTML forms over the same core.

The citizen is a random id in a signed cookie; each form carries a one-time nonce that becomes
the event id, so a double-submitted form is handled once. Replies are shown from the
conversation log; what the outbox sends (an officer's answer, an announcement) is written there."""

from __future__ import annotations

import contextlib
import datetime as dt
import hmac
import logging
import secrets

from aiohttp import web
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from app import keys
from app.html import render, set_cookie
from bot.channel import Capabilities, DeliveryError, Hub, StillHandling
from bot.messages import Address, Inbound, Kind, Reply
from db.conversations import by_address, log_delivered
from db.models import Citizen, Message

log = logging.getLogger(__name__)
CHANNEL = "web"
NOT_SENT = (
    "Tin nhắn của bạn chưa được gửi vì hệ thống đang gặp sự cố. "
    "Bạn hãy gửi lại sau ít phút; tin nhắn sẽ không bị gửi trùng."
)
COOKIE = "caunoi_chat"
COOKIE_AGE = 365 * 24 * 3600
SHOWN = 40


def _serializer(app: web.Application) -> URLSafeSerializer:
    return URLSafeSerializer(app[keys.SECRET], salt="chat")


def _visitor(request: web.Request) -> dict[str, str] | None:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        data = _serializer(request.app).loads(raw)
    except BadSignature:
        return None
    return data if isinstance(data, dict) and "uid" in data and "csrf" in data else None


class WebChannel:
    """The /chat pages; `send` writes into the conversation log, where the page shows it."""

    name = CHANNEL

    def __init__(self, capabilities: Capabilities):
        self.capabilities = capabilities
        self.hub: Hub | None = None

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/chat", self.page), web.post("/chat", self.post)]

    async def start(self, hub: Hub) -> None:
        self.hub = hub

    async def stop(self) -> None:
        return None

    async def send(self, address: Address, reply: Reply, *, key: str | None = None) -> str | None:
        """Writes an outbox row's message (an officer's answer, an announcement) into the
        citizen's conversation, once per row even when sent again after a crash."""
        assert self.hub is not None, "start() first"
        return await write_to_log(self.hub, address, reply, key)

    async def _history(self, uid: str) -> tuple[list[Message], list[list[str]]]:
        assert self.hub is not None, "start() first"
        async with self.hub.sessions() as session:
            citizen = await session.scalar(
                select(Citizen).where(Citizen.channel == CHANNEL, Citizen.external_id == uid)
            )
            if citizen is None:
                return [], []
            rows = (
                (
                    await session.execute(
                        select(Message)
                        .where(
                            Message.citizen_id == citizen.id,
                            Message.text.is_not(None),
                            Message.kind != "command",
                        )
                        .order_by(Message.id.desc())
                        .limit(SHOWN)
                    )
                )
                .scalars()
                .all()
            )
        messages = list(reversed(rows))
        last_out = next((m for m in reversed(messages) if m.direction == "out"), None)
        buttons = (last_out.payload or {}).get("buttons", []) if last_out else []
        return messages, buttons

    async def page(self, request: web.Request) -> web.StreamResponse:
        """GET /chat: the conversation so far (a new visitor is greeted first)."""
        visitor = _visitor(request)
        new = visitor is None
        if new:
            visitor = {"uid": secrets.token_urlsafe(12), "csrf": secrets.token_urlsafe(16)}
        messages, buttons = await self._history(visitor["uid"])
        if not messages:
            start = Inbound(Address(CHANNEL, visitor["uid"]), Kind.COMMAND, text="/start")
            await self._handle(start)
            messages, buttons = await self._history(visitor["uid"])
        response = render(
            request,
            "chat.html",
            messages=messages,
            buttons=buttons,
            csrf=visitor["csrf"],
            nonce=secrets.token_urlsafe(8),
        )
        if new:
            set_cookie(
                request, response, COOKIE, _serializer(request.app).dumps(visitor), COOKIE_AGE
            )
        return response

    async def post(self, request: web.Request) -> web.StreamResponse:
        """POST /chat: a typed message or a pressed button, then back to the page."""
        visitor = _visitor(request)
        try:
            form = await request.post()
        except web.HTTPException:
            raise  # too large (413)
        except (ValueError, LookupError) as exc:  # a broken body, an unknown charset
            raise web.HTTPBadRequest(text="Nội dung gửi lên không đúng. Bạn hãy thử lại.") from exc
        sent = str(form.get("csrf", ""))
        if (
            visitor is None
            or not sent
            or not hmac.compare_digest(
                sent.encode(errors="surrogatepass"), visitor["csrf"].encode()
            )
        ):
            raise web.HTTPForbidden(text="Phiên trò chuyện đã hết hạn. Bạn hãy tải lại trang.")
        address = Address(CHANNEL, visitor["uid"])
        payload = str(form.get("payload", "")).strip()
        nonce = str(form.get("nonce", "")).strip()[:40] or None
        event_id = f"form:{nonce}" if nonce else None
        if payload:
            inbound = Inbound(address, Kind.BUTTON, payload=payload[:64], event_id=event_id)
        else:
            inbound = Inbound(
                address, Kind.TEXT, text=str(form.get("text", ""))[:20000], event_id=event_id
            )
        with contextlib.suppress(StillHandling):  # the same form sent twice: the first answers
            await self._handle(inbound)
        raise web.HTTPSeeOther("/chat#end")

    async def _handle(self, inbound: Inbound) -> None:
        """Hands the message to the core; one that was not stored gets a 503 page saying so (the
        citizen sends the form again, and its nonce makes that the same message)."""
        assert self.hub is not None, "start() first"
        try:
            await self.hub.handle(inbound)
        except StillHandling:
            raise
        except Exception as exc:
            log.error("web chat message not stored", exc_info=True)
            raise web.HTTPServiceUnavailable(text=NOT_SENT) from exc


async def write_to_log(hub: Hub, address: Address, reply: Reply, key: str | None) -> str | None:
    """Logs the reply as an outbox row's message; None when that row was logged already."""
    if key is None or not key.startswith("outbox:"):
        raise DeliveryError("only outbox rows are written to the log", retry=False)
    async with hub.sessions() as session:
        citizen = await by_address(session, address.channel, address.user_id)
        if citizen is None:
            raise DeliveryError(f"no citizen {address}", retry=False)
        text, payload = reply.as_row()
        outbox_id = int(key.removeprefix("outbox:"))
        message_id = await log_delivered(
            session, citizen.id, text, payload, outbox_id, dt.datetime.now(dt.UTC)
        )
        await session.commit()
    return f"msg:{message_id}" if message_id is not None else None
