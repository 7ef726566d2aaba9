"""`serve --workers N`: N `serve` processes sharing one address, restarted if one dies.

They share it with SO_REUSEPORT (the kernel spreads connections among them), start after the
database is migrated once, and stop together on SIGTERM or Ctrl+C.

Any worker can take any message: conversation state and the outbox live in the database, an
outbox row is claimed before it is sent, and jobs that must run once take a lease
(`app/jobs.py`). Several workers want PostgreSQL; on SQLite they take turns writing."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from app.settings import Settings

log = logging.getLogger(__name__)
BOT = Path(__file__).resolve().parent.parent / "bot.py"
STOP_GRACE = 35.0  # seconds for workers to finish in-flight requests (serve gives them 30)
RESTART_DELAY = 1.0


def _migrate(settings: Settings) -> None:
    from db.migrate import upgrade
    from db.session import make_engine

    async def run() -> None:
        engine = make_engine(settings.database_url, lock_timeout=settings.db_lock_timeout)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()

    asyncio.run(run())


def _start(index: int, host: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "WORKERS": "1", "WORKER_INDEX": str(index)}
    command = [sys.executable, str(BOT), "serve", "--reuse-port", "--host", host]
    command += ["--port", str(port)]
    process = subprocess.Popen(command, env=env)
    log.info("worker started", extra={"worker": index, "pid": process.pid})
    return process


def supervise(settings: Settings, count: int, host: str | None, port: int | None) -> int:
    host = host or settings.host
    port = port or settings.port
    _migrate(settings)
    stopping = False

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    workers = {i: _start(i, host, port) for i in range(count)}
    print(f"Cầu Nối: {count} tiến trình trên http://{host}:{port}/", flush=True)
    while not stopping:
        for index, process in list(workers.items()):
            code = process.poll()
            if code is not None and not stopping:
                log.error("worker died; restarting", extra={"worker": index, "code": code})
                time.sleep(RESTART_DELAY)
                workers[index] = _start(index, host, port)
        time.sleep(0.2)
    for process in workers.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE
    for process in workers.values():
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return 0
