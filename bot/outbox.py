"""The durable outbox: messages to citizens (officers' answers, later announcements) are rows
first, then a background task delivers them through the citizen's channel, retrying with
back-off. A row is claimed with a compare-and-set before sending, so two workers cannot send it
twice; a claim left by a crashed worker expires and is taken again."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channel import DeliveryError
from db.models import Citizen, Message, OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

SENDING = "sending"
MAX_ATTEMPTS = 8
CLAIM_LEASE = dt.timedelta(minutes=2)  # a claim older than this was left by a dead worker
BATCH = 20
IMMEDIATE_WAIT = 5.0  # seconds a webhook waits for its replies to go out before answering


OUTBOX = OutboxMessage.__table__
# The statements of every reply, built once (building one costs more than running it).
INSERT_CLAIMED = insert(OUTBOX).returning(OUTBOX.c.id, sort_by_parameter_order=True)
RECORD_SENT = (
    update(OUTBOX)
    .where(OUTBOX.c.id == bindparam("row_id"))
    .values(
        status=OutboxStatus.SENT,
        sent_at=bindparam("b_sent_at"),
        last_error=None,
        platform_message_id=bindparam("message_id"),
    )
)


# What a channel makes of one reply for its outbox row: the text and the payload (buttons, audio).
OutboxContent = tuple[str, dict[str, Any] | None]


class Sender(Protocol):
    async def send(self, session: AsyncSession, citizen: Citizen, row: OutboxMessage) -> str | None:
        """Delivers one message; returns the platform's message id if it has one."""


class ConversationLogSender:
    """For the web chat and the console: the answer is written into the citizen's
    conversation, where the web chat shows it and "Xem câu trả lời" finds it."""

    async def send(self, session: AsyncSession, citizen: Citizen, row: OutboxMessage) -> str | None:
        message = Message(
            citizen_id=citizen.id,
            direction="out",
            kind="officer",
            text=row.text,
            payload={"outbox_id": row.id, **(row.payload or {})},
            created_at=dt.datetime.now(dt.UTC),
        )
        session.add(message)
        await session.flush()
        return f"msg:{message.id}"


