"""Engine and session factory for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from db import sqlite_inline

# SQLITE_PLAIN=1 measures the message path without db/sqlite_inline.py and db/rows.py (plan §13):
# SQLite through plain aiosqlite, rows inserted and loaded by the ORM. Not a setting for use.
PLAIN_SQLITE = "SQLITE_PLAIN"


def plain_sqlite() -> bool:
    """Whether SQLITE_PLAIN=1 asks for the variant without the inline driver and row shortcuts."""
    return os.environ.get(PLAIN_SQLITE) == "1"


def ensure_sqlite_dir(url: str) -> None:
    """Creates the folder of an SQLite file, so the default './data/...' works on a fresh clone."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)


def make_engine(url: str, echo: bool = False, lock_timeout: float = 30.0) -> AsyncEngine:
    """An engine whose statements wait at most `lock_timeout` seconds for another writer's
    lock (SQLite's busy wait, PostgreSQL's lock_timeout), then fail."""
    ensure_sqlite_dir(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        # One connection, shared in turn: SQLite allows one writer at a time, and waiting on its
        # busy handler (which sleeps up to 100 ms a try) is far slower than queueing here.
        database = parsed.database or ":memory:"
        if plain_sqlite():
            engine = create_async_engine(
                url,
                echo=echo,
                connect_args={"timeout": lock_timeout},
                pool_size=1,
                max_overflow=0,
                pool_timeout=60,
            )
        else:
            engine = create_async_engine(
                url,
                echo=echo,
                async_creator=lambda: sqlite_inline.connect(database, timeout=lock_timeout),
                pool_size=1,
                max_overflow=0,
                pool_timeout=60,
            )

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            # WAL lets readers (the dashboard) run beside the writer; foreign keys are off by
            # default in SQLite.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    connect_args = {}
    if parsed.get_backend_name() == "postgresql":
        lock_ms = str(max(1, round(lock_timeout * 1000)))
        connect_args = {"server_settings": {"lock_timeout": lock_ms}}
    return create_async_engine(url, echo=echo, pool_pre_ping=True, connect_args=connect_args)


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
