"""The helpdesk inbox in a real browser (Playwright driving Debian's Chromium): an officer ticks
several questions and assigns them at once, reads the confirmation, then inserts a saved reply
made of an FAQ entry's answer and source into a question's answer box without a reload."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import async_playwright, expect

from tests.browser_server import ARGS, CHROMIUM, log_in, serving

QUESTIONS = (
    "Xin hỏi bao giờ thôn tôi được làm đường bê tông",
    "Bao giờ thôn tôi có đèn đường chiếu sáng",
    "Hộ cận nghèo có được vay vốn ngân hàng không ạ",
)


@pytest.fixture
def server(tmp_path):
    with serving(tmp_path, (("canbo", "admin"), ("hoa", "officer")), QUESTIONS) as url:
        yield url


async def test_an_officer_assigns_several_questions_at_once_and_inserts_a_saved_faq_reply(server):
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = await (await browser.new_context()).new_page()
        await log_in(page, server, "canbo")
        await page.wait_for_selector("text=Câu hỏi của người dân")

        # Select two questions, assign them to "hoa" in one go.
        boxes = page.locator("input[type=checkbox][form=bulk]")
        assert await boxes.count() == 3
        await boxes.nth(0).check()
        await boxes.nth(1).check()
        await page.select_option("#bulk-action", "assign")
        await page.select_option("form.bulk select[name=assignee]", label="hoa")
        await page.click("#bulk-go")
        await expect(page.locator("p.notice")).to_have_text("Đã giao 2 câu hỏi cho hoa.")
        assert await page.locator("td:text-is('hoa')").count() == 2
        await page.reload()  # the confirmation is said once
        assert await page.locator("p.notice").count() == 0

        # A saved reply answering with an FAQ entry.
        await page.click("a:has-text('Câu trả lời mẫu')")
        await page.fill("input[name=title]", "Vay vốn hộ cận nghèo")
        await page.select_option("select[name=faq]", "vay-von-ho-can-ngheo")
        await page.click("form.reply-form button")
        await expect(page.locator("p.notice")).to_have_text(
            "Đã lưu câu trả lời mẫu «Vay vốn hộ cận nghèo»."
        )

        # Open the loan question, write a greeting, insert the saved reply after it.
        await page.goto(f"{server}/dashboard")
        await page.click("tr:has-text('vay vốn ngân hàng') a:has-text('#')")
        await page.wait_for_selector("text=Trả lời người dân")
        address = page.url
        box = page.locator("#answer-box")
        await box.fill("Chào bác,")
        await box.press("End")
        await page.select_option("#reply-pick", label="Vay vốn hộ cận nghèo")
        await page.click("#reply-insert")
        await expect(box).to_have_value(re.compile(r"^Chào bác,\n\n.+Nguồn: .+", re.S))
        assert page.url == address  # inserted in place, nothing reloaded
        await page.click("form.answer button")
        await expect(page.locator("p.notice")).to_contain_text("Đã gửi câu trả lời cho câu hỏi số")
        assert "Nguồn:" in await page.locator("blockquote").nth(1).inner_text()
        await browser.close()