class GroupCommit:
    """Runs one statement for many callers, in one transaction: a caller's parameters wait while
    a transaction is under way, and the next one takes all that waited. Marking sends as sent
    then costs a transaction per batch, not per message, when many go out at once; a caller
    alone is not kept waiting for company."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession], statement: Any):
        self.session_factory = session_factory
        self.statement = statement
        self._waiting: list[tuple[list[dict[str, Any]], asyncio.Future[None]]] = []
        self._task: asyncio.Task[None] | None = None

    async def record(self, params: list[dict[str, Any]]) -> None:
        """Returns once `params` are committed; raises what the transaction raised."""
        future = asyncio.get_running_loop().create_future()
        self._waiting.append((params, future))
        if self._task is None:
            self._task = asyncio.create_task(self._commit_waiting())
        await future

    async def _commit_waiting(self) -> None:
        batch: list[tuple[list[dict[str, Any]], asyncio.Future[None]]] = []
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                try:
                    async with self.session_factory() as session:
                        await session.execute(
                            self.statement, [p for params, _ in batch for p in params]
                        )
                        await session.commit()
                except Exception as exc:
                    _settle(batch, exc)
                else:
                    _settle(batch, None)
        finally:
            self._task = None
            # Stopped midway (shutdown): nobody waits for a transaction that will not come.
            stopped = RuntimeError("the outbox stopped before recording")
            _settle(batch + self._waiting, stopped)
            self._waiting = []


def _settle(batch: list[tuple[Any, asyncio.Future[None]]], exc: BaseException | None) -> None:
    for _, future in batch:
        if future.done():
            continue  # its caller was cancelled
        if exc is None:
            future.set_result(None)
        else:
            future.set_exception(exc)


def _sent(rows: list[OutboxMessage], now: dt.datetime) -> list[dict[str, Any]]:
    """The parameters of RECORD_SENT for rows the platform accepted."""
    return [{"row_id": r.id, "message_id": r.platform_message_id, "b_sent_at": now} for r in rows]


def backoff(attempts: int) -> dt.timedelta:
    """5 s, 10 s, 20 s … up to an hour."""
    return dt.timedelta(seconds=min(3600, 5 * 2 ** max(0, attempts - 1)))


class Outbox:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        senders: dict[str, Sender],
        clock: Callable[[], dt.datetime] | None = None,
        concurrency: int = 8,
        lease: dt.timedelta = CLAIM_LEASE,
    ):
        self.session_factory = session_factory
        self.senders = senders
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.concurrency = concurrency  # citizens sent to side by side in a pass
        self.lease = lease  # how long a claim lasts before another worker may take the row
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._recorder = GroupCommit(session_factory, RECORD_SENT)

        def _forget(task: asyncio.Task[None]) -> None:
            self._tasks.discard(task)
            if not task.cancelled() and task.exception() is not None:
                log.error("outbox delivery task failed", exc_info=task.exception())

        self._forget = _forget

    def deliver_now(self, row_ids: list[int]) -> None:
        """Sends rows just committed (an officer's answer, messages released by a citizen's
        return) at once, in order, without waiting for the next pass; anything that fails
        stays for the retry loop."""
        task = asyncio.create_task(self._deliver(row_ids))
        self._tasks.add(task)
        task.add_done_callback(self._forget)

    async def deliver_claimed(
        self, rows: list[OutboxMessage], citizen: Citizen, wait: float = IMMEDIATE_WAIT
    ) -> None:
        """Sends rows this worker wrote already claimed (the replies to the message it is
        handling), in order, and records the outcome in one transaction. Waits for that up to
        `wait` seconds, so a slow platform slows the webhook down instead of letting sends pile
        up; past that the sending goes on in the background."""
        task = asyncio.create_task(self._send_claimed(rows, citizen))
        self._tasks.add(task)
        task.add_done_callback(self._forget)
        await asyncio.wait({task}, timeout=wait)

    async def _send_claimed(
        self, rows: list[OutboxMessage], citizen: Citizen, record_each: bool = False
    ) -> None:
        """Sends claimed rows in order and records the outcome: for the replies to one message
        all at once; with `record_each` (announcements, answers) each row as soon as it is
        sent, so a crash can repeat at most the sends in flight at that moment."""
        now = self.clock()
        sender = self.senders.get(citizen.channel)
        sent: list[OutboxMessage] = []
        failure: tuple[OutboxMessage, DeliveryError] | None = None
        async with self.session_factory() as session:
            for row in rows:
                try:
                    if sender is None:
                        raise DeliveryError(f"kênh '{row.channel}' chưa được bật", retry=False)
                    row.platform_message_id = await sender.send(session, citizen, row)
                except DeliveryError as exc:
                    failure = (row, exc)
                    break
                except Exception as exc:  # an unexpected error: the retry loop tries again
                    log.exception("delivery failed unexpectedly; it will be retried")
                    failure = (row, DeliveryError(f"{type(exc).__name__}: {exc}"))
                    break
                sent.append(row)
                if record_each:
                    await self._record(session, [row], now)
            if sent and not record_each:
                if failure is None:
                    await self._record(session, sent, now)
                else:  # recorded with the failure, in one transaction
                    await self._record_sent(session, sent, now)
            if failure is not None:
                await self._record_failure(session, failure, rows[len(sent) + 1 :], now)
            if session.in_transaction():  # a sender wrote through it, or a failure was recorded
                await session.commit()

    async def _record(
        self, session: AsyncSession, rows: list[OutboxMessage], now: dt.datetime
    ) -> None:
        """Marks rows sent, committed when this returns. What other tasks sent meanwhile is
        marked in the same transaction; a sender that wrote through `session` (the web chat's
        conversation log) has its rows marked in that transaction, with what it wrote."""
        if session.in_transaction():
            await self._record_sent(session, rows, now)
            await session.commit()
        else:
            await self._recorder.record(_sent(rows, now))

    @staticmethod
    async def _record_sent(
        session: AsyncSession, rows: list[OutboxMessage], now: dt.datetime
    ) -> None:
        await session.execute(RECORD_SENT, _sent(rows, now))

    async def _record_failure(
        self,
        session: AsyncSession,
        failure: tuple[OutboxMessage, DeliveryError],
        later: list[OutboxMessage],
        now: dt.datetime,
    ) -> None:
        failed, exc = failure
        row = await session.get(OutboxMessage, failed.id)
        citizen = await session.get(Citizen, failed.citizen_id)
        self._failed(row, citizen, exc, now)
        log.warning("outbox delivery failed", extra={"outbox_id": row.id, "error": str(exc)})
        if later:
            # The replies after it wait for it, in order, in the retry loop.
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_([r.id for r in later]))
                .values(
                    status=OutboxStatus.PENDING,
                    next_try_at=row.next_try_at if row.status == OutboxStatus.PENDING else now,
                )
                .execution_options(synchronize_session=False)
            )

    async def drain(self) -> None:
        """Waits for immediate deliveries under way (used on shutdown and in tests)."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def wake(self) -> None:
        """Called after new rows are committed, so they go out at once."""
        self._wake.set()

    async def run(self, interval: float = 2.0) -> None:
        while True:
            try:
                while await self.deliver_due():
                    pass
            except Exception:  # keep the worker alive; the rows stay and are retried
                log.exception("outbox pass failed")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=interval)

    async def deliver_due(self) -> int:
        """Claims a batch of due rows and sends them; returns how many rows were attempted."""
        return await self._deliver(None)

    async def _deliver(self, row_ids: list[int] | None) -> int:
        """Claims the given rows (or a batch of due ones) and sends them: one citizen's rows
        in order, different citizens side by side."""
        claimed = await self._claim(self.clock(), row_ids)
        if not claimed:
            return 0
        async with self.session_factory() as session:
            rows = (
                await session.execute(
                    select(OutboxMessage, Citizen)
                    .join(Citizen, Citizen.id == OutboxMessage.citizen_id)
                    .where(OutboxMessage.id.in_(claimed))
                    .order_by(OutboxMessage.id)
                )
            ).all()
        by_citizen: dict[int, tuple[Citizen, list[OutboxMessage]]] = {}
        for row, citizen in rows:
            by_citizen.setdefault(citizen.id, (citizen, []))[1].append(row)
        limit = asyncio.Semaphore(self.concurrency)

        async def send(citizen: Citizen, batch: list[OutboxMessage]) -> None:
            async with limit:
                await self._send_claimed(batch, citizen, record_each=True)

        await asyncio.gather(*(send(c, batch) for c, batch in by_citizen.values()))
        return len(rows)

    async def _claim(self, now: dt.datetime, ids: list[int] | None) -> list[int]:
        """Takes the given rows, or up to BATCH due ones, for this worker in one transaction.
        On PostgreSQL due rows are locked with SKIP LOCKED, so workers claiming at the same
        moment take different rows; everywhere, the UPDATE takes only rows still due (a
        compare-and-set), and RETURNING says which this worker got."""
        async with self.session_factory() as session:
            if ids is None:
                due = (
                    select(OutboxMessage.id)
                    .where(
                        OutboxMessage.status.in_((OutboxStatus.PENDING, SENDING)),
                        OutboxMessage.next_try_at <= now,
                    )
                    .order_by(OutboxMessage.next_try_at, OutboxMessage.id)
                    .limit(BATCH)
                )
                if session.bind.dialect.name == "postgresql":
                    due = due.with_for_update(skip_locked=True)
                ids = list((await session.execute(due)).scalars().all())
            if not ids:
                return []
            claimed = (
                (
                    await session.execute(
                        OUTBOX.update()
                        .where(
                            OUTBOX.c.id.in_(ids),
                            OUTBOX.c.status.in_((OutboxStatus.PENDING, SENDING)),
                            OUTBOX.c.next_try_at <= now,
                        )
                        .values(
                            status=SENDING,
                            attempts=OUTBOX.c.attempts + 1,
                            next_try_at=now + self.lease,
                        )
                        .returning(OUTBOX.c.id)
                    )
                )
                .scalars()
                .all()
            )
            await session.commit()
            return list(claimed)

    @staticmethod
    def _failed(row: OutboxMessage, citizen: Citizen, exc: DeliveryError, now: dt.datetime) -> None:
        row.last_error = str(exc)[:500]
        if exc.unreachable:
            row.status = OutboxStatus.UNREACHABLE
            citizen.unreachable = True
        elif exc.waiting_citizen:
            row.status = OutboxStatus.WAITING_CITIZEN
        elif not exc.retry or row.attempts >= MAX_ATTEMPTS:
            row.status = OutboxStatus.FAILED
        else:
            row.status = OutboxStatus.PENDING
            wait = (
                dt.timedelta(seconds=exc.retry_after) if exc.retry_after else backoff(row.attempts)
            )
            row.next_try_at = now + wait


