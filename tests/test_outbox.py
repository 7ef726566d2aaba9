"""The outbox: delivery after a crash of the server, exactly once; expired claims; back-off."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
import signal
import socket
import subprocess
import sys
import time

import aiohttp
from sqlalchemy import bindparam, event, func, select, update

from app.settings import PROJECT_DIR
from bot.channel import Capabilities, DeliveryError, Registry
from bot.messages import Address, Button, Reply
from bot.outbox import Outbox
from db.conversations import by_address, log_delivered
from db.models import Citizen, Message, OutboxMessage, OutboxStatus
from db.outbox import GroupCommit, enqueue
from db.session import make_engine, make_session_factory
from tests.conftest import run_cli

CSRF = re.compile(r'name="csrf" value="([^"]*)"')
NONCE = re.compile(r'name="nonce" value="([^"]*)"')
PASSWORD = "mat-khau-du-dai-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env: dict[str, str], port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, str(PROJECT_DIR / "bot.py"), "serve", "--port", str(port)],
        env={**os.environ, **env},
        cwd=PROJECT_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError("server did not start")


async def form(session: aiohttp.ClientSession, url: str) -> dict[str, str]:
    html = await (await session.get(url)).text()
    values = {"csrf": CSRF.search(html).group(1)}
    if nonce := NONCE.search(html):
        values["nonce"] = nonce.group(1)
    return values


async def rows(url: str, model, *where):  # type: ignore[no-untyped-def]
    engine = make_engine(url)
    try:
        async with make_session_factory(engine)() as session:
            return list((await session.execute(select(model).where(*where))).scalars())
    finally:
        await engine.dispose()


async def wait_for(check, seconds: float = 20):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await check():
            return True
        await asyncio.sleep(0.3)
    return False


async def test_answer_is_delivered_once_after_the_server_is_killed(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'crash.db'}"
    env = {"DATABASE_URL": url, "SECRET_KEY": "k" * 32}
    assert (
        run_cli(
            "officer", "add", "admin", "--role", "admin", stdin=PASSWORD + "\n", env=env
        ).returncode
        == 0
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # First worker: takes the question and the answer, but its outbox sender is off…
    first = start_server({**env, "OUTBOX_ENABLED": "false"}, port)
    try:
        jar = aiohttp.CookieJar(unsafe=True)
        async with aiohttp.ClientSession(base_url=base, cookie_jar=jar) as citizen:
            await citizen.post("/chat", data={**await form(citizen, "/chat"), "payload": "m:ask"})
            await citizen.post(
                "/chat",
                data={
                    **await form(citizen, "/chat"),
                    "text": "Xin hỏi thủ tục xin hỗ trợ làm nhà ạ",
                },
            )
        async with aiohttp.ClientSession(
            base_url=base, cookie_jar=aiohttp.CookieJar(unsafe=True)
        ) as officer:
            login_form = await form(officer, "/dashboard/login")
            await officer.post(
                "/dashboard/login", data={**login_form, "username": "admin", "password": PASSWORD}
            )
            html = await (await officer.get("/dashboard")).text()
            question_id = re.search(r"/dashboard/questions/(\d+)", html).group(1)
            token = (await form(officer, f"/dashboard/questions/{question_id}"))["csrf"]
            done = await officer.post(
                "/dashboard/answer",
                data={
                    "csrf": token,
                    "question": question_id,
                    "answer": "Bà con nộp đơn ở UBND xã.",
                },
            )
            assert done.status == 200
    finally:
        first.send_signal(signal.SIGKILL)  # …and dies before anything is delivered
        first.wait()
    pending = await rows(url, OutboxMessage)
    assert [r.status for r in pending] == [OutboxStatus.PENDING]

    second = start_server(env, port)  # a restarted worker delivers it
    try:

        async def delivered() -> bool:
            return [r.status for r in await rows(url, OutboxMessage)] == [OutboxStatus.SENT]

        assert await wait_for(delivered)
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=30) == 0
    third = start_server(env, port)  # and a further restart does not send it again
    try:
        await asyncio.sleep(3)
    finally:
        third.send_signal(signal.SIGTERM)
        third.wait(timeout=30)
    officer_messages = await rows(url, Message, Message.kind == "officer")
    assert len(officer_messages) == 1
    assert "Bà con nộp đơn ở UBND xã." in officer_messages[0].text
    assert (await rows(url, OutboxMessage))[0].attempts == 1


class QuietChannel:
    """A channel on no platform: what it was given to send, and the platform's answers."""

    name = "test"
    capabilities = Capabilities()

    def __init__(self, errors: list[DeliveryError] | None = None):
        self.errors = errors or []
        self.sent: list[tuple[Address, Reply, str | None]] = []

    def routes(self) -> list:  # type: ignore[type-arg]
        return []

    async def start(self, hub) -> None:  # type: ignore[no-untyped-def]
        pass

    async def stop(self) -> None:
        pass

    async def send(self, address: Address, reply: Reply, *, key: str | None = None) -> str | None:
        if self.errors:
            raise self.errors.pop(0)
        self.sent.append((address, reply, key))
        return "platform-1"


