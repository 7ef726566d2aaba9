"""Administrative documents as Nghị định 30/2020/NĐ-CP lays them out, in DOCX and XLSX.

`OfficialDocument` builds a DOCX: A4 portrait, margins 20/20/30/15 mm (top, bottom, left, right),
Times New Roman (also in the East Asian and complex-script slots) at 13-14 pt; the heading table
(the issuing body in capitals over the number line "Số: …/BB-UBND" on the left, "CỘNG HÒA XÃ HỘI
CHỦ NGHĨA VIỆT NAM" and "Độc lập - Tự do - Hạnh phúc" on the right, the place and date line in
italics under them), the document's name and summary in bold, centred; then sections, paragraphs
and tables; `save()` closes it with "Nơi nhận:" on the left and the signature block on the right.
`official_sheet` lays out an XLSX sheet the same way (A4 page setup, Times New Roman, the heading
rows, the table, recipients and signer). The issuing body and signer are a `Letterhead`
(db/office_settings.py, edited by admins at /dashboard/office). `hide_phones` removes anything
that looks like a phone number from citizen text: documents never print one."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Sequence

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from db.office_settings import Letterhead

FONT = "Times New Roman"
BODY_PT = 13
TITLE_PT = 14
PAGE_MM = (210, 297)  # A4, portrait
MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}
TEXT_WIDTH_MM = PAGE_MM[0] - MARGINS_MM["left"] - MARGINS_MM["right"]  # 165
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
PHONE_HIDDEN = "[số điện thoại đã ẩn]"
# A Vietnamese phone number however it is written: 0 or (+)84, then 9-10 digits, with spaces,
# dots or dashes between them ("0912 345 678", "+84.912.345.678", "0297-3830-123").
PHONE_LIKE = re.compile(r"(?<![\d.,])(?:\(?\+?84\)?[\s.\-]?|0)\d(?:[\s.\-]?\d){8,9}(?!\d)")


def hide_phones(text: str | None) -> str:
    """Citizen text with every phone-like number replaced: documents never print one."""
    return PHONE_LIKE.sub(PHONE_HIDDEN, text or "")


def date_line(place: str, day: dt.date) -> str:
    """ "Hòn Tre, ngày 05 tháng 02 năm 2026": days below 10 and months 1 and 2 take a zero."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def _fonts(element, size: float | None = None) -> None:  # type: ignore[no-untyped-def]
    """Times New Roman in every font slot of a run or style (Word picks the East Asian slot
    for some Vietnamese text), at `size`."""
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), FONT)
    if size is not None:
        for tag in ("w:sz", "w:szCs"):
            node = rpr.find(qn(tag))
            if node is None:
                node = OxmlElement(tag)
                rpr.append(node)
            node.set(qn("w:val"), str(int(size * 2)))


def _no_borders(table) -> None:  # type: ignore[no-untyped-def]
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        node = OxmlElement(f"w:{edge}")
        node.set(qn("w:val"), "nil")
        borders.append(node)
    table._tbl.tblPr.append(borders)


def _rule(paragraph, cell_mm: float, line_mm: float) -> None:  # type: ignore[no-untyped-def]
    """A short centred line under a heading: a bottom border, indented to `line_mm` long."""
    side = Mm(max((cell_mm - line_mm) / 2, 0))
    paragraph.paragraph_format.left_indent = side
    paragraph.paragraph_format.right_indent = side
    ppr = paragraph._p.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    border.append(bottom)
    ppr.append(border)


def _grid(table, widths_mm: Sequence[float]) -> None:  # type: ignore[no-untyped-def]
    """The columns' widths in the table's grid too (LibreOffice reads the grid, Word the cells)."""
    for column, width in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(width)


def _repeat_header(row) -> None:  # type: ignore[no-untyped-def]
    """The table's header row printed again at the top of each page."""
    trpr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    trpr.append(header)


