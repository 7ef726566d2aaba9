"""A bulletin in a real browser (Playwright driving Debian's Chromium, under the pages' strict
Content-Security-Policy): an officer uploads a recording into the script, moves it, builds, and
the progress bar of bulletins.js refreshes itself until the finished bulletin is shown."""

from __future__ import annotations

import pytest
from playwright.async_api import async_playwright, expect

from tests.browser_server import ARGS, CHROMIUM, log_in, serving
from tests.test_bulletins import recording

LONG_TEXT = " ".join(
    f"Điểm {i}: hộ nghèo, hộ cận nghèo mang giấy tờ đến nhà văn hóa thôn để rà soát."
    for i in range(1, 9)
)


@pytest.fixture
def server(tmp_path):
    env = {"AUDIO_DIR": str(tmp_path / "audio"), "TTS_ENGINE": "espeak"}
    with serving(tmp_path, (("canbo", "admin"),), **env) as url:
        yield url


async def test_officer_builds_a_bulletin_and_watches_its_progress(server, tmp_path):
    jingle = tmp_path / "nhac-hieu.wav"
    jingle.write_bytes(recording("wav"))
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = await (await browser.new_context()).new_page()
        refused: list[str] = []
        page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else 0)
        await log_in(page, server, "canbo")
        await page.goto(f"{server}/dashboard/bulletins")
        await page.fill("input[name=title]", "Rà soát hộ nghèo")
        await page.select_option("select[name=locality]", "kien-hai")
        await page.fill("textarea[name=text]", LONG_TEXT)
        await page.click("button:has-text('Tạo bản nháp')")
        await page.wait_for_selector("text=Kịch bản")
        upload = page.locator("form[enctype='multipart/form-data']")
        await upload.locator("input[name=title]").fill("Nhạc hiệu")
        await upload.locator("input[type=file]").set_input_files(str(jingle))
        await upload.locator("button").click()
        await page.wait_for_selector("text=Bản thu âm: Nhạc hiệu")
        await page.click("li:nth-child(2) button:has-text('Lên')")  # the jingle first
        await expect(page.locator("ol li").first).to_contain_text("Nhạc hiệu")
        await page.click("button:has-text('Lưu và thu âm')")
        await expect(page.locator("#build-label")).to_have_text("Đang thu âm")
        # bulletins.js polls the progress, then reloads the page with the finished bulletin
        await expect(page.locator("#build-label")).to_have_text("Đã thu âm xong", timeout=60_000)
        link = page.locator("a:has-text('Tải ban-tin-kien-hai-')")
        await expect(link).to_have_count(1)
        async with page.expect_download() as waiting:
            await link.click()
        download = await waiting.value
        assert download.suggested_filename.startswith("ban-tin-kien-hai-")
        assert refused == []
        await browser.close()
