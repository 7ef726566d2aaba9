"""The dialogue's documents: "Tổng hợp ý kiến, kiến nghị của người dân" and a session's minutes.

Both in the Nghị định 30/2020 format of dashboard/documents.py (DOCX; XLSX with the same heading
and table; CSV with the same table), the issuing body and signer from the office settings of the
locality (db/office_settings.py). One table in every format: the question, the asker (masked),
the locality, the topic, the answer, who answered, the date. Citizens' names are masked and
phone numbers removed for everyone; the answered and unanswered counts are stated in each format,
from the same rows. Citizen text is never a formula."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from collections import Counter

from aiohttp import web
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app import keys
from content.loader import Content
from content.localities import locality_name
from dashboard.access import OFFICER_KEY
from dashboard.dialogue import sees_session
from dashboard.documents import OfficialDocument, hide_phones, official_sheet
from dashboard.privacy import mask, mask_name
from db.models import Question
from db.office import Officer
from db.office_settings import Letterhead, load_for_locality, load_for_officer
from db.officers import scope_of
from db.reports import Minutes, QuestionRow, minutes, questions_for_report

TITLE = "Tổng hợp ý kiến, kiến nghị của người dân"
MINUTES_TITLE = "Biên bản đối thoại chính sách"
HEADERS = [
    "Số",
    "Câu hỏi, ý kiến, kiến nghị",
    "Người hỏi",
    "Địa phương",
    "Chủ đề",
    "Nội dung trả lời",
    "Người trả lời",
    "Ngày hỏi",
]
TOPIC_HEADERS = ["Chủ đề", "Số ý kiến", "Đã trả lời", "Chưa trả lời"]
DOCX_WIDTHS_MM = (11, 35, 18, 18, 18, 35, 18, 12)  # 165 mm: the text width of the page
XLSX_WIDTHS = (7, 40, 14, 16, 18, 40, 14, 12)
BOT = "Trợ lý tự động Cầu Nối"
NOT_ANSWERED = "Chưa trả lời"
NOT_RECORDED = "Chưa ghi nhận"
BLANK_LINE = "…" * 40
# What a spreadsheet reads as the start of a formula (OWASP's "CSV injection" list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@dataclasses.dataclass(frozen=True)
class Line:
    """One row of a document's table, as printed: nothing in it names or reaches the citizen."""

    number: int
    text: str
    asker: str
    locality: str
    topic: str
    answer: str
    answerer: str
    asked: str
    answered: bool
    by_bot: bool = False

    def cells(self) -> list[object]:
        return [
            self.number,
            self.text,
            self.asker,
            self.locality,
            self.topic,
            self.answer,
            self.answerer,
            self.asked,
        ]


def _date(value: dt.datetime) -> str:
    return (value + dt.timedelta(hours=7)).strftime("%d/%m/%Y")


def today_vn() -> dt.date:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(hours=7)).date()


def _topic(content: Content, topic: str | None) -> str:
    return content.topics[topic].title if topic in content.topics else "Chưa phân loại"


def printable(text: str | None, row: QuestionRow) -> str:
    """Citizen text as a document prints it: phone numbers removed, the asker's name masked."""
    return mask(hide_phones(text), True, [row.citizen_name])


async def _answered_by(session: AsyncSession, ids: list[int]) -> dict[int, tuple]:
    """For each question: the officer who answered (username), whether the bot did, its entry."""
    if not ids:
        return {}
    query = (
        select(Question.id, Officer.username, Question.answered_by_bot, Question.matched_faq_id)
        .outerjoin(Officer, Officer.id == Question.answered_by)
        .where(Question.id.in_(ids))
    )
    return {qid: (name, bot, faq) for qid, name, bot, faq in (await session.execute(query)).all()}


async def summary_lines(
    session: AsyncSession, content: Content, rows: list[QuestionRow]
) -> list[Line]:
    """The summary's rows: an officer's answer, else the bot's (the entry's answer and source),
    else unanswered."""
    who = await _answered_by(session, [r.id for r in rows])
    lines = []
    for row in sorted(rows, key=lambda r: (_topic(content, r.topic), r.id)):
        officer, bot, faq = who.get(row.id, (None, False, None))
        entry = content.entries.get(faq) if bot and faq else None
        if row.answer:
            line = _line(content, row, printable(row.answer, row), officer or "Cán bộ", True)
        elif entry is not None:
            cited = "; ".join(content.citations(entry))
            answer = entry.answer.strip() + (f" (Nguồn: {cited})" if cited else "")
            line = _line(content, row, answer, BOT, True, by_bot=True)
        else:
            line = _line(content, row, NOT_ANSWERED, "", False)
        lines.append(line)
    return lines


