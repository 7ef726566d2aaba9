"""The outbox's SQL: rows claimed with a compare-and-set, written, recorded sent or postponed."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import Citizen, OutboxMessage, OutboxStatus

SENDING = "sending"
CLAIM_LEASE = dt.timedelta(minutes=2)  # a claim older than this was left by a dead worker
BATCH = 20

OUTBOX = OutboxMessage.__table__
CITIZENS = Citizen.__table__
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


def sent_params(rows: list[OutboxMessage], now: dt.datetime) -> list[dict[str, Any]]:
    """The parameters of RECORD_SENT for rows the platform accepted."""
    return [{"row_id": r.id, "message_id": r.platform_message_id, "b_sent_at": now} for r in rows]


async def claim_due(
    s: AsyncSession, now: dt.datetime, lease: dt.timedelta, ids: list[int] | None = None
) -> list[int]:
    """Takes the given rows, or up to BATCH due ones, for this worker (committed). On
    PostgreSQL due rows are locked with SKIP LOCKED, so workers claiming at the same moment
    take different rows; everywhere, the UPDATE takes only rows still due (a compare-and-set),
    and RETURNING says which this worker got."""
    if ids is None:
        due = (
            select(OUTBOX.c.id)
            .where(
                OUTBOX.c.status.in_((OutboxStatus.PENDING, SENDING)),
                OUTBOX.c.next_try_at <= now,
            )
            .order_by(OUTBOX.c.next_try_at, OUTBOX.c.id)
            .limit(BATCH)
        )
        if s.bind.dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        ids = list((await s.execute(due)).scalars().all())
    if not ids:
        return []
    claimed = (
        await s.execute(
            update(OUTBOX)
            .where(
                OUTBOX.c.id.in_(ids),
                OUTBOX.c.status.in_((OutboxStatus.PENDING, SENDING)),
                OUTBOX.c.next_try_at <= now,
            )
            .values(status=SENDING, attempts=OUTBOX.c.attempts + 1, next_try_at=now + lease)
            .returning(OUTBOX.c.id)
        )
    ).scalars()
    claimed = list(claimed.all())
    await s.commit()
    return claimed


async def claimed_rows(s: AsyncSession, ids: list[int]) -> list[tuple[OutboxMessage, str]]:
    """The claimed rows in order, each with its citizen's user id on the row's channel."""
    found = await s.execute(
        select(OutboxMessage, CITIZENS.c.external_id)
        .join(CITIZENS, CITIZENS.c.id == OutboxMessage.citizen_id)
        .where(OutboxMessage.id.in_(ids))
        .order_by(OutboxMessage.id)
    )
    return [(row, user_id) for row, user_id in found.all()]


async def insert_claimed(
    s: AsyncSession,
    citizen_id: int,
    channel: str,
    rows: list[tuple[str, dict[str, Any] | None]],
    now: dt.datetime,
    lease: dt.timedelta = CLAIM_LEASE,
) -> list[OutboxMessage]:
    """Writes rows already claimed by the worker that sends them at once (the replies to the
    message it is handling); returns them, not attached to the session, with their ids."""
    values = [
        {
            "citizen_id": citizen_id,
            "question_id": None,
            "channel": channel,
            "text": text,
            "payload": payload,
            "status": SENDING,
            "attempts": 1,
            "next_try_at": now + lease,
            "created_at": now,
        }
        for text, payload in rows
    ]
    ids = (await s.execute(INSERT_CLAIMED, values)).scalars().all()
    return [OutboxMessage(id=row_id, **row) for row_id, row in zip(ids, values, strict=True)]


def enqueue(
    s: AsyncSession,
    citizen: Citizen,
    text: str,
    question_id: int | None = None,
    payload: dict | None = None,
) -> OutboxMessage:
    """Adds a row to send as soon as a worker's outbox takes it (an officer's answer)."""
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
    s.add(row)
    return row


async def release_waiting(s: AsyncSession, citizen_id: int) -> list[int]:
    """The citizen wrote again: messages parked outside the platform's window are due now."""
    ids = (
        (
            await s.execute(
                select(OUTBOX.c.id)
                .where(
                    OUTBOX.c.citizen_id == citizen_id,
                    OUTBOX.c.status == OutboxStatus.WAITING_CITIZEN,
                )
                .order_by(OUTBOX.c.id)
            )
        )
        .scalars()
        .all()
    )
    if ids:
        await postpone(s, list(ids), OutboxStatus.PENDING, dt.datetime.now(dt.UTC))
    return list(ids)


async def postpone(s: AsyncSession, ids: list[int], status: str, next_try_at: dt.datetime) -> None:
    """Sets rows back to `status`, due at `next_try_at`."""
    await s.execute(
        update(OUTBOX).where(OUTBOX.c.id.in_(ids)).values(status=status, next_try_at=next_try_at)
    )


async def record_failure(
    s: AsyncSession,
    row_id: int,
    status: str,
    error: str,
    next_try_at: dt.datetime | None,
    unreachable_citizen: int | None = None,
) -> None:
    """Records a failed send: its status, error and next try; marks the citizen unreachable."""
    values: dict[str, Any] = {"status": status, "last_error": error[:500]}
    if next_try_at is not None:
        values["next_try_at"] = next_try_at
    await s.execute(update(OUTBOX).where(OUTBOX.c.id == row_id).values(**values))
    if unreachable_citizen is not None:
        await s.execute(
            update(CITIZENS).where(CITIZENS.c.id == unreachable_citizen).values(unreachable=True)
        )


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
