"""The report page (a month's or a period's figures, charts, downloads), and deep links."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from aiohttp import web
from sqlalchemy import select

from app import keys
from content.localities import province_code
from content.schema import NATIONAL
from dashboard import report_files as files
from dashboard.access import OFFICER_KEY
from dashboard.views import render_page
from db.models import Question
from db.office import Officer
from db.officers import audit, scope_conditions, scope_of
from db.reports import Figures, Period, figures, place_name


def _vn_today() -> dt.date:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(hours=7)).date()


def _period(query) -> Period:  # type: ignore[no-untyped-def]
    """The month asked for (by default this month), or the days from … to … (both given)."""
    if query.get("from") or query.get("to"):
        return files.days_period(query.get("from", ""), query.get("to", ""))
    month = query.get("month") or f"{_vn_today():%Y-%m}"
    return files.month_period(month)


def _in_scope(content, officer: Officer, code: str | None) -> bool:  # type: ignore[no-untyped-def]
    scope = scope_of(officer)
    if "locality_id" in scope:
        return code == scope["locality_id"]
    if "province_code" in scope:
        return code is not None and province_code(content, code) == scope["province_code"]
    return True


def _locality(request: web.Request, content) -> str | None:  # type: ignore[no-untyped-def]
    """The locality asked for, checked against the officer's scope; by default their own."""
    officer = request[OFFICER_KEY]
    code = files.check_locality(content, request.query.get("locality"))
    if code is None:
        scope = scope_of(officer)
        code = scope.get("locality_id") or (
            f"p:{scope['province_code']}" if "province_code" in scope else None
        )
    if not _in_scope(content, officer, code):
        raise web.HTTPForbidden(text="Bạn chỉ xem được báo cáo của địa bàn mình.")
    return code


async def _choices(db, content, officer: Officer) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """The localities the officer may choose: the content's, and those questions came from."""
    codes = [loc.id for loc in content.localities.values() if loc.id != NATIONAL]
    rows = await db.execute(
        select(Question.locality_id, Question.province_code)
        .where(*scope_conditions(officer))
        .distinct()
    )
    for code, province in rows.all():
        codes += [c for c in (f"p:{province}" if province else None, code) if c]
    found = [("", "Tất cả các địa phương")] if not scope_of(officer) else []
    for code in dict.fromkeys(codes):
        name = place_name(content, code)
        if name and _in_scope(content, officer, code):
            found.append((code, name))
    return found


async def _figures(request: web.Request) -> tuple[Figures, str | None]:
    content = request.config_dict[keys.CONTENT]
    try:
        period = _period(request.query)
        code = _locality(request, content)
    except files.ReportInputError as exc:
        raise web.HTTPBadRequest(text=str(exc)) from exc
    clips = frozenset(request.config_dict[keys.AUDIO].index().values())
    async with request.config_dict[keys.SESSIONS]() as db:
        return await figures(db, content, period, code, clips), code


async def stats_page(request: web.Request) -> web.Response:
    """The report's figures for a month or a period and a locality, with charts and downloads."""
    found, code = await _figures(request)
    async with request.config_dict[keys.SESSIONS]() as db:
        choices = await _choices(db, request.config_dict[keys.CONTENT], request[OFFICER_KEY])
    period = found.period
    answered = [
        ("Bot trả lời", found.by_bot),
        ("Cán bộ trả lời", found.by_officers),
        ("Chưa trả lời", found.still_open),
        ("Không cần cán bộ", found.no_officer_needed),
    ]
    query = {"locality": code or ""}
    if period.monthly:
        query["month"] = f"{period.start:%Y-%m}"
    else:
        query |= {"from": period.start.isoformat(), "to": period.last.isoformat()}
    return render_page(
        request,
        "stats.html",
        f=found,
        title=files.title_of(period),
        scope=files.scope_text(found),
        sections=files.sections(found),
        charts=[
            ("Câu hỏi theo kênh", files.bar_chart(found.by_channel, "Câu hỏi theo kênh")),
            ("Kết quả trả lời", files.bar_chart(answered, "Kết quả trả lời")),
            ("Câu hỏi theo chủ đề", files.bar_chart(found.by_topic, "Câu hỏi theo chủ đề")),
        ],
        choices=choices,
        code=code or "",
        month=f"{period.start:%Y-%m}" if period.monthly else "",
        date_from="" if period.monthly else period.start.isoformat(),
        date_to="" if period.monthly else period.last.isoformat(),
        download=urlencode(query),
        median=files.duration_text(found.median_answer),
    )


async def download(request: web.Request) -> web.Response:
    """The same figures as a DOCX or an XLSX file; the download is audited."""
    fmt = request.match_info["fmt"]
    found, code = await _figures(request)
    async with request.config_dict[keys.SESSIONS]() as db:
        write = files.to_xlsx if fmt == "xlsx" else files.to_docx
        data = await write(db, request.config_dict[keys.CONTENT], found, code)
        period = found.period
        detail = {"from": period.start.isoformat(), "to": period.last.isoformat(), "format": fmt}
        await audit(db, request[OFFICER_KEY], "report_download", code, detail)
        await db.commit()
    name = files.file_name(found, fmt, code)
    return web.Response(
        body=data,
        content_type=files.TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
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
    app.router.add_get("/stats", stats_page)
    app.router.add_get(r"/stats/report.{fmt:(docx|xlsx)}", download)
    app.router.add_get("/links", links_page)
    app.router.add_get("/links/{locality}.svg", qr_code)
