"""The message path's SQL: events, citizens, conversations and the conversation log.

Repositories take plain values (a channel's name, the platform's user id), never a bot type.
The statements of every message are built once at import: building one anew costs more than
SQLite takes to run it, and the ORM's unit of work costs more than the statements themselves."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Citizen, Conversation, Message, ProcessedEvent
from db.rows import as_persistent, insert_persistent
from db.session import plain_sqlite

EVENTS = ProcessedEvent.__table__
MESSAGES = Message.__table__
CONVERSATIONS = Conversation.__table__
CITIZENS = Citizen.__table__
INSERT_EVENT = insert(EVENTS)
INSERT_MESSAGE = insert(MESSAGES)
INSERT_MESSAGE_RETURNING_ID = insert(MESSAGES).returning(MESSAGES.c.id)
INSERT_CONVERSATION = insert(CONVERSATIONS)
FIND_CITIZEN = (
    select(
        CITIZENS,
        CONVERSATIONS.c.state.label("conversation_state"),
        CONVERSATIONS.c.data.label("conversation_data"),
        CONVERSATIONS.c.version.label("conversation_version"),
    )
    .outerjoin(CONVERSATIONS, CONVERSATIONS.c.citizen_id == CITIZENS.c.id)
    .where(
        CITIZENS.c.channel == bindparam("channel"), CITIZENS.c.external_id == bindparam("user_id")
    )
)
SAVE_CONVERSATION = update(CONVERSATIONS).where(
    CONVERSATIONS.c.citizen_id == bindparam("b_citizen_id"),
    CONVERSATIONS.c.version == bindparam("b_version"),
)
MARK_DONE = (
    update(EVENTS)
    .where(EVENTS.c.channel == bindparam("b_channel"), EVENTS.c.event_id == bindparam("b_event_id"))
    .values(done=True)
)


@dataclass
class ConversationRow:
    """A conversation as loaded: its state, data and version (for the compare-and-set)."""

    state: str
    data: dict[str, Any]
    version: int


async def record_event(s: AsyncSession, channel: str, event_id: str, now: dt.datetime) -> bool:
    """Records a platform's event as taken; False (rolled back) when it was seen before."""
    try:
        await s.execute(
            INSERT_EVENT,
            {"channel": channel, "event_id": event_id, "created_at": now, "done": False},
        )
    except IntegrityError:
        await s.rollback()
        return False
    return True


async def seen_event(
    s: AsyncSession, channel: str, event_id: str
) -> tuple[bool, dt.datetime] | None:
    """Whether an event seen before is done, and when it was taken."""
    seen = (
        await s.execute(
            select(EVENTS.c.done, EVENTS.c.created_at).where(
                EVENTS.c.channel == channel, EVENTS.c.event_id == event_id
            )
        )
    ).first()
    return None if seen is None else (seen.done, seen.created_at)


async def take_over_event(
    s: AsyncSession, channel: str, event_id: str, created_at: dt.datetime, now: dt.datetime
) -> int | None:
    """Takes over an unfinished event with a compare-and-set on when it was taken; the id of
    its stored inbound message, or None (rolled back) when another worker took it first."""
    took = await s.execute(
        update(EVENTS)
        .where(
            EVENTS.c.channel == channel,
            EVENTS.c.event_id == event_id,
            EVENTS.c.done.is_(False),
            EVENTS.c.created_at == created_at,
        )
        .values(created_at=now)
    )
    message_id = await s.scalar(
        select(MESSAGES.c.id)
        .where(MESSAGES.c.event_id == event_id, MESSAGES.c.direction == "in")
        .order_by(MESSAGES.c.id.desc())
        .limit(1)
    )
    if took.rowcount != 1 or message_id is None:
        await s.rollback()
        return None
    return message_id


async def find_citizen(
    s: AsyncSession, channel: str, user_id: str
) -> tuple[Citizen, ConversationRow | None] | None:
    """The citizen and their conversation in one query, as objects of the session."""
    if plain_sqlite():
        return await _find_citizen_orm(s, channel, user_id)
    found = (await s.execute(FIND_CITIZEN, {"channel": channel, "user_id": user_id})).first()
    if found is None:
        return None
    row = found._mapping
    citizen = as_persistent(s, Citizen, {c.name: row[c] for c in CITIZENS.c})
    if row["conversation_state"] is None:
        return citizen, None
    state = ConversationRow(
        row["conversation_state"], dict(row["conversation_data"] or {}), row["conversation_version"]
    )
    return citizen, state


