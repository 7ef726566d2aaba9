"""The web application through aiohttp's test client: every route, sessions, CSRF, throttling,
roles and locality scope, escaping, and answers delivered back through the outbox."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app import keys
from bot.messages import Address, Inbound, Kind
from db.models import OutboxMessage, Question
from db.office import AuditEntry
from tests.web_client import CSRF, NONCE, csrf_of, login, other_browser, web_client

PASSWORD = "mat-khau-du-dai-1"
SCRIPT = "<script>alert('x')</script> hộ nghèo"


@pytest.fixture
async def client(settings, knowledge):
    async with web_client(
        settings,
        knowledge,
        officers=(
            ("admin", "admin", None),
            ("kienhai", "officer", "kien-hai"),
            ("xem", "viewer", None),
        ),
        password=PASSWORD,
    ) as c:
        yield c


async def ask(client, user: str, text: str, locality: str | None = None) -> Question:
    core = client.server.app[keys.CORE]
    address = Address("web", user)
    if locality:
        await core.handle(Inbound(address, Kind.BUTTON, payload=f"loc:{locality}"))
    await core.handle(Inbound(address, Kind.BUTTON, payload="m:ask"))
    await core.handle(Inbound(address, Kind.TEXT, text=text))
    async with client.server.app[keys.SESSIONS]() as db:
        return (await db.execute(select(Question).order_by(Question.id.desc()))).scalars().first()


async def test_landing_and_health(client):
    page = await client.get("/")
    assert page.status == 200
    html = await page.text()
    assert 'href="/chat"' in html and 'href="/dashboard"' in html
    health = await client.get("/healthz")
    assert health.status == 200
    assert (await health.json())["database"] == "ok"


async def test_web_chat_answers_and_ignores_a_double_submit(client):
    page = await client.get("/chat")
    html = await page.text()
    assert "Xin chào" in html and "Hỏi đáp chính sách" in html
    token, nonce = CSRF.search(html).group(1), NONCE.search(html).group(1)
    form = {"csrf": token, "nonce": nonce, "text": "ho can ngheo co dc vay von ko"}
    first = await client.post("/chat", data=form)
    again = await client.post("/chat", data=form)  # the same form sent twice
    assert first.status == again.status == 200
    html = await (await client.get("/chat")).text()
    assert html.count("ho can ngheo co dc vay von ko") == 1
    assert "Nguồn:" in html or "Có phải bạn muốn hỏi" in html


async def test_web_chat_rejects_a_post_without_its_token(client):
    await client.get("/chat")
    response = await client.post("/chat", data={"text": "xin chào", "csrf": "sai"})
    assert response.status == 403


async def test_citizen_text_is_escaped_everywhere(client):
    await login(client, "admin", PASSWORD)
    question = await ask(client, "u-xss", SCRIPT)
    for path in ("/dashboard", f"/dashboard/questions/{question.id}"):
        html = await (await client.get(path)).text()
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html


async def test_login_failure_throttling_and_session_cookie(client):
    bad = await login(client, "admin", "sai-mat-khau")
    assert bad.status == 401 and "Sai tên đăng nhập" in await bad.text()
    for _ in range(4):
        await login(client, "admin", "sai-mat-khau")
    throttled = await login(client, "admin", PASSWORD)  # right password, but too many failures
    assert throttled.status == 429


async def test_login_sets_a_safe_cookie_and_logout_needs_csrf(client):
    ok = await login(client, "admin", PASSWORD)
    assert ok.status == 303
    cookie = ok.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert (await client.get("/dashboard")).status == 200
    assert (await client.post("/dashboard/logout", data={"csrf": "nope"})).status == 403
    token = await csrf_of(client, "/dashboard")
    out = await client.post("/dashboard/logout", data={"csrf": token}, allow_redirects=False)
    assert out.status == 303
    after = await client.get("/dashboard", allow_redirects=False)
    assert after.status == 303 and after.headers["Location"] == "/dashboard/login"


async def test_after_a_wrong_password_the_form_still_works(client):
    bad = await login(client, "admin", "sai-mat-khau")
    token = CSRF.search(await bad.text()).group(1)
    assert token  # the re-shown form carries a fresh token…
    again = await client.post(
        "/dashboard/login",
        allow_redirects=False,
        data={"username": "admin", "password": PASSWORD, "csrf": token},
    )
    assert again.status == 303  # …so the second try logs in


async def test_login_form_has_its_own_csrf_token(client):
    forged = await client.post(
        "/dashboard/login", allow_redirects=False, data={"username": "admin", "password": PASSWORD}
    )
    assert forged.status == 403
    css = await client.get("/static/style.css")
    assert css.status == 200 and "body" in await css.text()


async def test_dashboard_needs_login(client):
    response = await client.get("/dashboard", allow_redirects=False)
    assert response.status == 303
    assert (await client.post("/dashboard/answer", data={})).status == 403


async def test_answer_without_or_with_wrong_csrf_is_rejected(client):
    question = await ask(client, "u1", "Xin hỏi khi nào xã họp bình xét hộ nghèo năm nay?")
    await login(client, "admin", PASSWORD)
    for token in (None, "gia-mao"):
        data = {"question": str(question.id), "answer": "Tháng 10."}
        if token:
            data["csrf"] = token
        assert (await client.post("/dashboard/answer", data=data)).status == 403


async def test_officer_sees_only_their_locality(client):
    own = await ask(client, "u-kh", "Nhà tôi ở Kiên Hải muốn hỏi về vay vốn ạ", locality="kien-hai")
    other = await ask(
        client, "u-lk", "Nhà tôi ở Long Khánh muốn hỏi về học phí ạ", locality="long-khanh"
    )
    await login(client, "kienhai", PASSWORD)
    html = await (await client.get("/dashboard")).text()
    assert "Kiên Hải muốn hỏi" in html and "Long Khánh muốn hỏi" not in html
    assert (await client.get(f"/dashboard/questions/{own.id}")).status == 200
    assert (await client.get(f"/dashboard/questions/{other.id}")).status == 404
    token = await csrf_of(client, "/dashboard")
    forbidden = await client.post(
        "/dashboard/answer", data={"csrf": token, "question": str(other.id), "answer": "x"}
    )
    assert forbidden.status == 404


async def test_viewer_reads_masked_and_cannot_act(client):
    question = await ask(client, "u-v", "Số điện thoại của tôi là 0912345678, xin gọi lại giúp")
    await login(client, "xem", PASSWORD)
    html = await (await client.get(f"/dashboard/questions/{question.id}")).text()
    assert "0912345678" not in html and "091****78" in html
    assert "Gửi trả lời" not in html
    token = await csrf_of(client, "/dashboard")
    response = await client.post(
        "/dashboard/answer", data={"csrf": token, "question": str(question.id), "answer": "x"}
    )
    assert response.status == 403


async def test_answer_is_delivered_back_to_the_web_chat(client):
    page = await client.get("/chat")
    html = await page.text()
    token, nonce = CSRF.search(html).group(1), NONCE.search(html).group(1)
    await client.post("/chat", data={"csrf": token, "nonce": nonce, "payload": "m:ask"})
    html = await (await client.get("/chat")).text()
    token, nonce = CSRF.search(html).group(1), NONCE.search(html).group(1)
    await client.post(
        "/chat",
        data={
            "csrf": token,
            "nonce": nonce,
            "text": "Nhà tôi mất sổ hộ nghèo thì xin lại ở đâu ạ?",
        },
    )
    async with client.server.app[keys.SESSIONS]() as db:
        question = (await db.execute(select(Question))).scalars().one()
    # an officer answers in another browser
    app = client.server.app
    officer_client = other_browser(client)
    try:
        await login(officer_client, "admin", PASSWORD)
        token = await csrf_of(officer_client, f"/dashboard/questions/{question.id}")
        answered = await officer_client.post(
            "/dashboard/answer",
            data={
                "csrf": token,
                "question": str(question.id),
                "answer": "Bà con đến UBND xã để được cấp lại.",
            },
        )
        assert answered.status == 200
        assert await app[keys.OUTBOX].deliver_due() == 1
        assert await app[keys.OUTBOX].deliver_due() == 0  # once
        detail = await (await officer_client.get(f"/dashboard/questions/{question.id}")).text()
        assert "đã gửi" in detail
    finally:
        await officer_client.close()
    chat = await (await client.get("/chat")).text()
    assert "Cán bộ trả lời" in chat and "Bà con đến UBND xã để được cấp lại." in chat
    async with app[keys.SESSIONS]() as db:
        q = await db.get(Question, question.id)
        assert q.status == "da_tra_loi" and q.officer_answer
        row = (await db.execute(select(OutboxMessage))).scalars().one()
        assert row.status == "sent" and row.attempts == 1
        audit = (await db.execute(select(AuditEntry.action))).scalars().all()
        assert "answer" in audit and "login" in audit


async def test_similar_questions_are_grouped_and_answered_once(client):
    first = await ask(client, "g1", "Hộ cận nghèo có được vay vốn ngân hàng không ạ")
    second = await ask(client, "g2", "ho can ngheo co duoc vay von ngan hang khong a")
    await ask(client, "g3", "Khi nào có buổi đối thoại chính sách ở xã mình?")
    await login(client, "admin", PASSWORD)
    html = await (await client.get("/dashboard?officer=1")).text()
    assert "2 câu hỏi giống nhau" in html
    token = CSRF.search(html).group(1)
    data = [
        ("csrf", token),
        ("question", str(first.id)),
        ("question", str(second.id)),
        ("answer", "Có, hỏi tổ tiết kiệm và vay vốn ở thôn."),
    ]
    assert (await client.post("/dashboard/answer", data=data)).status == 200
    async with client.server.app[keys.SESSIONS]() as db:
        rows = (await db.execute(select(OutboxMessage))).scalars().all()
    assert sorted(r.question_id for r in rows) == sorted([first.id, second.id])


async def test_inbox_filters_and_audit_page(client):
    await ask(client, "f1", "Xin hỏi thủ tục xin giấy chứng nhận hộ nghèo")
    await ask(client, "f2", "Con tôi học lớp 3 có được miễn học phí không")
    await login(client, "admin", PASSWORD)
    html = await (await client.get("/dashboard?q=giay+chung+nhan")).text()
    assert "giấy chứng nhận hộ nghèo" in html and "miễn học phí" not in html
    html = await (await client.get("/dashboard?from=2000-01-01&to=2000-01-02")).text()
    assert "Không có câu hỏi nào" in html
    html = await (await client.get("/dashboard?status=moi")).text()
    assert re.search(r"Mới: <strong>\d+</strong>", html)
    assert (await client.get("/dashboard/audit")).status == 200
    await login(client, "kienhai", PASSWORD)
    assert (await client.get("/dashboard/audit")).status == 403


async def test_status_change_is_audited(client, settings):
    question = await ask(client, "s1", "Tôi muốn góp ý về việc bình xét hộ nghèo ở thôn")
    await login(client, "admin", PASSWORD)
    token = await csrf_of(client, f"/dashboard/questions/{question.id}")
    response = await client.post(
        f"/dashboard/questions/{question.id}/status",
        data={"csrf": token, "status": "chuyen_doi_thoai"},
    )
    assert response.status == 200
    async with client.server.app[keys.SESSIONS]() as db:
        assert (await db.get(Question, question.id)).status == "chuyen_doi_thoai"
        entry = (
            (await db.execute(select(AuditEntry).where(AuditEntry.action == "set_status")))
            .scalars()
            .one()
        )
        assert entry.detail == {"from": "moi", "to": "chuyen_doi_thoai"}
    bad = await client.post(
        f"/dashboard/questions/{question.id}/status", data={"csrf": token, "status": "xoa-het"}
    )
    assert bad.status == 400


async def test_unknown_routes_and_bad_ids(client):
    assert (await client.get("/khong-co")).status == 404
    await login(client, "admin", PASSWORD)
    assert (await client.get("/dashboard/questions/abc")).status == 404
    assert (await client.get("/dashboard/questions/99999")).status == 404
