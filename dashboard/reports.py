"""Downloads for the dialogue (CSV, XLSX, DOCX) and the statistics page with a bar chart."""

from __future__ import annotations

import datetime as dt

from aiohttp import web
from sqlalchemy import select

from app import keys
from content.schema import NATIONAL
from dashboard import exports
from dashboard.access import OFFICER_KEY
from dashboard.dialogue import sees_session
from dashboard.privacy import masks_for
from dashboard.views import render_page
from db.models import Question
from db.officers import scope_conditions, scope_of
from db.reports import minutes, questions_for_report, stats_of

TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _day(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise web.HTTPBadRequest(
            text="Ngày phải có dạng năm-tháng-ngày, ví dụ 2026-11-23."
        ) from exc


async def export(request: web.Request) -> web.Response:
    """A download in the officer's scope, as the pages show it: another locality's session is
    missing (404) as its page is, and a viewer's file has citizens' phones and names masked."""
    fmt = request.query.get("format", "xlsx")
    if fmt not in TYPES:
        raise web.HTTPBadRequest(text="Định dạng phải là csv, xlsx hoặc docx.")
    content = request.config_dict[keys.CONTENT]
    officer = request[OFFICER_KEY]
    masked = masks_for(officer)
    session_id = request.query.get("session")
    async with request.config_dict[keys.SESSIONS]() as db:
        if session_id:
            if not session_id.isdigit():
                raise web.HTTPBadRequest(text="Số buổi đối thoại không hợp lệ.")
            found = await minutes(db, int(session_id), **scope_of(officer))
            if found is None or not sees_session(officer, found.session):
                raise web.HTTPNotFound()
            data, name = export_minutes(content, found, fmt, masked)
        else:
            date_from, date_to = _day(request.query.get("from")), _day(request.query.get("to"))
            rows = await questions_for_report(db, date_from, date_to, **scope_of(officer))
            data, name = export_questions(content, rows, fmt, date_from, date_to, masked)
    return web.Response(
        body=data,
        content_type=TYPES[fmt].split(";")[0],
        charset="utf-8" if fmt == "csv" else None,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def period_text(date_from: dt.date | None, date_to: dt.date | None) -> str:
    if date_from and date_to:
        return f"Từ ngày {date_from:%d/%m/%Y} đến ngày {date_to:%d/%m/%Y}"
    if date_from:
        return f"Từ ngày {date_from:%d/%m/%Y}"
    if date_to:
        return f"Đến ngày {date_to:%d/%m/%Y}"
    return "Toàn bộ thời gian"


def export_questions(content, rows, fmt, date_from=None, date_to=None, masked=False):  # type: ignore[no-untyped-def]
    """The summary file and its name; the command line (admin-level) leaves `masked` off."""
    subtitle = period_text(date_from, date_to)
    name = f"tong-hop-cau-hoi.{fmt}"
    if fmt == "csv":
        return exports.to_csv(content, rows, masked), name
    if fmt == "xlsx":
        return exports.to_xlsx(content, rows, subtitle, masked), name
    return exports.to_docx(content, rows, subtitle, masked), name


def export_minutes(content, found, fmt, masked=False):  # type: ignore[no-untyped-def]
    """A session's minutes (DOCX) or its table (CSV, XLSX), and the file's name."""
    name = f"doi-thoai-{found.session.id}.{fmt}"
    if fmt == "docx":
        return exports.minutes_docx(content, found, masked), name
    rows = exports.minutes_rows(found)
    subtitle = f"{found.session.title}, ngày {found.session.held_on:%d/%m/%Y}"
    if fmt == "csv":
        return exports.to_csv(content, rows, masked), name
    return exports.to_xlsx(content, rows, subtitle, masked), name


def bar_chart(pairs: list[tuple[str, int]], width: int = 640, height: int = 180) -> str:
    """A small SVG bar chart, drawn on the server (no JavaScript)."""
    top = max((v for _, v in pairs), default=0) or 1
    bar = width / max(len(pairs), 1)
    parts = [f'<svg viewBox="0 0 {width} {height + 30}" role="img" class="chart">']
    for i, (label, value) in enumerate(pairs):
        h = round(value / top * height)
        x = round(i * bar + 4)
        parts.append(
            f'<rect x="{x}" y="{height - h}" width="{round(bar - 8)}" height="{h}" fill="#0b5d3b"/>'
        )
        parts.append(f'<text x="{x}" y="{height + 14}" font-size="11">{label}</text>')
        parts.append(f'<text x="{x}" y="{max(12, height - h - 4)}" font-size="11">{value}</text>')
    parts.append("</svg>")
    return "".join(parts)


async def stats_page(request: web.Request) -> web.Response:
    conditions = scope_conditions(request[OFFICER_KEY])
    async with request.config_dict[keys.SESSIONS]() as db:
        rows = list((await db.execute(select(Question).where(*conditions))).scalars())
    content = request.config_dict[keys.CONTENT]
    stats = stats_of(rows)
    topics = [(content.topics[t].title if t in content.topics else t, n) for t, n in stats.by_topic]
    return render_page(
        request, "stats.html", stats=stats, topics=topics, chart=bar_chart(stats.by_week)
    )


def deep_links(request: web.Request) -> list[dict[str, str]]:
    """For each locality, the link that opens the Telegram bot with it chosen, for leaflets."""
    channel = request.config_dict[keys.CHANNELS].get("telegram")
    username = channel.application.bot.username if channel else None  # type: ignore[attr-defined]
    content = request.config_dict[keys.CONTENT]
    links = []
    for loc in content.localities.values():
        if loc.id == NATIONAL:
            continue
        url = f"https://t.me/{username}?start={loc.id}" if username else None
        links.append({"id": loc.id, "name": loc.name, "url": url})
    return links


async def links_page(request: web.Request) -> web.Response:
    return render_page(request, "links.html", links=deep_links(request))


async def qr_code(request: web.Request) -> web.Response:
    """The QR code of a locality's deep link, as SVG (print it on leaflets and banners)."""
    import io

    import segno

    link = next((x for x in deep_links(request) if x["id"] == request.match_info["locality"]), None)
    if link is None or link["url"] is None:
        raise web.HTTPNotFound()
    out = io.BytesIO()
    segno.make(link["url"], error="m").save(out, kind="svg", scale=8, border=2)
    return web.Response(body=out.getvalue(), content_type="image/svg+xml")


def setup(app: web.Application) -> None:
    app.router.add_get("/export", export)
    app.router.add_get("/stats", stats_page)
    app.router.add_get("/links", links_page)
    app.router.add_get("/links/{locality}.svg", qr_code)
