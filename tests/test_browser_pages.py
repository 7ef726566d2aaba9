"""The rest of the officers' dashboard in a real browser (Playwright driving Debian's Chromium,
under the pages' Content-Security-Policy): a dialogue session from its creation to its minutes
downloaded, a word taught to the loudspeaker, a saved reply written and used on a question, a
contact corrected until the content audit no longer lists it, the audit log, and the QR links;
a viewer reads what is read-only for viewers and finds no way to the admins' pages. No page logs a
script error or a CSP violation, and none answers with a server error."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from docx import Document
from playwright.async_api import Page, async_playwright, expect

from tests.browser_server import ARGS, CHROMIUM, PHONE, log_in, serving, watch

QUESTIONS = (
    "Nhà tôi ở thôn 2 bị sạt lở, xin hỏi có hỗ trợ làm lại nhà không?",
    "Bao giờ thôn tôi có đèn đường chiếu sáng?",
)
MINUTES_SAVED = (
    "Đã lưu thành phần tham dự và kết luận; biên bản tải về từ nay ghi các nội dung này."
)


def vn_today() -> dt.date:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(hours=7)).date()


@pytest.fixture
def server(tmp_path):
    with serving(tmp_path, (("quantri", "admin"), ("xem", "viewer")), QUESTIONS) as url:
        yield url


async def open_as(browser, server: str, username: str, **options) -> tuple[Page, list[str]]:  # type: ignore[no-untyped-def]
    page = await (await browser.new_context(**options)).new_page()
    problems = watch(page)
    await log_in(page, server, username)
    return page, problems


async def no_wider_than_the_phone(page: Page) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide on a {PHONE['width']} px phone"


async def test_an_admin_holds_a_dialogue_session_and_downloads_its_minutes(server, tmp_path):
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        admin, problems = await open_as(browser, server, "quantri", accept_downloads=True)
        await admin.click("a:has-text('Đối thoại chính sách')")
        await expect(admin.locator("h1")).to_have_text("Buổi đối thoại chính sách")
        await expect(admin.locator("main ul li")).to_have_text(["Chưa có buổi đối thoại nào."])

        await admin.fill("input[name=title]", "Đối thoại chính sách thôn 2")
        await admin.fill("input[name=held_on]", "2026-12-05")
        await admin.fill("input[name=place]", "Nhà văn hóa thôn 2")
        await admin.fill("input[name=chair]", "Nguyễn Văn An")
        await admin.click("form.login button:has-text('Tạo')")
        await expect(admin.locator("h1")).to_have_text("Đối thoại chính sách thôn 2")
        await expect(admin.locator("main")).to_contain_text(
            "Ngày 05/12/2026 · Nhà văn hóa thôn 2 · Chủ trì: Nguyễn Văn An"
        )
        session_page = admin.url
        assert re.search(r"/dashboard/sessions/\d+$", session_page)

        # The two questions of the inbox are taken to the session.
        await admin.fill("input[name=questions]", "1, 2")
        await admin.click("button:has-text('Thêm')")
        items = admin.locator("main ol > li")
        await expect(items).to_have_count(2)
        await expect(items.first).to_contain_text("bị sạt lở")

        # The answer given there is recorded, and the citizen will be told.
        await items.first.locator("textarea[name=answer]").fill(
            "Xã lập danh sách hộ bị sạt lở, hỗ trợ làm lại nhà trong quý I."
        )
        await items.first.locator("button").click()
        await expect(admin.locator("main ol > li").first.locator("blockquote")).to_have_text(
            "Xã lập danh sách hộ bị sạt lở, hỗ trợ làm lại nhà trong quý I."
        )

        await admin.fill(
            "textarea[name=attendees]", "Ông Nguyễn Văn An, Chủ tịch UBND xã\nBà Lê Thị Hoa"
        )
        await admin.fill("textarea[name=conclusions]", "Rà soát nhà ở hộ nghèo trước 31/12.")
        await admin.click("button:has-text('Lưu nội dung biên bản')")
        await expect(admin.locator("p.notice")).to_have_text(MINUTES_SAVED)

        async with admin.expect_download() as waiting:
            await admin.click("a:has-text('Biên bản (DOCX)')")
        download = await waiting.value
        assert re.fullmatch(r"bien-ban-doi-thoai-\d+\.docx", download.suggested_filename)
        path = tmp_path / download.suggested_filename
        await download.save_as(path)
        document = Document(path)
        text = "\n".join(
            [p.text for p in document.paragraphs]
            + [c.text for t in document.tables for r in t.rows for c in r.cells]
        )
        assert "Bà Lê Thị Hoa" in text and "Rà soát nhà ở hộ nghèo trước 31/12." in text
        assert "hỗ trợ làm lại nhà trong quý I" in text

        # On a phone, the session's page fits the screen.
        await admin.set_viewport_size(PHONE)
        await admin.reload()
        await no_wider_than_the_phone(admin)
        assert problems == []

        # A viewer reads the session and its minutes, with nothing to press.
        viewer, seen = await open_as(browser, server, "xem")
        await viewer.click("a:has-text('Đối thoại chính sách')")
        await expect(viewer.locator("h2:has-text('Tạo buổi đối thoại')")).to_have_count(0)
        await viewer.click("a:has-text('Đối thoại chính sách thôn 2')")
        await expect(viewer.locator("main")).to_contain_text("Thành phần tham dự:")
        await expect(viewer.locator("main")).to_contain_text(
            "Kết luận: Rà soát nhà ở hộ nghèo trước 31/12."
        )
        assert await viewer.locator("main form").count() == 0
        assert seen == []
        await browser.close()


async def test_an_admin_teaches_the_loudspeaker_an_abbreviation_and_hears_it_read(server):
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        admin, problems = await open_as(browser, server, "quantri")
        await admin.click("nav a:has-text('Cách đọc')")
        await expect(admin.locator("h1")).to_have_text("Cách đọc chữ viết tắt")
        assert await admin.locator("td:text-is('KHHGĐ')").count() == 0

        await admin.fill("input[name=term]", "KHHGĐ")
        await admin.fill("input[name=reading]", "kế hoạch hóa gia đình")
        await admin.click("form.login button:has-text('Lưu')")
        await expect(admin.locator("p.notice")).to_have_text("Đã lưu cách đọc «KHHGĐ».")
        row = admin.locator("tr", has=admin.locator("td:text-is('KHHGĐ')"))
        await expect(row.locator("td")).to_have_text(
            ["KHHGĐ", "kế hoạch hóa gia đình", "cán bộ thêm", "Bỏ"]
        )

        await admin.fill("input[name=thu]", "Họp về KHHGĐ tại thôn 2")
        await admin.click("button:has-text('Xem lời đọc')")
        await expect(admin.locator("main")).to_contain_text(
            "Loa sẽ đọc: Họp về kế hoạch hóa gia đình"
        )
        assert problems == []

        viewer, seen = await open_as(browser, server, "xem")
        await viewer.click("nav a:has-text('Cách đọc')")
        await expect(
            viewer.locator("tr", has=viewer.locator("td:text-is('KHHGĐ')"))
        ).to_contain_text("kế hoạch hóa gia đình")
        assert await viewer.locator("input[name=reading]").count() == 0
        assert await viewer.locator("button:has-text('Bỏ')").count() == 0
        assert seen == []
        await browser.close()


async def test_an_admin_saves_a_reply_of_their_own_and_answers_a_question_with_it(server):
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        admin, problems = await open_as(browser, server, "quantri")
        await admin.click("a:has-text('Câu trả lời mẫu')")
        await expect(admin.locator("h1")).to_have_text("Câu trả lời mẫu")
        await admin.fill("input[name=title]", "Hẹn làm việc")
        await admin.fill(
            "textarea[name=body]",
            "Mời bác mang giấy tờ nhà đến UBND xã sáng thứ Hai để cán bộ hướng dẫn.",
        )
        await admin.click("form.reply-form button")
        await expect(admin.locator("p.notice")).to_have_text(
            "Đã lưu câu trả lời mẫu «Hẹn làm việc»."
        )
        saved = admin.locator("section.saved-reply")
        await expect(saved.locator("h3")).to_have_text(["Hẹn làm việc"])
        await expect(saved.locator("blockquote")).to_contain_text("sáng thứ Hai")

        await admin.click("a:has-text('« Hộp thư')")
        await admin.click("tr:has-text('bị sạt lở') a:has-text('#')")
        await admin.select_option("#reply-pick", label="Hẹn làm việc")
        await admin.click("#reply-insert")
        await expect(admin.locator("#answer-box")).to_have_value(
            "Mời bác mang giấy tờ nhà đến UBND xã sáng thứ Hai để cán bộ hướng dẫn."
        )
        await admin.click("form.answer button")
        await expect(admin.locator("p.notice")).to_contain_text("Đã gửi câu trả lời cho câu hỏi số")
        await expect(admin.locator("blockquote").last).to_contain_text("sáng thứ Hai")
        assert problems == []

        viewer, seen = await open_as(browser, server, "xem")
        await viewer.click("a:has-text('Câu trả lời mẫu')")
        await expect(viewer.locator("section.saved-reply h3")).to_have_text(["Hẹn làm việc"])
        assert await viewer.locator("form.reply-form").count() == 0
        assert await viewer.locator("button:has-text('Xóa')").count() == 0
        assert seen == []
        await browser.close()


async def test_a_contact_corrected_today_leaves_the_content_audit_and_enters_the_audit_log(
    server,
):
    # Half a year less a day ahead: contacts checked before today are due, one checked today not.
    day = vn_today() + dt.timedelta(days=179)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        admin, problems = await open_as(browser, server, "quantri")
        await admin.click("nav a:has-text('Rà soát nội dung')")
        await expect(admin.locator("h1")).to_have_text(
            f"Rà soát nội dung ngày {vn_today():%d/%m/%Y}"
        )
        await admin.fill("input[name=date]", day.isoformat())
        await admin.click("form.filters button:has-text('Xem')")
        await expect(admin.locator("h1")).to_have_text(f"Rà soát nội dung ngày {day:%d/%m/%Y}")
        due = admin.locator("tr[data-kind=stale_contact]")
        await expect(due.filter(has_text="tgpl-an-giang")).to_have_count(1)
        await expect(due.filter(has_text="tgpl-can-tho")).to_have_count(1)

        # The An Giang centre, found through the contacts menu, corrected.
        await admin.click("nav a:has-text('Liên hệ')")
        await admin.select_option("select[name=province]", "91")  # An Giang
        await admin.click("form.filters button")
        await admin.click(
            "tr:has-text('Trợ giúp pháp lý nhà nước tỉnh An Giang') a:has-text('Sửa')"
        )
        await expect(admin.locator("h1")).to_have_text(
            "Trung tâm Trợ giúp pháp lý nhà nước tỉnh An Giang"
        )
        await admin.fill("input[name=phone]", "0296 3852 123")
        await admin.check("input[name=phone_verified]")
        await admin.fill("input[name=hours]", "Sáng 7 giờ đến 11 giờ, thứ Hai đến thứ Sáu")
        await admin.click("button:has-text('Lưu và ghi đã kiểm tra')")
        await expect(admin.locator("dl.facts")).to_contain_text(
            f"kiểm tra ngày {vn_today():%d/%m/%Y} bởi quantri"
        )
        history = admin.locator("table tbody tr")
        await expect(history).to_have_count(1)
        await expect(history).to_contain_text("Số điện thoại: — → 0296 3852 123")
        assert await admin.input_value("input[name=phone]") == "0296 3852 123"

        # The audit of the same day no longer lists it.
        await admin.click("nav a:has-text('Rà soát nội dung')")
        await admin.fill("input[name=date]", day.isoformat())
        await admin.click("form.filters button:has-text('Xem')")
        await expect(due.filter(has_text="tgpl-can-tho")).to_have_count(1)
        await expect(due.filter(has_text="tgpl-an-giang")).to_have_count(0)

        # The audit log says who changed it.
        await admin.click("nav a:has-text('Cán bộ')")
        await admin.click("a:has-text('Nhật ký thao tác')")
        await expect(admin.locator("h1")).to_have_text("Nhật ký thao tác")
        entry = admin.locator("tbody tr").first
        await expect(entry.locator("td").nth(1)).to_have_text("quantri")
        await expect(entry.locator("td").nth(2)).to_have_text("edit_contact")
        await expect(entry.locator("td").nth(3)).to_have_text("tgpl-an-giang")
        assert problems == []

        # A viewer finds neither audit in the menu, and is refused both.
        viewer, seen = await open_as(browser, server, "xem")
        assert await viewer.locator("a:has-text('Rà soát nội dung')").count() == 0
        assert await viewer.locator("a:has-text('Nhật ký thao tác')").count() == 0
        assert seen == []
        for address in ("/dashboard/content-audit", "/dashboard/audit"):
            refused = await viewer.goto(server + address)
            assert refused.status == 403, address
        refused = await viewer.goto(f"{server}/dashboard/contacts/tgpl-an-giang")
        assert refused.status == 403
        await browser.close()


async def test_the_qr_links_page_names_every_locality_and_says_telegram_is_off(server):
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        admin, problems = await open_as(browser, server, "quantri")
        await admin.click("a:has-text('Mã QR Telegram')")
        await expect(admin.locator("h1")).to_have_text(
            "Đường dẫn và mã QR mở Cầu Nối trên Telegram"
        )
        places = admin.locator("section.group")
        await expect(places.filter(has_text="Huyện Kiên Hải")).to_have_count(1)
        assert await places.count() > 1
        assert await places.filter(has_text="Kênh Telegram chưa được bật").count() == (
            await places.count()
        )
        assert await admin.locator("section.group img").count() == 0
        assert problems == []
        await browser.close()


async def test_on_a_phone_the_wide_tables_scroll_inside_the_page_not_across_it(server):
    """The inbox, a question, the contacts, the audit log and the content audit hold wide
    tables; on a 390 px phone each scrolls in its own box and the page keeps the screen's width."""
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        admin, problems = await open_as(browser, server, "quantri", viewport=PHONE)
        await no_wider_than_the_phone(admin)  # the inbox
        await admin.click("main table a[href^='/dashboard/questions/']")
        await expect(admin.locator("main")).to_contain_text("Câu hỏi #")
        await no_wider_than_the_phone(admin)
        for path in ("/dashboard/contacts", "/dashboard/audit", "/dashboard/content-audit"):
            response = await admin.goto(f"{server}{path}")
            assert response is not None and response.status == 200, path
            await no_wider_than_the_phone(admin)
        assert problems == []
        await browser.close()
