"""The statistics page with a bar chart, and the localities' deep links and QR codes."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select

from app import keys
from content.schema import NATIONAL
from dashboard.access import OFFICER_KEY
from dashboard.views import render_page
from db.models import Question
from db.officers import scope_conditions
from db.reports import stats_of


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
    app.router.add_get("/stats", stats_page)
    app.router.add_get("/links", links_page)
    app.router.add_get("/links/{locality}.svg", qr_code)
