"""The channel-agnostic core: one inbound message through de-duplication, logging, the
handlers and state saving, in the order that never loses a question."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any
from weakref import WeakValueDictionary

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import handlers
from bot.channel import StillHandling
from bot.context import IDLE, Context
from bot.messages import Inbound, Kind, Reply, storable_inbound
from bot.outbox import Outbox, OutboxContent, claim_new
from content.loader import Content
from content.normalize import clean_display
from content.search import SearchIndex
from db.models import Citizen, Conversation, Message, OutboxMessage, ProcessedEvent
from db.rows import as_persistent, insert_persistent

log = logging.getLogger(__name__)

# Conversation states whose messages are erased once the conversation moves on.
PRIVATE_STATES = frozenset({"household_check"})
# Inbound text is stored whole up to this size; a larger paste is cut (and said so in the log).
MAX_STORED_TEXT = 50_000
# The tables written on every message, through SQLAlchemy Core: the ORM's unit of work costs
# more than the statements themselves on this path.
EVENTS = ProcessedEvent.__table__
MESSAGES = Message.__table__
CONVERSATIONS = Conversation.__table__
# Its statements are built once: building one anew costs more than SQLite takes to run it.
INSERT_EVENT = insert(EVENTS)
INSERT_MESSAGE = insert(MESSAGES)
INSERT_MESSAGE_RETURNING_ID = insert(MESSAGES).returning(MESSAGES.c.id)
INSERT_CONVERSATION = insert(CONVERSATIONS)
CITIZENS = Citizen.__table__
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


# An event taken this long ago and not finished was left by a worker that died.
STALE_AFTER = dt.timedelta(seconds=20)


@dataclass
class State:
    """A conversation as loaded: its state, data and version (for the compare-and-set)."""

    state: str
    data: dict[str, Any]
    version: int


class Core:
    def __init__(
        self,
        content: Content,
        index: SearchIndex,
        session_factory: async_sessionmaker[AsyncSession],
        clock: Callable[[], dt.datetime] | None = None,
        max_message_chars: int = 2000,
        audio: Any = None,
    ):
        self.content = content
        self.index = index
        self.session_factory = session_factory
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.max_message_chars = max_message_chars
        self.audio = audio  # audio.library.AudioLibrary, when clips can be made
        # One person's messages are handled one at a time within a process; the conversation
        # version guards against other workers.
        self._locks: WeakValueDictionary[str, asyncio.Lock] = WeakValueDictionary()
        self._routes: dict[str, tuple[Outbox, Callable[[Reply], OutboxContent]]] = {}

    def _lock(self, key: str) -> asyncio.Lock:
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        return lock

    def deliver_through(
        self, channel: str, outbox: Outbox, render: Callable[[Reply], OutboxContent]
    ) -> None:
        """Replies to this channel's citizens go out through the outbox: written as rows in the
        transaction that saves the conversation, then sent at once by this worker."""
        self._routes[channel] = (outbox, render)

    async def handle(self, inbound: Inbound) -> list[Reply]:
        """Handles one inbound message. Returns normally only once the message is stored (a
        failing handler is answered with an apology); any exception means it was not, or not
        finished, and the platform should deliver it again."""
        inbound = storable_inbound(inbound)
        async with self._lock(str(inbound.address)):
            return await self._handle(inbound)

    async def _handle(self, inbound: Inbound) -> list[Reply]:
        now = self.clock()
        async with self.session_factory() as session:
            received = await self._receive(session, inbound, now)
            if received is None:
                log.info(
                    "duplicate event ignored",
                    extra={"address": str(inbound.address), "event_id": inbound.event_id},
                )
                return []
            citizen, conversation, message_id, resumed = received
            inbound = self._press_numbered_choice(inbound, conversation)
            ctx = Context(
                inbound=inbound,
                session=session,
                content=self.content,
                index=self.index,
                citizen=citizen,
                state=conversation.state,
                data=dict(conversation.data or {}),
                message_id=message_id,
                now=now,
                max_message_chars=self.max_message_chars,
                inbound_state=conversation.state,
                audio=self.audio,
                resumed=resumed,
            )
            citizen_id = citizen.id
            try:
                replies = await handlers.route(ctx)
            except Exception:
                log.exception("handler failed", extra={"address": str(inbound.address)})
                await session.rollback()  # the message itself was committed before
                citizen = await session.get(Citizen, citizen_id)
                replies = [Reply(self.content.messages.error_reply)]
                await _mark_done(session, inbound)  # answered, if only with an apology
                rows = await self._add_replies(session, citizen, replies, private=False, now=now)
                await session.commit()
            else:
                rows = await self._save(session, ctx, conversation.version, replies, now)
        if rows:
            outbox, _ = self._routes[citizen.channel]
            await outbox.deliver_claimed(rows, citizen)
        return replies

    async def _receive(
        self, session: AsyncSession, inbound: Inbound, now: dt.datetime
    ) -> tuple[Citizen, State, int, bool] | None:
        """Records the event, the citizen and the message, and commits: nothing is lost.
        Returns None for an event already handled; raises StillHandling for one being handled
        now (the platform is told to retry later). The last item says whether this resumes an
        event whose first handling died before it finished (its message is stored already)."""
        resumed: int | None = None
        for attempt in (1, 2):
            if inbound.event_id:
                try:
                    await session.execute(
                        INSERT_EVENT,
                        {
                            "channel": inbound.address.channel,
                            "event_id": inbound.event_id,
                            "created_at": now,
                            "done": False,
                        },
                    )
                except IntegrityError:
                    await session.rollback()
                    resumed = await self._resume(session, inbound, now)
                    if resumed is None:
                        return None
            try:
                citizen, conversation = await self._citizen(session, inbound, now)
            except IntegrityError:
                # Another worker created this citizen a moment ago: start again and find it.
                await session.rollback()
                if attempt == 2:
                    raise
                continue
            break
        if resumed is not None:
            await session.commit()
            return citizen, conversation, resumed, True
        text = clean_display(inbound.text) if inbound.text else None
        private = conversation.state in PRIVATE_STATES
        if not private and conversation.data.get("has_private"):
            await _erase_private(session, citizen.id)
            # The flag goes with the next save of the conversation (or erases again, harmlessly).
            conversation.data.pop("has_private")
        if text and len(text) > MAX_STORED_TEXT:
            log.warning("inbound text cut to %d characters", MAX_STORED_TEXT)
            text = text[:MAX_STORED_TEXT]
        message_id = await session.scalar(
            INSERT_MESSAGE_RETURNING_ID,
            {
                "citizen_id": citizen.id,
                "direction": "in",
                "kind": str(inbound.kind),
                "text": text,
                "payload": _payload(inbound),
                "event_id": inbound.event_id,
                "private": private,
                "created_at": now,
            },
        )
        await session.commit()
        return citizen, conversation, message_id, False

    async def _resume(
        self, session: AsyncSession, inbound: Inbound, now: dt.datetime
    ) -> int | None:
        """An event seen before. Handled: None (ignore it). Being handled (recently taken):
        StillHandling. Taken long ago and never finished (the worker died): this worker takes
        it over with a compare-and-set and returns the id of its stored message."""
        channel, event_id = inbound.address.channel, inbound.event_id
        seen = (
            await session.execute(
                select(EVENTS.c.done, EVENTS.c.created_at).where(
                    EVENTS.c.channel == channel, EVENTS.c.event_id == event_id
                )
            )
        ).first()
        if seen is None or seen.done:
            return None
        if now - seen.created_at < STALE_AFTER:
            raise StillHandling(event_id)
        took = await session.execute(
            update(EVENTS)
            .where(
                EVENTS.c.channel == channel,
                EVENTS.c.event_id == event_id,
                EVENTS.c.done.is_(False),
                EVENTS.c.created_at == seen.created_at,
            )
            .values(created_at=now)
        )
        message_id = await session.scalar(
            select(MESSAGES.c.id)
            .where(MESSAGES.c.event_id == event_id, MESSAGES.c.direction == "in")
            .order_by(MESSAGES.c.id.desc())
            .limit(1)
        )
        if took.rowcount != 1 or message_id is None:
            await session.rollback()
            raise StillHandling(event_id)  # another worker took it over a moment ago
        log.warning("resuming an event whose handling never finished", extra={"event": event_id})
        return message_id

    async def _citizen(
        self, session: AsyncSession, inbound: Inbound, now: dt.datetime
    ) -> tuple[Citizen, State]:
        """The citizen and their conversation in one query; both are created on first contact."""
        address = inbound.address
        found = (
            await session.execute(
                FIND_CITIZEN, {"channel": address.channel, "user_id": address.user_id}
            )
        ).first()
        if found is None:
            citizen = await insert_persistent(  # IntegrityError if another worker was first
                session,
                Citizen,
                channel=address.channel,
                external_id=address.user_id,
                display_name=inbound.display_name,
                unreachable=False,
                created_at=now,
                last_inbound_at=now if inbound.kind != Kind.UNFOLLOW else None,
            )
            state = None
        else:
            row = found._mapping
            citizen = as_persistent(session, Citizen, {c.name: row[c] for c in CITIZENS.c})
            state = (
                State(
                    row["conversation_state"],
                    dict(row["conversation_data"] or {}),
                    row["conversation_version"],
                )
                if row["conversation_state"] is not None
                else None
            )
            if inbound.display_name and citizen.display_name != inbound.display_name:
                citizen.display_name = inbound.display_name
            if inbound.kind != Kind.UNFOLLOW:
                citizen.last_inbound_at = now
                if citizen.unreachable:
                    citizen.unreachable = False  # they unblocked the bot, or came back
        if state is None:
            state = State(IDLE, {}, 0)
            await session.execute(
                INSERT_CONVERSATION,
                {
                    "citizen_id": citizen.id,
                    "state": IDLE,
                    "data": {},
                    "version": 0,
                    "updated_at": now,
                },
            )
        return citizen, state

    @staticmethod
    def _press_numbered_choice(inbound: Inbound, conversation: State) -> Inbound:
        """On channels without buttons, typing the number of a choice presses it."""
        if inbound.kind != Kind.TEXT:
            return inbound
        text = inbound.text.strip().rstrip(".")
        data = conversation.data or {}
        if data.get("free_input"):  # a number is the answer itself (members, income)
            return inbound
        buttons = data.get("buttons") or []
        if text.isdigit() and 1 <= int(text) <= len(buttons):
            return replace(inbound, kind=Kind.BUTTON, payload=buttons[int(text) - 1])
        return inbound

    async def _save(
        self,
        session: AsyncSession,
        ctx: Context,
        version: int,
        replies: list[Reply],
        now: dt.datetime,
    ) -> list[OutboxMessage]:
        data = dict(ctx.data)
        private = ctx.state in PRIVATE_STATES or ctx.inbound_state in PRIVATE_STATES
        if private:
            data["has_private"] = True  # erased by the next message outside the private state
        last_buttons = next((r.buttons for r in reversed(replies) if r.buttons), None)
        if last_buttons is not None or replies:
            data["buttons"] = [b.payload for b in last_buttons or ()]
        result = await session.execute(
            SAVE_CONVERSATION,
            {
                "b_citizen_id": ctx.citizen.id,
                "b_version": version,
                "state": ctx.state,
                "data": data,
                "version": version + 1,
                "updated_at": now,
            },
        )
        if result.rowcount == 0:
            # Another worker saved this conversation since we loaded it; theirs is newer.
            log.warning(
                "conversation changed concurrently; state not saved",
                extra={"citizen_id": ctx.citizen.id},
            )
        await _mark_done(session, ctx.inbound)
        rows = await self._add_replies(session, ctx.citizen, replies, private, now)
        await session.commit()
        return rows

    async def _add_replies(
        self,
        session: AsyncSession,
        citizen: Citizen,
        replies: list[Reply],
        private: bool,
        now: dt.datetime,
    ) -> list[OutboxMessage]:
        """Logs the replies and, for a channel served by the outbox, adds their rows, already
        claimed by this worker (a claim left by a crash expires and the rows are sent then)."""
        if not replies:
            return []
        await session.execute(
            INSERT_MESSAGE,
            [
                {
                    "citizen_id": citizen.id,
                    "direction": "out",
                    "kind": "text",
                    "text": reply.text,
                    "payload": _reply_payload(reply),
                    "private": private,
                    "created_at": now,
                    "event_id": None,
                }
                for reply in replies
            ],
        )
        route = self._routes.get(citizen.channel)
        if route is None:
            return []
        outbox, render = route
        contents = [render(reply) for reply in replies]
        return await claim_new(session, citizen, contents, now, outbox.lease)


async def _mark_done(session: AsyncSession, inbound: Inbound) -> None:
    """The event is handled: a retry of it from the platform is ignored from now on."""
    if inbound.event_id:
        await session.execute(
            MARK_DONE, {"b_channel": inbound.address.channel, "b_event_id": inbound.event_id}
        )


async def _erase_private(session: AsyncSession, citizen_id: int) -> None:
    """The household self-check keeps its answers only while it lasts: once the citizen has
    moved on, the text of those messages is erased (a saved result lives in the question log)."""
    await session.execute(
        update(Message)
        .where(
            Message.citizen_id == citizen_id, Message.private.is_(True), Message.text.is_not(None)
        )
        .values(text=None, payload={"erased": True})
    )


def _payload(inbound: Inbound) -> dict[str, Any] | None:
    payload: dict[str, Any] = {}
    if inbound.payload:
        payload["payload"] = inbound.payload
    if inbound.media:
        payload["media"] = inbound.media
    return payload or None


def _reply_payload(reply: Reply) -> dict[str, Any] | None:
    payload: dict[str, Any] = {}
    if reply.buttons:
        payload["buttons"] = [[b.label, b.payload] for b in reply.buttons]
    if reply.faq_id:
        payload["faq_id"] = reply.faq_id
    if reply.audio:
        payload["audio"] = reply.audio.clip_id
    return payload or None
