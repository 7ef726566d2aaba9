"""Background jobs run once however many workers there are: a lease row taken with a
compare-and-set decides which worker runs each job."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import insert, select

from app.jobs import EVENTS_KEPT, Job, Jobs, prune_events
from db.migrate import upgrade
from db.models import ProcessedEvent
from db.office import JobLease
from db.session import make_engine, make_session_factory


async def _factory(db_url: str):  # type: ignore[no-untyped-def]
    engine = make_engine(db_url)
    await upgrade(engine)
    return engine, make_session_factory(engine)


async def test_each_job_runs_once_among_workers_until_its_lease_runs_out(db_url: str) -> None:
    engine, factory = await _factory(db_url)
    now = [dt.datetime(2026, 11, 23, 8, tzinfo=dt.UTC)]
    runs: list[str] = []

    def job(name: str) -> Job:
        async def run(session, at):  # type: ignore[no-untyped-def]
            runs.append(name)
            return 0

        return Job(name, dt.timedelta(hours=1), run)

    jobs = (job("a"), job("b"))
    workers = [Jobs(factory, jobs, holder=f"w{i}", clock=lambda: now[0]) for i in range(4)]
    ran = await asyncio.gather(*(w.run_due() for w in workers))
    assert sorted(runs) == ["a", "b"]  # four workers, each job once
    assert sorted(name for names in ran for name in names) == ["a", "b"]
    assert await workers[0].run_due() == [] and len(runs) == 2  # leased for the hour

    now[0] += dt.timedelta(minutes=61)
    ran = await asyncio.gather(*(w.run_due() for w in workers))
    assert sorted(runs) == ["a", "a", "b", "b"]
    async with factory() as session:
        leases = (await session.execute(select(JobLease).order_by(JobLease.name))).scalars().all()
    assert [lease.name for lease in leases] == ["a", "b"]
    assert all(lease.until == now[0] + dt.timedelta(hours=1) for lease in leases)
    await engine.dispose()


async def test_event_records_are_pruned_after_the_retry_horizon(db_url: str) -> None:
    engine, factory = await _factory(db_url)
    now = dt.datetime.now(dt.UTC)
    async with factory() as session:
        await session.execute(
            insert(ProcessedEvent.__table__),
            [
                {"channel": "telegram", "event_id": "old", "created_at": now - EVENTS_KEPT * 2},
                {"channel": "telegram", "event_id": "new", "created_at": now - EVENTS_KEPT / 2},
            ],
        )
        await session.commit()
        assert await prune_events(session, now) == 1
        await session.commit()
        kept = (await session.execute(select(ProcessedEvent.event_id))).scalars().all()
    assert kept == ["new"]
    await engine.dispose()


async def test_announcements_waiting_for_a_zalo_citizen_expire_after_three_days(
    db_url: str,
) -> None:
    from app.jobs import ANNOUNCEMENT_WAIT, expire_waiting_announcements
    from db.models import Citizen, OutboxMessage
    from db.office import Announcement

    engine, factory = await _factory(db_url)
    now = dt.datetime.now(dt.UTC)
    async with factory() as session:
        citizen = Citizen(channel="zalo", external_id="z1", created_at=now)
        announcement = Announcement(
            locality_id="huong-tra", title="t", text="x", status="sending", created_at=now
        )
        session.add_all([citizen, announcement])
        await session.flush()
        for age, announced in ((ANNOUNCEMENT_WAIT * 2, True), (ANNOUNCEMENT_WAIT * 2, False)):
            session.add(
                OutboxMessage(
                    citizen_id=citizen.id,
                    announcement_id=announcement.id if announced else None,
                    channel="zalo",
                    text="x",
                    status="waiting_citizen",
                    next_try_at=now,
                    created_at=now - age,
                )
            )
        session.add(
            OutboxMessage(
                citizen_id=citizen.id,
                channel="zalo",
                text="recent answer",
                status="waiting_citizen",
                next_try_at=now,
                created_at=now,
            )
        )
        await session.commit()
        assert await expire_waiting_announcements(session, now) == 1
        await session.commit()
        statuses = (
            await session.execute(
                select(OutboxMessage.announcement_id.is_not(None), OutboxMessage.status).order_by(
                    OutboxMessage.id
                )
            )
        ).all()
    # Only the old announcement is given up; an officer's answer keeps waiting.
    assert [tuple(r) for r in statuses] == [
        (True, "failed"),
        (False, "waiting_citizen"),
        (False, "waiting_citizen"),
    ]
    await engine.dispose()
