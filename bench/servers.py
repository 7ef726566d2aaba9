"""Real `bot.py serve` processes for the scale and crash benchmarks: started with the channels
pointed at the harness's fake APIs, waited for until /healthz answers, stopped or killed."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
BOT = ROOT / "bot.py"
SECRET = "bench-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment(database_url: str, urls: dict[str, Any], port: int, **extra: str) -> dict:
    """Settings for a worker: both channels on, pointed at the harness's fakes."""
    from bench.harness import TELEGRAM_TOKEN, ZALO_APP

    access, refresh = urls["zalo_tokens"]
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench",
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "LOG_LEVEL": "WARNING",
        "TELEGRAM_TOKEN": TELEGRAM_TOKEN,
        "TELEGRAM_MODE": "webhook",
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_BASE_URL": f"{urls['telegram']}/bot",
        "TELEGRAM_BASE_FILE_URL": f"{urls['telegram']}/file/bot",
        "TELEGRAM_MAX_RATE": "100000",
        "ZALO_APP_ID": ZALO_APP[0],
        "ZALO_APP_SECRET": ZALO_APP[1],
        "ZALO_OA_SECRET_KEY": ZALO_APP[2],
        "ZALO_ACCESS_TOKEN": access,
        "ZALO_REFRESH_TOKEN": refresh,
        "ZALO_API_BASE": urls["zalo"],
        "ZALO_OAUTH_BASE": urls["zalo"],
        "ZALO_MAX_RATE": "100000",
        "TTS_ENGINE": "espeak",
    }
    env.update(extra)
    return env


class Serve:
    """`bot.py serve` with N workers (N > 1: the supervisor and its children)."""

    def __init__(self, env: dict[str, str], workers: int = 1, log: Path | None = None):
        self.env = env
        self.workers = workers
        self.port = int(env["PORT"])
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, timeout: float = 60.0) -> None:
        out = self.log.open("ab") if self.log else subprocess.DEVNULL
        command = [sys.executable, str(BOT), "serve", "--workers", str(self.workers)]
        if self.workers == 1:
            command.append("--reuse-port")  # a restarted worker can bind while old sockets close
        self.process = subprocess.Popen(command, env=self.env, stdout=out, stderr=out)
        try:
            await self.wait_healthy(timeout, pids=self.workers)
        except BaseException:
            self.stop()  # never leave a half-started server behind
            raise

    async def wait_healthy(self, timeout: float = 60.0, pids: int | None = None) -> set[int]:
        """Waits until /healthz answers (from `pids` different workers, when given)."""
        seen: set[int] = set()
        deadline = time.monotonic() + timeout
        # A new connection each time: the kernel picks the worker per connection.
        connector = aiohttp.TCPConnector(force_close=True)
        async with aiohttp.ClientSession(connector=connector) as session:
            while time.monotonic() < deadline:
                if self.process is not None and self.process.poll() is not None:
                    raise RuntimeError(f"serve exited with {self.process.returncode}")
                try:
                    async with session.get(f"{self.url}/healthz") as response:
                        if response.status == 200:
                            seen.add((await response.json())["worker_pid"])
                            if len(seen) >= (pids or 1):
                                return seen
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        raise TimeoutError(f"serve did not become healthy on {self.url}")

    def worker_pids(self) -> list[int]:
        """The processes serving requests: the children of a supervisor, or the one process."""
        assert self.process is not None
        if self.workers == 1:
            return [self.process.pid]
        out = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True, check=False
        )
        return [int(p) for p in out.stdout.split()]

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=45)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
