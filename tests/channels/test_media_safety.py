"""Citizens' attachments stay under MEDIA_DIR and are fetched only from MEDIA_FETCH_HOSTS: the
real Telegram and Zalo channels against our fakes, and the guard on its own."""

from __future__ import annotations

import itertools
import socket
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from yarl import URL

from app import keys
from app.settings import Settings
from channels import media
from db.models import Message
from tests.factories import (
    TG_HEADER,
    TG_SECRET,
    TG_TOKEN,
    ZALO_APP,
    ZALO_KEY,
    ZALO_SECRET,
    ZALO_USER,
    telegram_update,
)
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.zalo_api import FakeZalo
from tests.web_client import web_client

_ids = itertools.count(1)


async def stored_messages(client) -> list[Message]:  # type: ignore[no-untyped-def]
    async with client.server.app[keys.SESSIONS]() as db:
        return list((await db.execute(select(Message).where(Message.direction == "in"))).scalars())


def files_outside(root: Path, media_dir: Path) -> list[Path]:
    return [p for p in root.rglob("*pwned*") if not p.resolve().is_relative_to(media_dir)]


@pytest.fixture
def connections(monkeypatch):
    """Every host an aiohttp client connects to (the test client's own requests included);
    10.0.0.1 and 169.254.169.254 fail at once, so a test sees the attempt rather than hanging."""
    tried: list[str] = []
    original = aiohttp.BaseConnector.connect

    async def connect(self, req, *args, **kwargs):  # type: ignore[no-untyped-def]
        tried.append(req.url.host)
        if req.url.host in ("10.0.0.1", "169.254.169.254"):
            raise aiohttp.ClientConnectionError("unreachable in tests")
        return await original(self, req, *args, **kwargs)

    monkeypatch.setattr(aiohttp.BaseConnector, "connect", connect)
    return tried


# ---- Telegram -----------------------------------------------------------------------------
@pytest.fixture
async def telegram(db_url, knowledge, tmp_path):
    fake = FakeTelegram(TG_TOKEN)
    server = TestServer(fake.app())
    await server.start_server()
    url = str(server.make_url("/")).rstrip("/")
    settings = Settings(
        database_url=db_url,
        secret_key="k",
        telegram_token=TG_TOKEN,
        telegram_mode="webhook",
        telegram_webhook_secret=TG_SECRET,
        telegram_base_url=f"{url}/bot",
        telegram_base_file_url=f"{url}/file/bot",
        media_fetch_hosts="127.0.0.1",  # the fake Bot API on loopback, listed
        public_url="https://caunoi.example.vn",
        media_dir=tmp_path / "media",
        telegram_max_rate=1000,
    )
    async with web_client(settings, knowledge) as client:
        client.fake = fake
        yield client
    await server.close()


@pytest.mark.parametrize("unique_id", ["../../pwned", "/ABSOLUTE/pwned", "..\\..\\pwned"])
async def test_telegram_voice_named_to_escape_is_kept_inside_media_dir(
    telegram, tmp_path, unique_id
):
    unique_id = unique_id.replace("/ABSOLUTE", str(tmp_path))
    telegram.fake.files["voice/VOICE9.oga"] = b"OggS-voice"
    voice = {"file_id": "VOICE9", "file_unique_id": unique_id, "duration": 3, "file_size": 10}
    update = telegram_update(next(_ids), None, chat_id=5550009, voice=voice)
    response = await telegram.post("/telegram/webhook", json=update, headers={TG_HEADER: TG_SECRET})
    assert response.status == 200
    media_dir = (tmp_path / "media").resolve()
    assert files_outside(tmp_path, media_dir) == []
    (message,) = await stored_messages(telegram)
    kept = Path(message.payload["media"]["path"])
    assert kept.resolve().parent == media_dir / "telegram"
    assert kept.read_bytes() == b"OggS-voice"


# ---- Zalo ---------------------------------------------------------------------------------
@pytest.fixture
async def zalo(db_url, knowledge, tmp_path):
    fake = FakeZalo(ZALO_APP, ZALO_SECRET, ZALO_KEY)
    server = TestServer(fake.app())
    await server.start_server()
    fake.url = str(server.make_url("/")).rstrip("/")
    fake.port = server.port
    access, refresh = fake.issue_pair()
    settings = Settings(
        database_url=db_url,
        secret_key="k",
        zalo_app_id=ZALO_APP,
        zalo_app_secret=ZALO_SECRET,
        zalo_oa_secret_key=ZALO_KEY,
        zalo_access_token=access,
        zalo_refresh_token=refresh,
        zalo_api_base=fake.url,
        zalo_oauth_base=fake.url,
        media_fetch_hosts="127.0.0.1",  # "localhost" and private addresses stay unlisted
        media_dir=tmp_path / "media",
    )
    async with web_client(settings, knowledge) as client:
        client.fake = fake
        yield client
    await server.close()


