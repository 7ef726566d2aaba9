"""kill -9 of a worker of `serve --workers 2` in the middle of a load run and in the middle of an
announcement; the supervisor restarts it. Real processes, the real database of this pass
(SQLite, or PostgreSQL when TEST_POSTGRES_URL is set), the fake APIs in the harness process.
Smaller than bench/crash_bench.py (10,000 subscribers), so the suite stays quick."""

from __future__ import annotations

import pytest

from bench import crash
from bench.harness_client import Harness
from bench.servers import Serve, environment, free_port

pytestmark = pytest.mark.timeout(240)
LEASE = "5"  # seconds before a dead worker's claimed messages are taken by another


async def start_workers(harness: Harness, db_url: str, tmp_path, rate: str = "100000") -> Serve:  # type: ignore[no-untyped-def]
    env = environment(
        db_url,
        harness.urls,
        free_port(),
        OUTBOX_LEASE_SECONDS=LEASE,
        TELEGRAM_MAX_RATE=rate,
        MEDIA_DIR=str(tmp_path / "media"),
        AUDIO_DIR=str(tmp_path / "audio"),
    )
    serve = Serve(env, workers=2, log=tmp_path / "serve.log")
    await serve.start()  # every worker answering
    return serve


async def test_kill_during_load_stores_every_update_once(db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with Harness() as harness:
        serve = await start_workers(harness, db_url, tmp_path)
        try:
            result = await crash.crash_during_load(harness, serve, db_url, duration=6, rate=40)
            assert len(set(serve.worker_pids())) == 2  # the killed one was restarted
            assert result["killed_pid"] not in serve.worker_pids()
        finally:
            serve.stop()
    assert result["updates"] >= 200
    assert result["lost"] == 0, result
    assert result["stored_twice_or_more"] == 0, result
    assert result["stored_once"] == result["updates"]
    assert result["processed_events"] == result["updates"]
    assert result["unanswered"] == 0, result


async def test_kill_during_announcement_reaches_every_subscriber(db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with Harness() as harness:
        # 2,000 subscribers at 400 messages a second: the kill lands while it is sending.
        serve = await start_workers(harness, db_url, tmp_path, rate="500")
        try:
            result = await crash.crash_during_announcement(
                harness, serve, db_url, subscribers=2000, telegram_max_rate=500, timeout=150
            )
        finally:
            serve.stop()
    assert result["killed_pid"] is not None, result
    assert result["sent_before_kill"] < 2000
    assert result["outbox"] == {"sent": 2000}, result
    assert result["missed"] == 0, result
    # A send in flight at the kill may be repeated once its claim runs out; nothing else is.
    assert result["received_twice_or_more"] <= 8, result
    assert result["received_once"] + result["received_twice_or_more"] == 2000
