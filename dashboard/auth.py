"""Officer logins and sessions (server-side, named by signed, HttpOnly, SameSite cookies); CSRF
tokens; roles and scope."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from typing import Any

from aiohttp import web
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app import keys
from db.models import Officer
from db.officers import (
    ADDRESS_THROTTLED,
    LOCKED,
    SESSION_LIFETIME,
    WRONG,
    attempt_login,
    close_session,
    open_session,
    session_officer,
)

SESSION_COOKIE = "caunoi_session"
SESSION_MAX_AGE = int(SESSION_LIFETIME.total_seconds())
OFFICER_KEY: web.RequestKey[Officer] = web.RequestKey("officer", Officer)
LOGIN_REFUSALS = {
    LOCKED: (429, "Tài khoản tạm khóa 15 phút do nhập sai mật khẩu nhiều lần."),
    ADDRESS_THROTTLED: (
        429,
        "Đăng nhập sai quá nhiều lần từ địa chỉ này. Hãy kiểm tra lại tên đăng nhập và mật khẩu,"
        " hoặc đợi 15 phút rồi thử lại.",
    ),
    WRONG: (401, "Sai tên đăng nhập hoặc mật khẩu."),
}


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


async def start_session(
    request: web.Request, response: web.StreamResponse, officer: Officer
) -> None:
    """A new server-side session for the officer, named by a signed cookie."""
    async with request.app[keys.SESSIONS]() as db:
        token = await open_session(db, officer, dt.datetime.now(dt.UTC))
        await db.commit()
    cookie = _serializer(request.app, "session").dumps(
        {"sid": token, "csrf": secrets.token_urlsafe(24)}
    )
    set_cookie(request, response, SESSION_COOKIE, cookie, SESSION_MAX_AGE)


def read_session(request: web.Request) -> dict[str, Any] | None:
    """The session cookie's content if its signature holds (whether the session is still open
    is `current_officer`'s question)."""
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    try:
        data = _serializer(request.app, "session").loads(raw, max_age=SESSION_MAX_AGE)
    except BadSignature:
        return None
    return data if isinstance(data, dict) and isinstance(data.get("sid"), str) else None


async def current_officer(request: web.Request) -> Officer | None:
    """The officer logged in with this request's cookie, if that session is still open (not
    logged out, officer not disabled, password not changed since) and not expired."""
    session = read_session(request)
    if session is None:
        return None
    async with request.app[keys.SESSIONS]() as db:
        return await session_officer(db, session["sid"], dt.datetime.now(dt.UTC))


async def end_session(request: web.Request) -> None:
    """Closes this request's session server-side: its cookie, even if kept, opens nothing."""
    session = read_session(request)
    if session is not None:
        async with request.app[keys.SESSIONS]() as db:
            await close_session(db, session["sid"])
            await db.commit()


async def log_in(request: web.Request, username: str, password: str) -> Officer | tuple[int, str]:
    """The officer, or the status and message of the refusal (throttled per account and per
    client address, see `db.officers.attempt_login`)."""
    address = request.remote or "-"
    async with request.app[keys.SESSIONS]() as db:
        outcome = await attempt_login(db, username, password, address, dt.datetime.now(dt.UTC))
    if isinstance(outcome, Officer):
        return outcome
    return LOGIN_REFUSALS[outcome]


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
