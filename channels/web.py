"""The web chat: a channel for citizens, plain HTML forms over the same core.

The citizen is a random id in a signed cookie; each form carries a one-time nonce that becomes
the event id, so a double-submitted form is handled once. Replies are shown from the
conversation log; what the outbox sends (an officer's answer, an announcement) is written there,
and the page's script asks /chat/updates for what came since, so it appears without a reload."""

from __future__ import annotations

import contextlib
import datetime as dt
import hmac
import logging
import re
import secrets
from collections.abc import Mapping
from typing import Any

from aiohttp import web
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app import keys
from app.html import render, set_cookie
from bot.channel import Capabilities, DeliveryError, Hub, StillHandling
from bot.messages import Address, Inbound, Kind, Reply
from db.conversations import by_address, log_delivered
from db.models import Citizen, Message, OutboxMessage, Question
from db.office import Officer

log = logging.getLogger(__name__)
CHANNEL = "web"
NOT_SENT = (
    "Tin nhắn của bạn chưa được gửi vì hệ thống đang gặp sự cố. "
    "Bạn hãy gửi lại sau ít phút; tin nhắn sẽ không bị gửi trùng."
)
COOKIE = "caunoi_chat"
COOKIE_AGE = 365 * 24 * 3600
SHOWN = 40
# /chat/updates holds back a message younger than this: a row given a lower id by a transaction
# that commits a moment later is then still found by the next poll, not skipped for good.
SETTLE = dt.timedelta(seconds=1)
BAD_AFTER = "Tham số after phải là số thứ tự của một tin nhắn (số nguyên không âm)."
EXPIRED = "Phiên trò chuyện đã hết hạn. Bạn hãy tải lại trang."
MAX_ID = 2**31 - 1  # messages.id is a 32-bit integer (PostgreSQL refuses a larger one)


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
        return [
            web.get("/chat", self.page),
            web.post("/chat", self.post),
            web.get("/chat/updates", self.updates),
        ]

    async def start(self, hub: Hub) -> None:
        self.hub = hub

    async def stop(self) -> None:
        return None

    async def send(self, address: Address, reply: Reply, *, key: str | None = None) -> str | None:
        """Writes an outbox row's message (an officer's answer, an announcement) into the
        citizen's conversation, once per row even when sent again after a crash."""
        assert self.hub is not None, "start() first"
        return await write_to_log(self.hub, address, reply, key)

    async def _messages(self, uid: str, after: int | None = None) -> list[Message]:
        """The visitor's shown messages, oldest first: the last SHOWN, or those after a message
        id (at most SHOWN, up to the first one that has not settled)."""
        assert self.hub is not None, "start() first"
        async with self.hub.sessions() as session:
            citizen = await session.scalar(
                select(Citizen).where(Citizen.channel == CHANNEL, Citizen.external_id == uid)
            )
            if citizen is None:
                return []
            query = select(Message).where(
                Message.citizen_id == citizen.id,
                Message.text.is_not(None),
                Message.kind != "command",
            )
            if after is None:
                query = query.order_by(Message.id.desc()).limit(SHOWN)
            else:
                query = query.where(Message.id > after).order_by(Message.id).limit(SHOWN)
            rows = list((await session.execute(query)).scalars())
        if after is None:
            return list(reversed(rows))
        return _settled(rows)

    async def page(self, request: web.Request) -> web.StreamResponse:
        """GET /chat: the conversation so far (a new visitor is greeted first)."""
        visitor = _visitor(request)
        new = visitor is None
        if new:
            visitor = {"uid": secrets.token_urlsafe(12), "csrf": secrets.token_urlsafe(16)}
        messages = await self._messages(visitor["uid"])
        if not messages:
            start = Inbound(Address(CHANNEL, visitor["uid"]), Kind.COMMAND, text="/start")
            await self._handle(start)
            messages = await self._messages(visitor["uid"])
        last_out = next((m for m in reversed(messages) if m.direction == "out"), None)
        settled = _settled(messages)
        localities = request.config_dict[keys.CONTENT].localities
        response = render(
            request,
            "chat.html",
            messages=[view(m, localities) for m in messages],
            buttons=(last_out.payload or {}).get("buttons", []) if last_out else [],
            # The script asks for what came after the last settled message and skips those
            # shown after it, so a message committed a moment late is not skipped.
            after=settled[-1].id if settled else 0,
            shown=" ".join(str(m.id) for m in messages[len(settled) :]),
            csrf=visitor["csrf"],
            nonce=secrets.token_urlsafe(8),
        )
        if new:
            set_cookie(
                request, response, COOKIE, _serializer(request.app).dumps(visitor), COOKIE_AGE
            )
        return response

    async def updates(self, request: web.Request) -> web.StreamResponse:
        """GET /chat/updates?after=<message id>: this visitor's messages since that one, as JSON,
        for the page's script (an officer's answer appears without a reload); `last` is the id
        to ask after next time, so nothing is missed or listed twice."""
        visitor = _visitor(request)
        if visitor is None:
            raise web.HTTPForbidden(text=EXPIRED)  # (refusals are the site's error pages)
        raw = request.query.get("after", "")
        if not re.fullmatch(r"[0-9]{1,10}", raw) or int(raw) > MAX_ID:
            raise web.HTTPBadRequest(text=BAD_AFTER)
        after = int(raw)
        messages = await self._messages(visitor["uid"], after)
        localities = request.config_dict[keys.CONTENT].localities
        return _json(
            {
                "messages": [view(m, localities) for m in messages],
                "last": messages[-1].id if messages else after,
                "more": len(messages) == SHOWN,
            }
        )

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
            raise web.HTTPForbidden(text=EXPIRED)
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
        answerer = await _answered_by(session, outbox_id)
        if answerer is not None:
            payload = {**(payload or {}), "answered_by": answerer}
        message_id = await log_delivered(
            session, citizen.id, text, payload, outbox_id, dt.datetime.now(dt.UTC)
        )
        await session.commit()
    return f"msg:{message_id}" if message_id is not None else None


