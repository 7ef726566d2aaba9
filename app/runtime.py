"""Builds what every entry point needs: content, search index, database and the core."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from app.settings import Settings
from bot.core import Core
from content.loader import Content, load_content
from content.normalize import Normalizer
from content.search import SearchIndex

log = logging.getLogger(__name__)


@dataclass
class Knowledge:
    content: Content
    index: SearchIndex


def load_knowledge(settings: Settings) -> Knowledge:
    content = load_content(settings.content_dir)
    index = SearchIndex(content, Normalizer(content.lexicon))
    return Knowledge(content, index)


@dataclass
class Runtime:
    knowledge: Knowledge
    engine: AsyncEngine
    core: Core

    async def close(self) -> None:
        await self.engine.dispose()


async def start_runtime(settings: Settings, knowledge: Knowledge | None = None) -> Runtime:
    """Loads content, migrates the database to the newest schema and builds the core."""
    from db.migrate import upgrade
    from db.session import make_engine, make_session_factory

    knowledge = knowledge or load_knowledge(settings)
    engine = make_engine(settings.database_url, lock_timeout=settings.db_lock_timeout)
    await upgrade(engine)
    from audio.library import AudioLibrary
    from db.contacts import refresh as refresh_contacts

    # The contacts officers edited in the dashboard, from the first reply of every entry point.
    await refresh_contacts(engine)

    core = Core(
        knowledge.content,
        knowledge.index,
        make_session_factory(engine),
        max_message_chars=settings.max_message_chars,
        audio=AudioLibrary(settings, knowledge.content),
    )
    return Runtime(knowledge, engine, core)
