"""Serving the web application and migrating its database."""

from __future__ import annotations

import argparse
import asyncio

from app.logs import setup_logging
from app.settings import Settings


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from app.factory import serve

    setup_logging(settings.log_level, settings.log_format)  # a server logs at its own level
    workers = args.workers or settings.workers
    if workers > 1:
        from app.workers import supervise

        return supervise(settings, workers, args.host, args.port)
    serve(settings, args.host, args.port, reuse_port=args.reuse_port or settings.reuse_port)
    return 0


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from db.migrate import current_revision, upgrade
    from db.session import make_engine

    async def run() -> str | None:
        engine = make_engine(settings.database_url, lock_timeout=settings.db_lock_timeout)
        try:
            await upgrade(engine)
            return await current_revision(engine)
        finally:
            await engine.dispose()

    revision = asyncio.run(run())
    print(f"Database at revision {revision}: {settings.database_url}")
    return 0
