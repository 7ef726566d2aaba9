"""The web chat: a third channel for citizens, plain HTML forms over the same core.

The citizen is a random id in a signed cookie; each form carries a one-time nonce that becomes
the event id, so a double-submitted form is handled once."""

from __future__ import annotations

import contextlib
import hmac
import logging
import secrets

from aiohttp import web
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from app import keys
from app.html import render, set_cookie
from bot.channel import StillHandling
from bot.messages import Address, Inbound, Kind
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


async def _history(request: web.Request, uid: str) -> tuple[list[Message], list[list[str]]]:
    async with request.app[keys.SESSIONS]() as session:
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


async def page(request: web.Request) -> web.StreamResponse:
    visitor = _visitor(request)
    new = visitor is None
    if new:
        visitor = {"uid": secrets.token_urlsafe(12), "csrf": secrets.token_urlsafe(16)}
    messages, buttons = await _history(request, visitor["uid"])
    if not messages:
        start = Inbound(Address(CHANNEL, visitor["uid"]), Kind.COMMAND, text="/start")
        await _handle(request, start)
        messages, buttons = await _history(request, visitor["uid"])
    response = render(
        request,
        "chat.html",
        messages=messages,
        buttons=buttons,
        csrf=visitor["csrf"],
        nonce=secrets.token_urlsafe(8),
    )
    if new:
        set_cookie(request, response, COOKIE, _serializer(request.app).dumps(visitor), COOKIE_AGE)
    return response


async def post(request: web.Request) -> web.StreamResponse:
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
        or not hmac.compare_digest(sent.encode(errors="surrogatepass"), visitor["csrf"].encode())
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
        await _handle(request, inbound)
    raise web.HTTPSeeOther("/chat#end")


async def _handle(request: web.Request, inbound: Inbound) -> None:
    """Hands the message to the core; one that was not stored gets a 503 page saying so (the
    citizen sends the form again, and its nonce makes that the same message)."""
    try:
        await request.app[keys.RUNTIME].core.handle(inbound)
    except StillHandling:
        raise
    except Exception as exc:
        log.error("web chat message not stored", exc_info=True)
        raise web.HTTPServiceUnavailable(text=NOT_SENT) from exc


def setup(app: web.Application) -> None:
    app.router.add_get("/chat", page)
    app.router.add_post("/chat", post)
