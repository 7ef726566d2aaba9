"""Landing page, health check and friendly error pages."""

from __future__ import annotations

import os
from typing import Any

from aiohttp import web
from sqlalchemy import text

from bot.web import keys

ERRORS = {
    400: ("Yêu cầu không hợp lệ", "Nội dung gửi lên không đúng. Bạn hãy thử lại."),
    403: ("Không được phép", "Bạn không có quyền xem hoặc làm việc này."),
    404: ("Không tìm thấy", "Trang bạn tìm không có."),
    405: ("Không được phép", "Cách gửi yêu cầu này không được hỗ trợ."),
    413: ("Nội dung quá lớn", "Nội dung gửi lên quá lớn."),
    429: ("Thử lại sau", "Bạn đã thử quá nhiều lần. Hãy đợi ít phút rồi thử lại."),
}


def render(request: web.Request, name: str, status: int = 200, **context: Any) -> web.Response:
    from bot.web.auth import csrf_token

    template = request.app[keys.TEMPLATES].get_template(name)
    from bot.web.auth import OFFICER_KEY

    context.setdefault("officer", request.get(OFFICER_KEY))
    context.setdefault("csrf", csrf_token(request))
    return web.Response(text=template.render(**context), status=status, content_type="text/html")


@web.middleware
async def error_pages(request: web.Request, handler):  # type: ignore[no-untyped-def]
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if (
            exc.status in ERRORS
            and not request.path.startswith(("/healthz", "/static"))
            and exc.content_type != "application/json"
        ):
            title, message = ERRORS[exc.status]
            if exc.text and not exc.text.startswith(f"{exc.status}:"):
                message = exc.text
            return render(request, "error.html", status=exc.status, title=title, message=message)
        raise


async def landing(request: web.Request) -> web.Response:
    content = request.app[keys.RUNTIME].knowledge.content
    return render(
        request, "landing.html", entries=len(content.entries), sources=len(content.sources)
    )


async def healthz(request: web.Request) -> web.Response:
    database = "ok"
    try:
        async with request.app[keys.SESSIONS]() as session:
            await session.execute(text("SELECT 1"))
    except Exception as exc:  # report, do not crash the probe
        database = f"error: {exc.__class__.__name__}"
    content = request.app[keys.RUNTIME].knowledge.content
    status = 200 if database == "ok" else 503
    return web.json_response(
        {
            "status": "ok" if status == 200 else "degraded",
            "database": database,
            "faq_entries": len(content.entries),
            "worker_pid": os.getpid(),  # which `serve` process answered (several may share)
        },
        status=status,
    )


def setup(app: web.Application) -> None:
    app.router.add_get("/", landing)
    app.router.add_get("/healthz", healthz)
