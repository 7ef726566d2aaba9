"""The console channel: chat on stdin/stdout, interactive or piped (one message a line)."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import TextIO

from bot.core import Core
from bot.messages import Address, Inbound, Kind, Reply
from bot.render import as_dict, as_text

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
    def __init__(self, core: Core, user_id: str, as_json: bool, out: TextIO = sys.stdout):
        self.core = core
        self.user_id = user_id
        self.as_json = as_json
        self.out = out
        self.count = 0

    def show(self, replies: list[Reply]) -> None:
        for reply in replies:
            if self.as_json:
                self.out.write(json.dumps(as_dict(reply), ensure_ascii=False) + "\n")
            else:
                self.out.write("\n" + as_text(reply) + "\n")
        self.out.flush()

    async def send_line(self, line: str) -> list[Reply]:
        self.count += 1
        replies = await self.core.handle(to_inbound(self.user_id, line))
        self.show(replies)
        return replies

    async def run(self, stdin: TextIO = sys.stdin, start: bool = True) -> None:
        interactive = stdin.isatty() and not self.as_json
        if start:
            await self.send_line("/start")
        loop = asyncio.get_running_loop()
        while True:
            if interactive:
                self.out.write("\nBạn: ")
                self.out.flush()
            line = await loop.run_in_executor(None, stdin.readline)
            if not line:  # end of input
                break
            if interactive and line.strip().lower() in ("/thoat", "/quit", "/exit"):
                break
            await self.send_line(line)
