"""Officer logins and server-side sessions, named by signed HttpOnly cookies, and CSRF tokens."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from typing import Any

from aiohttp import web
from itsdangerous import BadSignature

from app import keys
from app.html import render, set_cookie, signer
from dashboard.access import OFFICER_KEY
from db.office import Officer
from db.officers import (
    ADDRESS_THROTTLED,
    LOCKED,
    SESSION_LIFETIME,
    WRONG,
    attempt_login,
    audit,
    close_session,
    open_session,
    session_officer,
)

SESSION_COOKIE = "caunoi_session"
SESSION_MAX_AGE = int(SESSION_LIFETIME.total_seconds())
LOGIN_COOKIE = "caunoi_login"
LOGIN_REFUSALS = {
    LOCKED: (429, "Tài khoản tạm khóa 15 phút do nhập sai mật khẩu nhiều lần."),
    ADDRESS_THROTTLED: (
        429,
        "Đăng nhập sai quá nhiều lần từ địa chỉ này. Hãy kiểm tra lại tên đăng nhập và mật khẩu,"
        " hoặc đợi 15 phút rồi thử lại.",
    ),
    WRONG: (401, "Sai tên đăng nhập hoặc mật khẩu."),
}


async def start_session(
    request: web.Request, response: web.StreamResponse, officer: Officer
) -> None:
    """A new server-side session for the officer, named by a signed cookie."""
    async with request.config_dict[keys.SESSIONS]() as db:
        token = await open_session(db, officer, dt.datetime.now(dt.UTC))
        await db.commit()
    cookie = signer(request, "session").dumps({"sid": token, "csrf": secrets.token_urlsafe(24)})
    set_cookie(request, response, SESSION_COOKIE, cookie, SESSION_MAX_AGE)


def read_session(request: web.Request) -> dict[str, Any] | None:
    """The session cookie's content if its signature holds (whether the session is still open
    is `current_officer`'s question)."""
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    try:
        data = signer(request, "session").loads(raw, max_age=SESSION_MAX_AGE)
    except BadSignature:
        return None
    return data if isinstance(data, dict) and isinstance(data.get("sid"), str) else None


async def current_officer(request: web.Request) -> Officer | None:
    """The officer logged in with this request's cookie, if that session is still open (not
    logged out, officer not disabled, password not changed since) and not expired."""
    session = read_session(request)
    if session is None:
        return None
    async with request.config_dict[keys.SESSIONS]() as db:
        return await session_officer(db, session["sid"], dt.datetime.now(dt.UTC))


async def end_session(request: web.Request) -> None:
    """Closes this request's session server-side: its cookie, even if kept, opens nothing."""
    session = read_session(request)
    if session is not None:
        async with request.config_dict[keys.SESSIONS]() as db:
            await close_session(db, session["sid"])
            await db.commit()


async def log_in(request: web.Request, username: str, password: str) -> Officer | tuple[int, str]:
    """The officer, or the status and message of the refusal (throttled per account and per
    client address, see `db.officers.attempt_login`)."""
    address = request.remote or "-"
    async with request.config_dict[keys.SESSIONS]() as db:
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


def _login_form(
    request: web.Request, status: int = 200, error: str | None = None, username: str = ""
) -> web.Response:
    """The login form with a fresh CSRF token, bound to a short-lived signed cookie."""
    token = secrets.token_urlsafe(16)
    response = render(
        request, "login.html", status=status, error=error, username=username, csrf=token
    )
    set_cookie(request, response, LOGIN_COOKIE, signer(request, "login").dumps(token), 3600)
    return response


async def login_page(request: web.Request) -> web.Response:
    return _login_form(request)


def _login_csrf_ok(request: web.Request, sent: str) -> bool:
    try:
        expected = signer(request, "login").loads(
            request.cookies.get(LOGIN_COOKIE, ""), max_age=3600
        )
    except BadSignature:
        return False
    return bool(sent) and hmac.compare_digest(sent, str(expected))


async def login(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    if not _login_csrf_ok(request, str(form.get("csrf", ""))):
        raise web.HTTPForbidden(text="Phiên đăng nhập đã hết hạn. Hãy tải lại trang đăng nhập.")
    username = str(form.get("username", "")).strip().lower()[:64]
    password = str(form.get("password", ""))[:200]
    outcome = await log_in(request, username, password)  # throttled and audited
    if not isinstance(outcome, Officer):
        return _login_form(request, *outcome, username=username)
    response = web.HTTPSeeOther("/dashboard")
    await start_session(request, response, outcome)
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    await check_csrf(request)
    await end_session(request)  # a kept copy of the cookie opens nothing from now on
    async with request.config_dict[keys.SESSIONS]() as db:
        await audit(db, request[OFFICER_KEY], "logout")
        await db.commit()
    response = web.HTTPSeeOther("/dashboard/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response


def setup(app: web.Application) -> None:
    app.router.add_get("/login", login_page, name="login_page")
    app.router.add_post("/login", login, name="login")
    app.router.add_post("/logout", logout)