class OfficialDocument:
    """One document: `section`, `paragraph` and `table` add the content, `save` closes it with
    the recipients and the signature and returns the DOCX."""

    def __init__(
        self,
        letterhead: Letterhead,
        kind: str,
        name: str,
        summary: str | None,
        day: dt.date,
    ) -> None:
        """`kind` is the type's abbreviation in the number line ("BB" biên bản, "BC" báo cáo),
        `name` the type in capitals ("BIÊN BẢN"), `summary` what it is about (trích yếu)."""
        self.letterhead = letterhead
        self.doc = Document()
        self._page()
        self._heading(kind, day)
        self._line(name.upper(), bold=True, size=TITLE_PT, before=12)
        if summary:
            self._line(summary, bold=True, size=TITLE_PT, after=12)
        self._closed = False

    def _page(self) -> None:
        section = self.doc.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
        section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
        section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
        for style_name in ("Normal", "Table Grid"):
            style = self.doc.styles[style_name]
            style.font.name = FONT
            style.font.size = Pt(BODY_PT)
            _fonts(style.element, BODY_PT)
        defaults = self.doc.styles.element.find(qn("w:docDefaults"))
        if defaults is not None:  # text outside any style falls back on these
            rpr = defaults.find(qn("w:rPrDefault") + "/" + qn("w:rPr"))
            if rpr is not None:
                fonts = rpr.find(qn("w:rFonts"))
                if fonts is not None:
                    for key in list(fonts.attrib):
                        del fonts.attrib[key]
                    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
                        fonts.set(qn(slot), FONT)

    @staticmethod
    def _run(paragraph, text: str, size: float, bold=False, italic=False):  # type: ignore[no-untyped-def]
        run = paragraph.add_run(text)
        run.bold, run.italic = bold, italic
        run.font.name, run.font.size = FONT, Pt(size)
        _fonts(run._r, size)
        return run

    @staticmethod
    def _spacing(paragraph, before: float = 0, after: float = 0) -> None:  # type: ignore[no-untyped-def]
        fmt = paragraph.paragraph_format
        fmt.space_before, fmt.space_after, fmt.line_spacing = Pt(before), Pt(after), 1.0

    def _cell_line(self, cell, text, size=BODY_PT, bold=False, italic=False, first=False):  # type: ignore[no-untyped-def]
        paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        self._spacing(paragraph)
        self._run(paragraph, text, size, bold, italic)
        return paragraph

    def _heading(self, kind: str, day: dt.date) -> None:
        head = self.letterhead
        widths = (60, TEXT_WIDTH_MM - 60)
        table = self.doc.add_table(rows=1, cols=2)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        _no_borders(table)
        left, right = table.rows[0].cells
        _grid(table, widths)
        for cell, width in zip((left, right), widths, strict=True):
            cell.width = Mm(width)
        first = True
        if head.superior_body:
            self._cell_line(left, head.superior_body.upper(), first=True)
            first = False
        body = self._cell_line(left, head.issuing_body.upper(), bold=True, first=first)
        _rule(self._cell_line(left, ""), widths[0], 20)
        body.paragraph_format.keep_with_next = True
        self._cell_line(left, head.number_line(kind))
        self._cell_line(right, NATION, bold=True, first=True)
        self._cell_line(right, MOTTO, size=TITLE_PT, bold=True)
        _rule(self._cell_line(right, ""), widths[1], 62)
        self._cell_line(right, date_line(head.place, day), size=TITLE_PT, italic=True)

    def _line(self, text: str, bold=False, size=BODY_PT, before=0.0, after=0.0) -> None:  # type: ignore[no-untyped-def]
        paragraph = self.doc.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        self._spacing(paragraph, before, after)
        self._run(paragraph, text, size, bold)

    def section(self, title: str) -> None:
        """A section heading ("I. THÀNH PHẦN THAM DỰ"): bold, at the left margin."""
        paragraph = self.doc.add_paragraph()
        self._spacing(paragraph, before=6, after=6)
        paragraph.paragraph_format.keep_with_next = True
        self._run(paragraph, title, BODY_PT, bold=True)

    def paragraph(self, text: str, bold: bool = False, italic: bool = False, centred: bool = False):  # type: ignore[no-untyped-def]
        """Body text: justified, first line indented 1.27 cm, 6 pt after (or centred)."""
        paragraph = self.doc.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if centred else WD_ALIGN_PARAGRAPH.JUSTIFY
        self._spacing(paragraph, after=6)
        if not centred:
            paragraph.paragraph_format.first_line_indent = Mm(12.7)
        self._run(paragraph, text, BODY_PT, bold, italic)
        return paragraph

    def table(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[object]],
        widths_mm: Sequence[float] | None = None,
    ):  # type: ignore[no-untyped-def]
        """A bordered table: bold centred headers repeated on each page, one row per item."""
        table = self.doc.add_table(rows=1, cols=len(headers))
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        widths = list(widths_mm or [TEXT_WIDTH_MM / len(headers)] * len(headers))
        _grid(table, widths)
        for cell, header, width in zip(table.rows[0].cells, headers, widths, strict=True):
            cell.width = Mm(width)
            paragraph = cell.paragraphs[0]
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            self._spacing(paragraph)
            self._run(paragraph, header, BODY_PT, bold=True)
        _repeat_header(table.rows[0])
        for values in rows:
            cells = table.add_row().cells
            for cell, value, width in zip(cells, values, widths, strict=True):
                cell.width = Mm(width)
                paragraph = cell.paragraphs[0]
                self._spacing(paragraph)
                self._run(paragraph, "" if value is None else str(value), BODY_PT)
        self.doc.add_paragraph()  # Word joins two tables that touch
        return table

    def _closing(self) -> None:
        head = self.letterhead
        table = self.doc.add_table(rows=1, cols=2)
        table.autofit = False
        _no_borders(table)
        left, right = table.rows[0].cells
        _grid(table, (70, TEXT_WIDTH_MM - 70))
        left.width, right.width = Mm(70), Mm(TEXT_WIDTH_MM - 70)
        paragraph = left.paragraphs[0]
        self._spacing(paragraph, before=12)
        self._run(paragraph, "Nơi nhận:", 12, bold=True, italic=True)
        for line in head.recipients:
            paragraph = left.add_paragraph()
            self._spacing(paragraph)
            self._run(paragraph, line if line.startswith("-") else f"- {line}", 11)
        first = True
        if head.signer_authority:
            self._cell_line(right, head.signer_authority.upper(), bold=True, first=True)
            right.paragraphs[0].paragraph_format.space_before = Pt(12)
            first = False
        self._cell_line(right, head.signer_title.upper(), bold=True, first=first)
        for _ in range(4):  # room for the signature and the seal
            self._cell_line(right, "")
        self._cell_line(right, head.signer_name, size=TITLE_PT, bold=True)

    def save(self) -> bytes:
        if not self._closed:
            self._closing()
            self._closed = True
        out = io.BytesIO()
        self.doc.save(out)
        return out.getvalue()


