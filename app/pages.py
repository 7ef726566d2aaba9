"""Landing page, health check, friendly error pages, and contact corrections kept fresh."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import secrets
from collections.abc import AsyncIterator

from aiohttp import web
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import keys
from app.html import render
from dashboard.views import render_page
from db.contacts import keep_fresh, refresh
from db.models import ProcessedEvent

HEALTH_TIMEOUT = 2.0  # seconds the write probe may take before the database counts as down

ERRORS = {
    400: ("Yêu cầu không hợp lệ", "Nội dung gửi lên không đúng. Bạn hãy thử lại."),
    403: ("Không được phép", "Bạn không có quyền xem hoặc làm việc này."),
    404: ("Không tìm thấy", "Trang bạn tìm không có."),
    405: ("Không được phép", "Cách gửi yêu cầu này không được hỗ trợ."),
    413: ("Nội dung quá lớn", "Nội dung gửi lên quá lớn."),
    429: ("Thử lại sau", "Bạn đã thử quá nhiều lần. Hãy đợi ít phút rồi thử lại."),
    500: ("Có lỗi xảy ra", "Hệ thống đang gặp sự cố. Bạn hãy thử lại sau ít phút."),
    503: ("Tạm thời gián đoạn", "Hệ thống đang bận hoặc gặp sự cố. Bạn hãy thử lại sau ít phút."),
}


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
            # An officer's error page keeps the dashboard menu.
            return render_page(
                request, "error.html", status=exc.status, title=title, message=message
            )
        raise


async def landing(request: web.Request) -> web.Response:
    content = request.app[keys.CONTENT]
    return render(
        request, "landing.html", entries=len(content.entries), sources=len(content.sources)
    )


async def healthz(request: web.Request) -> web.Response:
    database = "ok"
    try:
        async with asyncio.timeout(HEALTH_TIMEOUT):
            await probe_write(request.app[keys.SESSIONS])
    except TimeoutError:
        database = f"error: no write within {HEALTH_TIMEOUT:g} s (locked?)"
    except Exception as exc:  # report, do not crash the probe
        database = f"error: {exc.__class__.__name__}"
    content = request.app[keys.CONTENT]
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


async def probe_write(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Writes what every message writes first (an event record) and rolls it back: fails when
    the database is read-only, full, refuses the table, or is locked by another process."""
    async with sessions() as session:
        await session.execute(
            insert(ProcessedEvent.__table__).values(
                channel="healthz",
                event_id=secrets.token_hex(8),
                created_at=dt.datetime.now(dt.UTC),
                done=True,
            )
        )
        await session.rollback()


async def fresh_contacts(app: web.Application) -> AsyncIterator[None]:
    """Officers' contact corrections, read by the chat: loaded before the first message, then
    re-read every few seconds (another worker may have saved one)."""
    engine = app[keys.ENGINE]
    await refresh(engine)
    task = asyncio.create_task(keep_fresh(engine))
    yield
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


def setup(app: web.Application) -> None:
    app.router.add_get("/", landing)
    app.router.add_get("/healthz", healthz)
    app.cleanup_ctx.append(fresh_contacts)
