"""A contact's number to call: on Zalo OA a checked, sourced number comes as a dial button
(oa.open.phone) under the contacts reply, an unchecked one never does; Telegram and the web chat
show the same text as before, with no button of their own. The real app and adapters against
the fake platforms, an officer checking the number in the dashboard."""

from __future__ import annotations

import aiohttp
import pytest

from bot.messages import Phone
from tests.contract.app import OFFICER, PASSWORD, ContractApp, contract_app
from tests.contract.drivers import Seen, TelegramDriver, ZaloOADriver
from tests.contract.local_drivers import WebDriver
from tests.web_client import CSRF

HA_TINH_CENTRE = "tgpl-ha-tinh"  # its file number, 0911.219.677, comes from a 2022 page
HA_TINH_PHONE, HA_TINH_CODE = "0911.219.677", "84911219677"


@pytest.fixture
async def app(db_url, knowledge, tmp_path):
    async with contract_app(db_url, knowledge, tmp_path) as running:
        yield running


async def confirm_number(app: ContractApp, contact_id: str) -> None:
    """An officer calls the centre, reaches it, and ticks it as checked in the dashboard."""
    async with aiohttp.ClientSession(
        base_url=app.url, cookie_jar=aiohttp.CookieJar(unsafe=True)
    ) as officer:

        async def csrf(path: str) -> str:
            async with officer.get(path) as page:
                match = CSRF.search(await page.text())
                assert match, path
                return match.group(1)

        login = {"username": OFFICER, "password": PASSWORD, "csrf": await csrf("/dashboard/login")}
        async with officer.post("/dashboard/login", data=login) as response:
            assert response.status == 200
        form = {"csrf": await csrf("/dashboard/contacts"), "contact": contact_id}
        async with officer.post("/dashboard/contacts", data=form, allow_redirects=False) as done:
            assert done.status == 303


async def contacts_in_ha_tinh(citizen) -> Seen:  # type: ignore[no-untyped-def]
    """The citizen says where they live, then asks for the contacts; their reply."""
    await citizen.open()
    await citizen.say("xin chào")
    await citizen.press("Chọn địa phương")
    await citizen.say("Hà Tĩnh")
    said = await citizen.press("Số điện thoại liên hệ")
    (reply,) = [s for s in said if "Điện thoại:" in s.text]
    return reply


def dial_buttons(app: ContractApp) -> list[dict]:
    """The OA's oa.open.phone buttons sent so far."""
    found = []
    for sent in app.zalo.sent:
        template = (sent["message"].get("attachment") or {}).get("payload") or {}
        found += [b for b in template.get("buttons", []) if b["type"] == "oa.open.phone"]
    return found


async def test_on_zalo_oa_an_unchecked_number_gets_no_dial_button(app):
    reply = await contacts_in_ha_tinh(ZaloOADriver(app))
    assert f"Điện thoại: {HA_TINH_PHONE} (số này chưa được kiểm tra lại" in reply.text
    assert HA_TINH_CODE not in str(dial_buttons(app))
    assert reply.buttons == ["Về menu chính"]


async def test_on_zalo_oa_a_number_an_officer_checked_gets_a_dial_button(app):
    await confirm_number(app, HA_TINH_CENTRE)
    reply = await contacts_in_ha_tinh(ZaloOADriver(app))
    assert f"Điện thoại: {HA_TINH_PHONE}\n" in reply.text  # shown as checked
    (dial,) = [b for b in dial_buttons(app) if b["payload"]["phone_code"] == HA_TINH_CODE]
    assert dial["title"] == "Gọi Trung tâm Trợ giúp pháp lý…"
    assert reply.buttons == ["Về menu chính"] and reply.numbered == ["Về menu chính"]
    assert app.zalo.refused == []  # the real OpenAPI would take the template


@pytest.mark.parametrize("driver", [TelegramDriver, WebDriver], ids=["telegram", "web"])
async def test_telegram_and_the_web_chat_show_the_checked_number_as_text_only(app, driver):
    await confirm_number(app, HA_TINH_CENTRE)
    on_zalo = await contacts_in_ha_tinh(ZaloOADriver(app))
    citizen = driver(app)
    try:
        reply = await contacts_in_ha_tinh(citizen)
    finally:
        await citizen.close()
    # The same words as the OA's, which adds only its numbered choice under them.
    assert on_zalo.text == reply.text + "\n\n  1. Về menu chính"
    assert "Gọi Trung tâm" not in reply.text  # the dial button's label is not added as text
    assert reply.choices == ["Về menu chính"]


async def test_the_contacts_reply_offers_to_call_only_checked_numbers(chat):
    await chat.say("/diaphuong")
    await chat.say("Hà Tĩnh")
    (reply,) = await chat.say("/lienhe")
    assert f"Điện thoại: {HA_TINH_PHONE} (số này chưa được kiểm tra lại" in reply.text
    # The national legal-aid hotline is checked and sourced; Hà Tĩnh's file number is not.
    assert reply.phones == (Phone("Gọi Đường dây nóng trợ giúp pháp lý", "1800.1233"),)
    assert all(len(phone.label) <= 35 for phone in reply.phones)


async def test_the_legal_aid_reply_offers_to_call_the_checked_hotline_not_the_unchecked_centre(
    chat,
):
    await chat.say("/diaphuong")
    await chat.say("Hà Tĩnh")
    (problem,) = await chat.say(
        "Hàng xóm lấn đất nhà tôi, tôi muốn kiện mà không có tiền thuê luật sư"
    )
    assert "1800.1233" in problem.text and HA_TINH_PHONE in problem.text
    assert problem.phones == (Phone("Gọi Đường dây nóng trợ giúp pháp lý", "1800.1233"),)
    await chat.say("/phaply")
    (where,) = await chat.press("Liên hệ ở đâu?")
    assert where.phones == problem.phones
