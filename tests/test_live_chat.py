"""The web chat's live updates: an officer answers in the dashboard, the outbox writes it into
the citizen's conversation, and GET /chat/updates gives it to that citizen's page once, marked as
the officer's, without a reload; a reconnect misses nothing and repeats nothing; nobody else
sees it."""

from __future__ import annotations

import asyncio
import datetime as dt
import html as html_lib
import re

import pytest
from sqlalchemy import select

from app import keys
from db.models import Citizen, Message
from tests.web_client import CSRF, NONCE, csrf_of, login, other_browser, web_client

PASSWORD = "mat-khau-du-dai-1"
AFTER = re.compile(r'data-after="(\d+)"')
ANSWER = "Bà con mang sổ hộ khẩu đến UBND xã để được cấp lại giấy chứng nhận."


@pytest.fixture
async def client(settings, knowledge):
    async with web_client(
        settings,
        knowledge,
        officers=(("kienhai", "officer", "kien-hai"), ("admin", "admin", None)),
        password=PASSWORD,
    ) as c:
        yield c


async def press(browser, **fields: str) -> None:
    """Sends the chat's form (a typed text or a button's payload) as the page would."""
    page = await (await browser.get("/chat")).text()
    data = {"csrf": CSRF.search(page).group(1), "nonce": NONCE.search(page).group(1), **fields}
    sent = await browser.post("/chat", data=data)
    assert sent.status == 200


async def citizen_asks_officers(browser, text: str) -> int:
    """A citizen of Kiên Hải sends a question to the officers; its id in the question log."""
    await press(browser, payload="loc:kien-hai")
    await press(browser, payload="m:ask")
    await press(browser, text=text)
    page = await (await browser.get("/chat")).text()
    return int(re.search(r"Đã gửi câu hỏi số (\d+)", page).group(1))


async def officer_answers(client, question_id: int, text: str, username: str = "kienhai") -> None:
    """The officer answers in the dashboard, in a browser of their own; the outbox runs."""
    officer = other_browser(client)
    try:
        await login(officer, username, PASSWORD)
        token = await csrf_of(officer, f"/dashboard/questions/{question_id}")
        answered = await officer.post(
            "/dashboard/answer",
            data={"csrf": token, "question": str(question_id), "answer": text},
        )
        assert answered.status == 200
    finally:
        await officer.close()
    assert await client.server.app[keys.OUTBOX].deliver_due() == 1


async def page_after(browser) -> int:
    return int(AFTER.search(await (await browser.get("/chat")).text()).group(1))


async def updates(browser, after: int | str) -> dict:
    response = await browser.get(f"/chat/updates?after={after}")
    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-store"
    return await response.json()


async def poll_until(browser, after: int, wanted: int, seconds: float = 8) -> tuple[list, int]:
    """Polls as the page's script does until `wanted` officer messages came (each message once):
    everything received, and the id to ask after next."""
    received: list[dict] = []
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        data = await updates(browser, after)
        received += data["messages"]
        after = data["last"]
        if sum(m["who"] == "officer" for m in received) >= wanted:
            break
        await asyncio.sleep(0.3)
    return received, after


async def test_the_officers_answer_reaches_the_open_page_once_marked_as_the_officers(client):
    question = await citizen_asks_officers(client, "Tôi bị mất giấy chứng nhận hộ nghèo thì sao?")
    after = await page_after(client)  # the page open before the officer answers
    await officer_answers(client, question, ANSWER)

    received, last = await poll_until(client, after, wanted=1)
    officer = [m for m in received if m["who"] == "officer"]
    assert len(officer) == 1
    assert ANSWER in officer[0]["text"]
    assert officer[0]["label"] == "Cán bộ huyện Kiên Hải trả lời"  # a role and place, no name
    assert "kienhai" not in str(officer[0])
    ids = [m["id"] for m in received]
    assert ids == sorted(set(ids)) and all(i > after for i in ids)  # in order, none twice
    await asyncio.sleep(1.2)  # anything still settling has settled by now
    assert (await updates(client, last))["messages"] == []  # asked again: nothing repeated

    # After a reload the same answer has the officer's bubble and label.
    page = html_lib.unescape(await (await client.get("/chat")).text())
    bubble = re.search(r'<li class="bot officer">\s*<span class="who">([^<]*)</span>', page)
    assert bubble and bubble.group(1) == "Cán bộ huyện Kiên Hải trả lời"
    assert page.count(ANSWER) == 1


