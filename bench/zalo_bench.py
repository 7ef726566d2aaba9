"""Signed Zalo webhook events per second, and p50/p99 from the POST to the reply reaching our
fake Zalo OpenAPI, on SQLite, loopback, one process (see bench/telegram_bench.py for the method)."""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiohttp.test_utils import TestServer  # noqa: E402

from bench import load  # noqa: E402
from bot.runtime import load_knowledge  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.web.app import create_app  # noqa: E402
from tests.fakes.zalo_api import FakeZalo  # noqa: E402

DURATION = 10.0
CONCURRENCY = 32
QUESTION = "ho can ngheo co dc vay von ko"


class TimedFakeZalo(FakeZalo):
    """Records when each reply reaches the fake API."""

    def __init__(self, *args):  # type: ignore[no-untyped-def]
        super().__init__(*args)
        self.arrivals: dict[str, float] = {}

    async def _send(self, request):  # type: ignore[no-untyped-def]
        response = await super()._send(request)
        user = self.sent[-1]["recipient"]["user_id"]
        self.arrivals.setdefault(user, time.monotonic())
        return response


async def main() -> dict[str, float]:
    knowledge = load_knowledge(Settings())
    fake = TimedFakeZalo("123", "secret", "oa-key")
    fake_server = TestServer(fake.app())
    await fake_server.start_server()
    fake.url = str(fake_server.make_url("/")).rstrip("/")
    access, refresh = fake.issue_pair()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            database_url=f"sqlite+aiosqlite:///{tmp}/bench.db",
            secret_key="b",
            zalo_app_id="123",
            zalo_app_secret="secret",
            zalo_oa_secret_key="oa-key",
            zalo_access_token=access,
            zalo_refresh_token=refresh,
            zalo_api_base=fake.url,
            zalo_oauth_base=fake.url,
            media_dir=Path(tmp) / "media",
        )
        server = TestServer(create_app(settings, knowledge))
        await server.start_server()
        url = str(server.make_url("/zalo/webhook"))

        def request(n: int) -> tuple[str, bytes, dict[str, str]]:
            user = str(8_400_000_000_000_000_000 + n)
            raw, headers = fake.sign(fake.event("user_send_text", user, text=QUESTION))
            return user, raw, headers

        started, done, elapsed = await load.drive(url, request, DURATION, CONCURRENCY)
        await server.close()
        await fake_server.close()
    result = load.summarise(started, fake.arrivals, done, elapsed)
    result["events_per_s"] = result.pop("per_s")
    return result


def table(result: dict[str, float]) -> list[str]:
    return [
        "| events/s | p50 ms | p99 ms | replied |",
        "| ---: | ---: | ---: | ---: |",
        f"| {result['events_per_s']:.0f} | {result['p50_ms']:.1f} | {result['p99_ms']:.1f} | "
        f"{result['replied']:.0%} |",
        "",
        f"{CONCURRENCY} concurrent clients for {DURATION:.0f} s, each event signed as Zalo signs "
        "it, a question without diacritics from a new user.",
    ]


if __name__ == "__main__":
    print("\n".join(table(asyncio.run(main()))))
