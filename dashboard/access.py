"""Who is asking: the logged-in officer of a request, and the roles a page requires."""

from __future__ import annotations

from aiohttp import web

from db.office import Officer

OFFICER_KEY: web.RequestKey[Officer] = web.RequestKey("officer", Officer)


def officer_of(request: web.Request) -> Officer:
    return request[OFFICER_KEY]


def require_role(request: web.Request, *roles: str) -> Officer:
    """The officer, if their role is one of `roles`; 403 otherwise."""
    officer = officer_of(request)
    if officer.role not in roles:
        raise web.HTTPForbidden(text="Tài khoản của bạn không có quyền làm việc này.")
    return officer
