"""What every webhook adapter shares: reading a platform's request body within a size limit."""

from __future__ import annotations

from aiohttp import web

MAX_EVENT_BYTES = 64 * 1024  # a platform event is a few kilobytes; more is not an event


async def read_body(request: web.Request, limit: int = MAX_EVENT_BYTES) -> bytes:
    """The body, or 413 before reading more than `limit` bytes when the sender says so."""
    if request.content_length is not None and request.content_length > limit:
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=request.content_length)
    raw = await request.read()
    if len(raw) > limit:
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=len(raw))
    return raw
