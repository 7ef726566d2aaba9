"""Security and fault tests against the real application on loopback: fuzz requests to every
inbound endpoint (5xx and tracebacks counted), and messages lost under injected faults."""

from __future__ import annotations

import asyncio
import logging
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.knowledge import load_knowledge  # noqa: E402
from app.settings import Settings  # noqa: E402
from tests import faults  # noqa: E402
from tests.fuzz_inputs import REQUESTS, collect  # noqa: E402
from tests.fuzz_inputs import send as send_fuzz  # noqa: E402
from tests.inbound_harness import CHANNELS, Harness, all_channels, ok  # noqa: E402

FUZZ_PER_CHANNEL = 300  # requests drawn for each channel's endpoints
PER_FAULT = 10  # messages sent on each channel under each fault
LOCK_HELD = 32.0  # seconds: longer than a worker waits for SQLite's lock (30 s)


class Tracebacks(logging.Handler):
    """Counts ERROR records that carry a traceback."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.count += 1


async def fuzz(harness: Harness) -> list[str]:
    rows = ["| endpoint | requests | 2xx/3xx | 4xx | 5xx | tracebacks in the log |"]
    rows.append("| --- | ---: | ---: | ---: | ---: | ---: |")
    for channel in sorted(REQUESTS):
        requests = collect(REQUESTS[channel], FUZZ_PER_CHANNEL)
        by_endpoint: dict[str, Counter[str]] = {}
        for request in requests:
            counter = Tracebacks()
            logging.getLogger().addHandler(counter)
            try:
                status = await send_fuzz(harness, request)
            finally:
                logging.getLogger().removeHandler(counter)
            seen = by_endpoint.setdefault(request.endpoint, Counter())
            seen["requests"] += 1
            seen[f"{status // 100}xx"] += 1
            seen["tracebacks"] += counter.count
        for endpoint, seen in sorted(by_endpoint.items()):
            rows.append(
                f"| {endpoint} | {seen['requests']} | {seen['2xx'] + seen['3xx']} | {seen['4xx']} "
                f"| {seen['5xx']} | {seen['tracebacks']} |"
            )
    return rows


class Faults:
    """Sends PER_FAULT messages on every channel under a fault, lifts it, resends the ones that
    got a 5xx (the platform's redelivery; the web chat's citizen sending the form again) and
    counts the messages stored exactly once."""

    def __init__(self, harness: Harness):
        self.harness = harness
        self.keys = iter(range(10_000, 10**9))

    async def run(self, name: str, inject, lift, text: str = "ho can ngheo co dc vay von ko"):  # type: ignore[no-untyped-def]
        harness = self.harness
        sent = [(channel, str(next(self.keys))) for channel in CHANNELS for _ in range(PER_FAULT)]
        await inject()
        first = await asyncio.gather(
            *(
                harness.send(c, k, text, name="B\ud800 Tư", user=str(n))
                for n, (c, k) in enumerate(sent)
            )
        )
        await lift()
        failed = [
            (c, k, n)
            for n, ((c, k), (status, _)) in enumerate(zip(sent, first, strict=True))
            if status >= 500
        ]
        for channel, key, n in failed:  # Telegram and Zalo send again; so does the citizen
            status, _ = await harness.send(channel, key, text, name="B\ud800 Tư", user=str(n))
            assert ok(channel, status), (name, channel, status)
        rows = []
        for channel in CHANNELS:
            # the event ids the harness sent under (each platform's own form)
            mine = [(e, s) for (c, _), (s, e) in zip(sent, first, strict=True) if c == channel]
            stored = [await harness.stored(event) for event, _ in mine]
            rows.append(
                f"| {name} | {channel} | {len(mine)} | {sum(s >= 500 for _, s in mine)} "
                f"| {sum(n == 1 for n in stored)} | {sum(n == 0 for n in stored)} "
                f"| {sum(n > 1 for n in stored)} |"
            )
        return rows


async def fault_rows(harness: Harness) -> list[str]:
    sessions, url = harness.sessions, harness.db_url
    database = url.split("///")[-1]
    runner = Faults(harness)
    rows = [
        "| fault | channel | sent | 5xx under the fault | stored once after redelivery "
        "| lost | stored twice |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    release = threading.Event()

    async def hold_then_release() -> None:
        await asyncio.sleep(LOCK_HELD)
        release.set()

    # The lock is released LOCK_HELD s after it was taken, while the messages wait on it.
    releaser = None

    async def lock() -> None:
        nonlocal releaser
        release.clear()
        faults.hold_sqlite_lock_in_thread(database, release)
        releaser = asyncio.create_task(hold_then_release())

    rows += await runner.run(f"database locked {LOCK_HELD:.0f} s", lock, _nothing)
    rows += await runner.run(
        "read-only database",
        lambda: faults.set_read_only(sessions, url, True),
        lambda: faults.set_read_only(sessions, url, False),
    )
    rows += await runner.run(
        "lone surrogate and NUL in the text and name", _nothing, _nothing, text="vay v\ud800n\x00?"
    )
    rows += await runner.run(
        "handler exception (questions refused)",
        lambda: faults.run_sql(sessions, faults.REFUSE_QUESTIONS),
        lambda: faults.run_sql(sessions, faults.ALLOW_QUESTIONS),
    )
    return rows


HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options")


async def probe_rows(harness: Harness) -> list[str]:
    """Cheap HTTP probes of the other parts of #16 that are in the tree."""
    from db.officers import create_officer
    from tests.web_client import csrf_of, login, other_browser

    client = harness.client
    rows = ["| probe | expected | seen |", "| --- | --- | --- |"]
    for path in ("/", "/chat", "/dashboard/login", "/healthz"):
        response = await client.get(path, allow_redirects=False)
        missing = [h for h in HEADERS if h not in response.headers]
        seen = "all present" if not missing else "missing " + ", ".join(missing)
        rows.append(f"| security headers on `{path}` | {', '.join(HEADERS)} | {seen} |")
    async with harness.sessions() as db:
        await create_officer(db, "bench-admin", "admin", "mat-khau-dai-123", None)
        await db.commit()
    await login(client, "bench-admin", "mat-khau-dai-123")
    kept = {c.key: c.value for c in client.session.cookie_jar}  # a copy of the cookie

    async with other_browser(client) as browser:  # the copy opens the dashboard…
        browser.cookie_jar.update_cookies(kept)
        async with browser.get("/dashboard", allow_redirects=False) as response:
            before = response.status
    token = await csrf_of(client, "/dashboard")
    await client.post("/dashboard/logout", data={"csrf": token}, allow_redirects=False)
    async with other_browser(client) as browser:  # …and nothing once the officer logged out
        browser.cookie_jar.update_cookies(kept)
        async with browser.get("/dashboard", allow_redirects=False) as response:
            after = response.status
    rows.append(
        "| a copy of the session cookie on `/dashboard`, before and after logout "
        f"| 200, then 303 to the login or 403 | {before}, then {after} |"
    )
    rows += await _scope_and_throttle_rows(harness)
    return rows


