"""Officer sessions in signed, HttpOnly, SameSite cookies; CSRF tokens; roles and scope."""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from aiohttp import web
from itsdangerous import BadSignature, URLSafeTimedSerializer

from bot.web import keys
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


def scope_of(officer: Officer) -> dict[str, str]:
    """The questions an officer may see, as question column -> value ({} means all): admins and
    unscoped accounts see everything; a province-wide officer ('p:NN') every locality of that
    province (the question log keeps each question's province); others their locality only."""
    if officer.role == "admin" or officer.locality_id is None:
        return {}
    if officer.locality_id.startswith("p:"):
        return {"province_code": officer.locality_id[2:]}
    return {"locality_id": officer.locality_id}


def in_scope(officer: Officer, question: Question) -> bool:
    return all(getattr(question, column) == value for column, value in scope_of(officer).items())


def scope_conditions(officer: Officer) -> list:  # type: ignore[type-arg]
    """`scope_of` as SQL conditions on the question log."""
    return [getattr(Question, column) == value for column, value in scope_of(officer).items()]
