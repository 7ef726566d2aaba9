"""The other side of a benchmark, in a process of its own: our fake Telegram Bot API, our fake
Zalo OpenAPI, and the load generator that posts webhook updates to the bot under test. The bot's
figures are then its own, as in production, where Telegram's and Zalo's servers and the citizens'
phones are not on the bot's CPU.

Protocol, in JSON lines. When ready the harness prints
    {"telegram": base_url, "zalo": base_url, "zalo_tokens": [access, refresh]}
Each line it then reads is one run, answered by one line of results (with "channels" and
"targets" instead of "channel" and "target", updates go to the channels in turn; with
"retry": true a refused connection or a 5xx is posted again, as the platforms do):
    {"channel": "telegram" | "zalo", "target": webhook_url, "secret": telegram_secret_token,
     "duration": seconds, "concurrency": C}     closed loop: C clients, each posts, waits, posts
     ... "rate": R instead of "concurrency"      open loop: R posts a second, whatever the answers
A line {"op": "sends"} is answered with how many messages each Telegram chat received since the
last such line. Every update comes from a new chat and asks a question of the development set
(accented, unaccented, teencode, typos, out of scope), in turn. Latency runs from the POST to
the first reply for that chat reaching the fake API, on this process's clock."""

from __future__ import annotations

import asyncio
import itertools
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiohttp import ClientSession, ClientTimeout, TCPConnector, web  # noqa: E402
from aiohttp.test_utils import TestServer  # noqa: E402

from tests.devset import load_devset  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402
from tests.fakes.zalo_api import FakeZalo  # noqa: E402

TELEGRAM_TOKEN = "123456:BENCH"
ZALO_APP = ("4242", "bench-app-secret", "bench-oa-key")  # app id, app secret, OA secret key
FIRST_CHAT = 10_000_000


class TimedZalo(FakeZalo):
    """Records when the first reply to each user reaches the fake API."""

    def __init__(self) -> None:
        super().__init__(*ZALO_APP)
        self.arrivals: dict[str, float] = {}

    async def _send(self, request: web.Request) -> web.Response:
        at = time.monotonic()
        response = await super()._send(request)
        body = await request.json()  # aiohttp keeps the body read once
        user = (body.get("recipient") or {}).get("user_id")
        if user:
            self.arrivals.setdefault(str(user), at)
        if len(self.sent) > 1000:
            self.sent.clear()  # a long run would otherwise keep every body
        return response


class TimedTelegram(FakeTelegram):
    """Records when the first message to each chat reaches the fake API, and how many each
    chat received; keeps no other record of the calls."""

    def __init__(self) -> None:
        super().__init__(TELEGRAM_TOKEN)
        self.arrivals: dict[str, float] = {}
        self.sends: Counter[str] = Counter()

    def _received(self, params: dict[str, Any]) -> None:
        chat = str(params["chat_id"])
        self.arrivals.setdefault(chat, time.monotonic())
        self.sends[chat] += 1

    async def m_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        self._received(params)
        return await super().m_sendMessage(params)

    async def m_sendAudio(self, params: dict[str, Any]) -> dict[str, Any]:
        self._received(params)
        return await super().m_sendAudio(params)

    async def _method(self, request: web.Request) -> web.StreamResponse:
        response = await super()._method(request)
        self.calls.clear()  # a long run would otherwise keep every call
        return response


