"""What the commands share: the content loaded (or a clear exit) and a database session."""

from __future__ import annotations

import sys

from app.settings import Settings


def load_knowledge_or_exit(settings: Settings):  # type: ignore[no-untyped-def]
    """The content and its search index; a content error is printed and exits with 2."""
    from app.knowledge import load_knowledge
    from content.loader import ContentError

    try:
        return load_knowledge(settings)
    except ContentError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from exc


async def with_session(settings: Settings, work):  # type: ignore[no-untyped-def]
    """Runs `work(session)` on the configured database, migrated first, and commits."""
    from db.migrate import upgrade
    from db.session import make_engine, make_session_factory

    engine = make_engine(settings.database_url, lock_timeout=settings.db_lock_timeout)
    try:
        await upgrade(engine)
        async with make_session_factory(engine)() as session:
            result = await work(session)
            await session.commit()
            return result
    finally:
        await engine.dispose()
