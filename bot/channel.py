"""The channel contract: what a channel can show, what it must do, and the registry of them."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.messages import Address, Inbound, Reply

if TYPE_CHECKING:
    from aiohttp import web

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Capabilities:
    """What a channel can show; `bot.render.fit` shapes every reply to it."""

    max_text: int = 4096  # longer text is split into several messages
    max_buttons: int = 0  # native buttons under one message (0: none)
    max_button_title: int = 64  # longer titles are cut with "…"
    numbered_choices: bool = True  # choices also as "  1. …" lines; typing the number presses them
    phone_buttons: bool = False  # Reply.phones as dial buttons (Zalo OA oa.open.phone)
    audio_out: bool = False  # sends a clip itself; otherwise a link line in the text
    clip_upload: bool = False  # uploads a clip once, then sends the platform's file id
    push: bool = True  # replies go out through the outbox (False: the caller shows them)
    announce_rate: float | None = None  # messages/s an announcement may use; None = at once


# A channel this process does not know at all: its replies are logged, never pushed.
UNKNOWN = Capabilities(push=False)


class DeliveryError(Exception):
    """A send that failed: `retry`, `unreachable`, `waiting_citizen` and `retry_after` say why."""

    def __init__(
        self,
        message: str,
        retry: bool = True,
        unreachable: bool = False,
        retry_after: float | None = None,
        waiting_citizen: bool = False,
    ):
        super().__init__(message)
        self.retry = retry  # trying again later may succeed
        self.unreachable = unreachable  # the citizen cannot be reached at all (blocked the bot)
        self.retry_after = retry_after  # seconds the platform asked us to wait
        # Refused until the citizen writes again (Zalo's messaging window).
        self.waiting_citizen = waiting_citizen


class StillHandling(Exception):
    """The event is being handled by another attempt: the platform should retry later."""


@dataclass
class Hub:
    """What an adapter may call in the house."""

    handle: Callable[[Inbound], Awaitable[list[Reply]]]  # Core.handle; may raise StillHandling
    sessions: async_sessionmaker[AsyncSession]
    clip_path: Callable[[str], Path | None]  # AudioLibrary.path
    citizen_wrote: Callable[[Address], Awaitable[None]]  # Outbox.release_waiting + deliver_now


class Channel(Protocol):
    """One platform's adapter: its routes, its lifecycle and how it sends a fitted reply."""

    name: str  # "telegram", "zalo", "zalo_bot", "web", "console"
    capabilities: Capabilities

    def routes(self) -> list[web.RouteDef]: ...  # [] for console; known before start

    async def start(self, hub: Hub) -> None: ...  # polling, tokens, client sessions

    async def stop(self) -> None: ...

    async def send(self, address: Address, reply: Reply, *, key: str | None = None) -> str | None:
        """Delivers one already fitted reply; returns the platform's message id.
        Raises DeliveryError (retry / unreachable / waiting_citizen / retry_after).
        `key` ("outbox:<row id>") lets log-writing channels skip a second write."""


class Registry:
    """Every known channel's capabilities; the adapters enabled in this process."""

    def __init__(self, known: Mapping[str, Capabilities], enabled: Iterable[Channel]):
        self.enabled = list(enabled)
        # An enabled adapter's own capabilities win over the known table (tests' channels too).
        self.known: dict[str, Capabilities] = {
            **known,
            **{c.name: c.capabilities for c in self.enabled},
        }
        self._by_name = {c.name: c for c in self.enabled}
        self._started: list[Channel] = []

    def capabilities(self, name: str) -> Capabilities:
        """Known even when the channel is off in this process; UNKNOWN (no push) otherwise."""
        return self.known.get(name, UNKNOWN)

    def get(self, name: str) -> Channel | None:
        """The enabled adapter of this name; None when it is off here."""
        return self._by_name.get(name)

    def __iter__(self) -> Iterator[Channel]:
        return iter(self.enabled)

    def routes(self) -> list[web.RouteDef]:
        return [route for channel in self.enabled for route in channel.routes()]

    async def start(self, hub: Hub) -> None:
        """Starts the adapters in order; on a failure, stops those started and raises."""
        for channel in self.enabled:
            try:
                await channel.start(hub)
            except BaseException:
                await self.stop()
                raise
            self._started.append(channel)

    async def stop(self) -> None:
        """Stops the started adapters in reverse order; one failing does not keep the rest up."""
        while self._started:
            channel = self._started.pop()
            try:
                await channel.stop()
            except Exception:
                log.exception("channel failed to stop", extra={"channel": channel.name})
