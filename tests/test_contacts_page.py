"""Contacts officers keep true: the dashboard's contacts pages over HTTP (roles, province scope,
CSRF, Vietnamese errors), the audit row of each change, and what citizens then read in the web
chat and the console: the checked date, unverified numbers never shown as checked, and the
national hotline first when the province's centre has no checked number."""

from __future__ import annotations

import asyncio
import datetime as dt
import html as html_lib

import pytest
from sqlalchemy import select

from app import keys
from content.loader import load_content
from db.contacts import Override, merge
from db.office import AuditEntry, ContactOverride
from tests.conftest import run_cli
from tests.driver import ChatDriver
from tests.web_client import CSRF, NONCE, csrf_of, login, web_client

PASSWORD = "mat-khau-du-dai-1"
NEW_PHONE = "0299 000 111"  # test data, not a real centre's number
FALLBACK = "chưa có số điện thoại đã kiểm tra"


def today() -> str:
    day = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=7)).date()
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


@pytest.fixture
async def client(settings, knowledge):
    async with web_client(
        settings,
        knowledge,
        officers=(
            ("admin", "admin", None),
            ("angiang", "officer", "p:91"),
            ("hcm", "officer", "p:79"),
            ("xem", "viewer", None),
        ),
        password=PASSWORD,
    ) as c:
        yield c


async def edit(client, contact_id: str, **fields: str):  # type: ignore[no-untyped-def]
    """Opens the edit form, keeps its values except `fields`, and posts it."""
    page = await client.get(f"/dashboard/contacts/{contact_id}")
    assert page.status == 200, await page.text()
    html = await page.text()
    form = {"csrf": CSRF.search(html).group(1)}
    for name in ("seen", "name", "role", "phone", "address", "hours"):
        found = html.split(f'name="{name}" value="', 1)
        form[name] = html_lib.unescape(found[1].split('"', 1)[0]) if len(found) > 1 else ""
    form["note"] = html_lib.unescape(html.split('name="note"', 1)[1].split(">", 1)[1].split("<")[0])
    form.update(fields)
    return await client.post(f"/dashboard/contacts/{contact_id}", data=form, allow_redirects=False)


async def web_chat(client, payload: str) -> str:  # type: ignore[no-untyped-def]
    """Presses a button in the web chat; returns the text of the newest legal-aid reply."""
    html = await (await client.get("/chat")).text()
    token, nonce = CSRF.search(html).group(1), NONCE.search(html).group(1)
    sent = await client.post("/chat", data={"csrf": token, "nonce": nonce, "payload": payload})
    assert sent.status == 200
    return html_lib.unescape(await (await client.get("/chat")).text())


def last_legal_reply(page: str) -> str:
    return page.rsplit("Nơi nhận yêu cầu trợ giúp pháp lý:", 1)[1].split("</", 1)[0]


async def audit_rows(client, action: str) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    async with client.server.app[keys.SESSIONS]() as db:
        query = select(AuditEntry).where(AuditEntry.action == action)
        return list((await db.execute(query)).scalars().all())


async def test_an_edit_is_audited_and_the_chat_shows_the_checked_number(client):
    await login(client, "admin", PASSWORD)
    listing = await (await client.get("/dashboard/contacts?province=91")).text()
    assert "Trung tâm Trợ giúp pháp lý nhà nước tỉnh An Giang" in listing
    assert "tỉnh Hà Tĩnh" not in listing  # filtered by province
    saved = await edit(client, "tgpl-an-giang", phone=NEW_PHONE, phone_verified="1")
    assert saved.status == 303
    [row] = await audit_rows(client, "edit_contact")
    assert (row.username, row.target) == ("admin", "tgpl-an-giang")
    assert row.detail["changes"]["phone"] == [None, NEW_PHONE]
    assert row.detail["phone_verified"] is True
    assert dt.datetime.now(dt.UTC) - row.created_at < dt.timedelta(minutes=1)
    page = await (await client.get("/dashboard/contacts/tgpl-an-giang")).text()
    assert f"kiểm tra ngày {today()} bởi admin" in page

    await web_chat(client, "loc:kien-hai")
    reply = last_legal_reply(await web_chat(client, "legal:contact"))
    assert f"Điện thoại: {NEW_PHONE}" in reply
    assert f"kiểm tra ngày {today()}" in reply
    assert FALLBACK not in reply and "chưa được kiểm tra lại" not in reply

    # The console channel reads the same corrections.
    console = ChatDriver(client.server.app[keys.CORE], user_id="c1")
    await console.say("/diaphuong")
    await console.say("kien hai")
    await console.say("/lienhe")
    assert NEW_PHONE in console.text and f"kiểm tra ngày {today()}" in console.text


