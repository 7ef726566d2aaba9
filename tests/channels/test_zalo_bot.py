"""The Zalo Bot Platform channel end to end, in webhook and polling mode.

The real application (aiohttp TestServer of create_app) against our fake Zalo Bot API on
loopback."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import ValidationError
from sqlalchemy import select

from app import keys
from app.factory import create_app
from app.settings import Settings
from bot.channel import Registry
from channels.zalo_bot import ZaloBotChannel
from db.models import Citizen, Message, OutboxMessage, Question
from db.officers import create_officer
from tests.channels.quiet import new_since
from tests.factories import ZALO_BOT_CHAT as CHAT
from tests.factories import ZALO_BOT_HEADER as HEADER
from tests.factories import ZALO_BOT_SECRET as SECRET
from tests.factories import ZALO_BOT_TOKEN as TOKEN
from tests.factories import zalo_bot_event, zalo_bot_text
from tests.fakes.zalo_bot_api import FakeZaloBot
from tests.web_client import csrf_of, login

PUBLIC = "https://caunoi.example.vn"


@pytest.fixture
async def fake() -> AsyncIterator[FakeZaloBot]:
    api = FakeZaloBot(TOKEN)
    server = TestServer(api.app())
    await server.start_server()
    api.url = str(server.make_url("/")).rstrip("/")
    yield api
    await server.close()


def bot_settings(db_url: str, fake: FakeZaloBot, tmp_path: Path, mode: str) -> Settings:
    return Settings(
        database_url=db_url,
        secret_key="k",
        public_url=PUBLIC,
        zalo_bot_token=TOKEN,
        zalo_bot_mode=mode,
        zalo_bot_webhook_secret=SECRET,
        zalo_bot_api_base=fake.url,
        media_fetch_hosts="127.0.0.1",  # the fake's photos and voice notes, listed
        media_dir=tmp_path / "media",
    )


async def started(settings: Settings, knowledge) -> TestClient:  # type: ignore[no-untyped-def]
    client = TestClient(TestServer(create_app(settings, knowledge, run_outbox=True)))
    await client.start_server()
    return client


@pytest.fixture
async def webhook(db_url, fake, knowledge, tmp_path) -> AsyncIterator[TestClient]:
    client = await started(bot_settings(db_url, fake, tmp_path, "webhook"), knowledge)
    yield client
    await client.close()


@pytest.fixture
async def polling(db_url, fake, knowledge, tmp_path) -> AsyncIterator[TestClient]:
    fake.webhook_url = "https://old.example.vn/hook"  # left by an earlier webhook set-up
    client = await started(bot_settings(db_url, fake, tmp_path, "polling"), knowledge)
    yield client
    await client.close()


class ZaloChat:
    """A citizen writing to the bot: each event posted to the webhook as Zalo posts it, and
    what the bot sent back read from the fake."""

    def __init__(self, client: TestClient, fake: FakeZaloBot, chat: str = CHAT):
        self.client, self.fake, self.chat = client, fake, chat
        self.seen = 0
        self.last: dict | None = None

    async def post(self, update: dict, wrapped: bool = False, headers: dict | None = None):  # type: ignore[no-untyped-def]
        self.last = update
        body = {"ok": True, "result": update} if wrapped else update
        return await self.client.post(
            "/zalo-bot/webhook", json=body, headers={HEADER: SECRET} if headers is None else headers
        )

    async def says(self, text: str, wrapped: bool = False) -> list[str]:
        response = await self.post(zalo_bot_text(text, self.chat), wrapped)
        assert response.status == 200, await response.text()
        return await self.replies()

    async def sends(self, event_name: str, **fields) -> list[str]:  # type: ignore[no-untyped-def]
        response = await self.post(zalo_bot_event(event_name, self.chat, **fields))
        assert response.status == 200, await response.text()
        return await self.replies()

    async def replies(self, quiet: float = 0.4, seconds: float = 10) -> list[str]:
        """The messages sent to this chat since the last look, once the bot has gone quiet."""
        new = await new_since(self.mine, self.seen, quiet, seconds)
        self.seen += len(new)
        return new

    def mine(self) -> list[str]:
        return [p["text"] for p in self.fake.sent() if p["chat_id"] == self.chat]


async def rows(client: TestClient, model, *where):  # type: ignore[no-untyped-def]
    async with client.server.app[keys.SESSIONS]() as db:
        return list((await db.execute(select(model).where(*where))).scalars())


async def officer_answers(client: TestClient, text: str) -> None:
    async with client.server.app[keys.SESSIONS]() as db:
        await create_officer(db, "canbo", "admin", "mat-khau-du-dai-1", None)
        await db.commit()
    await login(client, "canbo", "mat-khau-du-dai-1")
    question = (await rows(client, Question))[-1]
    token = await csrf_of(client, f"/dashboard/questions/{question.id}")
    response = await client.post(
        "/dashboard/answer",
        data={"csrf": token, "question": str(question.id), "answer": text},
        allow_redirects=False,
    )
    assert response.status == 303


# ---- a conversation --------------------------------------------------------------------------
async def test_a_greeting_gets_the_menu_as_numbered_choices(webhook, fake):
    ba = ZaloChat(webhook, fake)
    said = "\n".join(await ba.says("xin chào"))
    assert "Xin chào" in said
    assert "  1. Hỏi đáp chính sách" in said and "  6. Chọn địa phương" in said
    assert fake.sent("sendMessage")[0]["chat_id"] == CHAT  # answered in the citizen's chat


async def test_an_unaccented_question_is_answered_with_its_source(webhook, fake):
    ba = ZaloChat(webhook, fake)
    answer = "\n".join(await ba.says("ho can ngheo co duoc vay von khong"))
    assert "Nguồn:" in answer
    citizen = (await rows(webhook, Citizen))[0]
    assert (citizen.channel, citizen.external_id) == ("zalo_bot", CHAT)


async def test_typing_a_number_presses_that_choice(webhook, fake):
    ba = ZaloChat(webhook, fake)
    menu = "\n".join(await ba.says("xin chào"))
    assert "  2. Kiểm tra diện hỗ trợ" in menu
    by_number = "\n".join(await ba.says("2"))
    fresh = ZaloChat(webhook, fake, chat="f" * 20)
    await fresh.says("xin chào")
    by_command = "\n".join(await fresh.says("/kiemtra"))
    assert by_number == by_command  # "2" did what the "Kiểm tra" choice does


async def test_an_officers_answer_reaches_the_citizen(webhook, fake):
    ba = ZaloChat(webhook, fake)
    await ba.says("/guicauhoi")
    await ba.says("Xin hỏi thôn tôi bao giờ có điện lưới ạ?")
    await officer_answers(webhook, "Cuối năm nay xã sẽ kéo điện.")
    answered = "\n".join(await ba.replies())
    assert "Cuối năm nay xã sẽ kéo điện." in answered


async def test_a_long_answer_comes_in_messages_of_at_most_2000_characters(webhook, fake):
    ba = ZaloChat(webhook, fake)
    await ba.says("/guicauhoi")
    await ba.says("Xin hỏi thủ tục làm nhà đại đoàn kết thế nào ạ?")
    long_answer = " ".join(["Bước một là nộp đơn ở thôn."] * 90)  # about 2,500 characters
    await officer_answers(webhook, long_answer)
    parts = await ba.replies()
    assert len(parts) == 2 and all(len(p) <= 2000 for p in parts)
    assert " ".join(parts).count("Bước một") == 90


async def test_a_redelivered_event_is_answered_once(webhook, fake):
    ba = ZaloChat(webhook, fake)
    await ba.says("hộ cận nghèo có được vay vốn không")
    again = await ba.post(ba.last)  # Zalo sent the same message_id again
    assert again.status == 200
    assert await ba.replies(seconds=1) == []


async def test_typing_is_shown_while_an_answer_is_being_made(db_url, fake, knowledge, tmp_path):
    settings = bot_settings(db_url, fake, tmp_path, "webhook")
    eager = Registry({}, [ZaloBotChannel(settings, typing_delay=0)])  # shows it at once
    async with TestClient(TestServer(create_app(settings, knowledge, registry=eager))) as client:
        await ZaloChat(client, fake).says("ho can ngheo co duoc vay von khong")
    assert fake.sent("sendChatAction")[0] == {"chat_id": CHAT, "action": "typing"}


async def test_an_answer_read_aloud_comes_as_a_link_to_its_audio(webhook, fake):
    ba = ZaloChat(webhook, fake)
    answer = "\n".join(await ba.says("ho can ngheo co duoc vay von khong"))
    number = re.search(r"  (\d)\. Nghe câu trả lời", answer).group(1)
    said = "\n".join(await ba.says(number))
    assert "[âm thanh:" in said and f"{PUBLIC}/audio" in said


# ---- the webhook's door ----------------------------------------------------------------------
async def test_the_webhook_refuses_a_missing_or_wrong_secret(webhook, fake):
    ba = ZaloChat(webhook, fake)
    assert (await ba.post(zalo_bot_text("xin chào"), headers={})).status == 401
    wrong = {HEADER: "not-the-secret"}
    assert (await ba.post(zalo_bot_text("xin chào"), headers=wrong)).status == 401
    assert await rows(webhook, Message) == [] and fake.sent() == []


async def test_an_event_too_large_to_be_one_is_refused_with_413(webhook, fake):
    ba = ZaloChat(webhook, fake)
    assert (await ba.post(zalo_bot_text("a" * 200_000))).status == 413
    assert await rows(webhook, Message) == [] and fake.sent() == []


async def test_wrapped_and_flat_bodies_are_both_answered(webhook, fake):
    ba = ZaloChat(webhook, fake)
    assert "Nguồn:" in "\n".join(await ba.says("ho ngheo vay von toi da bao nhieu", wrapped=True))
    assert "Nguồn:" in "\n".join(await ba.says("ho can ngheo co duoc vay von khong"))


async def test_malformed_empty_and_unknown_bodies(webhook, fake):
    post = webhook.post
    headers = {HEADER: SECRET, "Content-Type": "application/json"}
    assert (await post("/zalo-bot/webhook", data=b"{oops", headers=headers)).status == 400
    no_id = {"event_name": "message.text.received", "message": {"text": "x", "chat": {"id": []}}}
    assert (await post("/zalo-bot/webhook", json=no_id, headers=headers)).status == 400
    assert (await post("/zalo-bot/webhook", data=b"", headers=headers)).status == 200  # a probe
    follow = {"event_name": "user.follow", "message": {"from": {"id": CHAT}}}
    assert (await post("/zalo-bot/webhook", json=follow, headers=headers)).status == 200
    assert await rows(webhook, Message) == [] and fake.sent() == []


# ---- what is not text --------------------------------------------------------------------------
async def test_a_photo_is_kept_for_officers_and_answered(webhook, fake):
    fake.files["p1.jpg"] = b"jpeg-bytes"
    ba = ZaloChat(webhook, fake)
    said = await ba.sends(
        "message.image.received",
        photo_url=f"{fake.url}/media/p1.jpg",
        photo=f"{fake.url}/media/old-field.jpg",
        caption="giấy chứng nhận",
    )
    assert "lưu lại cho cán bộ xem" in said[0]
    question = (await rows(webhook, Question))[0]
    assert question.needs_officer and "giấy chứng nhận" in question.text
    message = (await rows(webhook, Message, Message.id == question.message_id))[0]
    assert Path(message.payload["media"]["path"]).read_bytes() == b"jpeg-bytes"


async def test_a_voice_note_is_kept_as_aac_and_answered(webhook, fake):
    fake.files["v1.aac"] = b"aac-bytes"
    ba = ZaloChat(webhook, fake)
    said = await ba.sends("message.voice.received", voice_url=f"{fake.url}/media/v1.aac")
    assert "lưu lại cho cán bộ xem" in said[0]
    question = (await rows(webhook, Question))[0]
    assert question.needs_officer and "thoại" in question.text
    message = (await rows(webhook, Message, Message.id == question.message_id))[0]
    kept = Path(message.payload["media"]["path"])
    assert kept.suffix == ".aac" and kept.read_bytes() == b"aac-bytes"


async def test_a_sticker_is_answered_with_the_menu(webhook, fake):
    ba = ZaloChat(webhook, fake)
    said = "\n".join(await ba.sends("message.sticker.received", sticker="bfe4b6", url="https://x"))
    assert said.startswith("Cảm ơn bạn!") and "  1. Hỏi đáp chính sách" in said


async def test_an_unsupported_message_gets_a_polite_reply(webhook, fake):
    ba = ZaloChat(webhook, fake)
    said = "\n".join(await ba.sends("message.unsupported.received"))
    assert "chưa xem được loại tin nhắn này" in said and "  1. Hỏi đáp chính sách" in said
    assert await rows(webhook, Question) == []  # nothing to forward: Zalo passed nothing on


# ---- start-up and polling ----------------------------------------------------------------------
async def test_webhook_mode_sets_the_webhook_with_its_secret_on_start(webhook, fake):
    assert fake.webhook_url == f"{PUBLIC}/zalo-bot/webhook"
    assert fake.webhook_secret == SECRET
    assert "getUpdates" not in [c.method for c in fake.calls]


async def test_polling_mode_deletes_the_webhook_then_answers_what_it_polls(polling, fake):
    fake.push(zalo_bot_text("ho can ngheo co duoc vay von khong"))
    ba = ZaloChat(polling, fake)
    assert "Nguồn:" in "\n".join(await ba.replies())
    methods = [c.method for c in fake.calls]
    assert methods.index("deleteWebhook") < methods.index("getUpdates")
    assert fake.webhook_url == ""
    fake.push(zalo_bot_text("xin chào"), as_list=True)  # a list is read as well
    assert "  1. Hỏi đáp chính sách" in "\n".join(await ba.replies())
    assert (await polling.post("/zalo-bot/webhook", json={})).status == 404  # no webhook here


async def test_polling_keeps_going_after_errors(polling, fake):
    fake.fail_next("getUpdates", 500, "Internal Server Error")
    fake.push(zalo_bot_text("xin chào"))
    assert "Xin chào" in "\n".join(await ZaloChat(polling, fake).replies(seconds=15))


# ---- when Zalo refuses -------------------------------------------------------------------------
async def test_a_refused_token_fails_the_message_and_quota_waits_for_later(webhook, fake):
    fake.fail_next("sendMessage", 429, "Quota exceeded")
    await ZaloChat(webhook, fake).post(zalo_bot_text("chuan ngheo thanh thi"))
    waiting = await outbox_row_settled(webhook)
    assert waiting.status == "pending" and "429" in waiting.last_error  # tried again later
    fake.fail_next("sendMessage", 401, "Unauthorized")
    ong = ZaloChat(webhook, fake, chat="e" * 20)
    await ong.post(zalo_bot_text("chuan ngheo nong thon", ong.chat))
    failed = await outbox_row_settled(webhook, ong.chat)
    assert failed.status == "failed" and "401" in failed.last_error


async def outbox_row_settled(client: TestClient, chat: str = CHAT) -> OutboxMessage:
    for _ in range(200):
        citizens = await rows(client, Citizen, Citizen.external_id == chat)
        if citizens:
            found = await rows(client, OutboxMessage, OutboxMessage.citizen_id == citizens[0].id)
            if found and found[0].last_error:
                return found[0]
        await asyncio.sleep(0.05)
    raise AssertionError("no outbox row failed")


def test_webhook_mode_without_a_usable_secret_does_not_start():
    with pytest.raises(ValidationError, match="ZALO_BOT_WEBHOOK_SECRET is required"):
        Settings(zalo_bot_token=TOKEN, zalo_bot_mode="webhook")
    with pytest.raises(ValidationError, match="8 to 256 characters"):
        Settings(zalo_bot_token=TOKEN, zalo_bot_mode="webhook", zalo_bot_webhook_secret="short")
