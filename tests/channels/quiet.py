"""Waiting until a fake platform has stopped receiving: what the bot sent since the last look."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any


async def new_since(
    sent: Callable[[], list[Any]], seen: int, quiet: float = 0.4, seconds: float = 10
) -> list[Any]:
    """The items of `sent()` after the first `seen`, once none has arrived for `quiet` s."""
    deadline = time.monotonic() + seconds
    count, changed = seen, time.monotonic()
    while time.monotonic() < deadline:
        now = len(sent())
        if now != count:
            count, changed = now, time.monotonic()
        elif now > seen and time.monotonic() - changed >= quiet:
            break
        await asyncio.sleep(0.05)
    return sent()[seen:]
