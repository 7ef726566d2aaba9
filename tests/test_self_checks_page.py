"""Saved self-checks in the dashboard: a citizen runs the household self-check in the web chat and
agrees to keep the result; the officers of that citizen's locality (and admins) see it with the
household's answers, another province's officers do not, viewers see it masked, and a result the
citizen did not agree to keep is never listed."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from sqlalchemy import select

from app import keys
from db.models import Citizen, Question
from tests.web_client import CSRF, NONCE, login, other_browser, web_client

PASSWORD = "mat-khau-du-dai-1"
NAME = "Nguyễn Thị Lan"
PHONE = "0912345678"
LACKING = 3  # the first three indicators answered "yes, lacking"


@pytest.fixture
async def client(settings, knowledge):
    async with web_client(
        settings,
        knowledge,
        officers=(
            ("admin", "admin", None),
            ("kienhai", "officer", "kien-hai"),
            ("angiang", "officer", "p:91"),  # Kiên Hải is in An Giang today
            ("longkhanh", "officer", "long-khanh"),
            ("dongnai", "officer", "p:75"),
            ("xem", "viewer", None),
        ),
        password=PASSWORD,
    ) as c:
        yield c


async def press(browser, **fields: str) -> str:
    """Sends the chat's form as the page would; the page shown afterwards."""
    page = await (await browser.get("/chat")).text()
    data = {"csrf": CSRF.search(page).group(1), "nonce": NONCE.search(page).group(1), **fields}
    sent = await browser.post("/chat", data=data)
    assert sent.status == 200
    return html_lib.unescape(await sent.text())


async def run_self_check(browser, locality: str, income: str, save: bool) -> str:
    """A citizen picks their place, runs the self-check (rural, 4 people, `income`, the first
    LACKING indicators lacking, the others not) and answers the consent question."""
    await press(browser, payload=f"loc:{locality}")
    await press(browser, payload="m:check")
    await press(browser, payload="chk:rural")
    await press(browser, text="4 người")
    page = await press(browser, text=income)
    for number in range(12):
        assert f"Câu {number + 1}/12" in page
        page = await press(browser, payload="chk:yes" if number < LACKING else "chk:no")
    assert "lưu kết quả" in page
    return await press(browser, payload="chk:save" if save else "chk:nosave")


async def as_officer(client, username: str, path: str = "/dashboard/self-checks") -> str:
    browser = other_browser(client)
    try:
        await login(browser, username, PASSWORD)
        response = await browser.get(path)
        assert response.status == 200
        return html_lib.unescape(await response.text())
    finally:
        await browser.close()


@pytest.fixture
async def saved(client) -> Question:
    """Lan, of Kiên Hải, ran the self-check in the web chat and agreed to save it."""
    page = await run_self_check(client, "kien-hai", "5 triệu", save=True)
    assert "Đã lưu kết quả" in page
    async with client.server.app[keys.SESSIONS]() as db:
        question = (await db.execute(select(Question))).scalars().one()
        citizen = await db.get(Citizen, question.citizen_id)
        # Seeded as an officer's record of the citizen would hold them.
        citizen.display_name, citizen.phone = NAME, PHONE
        await db.commit()
    return question


def lacking_names(client, question: Question) -> list[str]:
    period = re.search(r"\((\d{4}-\d{4})\)", question.text).group(1)
    standard = client.server.app[keys.CONTENT].standards[period]
    return [i.name for i in standard.indicators[:LACKING]]


async def test_the_localitys_officer_sees_the_saved_result_with_the_households_answers(
    client, saved
):
    page = await as_officer(client, "kienhai")
    assert f'href="/dashboard/questions/{saved.id}"' in page
    assert '<td class="classification"><strong>hộ nghèo</strong>' in page  # estimated
    assert "Khu vực: nông thôn" in page and "Số người: 4" in page
    assert "Thu nhập cả hộ: 5.000.000 đồng/tháng" in page
    assert "bình quân 1.250.000 đồng/người/tháng" in page
    assert f"Thiếu hụt {LACKING} chỉ số: " + ", ".join(lacking_names(client, saved)) in page
    assert page.count("không thiếu hụt") == 12 - LACKING  # every indicator, as answered
    assert "web chat" in page and "Huyện Kiên Hải" in page  # channel and place by name
    assert NAME in page and PHONE in page  # an officer sees them unmasked
    assert "Tổng số: <strong>1</strong>" in page


async def test_the_province_officer_and_the_admin_see_it_too(client, saved):
    for username in ("angiang", "admin"):
        assert f"#{saved.id}" in await as_officer(client, username), username


async def test_another_provinces_officers_do_not_see_it(client, saved):
    for username in ("longkhanh", "dongnai"):
        page = await as_officer(client, username)
        assert f"#{saved.id}" not in page and NAME not in page and "5.000.000" not in page
        assert "Chưa có kết quả tự kiểm tra nào được lưu." in page


async def test_a_viewer_sees_the_name_and_phone_masked(client, saved):
    page = await as_officer(client, "xem")
    assert f"#{saved.id}" in page and "Khu vực: nông thôn" in page
    assert "N*** T*** L***" in page and "091****78" in page
    assert NAME not in page and PHONE not in page


async def test_a_result_not_agreed_to_be_saved_never_appears(client, saved):
    other = other_browser(client)
    try:
        page = await run_self_check(other, "kien-hai", "7 triệu", save=False)
        assert "Kết quả không được lưu." in page
        # And a question typed to the officers in the words of a summary is not a self-check.
        await press(other, payload="m:ask")
        await press(other, text=saved.text.replace("5.000.000", "6.000.000"))
    finally:
        await other.close()
    async with client.server.app[keys.SESSIONS]() as db:
        questions = (await db.execute(select(Question).order_by(Question.id))).scalars().all()
    assert len(questions) == 2  # the saved one and the typed one; nothing of the other check
    typed = questions[1]
    assert typed.sent_by_citizen and typed.text.startswith("Tự kiểm tra diện hỗ trợ (")
    page = await as_officer(client, "kienhai")
    assert "7.000.000" not in page and "6.000.000" not in page
    assert "Tổng số: <strong>1</strong>" in page and f"#{saved.id}" in page


async def test_the_menu_links_the_page_and_a_bad_page_number_is_refused(client, saved):
    dashboard = await as_officer(client, "kienhai", "/dashboard")
    assert 'href="/dashboard/self-checks"' in dashboard
    browser = other_browser(client)
    try:
        await login(browser, "kienhai", PASSWORD)
        for bad in ("abc", "0", "-2", "1e9"):
            refused = await browser.get(f"/dashboard/self-checks?page={bad}")
            assert refused.status == 400, bad
            assert "Số trang không hợp lệ" in await refused.text()
        assert (
            f"#{saved.id}" not in await (await browser.get("/dashboard/self-checks?page=2")).text()
        )
    finally:
        await browser.close()


async def test_without_a_login_the_page_asks_to_log_in(client):
    response = await client.get("/dashboard/self-checks", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/dashboard/login"
