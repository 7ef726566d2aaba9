"""A console-channel test driver, so tests read like chat transcripts: say, press, replies."""

from __future__ import annotations

import itertools

from bot.core import Core
from bot.messages import Address, Inbound, Kind, Reply
from channels.console import to_inbound


class ChatDriver:
    def __init__(self, core: Core, user_id: str = "u1", channel: str = "console"):
        self.core = core
        self.user_id = user_id
        self.channel = channel
        self.last: list[Reply] = []
        self._ids = itertools.count(1)

    async def send(self, inbound: Inbound) -> list[Reply]:
        self.last = await self.core.handle(inbound)
        return self.last

    async def say(self, text: str) -> list[Reply]:
        """Types a line exactly as the console channel would read it."""
        inbound = to_inbound(self.user_id, text)
        if self.channel != "console":
            inbound = Inbound(
                Address(self.channel, self.user_id), inbound.kind, inbound.text, inbound.payload
            )
        return await self.send(inbound)

    async def press(self, label: str) -> list[Reply]:
        """Presses the button whose label contains `label` in the last replies."""
        for reply in reversed(self.last):
            for button in reply.buttons:
                if label.lower() in button.label.lower():
                    return await self.send(
                        Inbound(
                            Address(self.channel, self.user_id), Kind.BUTTON, payload=button.payload
                        )
                    )
        raise AssertionError(f"no button {label!r} in {self.labels}")

    async def event(
        self, kind: Kind, text: str = "", event_id: str | None = None, **kw
    ) -> list[Reply]:
        return await self.send(
            Inbound(Address(self.channel, self.user_id), kind, text=text, event_id=event_id, **kw)
        )

    @property
    def text(self) -> str:
        return "\n\n".join(r.text for r in self.last)

    @property
    def labels(self) -> list[str]:
        return [b.label for r in self.last for b in r.buttons]

    @property
    def faq_id(self) -> str | None:
        return next((r.faq_id for r in self.last if r.faq_id), None)
