"""Finding a citizen by the address a channel knows them by."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.messages import Address
from db.models import Citizen


async def by_address(session: AsyncSession, address: Address) -> Citizen | None:
    return await session.scalar(
        select(Citizen).where(
            Citizen.channel == address.channel, Citizen.external_id == address.user_id
        )
    )
