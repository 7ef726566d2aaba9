"""The console channel: chat on stdin/stdout, interactive or piped (one message a line)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sys
from typing import TextIO

from aiohttp import web

from bot.channel import Capabilities, DeliveryError, Hub
from bot.messages import Address, Inbound, Kind, Reply
from bot.render import as_dict, as_text, fit
from db.conversations import by_address, log_delivered

CHANNEL = "console"


def to_inbound(user_id: str, line: str) -> Inbound:
    """A typed line is a command when it starts with '/', otherwise text."""
    address = Address(CHANNEL, user_id)
    event_id = None  # the console has no redelivery
    stripped = line.strip()
    if stripped.startswith("/") and len(stripped) > 1 and not stripped[1:2].isspace():
        name, _, argument = stripped.partition(" ")
        return Inbound(
            address, Kind.COMMAND, text=name, payload=argument.strip() or None, event_id=event_id
        )
    return Inbound(address, Kind.TEXT, text=line.rstrip("\n"), event_id=event_id)


class ConsoleChannel:
    """A chat in the terminal (`bot.py chat`): `run` prints the replies as they come back from
    the core. What the outbox sends to a console citizen (an officer's answer) is written into
    the conversation log, as for the web chat."""

    name = CHANNEL

    def __init__(self, capabilities: Capabilities):
        self.capabilities = capabilities
        self.hub: Hub | None = None

    def routes(self) -> list[web.RouteDef]:
        return []

    async def start(self, hub: Hub) -> None:
        self.hub = hub

    async def stop(self) -> None:
        return None

    async def send(self, address: Address, reply: Reply, *, key: str | None = None) -> str | None:
        """Writes an outbox row's message into the citizen's conversation, once per row."""
        assert self.hub is not None, "start() first"
        if key is None or not key.startswith("outbox:"):
            raise DeliveryError("only outbox rows are written to the log", retry=False)
        async with self.hub.sessions() as session:
            citizen = await by_address(session, address.channel, address.user_id)
            if citizen is None:
                raise DeliveryError(f"no citizen {address}", retry=False)
            text, payload = reply.as_row()
            outbox_id = int(key.removeprefix("outbox:"))
            message_id = await log_delivered(
                session, citizen.id, text, payload, outbox_id, dt.datetime.now(dt.UTC)
            )
            await session.commit()
        return f"msg:{message_id}" if message_id is not None else None

    def show(self, replies: list[Reply], out: TextIO, as_json: bool) -> None:
        """Prints replies: JSON lines with --json, otherwise the text with numbered choices."""
        for reply in replies:
            if as_json:
                out.write(json.dumps(as_dict(reply), ensure_ascii=False) + "\n")
            else:
                for part in fit(reply, self.capabilities):
                    out.write("\n" + as_text(part) + "\n")
        out.flush()

    async def run(
        self,
        stdin: TextIO = sys.stdin,
        out: TextIO = sys.stdout,
        *,
        user_id: str = "console",
        as_json: bool = False,
        start: bool = True,
    ) -> None:
        """Chats as `user_id`: one message a line until the end of input (or /thoat when
        interactive), each answered on `out`."""
        assert self.hub is not None, "start() first"
        hub = self.hub
        interactive = stdin.isatty() and not as_json

        async def say(line: str) -> None:
            self.show(await hub.handle(to_inbound(user_id, line)), out, as_json)

        if start:
            await say("/start")
        loop = asyncio.get_running_loop()
        while True:
            if interactive:
                out.write("\nBạn: ")
                out.flush()
            line = await loop.run_in_executor(None, stdin.readline)
            if not line:  # end of input
                break
            if interactive and line.strip().lower() in ("/thoat", "/quit", "/exit"):
                break
            await say(line)