class Load:
    def __init__(self, telegram: TimedTelegram, zalo: TimedZalo) -> None:
        self.telegram = telegram
        self.zalo = zalo
        self.questions = [q.text for q in load_devset()]
        self.ids = itertools.count(FIRST_CHAT)

    def request(self, channels: list[str], secret: str) -> tuple[str, bytes, dict[str, str]]:
        """The n-th update (on the channels in turn): the chat to wait for, body and headers."""
        n = next(self.ids)
        channel = channels[n % len(channels)]
        text = self.questions[n % len(self.questions)]
        if channel == "telegram":
            user = {"id": n, "is_bot": False, "first_name": "Dân"}
            update = {
                "update_id": n,
                "message": {
                    "message_id": n,
                    "date": int(time.time()),
                    "chat": {"id": n, "type": "private"},
                    "from": user,
                    "text": text,
                },
            }
            headers = {
                "Content-Type": "application/json",
                "X-Telegram-Bot-Api-Secret-Token": secret,
            }
            return str(n), json.dumps(update).encode(), headers
        user_id = str(8_400_000_000_000_000_000 + n)
        event = self.zalo.event("user_send_text", user_id, text=text)
        event["message"]["msg_id"] = f"bench-{n}"
        body, headers = self.zalo.sign(event)
        return user_id, body, headers

    @staticmethod
    def channel_of(key: str) -> str:
        return "zalo" if len(key) > 15 else "telegram"  # Zalo's user ids are 19 digits

    def arrivals(self) -> dict[str, float]:
        return {**self.telegram.arrivals, **self.zalo.arrivals}

    async def run(self, spec: dict[str, Any]) -> dict[str, Any]:
        channels = spec.get("channels") or [spec["channel"]]
        targets = {c: spec["targets"][c] for c in channels} if "targets" in spec else None
        secret = spec.get("secret", "")
        duration = float(spec["duration"])
        started: dict[str, float] = {}
        statuses: dict[int, int] = {}
        errors = 0
        timeout = ClientTimeout(total=60)

        retry = bool(spec.get("retry"))  # as Telegram and Zalo do when a webhook fails

        async def post(session: ClientSession) -> None:
            nonlocal errors
            key, body, headers = self.request(channels, secret)
            target = targets[self.channel_of(key)] if targets else spec["target"]
            started[key] = time.monotonic()
            for attempt in range(1, 200):
                try:
                    async with session.post(target, data=body, headers=headers) as response:
                        statuses[response.status] = statuses.get(response.status, 0) + 1
                        await response.read()
                        if response.status < 500 or not retry:
                            return
                except Exception:  # a refused or cut connection: counted, the run goes on
                    errors += 1
                    if not retry:
                        return
                await asyncio.sleep(min(2.0, 0.1 * attempt))

        begin = time.monotonic()
        deadline = begin + duration
        connector = TCPConnector(limit=0)
        async with ClientSession(connector=connector, timeout=timeout) as session:
            if "rate" in spec:
                interval = 1.0 / float(spec["rate"])
                tasks = set()
                n = 0
                while (now := time.monotonic()) < deadline:
                    due = begin + n * interval
                    if due > now:
                        await asyncio.sleep(due - now)
                    task = asyncio.create_task(post(session))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                    n += 1
                await asyncio.gather(*tasks)
            else:

                async def client() -> None:
                    while time.monotonic() < deadline:
                        await post(session)

                await asyncio.gather(*(client() for _ in range(int(spec["concurrency"]))))
        elapsed = time.monotonic() - begin
        # The last replies: wait until every accepted update is answered, or 10 s more.
        settle = time.monotonic() + float(spec.get("settle", 10.0))
        arrivals = self.arrivals()
        while time.monotonic() < settle and any(k not in arrivals for k in started):
            await asyncio.sleep(0.05)
            arrivals = self.arrivals()
        latencies = sorted((arrivals[k] - t) * 1000 for k, t in started.items() if k in arrivals)
        replied_in_time = sum(1 for k, t in started.items() if arrivals.get(k, 1e18) <= deadline)
        last_reply = max((arrivals[k] for k in started if k in arrivals), default=begin)
        return {
            "keys": list(started) if spec.get("keys") else None,
            "posted": len(started),
            "accepted": statuses.get(200, 0),
            "statuses": {str(k): v for k, v in sorted(statuses.items())},
            "errors": errors,
            "replied": len(latencies),
            "elapsed_s": round(elapsed, 3),
            "posted_per_s": len(started) / elapsed,
            # Updates answered within the run, per second of the run: what the bot sustains.
            "replied_per_s": replied_in_time / duration,
            "drained_s": round(max(0.0, last_reply - deadline), 3),
            "p50_ms": statistics.median(latencies) if latencies else None,
            "p99_ms": latencies[int(0.99 * (len(latencies) - 1))] if latencies else None,
        }


async def main() -> None:
    telegram, zalo = TimedTelegram(), TimedZalo()
    servers = [TestServer(telegram.app()), TestServer(zalo.app())]
    for server in servers:
        await server.start_server()
    zalo.url = str(servers[1].make_url("/")).rstrip("/")
    load = Load(telegram, zalo)
    ready = {
        "telegram": str(servers[0].make_url("/")).rstrip("/"),
        "zalo": zalo.url,
        "zalo_tokens": list(zalo.issue_pair()),
    }
    print(json.dumps(ready), flush=True)
    reader = asyncio.StreamReader()
    loop = asyncio.get_running_loop()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := await reader.readline():
        spec = json.loads(line)
        if spec.get("op") == "sends":  # per chat, what Telegram received since the last ask
            print(json.dumps(dict(telegram.sends)), flush=True)
            telegram.sends.clear()
            continue
        print(json.dumps(await load.run(spec)), flush=True)
    for server in servers:
        await server.close()


if __name__ == "__main__":
    import uvloop

    # The bot's side of the load is what is measured: the fakes and the load generator take as
    # little of the shared cores as they can, on the same loop `serve` runs on.
    uvloop.run(main())
