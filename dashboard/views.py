"""What the officers' pages share: acting roles, delivery labels, Vietnam time and rendering."""

from __future__ import annotations

import datetime as dt
from typing import Any

from aiohttp import web

from app.html import render
from dashboard.access import OFFICER_KEY
from dashboard.login import csrf_token

ACTING_ROLES = ("admin", "officer")
DELIVERY_LABELS = {
    "pending": "đang gửi",
    "sending": "đang gửi",
    "sent": "đã gửi",
    "failed": "gửi không được",
    "unreachable": "người dân đã chặn hoặc rời kênh",
    "waiting_citizen": "chờ người dân nhắn lại",
}


def vn_time(value: dt.datetime) -> str:
    """A stored UTC time as Vietnam reads it (UTC+7): dd/mm/yyyy hh:mm."""
    local = value + dt.timedelta(hours=7)
    return local.strftime("%d/%m/%Y %H:%M")


def render_page(request: web.Request, name: str, status: int = 200, **context: Any) -> web.Response:
    """An officer's page: the template also gets the officer (for the menu) and the CSRF token."""
    context.setdefault("officer", request.get(OFFICER_KEY))
    context.setdefault("csrf", csrf_token(request))
    return render(request, name, status, **context)
