"""The communication report's figures as rows, an XLSX sheet, a DOCX and a server-drawn chart."""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from html import escape

from openpyxl import Workbook
from openpyxl.styles import Font

from content.loader import Content
from dashboard.documents import BODY_PT, FONT, OfficialDocument, official_sheet
from db.office_settings import load_for_locality
from db.reports import Figures, Period, place_name

TITLE = "Báo cáo kết quả công tác truyền thông giảm nghèo"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TYPES = {"docx": DOCX, "xlsx": XLSX}
DOCX_HEADERS = ("Nội dung", "Đơn vị tính", "Số liệu")
XLSX_HEADERS = ("TT", *DOCX_HEADERS)
ROMAN = ("I", "II", "III", "IV", "V", "VI")
PERIOD_NOTE = "Kỳ báo cáo: {period} (theo giờ Việt Nam)."
NOTE = (
    "Ghi chú: câu hỏi tính theo ngày người dân gửi trong kỳ; kết quả trả lời tính đến hết ngày "
    "cuối kỳ. Người đăng ký nhận thông báo là những người còn đăng ký, đã đăng ký trước khi hết "
    "kỳ. Lượt tự kiểm tra là số lần người dân mở phần tự kiểm tra diện hỗ trợ."
)


class ReportInputError(ValueError):
    """A month, a date or a locality that cannot be reported on; the message is Vietnamese."""


def month_period(value: str) -> Period:
    """ "2026-11" as that month."""
    found = re.fullmatch(r"(\d{4})-(\d{2})", value.strip())
    if not found or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 2000:
        raise ReportInputError(
            f"Tháng “{value[:20]}” không hợp lệ: hãy ghi năm-tháng, ví dụ 2026-11."
        )
    return Period.month(int(found.group(1)), int(found.group(2)))


def _day(value: str, which: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ReportInputError(
            f"Ngày {which} “{value[:20]}” không hợp lệ: hãy ghi năm-tháng-ngày, ví dụ 2026-06-30."
        ) from None


def days_period(first: str, last: str) -> Period:
    """From `first` to `last`, both days included."""
    start, end = _day(first, "bắt đầu"), _day(last, "kết thúc")
    if end < start:
        raise ReportInputError("Ngày kết thúc phải từ ngày bắt đầu trở đi.")
    return Period(start, end + dt.timedelta(days=1))


def check_locality(content: Content, code: str | None) -> str | None:
    """The locality code to report on (None: everywhere); unknown codes are refused."""
    code = (code or "").strip()
    if not code:
        return None
    if place_name(content, code) is None:
        raise ReportInputError(
            f"Không tìm thấy địa phương “{code[:64]}”. Hãy ghi mã địa phương của nội dung (ví dụ "
            "kien-hai), mã tỉnh, thành phố dạng p:91 hoặc mã xã, phường dạng w:12345."
        )
    return code


@dataclass(frozen=True)
class Line:
    label: str
    value: int | str
    unit: str = ""  # "câu hỏi", "người", "lượt"…
    sub: bool = False  # a breakdown of the line above it


def duration_text(value: dt.timedelta | None) -> str:
    """ "2 ngày 3 giờ", "5 giờ 20 phút", "45 phút"; "chưa có" without a value."""
    if value is None:
        return "chưa có"
    minutes = round(value.total_seconds() / 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} ngày {hours} giờ" if hours else f"{days} ngày"
    if hours:
        return f"{hours} giờ {minutes} phút" if minutes else f"{hours} giờ"
    return f"{minutes} phút"


def title_of(period: Period) -> str:
    return f"{TITLE} {period.title}"


def summary_of(period: Period) -> str:
    """The title after "Báo cáo" (trích yếu): "Kết quả công tác … tháng 11/2026"."""
    return f"Kết quả công tác truyền thông giảm nghèo {period.title}"


def today_vn() -> dt.date:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(hours=7)).date()


def scope_text(f: Figures) -> str:
    return f"Địa bàn: {f.place}" if f.place else "Địa bàn: tất cả các địa phương"


def sections(f: Figures) -> list[tuple[str, list[Line]]]:
    """The report's figures, section by section ("I", "II"… before each), in every format."""
    q = "câu hỏi"

    def each(title: str, pairs: list[tuple[str, int]]) -> list[Line]:
        return [Line(title, ""), *(Line(name, n, q, True) for name, n in pairs)]

    named = [
        (
            "Câu hỏi, ý kiến của người dân",
            [
                Line("Số câu hỏi nhận được", f.received, q),
                *each("Theo kênh", f.by_channel),
                *each("Theo chủ đề", f.by_topic),
                *each("Theo địa phương", f.by_locality),
            ],
        ),
        (
            "Kết quả trả lời (tính đến hết kỳ báo cáo)",
            [
                Line("Bot trả lời tự động", f.by_bot, q),
                Line("Cán bộ đã trả lời", f.by_officers, q),
                Line("Chưa trả lời (đang chờ cán bộ)", f.still_open, q),
                Line("Không cần cán bộ trả lời (ngoài phạm vi, đã đóng)", f.no_officer_needed, q),
                Line("Thời gian cán bộ trả lời (trung vị)", duration_text(f.median_answer)),
            ],
        ),
        (
            "Người dân được tiếp cận",
            [
                Line("Số người dân đã nhắn tin", f.citizens, "người"),
                Line("Số người đăng ký nhận thông báo (cuối kỳ)", f.subscribers, "người"),
            ],
        ),
        (
            "Thông báo đã gửi",
            [
                Line("Số thông báo", f.announcements, "thông báo"),
                Line("Lượt người dân đã nhận", f.delivered, "lượt", True),
                Line("Lượt gửi không được", f.failed, "lượt", True),
                Line(
                    "Lượt không liên lạc được (đã chặn hoặc rời kênh)", f.unreachable, "lượt", True
                ),
                Line("Lượt đang chờ gửi", f.waiting, "lượt", True),
            ],
        ),
        (
            "Bản tin và âm thanh",
            [
                Line("Số bản tin phát thanh đã làm", f.bulletins, "bản tin"),
                Line("Số clip âm thanh đã làm", f.clips, "clip"),
                Line("Lời đọc thông báo", f.announcement_clips, "clip", True),
                Line("Bản ghi âm cán bộ tải lên", f.recordings, "clip", True),
            ],
        ),
        (
            "Người dân tự kiểm tra diện hỗ trợ",
            [
                Line("Số lượt tự kiểm tra", f.self_checks, "lượt"),
                Line(
                    "Số kết quả người dân đồng ý lưu cho cán bộ",
                    f.self_checks_saved,
                    "kết quả",
                    True,
                ),
            ],
        ),
    ]
    return [(f"{n}. {title}", lines) for n, (title, lines) in zip(ROMAN, named, strict=True)]


