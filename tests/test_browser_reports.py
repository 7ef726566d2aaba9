"""The report page in a real browser: a citizen's question this month shows in this month's
figures and chart; choosing another month shows that month's; the XLSX downloads."""

from __future__ import annotations

import datetime as dt

from openpyxl import load_workbook
from playwright.async_api import async_playwright

from tests.browser_server import ARGS, CHROMIUM, log_in
from tests.test_browser import server  # noqa: F401 (the fixture)


async def test_the_report_page_charts_this_month_and_another_month_on_request(server, tmp_path):  # noqa: F811
    today = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=7)).date()
    this_month = today.replace(day=1)
    before = (this_month - dt.timedelta(days=1)).replace(day=1)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        citizen = await (await browser.new_context()).new_page()
        await citizen.goto(f"{server}/chat")
        await citizen.click("button:has-text('Gửi câu hỏi cho cán bộ')")
        await citizen.fill(
            "textarea[name=text]", "Xin hỏi xã có hỗ trợ sửa nhà cho hộ nghèo bị sạt lở không?"
        )
        await citizen.click("form.ask button")
        await citizen.wait_for_selector("text=Đã gửi câu hỏi số")

        officer = await (await browser.new_context(accept_downloads=True)).new_page()
        errors: list[str] = []
        officer.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        await log_in(officer, server, "canbo")
        await officer.wait_for_load_state()
        await officer.goto(f"{server}/dashboard/stats")
        title = f"Báo cáo kết quả công tác truyền thông giảm nghèo tháng {this_month:%m/%Y}"
        assert await officer.inner_text("#tieu-de") == title
        assert "Tổng số: 1 câu hỏi" in await officer.inner_text("p.summary")
        assert await officer.locator("svg.chart").count() == 3
        assert await officer.locator("svg.chart rect").count() >= 3  # web chat, open, no topic
        assert await officer.locator("svg.chart text:has-text('Web chat')").count() == 1
        row = officer.locator("#so-lieu tr", has_text="Chưa trả lời (đang chờ cán bộ)")
        assert (await row.locator("td").all_inner_texts())[-1] == "1"

        async with officer.expect_download() as download_info:
            await officer.click("a:has-text('Tải bảng số liệu (XLSX)')")
        download = await download_info.value
        assert download.suggested_filename == f"bao-cao-thang-{this_month:%Y-%m}.xlsx"
        path = tmp_path / "bao-cao.xlsx"
        await download.save_as(path)
        cells = [c for r in load_workbook(path).active.iter_rows(values_only=True) for c in r]
        assert "Kết quả công tác truyền thông giảm nghèo tháng " + f"{this_month:%m/%Y}" in cells

        await officer.fill("#theo-thang input[name=month]", f"{before:%Y-%m}")
        await officer.click("#theo-thang button")
        await officer.wait_for_url(f"**/dashboard/stats?month={before:%Y-%m}*")
        assert await officer.inner_text("#tieu-de") == title.replace(
            f"{this_month:%m/%Y}", f"{before:%m/%Y}"
        )
        assert "Tổng số: 0 câu hỏi" in await officer.inner_text("p.summary")
        assert await officer.locator("svg.chart").count() == 1  # the answers' bars, all zero
        assert "Chưa có câu hỏi nào trong kỳ." in await officer.content()

        await officer.fill("#theo-ky input[name=from]", f"{before:%Y-%m-%d}")
        await officer.fill("#theo-ky input[name=to]", f"{today:%Y-%m-%d}")
        await officer.click("#theo-ky button")
        await officer.wait_for_selector("text=Tổng số: 1 câu hỏi")
        assert errors == []
        await browser.close()
