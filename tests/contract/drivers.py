"""One citizen per channel, driving the real adapter of a running app: a `Driver` says, presses,
sends the last update again, and has an officer answer, and returns what the citizen saw."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any

from tests.contract.app import ContractApp
from tests.factories import (
    TG_HEADER,
    TG_SECRET,
    ZALO_BOT_HEADER,
    ZALO_BOT_SECRET,
    ZALO_USER,
    sign_zalo,
    telegram_button,
    telegram_update,
    zalo_bot_text,
    zalo_event,
)

# The choices fitted under a text, as "  1. label" lines at its end (bot/render.fit).
NUMBERED = re.compile(r"^\s+(\d+)\. (.+)$")
ASKED = re.compile(r"câu hỏi số (\d+)")


@dataclass
class Seen:
    """One message as the citizen saw it."""

    text: str
    buttons: list[str] = field(default_factory=list)  # native button labels
    numbered: list[str] = field(default_factory=list)  # "1. …" lines at the end of the text
    taps: dict[str, str] = field(default_factory=dict)  # native label → what a tap sends

    @classmethod
    def of_text(cls, text: str, **native: Any) -> Seen:
        """A platform's message: its text, the choices numbered at its end parsed out."""
        lines, found = text.split("\n"), []
        while lines and (match := NUMBERED.match(lines.pop())):
            found.insert(0, match)
        ours = [int(m.group(1)) for m in found] == list(range(1, len(found) + 1))
        return cls(text, numbered=[m.group(2) for m in found] if ours else [], **native)

    @property
    def choices(self) -> list[str]:
        return self.buttons + [n for n in self.numbered if n not in self.buttons]


class Driver:
    """What every channel's citizen can do; the subclasses speak each platform's protocol."""

    channel = ""
    redelivers = True  # False: the channel has no event ids to deliver twice

    def __init__(self, app: ContractApp):
        self.app = app
        self.history: list[Seen] = []

    def __repr__(self) -> str:
        return type(self).__name__

    async def open(self) -> None:
        """What the citizen does before the first message (the web chat loads its page)."""

    async def close(self) -> None:
        """Ends what `open` started."""

    async def say(self, text: str) -> list[Seen]:
        raise NotImplementedError

    async def tap(self, seen: Seen, label: str) -> list[Seen]:
        raise NotImplementedError

    async def redeliver_last(self) -> list[Seen]:
        raise NotImplementedError

    async def delivered(self) -> list[Seen]:
        """What reached the citizen since the last look (after the outbox ran)."""
        raise NotImplementedError

    async def press(self, label: str) -> list[Seen]:
        """The choice whose label contains `label` in the latest message that offers choices:
        its native button when shown, else its number typed."""
        wanted = label.lower()
        for seen in reversed(self.history):
            if not seen.choices:
                continue
            for shown in seen.buttons:
                if wanted in shown.lower():
                    return await self.tap(seen, shown)
            for number, shown in enumerate(seen.numbered, 1):
                if wanted in shown.lower():
                    return await self.say(str(number))
            raise AssertionError(f"no choice {label!r} in {seen.choices}")
        raise AssertionError(f"no choices shown before pressing {label!r}")

    async def officer_answer(self, text: str) -> list[Seen]:
        """An officer logs in to the dashboard and answers the citizen's last question sent
        to officers; the outbox runs; returns what reached the citizen."""
        number = next(
            (m.group(1) for s in reversed(self.history) if (m := ASKED.search(s.text))), None
        )
        assert number is not None, "no question was sent to officers"
        await self.app.answer_as_officer(int(number), text)
        return self._saw(await self.delivered())

    def _saw(self, seen: list[Seen]) -> list[Seen]:
        self.history += seen
        return seen


