"""Zalo OA buttons end to end: the button template out, a tap back as pressing its choice.

Choices go out as the OA button template with the numbered text kept, a tap on one comes back as
a user_send_text carrying its payload and presses it, and a checked phone number becomes a dial
button. Against our fake OpenAPI, which refuses a template the real one would refuse."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from app import keys
from app.factory import create_app
from app.settings import Settings
from channels import zalo_oa_api
from db.models import Citizen
from db.outbox import enqueue
from tests.channels.quiet import new_since
from tests.fakes.zalo_api import FakeZalo

APP_ID, APP_SECRET, OA_KEY = "1234567890123456789", "app-secret", "oa-secret-key"
USER = "8412345678901234567"


@pytest.fixture
async def fake() -> AsyncIterator[FakeZalo]:
    api = FakeZalo(APP_ID, APP_SECRET, OA_KEY)
    server = TestServer(api.app())
    await server.start_server()
    api.url = str(server.make_url("/")).rstrip("/")
    yield api
    await server.close()


@pytest.fixture
async def client(db_url, fake, knowledge, tmp_path) -> AsyncIterator[TestClient]:
    access, refresh = fake.issue_pair()
    settings = Settings(
        database_url=db_url,
        secret_key="k",
        zalo_app_id=APP_ID,
        zalo_app_secret=APP_SECRET,
        zalo_oa_secret_key=OA_KEY,
        zalo_access_token=access,
        zalo_refresh_token=refresh,
        zalo_api_base=fake.url,
        zalo_oauth_base=fake.url,
        media_dir=tmp_path / "media",
    )
    async with TestClient(TestServer(create_app(settings, knowledge, run_outbox=True))) as c:
        yield c


class OAChat:
    """A citizen writing to the OA: signed events in, what the OA sent read from the fake."""

    def __init__(self, client: TestClient, fake: FakeZalo, user: str = USER):
        self.client, self.fake, self.user = client, fake, user
        self.seen = 0

    async def says(self, text: str) -> list[dict]:
        raw, headers = self.fake.sign(self.fake.event("user_send_text", self.user, text=text))
        response = await self.client.post("/zalo/webhook", data=raw, headers=headers)
        assert response.status == 200, await response.text()
        return await self.receives()

    async def taps(self, button: dict) -> list[dict]:
        """What Zalo sends when an oa.query.* button is tapped: the payload as the text."""
        return await self.says(button["payload"])

    async def receives(self, quiet: float = 0.4, seconds: float = 10) -> list[dict]:
        """The messages sent since the last look, once the OA has gone quiet."""
        new = await new_since(self.mine, self.seen, quiet, seconds)
        self.seen += len(new)
        return new

    def mine(self) -> list[dict]:
        return [s["message"] for s in self.fake.sent if s["recipient"]["user_id"] == self.user]


def buttons_of(message: dict) -> list[dict]:
    attachment = message.get("attachment") or {}
    assert attachment.get("type") == "template", message
    assert attachment["payload"]["template_type"] == "button"
    return attachment["payload"]["buttons"]


async def test_the_menu_goes_as_four_buttons_with_all_seven_choices_numbered(client, fake):
    said = await OAChat(client, fake).says("xin chào")
    menu = said[-1]
    buttons = buttons_of(menu)
    assert [b["type"] for b in buttons] == ["oa.query.hide"] * 4
    assert all(b["payload"].startswith("#cn:") and len(b["title"]) <= 35 for b in buttons)
    assert buttons[0]["title"] == "Hỏi đáp chính sách"
    # The text keeps every choice numbered: some Zalo clients draw no buttons, and the fifth
    # to seventh choices are reached only by their number.
    assert "  1. Hỏi đáp chính sách" in menu["text"] and "  7. " in menu["text"]
    assert fake.refused == []  # the real API would have accepted it


async def test_tapping_a_button_presses_that_choice(client, fake):
    ba, ong = OAChat(client, fake), OAChat(client, fake, user="8400000000000000002")
    menu = (await ba.says("xin chào"))[-1]
    check = next(b for b in buttons_of(menu) if b["payload"] == "#cn:m:check")
    by_tap = [m["text"] for m in await ba.taps(check)]
    await ong.says("xin chào")
    by_number = [m["text"] for m in await ong.says("2")]  # the same choice, typed
    assert by_tap and by_tap == by_number


async def test_a_checked_phone_number_goes_as_a_dial_button(client, fake):
    ba = OAChat(client, fake)
    await ba.says("xin chào")
    async with client.server.app[keys.SESSIONS]() as db:  # a contact's reply, as handlers send it
        citizen = (await db.execute(select(Citizen))).scalar_one()
        row = enqueue(
            db,
            citizen,
            "Trung tâm Trợ giúp pháp lý nhà nước tỉnh\nĐiện thoại: 0262 3852 123",
            payload={
                "buttons": [["Về menu chính", "m:menu"]],
                "phones": [
                    ["Gọi Trung tâm Trợ giúp pháp lý nhà nước tỉnh Đắk Lắk", "0262 3852 123"]
                ],
            },
        )
        await db.commit()
    client.server.app[keys.OUTBOX].deliver_now([row.id])
    (contact,) = await ba.receives()
    menu, phone = buttons_of(contact)
    assert menu == {"title": "Về menu chính", "type": "oa.query.hide", "payload": "#cn:m:menu"}
    assert phone["type"] == "oa.open.phone" and phone["payload"] == {"phone_code": "842623852123"}
    assert len(phone["title"]) <= 35 and phone["title"].endswith("…")  # cut, still readable
    assert "Điện thoại: 0262 3852 123" in contact["text"]  # the number stays in the text
    assert fake.refused == []


def test_the_template_holds_four_buttons_with_titles_of_at_most_35_characters():
    long_label = "Hỏi về chính sách hỗ trợ nhà ở cho hộ nghèo ở vùng khó"  # 54 characters
    choices = [(long_label, f"c:{i}") for i in range(6)]
    body = zalo_oa_api.buttons_message(
        "u1", "Chọn một mục", choices, [("Gọi cán bộ", "0912345678")]
    )
    buttons = body["message"]["attachment"]["payload"]["buttons"]
    assert len(buttons) == 4 and all(b["type"] == "oa.query.hide" for b in buttons)
    assert buttons[0]["title"] == "Hỏi về chính sách hỗ trợ nhà ở cho…"
    assert body["message"]["text"] == "Chọn một mục"
