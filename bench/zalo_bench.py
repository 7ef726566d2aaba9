"""Signed Zalo webhook events per second, and p50/p99 from the POST to the reply reaching our
fake Zalo OpenAPI, on SQLite (method as bench/telegram_bench.py: the bot in this process, the fake
API and the load generator in bench/harness.py's)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from app.knowledge import load_knowledge  # noqa: E402
from app.settings import Settings  # noqa: E402
from bench.harness import ZALO_APP  # noqa: E402
from bench.harness_client import Harness, app_under_load  # noqa: E402

DURATION = 10.0
CONCURRENCY = 32


async def main() -> dict[str, float]:
    knowledge = load_knowledge(Settings())
    async with Harness() as harness:
        access, refresh = harness.urls["zalo_tokens"]
        async with app_under_load(
            knowledge,
            zalo_app_id=ZALO_APP[0],
            zalo_app_secret=ZALO_APP[1],
            zalo_oa_secret_key=ZALO_APP[2],
            zalo_access_token=access,
            zalo_refresh_token=refresh,
            zalo_api_base=harness.urls["zalo"],
            zalo_oauth_base=harness.urls["zalo"],
            zalo_max_rate=100_000,  # the fake has no limit; a real OA is set by ZALO_MAX_RATE
        ) as url:
            return await harness.run(
                channel="zalo",
                target=f"{url}/zalo/webhook",
                duration=DURATION,
                concurrency=CONCURRENCY,
            )


def table(result: dict[str, float]) -> list[str]:
    return [
        "| events/s | p50 ms | p99 ms | replied |",
        "| ---: | ---: | ---: | ---: |",
        f"| {result['replied_per_s']:.0f} | {result['p50_ms']:.1f} | {result['p99_ms']:.1f} | "
        f"{result['replied'] / result['posted']:.0%} |",
        "",
        f"{CONCURRENCY} concurrent clients for {DURATION:.0f} s, each event signed as Zalo signs "
        "it, a question of the development set from a new user; the bot in one process, the fake "
        "API and the load in another.",
    ]


if __name__ == "__main__":
    import uvloop

    print("\n".join(table(uvloop.run(main()))))
