"""Announcements (thông báo): citizens subscribe for their locality and leave with one word;
officers compose, preview and send once to every subscriber of a locality or province, through
the outbox, with counts of delivered / failed / unreachable."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import time

import pytest
from sqlalchemy import func, insert, select

from app import keys
from app.channels import build_registry, known
from app.settings import Settings
from bot import announcements as svc
from bot.channel import Capabilities, DeliveryError, Hub, Registry
from bot.messages import Address, Inbound, Kind, Reply
from channels.web import WebChannel
from db.models import Citizen, Message, OutboxMessage, Subscription
from db.office import Announcement, AuditEntry, Officer
from db.officers import create_officer
from db.session import make_session_factory
from tests.channels.test_telegram import fake as fake  # the fake Bot API server fixture
from tests.channels.test_telegram import post, sent, telegram_settings
from tests.driver import ChatDriver
from tests.factories import telegram_button as button_update
from tests.factories import telegram_update as message_update
from tests.web_client import CSRF, csrf_of, login, web_client

PASSWORD = "mat-khau-du-dai-1"
STOP_LINE = "Nhắn HỦY để ngừng nhận thông báo."


async def subscriptions(runtime) -> list[Subscription]:  # type: ignore[no-untyped-def]
    async with make_session_factory(runtime.engine)() as session:
        return list((await session.execute(select(Subscription))).scalars())


# ---- citizens ---------------------------------------------------------------------------------


async def test_subscribe_with_the_menu_button(chat, runtime):
    await chat.say("/diaphuong")
    await chat.say("kien hai")
    await chat.press("Đăng ký nhận thông báo")
    assert "Đã đăng ký nhận thông báo của Huyện Kiên Hải" in chat.text
    assert "nhắn HỦY" in chat.text
    [sub] = await subscriptions(runtime)
    assert (sub.locality_id, sub.province_code) == ("kien-hai", "91")
    await chat.say("/thongbao")  # a second time: already subscribed, and how to leave
    assert "Bạn đang nhận thông báo của Huyện Kiên Hải" in chat.text
    assert "Ngừng nhận thông báo" in chat.labels
    assert len(await subscriptions(runtime)) == 1


@pytest.mark.parametrize(
    "typed", ["dang ky thong bao", "Đăng ký nhận thông báo ạ", "nhan thong bao", "dky thong bao"]
)
async def test_subscribe_by_typing_with_or_without_diacritics(chat, runtime, typed):
    await chat.say("/start long-khanh")
    await chat.say(typed)
    assert "Đã đăng ký nhận thông báo của Thành phố Long Khánh" in chat.text
    assert [s.locality_id for s in await subscriptions(runtime)] == ["long-khanh"]


async def test_subscribe_without_a_locality_asks_for_it_first(chat, runtime):
    await chat.say("/thongbao")
    assert "chọn địa phương trước" in chat.text
    assert "Thành phố Long Khánh (Đồng Nai)" in chat.labels
    assert await subscriptions(runtime) == []
    await chat.say("sao hoả")  # not a place: asked again, the subscription still waits
    assert "chưa tìm thấy" in chat.text
    await chat.say("phuong rach gia")
    assert "Đã ghi nhận địa phương của bạn là Phường Rạch Giá" in chat.text
    assert "Đã đăng ký nhận thông báo của Phường Rạch Giá, Tỉnh An Giang" in chat.text
    [sub] = await subscriptions(runtime)
    assert (sub.locality_id, sub.province_code) == ("w:30742", "91")


async def test_choosing_a_place_by_button_completes_the_subscription(runtime):
    chat = ChatDriver(runtime.core, "u-button")
    await chat.say("/start")
    await chat.press("Đăng ký nhận thông báo")
    await chat.press("Long Khánh")
    assert "Đã đăng ký nhận thông báo của Thành phố Long Khánh" in chat.text
    # Choosing a place without asking to subscribe does not subscribe anyone.
    other = ChatDriver(runtime.core, "u-other")
    await other.say("/diaphuong")
    await other.press("Kiên Hải")
    assert "thông báo" not in other.text
    assert [s.locality_id for s in await subscriptions(runtime)] == ["long-khanh"]


@pytest.mark.parametrize("word", ["HUY", "hủy", "Huỷ", "dung", "DỪNG.", "stop"])
async def test_one_word_leaves_and_subscribing_again_works(chat, runtime, word):
    await chat.say("/start kien-hai")
    await chat.say("/thongbao")
    await chat.say(word)
    assert "Đã ngừng gửi thông báo" in chat.text
    assert await subscriptions(runtime) == []
    await chat.say("dang ky thong bao")
    assert "Đã đăng ký nhận thông báo" in chat.text
    assert len(await subscriptions(runtime)) == 1


async def test_leaving_rules_in_a_running_conversation(chat, runtime):
    await chat.say("/start kien-hai")
    await chat.say("/thongbao")
    await chat.say("đúng")  # "right", not "dừng": nobody is unsubscribed by agreeing
    assert len(await subscriptions(runtime)) == 1
    await chat.say("/guicauhoi")  # a conversation under way: HỦY cancels it first…
    await chat.say("HỦY")
    assert "Đã hủy việc đang làm" in chat.text and "HỦY thêm một lần nữa" in chat.text
    assert len(await subscriptions(runtime)) == 1
    await chat.say("HỦY")  # …and a second one leaves
    assert "Đã ngừng gửi thông báo" in chat.text
    await chat.say("hủy")  # nothing left to leave: the usual reply
    assert "Đã hủy" in chat.text
    await chat.say("/thongbao")
    await chat.say("/kiemtra")
    await chat.say("huy thong bao")  # the whole phrase leaves at once, in any state
    assert "Đã ngừng gửi thông báo" in chat.text
    assert await subscriptions(runtime) == []
    await chat.say("huy thong bao")
    assert "chưa đăng ký nhận thông báo" in chat.text


async def test_the_subscription_follows_the_citizens_locality(chat, runtime):
    await chat.say("/start kien-hai")
    await chat.say("/thongbao")
    await chat.say("/diaphuong")
    await chat.say("long khanh")
    assert "Từ nay bạn nhận thông báo của Thành phố Long Khánh" in chat.text
    [sub] = await subscriptions(runtime)
    assert (sub.locality_id, sub.province_code) == ("long-khanh", "75")
    await chat.press("Đăng ký nhận thông báo")
    await chat.press("Ngừng nhận thông báo")
    assert "Đã ngừng gửi thông báo" in chat.text
    assert await subscriptions(runtime) == []


# ---- the dashboard ----------------------------------------------------------------------------


@pytest.fixture
async def client(settings, knowledge):
    async with web_client(
        settings,
        knowledge,
        officers=(
            ("admin", "admin", None),
            ("kienhai", "officer", "kien-hai"),
            ("angiang", "officer", "p:91"),
            ("longkhanh", "officer", "long-khanh"),
            ("xem", "viewer", None),
        ),
        password=PASSWORD,
    ) as c:
        yield c


async def subscriber(client, channel: str, user: str, place: str | None) -> int:  # type: ignore[no-untyped-def]
    """A citizen on `channel` who chose `place` (a button or a typed name) and subscribed
    (None: chose Kiên Hải but did not subscribe); returns the citizen id."""
    core = client.server.app[keys.CORE]
    address = Address(channel, user)
    if place and place.startswith("loc:"):
        await core.handle(Inbound(address, Kind.BUTTON, payload=place))
        await core.handle(Inbound(address, Kind.COMMAND, text="/thongbao"))
    elif place:
        await core.handle(Inbound(address, Kind.COMMAND, text="/thongbao"))
        await core.handle(Inbound(address, Kind.TEXT, text=place))
    else:
        await core.handle(Inbound(address, Kind.BUTTON, payload="loc:kien-hai"))
    async with client.server.app[keys.SESSIONS]() as db:
        citizen = await db.scalar(
            select(Citizen).where(Citizen.channel == channel, Citizen.external_id == user)
        )
        return citizen.id


async def compose(client, **fields: str):  # type: ignore[no-untyped-def]
    token = await csrf_of(client, "/dashboard/announcements")
    return await client.post(
        "/dashboard/announcements",
        data={"csrf": token, "audio": "", **fields},
        allow_redirects=False,
    )


async def compose_id(client, **fields: str) -> int:  # type: ignore[no-untyped-def]
    response = await compose(client, **fields)
    assert response.status == 303, await response.text()
    return int(re.fullmatch(r"/dashboard/announcements/(\d+)", response.headers["Location"])[1])


async def press_send(client, announcement_id: int):  # type: ignore[no-untyped-def]
    token = await csrf_of(client, f"/dashboard/announcements/{announcement_id}")
    return await client.post(
        f"/dashboard/announcements/{announcement_id}/send", data={"csrf": token}
    )


async def outbox_rows(client, announcement_id: int) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    async with client.server.app[keys.SESSIONS]() as db:
        return list(
            (
                await db.execute(
                    select(OutboxMessage)
                    .where(OutboxMessage.announcement_id == announcement_id)
                    .order_by(OutboxMessage.citizen_id)
                )
            ).scalars()
        )


async def test_compose_preview_send_reaches_exactly_the_localitys_subscribers(client):
    web = await subscriber(client, "web", "w-1", "loc:kien-hai")
    telegram = await subscriber(client, "telegram", "5001", "kien hai")
    zalo = await subscriber(client, "zalo", "z-1", "loc:kien-hai")
    await subscriber(client, "web", "w-elsewhere", "loc:long-khanh")
    await subscriber(client, "web", "w-not-subscribed", None)
    await login(client, "kienhai", PASSWORD)
    form = await (await client.get("/dashboard/announcements")).text()
    assert re.findall(r'<option value="([^"]+)"', form)[0] == "kien-hai"
    assert 'value="long-khanh"' not in form and 'value="p:91"' not in form

    text = "Ngày 05/12, UBND xã họp dân bình xét hộ nghèo tại nhà văn hóa thôn lúc 8 giờ."
    announcement_id = await compose_id(
        client, locality="kien-hai", title="Họp bình xét hộ nghèo", text=text, audio="make"
    )
    page = await (await client.get(f"/dashboard/announcements/{announcement_id}")).text()
    assert "THÔNG BÁO – Huyện Kiên Hải" in page and text in page and STOP_LINE in page
    assert "Gửi cho 3 người" in page
    async with client.server.app[keys.SESSIONS]() as db:
        announcement = await db.get(Announcement, announcement_id)
    key = announcement.audio_key
    assert key and client.server.app[keys.AUDIO].path(key) is not None
    assert f'src="/audio/clips/{key}.mp3"' in page  # the player in the preview
    assert f"Nghe bản ghi âm: http://127.0.0.1:8080/audio/clips/{key}.mp3" in page  # Zalo's link
    # Every known channel is previewed, those showing the same text together.
    assert "Trên Telegram, web chat" in page and "Trên Zalo OA, Zalo Bot" in page
    assert await outbox_rows(client, announcement_id) == []  # a draft sends nothing

    sent = await press_send(client, announcement_id)
    assert sent.status == 200 and "Tiến độ gửi" in await sent.text()
    rows = await outbox_rows(client, announcement_id)
    assert [(r.citizen_id, r.channel, r.status) for r in rows] == [
        (web, "web", "pending"),
        (telegram, "telegram", "pending"),
        (zalo, "zalo", "pending"),
    ]
    by_channel = {r.channel: r for r in rows}
    for row in rows:
        assert row.text.startswith("THÔNG BÁO – Huyện Kiên Hải\nHọp bình xét hộ nghèo\n\n")
        assert row.text.endswith(STOP_LINE)
    audio = {"key": key, "title": "Họp bình xét hộ nghèo"}
    assert by_channel["telegram"].payload["audio"] == audio  # the Telegram channel sends the clip
    assert by_channel["web"].payload["audio"] == audio
    assert "audio" not in by_channel["zalo"].payload  # Zalo OA sends text only…
    assert f"/audio/clips/{key}.mp3" in by_channel["zalo"].text  # …so the link is in it
    assert by_channel["telegram"].payload["buttons"][0] == ["Ngừng nhận thông báo", "sub:off"]

    again = await press_send(client, announcement_id)  # a second press sends nothing
    assert again.status == 200
    assert "Thông báo này đã được gửi" in await again.text()
    assert len(await outbox_rows(client, announcement_id)) == 3
    async with client.server.app[keys.SESSIONS]() as db:
        actions = (await db.execute(select(AuditEntry.action))).scalars().all()
    assert {"announcement_create", "announcement_send", "announcement_send_refused"} <= set(actions)


async def test_a_province_announcement_reaches_every_commune_of_it(client):
    district = await subscriber(client, "web", "w-kh", "loc:kien-hai")  # province 91
    ward = await subscriber(client, "telegram", "6001", "phuong rach gia")  # w:30742, 91
    await subscriber(client, "web", "w-lk", "loc:long-khanh")  # province 75
    await login(client, "angiang", PASSWORD)
    form = await (await client.get("/dashboard/announcements")).text()
    choices = re.findall(r'<option value="([^"]+)"', form)
    assert "p:91" in choices and "kien-hai" in choices
    assert "long-khanh" not in choices and "p:75" not in choices
    announcement_id = await compose_id(
        client, locality="p:91", title="Lịch tiêm chủng", text="Tiêm chủng cho trẻ ngày 10/12."
    )
    assert (
        "Gửi cho 2 người"
        in await (await client.get(f"/dashboard/announcements/{announcement_id}")).text()
    )
    await press_send(client, announcement_id)
    rows = await outbox_rows(client, announcement_id)
    assert sorted(r.citizen_id for r in rows) == sorted([district, ward])
    assert rows[0].text.startswith("THÔNG BÁO – Tỉnh An Giang\n")
    # One commune, by its code: only its subscribers.
    one = await compose_id(client, code="w:30742", title="Cúp điện", text="Cúp điện sáng mai.")
    await press_send(client, one)
    assert [r.citizen_id for r in await outbox_rows(client, one)] == [ward]


async def test_two_presses_at_once_queue_the_announcement_once(client):
    for n in range(5):
        await subscriber(client, "web", f"w-{n}", "loc:kien-hai")
    await login(client, "admin", PASSWORD)
    announcement_id = await compose_id(
        client, locality="kien-hai", title="Nước sạch", text="Xã cấp nước sạch từ thứ Hai."
    )
    token = await csrf_of(client, f"/dashboard/announcements/{announcement_id}")
    url = f"/dashboard/announcements/{announcement_id}/send"
    first, second = await asyncio.gather(
        client.post(url, data={"csrf": token}), client.post(url, data={"csrf": token})
    )
    pages = [await first.text(), await second.text()]
    assert first.status == second.status == 200
    assert sum("Thông báo này đã được gửi" in page for page in pages) == 1
    rows = await outbox_rows(client, announcement_id)
    assert len(rows) == 5 and len({r.citizen_id for r in rows}) == 5


async def test_an_announcement_without_subscribers_is_done_at_once(client):
    await subscriber(client, "web", "w-elsewhere", "loc:long-khanh")
    await login(client, "admin", PASSWORD)
    announcement_id = await compose_id(
        client, locality="huong-tra", title="Họp thôn", text="Họp thôn tối thứ Bảy."
    )
    page = await (await client.get(f"/dashboard/announcements/{announcement_id}")).text()
    assert "Chưa có người dân nào ở địa phương này đăng ký" in page
    done = await (await press_send(client, announcement_id)).text()
    assert "Đã gửi xong" in done
    progress = await client.get(f"/dashboard/announcements/{announcement_id}/progress")
    assert (await progress.json())["total"] == 0
    assert await outbox_rows(client, announcement_id) == []


class Refusing:
    """A platform that takes messages until told to refuse them: then it refuses (not
    retryable), or says the citizen blocked the bot."""

    def __init__(self, name: str, capabilities: Capabilities, unreachable: bool = False):
        self.name = name
        self.capabilities = capabilities
        self.unreachable = unreachable
        self.refusing = False
        self.calls = 0

    def routes(self) -> list:
        return []

    async def start(self, hub: Hub) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def send(self, address: Address, reply: Reply, *, key: str | None = None) -> str | None:
        if not self.refusing:
            return None
        self.calls += 1
        if self.unreachable:
            raise DeliveryError("Forbidden: bot was blocked by the user", False, True)
        raise DeliveryError("Bad Request: chat not found", retry=False)


@pytest.fixture
async def refusing_platforms(settings, knowledge):
    """The web chat, and Telegram and Zalo as platforms that will refuse."""
    caps = known(settings)
    telegram = Refusing("telegram", caps["telegram"])
    zalo = Refusing("zalo", caps["zalo"], unreachable=True)
    registry = Registry(caps, [WebChannel(caps["web"]), telegram, zalo])
    async with web_client(
        settings,
        knowledge,
        officers=(("kienhai", "officer", "kien-hai"),),
        password=PASSWORD,
        registry=registry,
    ) as c:
        c.telegram, c.zalo = telegram, zalo
        yield c


async def test_delivery_through_the_outbox_with_counts_and_progress(refusing_platforms):
    client = refusing_platforms
    app = client.server.app
    web = await subscriber(client, "web", "w-ok", "loc:kien-hai")
    await subscriber(client, "telegram", "7001", "loc:kien-hai")
    await subscriber(client, "zalo", "z-blocks", "loc:kien-hai")
    known = await subscriber(client, "web", "w-known-unreachable", "loc:kien-hai")
    async with app[keys.SESSIONS]() as db:
        (await db.get(Citizen, known)).unreachable = True
        await db.commit()
    await login(client, "kienhai", PASSWORD)
    announcement_id = await compose_id(
        client, locality="kien-hai", title="Phát gạo", text="Phát gạo hỗ trợ tại UBND xã."
    )
    page = await (await client.get(f"/dashboard/announcements/{announcement_id}")).text()
    assert "Gửi cho 3 người" in page  # the known-unreachable one is shown apart
    await press_send(client, announcement_id)
    progress_url = f"/dashboard/announcements/{announcement_id}/progress"
    before = await (await client.get(progress_url)).json()
    assert before == {
        "status": "sending",
        "total": 4,
        "delivered": 0,
        "failed": 0,
        "unreachable": 1,
        "pending": 3,
        "waiting": 0,
    }

    outbox = app[keys.OUTBOX]
    refusing, blocked = client.telegram, client.zalo
    refusing.refusing = blocked.refusing = True
    while await outbox.deliver_due():
        pass
    after = await (await client.get(progress_url)).json()
    assert after == {
        "status": "done",
        "total": 4,
        "delivered": 1,
        "failed": 1,
        "unreachable": 2,
        "pending": 0,
        "waiting": 0,
    }
    assert refusing.calls == 1 and blocked.calls == 1  # the known-unreachable one: never tried
    page = await (await client.get(f"/dashboard/announcements/{announcement_id}")).text()
    assert "Đã gửi xong" in page and 'id="count-delivered">1<' in page
    listing = await (await client.get("/dashboard/announcements")).text()
    assert "<td>1/4</td>" in listing
    async with app[keys.SESSIONS]() as db:
        announcement = await db.get(Announcement, announcement_id)
        assert announcement.done_at is not None and announcement.sent_at is not None
        delivered = (
            await db.execute(
                select(Message).where(Message.citizen_id == web, Message.kind == "officer")
            )
        ).scalar_one()
    assert delivered.text.endswith(STOP_LINE) and "Phát gạo hỗ trợ" in delivered.text
    assert delivered.payload["announcement"] == announcement_id


async def test_the_web_chat_shows_the_announcement_and_its_stop_button(client):
    page = await client.get("/chat")
    token = CSRF.search(await page.text()).group(1)
    await client.post("/chat", data={"csrf": token, "payload": "loc:kien-hai"})
    await client.post("/chat", data={"csrf": token, "text": "đăng ký nhận thông báo"})
    await login(client, "admin", PASSWORD)
    announcement_id = await compose_id(
        client, locality="kien-hai", title="Khám bệnh miễn phí", text="Khám bệnh ngày 3/12."
    )
    await press_send(client, announcement_id)
    app = client.server.app
    while await app[keys.OUTBOX].deliver_due():
        pass
    chat = await (await client.get("/chat")).text()
    assert "Khám bệnh ngày 3/12." in chat and STOP_LINE in chat
    assert 'value="sub:off"' in chat
    token = CSRF.search(chat).group(1)
    await client.post("/chat", data={"csrf": token, "payload": "sub:off"})
    assert "Đã ngừng gửi thông báo" in await (await client.get("/chat")).text()


async def test_telegram_subscribers_get_the_text_the_stop_button_and_the_clip(
    db_url, fake, knowledge, tmp_path
):
    """Through the real Telegram channel against the fake Bot API: the first subscriber's
    message goes alone and uploads the clip; the others follow with its file id, 1.5 s later,
    and one of them has blocked the bot."""
    settings = telegram_settings(db_url, fake, "webhook", tmp_path)
    async with web_client(settings, knowledge, run_outbox=True) as c:
        c.mode, c.fake = "webhook", fake
        chats = (7001, 7002, 7003)
        for n, chat_id in enumerate(chats):
            await post(c, message_update(300 + 2 * n, "/thongbao", chat_id=chat_id))
            await post(c, button_update(301 + 2 * n, "loc:kien-hai", chat_id=chat_id))
        replies = await sent(fake, 6)
        assert "Đã đăng ký nhận thông báo của Huyện Kiên Hải" in replies[-1]["text"]
        async with c.server.app[keys.SESSIONS]() as db:
            await create_officer(db, "kienhai", "officer", PASSWORD, "kien-hai")
            await db.commit()
        await login(c, "kienhai", PASSWORD)
        announcement_id = await compose_id(
            c, locality="kien-hai", title="Lịch phát gạo", text="Phát gạo ngày 2/12.", audio="make"
        )
        app = c.server.app
        content = app[keys.CONTENT]
        async with app[keys.SESSIONS]() as db:
            officer = await db.scalar(select(Officer).where(Officer.username == "kienhai"))
            target = svc.resolve_target(content, "kien-hai")
            head_start = dt.timedelta(seconds=1.5)
            await svc.send(
                db,
                announcement_id,
                target,
                officer,
                content.messages,
                None,
                app[keys.CHANNELS],
                head_start=head_start,
            )
            await db.commit()
        app[keys.OUTBOX].wake()
        first = (await sent(fake, 1, "sendAudio"))[0]
        assert int(first["chat_id"]) == 7001 and first["audio"]["filename"].endswith(".mp3")
        assert first["title"] == "Lịch phát gạo"
        fake.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
        attempts = (await sent(fake, 9))[6:]  # the fake records the refused one too
        later = (await sent(fake, 2, "sendAudio"))[1:]
        assert sorted(int(m["chat_id"]) for m in attempts) == list(chats)
        assert len(later) == 1 and later[0]["audio"].startswith("AUD")  # by its file id
        for message in attempts:
            assert message["text"].startswith("THÔNG BÁO – Huyện Kiên Hải\nLịch phát gạo")
            assert message["text"].endswith(STOP_LINE)
            buttons = message["reply_markup"]["inline_keyboard"]
            assert buttons[0][0] == {"text": "Ngừng nhận thông báo", "callback_data": "sub:off"}
        url = f"/dashboard/announcements/{announcement_id}/progress"
        for _ in range(100):  # the fake sees the message a moment before "sent" is committed
            progress = await (await c.get(url)).json()
            if progress["status"] == "done":
                break
            await asyncio.sleep(0.05)
        assert (progress["delivered"], progress["unreachable"], progress["failed"]) == (2, 1, 0)
        await post(c, button_update(320, "sub:off", chat_id=7001))  # the button leaves
        assert "Đã ngừng gửi thông báo" in (await sent(fake, 10))[-1]["text"]


async def test_officers_outside_the_scope_get_404_or_403(client):
    await subscriber(client, "web", "w-1", "loc:kien-hai")
    await login(client, "kienhai", PASSWORD)
    announcement_id = await compose_id(client, locality="kien-hai", title="A", text="Nội dung.")
    base = f"/dashboard/announcements/{announcement_id}"
    await login(client, "longkhanh", PASSWORD)
    assert (await client.get(base)).status == 404
    assert (await client.get(f"{base}/progress")).status == 404
    token = await csrf_of(client, "/dashboard/announcements")
    assert (await client.post(f"{base}/send", data={"csrf": token})).status == 404
    listing = await (await client.get("/dashboard/announcements")).text()
    assert base not in listing
    forbidden = await compose(client, locality="kien-hai", title="B", text="Nội dung.")
    assert forbidden.status == 403 and "địa bàn của mình" in await forbidden.text()
    await login(client, "xem", PASSWORD)  # a viewer reads, but neither composes nor sends
    viewer_page = await (await client.get(base)).text()
    assert "Nội dung." in viewer_page and "/send" not in viewer_page
    token = await csrf_of(client, base)
    assert (await client.post(f"{base}/send", data={"csrf": token})).status == 403
    assert (await compose(client, locality="kien-hai", title="C", text="D")).status == 403
    assert await outbox_rows(client, announcement_id) == []
    assert (await client.get("/dashboard/announcements/999999")).status == 404


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"locality": "kien-hai", "title": "Tiêu đề", "text": "  "}, "Hãy viết nội dung"),
        ({"locality": "kien-hai", "title": "", "text": "Nội dung"}, "Hãy ghi tiêu đề"),
        ({"locality": "kien-hai", "title": "T", "text": "x" * 3001}, "quá mức 3.000 ký tự"),
        ({"code": "w:99999", "title": "T", "text": "Nội dung"}, "Không tìm thấy địa phương"),
        ({"locality": "sao-hoa", "title": "T", "text": "Nội dung"}, "Không tìm thấy địa phương"),
        ({"locality": "toan-quoc", "title": "T", "text": "Nội dung"}, "Không tìm thấy"),
        (
            {"locality": "kien-hai", "title": "T", "text": "N", "audio": "deadbeef"},
            "Không tìm thấy bản ghi âm",
        ),
    ],
)
async def test_bad_input_gets_a_vietnamese_error_and_keeps_the_form(client, fields, error):
    await login(client, "admin", PASSWORD)
    response = await compose(client, **fields)
    html = await response.text()
    assert response.status == 400 and error in html
    if fields.get("text", "").strip() and len(fields["text"]) < 100:
        assert f">{fields['text']}</textarea>" in html  # what was typed is kept
    async with client.server.app[keys.SESSIONS]() as db:
        assert await db.scalar(select(func.count()).select_from(Announcement)) == 0


async def test_forms_need_their_csrf_token(client):
    await login(client, "admin", PASSWORD)
    data = {"locality": "kien-hai", "title": "T", "text": "Nội dung"}
    assert (await client.post("/dashboard/announcements", data=data)).status == 403
    announcement_id = await compose_id(client, **data)
    send = f"/dashboard/announcements/{announcement_id}/send"
    assert (await client.post(send, data={"csrf": "gia-mao"})).status == 403
    async with client.server.app[keys.SESSIONS]() as db:
        assert (await db.get(Announcement, announcement_id)).status == "draft"


# ---- the service at scale ---------------------------------------------------------------------


async def test_ten_thousand_subscribers_are_queued_at_once_and_paced(runtime):
    content = runtime.knowledge.content
    target = svc.resolve_target(content, "kien-hai")
    now = dt.datetime.now(dt.UTC)
    channels = ("telegram", "zalo", "web")
    async with runtime.core.session_factory() as db:
        officer = Officer(
            username="tai", password_hash="x", role="admin", locality_id=None, created_at=now
        )
        db.add(officer)
        await db.execute(
            insert(Citizen),
            [
                {
                    "channel": channels[i % 3],
                    "external_id": str(i),
                    "locality_id": "kien-hai",
                    "unreachable": i % 100 == 0,
                    "created_at": now,
                }
                for i in range(10_000)
            ],
        )
        ids = (await db.execute(select(Citizen.id))).scalars().all()
        await db.execute(
            insert(Subscription),
            [
                {
                    "citizen_id": i,
                    "locality_id": "kien-hai",
                    "province_code": "91",
                    "created_at": now,
                }
                for i in ids
            ],
        )
        draft = await svc.create_draft(db, officer, target, "Thông báo", "Nội dung.", None)
        await db.commit()
        draft_id = draft.id
        started = time.perf_counter()
        registry = build_registry(Settings(telegram_max_rate=30), only=())
        sent = await svc.send(
            db, draft_id, target, officer, content.messages, None, registry, now=now
        )
        await db.commit()
        elapsed = time.perf_counter() - started
        assert sent == svc.Sent(queued=9_900, unreachable=100)
        assert elapsed < 5, f"queueing 10,000 rows took {elapsed:.1f} s"
        assert (
            await svc.send(db, draft_id, target, officer, content.messages, None, registry, now=now)
            is None
        )
        rows = (
            await db.execute(
                select(
                    OutboxMessage.channel,
                    OutboxMessage.status,
                    func.count(),
                    func.max(OutboxMessage.next_try_at),
                )
                .where(OutboxMessage.announcement_id == draft_id)
                .group_by(OutboxMessage.channel, OutboxMessage.status)
            )
        ).all()
    assert sum(count for _, _, count, _ in rows) == 10_000
    assert sum(count for _, status, count, _ in rows if status == "unreachable") == 100
    pending = {
        channel: (count, last) for channel, status, count, last in rows if status == "pending"
    }
    # Telegram at 2/3 of TELEGRAM_MAX_RATE (20 a second), Zalo at 10 a second, the web at once.
    count, last = pending["telegram"]
    assert abs((last - now).total_seconds() - (count - 1) / 20) < 0.001
    count, last = pending["zalo"]
    assert abs((last - now).total_seconds() - (count - 1) / 10) < 0.001
    assert pending["web"][1] == now


async def test_the_database_refuses_a_second_row_of_one_announcement_for_one_citizen(runtime):
    from sqlalchemy.exc import IntegrityError

    now = dt.datetime.now(dt.UTC)
    async with runtime.core.session_factory() as db:
        citizen = Citizen(channel="web", external_id="x", created_at=now)
        announcement = Announcement(locality_id="kien-hai", title="T", text="N", created_at=now)
        db.add_all([citizen, announcement])
        await db.flush()
        row = {
            "citizen_id": citizen.id,
            "announcement_id": announcement.id,
            "channel": "web",
            "text": "N",
            "status": "pending",
            "attempts": 0,
            "next_try_at": now,
            "created_at": now,
        }
        await db.execute(insert(OutboxMessage), [row])
        await db.commit()
        with pytest.raises(IntegrityError):
            await db.execute(insert(OutboxMessage), [row])


async def test_the_migrations_create_exactly_the_models_schema(runtime):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from db.models import Base

    def modelled(obj, name, type_, reflected, compare_to) -> bool:  # type: ignore[no-untyped-def]
        # Tables kept outside the ORM (app/jobs.py's job_leases) are not the models' concern.
        return not (type_ == "table" and reflected and compare_to is None)

    def differences(connection):  # type: ignore[no-untyped-def]
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": modelled}
        )
        return compare_metadata(context, Base.metadata)

    async with runtime.engine.connect() as connection:
        assert await connection.run_sync(differences) == []