# XLSX: the same page and heading on a sheet.

EDGE = Side(style="thin", color="000000")
GRID = Border(left=EDGE, right=EDGE, top=EDGE, bottom=EDGE)


def _inch(mm: float) -> float:
    return round(mm / 25.4, 4)


def _put(sheet: Worksheet, row: int, first: int, last: int, text: str, **font) -> None:  # type: ignore[no-untyped-def]
    """`text` in row `row`, merged over columns first..last, centred, in Times New Roman."""
    cell = sheet.cell(row=row, column=first, value=text)
    cell.data_type = "s"
    cell.font = Font(name=FONT, size=font.pop("size", BODY_PT), **font)
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    if last > first:
        sheet.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)


def official_sheet(
    sheet: Worksheet,
    letterhead: Letterhead,
    kind: str,
    name: str,
    summary: str | None,
    day: dt.date,
    lines: Sequence[str],
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    widths: Sequence[float],
) -> int:
    """Lays out a whole document on `sheet`: the A4 page set up (portrait, fitted to the page's
    width, margins as in the DOCX, the header row repeated), the heading rows, `name` and
    `summary`, the `lines` (figures), the table (text cells stored as text, never formulas),
    then "Nơi nhận" and the signer. Returns the table's header row number."""
    columns = len(headers)
    split = max(2, columns // 3)  # the issuing body's columns; the motto takes the rest
    head = letterhead
    row = 1
    if head.superior_body:
        _put(sheet, row, 1, split, head.superior_body.upper())
    _put(sheet, row, split + 1, columns, NATION, bold=True)
    row += 1
    _put(sheet, row, 1, split, head.issuing_body.upper(), bold=True)
    _put(sheet, row, split + 1, columns, MOTTO, bold=True, size=TITLE_PT)
    row += 1
    _put(sheet, row, 1, split, head.number_line(kind))
    _put(sheet, row, split + 1, columns, date_line(head.place, day), italic=True, size=TITLE_PT)
    row += 2
    _put(sheet, row, 1, columns, name.upper(), bold=True, size=TITLE_PT)
    if summary:
        row += 1
        _put(sheet, row, 1, columns, summary, bold=True, size=TITLE_PT)
    row += 1
    for line in lines:
        row += 1
        _put(sheet, row, 1, columns, line)
        sheet.cell(row=row, column=1).alignment = Alignment(horizontal="left", wrap_text=True)
    row += 2
    header_row = row
    for column, header in enumerate(headers, 1):
        cell = sheet.cell(row=row, column=column, value=header)
        cell.font = Font(name=FONT, size=BODY_PT, bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = GRID
    for values in rows:
        row += 1
        for column, value in enumerate(values, 1):
            cell = sheet.cell(row=row, column=column, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # citizen text never runs as a formula
            cell.font = Font(name=FONT, size=BODY_PT)
            cell.alignment = Alignment(vertical="top", wrap_text=True)
            cell.border = GRID
    row += 2
    _put(sheet, row, 1, split, "Nơi nhận:", bold=True, italic=True, size=12)
    sheet.cell(row=row, column=1).alignment = Alignment(horizontal="left")
    signer = [head.signer_authority, head.signer_title]
    for offset, line in enumerate(s for s in signer if s):
        _put(sheet, row + offset, split + 1, columns, line.upper(), bold=True)
    for offset, line in enumerate(head.recipients, 1):
        text = line if line.startswith("-") else f"- {line}"
        _put(sheet, row + offset, 1, split, text, size=11)
        sheet.cell(row=row + offset, column=1).alignment = Alignment(horizontal="left")
    _put(sheet, row + 6, split + 1, columns, head.signer_name, bold=True, size=TITLE_PT)
    for column, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    _page_setup(sheet, header_row)
    return header_row


def _page_setup(sheet: Worksheet, header_row: int) -> None:
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = sheet.ORIENTATION_PORTRAIT
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    margins = sheet.page_margins
    margins.top, margins.bottom = _inch(MARGINS_MM["top"]), _inch(MARGINS_MM["bottom"])
    margins.left, margins.right = _inch(MARGINS_MM["left"]), _inch(MARGINS_MM["right"])
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.print_options.horizontalCentered = True