async def _scope_and_throttle_rows(harness: Harness) -> list[str]:
    """Another locality's session export, failed logins under other names, a formula in CSV."""
    import datetime as dt

    from db.office import DialogueSession
    from db.officers import create_officer
    from tests.web_client import csrf_of, login

    client = harness.client
    async with harness.sessions() as db:
        await create_officer(db, "bench-lk", "officer", "mat-khau-dai-123", "long-khanh")
        await create_officer(db, "bench-kh", "officer", "mat-khau-dai-123", "kien-hai")
        meeting = DialogueSession(
            title="Đối thoại",
            held_on=dt.date(2026, 12, 7),
            place="Hội trường",
            locality_id="long-khanh",
            chair="Chủ tịch xã",
        )
        db.add(meeting)
        await db.commit()
        meeting_id = meeting.id
    await login(client, "bench-kh", "mat-khau-dai-123")
    statuses = []
    for fmt in ("csv", "xlsx", "docx"):
        url = f"/dashboard/export?format={fmt}&session={meeting_id}"
        async with client.get(url, allow_redirects=False) as response:
            statuses.append(str(response.status))
    rows = [
        "| another locality's dialogue session exported as CSV, XLSX, DOCX | 404 each | "
        f"{', '.join(statuses)} |"
    ]
    await client.post(
        "/dashboard/logout",
        data={"csrf": await csrf_of(client, "/dashboard")},
        allow_redirects=False,
    )
    for n in range(6):  # six failures under other names, from the same address
        await login(client, f"khong-co-{n}", "sai-mat-khau")
    right = (await login(client, "bench-lk", "mat-khau-dai-123")).status
    rows.append(
        "| the right password after six failures under other names from the same address "
        f"| 303 (logged in) | {right} |"
    )
    await harness.send("web", "91", '=HYPERLINK("http://x")')
    await login(client, "bench-admin", "mat-khau-dai-123")
    async with client.get("/dashboard/export?format=csv", allow_redirects=False) as response:
        csv_text = await response.text()
    quoted = "'=HYPERLINK" in csv_text and "\n=HYPERLINK" not in csv_text
    rows.append(
        "| a citizen's `=HYPERLINK(…)` in the CSV export | written as text (`'=`) | "
        f"{'as text' if quoted else 'AS A FORMULA'} |"
    )
    return rows


async def _nothing() -> None:
    return None


async def main() -> str:
    knowledge = load_knowledge(Settings())
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="caunoi-security-") as tmp:
        db_url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        logging.getLogger().setLevel(logging.WARNING)
        async with all_channels(db_url, knowledge, Path(tmp)) as harness:
            fuzz_rows = await fuzz(harness)
            probes = await probe_rows(harness)
            logging.disable(logging.ERROR)  # the faults' own error logs are expected
            try:
                fault_table = await fault_rows(harness)
            finally:
                logging.disable(logging.NOTSET)
    lines = [
        "## Security and fault tests",
        "",
        "### Fuzzing the inbound endpoints",
        "",
        f"Requests drawn by hypothesis ({FUZZ_PER_CHANNEL} a channel, derandomized: the same on "
        "every run, `tests/fuzz_inputs.py`) and sent over HTTP to the application on loopback "
        "(SQLite): malformed JSON, wrong types, huge and deeply nested bodies, odd content types, "
        "lone surrogates and NULs. A traceback is an ERROR record with exception info.",
        "",
        *fuzz_rows,
        "",
        "### Messages lost under injected faults",
        "",
        f"{PER_FAULT} messages a channel under each fault, sent at once; then the fault is lifted "
        "and every message that got a 5xx is sent again (what Telegram and Zalo do; a citizen in "
        "the web chat sends the form again). Real faults (`tests/faults.py`): another connection "
        f"holding SQLite's write lock for {LOCK_HELD:.0f} s (a worker waits 30 s), SQLite's "
        "query_only switch, a name and text with a lone surrogate and a NUL, a trigger refusing "
        "questions so the handler fails.",
        "",
        *fault_table,
        "",
        "### Other probes of #16 over HTTP",
        "",
        *probes,
        "",
        f"Run time {time.monotonic() - started:.0f} s.",
    ]
    return "\n".join(lines)


def run() -> str:
    return asyncio.run(main())


if __name__ == "__main__":
    print(run())
