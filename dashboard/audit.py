"""The content audit in the dashboard (admins): what `content audit` lists on a day, by kind."""

from __future__ import annotations

import datetime as dt
from typing import Any

from aiohttp import web

from app import keys
from content.audit import KINDS, Finding, audit_content, count_findings
from content.loader import STALE_AFTER_DAYS, Content
from content.schema import vn_date
from dashboard.access import require_role
from dashboard.views import render_page
from db.contacts import VN_OFFSET, load_overrides, merged

KIND_TITLES = {
    "expired": "Đã hết hiệu lực",
    "stale_entry": f"Quá {STALE_AFTER_DAYS} ngày chưa kiểm tra lại",
    "replaced_source": "Dẫn văn bản đã được thay thế",
    "unknown_figure": "Chưa có số liệu, chưa xác nhận",
    "stale_contact": "Liên hệ lâu chưa kiểm tra",
}
BAD_DATE = "Ngày không hợp lệ. Hãy chọn ngày theo dạng năm-tháng-ngày, ví dụ 2026-12-07."


def _vn_today() -> dt.date:
    return (dt.datetime.now(dt.UTC) + VN_OFFSET).date()


def parse_day(value: str | None) -> dt.date:
    """The audit day from ?date=YYYY-MM-DD (today in Vietnam when absent); 400 when malformed."""
    if not value:
        return _vn_today()
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise web.HTTPBadRequest(text=BAD_DATE) from None


def describe(finding: Finding, content: Content) -> dict[str, Any]:
    """One row of the page: the id, what it is (an entry's first question or a contact's name),
    its file and why it is listed."""
    entry = content.entries.get(finding.id)
    contact = content.contacts.get(finding.id) if finding.kind == "stale_contact" else None
    return {
        "id": finding.id,
        "title": contact.name if contact else (entry.questions[0] if entry else ""),
        "file": finding.file or "",
        "why": finding.why,
        "link": f"/dashboard/contacts/{finding.id}" if contact else None,
    }


async def audit_page(request: web.Request) -> web.Response:
    require_role(request, "admin")
    day = parse_day(request.query.get("date"))
    content = request.config_dict[keys.CONTENT]
    # The officers' corrections as they are now.
    async with request.config_dict[keys.SESSIONS]() as db:
        overrides = await load_overrides(db)
    findings = audit_content(content, day, merged(content.contacts, overrides))
    counts = count_findings(findings)
    groups = [
        {
            "kind": kind,
            "title": KIND_TITLES[kind],
            "count": counts[kind],
            "rows": [describe(f, content) for f in findings if f.kind == kind],
        }
        for kind in KINDS
    ]
    return render_page(
        request,
        "audit_content.html",
        day=day.isoformat(),
        day_vn=vn_date(day),
        groups=groups,
        total=len(findings),
    )


def setup(app: web.Application) -> None:
    # /dashboard/audit is the log of officers' actions; this is the content's audit.
    app.router.add_get("/content-audit", audit_page)
