"""An event whose handling died midway (the worker was killed after storing the message) is
taken over by the platform's retry once it is stale; while fresh, a retry is told to come back
later; once handled, a retry is ignored. The message and the question stay stored once."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.runtime import Runtime
from bot.channel import StillHandling
from bot.core import STALE_AFTER
from bot.messages import Address, Inbound, Kind
from db.models import Message, Question


async def count(runtime: Runtime, model) -> int:  # type: ignore[no-untyped-def]
    async with runtime.core.session_factory() as session:
        return await session.scalar(select(func.count()).select_from(model))


async def test_a_retry_takes_over_an_event_left_unfinished(runtime: Runtime) -> None:
    core = runtime.core
    now = [dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)]
    core.clock = lambda: now[0]
    inbound = Inbound(
        Address("telegram", "777"), Kind.TEXT, text="ho can ngheo co dc vay von ko", event_id="u9"
    )
    # The first attempt: the event and the message are stored, then the worker dies.
    # It had logged the question too.
    async with core.session_factory() as session:
        received = await core._receive(session, inbound, now[0])
        assert received is not None and received[3] is False
        citizen, message_id = received[0], received[2]
        session.add(
            Question(
                citizen_id=citizen.id,
                message_id=message_id,
                text=inbound.text,
                normalized_text=inbound.text,
                channel="telegram",
                status="new",
                created_at=now[0],
                updated_at=now[0],
            )
        )
        await session.commit()
    assert await count(runtime, Message) == 1

    now[0] += dt.timedelta(seconds=2)  # Telegram retries at once: still being handled
    with pytest.raises(StillHandling):
        await core.handle(inbound)

    now[0] += STALE_AFTER  # a later retry finds it stale and finishes it
    replies = await core.handle(inbound)
    assert replies and "Nguồn" in replies[0].text
    assert await count(runtime, Question) == 1  # the stored question is reused
    assert await count(runtime, Message) == 2  # the one question, stored once; one answer

    now[0] += STALE_AFTER  # handled now: a further retry is ignored
    assert await core.handle(inbound) == []
    assert await count(runtime, Message) == 2 and await count(runtime, Question) == 1