def _line(content, row, answer, answerer, answered, by_bot=False) -> Line:  # type: ignore[no-untyped-def]
    return Line(
        number=row.id,
        text=printable(row.text, row),
        asker=mask_name(row.citizen_name, True),
        locality=locality_name(content, row.locality) or "",
        topic=_topic(content, row.topic),
        answer=answer,
        answerer=answerer,
        asked=_date(row.created_at),
        answered=answered,
        by_bot=by_bot,
    )


async def minutes_lines(session: AsyncSession, content: Content, found: Minutes) -> list[Line]:
    """The minutes' rows: the answer given at the session (and the officer who recorded it)."""
    who = await _answered_by(session, [row.id for row, _ in found.items])
    lines = []
    for row, answer in found.items:
        officer = who.get(row.id, (None,))[0]
        if answer:
            lines.append(_line(content, row, printable(answer, row), officer or "", True))
        else:
            lines.append(_line(content, row, NOT_RECORDED, "", False))
    return lines


def counts_text(lines: list[Line], where: str = "") -> str:
    """The figures every format states, from the same rows."""
    answered = sum(1 for line in lines if line.answered)
    by_bot = sum(1 for line in lines if line.by_bot)
    split = f" (cán bộ: {answered - by_bot}; trợ lý tự động: {by_bot})" if by_bot else ""
    return (
        f"Tổng số: {len(lines)} câu hỏi, ý kiến, kiến nghị; đã trả lời{where}: {answered}{split};"
        f" chưa trả lời: {len(lines) - answered}."
    )