async def test_a_reconnect_with_the_last_id_misses_nothing_and_repeats_nothing(client):
    first_q = await citizen_asks_officers(client, "Hỏi về thẻ bảo hiểm y tế cho hộ cận nghèo ạ")
    after = await page_after(client)
    await officer_answers(client, first_q, "Trả lời thứ nhất.")
    received, last = await poll_until(client, after, wanted=1)
    assert [m["text"].endswith("Trả lời thứ nhất.") for m in received if m["who"] == "officer"] == [
        True
    ]
    # The page is closed (a lost connection); meanwhile two more answers come.
    second_q = await citizen_asks_officers(client, "Cho tôi hỏi thêm về vay vốn làm nhà ạ")
    third_q = await citizen_asks_officers(client, "Và hỗ trợ tiền điện thì sao ạ?")
    await officer_answers(client, second_q, "Trả lời thứ hai.")
    await officer_answers(client, third_q, "Trả lời thứ ba.", username="admin")
    # It comes back and asks after the last id it had.
    again, _ = await poll_until(client, last, wanted=2)
    texts = [m["text"] for m in again]
    officer = [m for m in again if m["who"] == "officer"]
    assert [m["text"].rsplit("\n", 1)[-1] for m in officer] == [
        "Trả lời thứ hai.",
        "Trả lời thứ ba.",
    ]
    assert officer[1]["label"] == "Cán bộ quản trị trả lời"  # the admin, unscoped
    assert not any("Trả lời thứ nhất." in t for t in texts)  # not repeated
    assert "Cho tôi hỏi thêm về vay vốn làm nhà ạ" in texts  # what was said between is there
    assert all(m["id"] > last for m in again)


async def test_another_citizens_updates_never_carry_the_answer(client):
    question = await citizen_asks_officers(client, "Nhà tôi bị sạt lở có được hỗ trợ không?")
    other = other_browser(client)
    try:
        await other.get("/chat")  # a second citizen with the page open
        await officer_answers(client, question, ANSWER)
        await asyncio.sleep(1.2)
        theirs = await updates(other, 0)
        assert theirs["messages"], "their own greeting is listed"
        assert all(m["who"] != "officer" for m in theirs["messages"])
        assert not any(ANSWER in m["text"] for m in theirs["messages"])
        assert ANSWER not in await (await other.get("/chat")).text()
    finally:
        await other.close()
    mine, _ = await poll_until(client, 0, wanted=1)
    assert sum(ANSWER in m["text"] for m in mine) == 1


@pytest.mark.parametrize(
    "after", ["", "abc", "-1", "1.5", "1e3", "١٢", " 1", "2147483648", "99999999999999999999"]
)
async def test_a_bad_after_is_refused_with_400_and_a_vietnamese_reason(client, after):
    await client.get("/chat")
    response = await client.get("/chat/updates", params={"after": after})
    assert response.status == 400
    assert "số thứ tự của một tin nhắn" in await response.text()


async def test_the_largest_id_is_asked_after_without_error(client):
    await client.get("/chat")
    assert (await updates(client, 2**31 - 1)) == {"messages": [], "last": 2**31 - 1, "more": False}


async def test_updates_without_the_chat_cookie_are_refused(client):
    assert (await client.get("/chat/updates?after=0")).status == 403
    client.session.cookie_jar.update_cookies({"caunoi_chat": "forged.value"})
    refused = await client.get("/chat/updates?after=0")
    assert refused.status == 403 and "hết hạn" in await refused.text()


async def test_a_message_not_yet_settled_holds_back_those_after_it(client):
    """A row that got a lower id but was written a moment later (its transaction committed
    late) is not jumped over: nothing after it is listed until it has settled."""
    await client.get("/chat")
    async with client.server.app[keys.SESSIONS]() as db:
        citizen = (await db.execute(select(Citizen))).scalars().one()
        now = dt.datetime.now(dt.UTC)
        late = Message(citizen_id=citizen.id, direction="out", kind="officer", text="Muộn")
        late.created_at = now
        early = Message(citizen_id=citizen.id, direction="out", kind="text", text="Sớm")
        early.created_at = now - dt.timedelta(seconds=30)
        db.add(late)
        await db.flush()
        db.add(early)
        await db.commit()
        assert early.id > late.id
        before = late.id - 1
    first = await updates(client, before)
    assert first["messages"] == [] and first["last"] == before
    await asyncio.sleep(1.2)
    second = await updates(client, before)
    assert [m["text"] for m in second["messages"]] == ["Muộn", "Sớm"]


async def test_the_page_loads_its_script_from_static_and_has_no_inline_script(client):
    page = await (await client.get("/chat")).text()
    assert '<script src="/static/chat.js" defer></script>' in page
    assert re.search(r"<script(?![^>]*\bsrc=)", page) is None
    assert 'data-updates="/chat/updates"' in page
    script = await (await client.get("/static/chat.js")).text()
    assert "textContent" in script and "innerHTML" not in script  # citizen text stays text
