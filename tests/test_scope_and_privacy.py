"""Trust in the dashboard's downloads: locality scope on every export and file route, phones
and names masked for viewers in every transcript, no citizen's phone or name in any export (for
any role), and no live formulas in exports."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import select

from app import keys
from bot.messages import Address, Inbound, Kind
from dashboard import exports
from dashboard.documents import PHONE_HIDDEN
from db.models import Question
from db.office_settings import Letterhead
from tests.test_web import PASSWORD
from tests.web_client import csrf_of, login, web_client

NAME = "Nguyễn Thị Lan"
MASKED_NAME = "N*** T*** L***"
PHONE = "0912345678"
MASKED_PHONE = "091****78"
FORMATS = ("csv", "xlsx", "docx")


@pytest.fixture
async def client(settings, knowledge):
    async with web_client(
        settings,
        knowledge,
        officers=(
            ("admin", "admin", None),
            ("kienhai", "officer", "kien-hai"),
            ("longkhanh", "officer", "long-khanh"),
            ("xem", "viewer", None),
        ),
        password=PASSWORD,
    ) as c:
        yield c


async def citizen_asks(
    client,
    user: str,
    text: str,
    locality: str | None = None,
    name: str | None = None,
    kind: Kind = Kind.TEXT,
    media: dict | None = None,
) -> Question:
    """A citizen of the web chat greets the bot (by name, if given) and sends a question."""
    core = client.server.app[keys.CORE]
    address = Address("web", user)
    await core.handle(Inbound(address, Kind.COMMAND, text="start", display_name=name))
    if locality:
        await core.handle(Inbound(address, Kind.BUTTON, payload=f"loc:{locality}"))
    if kind == Kind.TEXT:
        await core.handle(Inbound(address, Kind.BUTTON, payload="m:ask"))
    await core.handle(Inbound(address, kind, text=text, media=media))
    async with client.server.app[keys.SESSIONS]() as db:
        return (await db.execute(select(Question).order_by(Question.id.desc()))).scalars().first()


async def make_session(client, locality: str, question_ids: list[int]) -> int:
    """A dialogue session of `locality`, with these questions, made by whoever is logged in."""
    token = await csrf_of(client, "/dashboard/sessions")
    created = await client.post(
        "/dashboard/sessions",
        allow_redirects=False,
        data={
            "csrf": token,
            "title": "Đối thoại chính sách tháng 12",
            "held_on": "2026-12-05",
            "place": "Hội trường UBND xã",
            "chair": "Chủ tịch UBND xã",
            "locality": locality,
        },
    )
    assert created.status == 303
    path = created.headers["Location"]
    attached = await client.post(
        f"{path}/attach",
        data={"csrf": token, "questions": ", ".join(str(i) for i in question_ids)},
    )
    assert attached.status == 200
    return int(path.rsplit("/", 1)[1])


async def download(client, query: str) -> tuple[int, str]:
    """An export as the text a person would read in it (CSV rows, XLSX cells, DOCX paragraphs)."""
    response = await client.get(f"/dashboard/export?{query}")
    if response.status != 200:
        return response.status, ""
    return 200, text_of(query.split("format=")[1].split("&")[0], await response.read())


def text_of(fmt: str, data: bytes) -> str:
    if fmt == "csv":
        rows = csv.reader(io.StringIO(data.decode("utf-8-sig")))
        return "\n".join("\t".join(row) for row in rows)
    if fmt == "xlsx":
        book = load_workbook(io.BytesIO(data))
        return "\n".join(
            str(cell.value)
            for sheet in book.worksheets
            for row in sheet.iter_rows()
            for cell in row
            if cell.value is not None
        )
    document = Document(io.BytesIO(data))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


# 1. Locality scope on exports and file routes


async def test_an_officer_of_another_locality_gets_404_for_a_session_export(client):
    question = await citizen_asks(
        client, "lk1", "Nhà tôi ở Long Khánh xin hỏi về hỗ trợ nhà ở", locality="long-khanh"
    )
    await login(client, "admin", PASSWORD)
    session_id = await make_session(client, "long-khanh", [question.id])
    await login(client, "kienhai", PASSWORD)
    assert (await client.get(f"/dashboard/sessions/{session_id}")).status == 404
    for fmt in FORMATS:
        status, text = await download(client, f"format={fmt}&session={session_id}")
        assert status == 404, fmt
    await login(client, "longkhanh", PASSWORD)  # the session's own locality downloads it
    for fmt in FORMATS:
        status, text = await download(client, f"format={fmt}&session={session_id}")
        assert status == 200 and "hỗ trợ nhà ở" in text, fmt


async def test_a_session_page_and_its_exports_leave_out_another_localitys_questions(client):
    own = await citizen_asks(
        client, "kh1", "Nhà tôi ở Kiên Hải xin hỏi về vay vốn", locality="kien-hai"
    )
    other = await citizen_asks(
        client, "lk2", "Nhà tôi ở Long Khánh xin hỏi về học phí", locality="long-khanh"
    )
    await login(client, "admin", PASSWORD)
    session_id = await make_session(client, "kien-hai", [own.id, other.id])
    await login(client, "kienhai", PASSWORD)
    page = await (await client.get(f"/dashboard/sessions/{session_id}")).text()
    assert "Kiên Hải xin hỏi" in page and "Long Khánh xin hỏi" not in page
    for fmt in FORMATS:
        status, text = await download(client, f"format={fmt}&session={session_id}")
        assert status == 200 and "Kiên Hải xin hỏi" in text, fmt
        assert "Long Khánh xin hỏi" not in text, fmt


async def test_an_officer_of_another_locality_gets_404_for_a_citizens_voice_note(client, settings):
    note = settings.media_dir / "voice-lk.oga"
    note.parent.mkdir(parents=True, exist_ok=True)
    note.write_bytes(b"OggS-giong-noi-nguoi-dan")
    question = await citizen_asks(
        client, "lk3", "", locality="long-khanh", kind=Kind.VOICE, media={"path": str(note)}
    )
    await login(client, "kienhai", PASSWORD)
    assert (await client.get(f"/dashboard/questions/{question.id}")).status == 404
    assert (await client.get(f"/dashboard/questions/{question.id}/media")).status == 404
    await login(client, "longkhanh", PASSWORD)
    own = await client.get(f"/dashboard/questions/{question.id}/media")
    assert own.status == 200 and await own.read() == b"OggS-giong-noi-nguoi-dan"


async def test_a_summary_export_holds_only_the_officers_locality(client):
    await citizen_asks(client, "kh4", "Kiên Hải hỏi về bảo hiểm y tế", locality="kien-hai")
    await citizen_asks(client, "lk4", "Long Khánh hỏi về bảo hiểm y tế", locality="long-khanh")
    await login(client, "kienhai", PASSWORD)
    for fmt in FORMATS:
        status, text = await download(client, f"format={fmt}")
        assert status == 200 and "Kiên Hải hỏi" in text and "Long Khánh hỏi" not in text, fmt


# 2. Phones and names: masked for viewers on screen, never printed in an export


async def test_summary_exports_print_no_phone_and_mask_the_name_for_every_role(client):
    await citizen_asks(
        client, "v1", f"Tôi là {NAME}, số điện thoại {PHONE}, xin hỏi về vay vốn", name=NAME
    )
    for user in ("xem", "admin"):  # the documents are the same whoever downloads them
        await login(client, user, PASSWORD)
        for fmt in FORMATS:
            status, text = await download(client, f"format={fmt}")
            assert status == 200, fmt
            assert PHONE not in text and NAME not in text and MASKED_PHONE not in text, fmt
            assert PHONE_HIDDEN in text and MASKED_NAME in text, fmt


async def test_session_minutes_print_no_phone_and_a_viewers_page_masks_them(client):
    question = await citizen_asks(
        client, "v2", f"Tôi là {NAME} ({PHONE}), xin xã sửa đường vào thôn", name=NAME
    )
    await login(client, "admin", PASSWORD)
    session_id = await make_session(client, "", [question.id])
    await login(client, "xem", PASSWORD)
    page = await (await client.get(f"/dashboard/sessions/{session_id}")).text()
    assert PHONE not in page and NAME not in page and MASKED_NAME in page
    for fmt in FORMATS:
        status, text = await download(client, f"format={fmt}&session={session_id}")
        assert status == 200, fmt
        assert PHONE not in text and NAME not in text and MASKED_PHONE not in text, fmt
        assert PHONE_HIDDEN in text and MASKED_NAME in text, fmt


async def test_a_viewer_does_not_see_the_citizens_full_name_in_the_greeting_of_a_transcript(
    client,
):
    question = await citizen_asks(client, "v3", "Xin hỏi về hỗ trợ tiền điện", name=NAME)
    await login(client, "xem", PASSWORD)
    page = await (await client.get(f"/dashboard/questions/{question.id}")).text()
    assert NAME not in page
    assert f"Xin chào {MASKED_NAME}!" in page
    inbox = await (await client.get("/dashboard")).text()
    assert NAME not in inbox
    await login(client, "admin", PASSWORD)
    page = await (await client.get(f"/dashboard/questions/{question.id}")).text()
    assert f"Xin chào {NAME}!" in page


# 3. Formula injection

FORMULAS = (
    '=HYPERLINK("http://lua-dao.example","Bấm vào đây")',
    "+1+2 là bao nhiêu tiền hỗ trợ",
    "-5+3 hộ nghèo được gì",
    "@SUM(A1:A9) hỏi về học phí",
)


async def test_citizen_text_starting_with_a_formula_sign_is_plain_text_in_xlsx_and_csv(client):
    for number, text in enumerate(FORMULAS):
        await citizen_asks(client, f"f{number}", text)
    await login(client, "admin", PASSWORD)
    xlsx = await (await client.get("/dashboard/export?format=xlsx")).read()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        sheets = [archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/")]
    assert not any(b"<f>" in sheet or b"<f " in sheet for sheet in sheets)
    cells = {
        cell.value: cell.data_type
        for row in load_workbook(io.BytesIO(xlsx))["Tổng hợp"].iter_rows()
        for cell in row
    }
    for text in FORMULAS:
        assert cells.get(text) == "s", text
    body = (await (await client.get("/dashboard/export?format=csv")).read()).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    header = rows.index(exports.HEADERS)
    written = [row[1] for row in rows[header + 1 :]]
    assert sorted(written) == sorted("'" + text for text in FORMULAS)


def test_tab_and_carriage_return_at_the_start_are_neutralised_too(tmp_path):
    import datetime as dt

    texts = ["\t=1+1", "\r=2+2", "Câu hỏi bình thường"]
    lines = [
        exports.Line(i, text, "(không tên)", "", "Chưa phân loại", "", "", "07/12/2026", False)
        for i, text in enumerate(texts)
    ]
    written = [r[1] for r in csv.reader(io.StringIO(exports.to_csv(lines, []).decode()))]
    assert "'\t=1+1" in written and "'\r=2+2" in written and "Câu hỏi bình thường" in written
    path = tmp_path / "x.xlsx"
    day = dt.date(2026, 12, 7)
    path.write_bytes(exports.to_xlsx(Letterhead(), "BC", "Báo cáo", "thử", day, [], lines))
    detail = {
        c.value: c.data_type for row in load_workbook(path)["Tổng hợp"].iter_rows() for c in row
    }
    assert detail["\t=1+1"] == "s" and detail["\r=2+2"] == "s"
