"""No question is lost: on every channel, a message the database did not take is answered with
a 5xx (the platform redelivers it) and its redelivery is stored exactly once; odd Unicode is
stored; /healthz tells when the database cannot be written. Real faults only (tests/faults.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.models import Citizen, Message
from tests.faults import (
    ALLOW_MESSAGES,
    REFUSE_MESSAGES,
    run_sql,
    set_read_only,
    write_lock_held,
)
from tests.inbound_harness import CHANNELS, all_channels, ok


@pytest.fixture
async def harness(db_url, knowledge, tmp_path):
    async with all_channels(db_url, knowledge, tmp_path) as h:
        yield h


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_webhook_update_that_was_not_stored_gets_a_503_and_its_redelivery_is_stored_once(
    harness, channel
):
    await run_sql(harness.sessions, REFUSE_MESSAGES)  # the database refuses messages
    status, event = await harness.send(channel, "41", "ho can ngheo co dc vay von ko")
    assert status == 503
    assert await harness.stored(event) == 0

    await run_sql(harness.sessions, ALLOW_MESSAGES)
    status, _ = await harness.send(channel, "41", "ho can ngheo co dc vay von ko")  # redelivery
    assert ok(channel, status)
    status, _ = await harness.send(channel, "41", "ho can ngheo co dc vay von ko")  # once more
    assert ok(channel, status)
    assert await harness.stored(event) == 1


async def test_while_the_database_is_read_only_messages_get_503_and_are_stored_once_after(
    harness,
):
    await set_read_only(harness.sessions, harness.db_url, True)
    for n, channel in enumerate(CHANNELS):
        status, _ = await harness.send(channel, str(50 + n), "xin chào")
        assert status == 503, channel
    health = await harness.client.get("/healthz")
    assert health.status == 503

    await set_read_only(harness.sessions, harness.db_url, False)
    assert (await harness.client.get("/healthz")).status == 200
    for n, channel in enumerate(CHANNELS):
        status, event = await harness.send(channel, str(50 + n), "xin chào")
        assert ok(channel, status), channel
        assert await harness.stored(event) == 1


async def test_the_web_chat_says_in_vietnamese_that_a_message_was_not_sent(harness):
    await run_sql(harness.sessions, REFUSE_MESSAGES)
    status, _ = await harness.send("web", "61", "xin chào")
    assert status == 503
    response = await harness.client.post(
        "/chat", data={"csrf": harness.csrf, "nonce": "n61", "text": "xin chào"}
    )
    assert "chưa được gửi" in await response.text()


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_lone_surrogate_or_a_nul_in_a_message_is_stored_with_a_replacement(
    harness, channel
):
    status, event = await harness.send(channel, "71", "vay v\ud800n\x00 ko", name="B\ud800 Tư\x00")
    assert ok(channel, status)
    assert await harness.stored(event) == 1
    async with harness.sessions() as session:
        message = await session.scalar(select(Message).where(Message.event_id == event))
        citizen = await session.get(Citizen, message.citizen_id)
    assert "\x00" not in message.text and "\ud800" not in message.text
    if channel == "telegram":
        assert citizen.display_name == "B\ufffd Tư"


async def test_healthz_answers_503_when_the_database_cannot_be_written(harness):
    assert (await harness.client.get("/healthz")).status == 200
    async with write_lock_held(harness.db_url):
        health = await harness.client.get("/healthz")
        assert health.status == 503
        assert (await health.json())["database"].startswith("error")
    assert (await harness.client.get("/healthz")).status == 200


@pytest.fixture
async def impatient(db_url, knowledge, tmp_path):
    """The application waits at most a second for another writer's lock (DB_LOCK_TIMEOUT)."""
    async with all_channels(db_url, knowledge, tmp_path, db_lock_timeout=1.0) as h:
        yield h


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_message_held_up_by_another_writers_lock_gets_503_and_is_stored_once_after(
    impatient, channel
):
    async with write_lock_held(impatient.db_url):
        status, event = await impatient.send(channel, "81", "ho ngheo vay von dc bn")
    assert status == 503
    assert await impatient.stored(event) == 0
    status, _ = await impatient.send(channel, "81", "ho ngheo vay von dc bn")  # redelivery
    assert ok(channel, status)
    assert await impatient.stored(event) == 1