class LogChannel(QuietChannel):
    """Delivers into the conversation log, as the web chat and the console do."""

    def __init__(self, sessions) -> None:  # type: ignore[no-untyped-def]
        super().__init__()
        self.sessions = sessions

    async def send(self, address: Address, reply: Reply, *, key: str | None = None) -> str | None:
        outbox_id = int(key.removeprefix("outbox:"))  # type: ignore[union-attr]
        text, payload = reply.as_row()
        async with self.sessions() as session:
            citizen = await by_address(session, address.channel, address.user_id)
            message_id = await log_delivered(
                session, citizen.id, text, payload, outbox_id, dt.datetime.now(dt.UTC)
            )
            await session.commit()
        return f"msg:{message_id}"


def registry_of(channel: QuietChannel) -> Registry:
    return Registry({}, [channel])


async def _setup(db_url: str):  # type: ignore[no-untyped-def]
    from db.migrate import upgrade

    engine = make_engine(db_url)
    await upgrade(engine)
    factory = make_session_factory(engine)
    async with factory() as session:
        citizen = Citizen(channel="test", external_id="c1", created_at=dt.datetime.now(dt.UTC))
        session.add(citizen)
        await session.flush()
        enqueue(session, citizen, "xin chào")
        await session.commit()
    return engine, factory


async def test_retry_with_backoff_then_success(db_url):
    engine, factory = await _setup(db_url)
    now = [dt.datetime.now(dt.UTC)]
    sender = QuietChannel([DeliveryError("mạng lỗi"), DeliveryError("429", retry_after=30)])
    outbox = Outbox(factory, registry_of(sender), clock=lambda: now[0])
    assert await outbox.deliver_due() == 1
    row = (await rows(db_url, OutboxMessage))[0]
    assert row.status == "pending" and row.last_error == "mạng lỗi" and row.attempts == 1
    assert await outbox.deliver_due() == 0  # not due yet: back-off
    now[0] += dt.timedelta(seconds=6)
    assert await outbox.deliver_due() == 1
    row = (await rows(db_url, OutboxMessage))[0]
    assert row.next_try_at >= now[0] + dt.timedelta(seconds=29)  # retry_after honoured
    now[0] += dt.timedelta(seconds=31)
    assert await outbox.deliver_due() == 1
    row = (await rows(db_url, OutboxMessage))[0]
    assert row.status == "sent" and row.platform_message_id == "platform-1"
    assert [(str(a), r.text, k) for a, r, k in sender.sent] == [
        ("test:c1", "xin chào", f"outbox:{row.id}")
    ]
    await engine.dispose()


async def test_blocked_citizen_is_marked_unreachable_not_retried(db_url):
    engine, factory = await _setup(db_url)
    sender = QuietChannel(
        [DeliveryError("Forbidden: bot was blocked", retry=False, unreachable=True)]
    )
    outbox = Outbox(factory, registry_of(sender))
    await outbox.deliver_due()
    row = (await rows(db_url, OutboxMessage))[0]
    assert row.status == "unreachable"
    assert (await rows(db_url, Citizen))[0].unreachable
    assert await outbox.deliver_due() == 0
    await engine.dispose()


async def test_a_claim_left_by_a_dead_worker_is_taken_again_once(db_url):
    engine, factory = await _setup(db_url)
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)
    async with factory() as session:
        row = (await session.execute(select(OutboxMessage))).scalars().one()
        row.status, row.attempts, row.next_try_at = "sending", 1, past  # lease expired
        await session.commit()
    outbox = Outbox(factory, registry_of(LogChannel(factory)))
    both = await asyncio.gather(outbox.deliver_due(), outbox.deliver_due())
    assert sum(both) == 1
    async with factory() as session:
        sent = await session.scalar(select(func.count()).select_from(Message))
    assert sent == 1
    await engine.dispose()


