"""The officers' dashboard as an aiohttp sub-application, mounted at /dashboard."""

from __future__ import annotations

from aiohttp import web

from dashboard import (
    announcements,
    audit,
    bulletins,
    contacts,
    dialogue,
    exports,
    inbox,
    login,
    office,
    pronunciations,
    questions,
    reports,
    self_checks,
)
from dashboard.access import OFFICER_KEY

PUBLIC = frozenset({"login_page", "login"})  # the routes (by name) open without a session
PAGES = (
    inbox,
    login,
    questions,
    contacts,
    pronunciations,
    audit,
    dialogue,
    reports,
    exports,
    self_checks,
    office,
)


@web.middleware
async def require_officer(request: web.Request, handler):  # type: ignore[no-untyped-def]
    """Every page but the login form needs an open session; a GET without one goes to login."""
    if request.match_info.route.name in PUBLIC:
        return await handler(request)
    officer = await login.current_officer(request)  # None once logged out, disabled or expired
    if officer is None:
        if request.method == "GET":
            raise web.HTTPSeeOther("/dashboard/login")
        raise web.HTTPForbidden(text="Bạn cần đăng nhập lại.")
    request[OFFICER_KEY] = officer
    return await handler(request)


def create_dashboard() -> web.Application:
    """The sub-application: its routes are written without the /dashboard prefix, and its
    handlers read what the whole application shares through `request.config_dict`."""
    sub = web.Application(middlewares=[require_officer])
    for page in (*PAGES, announcements, bulletins):
        page.setup(sub)
    return sub
