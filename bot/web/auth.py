"""Officer sessions in signed, HttpOnly, SameSite cookies; CSRF tokens; roles and scope."""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from aiohttp import web
from itsdangerous import BadSignature, URLSafeTimedSerializer

from bot.web import keys
from content.loader import Content
from db.models import Officer, Question

SESSION_COOKIE = "caunoi_session"
SESSION_MAX_AGE = 12 * 3600
OFFICER_KEY: web.RequestKey[Officer] = web.RequestKey("officer", Officer)


def _serializer(app: web.Application, salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(app[keys.SECRET], salt=salt)


def set_cookie(
    request: web.Request, response: web.StreamResponse, name: str, value: str, max_age: int
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="Lax",
        path="/",
        secure=request.app[keys.SETTINGS].cookie_secure,
    )


def start_session(request: web.Request, response: web.StreamResponse, officer: Officer) -> None:
    token = _serializer(request.app, "session").dumps(
        {"officer_id": officer.id, "csrf": secrets.token_urlsafe(24)}
    )
    set_cookie(request, response, SESSION_COOKIE, token, SESSION_MAX_AGE)


def read_session(request: web.Request) -> dict[str, Any] | None:
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    try:
        data = _serializer(request.app, "session").loads(raw, max_age=SESSION_MAX_AGE)
    except BadSignature:
        return None
    return data if isinstance(data, dict) and "officer_id" in data else None


def csrf_token(request: web.Request) -> str:
    session = read_session(request)
    return session["csrf"] if session else ""


async def check_csrf(request: web.Request) -> dict[str, Any]:
    """The posted form, if its CSRF token matches the session's; 403 otherwise."""
    form = dict(await request.post())
    session = read_session(request)
    sent = str(form.get("csrf", ""))
    if not session or not sent or not hmac.compare_digest(sent, session["csrf"]):
        raise web.HTTPForbidden(text="Phiên làm việc không hợp lệ (CSRF). Hãy tải lại trang.")
    return form


def officer_of(request: web.Request) -> Officer:
    return request[OFFICER_KEY]


def require_role(request: web.Request, *roles: str) -> Officer:
    officer = officer_of(request)
    if officer.role not in roles:
        raise web.HTTPForbidden(text="Tài khoản của bạn không có quyền làm việc này.")
    return officer


def province_of(content: Content, locality_id: str | None) -> str | None:
    """Today's province code of a stored locality (content id, 'p:NN' or 'w:NNNNN')."""
    if not locality_id:
        return None
    loc = content.localities.get(locality_id)
    if loc is not None:
        return loc.province_code
    if locality_id.startswith("p:"):
        return locality_id[2:]
    from handlers.locality import PLACES

    return PLACES.province_code_of(locality_id)


def in_scope(content: Content, officer: Officer, question: Question) -> bool:
    """Admins and unscoped viewers see everything; an officer sees their locality only (a
    province-wide officer, 'p:NN', sees every locality of that province)."""
    if officer.role == "admin" or officer.locality_id is None:
        return True
    if question.locality_id == officer.locality_id:
        return True
    if officer.locality_id.startswith("p:"):
        return province_of(content, question.locality_id) == officer.locality_id[2:]
    return False