async def _find_citizen_orm(
    s: AsyncSession, channel: str, user_id: str
) -> tuple[Citizen, ConversationRow | None] | None:
    """`find_citizen` through the ORM's loading (the variant measured without db/rows.py)."""
    found = (
        await s.execute(
            select(Citizen, Conversation)
            .outerjoin(Conversation, Conversation.citizen_id == Citizen.id)
            .where(Citizen.channel == channel, Citizen.external_id == user_id)
        )
    ).first()
    if found is None:
        return None
    citizen, conversation = found
    if conversation is None:
        return citizen, None
    return citizen, ConversationRow(
        conversation.state, dict(conversation.data or {}), conversation.version
    )


async def create_citizen(
    s: AsyncSession,
    channel: str,
    user_id: str,
    display_name: str | None,
    now: dt.datetime,
    inbound_at: dt.datetime | None,
) -> Citizen:
    """A new citizen; IntegrityError when another worker created them a moment ago."""
    return await insert_persistent(
        s,
        Citizen,
        channel=channel,
        external_id=user_id,
        display_name=display_name,
        unreachable=False,
        created_at=now,
        last_inbound_at=inbound_at,
    )


async def create_conversation(
    s: AsyncSession, citizen_id: int, state: str, now: dt.datetime
) -> None:
    await s.execute(
        INSERT_CONVERSATION,
        {"citizen_id": citizen_id, "state": state, "data": {}, "version": 0, "updated_at": now},
    )


async def log_inbound(
    s: AsyncSession,
    citizen_id: int,
    kind: str,
    text: str | None,
    payload: dict[str, Any] | None,
    event_id: str | None,
    private: bool,
    now: dt.datetime,
) -> int:
    """Logs what the citizen sent; returns the message's id."""
    return await s.scalar(
        INSERT_MESSAGE_RETURNING_ID,
        {
            "citizen_id": citizen_id,
            "direction": "in",
            "kind": kind,
            "text": text,
            "payload": payload,
            "event_id": event_id,
            "private": private,
            "created_at": now,
        },
    )


async def save_state(
    s: AsyncSession,
    citizen_id: int,
    version: int,
    state: str,
    data: dict[str, Any],
    now: dt.datetime,
) -> bool:
    """Saves the conversation if nobody saved it since `version` was loaded (compare-and-set)."""
    result = await s.execute(
        SAVE_CONVERSATION,
        {
            "b_citizen_id": citizen_id,
            "b_version": version,
            "state": state,
            "data": data,
            "version": version + 1,
            "updated_at": now,
        },
    )
    return result.rowcount == 1


async def mark_done(s: AsyncSession, channel: str, event_id: str) -> None:
    """The event is handled: a retry of it from the platform is ignored from now on."""
    await s.execute(MARK_DONE, {"b_channel": channel, "b_event_id": event_id})


async def log_replies(
    s: AsyncSession,
    citizen_id: int,
    rows: list[tuple[str, dict[str, Any] | None]],
    private: bool,
    now: dt.datetime,
) -> None:
    """Logs the bot's replies (text and payload) to the conversation."""
    await s.execute(
        INSERT_MESSAGE,
        [
            {
                "citizen_id": citizen_id,
                "direction": "out",
                "kind": "text",
                "text": text,
                "payload": payload,
                "private": private,
                "created_at": now,
                "event_id": None,
            }
            for text, payload in rows
        ],
    )


async def erase_private(s: AsyncSession, citizen_id: int) -> None:
    """Erases the text of the citizen's private messages (the household self-check's answers)."""
    await s.execute(
        update(MESSAGES)
        .where(
            MESSAGES.c.citizen_id == citizen_id,
            MESSAGES.c.private.is_(True),
            MESSAGES.c.text.is_not(None),
        )
        .values(text=None, payload={"erased": True})
    )


async def log_delivered(
    s: AsyncSession,
    citizen_id: int,
    text: str,
    payload: dict[str, Any] | None,
    outbox_id: int,
    now: dt.datetime,
) -> int | None:
    """Writes an outbox row's message into the conversation log (how the web chat and the
    console deliver); None when that row's message is logged already (a repeated send)."""
    logged = await s.scalar(
        select(MESSAGES.c.id)
        .where(
            MESSAGES.c.citizen_id == citizen_id,
            MESSAGES.c.direction == "out",
            MESSAGES.c.kind == "officer",
            MESSAGES.c.payload["outbox_id"].as_integer() == outbox_id,
        )
        .limit(1)
    )
    if logged is not None:
        return None
    return await s.scalar(
        INSERT_MESSAGE_RETURNING_ID,
        {
            "citizen_id": citizen_id,
            "direction": "out",
            "kind": "officer",
            "text": text,
            "payload": {"outbox_id": outbox_id, **(payload or {})},
            "private": False,
            "created_at": now,
            "event_id": None,
        },
    )


async def by_address(s: AsyncSession, channel: str, user_id: str) -> Citizen | None:
    """The citizen a channel knows by this user id, if they ever wrote."""
    return await s.scalar(
        select(Citizen).where(Citizen.channel == channel, Citizen.external_id == user_id)
    )
