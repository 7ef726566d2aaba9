"""The pronunciation list in the dashboard, over HTTP with real officers: an edit is audited, read
by the library's normalisation and by another process, changes the key of the clips it affects,
and survives as data; viewers read the list but cannot change it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app import keys
from app.settings import Settings
from audio.clips import ClipStyle, cache_key
from audio.pronunciations import STORE, PronunciationStore
from audio.speech import normalize_for_speech, normalize_with_edits
from db.office import AuditEntry
from tests.conftest import run_cli
from tests.web_client import csrf_of, login, web_client

PASSWORD = "mat-khau-du-dai-1"
OFFICERS = (("canbo", "officer", "kien-hai"), ("xem", "viewer", None), ("quantri", "admin", None))
PAGE = "/dashboard/pronunciations"


@pytest.fixture
async def client(db_url, knowledge):
    settings = Settings(database_url=db_url, secret_key="k")
    async with web_client(settings, knowledge, officers=OFFICERS, password=PASSWORD) as c:
        yield c
    STORE.bind(None)  # later tests read the file's list only


async def post_edit(client, **fields: str):  # type: ignore[no-untyped-def]
    token = await csrf_of(client, PAGE)
    return await client.post(PAGE, data={"csrf": token, **fields}, allow_redirects=False)


async def audit_rows(client) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    async with client.server.app[keys.SESSIONS]() as db:
        return list((await db.execute(select(AuditEntry).order_by(AuditEntry.id))).scalars())


async def test_an_officer_changes_a_reading_and_every_reader_follows(client, db_url):
    await login(client, "canbo", PASSWORD)
    page = await (await client.get(PAGE)).text()
    assert "Cách đọc chữ viết tắt" in page and "Ủy ban nhân dân" in page
    before = normalize_for_speech("Liên hệ HTX Tân Phú")
    untouched = cache_key("Hộ nghèo được hỗ trợ.", "espeak", ClipStyle(), {})
    affected = cache_key("Liên hệ HTX Tân Phú", "espeak", ClipStyle(), {})

    saved = await post_edit(client, term="HTX", reading="hợp tác xã nông nghiệp", action="set")
    assert saved.status == 303 and "luu=HTX" in saved.headers["Location"]
    added = await post_edit(client, term=" BCĐ ", reading="Ban Chỉ đạo", action="set")
    assert added.status == 303

    rows = await audit_rows(client)
    assert [(r.username, r.action, r.target) for r in rows[-2:]] == [
        ("canbo", "pronunciation_set", "HTX"),
        ("canbo", "pronunciation_set", "BCĐ"),
    ]
    assert rows[-2].detail == {"before": "hợp tác xã", "reading": "hợp tác xã nông nghiệp"}

    text = "Liên hệ HTX Tân Phú và BCĐ xã"
    async with client.server.app[keys.SESSIONS]() as db:
        spoken = await normalize_with_edits(text, db)
    assert spoken == "Liên hệ hợp tác xã nông nghiệp Tân Phú và Ban Chỉ đạo xã"
    assert before == "Liên hệ hợp tác xã Tân Phú"

    # Another worker (its own store, the same database) reads the edit on its next refresh.
    other = PronunciationStore()
    other.bind(client.server.app[keys.SESSIONS])
    assert normalize_for_speech(text, await other.refresh()) == spoken
    # So does `python bot.py audio normalize`, another process.
    cli = run_cli("audio", "normalize", text, env={"DATABASE_URL": db_url})
    assert cli.returncode == 0, cli.stderr
    assert cli.stdout.strip() == spoken

    # Clips are keyed by the words read: the edit makes anew only those it changes.
    await STORE.refresh()
    assert cache_key("Hộ nghèo được hỗ trợ.", "espeak", ClipStyle(), {}) == untouched
    assert cache_key("Liên hệ HTX Tân Phú", "espeak", ClipStyle(), {}) != affected
    intro = ClipStyle(intro="Đài truyền thanh HTX xin thông báo")
    assert cache_key("Tin", "espeak", intro, {}) != cache_key(
        "Tin", "espeak", ClipStyle(intro="Đài truyền thanh hợp tác xã xin thông báo"), {}
    )

    page = await (await client.get(PAGE)).text()
    assert "hợp tác xã nông nghiệp" in page and "Ban Chỉ đạo" in page and "đã sửa" in page
    assert "Đã lưu cách đọc «HTX»." in (await (await client.get(saved.headers["Location"])).text())


async def test_remove_then_restore_a_term(client):
    await login(client, "quantri", PASSWORD)
    assert (await post_edit(client, term="UBND", action="remove")).status == 303
    async with client.server.app[keys.SESSIONS]() as db:
        assert await normalize_with_edits("UBND xã", db) == "UBND xã"
    page = await (await client.get(PAGE)).text()
    assert "Đọc nguyên như chữ viết" in page
    assert (await post_edit(client, term="UBND", action="reset")).status == 303
    async with client.server.app[keys.SESSIONS]() as db:
        assert await normalize_with_edits("UBND xã", db) == "Ủy ban nhân dân xã"
    actions = [r.action for r in await audit_rows(client) if r.target == "UBND"]
    assert actions == ["pronunciation_remove", "pronunciation_reset"]


async def test_a_bad_edit_is_refused_with_the_reason(client):
    await login(client, "canbo", PASSWORD)
    refused = await post_edit(client, term="HTX", reading="123", action="set")
    assert refused.status == 400
    assert "Hãy ghi cách đọc" in await refused.text()
    assert not [r for r in await audit_rows(client) if r.action.startswith("pronunciation")]


async def test_viewers_read_the_list_but_cannot_change_it(client):
    await login(client, "xem", PASSWORD)
    page = await (await client.get(PAGE + "?thu=Liên hệ UBND xã, SĐT 0297 3830 123")).text()
    assert "Ủy ban nhân dân" in page and 'name="reading"' not in page
    assert (
        "Liên hệ Ủy ban nhân dân xã, số điện thoại không hai chín bảy, ba tám ba không, "
        "một hai ba" in page
    )
    denied = await post_edit(client, term="HTX", reading="hợp tác", action="set")
    assert denied.status == 403


async def test_edits_need_the_form_token(client):
    await login(client, "canbo", PASSWORD)
    forged = await client.post(PAGE, data={"term": "HTX", "reading": "hợp tác", "action": "set"})
    assert forged.status == 403


async def test_clips_made_from_the_command_line_read_with_the_officers_edits(
    client, db_url, tmp_path
):
    await login(client, "canbo", PASSWORD)
    saved = await post_edit(client, term="HTX", reading="hợp tác xã nông nghiệp", action="set")
    assert saved.status == 303
    audio = {"AUDIO_DIR": str(tmp_path / "audio"), "TTS_ENGINE": "espeak"}
    edited = run_cli("audio", "say", "Liên hệ HTX Tân Phú", env={**audio, "DATABASE_URL": db_url})
    assert edited.returncode == 0, edited.stderr
    # The same text from a database without the edit reads "hợp tác xã": another clip.
    plain_db = f"sqlite+aiosqlite:///{tmp_path / 'no-edits.db'}"
    plain = run_cli("audio", "say", "Liên hệ HTX Tân Phú", env={**audio, "DATABASE_URL": plain_db})
    assert plain.returncode == 0, plain.stderr
    assert "from the cache" not in plain.stdout
    again = run_cli("audio", "say", "Liên hệ HTX Tân Phú", env={**audio, "DATABASE_URL": db_url})
    assert "from the cache" in again.stdout
