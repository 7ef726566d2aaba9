"""The web chat on a phone-sized screen, in a real browser: long words do not widen the page."""

from __future__ import annotations

from playwright.async_api import async_playwright

from tests.browser_server import ARGS, CHROMIUM
from tests.test_browser import server  # noqa: F401  (the fixture)

LINK = "https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc=" + (
    "1.0097" * 60
)


async def test_a_pasted_long_link_does_not_widen_the_page_on_a_phone(server):  # noqa: F811
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = await (await browser.new_context(viewport={"width": 390, "height": 800})).new_page()
        await page.goto(f"{server}/chat")
        await page.fill("textarea[name=text]", LINK)
        await page.click("form.ask button")
        await page.wait_for_selector("li.me .bubble")
        width = await page.evaluate("document.documentElement.scrollWidth")
        await browser.close()
    assert width <= 390
