"""The channel-agnostic core: one inbound message stored, routed, saved and answered.

De-duplication, logging, the handlers and state saving run in the order that never loses a
question."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any
from weakref import WeakValueDictionary

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channel import Registry, StillHandling
from bot.context import IDLE, Context
from bot.messages import Address, Inbound, Kind, Reply, storable_inbound
from bot.outbox import Outbox
from content.loader import Content
from content.normalize import clean_display
from content.search import SearchIndex
from db import conversations as db
from db.conversations import ConversationRow
from db.models import Citizen, OutboxMessage
from db.outbox import insert_claimed

log = logging.getLogger(__name__)

# Conversation states whose messages are erased once the conversation moves on.
PRIVATE_STATES = frozenset({"household_check"})
# Inbound text is stored whole up to this size; a larger paste is cut (and said so in the log).
MAX_STORED_TEXT = 50_000
# An event taken this long ago and not finished was left by a worker that died.
STALE_AFTER = dt.timedelta(seconds=20)

# The handlers' entry point (handlers.route), handed in by app/runtime.py.
Route = Callable[[Context], Awaitable[list[Reply]]]


class Core:
    """Handles one inbound at a time per citizen: store it, route it, save, reply."""

    def __init__(
        self,
        content: Content,
        index: SearchIndex,
        session_factory: async_sessionmaker[AsyncSession],
        route: Route,
        registry: Registry,
        outbox: Outbox,
        clock: Callable[[], dt.datetime] | None = None,
        max_message_chars: int = 2000,
        audio: Any = None,
    ):
        self.content = content
        self.index = index
        self.session_factory = session_factory
        self.route = route
        self.registry = registry
        self.outbox = outbox
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.max_message_chars = max_message_chars
        self.audio = audio  # audio.library.AudioLibrary, when clips can be made
        # One person's messages are handled one at a time within a process; the conversation
        # version guards against other workers.
        self._locks: WeakValueDictionary[str, asyncio.Lock] = WeakValueDictionary()

    def _lock(self, key: str) -> asyncio.Lock:
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        return lock

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
                replies = await self.route(ctx)
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
            await self.outbox.deliver_claimed(rows, Address(citizen.channel, citizen.external_id))
        return replies

    async def _receive(
        self, session: AsyncSession, inbound: Inbound, now: dt.datetime
    ) -> tuple[Citizen, ConversationRow, int, bool] | None:
        """Records the event, the citizen and the message, and commits: nothing is lost.
        Returns None for an event already handled; raises StillHandling for one being handled
        now (the platform is told to retry later). The last item says whether this resumes an
        event whose first handling died before it finished (its message is stored already)."""
        channel = inbound.address.channel
        resumed: int | None = None
        for attempt in (1, 2):
            if inbound.event_id and not await db.record_event(
                session, channel, inbound.event_id, now
            ):
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
            await db.erase_private(session, citizen.id)
            # The flag goes with the next save of the conversation (or erases again, harmlessly).
            conversation.data.pop("has_private")
        if text and len(text) > MAX_STORED_TEXT:
            log.warning("inbound text cut to %d characters", MAX_STORED_TEXT)
            text = text[:MAX_STORED_TEXT]
        message_id = await db.log_inbound(
            session,
            citizen.id,
            str(inbound.kind),
            text,
            _payload(inbound),
            inbound.event_id,
            private,
            now,
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
        assert event_id is not None
        seen = await db.seen_event(session, channel, event_id)
        if seen is None or seen[0]:
            return None
        if now - seen[1] < STALE_AFTER:
            raise StillHandling(event_id)
        message_id = await db.take_over_event(session, channel, event_id, seen[1], now)
        if message_id is None:
            raise StillHandling(event_id)  # another worker took it over a moment ago
        log.warning("resuming an event whose handling never finished", extra={"event": event_id})
        return message_id

    async def _citizen(
        self, session: AsyncSession, inbound: Inbound, now: dt.datetime
    ) -> tuple[Citizen, ConversationRow]:
        """The citizen and their conversation in one query; both are created on first contact."""
        address = inbound.address
        found = await db.find_citizen(session, address.channel, address.user_id)
        if found is None:
            citizen = await db.create_citizen(  # IntegrityError if another worker was first
                session,
                address.channel,
                address.user_id,
                inbound.display_name,
                now,
                inbound_at=now if inbound.kind != Kind.UNFOLLOW else None,
            )
            state = None
        else:
            citizen, state = found
            if inbound.display_name and citizen.display_name != inbound.display_name:
                citizen.display_name = inbound.display_name
            if inbound.kind != Kind.UNFOLLOW:
                citizen.last_inbound_at = now
                if citizen.unreachable:
                    citizen.unreachable = False  # they unblocked the bot, or came back
        if state is None:
            state = ConversationRow(IDLE, {}, 0)
            await db.create_conversation(session, citizen.id, IDLE, now)
        return citizen, state

    @staticmethod
    def _press_numbered_choice(inbound: Inbound, conversation: ConversationRow) -> Inbound:
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
        if not await db.save_state(session, ctx.citizen.id, version, ctx.state, data, now):
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
        """Logs the replies and, for a channel that pushes them, adds their outbox rows already
        claimed by this worker (a claim left by a crash expires and the rows are sent then)."""
        if not replies:
            return []
        logged = [(reply.text, _reply_payload(reply)) for reply in replies]
        await db.log_replies(session, citizen.id, logged, private, now)
        if not self.registry.capabilities(citizen.channel).push:
            return []
        rows = [reply.as_row() for reply in replies]
        return await insert_claimed(
            session, citizen.id, citizen.channel, rows, now, self.outbox.lease
        )


async def _mark_done(session: AsyncSession, inbound: Inbound) -> None:
    """The event is handled: a retry of it from the platform is ignored from now on."""
    if inbound.event_id:
        await db.mark_done(session, inbound.address.channel, inbound.event_id)


def _payload(inbound: Inbound) -> dict[str, Any] | None:
    """What the log keeps of an inbound besides its text: the button payload, the media."""
    payload: dict[str, Any] = {}
    if inbound.payload:
        payload["payload"] = inbound.payload
    if inbound.media:
        payload["media"] = inbound.media
    return payload or None


def _reply_payload(reply: Reply) -> dict[str, Any] | None:
    """What the log keeps of a reply besides its text: buttons, the FAQ entry, the clip."""
    payload: dict[str, Any] = {}
    if reply.buttons:
        payload["buttons"] = [[b.label, b.payload] for b in reply.buttons]
    if reply.faq_id:
        payload["faq_id"] = reply.faq_id
    if reply.audio:
        payload["audio"] = reply.audio.clip_id
    return payload or None