async def test_an_unverified_number_is_never_shown_as_checked(client):
    await login(client, "angiang", PASSWORD)
    saved = await edit(client, "tgpl-an-giang", phone=NEW_PHONE)  # box not ticked
    assert saved.status == 303
    await web_chat(client, "loc:kien-hai")
    reply = last_legal_reply(await web_chat(client, "legal:contact"))
    assert FALLBACK in reply and "miễn phí 1800.1233" in reply and "8h–17h" in reply
    assert reply.index("1800.1233") < reply.index("tỉnh An Giang")  # the hotline first
    assert f"Điện thoại: {NEW_PHONE} (số này chưa được kiểm tra lại" in reply
    assert f"Điện thoại: {NEW_PHONE}\n" not in reply


async def test_a_centre_without_a_checked_number_falls_back_to_the_hotline(client):
    # Hà Tĩnh's file number comes from a 2022 page: shown, but as not checked.
    await web_chat(client, "loc:p:42")
    reply = last_legal_reply(await web_chat(client, "legal:contact"))
    assert FALLBACK in reply and "1800.1233" in reply
    assert "0911.219.677 (số này chưa được kiểm tra lại" in reply
    # An admin calls it and confirms it: now it is the checked number, and no fallback.
    await login(client, "admin", PASSWORD)
    token = await csrf_of(client, "/dashboard/contacts")
    confirmed = await client.post(
        "/dashboard/contacts",
        data={"csrf": token, "contact": "tgpl-ha-tinh", "province": "42"},
        allow_redirects=False,
    )
    assert confirmed.status == 303 and confirmed.headers["Location"].endswith("province=42")
    [row] = await audit_rows(client, "confirm_contact")
    assert row.target == "tgpl-ha-tinh" and row.detail["phone_verified"] is True
    reply = last_legal_reply(await web_chat(client, "legal:contact"))
    assert "Điện thoại: 0911.219.677\n" in reply and FALLBACK not in reply
    assert "tuphap.hatinh.gov.vn" in reply  # unchanged values keep their source
    assert f"kiểm tra ngày {today()}" in reply


async def test_another_provinces_officer_gets_404_and_a_viewer_403(client):
    await login(client, "hcm", PASSWORD)
    listing = await (await client.get("/dashboard/contacts")).text()
    assert "thành phố Hồ Chí Minh" in listing and "tỉnh An Giang" not in listing
    assert (await client.get("/dashboard/contacts/tgpl-an-giang")).status == 404
    assert (await client.get("/dashboard/contacts/tgpl-duong-day-nong")).status == 404
    token = await csrf_of(client, "/dashboard/contacts")
    form = {"csrf": token, "name": "Sửa trộm", "phone": NEW_PHONE}
    assert (await client.post("/dashboard/contacts/tgpl-an-giang", data=form)).status == 404
    confirm = {"csrf": token, "contact": "tgpl-an-giang"}
    assert (await client.post("/dashboard/contacts", data=confirm)).status == 404
    assert (await client.get("/dashboard/contacts/khong-co")).status == 404

    await login(client, "xem", PASSWORD)
    listing = await (await client.get("/dashboard/contacts")).text()
    assert "tỉnh An Giang" in listing and "Vẫn đúng" not in listing
    assert (await client.get("/dashboard/contacts/tgpl-an-giang")).status == 403
    token = await csrf_of(client, "/dashboard/contacts")
    form = {"csrf": token, "name": "Sửa trộm", "phone": NEW_PHONE}
    assert (await client.post("/dashboard/contacts/tgpl-an-giang", data=form)).status == 403
    confirm = {"csrf": token, "contact": "tgpl-an-giang"}
    assert (await client.post("/dashboard/contacts", data=confirm)).status == 403
    async with client.server.app[keys.SESSIONS]() as db:
        assert (await db.execute(select(ContactOverride))).first() is None
    assert await audit_rows(client, "edit_contact") == []


