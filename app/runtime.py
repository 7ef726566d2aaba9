"""Builds what every entry point needs: content, search index, database, outbox and the core."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

import handlers
from app.knowledge import Knowledge, load_knowledge
from app.settings import Settings
from bot.channel import Hub, Registry
from bot.core import Core
from bot.outbox import Outbox

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """The loaded knowledge, the database engine, and the outbox and core built on them."""

    knowledge: Knowledge
    engine: AsyncEngine
    registry: Registry
    outbox: Outbox
    core: Core

    def hub(self) -> Hub:
        """What the registry's adapters may call in the house."""
        audio = self.core.audio
        return Hub(
            handle=self.core.handle,
            sessions=self.core.session_factory,
            clip_path=audio.path if audio else lambda key: None,
            citizen_wrote=self.outbox.citizen_wrote,
        )

    async def close(self) -> None:
        await self.engine.dispose()


async def start_runtime(
    settings: Settings, knowledge: Knowledge | None = None, registry: Registry | None = None
) -> Runtime:
    """Loads content, migrates the database to the newest schema and builds the outbox and the
    core on `registry` (none: no channel is known, replies are only logged, as in `ask`)."""
    from db.migrate import upgrade
    from db.session import make_engine, make_session_factory

    knowledge = knowledge or load_knowledge(settings)
    engine = make_engine(settings.database_url, lock_timeout=settings.db_lock_timeout)
    await upgrade(engine)
    from audio.library import AudioLibrary
    from db.contacts import refresh as refresh_contacts

    # The contacts officers edited in the dashboard, from the first reply of every entry point.
    await refresh_contacts(engine)

    sessions = make_session_factory(engine)
    registry = registry if registry is not None else Registry({}, [])
    outbox = Outbox(sessions, registry, lease=dt.timedelta(seconds=settings.outbox_lease_seconds))
    core = Core(
        knowledge.content,
        knowledge.index,
        sessions,
        route=handlers.route,
        registry=registry,
        outbox=outbox,
        max_message_chars=settings.max_message_chars,
        audio=AudioLibrary(settings, knowledge.content),
    )
    return Runtime(knowledge, engine, registry, outbox, core)
