"""Audio for citizens and operators: "Nghe" on answers, /bantin, the /audio library, bulletins
made in the dashboard, clips sent on Telegram once (file_id reused), and `audio build`."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app import keys
from app.settings import Settings
from audio.engines import decode
from db.models import AudioUpload
from db.office import Bulletin
from db.officers import create_officer
from tests.channels.test_telegram import fake as fake  # the fake Bot API server fixture
from tests.channels.test_telegram import post, sent, telegram_settings
from tests.conftest import run_cli
from tests.factories import telegram_button as button_update
from tests.factories import telegram_update as message_update
from tests.test_bulletins import wait_built
from tests.web_client import CSRF, csrf_of, login, web_client


def csrf_of_page(page: str) -> str:
    match = CSRF.search(page)
    assert match
    return match.group(1)


async def test_listen_to_an_answer_in_the_console_channel(chat, runtime):
    await chat.say("chuẩn nghèo nông thôn giai đoạn 2022-2025 là bao nhiêu")
    assert "Nghe câu trả lời" in chat.labels
    await chat.press("Nghe câu trả lời")
    reply = chat.last[0]
    assert reply.audio is not None and reply.audio.url.endswith(
        f"/audio/clips/{reply.audio.clip_id}.mp3"
    )
    path = runtime.core.audio.path(reply.audio.clip_id)
    samples, rate = decode(path.read_bytes())
    assert rate == 44_100 and samples.size / rate > 5


async def test_bantin_without_and_with_a_bulletin(chat, runtime):
    await chat.say("/bantin")
    assert "chưa có bản tin" in chat.text
    async with runtime.core.session_factory() as db:
        await runtime.core.audio.make_bulletin(
            db, "Lịch rà soát hộ nghèo", "Từ 01/9 xã rà soát hộ nghèo.", None, None
        )
        await db.commit()
    await chat.say("/bantin")
    assert "Bản tin âm thanh: Lịch rà soát hộ nghèo" in chat.text
    assert chat.last[0].audio is not None
    async with runtime.core.session_factory() as db:  # a draft, not built yet, is not sent
        db.add(Bulletin(title="Bản nháp", text="", clip_key="", duration_s=0.0, status="draft"))
        await db.commit()
    await chat.say("/bantin")
    assert "Bản tin âm thanh: Lịch rà soát hộ nghèo" in chat.text


@pytest.fixture
async def client(db_url, knowledge, tmp_path):
    settings = Settings(
        database_url=db_url, secret_key="k", audio_dir=tmp_path, tts_engine="espeak"
    )
    async with web_client(settings, knowledge) as c:
        async with c.server.app[keys.SESSIONS]() as db:
            await create_officer(db, "admin", "admin", "mat-khau-du-dai-1", None)
            await create_officer(db, "xem", "viewer", "mat-khau-du-dai-1", None)
            await db.commit()
        yield c


async def test_officer_makes_a_bulletin_and_operators_download_it(client):
    await login(client, "admin", "mat-khau-du-dai-1")
    page = await (await client.get("/dashboard/bulletins?faq=bhyt-ho-ngheo")).text()
    assert "Hộ nghèo có được cấp thẻ bảo hiểm y tế miễn phí không?" in page  # text to edit
    token = await csrf_of(client, "/dashboard/bulletins")
    made = await client.post(
        "/dashboard/bulletins",
        data={
            "csrf": token,
            "title": "Bảo hiểm y tế cho hộ nghèo",
            "locality": "kien-hai",
            "intro": "Đài truyền thanh đặc khu Kiên Hải xin thông báo",
            "text": "Người thuộc hộ nghèo được Nhà nước đóng tiền thẻ bảo hiểm y tế.",
        },
    )
    assert made.status == 200 and "Kịch bản" in await made.text()  # the draft's editor
    editor = str(made.url.path)
    page = await (await client.get(editor)).text()
    built = await client.post(
        editor,
        data={
            "csrf": csrf_of_page(page),
            "intro": "Đài truyền thanh đặc khu Kiên Hải xin thông báo",
            "count": "1",
            "kind_0": "text",
            "text_0": "Người thuộc hộ nghèo được Nhà nước đóng tiền thẻ bảo hiểm y tế.",
            "action": "build",
        },
    )
    assert built.status == 200
    assert (await wait_built(client, int(editor.rsplit("/", 1)[1])))["status"] == "ready"
    library = await (await client.get("/audio?locality=kien-hai")).text()
    assert "Bảo hiểm y tế cho hộ nghèo" in library and "<audio" in library
    key = library.split("/audio/clips/")[1].split(".mp3")[0]
    mp3 = await client.get(f"/audio/clips/{key}.mp3")
    assert mp3.status == 200 and mp3.content_type == "audio/mpeg"
    samples, rate = decode(await mp3.read())
    assert rate == 44_100 and samples.size / rate > 3
    transcript = await (await client.get(f"/audio/clips/{key}.txt")).text()
    assert transcript.startswith("Đài truyền thanh đặc khu Kiên Hải xin thông báo")
    assert (await client.get("/audio/clips/nothere.mp3")).status == 404


async def test_viewer_cannot_make_bulletins(client):
    await login(client, "xem", "mat-khau-du-dai-1")
    token = await csrf_of(client, "/dashboard")
    denied = await client.post(
        "/dashboard/bulletins", data={"csrf": token, "title": "x", "text": "y"}
    )
    assert denied.status == 403


async def test_telegram_sends_a_clip_once_then_reuses_its_file_id(
    db_url, fake, knowledge, tmp_path
):
    settings = telegram_settings(db_url, fake, "webhook", tmp_path)
    async with web_client(settings, knowledge, run_outbox=True) as c:
        c.mode, c.fake = "webhook", fake
        await post(c, message_update(50, "hộ nghèo có được cấp thẻ bảo hiểm y tế không"))
        await sent(fake, 1)
        await post(c, button_update(51, "listen:bhyt-ho-ngheo"))
        first = (await sent(fake, 1, "sendAudio"))[0]
        assert first["audio"]["filename"].endswith(".mp3") and first["audio"]["size"] > 10_000
        await post(c, button_update(52, "listen:bhyt-ho-ngheo"))
        second = (await sent(fake, 2, "sendAudio"))[1]
        assert second["audio"].startswith("AUD")  # the file_id, not a new upload
        async with c.server.app[keys.SESSIONS]() as db:
            uploads = list((await db.execute(select(AudioUpload))).scalars())
        assert len(uploads) == 1 and uploads[0].file_id == second["audio"]
        assert any(a["action"] == "upload_voice" for a in fake.of("sendChatAction"))


def test_audio_build_command(tmp_path):
    env = {"AUDIO_DIR": str(tmp_path), "TTS_ENGINE": "espeak"}
    result = run_cli("audio", "build", "--locality", "long-khanh", "--limit", "3", env=env)
    assert result.returncode == 0, result.stderr
    assert "new, 0 from the cache" in result.stdout
    again = run_cli("audio", "build", "--locality", "long-khanh", "--limit", "3", env=env)
    assert "(0 new," in again.stdout
    assert len(list(tmp_path.glob("*.mp3"))) == 3
    assert run_cli("audio", "build", env=env).returncode == 2
