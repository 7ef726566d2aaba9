"""db/sqlite_inline.py: a write refused because another process holds SQLite's lock waits for it
without stopping the event loop, and fails with a clear error once its timeout has passed."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import time

import pytest

from db import sqlite_inline

# Holds the write lock of the database given as argv[1] for argv[2] seconds, from another process.
HOLDER = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
db.execute("INSERT INTO notes VALUES ('holder')")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
db.execute("COMMIT")
"""


def make_database(path) -> str:  # type: ignore[no-untyped-def]
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE notes (text TEXT)")
    db.commit()
    db.close()
    return str(path)


def hold_lock(database: str, seconds: float) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, database, str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    return holder


async def test_write_waits_for_another_process_without_blocking_the_loop(tmp_path) -> None:  # type: ignore[no-untyped-def]
    database = make_database(tmp_path / "locked.db")
    connection = await sqlite_inline.connect(database, timeout=30)
    holder = hold_lock(database, 0.6)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticking = asyncio.create_task(ticker())
    started = time.monotonic()
    try:
        await connection.execute("INSERT INTO notes VALUES ('ours')")
        await connection.commit()
        waited = time.monotonic() - started
    finally:
        ticking.cancel()
        holder.wait(timeout=10)
        await connection.close()
    assert waited >= 0.3  # it did wait for the other process's transaction…
    assert ticks >= 10  # …while the event loop went on with other work
    check = sqlite3.connect(database)
    assert [r[0] for r in check.execute("SELECT text FROM notes ORDER BY rowid")] == [
        "holder",
        "ours",
    ]


async def test_write_fails_clearly_after_its_timeout(tmp_path) -> None:  # type: ignore[no-untyped-def]
    database = make_database(tmp_path / "held.db")
    connection = await sqlite_inline.connect(database, timeout=0.3)
    holder = hold_lock(database, 2)
    try:
        started = time.monotonic()
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            await connection.execute("INSERT INTO notes VALUES ('ours')")
        assert 0.3 <= time.monotonic() - started < 1.5
    finally:
        holder.wait(timeout=10)
        await connection.close()
