"""Exports for the policy dialogue: the citizens' questions by topic, and session minutes.

"Tổng hợp câu hỏi, ý kiến, kiến nghị của người dân" grouped by topic (CSV, XLSX, DOCX), and the
minutes of a session. Built with openpyxl and python-docx. `masked` exports (a viewer's) hide
citizens' phones and names; citizen text is never a formula."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from collections import defaultdict

from aiohttp import web
from docx import Document
from docx.shared import Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from app import keys
from content.loader import Content
from dashboard.access import OFFICER_KEY
from dashboard.dialogue import sees_session
from dashboard.privacy import mask, masks_for
from db.officers import scope_of
from db.reports import Minutes, QuestionRow, minutes, questions_for_report

TITLE = "Tổng hợp câu hỏi, ý kiến, kiến nghị của người dân"
# What a spreadsheet reads as the start of a formula (OWASP's "CSV injection" list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HEADERS = ["Số", "Ngày", "Chủ đề", "Câu hỏi, ý kiến", "Kênh", "Địa phương", "Trạng thái", "Trả lời"]


def _date(value: dt.datetime) -> str:
    return (value + dt.timedelta(hours=7)).strftime("%d/%m/%Y")


def _topic(content: Content, topic: str | None) -> str:
    return content.topics[topic].title if topic in content.topics else "Chưa phân loại"


def by_topic(content: Content, rows: list[QuestionRow]) -> list[tuple[str, list[QuestionRow]]]:
    groups: dict[str, list[QuestionRow]] = defaultdict(list)
    for row in rows:
        groups[_topic(content, row.topic)].append(row)
    return sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))


def _said(text: str | None, row: QuestionRow, masked: bool) -> str:
    """Text a citizen wrote or was told, masked for viewers."""
    return mask(text, masked, [row.citizen_name])


def _cells(content: Content, row: QuestionRow, masked: bool) -> list[object]:
    return [
        row.id,
        _date(row.created_at),
        _topic(content, row.topic),
        _said(row.text, row, masked),
        row.channel,
        row.locality or "",
        row.status_label,
        _said(row.answer, row, masked),
    ]


def defuse_csv(value: object) -> object:
    """A cell a spreadsheet would run as a formula gets a leading apostrophe: shown as text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(content: Content, rows: list[QuestionRow], masked: bool = False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for _, group in by_topic(content, rows):
        for row in group:
            writer.writerow([defuse_csv(v) for v in _cells(content, row, masked)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: Excel opens it as UTF-8


def store_as_text(cells) -> None:  # type: ignore[no-untyped-def]
    """openpyxl takes a string starting with "=" for a formula: such cells are stored as
    strings instead, so citizen text never runs in the officer's spreadsheet."""
    for cell in cells:
        if isinstance(cell.value, str):
            cell.data_type = "s"


def to_xlsx(
    content: Content, rows: list[QuestionRow], subtitle: str, masked: bool = False
) -> bytes:
    book = Workbook()
    summary = book.active
    summary.title = "Tổng hợp"
    summary.append([TITLE])
    summary["A1"].font = Font(bold=True, size=14)
    summary.append([subtitle])
    store_as_text(summary[2])
    summary.append([])
    summary.append(["Chủ đề", "Số câu hỏi", "Đã trả lời", "Từ ngày", "Đến ngày"])
    for cell in summary[4]:
        cell.font = Font(bold=True)
    for title, group in by_topic(content, rows):
        answered = sum(1 for r in group if r.answer)
        summary.append(
            [
                title,
                len(group),
                answered,
                _date(min(r.created_at for r in group)),
                _date(max(r.created_at for r in group)),
            ]
        )
    summary.append(["Tổng cộng", len(rows), sum(1 for r in rows if r.answer)])
    summary.column_dimensions["A"].width = 45
    detail = book.create_sheet("Chi tiết")
    detail.append(HEADERS)
    for cell in detail[1]:
        cell.font = Font(bold=True)
    for _, group in by_topic(content, rows):
        for row in group:
            detail.append(_cells(content, row, masked))
            store_as_text(detail[detail.max_row])
    for column, width in zip("ABCDEFGH", (7, 12, 30, 60, 10, 16, 16, 60), strict=True):
        detail.column_dimensions[column].width = width
    for line in detail.iter_rows(min_row=2):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_docx(
    content: Content, rows: list[QuestionRow], subtitle: str, masked: bool = False
) -> bytes:
    doc = Document()
    doc.styles["Normal"].font.name = "Times New Roman"
    doc.styles["Normal"].font.size = Pt(13)
    doc.add_heading(TITLE, level=1)
    doc.add_paragraph(subtitle)
    doc.add_paragraph(
        f"Tổng số: {len(rows)} câu hỏi, ý kiến; đã trả lời: {sum(1 for r in rows if r.answer)}."
    )
    for title, group in by_topic(content, rows):
        doc.add_heading(f"{title} ({len(group)})", level=2)
        for row in group:
            p = doc.add_paragraph(style="List Number")
            p.add_run(_said(row.text, row, masked)).bold = False
            p.add_run(f" ({_date(row.created_at)}, {row.status_label})").italic = True
            if row.answer:
                doc.add_paragraph(f"Trả lời: {_said(row.answer, row, masked)}")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def minutes_docx(content: Content, minutes: Minutes, masked: bool = False) -> bytes:
    s = minutes.session
    doc = Document()
    doc.styles["Normal"].font.name = "Times New Roman"
    doc.styles["Normal"].font.size = Pt(13)
    doc.add_heading(f"Biên bản: {s.title}", level=1)
    doc.add_paragraph(f"Thời gian: {s.held_on:%d/%m/%Y}. Địa điểm: {s.place}. Chủ trì: {s.chair}.")
    doc.add_paragraph(f"Số câu hỏi, ý kiến đưa ra đối thoại: {len(minutes.items)}.")
    for number, (row, answer) in enumerate(minutes.items, 1):
        doc.add_heading(f"{number}. {_topic(content, row.topic)}", level=2)
        text = _said(row.text, row, masked)
        doc.add_paragraph(f"Câu hỏi (số {row.id}, {_date(row.created_at)}): {text}")
        said = _said(answer, row, masked) if answer else "chưa ghi nhận"
        doc.add_paragraph(f"Trả lời tại buổi đối thoại: {said}")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def minutes_rows(minutes: Minutes) -> list[QuestionRow]:
    return [dataclasses.replace(row, answer=answer) for row, answer in minutes.items]


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
        return to_csv(content, rows, masked), name
    if fmt == "xlsx":
        return to_xlsx(content, rows, subtitle, masked), name
    return to_docx(content, rows, subtitle, masked), name


def export_minutes(content, found, fmt, masked=False):  # type: ignore[no-untyped-def]
    """A session's minutes (DOCX) or its table (CSV, XLSX), and the file's name."""
    name = f"doi-thoai-{found.session.id}.{fmt}"
    if fmt == "docx":
        return minutes_docx(content, found, masked), name
    rows = minutes_rows(found)
    subtitle = f"{found.session.title}, ngày {found.session.held_on:%d/%m/%Y}"
    if fmt == "csv":
        return to_csv(content, rows, masked), name
    return to_xlsx(content, rows, subtitle, masked), name


def setup(app: web.Application) -> None:
    app.router.add_get("/export", export)
