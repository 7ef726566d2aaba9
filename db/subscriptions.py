"""Citizens' subscriptions to announcements: one row each, following the citizen's locality."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Subscription


class Follow(enum.Enum):
    """What following a citizen's new locality did to their subscription."""

    NONE = "none"
    MOVED = "moved"
    SUBSCRIBED = "subscribed"


async def subscription_of(session: AsyncSession, citizen_id: int) -> Subscription | None:
    return await session.scalar(select(Subscription).where(Subscription.citizen_id == citizen_id))


async def subscribe(
    session: AsyncSession,
    citizen_id: int,
    locality_id: str,
    province_code: str | None,
    now: dt.datetime,
) -> bool:
    """Subscribes the citizen for a locality; False when another worker did a moment ago (the
    citizen is subscribed either way)."""
    session.add(
        Subscription(
            citizen_id=citizen_id,
            locality_id=locality_id,
            province_code=province_code,
            created_at=now,
        )
    )
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        return False
    return True


async def follow(
    session: AsyncSession,
    citizen_id: int,
    locality_id: str,
    province_code: str | None,
    subscribe_now: bool,
    now: dt.datetime,
) -> Follow:
    """After the citizen's locality changed: a subscription waiting for it is made
    (`subscribe_now`), and an existing one moves with the citizen."""
    current = await subscription_of(session, citizen_id)
    if current is None:
        if not subscribe_now:
            return Follow.NONE
        await subscribe(session, citizen_id, locality_id, province_code, now)
        return Follow.SUBSCRIBED
    if current.locality_id == locality_id:
        return Follow.NONE
    current.locality_id = locality_id
    current.province_code = province_code
    return Follow.MOVED


async def leave(session: AsyncSession, citizen_id: int) -> bool:
    """Deletes the citizen's subscription; False when there was none."""
    result = await session.execute(
        delete(Subscription).where(Subscription.citizen_id == citizen_id)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
