"""End to end in a real browser (Playwright driving Debian's Chromium): a citizen asks in
/chat, an officer logs in and answers, the citizen sees the answer; an export downloads."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from playwright.async_api import async_playwright, expect

from tests.browser_server import ARGS, CHROMIUM, PASSWORD, log_in, serving


@pytest.fixture
def server(tmp_path):
    with serving(tmp_path, (("canbo", "admin"),)) as url:
        yield url


async def test_citizen_asks_officer_answers_citizen_reads(server, tmp_path):
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        citizen = await (await browser.new_context()).new_page()
        await citizen.goto(f"{server}/chat")
        assert "Xin chào" in await citizen.content()
        await citizen.fill("textarea[name=text]", "chuan ngheo o nong thon la bao nhieu")
        await citizen.click("form.ask button")
        await citizen.wait_for_selector("text=Nguồn:")
        await citizen.click("button:has-text('Về menu chính')")
        await citizen.click("button:has-text('Gửi câu hỏi cho cán bộ')")
        await citizen.fill(
            "textarea[name=text]",
            "Nhà tôi ở thôn 2 bị sạt lở, xin hỏi có hỗ trợ làm lại nhà không?",
        )
        await citizen.click("form.ask button")
        await citizen.wait_for_selector("text=Đã gửi câu hỏi số")

        officer = await (await browser.new_context(accept_downloads=True)).new_page()
        await officer.goto(f"{server}/dashboard")
        assert officer.url.endswith("/dashboard/login")
        await officer.fill("input[name=username]", "canbo")
        await officer.fill("input[name=password]", PASSWORD)
        await officer.click("form.login button")
        await officer.wait_for_selector("text=Câu hỏi của người dân")
        await officer.click("a:has-text('#')")  # the newest question
        await officer.wait_for_selector("text=bị sạt lở")
        await officer.fill("form.answer textarea", "Gia đình nộp đơn đề nghị hỗ trợ tại UBND xã.")
        await officer.click("form.answer button")
        await officer.wait_for_selector("text=Đã trả lời")
        for _ in range(20):  # the outbox delivers in the background
            await officer.reload()
            if "đã gửi" in await officer.content():
                break
            await officer.wait_for_timeout(300)
        assert "đã gửi" in await officer.content()

        await citizen.reload()
        await citizen.wait_for_selector("text=Cán bộ trả lời")
        assert "Gia đình nộp đơn đề nghị hỗ trợ tại UBND xã." in await citizen.content()

        await officer.goto(f"{server}/dashboard")
        async with officer.expect_download() as download_info:
            await officer.click("a:has-text('XLSX')")
        download = await download_info.value
        path = tmp_path / "tong-hop.xlsx"
        await download.save_as(path)
        rows = [[c.value for c in r] for r in load_workbook(path)["Tổng hợp"].iter_rows()]
        assert any("bị sạt lở" in str(r[1]) for r in rows)
        await browser.close()


async def test_citizen_subscribes_officer_announces_once_citizen_reads(server):
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        citizen = await (await browser.new_context()).new_page()
        await citizen.goto(f"{server}/chat")
        await citizen.click("button:has-text('Đăng ký nhận thông báo')")
        await citizen.wait_for_selector("text=chọn địa phương trước")
        await citizen.click("button:has-text('Thị xã Hương Trà')")
        await citizen.wait_for_selector("text=Đã đăng ký nhận thông báo của Thị xã Hương Trà")

        officer = await (await browser.new_context()).new_page()
        await log_in(officer, server, "canbo")
        await officer.wait_for_selector("text=Câu hỏi của người dân")
        await officer.click("a:has-text('Thông báo')")
        await officer.select_option("select[name=locality]", "huong-tra")
        await officer.fill("input[name=title]", "Lịch chi trả hỗ trợ tiền điện")
        await officer.fill("textarea[name=text]", "Sáng thứ Bảy, xã chi trả tại nhà văn hoá.")
        await officer.click("form.login button:has-text('Lưu nháp')")
        # The preview shows what citizens receive, and how many it reaches.
        await officer.wait_for_selector("text=Nhắn HỦY để ngừng nhận thông báo.")
        send = officer.locator("form.send-once button")
        assert "Gửi cho 1 người" in await send.inner_text()
        await send.dblclick()  # a double press sends once
        # (a locator, not wait_for_function: the pages' CSP allows no eval of test code)
        await expect(officer.locator("#count-delivered")).to_have_text("1", timeout=20_000)
        assert await officer.locator("#count-total").inner_text() == "1"

        for _ in range(30):  # the web chat shows what the outbox wrote into the conversation
            await citizen.reload()
            if "Lịch chi trả hỗ trợ tiền điện" in await citizen.content():
                break
            await citizen.wait_for_timeout(300)
        body = await citizen.content()
        assert body.count("Sáng thứ Bảy, xã chi trả tại nhà văn hoá.") == 1
        await browser.close()