async def send_audio(client, url: str):  # type: ignore[no-untyped-def]
    event = client.fake.event(
        "user_send_audio", ZALO_USER, attachments=[{"type": "audio", "payload": {"url": url}}]
    )
    raw, headers = client.fake.sign(event)
    return await client.post("/zalo/webhook", data=raw, headers=headers)


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:{port}/media/voice1.m4a",  # our fake, by a name nobody listed
        "http://10.0.0.1/media/voice1.m4a",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:169.254.169.254]/latest/",
        "file:///etc/passwd",
    ],
)
async def test_zalo_attachment_from_an_unlisted_host_is_not_fetched(zalo, connections, url):
    zalo.fake.files["voice1.m4a"] = b"voice-bytes"
    url = url.format(port=zalo.fake.port)
    response = await send_audio(zalo, url)
    assert response.status == 200
    assert URL(url).host not in connections  # not even a connection was tried
    (message,) = await stored_messages(zalo)
    assert message.payload["media"]["url"] == url
    assert "path" not in message.payload["media"] and message.payload["media"]["error"]


@pytest.mark.parametrize("url", ["http://[/voice1.m4a", "https://f.zdn.vn:port/voice1.m4a"])
async def test_a_malformed_attachment_link_is_kept_without_its_file_not_a_5xx(zalo, url):
    response = await send_audio(zalo, url)
    assert response.status == 200
    (message,) = await stored_messages(zalo)
    assert message.payload["media"]["url"] == url
    assert "path" not in message.payload["media"] and message.payload["media"]["error"]


# ---- the guard ----------------------------------------------------------------------------
async def test_a_redirect_to_an_unlisted_host_is_not_followed():
    hits: list[str] = []

    async def handle(request: web.Request) -> web.Response:
        hits.append(request.path)
        if request.path == "/start":
            raise web.HTTPFound(f"http://localhost:{request.url.port}/secret")
        return web.Response(body=b"secret")

    app = web.Application()
    app.router.add_get("/{name}", handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        policy = media.build_policy("127.0.0.1")
        with pytest.raises(media.MediaRefused, match="localhost"):
            await media.fetch_media(f"http://127.0.0.1:{server.port}/start", policy, 1000)
        assert hits == ["/start"]
        with pytest.raises(media.MediaTooLarge):
            await media.fetch_media(f"http://127.0.0.1:{server.port}/secret", policy, 3)
    finally:
        await server.close()


async def test_a_listed_host_that_resolves_to_a_private_address_is_refused():
    """DNS can answer anything for a listed domain: only public addresses are fetched from
    (a fake resolver, as a rebinding attacker's DNS server would answer)."""

    async def rebinding(host: str, port: int) -> list[tuple[int, str]]:
        return [(socket.AF_INET, "149.154.167.220"), (socket.AF_INET, "10.0.0.7")]

    async def public(host: str, port: int) -> list[tuple[int, str]]:
        return [(socket.AF_INET, "149.154.167.220")]

    url = "https://voice-dl.zdn.vn/voice1.m4a"
    with pytest.raises(media.MediaRefused, match="private address"):
        await media.vet_url(url, media.build_policy(".zdn.vn", resolve=rebinding))
    admitted = await media.vet_url(url, media.build_policy(".zdn.vn", resolve=public))
    assert admitted == [(socket.AF_INET, "149.154.167.220")]


def test_policy_admits_listed_hosts_and_subdomains_only():
    policy = media.build_policy("api.telegram.org, .zdn.vn,,")
    assert policy.admits("api.telegram.org") and policy.admits("API.Telegram.org.")
    assert policy.admits("voice-dl.zdn.vn") and not policy.admits("openapi.zalo.me")
    assert not policy.admits("zdn.vn.attacker.example")
    assert not policy.admits("evilzdn.vn") and not policy.admits("telegram.org")
    assert policy.listed_exactly("api.telegram.org") and not policy.listed_exactly("a.zdn.vn")
    assert not media.is_public("127.0.0.1") and not media.is_public("fd00::1")
    assert not media.is_public("::ffff:10.0.0.1") and media.is_public("149.154.167.220")


def test_default_hosts_are_the_platforms_file_hosts():
    policy = media.build_policy(Settings().media_fetch_hosts)
    assert policy.admits("api.telegram.org") and policy.admits("dl-files.zdn.vn")
    assert not policy.admits("127.0.0.1") and not policy.admits("localhost")


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=0, max_size=80))
def test_no_platform_id_names_a_file_outside_media_dir(tmp_path_factory, platform_id):
    root = tmp_path_factory.getbasetemp() / "media-names"
    path = media.locate_file(root, "zalo", platform_id, "m4a")
    assert path.parent == (root / "zalo").resolve() and path.suffix == ".m4a"
    assert path.name == media.name_file(platform_id, "m4a")
    assert set(path.stem) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def test_distinct_ids_never_share_a_file():
    assert media.name_file("a/b", "oga") != media.name_file("ab", "oga")
    with pytest.raises(ValueError):
        media.name_file("x", "../oga")
