"""The office settings page in a real browser (Playwright driving Debian's Chromium, under the
pages' Content-Security-Policy): an admin follows the menu, picks a scope, fills in the issuing
body and the signer, saves, reads the confirmation, and the next summary downloaded prints them;
an officer finds no link and is refused."""

from __future__ import annotations

import pytest
from docx import Document
from playwright.async_api import async_playwright, expect

from tests.browser_server import ARGS, CHROMIUM, log_in, serving


@pytest.fixture
def server(tmp_path):
    officers = (("quantri", "admin"), ("canbo", "officer", "kien-hai"))
    with serving(tmp_path, officers, ("Xin hỏi về vay vốn học nghề",)) as url:
        yield url


async def test_an_admin_sets_the_signer_and_the_next_document_prints_it(server, tmp_path):
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        admin = await (await browser.new_context(accept_downloads=True)).new_page()
        await log_in(admin, server, "quantri")
        await admin.click("nav a:has-text('Thiết lập văn bản')")
        await expect(admin.locator("h1")).to_have_text("Thiết lập văn bản")
        await expect(admin.locator("h2").first).to_have_text("Mặc định (toàn quốc)")

        form = admin.locator("#office-settings")
        await form.locator("input[name=issuing_body]").fill("Ủy ban nhân dân xã Hòn Tre")
        await form.locator("input[name=place]").fill("Hòn Tre")
        await form.locator("input[name=signer_title]").fill("Chủ tịch")
        await form.locator("input[name=signer_name]").fill("Trần Văn Bình")
        await form.locator("button").click()
        await expect(admin.locator("p.notice")).to_contain_text(
            "Đã lưu thiết lập văn bản cho Mặc định (toàn quốc)"
        )
        await expect(admin.locator("table")).to_contain_text("Trần Văn Bình")

        async with admin.expect_download() as download_info:
            await admin.click("#try-docx")
        path = tmp_path / "tong-hop.docx"
        await (await download_info.value).save_as(path)
        document = Document(path)
        heading = document.tables[0].rows[0].cells[0].text
        assert "ỦY BAN NHÂN DÂN XÃ HÒN TRE" in heading
        signature = document.tables[-1].rows[0].cells[1].text
        assert "CHỦ TỊCH" in signature and "Trần Văn Bình" in signature

        await admin.select_option("select[name=scope]", "kien-hai")
        await admin.click("form.filters button")
        await expect(admin.locator("h2").first).to_have_text("Huyện Kiên Hải")
        await expect(admin.locator("main")).to_contain_text("Mặc định (toàn quốc)")  # inherited
        value = await form.locator("input[name=issuing_body]").input_value()
        assert value == "Ủy ban nhân dân xã Hòn Tre"

        officer = await (await browser.new_context()).new_page()
        await log_in(officer, server, "canbo")
        assert await officer.locator("nav a:has-text('Thiết lập văn bản')").count() == 0
        refused = await officer.goto(f"{server}/dashboard/office")
        assert refused.status == 403
        await browser.close()
