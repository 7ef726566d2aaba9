"""What an officer's action did, said once on the next page (a short-lived signed cookie)."""

from __future__ import annotations

from aiohttp import web
from itsdangerous import BadSignature

from app.html import set_cookie, signer

NOTICE_COOKIE = "caunoi_notice"
NOTICE_SECONDS = 300


def done(request: web.Request, location: str, text: str) -> web.HTTPSeeOther:
    """The redirect after an action, carrying its confirmation ("Đã giao 5 câu hỏi cho …")."""
    response = web.HTTPSeeOther(location)
    value = signer(request, "notice").dumps(text)
    set_cookie(request, response, NOTICE_COOKIE, value, NOTICE_SECONDS)
    return response


def take(request: web.Request) -> str | None:
    """The confirmation waiting for this page, if any (its signature checked)."""
    raw = request.cookies.get(NOTICE_COOKIE)
    if not raw:
        return None
    try:
        text = signer(request, "notice").loads(raw, max_age=NOTICE_SECONDS)
    except BadSignature:
        return None
    return text if isinstance(text, str) else None


def shown(request: web.Request, response: web.StreamResponse) -> web.StreamResponse:
    """The page showed the confirmation: it is not shown again."""
    if NOTICE_COOKIE in request.cookies:
        response.del_cookie(NOTICE_COOKIE, path="/")
    return response
