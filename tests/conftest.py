"""Shared fixtures: the network guard, the real content and index, a real SQLite database per
test, a chat driver."""

from __future__ import annotations

import ipaddress
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from app.knowledge import Knowledge, load_knowledge
from app.runtime import Runtime, start_runtime
from app.settings import PROJECT_DIR, Settings
from tests.driver import ChatDriver


def pytest_configure(config) -> None:  # type: ignore[no-untyped-def]
    """No test reaches the internet: clips are made offline (espeak-ng) into a temporary folder
    unless a test points gTTS at its own fake endpoint."""
    import tempfile

    os.environ.setdefault("TTS_ENGINE", "espeak")
    os.environ.setdefault("AUDIO_DIR", tempfile.mkdtemp(prefix="caunoi-audio-"))
    os.environ.setdefault("MEDIA_DIR", tempfile.mkdtemp(prefix="caunoi-media-"))


class NetworkGuard:
    """Refuses, and records, every connection and name lookup that would leave this machine: a
    test talks to our fakes on loopback, never to Telegram, Zalo or a DNS server."""

    LOCAL_NAMES = frozenset({None, "", "localhost", b"localhost", "localhost.localdomain"})

    def __init__(self) -> None:
        self.refused: list[str] = []

    @staticmethod
    def is_loopback(host: object) -> bool:
        if isinstance(host, bytes):
            host = host.decode("ascii", "replace")
        if not isinstance(host, str):
            return False
        try:
            address = ipaddress.ip_address(host.split("%", 1)[0])
        except ValueError:
            return False
        mapped = getattr(address, "ipv4_mapped", None)
        return address.is_loopback or (mapped is not None and mapped.is_loopback)

    def check_address(self, family: int, address: object) -> None:
        if family == getattr(socket, "AF_UNIX", None) or isinstance(address, str | bytes):
            return  # a Unix socket (a path or an abstract name)
        host = address[0] if isinstance(address, tuple) and address else address
        if not self.is_loopback(host):
            self.refuse(f"connect to {address!r}")

    def check_name(self, host: object) -> None:
        if host not in self.LOCAL_NAMES and not self.is_loopback(host):
            self.refuse(f"name lookup of {host!r}")

    def refuse(self, what: str) -> None:
        self.refused.append(what)
        raise OSError(f"network guard: a test tried a {what} off loopback")


@pytest.fixture(autouse=True)
def network_guard(monkeypatch: pytest.MonkeyPatch) -> Iterator[NetworkGuard]:
    """Fails any test that connects, or looks up a name, off loopback (even when the code
    under test catches the error)."""
    guard = NetworkGuard()
    connect, connect_ex, getaddrinfo = (
        socket.socket.connect,
        socket.socket.connect_ex,
        socket.getaddrinfo,
    )

    def guarded_connect(sock: socket.socket, address, *args):  # type: ignore[no-untyped-def]
        guard.check_address(sock.family, address)
        return connect(sock, address, *args)

    def guarded_connect_ex(sock: socket.socket, address, *args):  # type: ignore[no-untyped-def]
        guard.check_address(sock.family, address)
        return connect_ex(sock, address, *args)

    def guarded_getaddrinfo(host, *args, **kwargs):  # type: ignore[no-untyped-def]
        guard.check_name(host)
        return getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)
    yield guard
    if guard.refused:
        pytest.fail("network guard: " + "; ".join(guard.refused), pytrace=False)


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    return load_knowledge(Settings())


# When set (e.g. postgresql+asyncpg://postgres@127.0.0.1:55432/postgres), every test that uses
# `db_url` gets a fresh PostgreSQL database instead of an SQLite file.
POSTGRES = os.environ.get("TEST_POSTGRES_URL")


@pytest.fixture
async def db_url(tmp_path: Path) -> AsyncIterator[str]:
    if not POSTGRES:
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        return
    import uuid

    import asyncpg

    admin = POSTGRES.replace("postgresql+asyncpg://", "postgresql://")
    name = f"caunoi_test_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(admin)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    yield POSTGRES.rsplit("/", 1)[0] + f"/{name}"
    conn = await asyncpg.connect(admin)
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await conn.close()


@pytest.fixture
def settings(db_url: str) -> Settings:
    """The settings of a web application under test: its own database, a fixed secret key."""
    return Settings(database_url=db_url, secret_key="test-secret-key")


@pytest.fixture
async def runtime(knowledge: Knowledge, db_url: str) -> AsyncIterator[Runtime]:
    rt = await start_runtime(Settings(database_url=db_url), knowledge)
    yield rt
    await rt.close()


@pytest.fixture
def chat(runtime: Runtime) -> ChatDriver:
    return ChatDriver(runtime.core, user_id="u1")


def run_cli(
    *args: str, stdin: str | None = None, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Runs `python bot.py ARGS` in a fresh process, as an operator would."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, str(PROJECT_DIR / "bot.py"), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=full_env,
        cwd=PROJECT_DIR,
        timeout=timeout,
        check=False,
    )
