"""Crash runs: `kill -9` of a worker in the middle of a load run and in the middle of an
announcement to many subscribers, with the supervisor of `serve --workers 2` restarting it.
Used by bench/crash_bench.py (full size) and tests/test_crash.py (smaller, in the suite).

What is checked afterwards, in the database and at the fake Bot API:
- load: every update the harness posted (re-posted on a refused connection or a 5xx, as the
  platforms do) is stored exactly once: one inbound message, one citizen; every chat got a reply.
- announcement: every subscriber got it, and how many got it twice (a send in flight when the
  worker died: the platform took it, the worker never recorded it, and its claim ran out)."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import time
from collections import Counter
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bench.harness_client import Harness
from bench.servers import SECRET, Serve
from db.models import Citizen, Message, OutboxMessage, ProcessedEvent, Subscription
from db.session import make_engine, make_session_factory

LOCALITY = "huong-tra"  # a content locality whose subscribers receive the announcement
FIRST_SUBSCRIBER = 50_000_000
FINAL = ("sent", "failed", "unreachable", "waiting_citizen")


def kill_one(serve: Serve) -> int:
    victim = serve.worker_pids()[0]
    os.kill(victim, signal.SIGKILL)
    return victim


async def crash_during_load(
    harness: Harness, serve: Serve, database_url: str, duration: float, rate: float
) -> dict[str, Any]:
    targets = {
        "telegram": f"{serve.url}/telegram/webhook",
        "zalo": f"{serve.url}/zalo/webhook",
    }
    run = asyncio.create_task(
        harness.run(
            channels=["telegram", "zalo"],
            targets=targets,
            secret=SECRET,
            duration=duration,
            rate=rate,
            retry=True,
            keys=True,
            settle=60.0,  # the killed worker's claimed replies go out when their lease runs out
        )
    )
    await asyncio.sleep(duration / 2)
    victim = kill_one(serve)
    result = await run
    keys = result.pop("keys")
    engine = make_engine(database_url)
    try:
        async with make_session_factory(engine)() as session:
            stored = await _inbound_per_chat(session, keys)
            events = await session.scalar(select(func.count()).select_from(ProcessedEvent))
    finally:
        await engine.dispose()
    counts = Counter(stored.get(k, 0) for k in keys)
    return {
        **result,
        "killed_pid": victim,
        "updates": len(keys),
        "stored_once": counts[1],
        "stored_twice_or_more": sum(v for n, v in counts.items() if n > 1),
        "lost": counts[0],
        "processed_events": events,
        "unanswered": len(keys) - result["replied"],
    }


async def _inbound_per_chat(session: AsyncSession, keys: list[str]) -> dict[str, int]:
    rows = await session.execute(
        select(Citizen.external_id, func.count(Message.id))
        .join(Message, Message.citizen_id == Citizen.id)
        .where(Message.direction == "in")
        .group_by(Citizen.external_id)
    )
    wanted = set(keys)
    return {external: n for external, n in rows.all() if external in wanted}


async def add_subscribers(database_url: str, count: int) -> list[str]:
    """`count` Telegram citizens subscribed to LOCALITY, written in bulk."""
    engine = make_engine(database_url)
    now = dt.datetime.now(dt.UTC)
    chats = [str(FIRST_SUBSCRIBER + i) for i in range(count)]
    try:
        async with make_session_factory(engine)() as session:
            await session.execute(
                insert(Citizen.__table__),
                [
                    {
                        "channel": "telegram",
                        "external_id": chat,
                        "display_name": f"Hộ {chat}",
                        "locality_id": LOCALITY,
                        "unreachable": False,
                        "created_at": now,
                        "last_inbound_at": now,
                    }
                    for chat in chats
                ],
            )
            ids = (
                await session.execute(
                    select(Citizen.id).where(
                        Citizen.channel == "telegram", Citizen.external_id.in_(chats)
                    )
                )
            ).scalars()
            await session.execute(
                insert(Subscription.__table__),
                [
                    {
                        "citizen_id": i,
                        "locality_id": LOCALITY,
                        "province_code": None,
                        "created_at": now,
                    }
                    for i in ids
                ],
            )
            await session.commit()
    finally:
        await engine.dispose()
    return chats


async def announce(database_url: str, telegram_max_rate: float) -> int:
    """Composes and sends an announcement to LOCALITY as an officer would; returns its id."""
    from app.channels import build_registry
    from app.knowledge import load_knowledge
    from app.settings import Settings
    from bot import announcements
    from db.officers import create_officer

    content = load_knowledge(Settings()).content
    target = announcements.resolve_target(content, LOCALITY)
    assert target is not None
    engine = make_engine(database_url)
    try:
        async with make_session_factory(engine)() as session:
            officer = await create_officer(
                session, f"crash{int(time.time())}", "admin", "mat-khau-dai-du", None
            )
            draft = await announcements.create_draft(
                session,
                officer,
                target,
                "Lịch chi trả hỗ trợ",
                "Thứ Bảy tuần này, xã chi trả tiền hỗ trợ tại nhà văn hoá thôn.",
                None,
            )
            sent = await announcements.send(
                session,
                draft.id,
                target,
                officer,
                content.messages,
                None,
                build_registry(Settings(telegram_max_rate=telegram_max_rate)),
            )
            assert sent is not None
            await session.commit()
            return draft.id
    finally:
        await engine.dispose()


async def outbox_counts(database_url: str, announcement_id: int) -> dict[str, int]:
    engine = make_engine(database_url)
    try:
        async with make_session_factory(engine)() as session:
            rows = await session.execute(
                select(OutboxMessage.status, func.count())
                .where(OutboxMessage.announcement_id == announcement_id)
                .group_by(OutboxMessage.status)
            )
            return dict(rows.all())
    finally:
        await engine.dispose()


async def crash_during_announcement(
    harness: Harness,
    serve: Serve,
    database_url: str,
    subscribers: int,
    telegram_max_rate: float,
    timeout: float = 600.0,
) -> dict[str, Any]:
    chats = await add_subscribers(database_url, subscribers)
    await harness.sends()  # start counting from here
    started = time.monotonic()
    announcement_id = await announce(database_url, telegram_max_rate)
    victim = killed_at = None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        counts = await outbox_counts(database_url, announcement_id)
        if victim is None and counts.get("sent", 0) >= subscribers * 0.4:
            victim = kill_one(serve)
            killed_at = counts.get("sent", 0)
        if sum(counts.get(s, 0) for s in FINAL) >= subscribers:
            break
        await asyncio.sleep(0.25)
    elapsed = time.monotonic() - started
    received = await harness.sends()
    per_chat = Counter(received.get(chat, 0) for chat in chats)
    return {
        "subscribers": subscribers,
        "killed_pid": victim,
        "sent_before_kill": killed_at,
        "outbox": await outbox_counts(database_url, announcement_id),
        "received_once": per_chat[1],
        "received_twice_or_more": sum(v for n, v in per_chat.items() if n > 1),
        "missed": per_chat[0],
        "seconds": round(elapsed, 1),
    }
