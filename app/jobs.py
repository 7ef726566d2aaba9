"""Background jobs that must run once however many workers there are.

Every worker runs the same loop; before a job runs, its worker takes the job's lease, a row in
`job_leases`, with a compare-and-set (UPDATE … WHERE the lease has run out, or the first
INSERT). The one worker that wins runs it; the others skip it until the lease runs out again.
A worker that dies mid-job leaves the lease to run out, and the job runs again after that."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import OutboxMessage, OutboxStatus, ProcessedEvent
from db.office import JobLease, LoginFailure

log = logging.getLogger(__name__)
EVENTS_KEPT = dt.timedelta(days=30)  # platforms retry a webhook for hours, never for weeks
FAILURES_KEPT = dt.timedelta(days=1)  # login throttling looks back minutes
ANNOUNCEMENT_WAIT = dt.timedelta(days=3)
EXPIRED_NOTE = "quá hạn: người dân không nhắn lại trong 3 ngày (ngoài khung nhắn tin của Zalo)"


@dataclass(frozen=True)
class Job:
    name: str
    every: dt.timedelta
    run: Callable[[AsyncSession, dt.datetime], Awaitable[int]]  # returns rows touched


async def prune_events(session: AsyncSession, now: dt.datetime) -> int:
    """The de-duplication record of webhook events, kept as long as a platform may retry."""
    result = await session.execute(
        delete(ProcessedEvent).where(ProcessedEvent.created_at < now - EVENTS_KEPT)
    )
    return result.rowcount or 0


async def prune_login_failures(session: AsyncSession, now: dt.datetime) -> int:
    result = await session.execute(
        delete(LoginFailure).where(LoginFailure.created_at < now - FAILURES_KEPT)
    )
    return result.rowcount or 0


async def expire_waiting_announcements(session: AsyncSession, now: dt.datetime) -> int:
    """An announcement parked until a Zalo citizen writes again (outside Zalo's messaging
    window) is news for a few days, not weeks: after that it is given up, as failed."""
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.announcement_id.is_not(None),
            OutboxMessage.status == OutboxStatus.WAITING_CITIZEN,
            OutboxMessage.created_at < now - ANNOUNCEMENT_WAIT,
        )
        .values(status=OutboxStatus.FAILED, last_error=EXPIRED_NOTE)
    )
    return result.rowcount or 0


JOBS = (
    Job("prune_events", dt.timedelta(hours=6), prune_events),
    Job("prune_login_failures", dt.timedelta(hours=6), prune_login_failures),
    Job("expire_waiting_announcements", dt.timedelta(hours=1), expire_waiting_announcements),
)


class Jobs:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        jobs: tuple[Job, ...] = JOBS,
        holder: str | None = None,
        clock: Callable[[], dt.datetime] | None = None,
    ):
        self.session_factory = session_factory
        self.jobs = jobs
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}"
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))

    async def take_lease(self, name: str, every: dt.timedelta) -> bool:
        """True when this worker may run the job now (and no other will until `every` passes)."""
        now = self.clock()
        async with self.session_factory() as session:
            taken = await session.execute(
                update(JobLease)
                .where(JobLease.name == name, JobLease.until <= now)
                .values(holder=self.holder, until=now + every, started_at=now)
            )
            if taken.rowcount == 1:
                await session.commit()
                return True
            session.add(JobLease(name=name, holder=self.holder, until=now + every, started_at=now))
            try:
                await session.commit()
            except IntegrityError:  # the lease exists and has not run out
                return False
            return True

    async def run_due(self) -> list[str]:
        """Runs every job whose lease this worker takes; returns their names."""
        ran = []
        for job in self.jobs:
            if not await self.take_lease(job.name, job.every):
                continue
            async with self.session_factory() as session:
                count = await job.run(session, self.clock())
                await session.commit()
            log.info("job ran", extra={"job": job.name, "rows": count, "holder": self.holder})
            ran.append(job.name)
        return ran

    async def loop(self, interval: float = 60.0) -> None:
        while True:
            try:
                await self.run_due()
            except Exception:  # a failed job is logged and tried again when its lease allows
                log.exception("background job failed")
            await asyncio.sleep(interval)
