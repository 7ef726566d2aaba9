"""Shared fixtures: the real content and index, a real SQLite database per test, a chat driver."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.runtime import Knowledge, Runtime, load_knowledge, start_runtime
from app.settings import PROJECT_DIR, Settings
from tests.driver import ChatDriver


def pytest_configure(config) -> None:  # type: ignore[no-untyped-def]
    """No test reaches the internet: clips are made offline (espeak-ng) into a temporary folder
    unless a test points gTTS at its own fake endpoint."""
    import tempfile

    os.environ.setdefault("TTS_ENGINE", "espeak")
    os.environ.setdefault("AUDIO_DIR", tempfile.mkdtemp(prefix="caunoi-audio-"))
    os.environ.setdefault("MEDIA_DIR", tempfile.mkdtemp(prefix="caunoi-media-"))


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
