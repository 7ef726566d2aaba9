"""Starts bench/harness.py in its own process and talks to it (see that file)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

HARNESS = Path(__file__).resolve().parent / "harness.py"


class Harness:
    def __init__(self) -> None:
        self.process: asyncio.subprocess.Process | None = None
        self.urls: dict[str, Any] = {}

    async def __aenter__(self) -> Harness:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(HARNESS),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=64 * 1024 * 1024,  # a line of per-chat counts for 10,000 chats is long
        )
        self.urls = json.loads(await self._line())
        return self

    async def _line(self) -> bytes:
        assert self.process is not None and self.process.stdout is not None
        line = await self.process.stdout.readline()
        if not line:
            raise RuntimeError("the load harness stopped")
        return line

    async def run(self, **spec: Any) -> dict[str, Any]:
        """One load run against `target`; returns the harness's figures."""
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.write(json.dumps(spec).encode() + b"\n")
        await self.process.stdin.drain()
        return json.loads(await self._line())

    async def sends(self) -> dict[str, int]:
        """Messages each Telegram chat received since the last call."""
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.write(b'{"op": "sends"}\n')
        await self.process.stdin.drain()
        return json.loads(await self._line())

    async def __aexit__(self, *_: object) -> None:
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.close()
        try:
            await asyncio.wait_for(self.process.wait(), timeout=10)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


@contextlib.asynccontextmanager
async def app_under_load(knowledge: Any, **settings: Any) -> AsyncIterator[str]:
    """Our web application in this process, on a fresh SQLite database, with `settings` (the
    channel's); yields its base URL for the harness to post to."""
    from aiohttp.test_utils import TestServer

    from app.factory import create_app, freeze_heap_after_startup
    from app.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        config = Settings(
            database_url=f"sqlite+aiosqlite:///{tmp}/bench.db",
            secret_key="bench",
            log_level="WARNING",
            media_dir=Path(tmp) / "media",
            **settings,
        )
        app = create_app(config, knowledge)
        freeze_heap_after_startup(app)  # as `serve` does
        server = TestServer(app)
        await server.start_server()
        try:
            yield str(server.make_url("/")).rstrip("/")
        finally:
            await server.close()