class CountingChannel(QuietChannel):
    """Sends through no platform; counts and numbers the sends, waiting a moment on each (a
    platform's round trip), so that sends to many citizens overlap as they do in production."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    async def send(self, address: Address, reply: Reply, *, key: str | None = None) -> str | None:
        self.calls += 1
        await asyncio.sleep(0.005)
        return f"platform-{key.removeprefix('outbox:')}"  # type: ignore[union-attr]


def count_transactions(engine) -> list[int]:  # type: ignore[no-untyped-def]
    """A list that grows by one at every COMMIT of the engine."""
    commits: list[int] = []
    event.listen(engine.sync_engine, "commit", lambda conn: commits.append(1))
    return commits


async def test_sends_to_many_citizens_are_recorded_in_shared_transactions(db_url):
    engine, factory = await _setup(db_url)
    async with factory() as session:
        for n in range(40):
            citizen = Citizen(
                channel="test", external_id=f"many{n}", created_at=dt.datetime.now(dt.UTC)
            )
            session.add(citizen)
            await session.flush()
            enqueue(session, citizen, f"thông báo {n}")
        await session.commit()
    sender = CountingChannel()
    outbox = Outbox(factory, registry_of(sender), concurrency=8)
    commits = count_transactions(engine)
    attempted = 0
    while batch := await outbox.deliver_due():
        attempted += batch
    assert attempted == 41 and sender.calls == 41
    stored = await rows(db_url, OutboxMessage)
    assert {r.status for r in stored} == {"sent"}
    assert {r.platform_message_id for r in stored} == {f"platform-{r.id}" for r in stored}
    # Every send is recorded as it happens, yet eight at a time share their transactions: far
    # fewer commits than sends (the claims of the three batches commit too).
    assert 4 <= len(commits) < 41 // 2
    await engine.dispose()


async def test_group_commit_gives_every_caller_the_error_and_goes_on(db_url):
    engine, factory = await _setup(db_url)
    async with factory() as session:
        row_id = (await session.execute(select(OutboxMessage.id))).scalar_one()
    table = OutboxMessage.__table__
    statement = (
        update(table)
        .where(table.c.id == bindparam("row_id"))
        .values(platform_message_id=bindparam("message_id"))
    )
    recorder = GroupCommit(factory, statement)
    good = {"row_id": row_id, "message_id": "first"}
    bad = {"row_id": row_id}  # no message_id: the statement cannot run
    results = await asyncio.gather(
        recorder.record([good]), recorder.record([bad]), return_exceptions=True
    )
    # Both callers waited for the same transaction: both are told it failed, nothing is stored.
    assert all(isinstance(r, Exception) for r in results)
    assert (await rows(db_url, OutboxMessage))[0].platform_message_id is None
    await recorder.record([{"row_id": row_id, "message_id": "again"}])  # a later caller goes on
    assert (await rows(db_url, OutboxMessage))[0].platform_message_id == "again"
    await engine.dispose()


async def test_a_row_is_fitted_to_its_channel_and_every_part_carries_the_row_key(db_url):
    engine, factory = await _setup(db_url)
    async with factory() as session:
        citizen = (await session.execute(select(Citizen))).scalars().one()
        text, payload = Reply(
            "Câu trả lời dài. " * 10, buttons=(Button("Về đầu", "menu"),)
        ).as_row()
        enqueue(session, citizen, text, payload=payload)
        await session.commit()
    channel = QuietChannel()
    channel.capabilities = Capabilities(max_text=100)  # numbered choices, no native buttons
    outbox = Outbox(factory, registry_of(channel))
    while await outbox.deliver_due():
        pass
    first, answer = await rows(db_url, OutboxMessage)
    assert [r.status for r in (first, answer)] == ["sent", "sent"]
    parts = [(reply.text, key) for _, reply, key in channel.sent[1:]]
    assert len(parts) == 2 and {key for _, key in parts} == {f"outbox:{answer.id}"}
    assert parts[-1][0].endswith("\n\n  1. Về đầu")
    assert all(len(text) <= 100 for text, _ in parts)
    await engine.dispose()


async def test_a_row_for_a_channel_not_enabled_here_fails_without_retry(db_url):
    engine, factory = await _setup(db_url)
    outbox = Outbox(factory, Registry({}, []))
    assert await outbox.deliver_due() == 1
    (row,) = await rows(db_url, OutboxMessage)
    assert row.status == "failed" and row.last_error == "kênh 'test' chưa được bật"
    await engine.dispose()
