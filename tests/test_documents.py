"""The office's documents in the Nghị định 30/2020 format, downloaded through the real routes and
opened: A4, margins, Times New Roman, the national heading and motto, the issuing body and signer
an admin set, the table, no phone number, and the same answered/unanswered counts in every
format; and the admin's settings page (audited, refused to officers and viewers)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile

import pytest
from docx import Document
from docx.shared import Mm
from openpyxl import load_workbook
from sqlalchemy import select

from app import keys
from bot.messages import Address, Inbound, Kind
from dashboard.documents import MOTTO, NATION, PHONE_HIDDEN, date_line, hide_phones
from dashboard.exports import HEADERS
from db.models import Question
from db.office import AuditEntry, Officer
from tests.test_web_dialogue import make_session
from tests.web_client import csrf_of, login, web_client

PASSWORD = "mat-khau-du-dai-1"
NAME = "Nguyễn Thị Lan"
PHONE_DIGITS = "0912345678"
LOAN = f"Tôi là {NAME}, gọi tôi số 0912 345 678 nhé, xin hỏi vay vốn học nghề cho con"
POWER = "Xin hỏi hộ nghèo được hỗ trợ tiền điện mỗi tháng bao nhiêu"
FAQ = "hộ nghèo có được cấp thẻ bảo hiểm y tế không"
OFFICER_ANSWER = "Hộ nghèo được hỗ trợ tiền điện hằng tháng; gia đình liên hệ UBND xã."
SETTINGS = {
    "scope": "kien-hai",
    "superior_body": "UBND tỉnh An Giang",
    "issuing_body": "Ủy ban nhân dân đặc khu Kiên Hải",
    "symbol": "UBND",
    "place": "Kiên Hải",
    "signer_authority": "TM. Ủy ban nhân dân",
    "signer_title": "Chủ tịch",
    "signer_name": "Trần Văn Bình",
    "recipients": "Phòng Văn hóa - Xã hội;\nLưu: VT.",
}
MARGINS = {"top": (20, 25), "bottom": (20, 25), "left": (30, 35), "right": (15, 20)}  # mm
COUNTS = re.compile(r"đã trả lời[^:]*: (\d+).*chưa trả lời: (\d+)")


@pytest.fixture
async def client(settings, knowledge):
    async with web_client(
        settings,
        knowledge,
        officers=(
            ("admin", "admin", None),
            ("kienhai", "officer", "kien-hai"),
            ("xem", "viewer", "kien-hai"),
        ),
        password=PASSWORD,
    ) as c:
        yield c


async def citizen_says(client, user: str, text: str, to_officer: bool = True) -> Question:
    """A Kiên Hải citizen of the web chat (named NAME) writes: to the officers, or to the bot."""
    core = client.server.app[keys.CORE]
    address = Address("web", user)
    await core.handle(Inbound(address, Kind.COMMAND, text="start", display_name=NAME))
    await core.handle(Inbound(address, Kind.BUTTON, payload="loc:kien-hai"))
    if to_officer:
        await core.handle(Inbound(address, Kind.BUTTON, payload="m:ask"))
    await core.handle(Inbound(address, Kind.TEXT, text=text))
    async with client.server.app[keys.SESSIONS]() as db:
        return (await db.execute(select(Question).order_by(Question.id.desc()))).scalars().first()


async def seed(client) -> list[Question]:
    """Three questions: one unanswered (with a phone number in it), one an officer answered,
    one the bot answered. So: answered 2, unanswered 1."""
    loan = await citizen_says(client, "c1", LOAN)
    power = await citizen_says(client, "c2", POWER)
    faq = await citizen_says(client, "c3", FAQ, to_officer=False)
    async with client.server.app[keys.SESSIONS]() as db:
        officer = await db.scalar(select(Officer).where(Officer.username == "kienhai"))
        answered = await db.get(Question, power.id)
        answered.officer_answer, answered.answered_by = OFFICER_ANSWER, officer.id
        answered.answered_at, answered.status = dt.datetime.now(dt.UTC), "da_tra_loi"
        await db.commit()
        bot = await db.get(Question, faq.id)
        assert bot.answered_by_bot and bot.matched_faq_id and bot.officer_answer is None
    return [loan, power, faq]


async def save_settings(client, **changes) -> object:
    token = await csrf_of(client, "/dashboard/office")
    return await client.post(
        "/dashboard/office", data={"csrf": token, **SETTINGS, **changes}, allow_redirects=False
    )


async def download(client, query: str) -> bytes:
    response = await client.get(f"/dashboard/export?{query}")
    assert response.status == 200, await response.text()
    return await response.read()


def docx_text(document) -> str:  # type: ignore[no-untyped-def]
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def check_docx_page_and_fonts(data: bytes) -> Document:
    """A4, ND 30 margins, Times New Roman in every font slot of every run, 11-14 pt (11-12 only
    for "Nơi nhận"); the raw XML holds no phone digits."""
    document = Document(io.BytesIO(data))
    for section in document.sections:
        assert abs(section.page_width - Mm(210)) < Mm(0.5)
        assert abs(section.page_height - Mm(297)) < Mm(0.5)
        assert Mm(20) <= section.top_margin <= Mm(25.1)
        assert Mm(20) <= section.bottom_margin <= Mm(25.1)
        assert Mm(30) <= section.left_margin <= Mm(35.1)
        assert Mm(15) - Mm(0.1) <= section.right_margin <= Mm(20.1)
    normal = document.styles["Normal"]
    assert normal.font.name == "Times New Roman" and normal.font.size.pt in (13, 14)
    runs = [r for p in document.paragraphs for r in p.runs]
    runs += [
        r
        for t in document.tables
        for row in t.rows
        for c in row.cells
        for p in c.paragraphs
        for r in p.runs
    ]
    assert runs
    for run in runs:
        fonts = run._r.rPr.rFonts
        slots = {fonts.get(f"{{{fonts.nsmap['w']}}}{slot}") for slot in ("ascii", "eastAsia", "cs")}
        assert slots == {"Times New Roman"}, run.text
        small = run.text == "Nơi nhận:" or run.text.startswith("- ")
        assert 11 <= run.font.size.pt <= 12 if small else 13 <= run.font.size.pt <= 14, run.text
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("word/document.xml").decode()
    assert "0912" not in xml and PHONE_DIGITS not in xml
    return document


def check_heading(document, kind: str, day: dt.date) -> None:  # type: ignore[no-untyped-def]
    left, right = (c.paragraphs for c in document.tables[0].rows[0].cells)
    left_text = [p.text for p in left]
    assert left_text[0] == "UBND TỈNH AN GIANG"
    assert left_text[1] == "ỦY BAN NHÂN DÂN ĐẶC KHU KIÊN HẢI" and left[1].runs[0].bold
    assert re.fullmatch(rf"Số: +/{kind}-UBND", left_text[-1])
    right_text = [p.text for p in right]
    assert right_text[0] == NATION and right[0].runs[0].bold
    assert right_text[1] == MOTTO and right[1].runs[0].bold
    assert right_text[-1] == date_line("Kiên Hải", day) and right[-1].runs[0].italic


def check_signature(document, signer: str = "TRẦN VĂN BÌNH") -> None:  # type: ignore[no-untyped-def]
    recipients, signature = (c for c in document.tables[-1].rows[0].cells)
    assert recipients.paragraphs[0].text == "Nơi nhận:"
    assert [p.text for p in recipients.paragraphs[1:]] == [
        "- Phòng Văn hóa - Xã hội;",
        "- Lưu: VT.",
    ]
    lines = [p.text for p in signature.paragraphs if p.text]
    assert lines[:2] == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"]
    assert lines[-1].upper() == signer


def counts_in(text: str) -> tuple[int, int]:
    found = COUNTS.search(text)
    assert found, text
    return int(found.group(1)), int(found.group(2))


def vn_today() -> dt.date:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(hours=7)).date()


async def test_the_summary_is_an_nd30_document_in_docx_xlsx_and_csv_with_the_same_counts(client):
    loan, power, faq = await seed(client)
    await login(client, "admin", PASSWORD)
    assert (await save_settings(client)).status == 303
    await login(client, "kienhai", PASSWORD)  # Kiên Hải's officer: Kiên Hải's settings

    data = await download(client, "format=docx")
    document = check_docx_page_and_fonts(data)
    check_heading(document, "BC", vn_today())
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[:2] == ["BÁO CÁO", "Tổng hợp ý kiến, kiến nghị của người dân"]
    assert document.paragraphs[0].runs[0].bold and document.paragraphs[0].alignment == 1
    check_signature(document)
    table = document.tables[2]
    assert [c.text for c in table.rows[0].cells] == HEADERS
    rows = {r.cells[0].text: [c.text for c in r.cells] for r in table.rows[1:]}
    assert sorted(rows) == sorted(str(q.id) for q in (loan, power, faq))
    assert rows[str(loan.id)][1] == hide_phones(LOAN).replace(NAME, "N*** T*** L***")
    assert PHONE_HIDDEN in rows[str(loan.id)][1]
    assert rows[str(loan.id)][2:4] == ["N*** T*** L***", "Huyện Kiên Hải"]
    assert rows[str(loan.id)][4]  # the topic's title
    assert rows[str(loan.id)][5:7] == ["Chưa trả lời", ""]
    assert rows[str(power.id)][5:7] == [OFFICER_ANSWER, "kienhai"]
    assert rows[str(faq.id)][6] == "Trợ lý tự động Cầu Nối" and "Nguồn:" in rows[str(faq.id)][5]
    assert rows[str(loan.id)][7] == f"{vn_today():%d/%m/%Y}"
    text = docx_text(document)
    assert NAME not in text and "0912" not in text
    docx_counts = counts_in(text)
    assert docx_counts == (2, 1)
    assert sum(1 for r in rows.values() if r[5] != "Chưa trả lời") == 2

    book = load_workbook(io.BytesIO(await download(client, "format=xlsx")))
    sheet = book["Tổng hợp"]
    assert int(sheet.page_setup.paperSize) == 9  # A4
    assert sheet.page_setup.orientation == "portrait"
    mm = {side: round(getattr(sheet.page_margins, side) * 25.4, 1) for side in MARGINS}
    assert all(low <= mm[side] <= high for side, (low, high) in MARGINS.items()), mm
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert {c.font.name for c in cells} == {"Times New Roman"}
    assert all(11 <= c.font.size <= 14 for c in cells)
    values = [str(c.value) for c in cells]
    for expected in (NATION, MOTTO, "ỦY BAN NHÂN DÂN ĐẶC KHU KIÊN HẢI", "Trần Văn Bình"):
        assert expected in values, expected
    assert date_line("Kiên Hải", vn_today()) in values and "Số:      /BC-UBND" in values
    grid = [[c.value for c in row] for row in sheet.iter_rows()]
    header = [r[:8] for r in grid].index(HEADERS)
    table_rows = [r for r in grid[header + 1 :] if isinstance(r[0], int)]
    assert sorted(r[0] for r in table_rows) == sorted(q.id for q in (loan, power, faq))
    assert {r[0]: r[5] for r in table_rows}[power.id] == OFFICER_ANSWER
    every = "\n".join(str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row)
    assert "0912" not in every and NAME not in every and PHONE_HIDDEN in every
    assert counts_in(every) == docx_counts

    body = (await download(client, "format=csv")).decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(body)))
    assert len(lines[lines.index(HEADERS) + 1 :]) == 3
    assert "0912" not in body and NAME not in body
    assert counts_in(body) == docx_counts


async def test_the_minutes_hold_attendees_the_table_conclusions_and_the_settings_signer(client):
    loan, power, _ = await seed(client)
    await login(client, "admin", PASSWORD)
    await save_settings(client)
    path = await make_session(
        client,
        title="Đối thoại chính sách giảm nghèo quý IV",
        place="Hội trường UBND đặc khu",
        chair="Ông Trần Văn Bình, Chủ tịch",
        locality="kien-hai",
    )
    token = await csrf_of(client, path)
    await client.post(f"{path}/attach", data={"csrf": token, "questions": f"{loan.id}, {power.id}"})
    page = await (await client.get(path)).text()
    item = re.search(rf'action="{path}/items/(\d+)/answer"', page).group(1)
    await client.post(
        f"{path}/items/{item}/answer",
        data={"csrf": token, "answer": "Con đi học nghề được vay vốn tại Ngân hàng Chính sách."},
    )
    saved = await client.post(
        f"{path}/minutes",
        data={
            "csrf": token,
            "attendees": "Đại diện Mặt trận Tổ quốc\nCác hộ dân thôn 2",
            "conclusions": "Giao Phòng Văn hóa - Xã hội hướng dẫn hồ sơ vay vốn.",
        },
    )
    assert "Đã lưu thành phần tham dự và kết luận" in await saved.text()
    session_id = path.rsplit("/", 1)[1]

    document = check_docx_page_and_fonts(
        await download(client, f"format=docx&session={session_id}")
    )
    check_heading(document, "BB", dt.date(2026, 12, 5))
    check_signature(document)
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[:2] == ["BIÊN BẢN", "Đối thoại chính sách giảm nghèo quý IV"]
    for expected in (
        "I. THÀNH PHẦN THAM DỰ",
        "Chủ trì: Ông Trần Văn Bình, Chủ tịch.",
        "Các hộ dân thôn 2",
        "III. KẾT LUẬN",
        "Giao Phòng Văn hóa - Xã hội hướng dẫn hồ sơ vay vốn.",
    ):
        assert expected in paragraphs, expected
    table = document.tables[1]
    assert [c.text for c in table.rows[0].cells] == HEADERS
    rows = {r.cells[0].text: [c.text for c in r.cells] for r in table.rows[1:]}
    assert rows[str(loan.id)][5].startswith("Con đi học nghề") and rows[str(loan.id)][6] == "admin"
    assert rows[str(power.id)][5] == "Chưa ghi nhận"
    assert NAME not in docx_text(document) and "0912" not in docx_text(document)
    assert counts_in(docx_text(document)) == (1, 1)

    book = load_workbook(io.BytesIO(await download(client, f"format=xlsx&session={session_id}")))
    every = "\n".join(str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row)
    assert counts_in(every) == (1, 1) and "0912" not in every and "BIÊN BẢN" in every
    assert int(book["Tổng hợp"].page_setup.paperSize) == 9  # A4
    audit = await audit_rows(client, "dialogue_minutes")
    assert [a.target for a in audit] == [session_id]
    await login(client, "xem", PASSWORD)  # a viewer reads the minutes' content, changes nothing
    token = await csrf_of(client, path)
    assert "Các hộ dân thôn 2" in await (await client.get(path)).text()
    refused = await client.post(f"{path}/minutes", data={"csrf": token, "attendees": "Không ai"})
    assert refused.status == 403


async def audit_rows(client, action: str) -> list[AuditEntry]:
    async with client.server.app[keys.SESSIONS]() as db:
        query = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        return list((await db.execute(query)).scalars())


async def test_an_admin_edits_the_settings_and_the_next_document_uses_them(client):
    await seed(client)
    await login(client, "admin", PASSWORD)
    page = await client.get("/dashboard/office?scope=kien-hai")
    html = await page.text()
    assert page.status == 200 and 'href="/dashboard/office"' in html  # the menu links it
    assert "chưa có thiết lập riêng" in html

    saved = await save_settings(client)
    assert saved.status == 303
    confirmed = await (await client.get(saved.headers["Location"])).text()
    assert "Đã lưu thiết lập văn bản cho Huyện Kiên Hải" in confirmed
    assert "Trần Văn Bình" in confirmed
    audit = await audit_rows(client, "office_settings_save")
    assert [(a.username, a.target) for a in audit] == [("admin", "kien-hai")]
    assert "signer_name" in audit[0].detail["changed"]

    await save_settings(
        client,
        signer_title="Phó Chủ tịch",
        signer_authority="KT. Chủ tịch",
        signer_name="Lê Thị Hoa",
    )
    await login(client, "kienhai", PASSWORD)
    document = Document(io.BytesIO(await download(client, "format=docx")))
    signature = [p.text for p in document.tables[-1].rows[0].cells[1].paragraphs if p.text]
    assert signature == ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Lê Thị Hoa"]
    assert [a.detail["changed"] for a in await audit_rows(client, "office_settings_save")][1] == [
        "signer_authority",
        "signer_name",
        "signer_title",
    ]

    # Another scope without its own settings takes the national default, here still blank.
    await login(client, "admin", PASSWORD)
    document = Document(io.BytesIO(await download(client, "format=docx")))
    left = [p.text for p in document.tables[0].rows[0].cells[0].paragraphs]
    assert left[0].startswith("ỦY BAN NHÂN DÂN …")


async def test_bad_settings_are_refused_politely_and_nothing_is_saved(client):
    await login(client, "admin", PASSWORD)
    missing = await save_settings(client, issuing_body="  ", signer_name="")
    assert missing.status == 400
    text = await missing.text()
    assert "Hãy điền tên cơ quan ban hành, họ tên người ký." in text
    wrong = await save_settings(client, scope="khong-co")
    assert wrong.status == 400 and "Phạm vi không có trong danh sách" in await wrong.text()
    too_long = await save_settings(client, place="x" * 101)
    assert too_long.status == 400 and "dài quá 100 ký tự" in await too_long.text()
    assert await audit_rows(client, "office_settings_save") == []


async def test_officers_and_viewers_cannot_open_or_change_the_settings(client):
    await login(client, "admin", PASSWORD)
    await save_settings(client)
    for user in ("kienhai", "xem"):
        await login(client, user, PASSWORD)
        assert (await client.get("/dashboard/office")).status == 403
        assert (
            'href="/dashboard/office"' not in await (await client.get("/dashboard/sessions")).text()
        )
        token = await csrf_of(client, "/dashboard/sessions")
        refused = await save_settings_with(client, token, signer_name="Kẻ Mạo Danh")
        assert refused.status == 403
    await login(client, "admin", PASSWORD)
    no_csrf = await client.post("/dashboard/office", data={**SETTINGS, "csrf": "sai"})
    assert no_csrf.status == 403
    page = await (await client.get("/dashboard/office?scope=kien-hai")).text()
    assert "Kẻ Mạo Danh" not in page and "Trần Văn Bình" in page
    assert len(await audit_rows(client, "office_settings_save")) == 1


async def save_settings_with(client, token: str, **changes):  # type: ignore[no-untyped-def]
    return await client.post(
        "/dashboard/office", data={"csrf": token, **SETTINGS, **changes}, allow_redirects=False
    )


def test_phone_like_numbers_are_removed_and_amounts_kept():
    text = "Gọi 0912 345 678, +84 912.345.678 hay 0297-3830-123; vay 100.000.000 đồng năm 2026"
    hidden = hide_phones(text)
    assert hidden.count(PHONE_HIDDEN) == 3
    assert hidden.endswith("; vay 100.000.000 đồng năm 2026")
    assert not re.search(r"\d{3}", hidden.replace("100.000.000", "").replace("2026", ""))


def test_the_date_line_writes_small_days_and_months_with_a_zero():
    assert date_line("Hòn Tre", dt.date(2026, 2, 5)) == "Hòn Tre, ngày 05 tháng 02 năm 2026"
    assert date_line("Hòn Tre", dt.date(2026, 12, 7)) == "Hòn Tre, ngày 07 tháng 12 năm 2026"
    assert date_line("Hòn Tre", dt.date(2026, 3, 15)) == "Hòn Tre, ngày 15 tháng 3 năm 2026"
