"""The communication report's figures as rows, an XLSX sheet, a DOCX and a server-drawn chart."""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from html import escape

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from content.loader import Content
from db.reports import Figures, Period, place_name

TITLE = "Báo cáo kết quả công tác truyền thông giảm nghèo"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TYPES = {"docx": DOCX, "xlsx": XLSX}


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


def scope_text(f: Figures) -> str:
    return f"Địa bàn: {f.place}" if f.place else "Địa bàn: tất cả các địa phương"


def sections(f: Figures) -> list[tuple[str, list[Line]]]:
    """The report's figures, section by section, as every format states them."""

    def breakdown(pairs: list[tuple[str, int]]) -> list[Line]:
        return [Line(name, n, True) for name, n in pairs]

    return [
        (
            "1. Câu hỏi, ý kiến của người dân",
            [
                Line("Số câu hỏi nhận được", f.received),
                Line("Theo kênh", ""),
                *breakdown(f.by_channel),
                Line("Theo chủ đề", ""),
                *breakdown(f.by_topic),
                Line("Theo địa phương", ""),
                *breakdown(f.by_locality),
            ],
        ),
        (
            "2. Kết quả trả lời (tính đến hết kỳ báo cáo)",
            [
                Line("Bot trả lời tự động", f.by_bot),
                Line("Cán bộ đã trả lời", f.by_officers),
                Line("Chưa trả lời (đang chờ cán bộ)", f.still_open),
                Line("Không cần cán bộ trả lời (ngoài phạm vi, đã đóng)", f.no_officer_needed),
                Line("Thời gian cán bộ trả lời (trung vị)", duration_text(f.median_answer)),
            ],
        ),
        (
            "3. Người dân được tiếp cận",
            [
                Line("Số người dân đã nhắn tin", f.citizens),
                Line("Số người đăng ký nhận thông báo (cuối kỳ)", f.subscribers),
            ],
        ),
        (
            "4. Thông báo đã gửi",
            [
                Line("Số thông báo", f.announcements),
                Line("Lượt người dân đã nhận", f.delivered, True),
                Line("Lượt gửi không được", f.failed, True),
                Line("Lượt không liên lạc được (đã chặn hoặc rời kênh)", f.unreachable, True),
                Line("Lượt đang chờ gửi", f.waiting, True),
            ],
        ),
        (
            "5. Bản tin và âm thanh",
            [
                Line("Số bản tin phát thanh đã làm", f.bulletins),
                Line("Số clip âm thanh đã làm", f.clips),
                Line("Lời đọc thông báo", f.announcement_clips, True),
                Line("Bản ghi âm cán bộ tải lên", f.recordings, True),
            ],
        ),
        (
            "6. Người dân tự kiểm tra diện hỗ trợ",
            [
                Line("Số lượt tự kiểm tra", f.self_checks),
                Line("Số kết quả người dân đồng ý lưu cho cán bộ", f.self_checks_saved, True),
            ],
        ),
    ]


def file_name(f: Figures, fmt: str, code: str | None) -> str:
    """ "bao-cao-thang-2026-11-kien-hai.docx", "bao-cao-2026-01-01-den-2026-06-30.xlsx"."""
    p = f.period
    when = f"thang-{p.start:%Y-%m}" if p.monthly else f"{p.start:%Y-%m-%d}-den-{p.last:%Y-%m-%d}"
    where = f"-{re.sub(r'[^a-z0-9-]', '', code.lower())}" if code else ""
    return f"bao-cao-{when}{where}.{fmt}"


def to_xlsx(f: Figures) -> bytes:
    """One sheet of the figures, set up to print on A4."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Báo cáo"
    sheet.append([title_of(f.period).upper()])
    sheet.append([scope_text(f)])
    sheet.append([])
    sheet["A1"].font = Font(name="Times New Roman", size=13, bold=True)
    for heading, lines in sections(f):
        sheet.append([heading])
        sheet.cell(sheet.max_row, 1).font = Font(name="Times New Roman", size=13, bold=True)
        for line in lines:
            sheet.append([("    " if line.sub else "") + line.label, line.value])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if not cell.font.bold:
                cell.font = Font(name="Times New Roman", size=13)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions["A"].width = 62
    sheet.column_dimensions["B"].width = 20
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "portrait"
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_margins.left, sheet.page_margins.right = 30 / 25.4, 15 / 25.4
    sheet.page_margins.top, sheet.page_margins.bottom = 20 / 25.4, 20 / 25.4
    sheet.print_title_rows = "1:1"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


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


async def to_docx(session, f: Figures, code: str | None) -> bytes:  # type: ignore[no-untyped-def]
    """The report as a document (until the ND 30 builder is in: a plain one)."""
    from docx import Document

    doc = Document()
    doc.add_paragraph(title_of(f.period).upper())
    doc.add_paragraph(scope_text(f))
    for heading, lines in sections(f):
        doc.add_paragraph(heading)
        table = doc.add_table(rows=0, cols=2)
        for line in lines:
            cells = table.add_row().cells
            cells[0].text, cells[1].text = line.label, str(line.value)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