async def _answered_by(session: AsyncSession, outbox_id: int) -> dict[str, str | None] | None:
    """The role and scope (not the name) of the officer whose answer this outbox row carries."""
    row = (
        await session.execute(
            select(Officer.role, Officer.locality_id)
            .join(Question, Question.answered_by == Officer.id)
            .join(OutboxMessage, OutboxMessage.question_id == Question.id)
            .where(OutboxMessage.id == outbox_id)
        )
    ).first()
    return None if row is None else {"role": row.role, "scope": row.locality_id}


ROLE_LABELS = {"admin": "Cán bộ quản trị", "officer": "Cán bộ"}
SCOPE_LEVELS = {"p": "cấp tỉnh", "w": "cấp xã"}  # an officer scoped to a province or a ward


def sender_label(message: Message, localities: Mapping[str, Any]) -> str | None:
    """Who an officer's message is from, as the citizen reads it: "Thông báo" for an
    announcement, otherwise "Cán bộ … trả lời" with the answering officer's role and the place
    they serve (never their name), e.g. "Cán bộ huyện Kiên Hải trả lời"."""
    if message.direction != "out" or message.kind != "officer":
        return None
    payload = message.payload or {}
    if payload.get("announcement"):
        return "Thông báo"
    answerer = payload.get("answered_by") or {}
    role = ROLE_LABELS.get(answerer.get("role"), "Cán bộ")
    scope = answerer.get("scope") or ""
    place = localities.get(scope)
    if place is not None:
        return f"{role} {place.name[:1].lower()}{place.name[1:]} trả lời"
    level = SCOPE_LEVELS.get(scope.partition(":")[0]) if ":" in scope else None
    return f"{role} {level} trả lời" if level else f"{role} trả lời"


def view(message: Message, localities: Mapping[str, Any]) -> dict[str, Any]:
    """A message as the page and /chat/updates show it: whose bubble, its label, text, audio."""
    who = "me" if message.direction == "in" else "officer" if message.kind == "officer" else "bot"
    clip = (message.payload or {}).get("audio")
    key = clip.get("key") if isinstance(clip, dict) else clip
    return {
        "id": message.id,
        "who": who,
        "label": sender_label(message, localities),
        "text": message.text,
        "audio": f"/audio/clips/{key}.mp3" if key else None,
    }


def _settled(messages: list[Message]) -> list[Message]:
    """The messages before the first one younger than SETTLE (oldest first)."""
    line = dt.datetime.now(dt.UTC) - SETTLE
    shown: list[Message] = []
    for message in messages:
        if message.created_at > line:
            break
        shown.append(message)
    return shown


def _json(data: dict[str, Any]) -> web.Response:
    return web.json_response(data, headers={"Cache-Control": "no-store"})