def by_topic(lines: list[Line]) -> list[list[object]]:
    total, answered = Counter(line.topic for line in lines), Counter()
    answered.update(line.topic for line in lines if line.answered)
    return [
        [topic, count, answered[topic], count - answered[topic]]
        for topic, count in sorted(total.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def defuse_csv(value: object) -> object:
    """A cell a spreadsheet would run as a formula gets a leading apostrophe: shown as text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(lines: list[Line], heading: list[str]) -> bytes:
    """The table, after the title and figure lines."""
    out = io.StringIO()
    writer = csv.writer(out)
    for text in heading:
        writer.writerow([defuse_csv(text)])
    writer.writerow(HEADERS)
    for line in lines:
        writer.writerow([defuse_csv(v) for v in line.cells()])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: Excel opens it as UTF-8


def to_xlsx(
    head: Letterhead,
    kind: str,
    name: str,
    summary: str,
    day: dt.date,
    figures: list[str],
    lines: list[Line],
) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Tổng hợp"
    rows = [line.cells() for line in lines]
    official_sheet(sheet, head, kind, name, summary, day, figures, HEADERS, rows, XLSX_WIDTHS)
    topics = book.create_sheet("Theo chủ đề")
    official_sheet(
        topics,
        head,
        kind,
        name,
        summary,
        day,
        figures,
        TOPIC_HEADERS,
        by_topic(lines),
        (40, 14, 14, 14),
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def summary_docx(head: Letterhead, period: str, day: dt.date, lines: list[Line]) -> bytes:
    doc = OfficialDocument(head, "BC", "Báo cáo", TITLE, day)
    doc.paragraph(f"({period})", italic=True, centred=True)
    doc.section("I. TÌNH HÌNH CHUNG")
    doc.paragraph(
        "Câu hỏi, ý kiến, kiến nghị của người dân gửi qua Cầu Nối trong kỳ. " + counts_text(lines)
    )
    doc.section("II. THEO CHỦ ĐỀ")
    doc.table(TOPIC_HEADERS, by_topic(lines), (90, 25, 25, 25))
    doc.section("III. NỘI DUNG Ý KIẾN, KIẾN NGHỊ VÀ TRẢ LỜI")
    doc.table(HEADERS, [line.cells() for line in lines], DOCX_WIDTHS_MM)
    return doc.save()


def _text_lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def minutes_docx(head: Letterhead, found: Minutes, lines: list[Line]) -> bytes:
    s = found.session
    doc = OfficialDocument(head, "BB", "Biên bản", s.title, s.held_on)
    doc.paragraph(f"Thời gian: ngày {s.held_on:%d/%m/%Y}. Địa điểm: {s.place}.")
    doc.section("I. THÀNH PHẦN THAM DỰ")
    doc.paragraph(f"Chủ trì: {s.chair}.")
    attendees = _text_lines(s.attendees)
    for attendee in attendees or [f"Thành phần: {BLANK_LINE}"]:
        doc.paragraph(attendee)
    doc.section("II. NỘI DUNG ĐỐI THOẠI")
    doc.paragraph(counts_text(lines, " tại buổi đối thoại"))
    doc.table(HEADERS, [line.cells() for line in lines], DOCX_WIDTHS_MM)
    doc.section("III. KẾT LUẬN")
    for conclusion in _text_lines(s.conclusions) or [BLANK_LINE, BLANK_LINE]:
        doc.paragraph(conclusion)
    return doc.save()


async def export_questions(  # type: ignore[no-untyped-def]
    session, content, rows, fmt, date_from=None, date_to=None, head=None
) -> tuple[bytes, str]:
    """The summary in `fmt` and its file name; `head` defaults to the national settings."""
    head = head or await load_for_locality(session, content, None)
    lines = await summary_lines(session, content, rows)
    period, day = period_text(date_from, date_to), today_vn()
    name = f"tong-hop-y-kien-kien-nghi.{fmt}"
    figures = [period, counts_text(lines)]
    if fmt == "csv":
        return to_csv(lines, [TITLE, *figures]), name
    if fmt == "xlsx":
        return to_xlsx(head, "BC", "Báo cáo", TITLE, day, figures, lines), name
    return summary_docx(head, period, day, lines), name


async def export_minutes(session, content, found, fmt) -> tuple[bytes, str]:  # type: ignore[no-untyped-def]
    """A session's minutes (DOCX) or its table (CSV, XLSX), with the session locality's
    settings, and the file's name."""
    head = await load_for_locality(session, content, found.session.locality_id)
    lines = await minutes_lines(session, content, found)
    s = found.session
    name = f"bien-ban-doi-thoai-{s.id}.{fmt}"
    figures = [
        f"Ngày {s.held_on:%d/%m/%Y}, tại {s.place}",
        counts_text(lines, " tại buổi đối thoại"),
    ]
    if fmt == "docx":
        return minutes_docx(head, found, lines), name
    if fmt == "csv":
        return to_csv(lines, [f"{MINUTES_TITLE}: {s.title}", *figures]), name
    return to_xlsx(head, "BB", "Biên bản", s.title, s.held_on, figures, lines), name


def _day(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise web.HTTPBadRequest(
            text="Ngày phải có dạng năm-tháng-ngày, ví dụ 2026-11-23."
        ) from exc


def period_text(date_from: dt.date | None, date_to: dt.date | None) -> str:
    if date_from and date_to:
        return f"Từ ngày {date_from:%d/%m/%Y} đến ngày {date_to:%d/%m/%Y}"
    if date_from:
        return f"Từ ngày {date_from:%d/%m/%Y}"
    if date_to:
        return f"Đến ngày {date_to:%d/%m/%Y}"
    return "Toàn bộ thời gian"


async def export(request: web.Request) -> web.Response:
    """A download in the officer's scope, as the pages show it: another locality's session is
    missing (404) as its page is. Names masked and phones removed for every role."""
    fmt = request.query.get("format", "xlsx")
    if fmt not in TYPES:
        raise web.HTTPBadRequest(text="Định dạng phải là csv, xlsx hoặc docx.")
    content = request.config_dict[keys.CONTENT]
    officer = request[OFFICER_KEY]
    session_id = request.query.get("session")
    async with request.config_dict[keys.SESSIONS]() as db:
        if session_id:
            if not session_id.isdigit() or len(session_id) > 9:
                raise web.HTTPBadRequest(text="Số buổi đối thoại không hợp lệ.")
            found = await minutes(db, int(session_id), **scope_of(officer))
            if found is None or not sees_session(officer, found.session):
                raise web.HTTPNotFound()
            data, name = await export_minutes(db, content, found, fmt)
        else:
            date_from, date_to = _day(request.query.get("from")), _day(request.query.get("to"))
            rows = await questions_for_report(db, date_from, date_to, **scope_of(officer))
            head = await load_for_officer(db, content, officer)
            data, name = await export_questions(db, content, rows, fmt, date_from, date_to, head)
    return web.Response(
        body=data,
        content_type=TYPES[fmt].split(";")[0],
        charset="utf-8" if fmt == "csv" else None,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def setup(app: web.Application) -> None:
    app.router.add_get("/export", export)