async def claim_new(
    session: AsyncSession,
    citizen: Citizen,
    contents: list[OutboxContent],
    now: dt.datetime,
    lease: dt.timedelta = CLAIM_LEASE,
) -> list[OutboxMessage]:
    """Writes rows already claimed by the worker that sends them at once (the replies to the
    message it is handling); returns them, not attached to the session, with their ids."""
    values = [
        {
            "citizen_id": citizen.id,
            "question_id": None,
            "channel": citizen.channel,
            "text": text,
            "payload": payload,
            "status": SENDING,
            "attempts": 1,
            "next_try_at": now + lease,
            "created_at": now,
        }
        for text, payload in contents
    ]
    ids = (await session.execute(INSERT_CLAIMED, values)).scalars().all()
    return [OutboxMessage(id=row_id, **row) for row_id, row in zip(ids, values, strict=True)]


def enqueue(
    session: AsyncSession,
    citizen: Citizen,
    text: str,
    question_id: int | None = None,
    payload: dict | None = None,
) -> OutboxMessage:
    row = OutboxMessage(
        citizen_id=citizen.id,
        question_id=question_id,
        channel=citizen.channel,
        text=text,
        payload=payload,
        status=OutboxStatus.PENDING,
        attempts=0,
        next_try_at=dt.datetime.now(dt.UTC),
        created_at=dt.datetime.now(dt.UTC),
    )
    session.add(row)
    return row


async def release_waiting(session: AsyncSession, citizen_id: int) -> list[int]:
    """The citizen wrote again: messages parked outside the platform's window go out now."""
    rows = (
        (
            await session.execute(
                select(OutboxMessage.id)
                .where(
                    OutboxMessage.citizen_id == citizen_id,
                    OutboxMessage.status == OutboxStatus.WAITING_CITIZEN,
                )
                .order_by(OutboxMessage.id)
            )
        )
        .scalars()
        .all()
    )
    if rows:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(rows))
            .values(status=OutboxStatus.PENDING, next_try_at=dt.datetime.now(dt.UTC))
        )
    return list(rows)
