"""aiosqlite's API with every call run at once in the event loop's thread.

aiosqlite runs each call on its own thread and hands the result back through the event loop:
three or four such hops per statement cost more than the statement itself (a local SQLite
insert or indexed lookup takes microseconds). Here the same calls run inline, with no future
and no queue in between, so a statement costs what SQLite costs. One connection is shared in
turn (see `db.session`), so nothing runs in parallel on it anyway.

Only a lock held by another process (another `serve` worker, a command) makes a call wait.
SQLite's own busy handler would sleep in this thread and stop the event loop with it, so it is
off: a call refused because the database is locked is tried again from the event loop a moment
later, with growing pauses, until `timeout` seconds have passed, while this worker goes on with
its other work."""

from __future__ import annotations

import asyncio
import inspect
import sqlite3
import time
from collections.abc import Callable, Generator
from functools import partial
from typing import Any

import aiosqlite

# What this module relies on of aiosqlite's private Connection internals, checked at import:
# `_tx` (its queue to the worker thread, replaced here), `_running` and `_connection` (set by
# its __init__), `_connect` (opens the connection through `_tx`) and `_execute` (where every
# call of its API goes, overridden here). pyproject.toml pins aiosqlite to this minor version.
TESTED_AIOSQLITE = "0.22"
PRIVATE_ATTRIBUTES = ("_tx", "_running", "_connection", "_connector")
PRIVATE_COROUTINES = ("_connect", "_execute")


def check_aiosqlite(connection_class: type = aiosqlite.Connection) -> None:
    """Raises ImportError, naming what is missing, when aiosqlite's Connection no longer has the
    private parts this module builds on."""
    missing = [
        name
        for name in PRIVATE_COROUTINES
        if not inspect.iscoroutinefunction(getattr(connection_class, name, None))
    ]
    try:
        probe = connection_class(lambda: None, 64)
    except Exception as exc:  # the constructor's signature changed
        missing.append(f"__init__(connector, iter_chunk_size) ({exc})")
    else:
        missing += [name for name in PRIVATE_ATTRIBUTES if not hasattr(probe, name)]
        if not callable(getattr(getattr(probe, "_tx", None), "put_nowait", None)):
            missing.append("_tx.put_nowait")
    if missing:
        version = getattr(aiosqlite, "__version__", "?")
        raise ImportError(
            f"db/sqlite_inline.py was tested with aiosqlite {TESTED_AIOSQLITE}.x and relies on "
            f"private parts of aiosqlite.Connection that aiosqlite {version} lacks: "
            f"{', '.join(dict.fromkeys(missing))}. Install the locked versions (make install) "
            f"or adapt db/sqlite_inline.py to this aiosqlite."
        )


check_aiosqlite()

# Seconds; doubled on each refusal, up to LONGEST_PAUSE. A worker's transactions last a fraction
# of a millisecond, and while one of its calls waits, its other database work waits behind it
# (one connection per worker): a long pause leaves the worker idle after the lock is free. With
# two `serve` workers under load, pauses of up to 20 ms kept the two cores 82% busy; up to
# 0.5 ms, 97%, and 20-30% more updates a second (alternating runs of bench/telegram_bench.py's
# two-worker setup). A refused try costs a few microseconds, so a lock held for long (a
# command's big transaction) costs little CPU.
FIRST_PAUSE = 0.0001
LONGEST_PAUSE = 0.0005


SQLITE_BUSY_SNAPSHOT = 517  # a stale read snapshot: only a new transaction helps, not a retry


def _locked(exc: sqlite3.OperationalError) -> bool:
    """Refused because another connection holds the lock (SQLITE_BUSY and its extended codes)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and code & 0xFF == sqlite3.SQLITE_BUSY and code != SQLITE_BUSY_SNAPSHOT


class _RunNow:
    """Stands in for aiosqlite's queue to its thread, for what aiosqlite itself queues (opening
    and closing the connection): runs each call when it is queued."""

    @staticmethod
    def put_nowait(item: tuple[asyncio.Future | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as exc:
            if future is not None and not future.done():
                future.set_exception(exc)
            return
        if future is not None and not future.done():
            future.set_result(result)


class InlineConnection(aiosqlite.Connection):
    def __init__(self, connector: Callable[[], sqlite3.Connection], timeout: float) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._tx = _RunNow()  # type: ignore[assignment]
        self._lock_timeout = timeout

    def __await__(self) -> Generator[Any, None, InlineConnection]:
        return self._connect().__await__()  # no thread to start

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Every call of aiosqlite's API (cursor, execute, fetch, commit…) comes here: it runs
        now, and the coroutine is done without ever giving the loop a turn, unless the
        database is locked by another process."""
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        deadline = None
        pause = FIRST_PAUSE
        while True:
            try:
                return fn(*args, **kwargs)
            except sqlite3.OperationalError as exc:
                now = time.monotonic()
                deadline = deadline or now + self._lock_timeout
                if not _locked(exc) or now >= deadline:
                    raise
            await asyncio.sleep(pause)  # the worker goes on with its other work meanwhile
            pause = min(pause * 2, LONGEST_PAUSE)


def connect(database: str, timeout: float = 30.0, **kwargs: Any) -> InlineConnection:
    """Like `aiosqlite.connect`; SQLAlchemy awaits the result (see `async_creator`). `timeout`:
    how long a call waits for another process's lock before it fails."""
    # timeout=0 turns SQLite's sleeping busy handler off; the waiting is done above.
    return InlineConnection(partial(sqlite3.connect, database, timeout=0, **kwargs), timeout)
