"""Dialogue sessions, the exports (opened and read back) and the statistics page."""

from __future__ import annotations

import csv as csv_module
import io

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import select

from app import keys
from dashboard import exports
from db.models import Message, Question
from tests.conftest import run_cli
from tests.test_web import PASSWORD, ask
from tests.web_client import csrf_of, login, web_client


@pytest.fixture
async def client(settings, knowledge):
    async with web_client(
        settings,
        knowledge,
        officers=(("admin", "admin", None), ("xem", "viewer", None)),
        password=PASSWORD,
    ) as c:
        yield c


async def make_session(client, **fields: str) -> str:
    """An officer creates a dialogue session (a quarter's, in the commune hall, unless `fields`
    say otherwise); its page's path."""
    token = await csrf_of(client, "/dashboard/sessions")
    created = await client.post(
        "/dashboard/sessions",
        allow_redirects=False,
        data={
            "csrf": token,
            "title": "Đối thoại chính sách quý IV",
            "held_on": "2026-12-05",
            "place": "Hội trường UBND xã",
            "chair": "Chủ tịch UBND xã",
            **fields,
        },
    )
    assert created.status == 303
    return created.headers["Location"]


async def test_dialogue_session_records_answers_and_notifies_the_citizen(client):
    q1 = await ask(client, "d1", "Vì sao nhà tôi không được xét cận nghèo năm nay?")
    q2 = await ask(client, "d2", "Xin xã làm lại đường vào thôn 3 cho bà con đi lại")
    await login(client, "admin", PASSWORD)
    path = await make_session(client)
    token = await csrf_of(client, path)
    await client.post(
        f"{path}/attach", data={"csrf": token, "questions": f"{q1.id}, {q2.id}, 99999"}
    )
    html = await (await client.get(path)).text()
    assert "Vì sao nhà tôi" in html and "đường vào thôn 3" in html
    async with client.server.app[keys.SESSIONS]() as db:
        assert (await db.get(Question, q1.id)).status == "chuyen_doi_thoai"
    item_forms = [part.split('"')[0] for part in html.split(f'action="{path}/items/')[1:]]
    item_id = item_forms[0].split("/")[0]
    await client.post(
        f"{path}/items/{item_id}/answer",
        data={"csrf": token, "answer": "Thu nhập bình quân của gia đình cao hơn chuẩn cận nghèo."},
    )
    assert await client.server.app[keys.OUTBOX].deliver_due() == 1
    async with client.server.app[keys.SESSIONS]() as db:
        q = await db.get(Question, q1.id)
        assert q.status == "da_tra_loi"
        sent = (await db.execute(select(Message).where(Message.kind == "officer"))).scalars().one()
        assert "Đối thoại chính sách quý IV" in sent.text and "cao hơn chuẩn" in sent.text
    # the minutes: each question with the answer given there, in the minutes' table
    docx = await client.get(f"/dashboard/export?format=docx&session={path.rsplit('/', 1)[1]}")
    assert docx.status == 200
    document = Document(io.BytesIO(await docx.read()))
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[:2] == ["BIÊN BẢN", "Đối thoại chính sách quý IV"]
    rows = {row.cells[0].text: [c.text for c in row.cells] for row in document.tables[1].rows}
    assert "Vì sao nhà tôi không được xét cận nghèo" in rows[str(q1.id)][1]
    assert rows[str(q1.id)][5].startswith("Thu nhập bình quân")
    assert rows[str(q2.id)][5] == "Chưa ghi nhận"  # the second one


async def test_summary_exports_are_grouped_by_topic(client):
    await ask(client, "e1", "Hộ nghèo có được cấp thẻ bảo hiểm y tế không ạ, nhà tôi chưa có")
    await ask(client, "e2", "Cấp lại thẻ bảo hiểm y tế bị mất ở đâu cho hộ nghèo")
    await ask(client, "e3", "Xã có kế hoạch đối thoại với dân về giảm nghèo không")
    await login(client, "admin", PASSWORD)
    xlsx = await client.get("/dashboard/export?format=xlsx")
    assert xlsx.status == 200
    assert "attachment" in xlsx.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(await xlsx.read()))
    cells = [[c.value for c in row] for row in book["Tổng hợp"].iter_rows()]
    assert ["Tổng hợp ý kiến, kiến nghị của người dân"] in [r[:1] for r in cells]
    header = [r[:8] for r in cells].index(exports.HEADERS)
    table = [r for r in cells[header + 1 :] if isinstance(r[0], int)]
    assert len(table) == 3
    by_topic = [[c.value for c in row] for row in book["Theo chủ đề"].iter_rows()]
    topics = by_topic[[r[0] for r in by_topic].index("Chủ đề") + 1 :]
    assert sum(r[1] for r in topics if isinstance(r[1], int)) == 3
    docx = await client.get("/dashboard/export?format=docx&from=2020-01-01&to=2100-01-01")
    paragraphs = [p.text for p in Document(io.BytesIO(await docx.read())).paragraphs]
    assert paragraphs[:2] == ["BÁO CÁO", "Tổng hợp ý kiến, kiến nghị của người dân"]
    assert "(Từ ngày 01/01/2020 đến ngày 01/01/2100)" in paragraphs
    csv = await client.get("/dashboard/export?format=csv")
    body = (await csv.read()).decode("utf-8-sig")
    lines = list(csv_module.reader(io.StringIO(body)))
    assert lines[0] == ["Tổng hợp ý kiến, kiến nghị của người dân"]
    assert len(lines[lines.index(exports.HEADERS) + 1 :]) == 3
    assert (await client.get("/dashboard/export?format=pdf")).status == 400
    assert (await client.get("/dashboard/export?format=xlsx&from=hom-qua")).status == 400


async def test_stats_page_and_viewer_cannot_create_sessions(client):
    await ask(client, "s1", "Tiền điện hộ nghèo được hỗ trợ bao nhiêu một tháng ạ")
    await login(client, "xem", PASSWORD)
    html = await (await client.get("/dashboard/stats")).text()
    assert "Thống kê câu hỏi" in html and "<svg" in html and "Tổng số: <strong>1</strong>" in html
    token = await csrf_of(client, "/dashboard")
    denied = await client.post(
        "/dashboard/sessions",
        data={"csrf": token, "title": "x", "held_on": "2026-12-01", "place": "x", "chair": "x"},
    )
    assert denied.status == 403


def test_export_command_writes_files(tmp_path):
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'e.db'}"}
    run_cli(
        "chat",
        "--json",
        "--no-start",
        stdin="/guicauhoi\nXin hỏi về hỗ trợ học nghề cho con tôi\n",
        env=env,
    )
    out = tmp_path / "tong-hop.xlsx"
    result = run_cli("export", "--format", "xlsx", "-o", str(out), env=env)
    assert result.returncode == 0, result.stderr
    sheet = load_workbook(out)["Tổng hợp"]
    assert any("hỗ trợ học nghề" in str(c.value) for row in sheet.iter_rows() for c in row)
    docx_out = tmp_path / "a.docx"
    assert (
        run_cli(
            "export", "--format", "docx", "--from", "2020-01-01", "-o", str(docx_out), env=env
        ).returncode
        == 0
    )
    tables = Document(docx_out).tables
    assert any("hỗ trợ học nghề" in c.text for t in tables for row in t.rows for c in row.cells)
    missing = run_cli("export", "--format", "docx", "--session", "42", env=env)
    assert missing.returncode == 2 and "no dialogue session 42" in missing.stderr
