"""The citizens of the channels that show replies themselves: the web chat page, read as a
browser would, and the console's JSON lines, read from its real `run` on a pipe."""

from __future__ import annotations

import asyncio
import html
import io
import json
import os
import re

import aiohttp
from sqlalchemy import select

from db.models import Citizen, Message
from tests.contract.app import ContractApp
from tests.contract.drivers import Driver, Seen
from tests.factories import FORM_HEADERS, web_form

BUBBLE = re.compile(r'<li class="(me|bot)[^"]*">.*?<div class="bubble">(.*?)</div>', re.S)
CHOICES = re.compile(r'<form method="post" action="/chat" class="choices">(.*?)</form>', re.S)
CHOICE = re.compile(r'<button name="payload" value="([^"]*)">(.*?)</button>', re.S)
HIDDEN = re.compile(r'name="(csrf|nonce)" value="([^"]*)"')


class WebDriver(Driver):
    """The /chat page in a browser of its own: `POST /chat` forms (typed text, or a button's
    payload, with the page's CSRF token and one-time nonce); what the citizen saw is the page."""

    channel = "web"

    def __init__(self, app: ContractApp):
        super().__init__(app)
        self.browser: aiohttp.ClientSession | None = None
        self.page: list[tuple[str, str]] = []  # the bubbles shown: ("me" | "bot", text)
        self.forms: dict[str, str] = {}  # csrf, and nonce of the text form
        self.last: bytes | None = None

    async def open(self) -> None:
        self.browser = aiohttp.ClientSession(
            base_url=self.app.url, cookie_jar=aiohttp.CookieJar(unsafe=True)
        )
        self._saw(await self._load())  # the welcome, shown when the page first opens

    async def close(self) -> None:
        if self.browser is not None:
            await self.browser.close()

    async def _load(self) -> list[Seen]:
        """Loads /chat; returns the bot's bubbles that are new since the last load."""
        assert self.browser is not None
        async with self.browser.get("/chat") as response:
            assert response.status == 200
            page = await response.text()
        shown = [(who, html.unescape(text)) for who, text in BUBBLE.findall(page)]
        self.forms = {}
        for name, value in HIDDEN.findall(page):
            self.forms[name] = value  # the text form's come last
        before = self.page
        self.page = shown
        # The page shows the latest messages only: find where the old view ends in the new one.
        kept = next(
            (k for k in range(len(before), -1, -1) if before[len(before) - k :] == shown[:k]), 0
        )
        new = [text for who, text in shown[kept:] if who == "bot"]
        form = CHOICES.search(page)
        taps = (
            {html.unescape(label): value for value, label in CHOICE.findall(form.group(1))}
            if form
            else {}
        )
        seen = [Seen(text) for text in new]
        if seen and taps:
            seen[-1] = Seen(seen[-1].text, buttons=list(taps), taps=taps)
        return seen

    async def _submit(self, body: bytes) -> list[Seen]:
        assert self.browser is not None
        self.last = body
        async with self.browser.post(
            "/chat", data=body, headers=FORM_HEADERS, allow_redirects=False
        ) as response:
            assert response.status == 303, await response.text()
        return self._saw(await self._load())

    async def say(self, text: str) -> list[Seen]:
        return await self._submit(web_form(self.forms["csrf"], self.forms["nonce"], text=text))

    async def tap(self, seen: Seen, label: str) -> list[Seen]:
        nonce = self.forms["nonce"][:-1] + "b"  # the choices form's nonce
        return await self._submit(web_form(self.forms["csrf"], nonce, payload=seen.taps[label]))

    async def redeliver_last(self) -> list[Seen]:
        assert self.last is not None
        return await self._submit(self.last)

    async def delivered(self) -> list[Seen]:
        await self.app.outbox_done()
        return await self._load()


class _Out(io.StringIO):
    """The console's output: each flush (after every answer) wakes the driver."""

    def __init__(self) -> None:
        super().__init__()
        self.flushed = asyncio.Event()

    def flush(self) -> None:
        super().flush()
        self.flushed.set()


class ConsoleDriver(Driver):
    """The real console channel's `run` in JSON mode, reading lines from a pipe; what the
    citizen saw is the JSON lines it prints. An officer's answer is written by the console's
    `send` into the conversation log, where the citizen finds it."""

    channel = "console"
    redelivers = False  # a line typed twice is two messages: there is no event id
    USER = "contract"

    def __init__(self, app: ContractApp):
        super().__init__(app)
        self.out = _Out()
        self.read = 0
        self.task: asyncio.Task[None] | None = None
        self.pipe: int | None = None
        self.logged = 0  # the last conversation-log message id seen

    async def open(self) -> None:
        console = self.app.registry.get("console")
        assert console is not None
        read, self.pipe = os.pipe()
        stdin = os.fdopen(read, "r", encoding="utf-8")
        self.task = asyncio.create_task(
            console.run(stdin, self.out, user_id=self.USER, as_json=True, start=False)
        )

    async def close(self) -> None:
        if self.pipe is not None:
            os.close(self.pipe)  # end of input: run returns
            self.pipe = None
        if self.task is not None:
            await asyncio.wait_for(self.task, timeout=10)

    async def say(self, text: str) -> list[Seen]:
        assert self.pipe is not None and self.task is not None
        self.out.flushed.clear()
        os.write(self.pipe, (text + "\n").encode())
        flushed = asyncio.ensure_future(self.out.flushed.wait())
        done, _ = await asyncio.wait(
            {flushed, self.task}, timeout=30, return_when="FIRST_COMPLETED"
        )
        if self.task in done:
            flushed.cancel()
            self.task.result()  # raises what ended the console
            raise AssertionError("the console stopped")
        assert flushed in done, f"no answer to {text!r}"
        printed = self.out.getvalue()
        lines, self.read = printed[self.read :].splitlines(), len(printed)
        seen = []
        for line in lines:
            reply = json.loads(line)
            choices = [b["label"] for b in reply["buttons"]]
            seen.append(Seen(reply["text"], numbered=choices))
        return self._saw(seen)

    async def tap(self, seen: Seen, label: str) -> list[Seen]:
        raise AssertionError("the console has no buttons")

    async def redeliver_last(self) -> list[Seen]:
        raise NotImplementedError("the console has no redelivery")

    async def delivered(self) -> list[Seen]:
        await self.app.outbox_done()
        async with self.app.sessions() as session:
            rows = (
                await session.scalars(
                    select(Message)
                    .join(Citizen, Citizen.id == Message.citizen_id)
                    .where(
                        Citizen.channel == self.channel,
                        Citizen.external_id == self.USER,
                        Message.direction == "out",
                        Message.kind == "officer",
                        Message.id > self.logged,
                    )
                    .order_by(Message.id)
                )
            ).all()
        if rows:
            self.logged = rows[-1].id
        return [Seen(row.text or "") for row in rows]
