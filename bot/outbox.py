"""The durable outbox: messages to citizens are rows first, then sent through their channel.

Replies, officers' answers and announcements are rows; a worker claims a row with a
compare-and-set before sending it (two workers cannot send it twice), fits it to the channel
and sends it, retrying with back-off. A claim left by a crashed worker expires and is taken
again."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channel import DeliveryError, Registry
from bot.messages import Address, Reply
from bot.render import fit
from db import outbox as rows_db
from db.conversations import by_address
from db.models import OutboxMessage, OutboxStatus
from db.outbox import CLAIM_LEASE, RECORD_SENT, GroupCommit, sent_params

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
IMMEDIATE_WAIT = 5.0  # seconds a webhook waits for its replies to go out before answering


def backoff(attempts: int) -> dt.timedelta:
    """5 s, 10 s, 20 s … up to an hour."""
    return dt.timedelta(seconds=min(3600, 5 * 2 ** max(0, attempts - 1)))


class Outbox:
    """Claims, fits, sends and records outbox rows through the registry's channels."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        registry: Registry,
        clock: Callable[[], dt.datetime] | None = None,
        concurrency: int = 8,
        lease: dt.timedelta = CLAIM_LEASE,
    ):
        self.session_factory = session_factory
        self.registry = registry
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.concurrency = concurrency  # citizens sent to side by side in a pass
        self.lease = lease  # how long a claim lasts before another worker may take the row
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._recorder = GroupCommit(session_factory, RECORD_SENT)

    def _track(self, task: asyncio.Task[None]) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._forget)

    def _forget(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("outbox delivery task failed", exc_info=task.exception())

    def deliver_now(self, row_ids: list[int]) -> None:
        """Sends rows just committed (an officer's answer, messages released by a citizen's
        return) at once, in order, without waiting for the next pass; anything that fails
        stays for the retry loop."""
        self._track(asyncio.create_task(self._deliver(row_ids)))

    async def citizen_wrote(self, address: Address) -> None:
        """The citizen wrote again: what waited for them (Zalo's window) goes out now."""
        async with self.session_factory() as session:
            citizen = await by_address(session, address.channel, address.user_id)
            if citizen is None:
                return
            ids = await rows_db.release_waiting(session, citizen.id)
            await session.commit()
        if ids:
            self.deliver_now(ids)

    async def deliver_claimed(
        self, rows: list[OutboxMessage], address: Address, wait: float = IMMEDIATE_WAIT
    ) -> None:
        """Sends rows this worker wrote already claimed (the replies to the message it is
        handling), in order, and records the outcome in one transaction. Waits for that up to
        `wait` seconds, so a slow platform slows the webhook down instead of letting sends pile
        up; past that the sending goes on in the background."""
        task = asyncio.create_task(self._send_claimed(rows, address))
        self._track(task)
        await asyncio.wait({task}, timeout=wait)

    async def _send_claimed(
        self, rows: list[OutboxMessage], address: Address, record_each: bool = False
    ) -> None:
        """Sends claimed rows in order and records the outcome: for the replies to one message
        all at once; with `record_each` (announcements, answers) each row as soon as it is
        sent, so a crash can repeat at most the sends in flight at that moment."""
        now = self.clock()
        channel = self.registry.get(address.channel)
        sent: list[OutboxMessage] = []
        failure: tuple[OutboxMessage, DeliveryError] | None = None
        for row in rows:
            try:
                if channel is None:
                    raise DeliveryError(f"kênh '{row.channel}' chưa được bật", retry=False)
                reply = Reply.from_row(row.text, row.payload)
                for part in fit(reply, channel.capabilities):
                    message_id = await channel.send(address, part, key=f"outbox:{row.id}")
                    row.platform_message_id = message_id or row.platform_message_id
            except DeliveryError as exc:
                failure = (row, exc)
                break
            except Exception as exc:  # an unexpected error: the retry loop tries again
                log.exception("delivery failed unexpectedly; it will be retried")
                failure = (row, DeliveryError(f"{type(exc).__name__}: {exc}"))
                break
            sent.append(row)
            if record_each:
                await self._recorder.record(sent_params([row], now))
        if failure is None:
            if sent and not record_each:
                await self._recorder.record(sent_params(sent, now))
            return
        async with self.session_factory() as session:  # the failure and what went before it
            if sent and not record_each:
                await session.execute(RECORD_SENT, sent_params(sent, now))
            await self._record_failure(session, failure, rows[len(sent) + 1 :], now)
            await session.commit()

    async def _record_failure(
        self,
        session: AsyncSession,
        failure: tuple[OutboxMessage, DeliveryError],
        later: list[OutboxMessage],
        now: dt.datetime,
    ) -> None:
        row, exc = failure
        status, next_try_at = self._failed(row, exc, now)
        await rows_db.record_failure(
            session,
            row.id,
            status,
            str(exc),
            next_try_at,
            unreachable_citizen=row.citizen_id if exc.unreachable else None,
        )
        log.warning("outbox delivery failed", extra={"outbox_id": row.id, "error": str(exc)})
        if later:
            # The replies after it wait for it, in order, in the retry loop.
            then = next_try_at if status == OutboxStatus.PENDING and next_try_at else now
            await rows_db.postpone(session, [r.id for r in later], OutboxStatus.PENDING, then)

    @staticmethod
    def _failed(
        row: OutboxMessage, exc: DeliveryError, now: dt.datetime
    ) -> tuple[str, dt.datetime | None]:
        """The status of a row whose send failed, and when to try it again (if ever)."""
        if exc.unreachable:
            return OutboxStatus.UNREACHABLE, None
        if exc.waiting_citizen:
            return OutboxStatus.WAITING_CITIZEN, None
        if not exc.retry or row.attempts >= MAX_ATTEMPTS:
            return OutboxStatus.FAILED, None
        wait = dt.timedelta(seconds=exc.retry_after) if exc.retry_after else backoff(row.attempts)
        return OutboxStatus.PENDING, now + wait

    async def drain(self) -> None:
        """Waits for immediate deliveries under way (used on shutdown and in tests)."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def wake(self) -> None:
        """Called after new rows are committed, so they go out at once."""
        self._wake.set()

    async def run(self, interval: float = 2.0) -> None:
        """Delivers due rows until cancelled, waking early when `wake` is called."""
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
        async with self.session_factory() as session:
            claimed = await rows_db.claim_due(session, self.clock(), self.lease, row_ids)
            if not claimed:
                return 0
            found = await rows_db.claimed_rows(session, claimed)
        by_citizen: dict[int, tuple[Address, list[OutboxMessage]]] = {}
        for row, user_id in found:
            by_citizen.setdefault(row.citizen_id, (Address(row.channel, user_id), []))[1].append(
                row
            )
        limit = asyncio.Semaphore(self.concurrency)

        async def send(address: Address, batch: list[OutboxMessage]) -> None:
            async with limit:
                await self._send_claimed(batch, address, record_each=True)

        await asyncio.gather(*(send(a, batch) for a, batch in by_citizen.values()))
        return len(found)