def file_name(f: Figures, fmt: str, code: str | None) -> str:
    """ "bao-cao-thang-2026-11-kien-hai.docx", "bao-cao-2026-01-01-den-2026-06-30.xlsx"."""
    p = f.period
    when = f"thang-{p.start:%Y-%m}" if p.monthly else f"{p.start:%Y-%m-%d}-den-{p.last:%Y-%m-%d}"
    where = f"-{re.sub(r'[^a-z0-9-]', '', code.lower())}" if code else ""
    return f"bao-cao-{when}{where}.{fmt}"


def _rows(f: Figures) -> list[tuple[str, str, str, object]]:
    """The table's rows: a section's numeral and heading, then its figures with their units."""
    rows: list[tuple[str, str, str, object]] = []
    for heading, lines in sections(f):
        number, title = heading.split(". ", 1)
        rows.append((number, title.upper(), "", ""))
        rows += [("", ("- " if x.sub else "") + x.label, x.unit, x.value) for x in lines]
    return rows


async def _heading(session, content: Content, code: str | None):  # type: ignore[no-untyped-def]
    """The letterhead of the report's locality (its province's, or the national one, as set)."""
    return await load_for_locality(session, content, code)


async def to_xlsx(session, content: Content, f: Figures, code: str | None) -> bytes:  # type: ignore[no-untyped-def]
    """One sheet: the ND 30 heading, the figures as a table, the signer; A4."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Báo cáo"
    head = await _heading(session, content, code)
    lines = [scope_text(f), PERIOD_NOTE.format(period=f.period.title)]
    rows = _rows(f)
    header = official_sheet(
        sheet,
        head,
        "BC",
        "Báo cáo",
        summary_of(f.period),
        today_vn(),
        lines,
        XLSX_HEADERS,
        rows,
        (7, 52, 14, 14),
    )
    for offset, row in enumerate(rows, 1):
        if row[0]:  # a section's heading
            for column in (1, 2):
                sheet.cell(header + offset, column).font = Font(name=FONT, size=BODY_PT, bold=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def to_docx(session, content: Content, f: Figures, code: str | None) -> bytes:  # type: ignore[no-untyped-def]
    """The report in the ND 30/2020 format: heading, title, the figures section by section,
    recipients and signer."""
    head = await _heading(session, content, code)
    doc = OfficialDocument(head, "BC", "Báo cáo", summary_of(f.period), today_vn())
    doc.paragraph(f"({scope_text(f)})", italic=True, centred=True)
    doc.paragraph(
        "Thực hiện chế độ báo cáo định kỳ, kết quả công tác truyền thông giảm nghèo qua Cầu Nối "
        f"{f.period.title} như sau:"
    )
    for heading, lines in sections(f):
        number, title = heading.split(". ", 1)
        doc.section(f"{number}. {title.upper()}")
        doc.table(
            DOCX_HEADERS,
            [(("- " if x.sub else "") + x.label, x.unit, x.value) for x in lines],
            (105, 30, 30),
        )
    doc.paragraph(NOTE, italic=True)
    return doc.save()


def bar_chart(pairs: list[tuple[str, int]], label: str) -> str:
    """Horizontal bars drawn on the server as SVG (no script, no inline style)."""
    top = max((v for _, v in pairs), default=0) or 1
    row, left, width = 26, 250, 360
    height = row * max(len(pairs), 1) + 4
    parts = [
        f'<svg viewBox="0 0 {left + width + 60} {height}" role="img" class="chart" '
        f'aria-label="{escape(label)}">'
    ]
    for i, (name, value) in enumerate(pairs):
        y = i * row + 4
        shown = name if len(name) <= 38 else name[:37] + "…"
        w = round(value / top * width)
        parts.append(
            f'<text x="{left - 8}" y="{y + 15}" text-anchor="end" font-size="13">'
            f"<title>{escape(name)}</title>{escape(shown)}</text>"
            f'<rect x="{left}" y="{y}" width="{w}" height="{row - 8}" fill="#0b5d3b"/>'
            f'<text x="{left + w + 6}" y="{y + 15}" font-size="13">{value}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
