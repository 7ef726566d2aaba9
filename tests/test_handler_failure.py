"""A handler that fails midway: the citizen still gets a polite apology, their message is kept,
and the event counts as handled. The failure here is real: the database refuses to store
questions (a trigger), so logging the question raises inside the FAQ handler."""

from __future__ import annotations

from sqlalchemy import func, select

from app.runtime import Runtime
from bot.messages import Address, Inbound, Kind
from db.models import Citizen, Message, ProcessedEvent, Question
from tests.faults import ALLOW_QUESTIONS, REFUSE_QUESTIONS, run_sql


async def count(runtime: Runtime, model, *where) -> int:  # type: ignore[no-untyped-def]
    async with runtime.core.session_factory() as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where))


def question(event: str) -> Inbound:
    return Inbound(
        Address("telegram", "4242"),
        Kind.TEXT,
        text="ho can ngheo co dc vay von ko",
        event_id=event,
        display_name="Bà Tư",
    )


async def test_a_failing_handler_keeps_the_message_and_apologises(runtime: Runtime) -> None:
    await run_sql(runtime.core.session_factory, REFUSE_QUESTIONS)
    replies = await runtime.core.handle(question("u1"))

    assert [r.text for r in replies] == [runtime.knowledge.content.messages.error_reply]
    # The first message of a new citizen: the citizen and the message are stored all the same.
    assert await count(runtime, Citizen, Citizen.external_id == "4242") == 1
    assert await count(runtime, Message, Message.event_id == "u1", Message.direction == "in") == 1
    assert await count(runtime, Question) == 0  # the database refused it
    assert await count(runtime, ProcessedEvent, ProcessedEvent.done.is_(True)) == 1
    # The apology is logged as the reply.
    assert await count(runtime, Message, Message.direction == "out") == 1
    # Telegram's retry of the same update is ignored: it was answered.
    assert await runtime.core.handle(question("u1")) == []

    # Once the database takes questions again, the same citizen is answered with a source.
    await run_sql(runtime.core.session_factory, ALLOW_QUESTIONS)
    replies = await runtime.core.handle(question("u2"))
    assert "Nguồn" in replies[0].text
    assert await count(runtime, Question) == 1
    assert await count(runtime, Citizen) == 1
