"""aiosqlite's API with every call run at once in the event loop's thread.

aiosqlite runs each call on its own thread and hands the result back through the event loop:
three or four such hops per statement cost more than the statement itself (a local SQLite
insert or indexed lookup takes microseconds). Here the same calls run inline, so a statement
costs what SQLite costs. One connection is shared in turn (see `db.session`), so nothing runs
in parallel on it anyway; only a lock held by another process makes a call wait (SQLite's busy
timeout), which is why several workers are better served by PostgreSQL."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Generator
from functools import partial
from typing import Any

import aiosqlite


class _RunNow:
    """Stands in for aiosqlite's queue to its thread: runs each call when it is queued."""

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
    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._tx = _RunNow()  # type: ignore[assignment]

    def __await__(self) -> Generator[Any, None, InlineConnection]:
        return self._connect().__await__()  # no thread to start


def connect(database: str, **kwargs: Any) -> InlineConnection:
    """Like `aiosqlite.connect`; SQLAlchemy awaits the result (see `async_creator`)."""
    return InlineConnection(partial(sqlite3.connect, database, **kwargs))
