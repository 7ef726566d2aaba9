"""Real faults for the tests and the security bench: a database that refuses messages (a
trigger), a read-only database, a write lock held by another connection. Nothing is mocked."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from collections.abc import AsyncIterator, Iterator

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

REFUSE_MESSAGES = {
    "sqlite": [
        "CREATE TRIGGER refuse_messages BEFORE INSERT ON messages "
        "BEGIN SELECT RAISE(ABORT, 'messages refused'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION refuse_messages() RETURNS trigger AS "
        "$$ BEGIN RAISE EXCEPTION 'messages refused'; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER refuse_messages BEFORE INSERT ON messages "
        "FOR EACH ROW EXECUTE FUNCTION refuse_messages()",
    ],
}
ALLOW_MESSAGES = {
    "sqlite": ["DROP TRIGGER refuse_messages"],
    "postgresql": ["DROP TRIGGER refuse_messages ON messages", "DROP FUNCTION refuse_messages"],
}
REFUSE_QUESTIONS = {
    "sqlite": [
        "CREATE TRIGGER refuse_questions BEFORE INSERT ON questions "
        "BEGIN SELECT RAISE(ABORT, 'questions refused'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION refuse_questions() RETURNS trigger AS "
        "$$ BEGIN RAISE EXCEPTION 'questions refused'; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER refuse_questions BEFORE INSERT ON questions "
        "FOR EACH ROW EXECUTE FUNCTION refuse_questions()",
    ],
}
ALLOW_QUESTIONS = {
    "sqlite": ["DROP TRIGGER refuse_questions"],
    "postgresql": ["DROP TRIGGER refuse_questions ON questions", "DROP FUNCTION refuse_questions"],
}


async def run_sql(sessions: async_sessionmaker[AsyncSession], statements: dict) -> None:
    async with sessions() as session:
        for statement in statements[session.bind.dialect.name]:
            await session.execute(text(statement))
        await session.commit()


def _pg_dsn(db_url: str) -> str:
    return db_url.replace("postgresql+asyncpg://", "postgresql://")


async def set_read_only(sessions: async_sessionmaker[AsyncSession], db_url: str, on: bool) -> None:
    """Makes the application's database refuse every write, or take them again. SQLite: the
    query_only switch on the application's one connection (SQLite answers "attempt to write a
    readonly database"). PostgreSQL: the database's default_transaction_read_only, and every
    open connection ended, so the application's pool reconnects to a read-only database (what
    a fail-over to a standby looks like)."""
    if make_url(db_url).get_backend_name() == "sqlite":
        async with sessions() as session:
            await session.execute(text(f"PRAGMA query_only = {'ON' if on else 'OFF'}"))
            await session.commit()
        return
    conn = await asyncpg.connect(_pg_dsn(db_url))
    try:
        await conn.execute("SET default_transaction_read_only = off")
        name = await conn.fetchval("SELECT current_database()")
        if on:
            await conn.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
        else:
            await conn.execute(f'ALTER DATABASE "{name}" RESET default_transaction_read_only')
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await conn.close()


@contextlib.asynccontextmanager
async def write_lock_held(db_url: str) -> AsyncIterator[None]:
    """Another connection (another process would do the same) holds the database's write lock:
    SQLite's BEGIN IMMEDIATE, PostgreSQL's exclusive lock on the tables every message writes."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        with _sqlite_lock(url.database):
            yield
        return
    conn = await asyncpg.connect(_pg_dsn(db_url))
    try:
        tx = conn.transaction()
        await tx.start()
        await conn.execute("LOCK TABLE processed_events, messages IN ACCESS EXCLUSIVE MODE")
        yield
        await tx.rollback()
    finally:
        await conn.close()


@contextlib.contextmanager
def _sqlite_lock(path: str) -> Iterator[None]:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("BEGIN IMMEDIATE")
        yield
        conn.execute("ROLLBACK")
    finally:
        conn.close()


def hold_sqlite_lock_in_thread(path: str, release: threading.Event) -> threading.Thread:
    """Holds SQLite's write lock from another thread until `release` is set (for a bench run
    that keeps the lock longer than the application waits for it)."""
    ready = threading.Event()

    def hold() -> None:
        with _sqlite_lock(path):
            ready.set()
            release.wait()

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    ready.wait()
    return thread


async def wait_until(predicate, tries: int = 400) -> None:  # type: ignore[no-untyped-def]
    """Polls an async predicate (no timing is asserted: it only bounds the wait)."""
    for _ in range(tries):
        if await predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition never became true")