class PushDriver(Driver):
    """Channels whose replies go out through the outbox to a platform's API (our fake)."""

    def __init__(self, app: ContractApp):
        super().__init__(app)
        self.read = 0  # how many of the fake's sends were already seen
        self.last: tuple[str, Any] | None = None

    def sends(self) -> list[Seen]:
        raise NotImplementedError

    async def post(self, kind: str, body: Any) -> None:
        raise NotImplementedError

    async def _deliver(self, kind: str, body: Any) -> list[Seen]:
        self.last = (kind, body)
        await self.post(kind, body)
        return self._saw(await self.delivered())

    async def redeliver_last(self) -> list[Seen]:
        assert self.last is not None
        await self.post(*self.last)
        return self._saw(await self.delivered())

    async def delivered(self) -> list[Seen]:
        await self.app.outbox_done()
        sends = self.sends()
        new, self.read = sends[self.read :], len(sends)
        return new


class TelegramDriver(PushDriver):
    """`POST /telegram/webhook` with the secret; a tap is a callback_query; what the citizen saw
    is the fake Bot API's sendMessage calls."""

    channel = "telegram"

    def __init__(self, app: ContractApp):
        super().__init__(app)
        self.update_ids = itertools.count(1)

    async def post(self, kind: str, body: Any) -> None:
        response = await self.app.client.post(
            "/telegram/webhook", json=body, headers={TG_HEADER: TG_SECRET}
        )
        assert response.status == 200, await response.text()

    async def say(self, text: str) -> list[Seen]:
        return await self._deliver("update", telegram_update(next(self.update_ids), text))

    async def tap(self, seen: Seen, label: str) -> list[Seen]:
        return await self._deliver("tap", telegram_button(next(self.update_ids), seen.taps[label]))

    def sends(self) -> list[Seen]:
        seen = []
        for params in self.app.telegram.of("sendMessage"):
            rows = (params.get("reply_markup") or {}).get("inline_keyboard", [])
            taps = {b["text"]: b["callback_data"] for row in rows for b in row}
            seen.append(Seen.of_text(params["text"], buttons=list(taps), taps=taps))
        return seen


class ZaloOADriver(PushDriver):
    """Signed `POST /zalo/webhook`; a tap on a template button is the `user_send_text` Zalo
    posts with the button's payload; what the citizen saw is the fake OpenAPI's sends."""

    channel = "zalo"

    def __init__(self, app: ContractApp):
        super().__init__(app)
        self.keys = itertools.count(1)

    async def post(self, kind: str, body: Any) -> None:
        raw, headers = sign_zalo(body)
        response = await self.app.client.post("/zalo/webhook", data=raw, headers=headers)
        assert response.status == 200, await response.text()

    async def say(self, text: str) -> list[Seen]:
        return await self._deliver("event", zalo_event(f"c{next(self.keys)}", text, ZALO_USER))

    async def tap(self, seen: Seen, label: str) -> list[Seen]:
        return await self.say(seen.taps[label])

    def sends(self) -> list[Seen]:
        seen = []
        for sent in self.app.zalo.sent:
            message = sent.get("message", {})
            if sent.get("token") not in self.app.zalo.access_tokens or "text" not in message:
                continue
            template = (message.get("attachment") or {}).get("payload") or {}
            taps = {
                b["title"]: b["payload"]
                for b in template.get("buttons", [])
                if isinstance(b.get("payload"), str)  # not a dial button
            }
            seen.append(Seen.of_text(message["text"], buttons=list(taps), taps=taps))
        return seen


class ZaloBotDriver(PushDriver):
    """`POST /zalo-bot/webhook` with its secret header; no buttons (a choice is its number
    typed); what the citizen saw is the fake Bot API's sendMessage calls."""

    channel = "zalo_bot"

    async def post(self, kind: str, body: Any) -> None:
        response = await self.app.client.post(
            "/zalo-bot/webhook", json=body, headers={ZALO_BOT_HEADER: ZALO_BOT_SECRET}
        )
        assert response.status == 200, await response.text()

    async def say(self, text: str) -> list[Seen]:
        return await self._deliver("event", zalo_bot_text(text))

    def sends(self) -> list[Seen]:
        return [Seen.of_text(params["text"]) for params in self.app.zalo_bot.sent("sendMessage")]
