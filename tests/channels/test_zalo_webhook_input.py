"""The Zalo webhook's input: the signature is checked before the body is parsed, a signed event
with fields of the wrong type is refused with 400, and a signed event too old (a replay) or
from the future with 401. Over HTTP against the started application."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from app import keys
from db.models import Message
from tests.factories import ZALO_APP, ZALO_SIGNATURE_HEADER, ZALO_USER, sign_zalo, zalo_event
from tests.inbound_harness import all_channels


@pytest.fixture
async def harness(db_url, knowledge, tmp_path):
    async with all_channels(db_url, knowledge, tmp_path) as h:
        yield h


async def messages(harness) -> int:  # type: ignore[no-untyped-def]
    async with harness.sessions() as session:
        return await session.scalar(select(func.count()).select_from(Message))


async def post(harness, raw: bytes, headers: dict[str, str]) -> int:  # type: ignore[no-untyped-def]
    return (await harness.client.post("/zalo/webhook", data=raw, headers=headers)).status


async def test_an_unsigned_deeply_nested_zalo_body_gets_401_without_being_parsed(harness):
    before = await messages(harness)
    wrong = {ZALO_SIGNATURE_HEADER: "mac=" + "0" * 64, "Content-Type": "application/json"}
    deep = b"[" * 30_000 + b"]" * 30_000
    assert await post(harness, deep, wrong) == 401
    deep_object = b'{"timestamp": "1", "a": ' + b"[" * 30_000 + b"]" * 30_000 + b"}"
    assert await post(harness, deep_object, wrong) == 401
    assert await post(harness, b"{oops", wrong) == 401
    assert await messages(harness) == before


def _typed_wrong() -> list[dict]:
    def event(**changes):  # type: ignore[no-untyped-def]
        base = zalo_event("t1", "xin chào", user=ZALO_USER)
        for path, value in changes.items():
            target = base
            *parents, leaf = path.split("__")
            for parent in parents:
                target = target[parent]
            target[leaf] = value
        return base

    return [
        event(event_name=["user_send_text"]),
        event(event_name={"a": 1}),
        event(sender=[ZALO_USER]),
        event(sender__id={"x": 1}),
        event(sender__id="9" * 500),
        event(message="xin chào"),
        event(message__text={"a": "b"}),
        event(message__msg_id=["m"]),
        event(message__attachments="https://x"),
        event(message__attachments=["https://x"]),
        event(message__attachments=[{"payload": "u"}]),
        event(message__attachments=[{"payload": {"url": 5}}]),
        event(app_id=True),
    ]


@pytest.mark.parametrize("event", _typed_wrong())
async def test_a_signed_zalo_event_with_wrongly_typed_fields_gets_400(harness, event):
    before = await messages(harness)
    raw, headers = sign_zalo(event)
    assert await post(harness, raw, headers) == 400
    assert await messages(harness) == before


async def test_a_signed_but_deeply_nested_zalo_body_gets_400(harness):
    stamp = str(int(time.time() * 1000))
    raw = (
        b'{"app_id": "%s", "timestamp": "%s", "a": ' % (ZALO_APP.encode(), stamp.encode())
        + b"[" * 30_000
        + b"]" * 30_000
        + b"}"
    )
    _, headers = sign_zalo({"timestamp": stamp}, body=raw)
    assert await post(harness, raw, headers) == 400


async def test_a_signed_zalo_event_older_than_the_allowed_age_or_from_the_future_gets_401(
    harness,
):
    now = time.time()
    max_age = harness.client.server.app[keys.SETTINGS].zalo_max_event_age  # 3600 by default
    for key, stamp in (("old", now - max_age - 60), ("future", now + 600)):
        raw, headers = sign_zalo(zalo_event(key, "xin chào", user=ZALO_USER, stamp=stamp))
        assert await post(harness, raw, headers) == 401, key
        assert await harness.stored(f"zmsg-{key}") == 0
    raw, headers = sign_zalo(zalo_event("recent", "xin chào", user=ZALO_USER, stamp=now - 600))
    assert await post(harness, raw, headers) == 200
    assert await harness.stored("zmsg-recent") == 1
