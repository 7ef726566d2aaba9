"""The Zalo OA channel end to end against our fake OpenAPI/OAuth server: signed webhooks,
answers through the outbox, token refresh and rotation, and the messaging window."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from app import keys
from app.settings import Settings
from channels.zalo_oa_tokens import TokenStore
from db.models import Citizen, Message, OutboxMessage, Question, ZaloToken
from db.officers import create_officer
from tests.factories import (
    ZALO_APP,
    ZALO_KEY,
    ZALO_SECRET,
    ZALO_SIGNATURE_HEADER,
    ZALO_USER,
    zalo_follow,
    zalo_seen,
)
from tests.fakes.zalo_api import FakeZalo
from tests.web_client import csrf_of, login, web_client


@pytest.fixture
async def fake():
    api = FakeZalo(ZALO_APP, ZALO_SECRET, ZALO_KEY)
    server = TestServer(api.app())
    await server.start_server()
    api.url = str(server.make_url("/")).rstrip("/")
    yield api
    await server.close()


def zalo_settings(db_url, fake: FakeZalo, tmp_path, access: str, refresh: str) -> Settings:
    return Settings(
        database_url=db_url,
        secret_key="k",
        zalo_app_id=ZALO_APP,
        zalo_app_secret=ZALO_SECRET,
        zalo_oa_secret_key=ZALO_KEY,
        zalo_access_token=access,
        zalo_refresh_token=refresh,
        zalo_api_base=fake.url,
        media_fetch_hosts="127.0.0.1",  # the fake Zalo API on loopback, listed
        zalo_oauth_base=fake.url,
        media_dir=tmp_path / "media",
    )


@pytest.fixture
async def client(db_url, fake, knowledge, tmp_path):
    access, refresh = fake.issue_pair()
    async with web_client(
        zalo_settings(db_url, fake, tmp_path, access, refresh), knowledge, run_outbox=True
    ) as c:
        yield c


async def send_event(client, fake: FakeZalo, event: dict):  # type: ignore[no-untyped-def]
    raw, headers = fake.sign(event)
    return await client.post("/zalo/webhook", data=raw, headers=headers)


async def texts(fake: FakeZalo, count: int, seconds: float = 10) -> list[str]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ok = [s["message"]["text"] for s in fake.sent if s["token"] in fake.access_tokens]
        if len(ok) >= count:
            return ok
        await asyncio.sleep(0.05)
    raise AssertionError(f"{len(fake.sent)} sends: {fake.sent}")


async def rows(client, model, *where):  # type: ignore[no-untyped-def]
    async with client.server.app[keys.SESSIONS]() as db:
        return list((await db.execute(select(model).where(*where))).scalars())


async def test_follow_greets_with_numbered_choices(client, fake):
    assert (await send_event(client, fake, zalo_follow(ZALO_USER))).status == 200
    greeting, menu = (await texts(fake, 2))[:2]
    assert greeting.startswith("Xin chào")
    assert "1. Hỏi đáp chính sách" in menu and "6. Chọn địa phương" in menu
    assert fake.sent[0]["recipient"]["user_id"] == ZALO_USER


async def test_unaccented_question_is_answered_with_source(client, fake):
    await send_event(
        client,
        fake,
        fake.event("user_send_text", ZALO_USER, text="ho ngheo vay von toi da bao nhieu"),
    )
    answer = (await texts(fake, 1))[0]
    assert "Nguồn:" in answer
    citizen = (await rows(client, Citizen))[0]
    assert citizen.channel == "zalo" and citizen.external_id == ZALO_USER


async def test_eligibility_by_numbered_choices(client, fake):
    # ... the twelve answers, then "2": "Không lưu" (consent comes before the result)
    for text in ["xin chào", "2", "1", "4", "4 triệu", "1", "1", "1"] + ["2"] * 9 + ["2"]:
        await send_event(client, fake, fake.event("user_send_text", ZALO_USER, text=text))
    sent = await texts(fake, 21)
    assert any("có thể thuộc diện hộ nghèo" in t for t in sent)


async def test_voice_message_is_kept_for_officers(client, fake):
    fake.files["voice1.m4a"] = b"voice-bytes"
    event = fake.event(
        "user_send_audio",
        ZALO_USER,
        attachments=[{"type": "audio", "payload": {"url": f"{fake.url}/media/voice1.m4a"}}],
    )
    await send_event(client, fake, event)
    question = (await rows(client, Question))[0]
    assert question.needs_officer and "thoại" in question.text
    message = (await rows(client, Message, Message.id == question.message_id))[0]
    from pathlib import Path

    assert Path(message.payload["media"]["path"]).read_bytes() == b"voice-bytes"


async def test_officer_answer_delivered_after_an_expired_token_is_refreshed(client, fake):
    await send_event(client, fake, fake.event("user_send_text", ZALO_USER, text="/guicauhoi"))
    await send_event(
        client,
        fake,
        fake.event("user_send_text", ZALO_USER, text="Xin hỏi thôn tôi bao giờ có điện lưới ạ?"),
    )
    await texts(fake, 2)
    fake.access_tokens.clear()  # the access token expired on Zalo's side
    async with client.server.app[keys.SESSIONS]() as db:
        await create_officer(db, "admin", "admin", "mat-khau-du-dai-1", None)
        await db.commit()
    await login(client, "admin", "mat-khau-du-dai-1")
    question = (await rows(client, Question))[0]
    token = await csrf_of(client, f"/dashboard/questions/{question.id}")
    await client.post(
        "/dashboard/answer",
        data={
            "csrf": token,
            "question": str(question.id),
            "answer": "Cuối năm nay xã sẽ kéo điện.",
        },
    )
    answered = await texts(fake, 1)
    assert any("Cuối năm nay xã sẽ kéo điện." in t for t in answered)
    assert len(fake.oauth_calls) == 1  # refreshed once
    stored = (await rows(client, ZaloToken))[0]
    assert stored.version == 1 and stored.access_token in fake.access_tokens


async def test_refresh_rotation_survives_two_concurrent_refreshes(client, fake, db_url):
    import aiohttp

    sessions = client.server.app[keys.SESSIONS]
    settings = client.server.app[keys.SETTINGS]
    async with aiohttp.ClientSession() as http_a, aiohttp.ClientSession() as http_b:
        worker_a, worker_b = (
            TokenStore(settings, sessions, http_a),
            TokenStore(settings, sessions, http_b),
        )
        seen = (await worker_a.current()).version
        a, b = await asyncio.gather(worker_a.refresh(seen), worker_b.refresh(seen))
    assert a.access_token == b.access_token  # both end with the one new pair
    stored = (await rows(client, ZaloToken))[0]
    assert stored.version == seen + 1
    assert stored.refresh_token in fake.refresh_tokens  # the live refresh token was not lost
    assert stored.access_token in fake.access_tokens


async def test_out_of_window_reply_waits_and_goes_when_the_citizen_writes(client, fake):
    fake.fail_next(-230, "User has not interacted with the OA in the last 7 days")
    await send_event(
        client, fake, fake.event("user_send_text", ZALO_USER, text="chuan ngheo thanh thi")
    )
    for _ in range(100):
        parked = await rows(client, OutboxMessage)
        if parked and parked[0].status == "waiting_citizen":
            break
        await asyncio.sleep(0.05)
    assert parked[0].status == "waiting_citizen" and "-230" in parked[0].last_error
    await asyncio.sleep(0.3)
    assert (await rows(client, OutboxMessage))[0].status == "waiting_citizen"  # not retried
    await send_event(client, fake, fake.event("user_send_text", ZALO_USER, text="cảm ơn"))
    for _ in range(100):
        statuses = [r.status for r in await rows(client, OutboxMessage)]
        if statuses.count("sent") == 2:
            break
        await asyncio.sleep(0.05)
    assert statuses == ["sent", "sent"]
    sent_texts = await texts(fake, 2)
    # The parked reply went first: its row keeps the reply's text, Zalo got it with the choices
    # numbered under it.
    assert sent_texts[0].startswith(parked[0].text + "\n\n  1. ")


async def test_bad_signature_malformed_unknown_and_oversized_are_rejected(client, fake):
    event = fake.event("user_send_text", ZALO_USER, text="xin chào")
    raw, headers = fake.sign(event)
    assert (
        await client.post(
            "/zalo/webhook", data=raw, headers={**headers, ZALO_SIGNATURE_HEADER: "mac=" + "0" * 64}
        )
    ).status == 401
    assert (
        await client.post("/zalo/webhook", data=raw, headers={"Content-Type": "application/json"})
    ).status == 401
    tampered = raw.replace("xin chào".encode(), "tạm biệt".encode())
    assert (await client.post("/zalo/webhook", data=tampered, headers=headers)).status == 401
    assert (  # the signature is checked before the body is parsed
        await client.post(
            "/zalo/webhook", data=b"{oops", headers={ZALO_SIGNATURE_HEADER: "mac=abc"}
        )
    ).status == 401
    unknown = fake.event("user_does_magic", ZALO_USER, text="x")
    assert (await send_event(client, fake, unknown)).status == 400
    big = fake.event("user_send_text", ZALO_USER, text="a" * 200_000)
    raw, headers = fake.sign(big)
    assert (await client.post("/zalo/webhook", data=raw, headers=headers)).status == 413
    assert await rows(client, Message) == []
    assert await rows(client, Citizen) == []


async def test_duplicate_event_and_receipts(client, fake):
    event = fake.event("user_send_text", ZALO_USER, text="hộ cận nghèo có được vay vốn không")
    await send_event(client, fake, event)
    await send_event(client, fake, event)  # Zalo retried
    await texts(fake, 1)
    await asyncio.sleep(0.3)
    assert len(fake.sent) == 1
    assert (await send_event(client, fake, zalo_seen(["zmsg1"], ZALO_USER))).status == 200
    assert len(fake.sent) == 1  # recorded, not answered
    assert [m.kind for m in await rows(client, Message) if m.kind.startswith("user_")] == [
        "user_seen_messag"
    ]


async def test_an_image_goes_as_zalo_media_template(client, fake):
    from db.outbox import enqueue

    await send_event(client, fake, fake.event("user_send_text", ZALO_USER, text="xin chào"))
    await texts(fake, 2)
    async with client.server.app[keys.SESSIONS]() as db:
        citizen = (await db.execute(select(Citizen))).scalar_one()
        row = enqueue(
            db,
            citizen,
            "Mã QR mở Cầu Nối:",
            payload={"image_url": "https://caunoi.example.vn/dashboard/links/kien-hai.svg"},
        )
        await db.commit()
        row_id = row.id
    client.server.app[keys.OUTBOX].deliver_now([row_id])

    def templates(kind: str) -> list[dict]:  # the menu before it went as a button template
        found = [s["message"].get("attachment", {}).get("payload", {}) for s in fake.sent]
        return [p for p in found if p.get("template_type") == kind]

    for _ in range(100):
        if templates("media"):
            break
        await asyncio.sleep(0.05)
    (payload,) = templates("media")
    assert payload["elements"][0] == {
        "media_type": "image",
        "url": "https://caunoi.example.vn/dashboard/links/kien-hai.svg",
    }
