"""The web chat live, in a real browser (Playwright driving Debian's Chromium): a citizen on a
390 px phone runs the self-check and agrees to save it, then asks the officers; the officer of
Kiên Hải, in another browser, finds the saved result under "Tự kiểm tra" and answers; the answer
appears on the citizen's open page without a reload, in the officer's own bubble and label, and
the page does not grow wider than the phone."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import async_playwright, expect

from tests.browser_server import ARGS, CHROMIUM, PHONE, console_errors, log_in, serving

# An answer with a long unbroken link: the bubble must break it, not widen the page.
LINK = "https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma=" + (
    "1.0097" * 40
)
ANSWER = f"Gia đình nộp đơn tại UBND xã; xem thủ tục tại {LINK}"


@pytest.fixture
def server(tmp_path):
    with serving(tmp_path, (("kienhai", "officer", "kien-hai"),)) as url:
        yield url


async def tap(page, label: str) -> None:
    await page.click(f"form.choices button:text-is('{label}')")


async def test_the_officers_answer_appears_live_in_its_own_bubble_on_a_phone(server):
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        citizen = await (await browser.new_context(viewport=PHONE)).new_page()
        problems = console_errors(citizen)
        await citizen.goto(f"{server}/chat")
        await tap(citizen, "Chọn địa phương")
        await citizen.click("form.choices button:has-text('Kiên Hải')")
        await citizen.wait_for_selector("text=Đã ghi nhận địa phương của bạn")

        # The self-check, saved for the officers.
        await tap(citizen, "Kiểm tra diện hỗ trợ")
        await tap(citizen, "Nông thôn")
        await citizen.fill("textarea[name=text]", "4")
        await citizen.click("form.ask button")
        await citizen.fill("textarea[name=text]", "5 triệu")
        await citizen.click("form.ask button")
        for number in range(12):
            await citizen.wait_for_selector(f"text=Câu {number + 1}/12")
            await tap(citizen, "Có" if number < 3 else "Không")
        await tap(citizen, "Đồng ý lưu")
        await citizen.wait_for_selector("text=Đã lưu kết quả")

        # Then a question for the officers.
        await tap(citizen, "Về menu chính")
        await tap(citizen, "Gửi câu hỏi cho cán bộ")
        await citizen.fill("textarea[name=text]", "Tôi mất giấy chứng nhận hộ nghèo thì làm sao?")
        await citizen.click("form.ask button")
        await citizen.wait_for_selector("text=Đã gửi câu hỏi số")
        number = re.search(r"Đã gửi câu hỏi số (\d+)", await citizen.content()).group(1)
        await citizen.evaluate("window.stillTheSamePage = true")  # gone if the page reloads
        loads: list[str] = []
        citizen.on("load", lambda _: loads.append("load"))

        officer = await (await browser.new_context()).new_page()
        await log_in(officer, server, "kienhai")
        await officer.goto(f"{server}/dashboard/contacts")
        await officer.click("nav a:has-text('Tự kiểm tra')")  # the menu leads there
        await officer.wait_for_selector("h1:has-text('Kết quả tự kiểm tra diện hỗ trợ')")
        row = officer.locator("table.self-checks tbody tr")
        await expect(row).to_have_count(1)
        assert "Khu vực: nông thôn" in await row.inner_text()
        assert "Thiếu hụt 3 chỉ số" in await row.inner_text()
        await officer.goto(f"{server}/dashboard/questions/{number}")
        await officer.fill("form.answer textarea", ANSWER)
        await officer.click("form.answer button")

        answer = citizen.locator("li.officer").last
        await expect(answer.locator(".bubble")).to_contain_text(LINK, timeout=30_000)
        await expect(answer.locator(".who")).to_have_text("Cán bộ huyện Kiên Hải trả lời")
        assert loads == [] and await citizen.evaluate("window.stillTheSamePage") is True
        assert await citizen.locator("li.officer").count() == 1  # shown once

        bot = citizen.locator("li.bot:not(.officer) .bubble").last
        style = (
            "e => { const s = getComputedStyle(e); return [s.backgroundColor, s.borderLeftWidth]; }"
        )
        officer_style = await answer.locator(".bubble").evaluate(style)
        assert officer_style != await bot.evaluate(style)
        assert officer_style[1] == "4px"
        assert await citizen.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert problems == []  # no CSP violation, no script error

        await citizen.reload()  # after a reload: the same bubble and label, once
        await expect(citizen.locator("li.officer .who")).to_have_text(
            ["Cán bộ huyện Kiên Hải trả lời"]
        )
        await browser.close()