async def test_bad_input_gets_a_vietnamese_message_and_4xx(client):
    await login(client, "angiang", PASSWORD)
    empty = await edit(client, "ubnd-dac-khu-kien-hai", name="  ")
    assert empty.status == 400 and "Tên không được để trống" in await empty.text()
    letters = await edit(client, "ubnd-dac-khu-kien-hai", phone="09abc123")
    assert letters.status == 400
    assert "Số điện thoại chỉ gồm chữ số" in html_lib.unescape(await letters.text())
    long = await edit(client, "ubnd-dac-khu-kien-hai", address="x" * 301)
    assert long.status == 400 and "dài quá 300 ký tự" in html_lib.unescape(await long.text())
    no_csrf = await client.post("/dashboard/contacts/ubnd-dac-khu-kien-hai", data={"name": "A"})
    assert no_csrf.status == 403
    assert (await client.post("/dashboard/contacts", data={"contact": "x"})).status == 403
    assert await audit_rows(client, "edit_contact") == []
    # A commune officer with a role is fine, and a second edit from a stale form is refused.
    ok = await edit(
        client, "ubnd-dac-khu-kien-hai", name="Bà Nguyễn Thị Test", role="Cán bộ giảm nghèo"
    )
    assert ok.status == 303
    again = await edit(client, "ubnd-dac-khu-kien-hai", hours="7h–11h, thứ Hai đến thứ Sáu")
    assert again.status == 303  # a form opened after the last save is accepted
    page = await client.get("/dashboard/contacts/ubnd-dac-khu-kien-hai")
    stale_form = {"csrf": CSRF.search(await page.text()).group(1), "name": "A", "seen": ""}
    stale = await client.post("/dashboard/contacts/ubnd-dac-khu-kien-hai", data=stale_form)
    assert stale.status == 409 and "vừa được người khác sửa" in await stale.text()
    await web_chat(client, "loc:kien-hai")
    page = await web_chat(client, "m:contacts")
    assert "Bà Nguyễn Thị Test" in page and "Chức vụ: Cán bộ giảm nghèo" in page
    assert "cán bộ cập nhật trên Cầu Nối" in page


def test_a_newer_check_in_the_file_wins_over_an_older_edit():
    content = load_content()
    base = content.contacts["tgpl-an-giang"]
    values = {
        "name": base.name,
        "role": None,
        "phone": NEW_PHONE,
        "address": None,
        "hours": None,
        "note": None,
        "phone_verified": True,
    }
    older = dt.datetime.combine(base.checked - dt.timedelta(days=3), dt.time(), dt.UTC)
    assert merge(base, Override(base.id, values, older, "admin")) is base
    newer = dt.datetime.now(dt.UTC)
    shown = merge(base, Override(base.id, values, newer, "admin"))
    assert shown.phone == NEW_PHONE and shown.checked_by == "admin"
    assert shown.source is None  # an officer's value: the file's source no longer stands


async def test_the_cli_audit_reads_the_officers_contact_checks_as_the_dashboard_does(
    client, settings
):
    """`content audit` on the command line lists the same stale contacts as the dashboard:
    a contact an officer has just checked is no longer stale there either."""
    day = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=7)).date() + dt.timedelta(days=170)
    env = {"DATABASE_URL": settings.database_url}

    async def stale_contacts() -> list[str]:
        done = await asyncio.to_thread(
            run_cli, "content", "audit", "--date", day.isoformat(), env=env
        )
        assert done.returncode == 0, done.stderr
        return [line for line in done.stdout.splitlines() if line.startswith("stale contact:")]

    assert any("tgpl-ha-noi (kiểm lần cuối 23/11/2026" in line for line in await stale_contacts())
    await login(client, "admin", PASSWORD)
    assert (await edit(client, "tgpl-ha-noi", phone_verified="1")).status == 303
    assert not any("tgpl-ha-noi" in line for line in await stale_contacts())
