"""A real `bot.py serve` for the browser tests, and the headless Chromium that drives it: the
officers are added and the citizens' questions sent through the command line first, as an
operator and villagers would."""

from __future__ import annotations

import shutil
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.async_api import Page

from tests.conftest import run_cli
from tests.test_outbox import free_port, start_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Flags for a headless Chromium as root on a machine with no network (see README).
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "mat-khau-du-dai-1"
PHONE = {"width": 390, "height": 800}  # a citizen's phone, in CSS pixels


def console_errors(page: Page) -> list[str]:
    """The console errors the page logs from now on (script errors, and resources or scripts
    the Content-Security-Policy refused), a missing favicon aside."""
    problems: list[str] = []
    page.on(
        "console",
        lambda m: (
            problems.append(f"{m.text} {m.location.get('url')}")
            if m.type == "error" and not m.location.get("url", "").endswith("/favicon.ico")
            else None
        ),
    )
    return problems


def watch(page: Page) -> list[str]:
    """What went wrong on a page, as an officer would not see it: console errors, uncaught
    exceptions and server errors."""
    problems = console_errors(page)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "response",
        lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 500 else None,
    )
    return problems


async def log_in(page: Page, server: str, username: str) -> None:
    await page.goto(f"{server}/dashboard/login")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("form.login button")
    await page.wait_for_url(f"{server}/dashboard")


@contextmanager
def serving(
    tmp_path: Path,
    officers: tuple[tuple[str, str] | tuple[str, str, str], ...],
    questions: tuple[str, ...] = (),
    **env: str,
) -> Iterator[str]:
    """The server's address, with `officers` (username, role[, locality]) added, each
    question of `questions` sent by its own citizen, and `env` added to the settings."""
    env = {
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'dashboard.db'}",
        "SECRET_KEY": "d" * 32,
        **env,
    }
    for username, role, *place in officers:
        where = ["--locality", place[0]] if place else []
        added = run_cli(
            "officer", "add", username, "--role", role, *where, stdin=PASSWORD + "\n", env=env
        )
        assert added.returncode == 0, added.stderr
    for i, text in enumerate(questions):  # "4": the menu's "send a question to the officers"
        asked = run_cli("chat", "--json", "--user", f"dan-{i}", stdin=f"4\n{text}\n", env=env)
        assert asked.returncode == 0, asked.stderr
    port = free_port()
    process = start_server(env, port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
