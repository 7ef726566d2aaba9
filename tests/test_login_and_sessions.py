"""Officer logins over HTTP: sessions end server-side, throttling per account and per client
address (X-Forwarded-For only from trusted proxies), and the security headers of every page."""

from __future__ import annotations

import asyncio
import re

import pytest
from aiohttp import web
from sqlalchemy import select

from app import keys
from db.office import Officer
from db.officers import set_password
from tests.conftest import run_cli
from tests.web_client import csrf_of, login, other_browser, web_client

PASSWORD = "mat-khau-du-dai-1"
OFFICERS = (("admin", "admin", None), ("kienhai", "officer", "kien-hai"))
LOCKED = "Tài khoản tạm khóa 15 phút do nhập sai mật khẩu nhiều lần"
ADDRESS_THROTTLED = "Đăng nhập sai quá nhiều lần từ địa chỉ này"


@pytest.fixture
async def client(settings, knowledge):
    async with web_client(settings, knowledge, officers=OFFICERS, password=PASSWORD) as c:
        yield c


@pytest.fixture
async def proxied(settings, knowledge):
    """The application behind nginx on this machine and a load balancer in 10.0.0.0/8."""
    behind = settings.model_copy(update={"trusted_proxies": "127.0.0.1, 10.0.0.0/8"})
    async with web_client(behind, knowledge, officers=OFFICERS, password=PASSWORD) as c:
        yield c


async def log_in_from(client, username: str, password: str, forwarded: str | None = None):  # type: ignore[no-untyped-def]
    """A login through the form, optionally with the X-Forwarded-For a proxy would send."""
    token = await csrf_of(client, "/dashboard/login")
    return await client.post(
        "/dashboard/login",
        data={"username": username, "password": password, "csrf": token},
        headers={"X-Forwarded-For": forwarded} if forwarded else None,
        allow_redirects=False,
    )


async def fail_under_other_names(client, count: int, forwarded: str | None = None) -> None:  # type: ignore[no-untyped-def]
    for n in range(count):
        response = await log_in_from(client, f"khach{n}", "doan-bua-mat-khau", forwarded)
        assert response.status in (401, 429)


async def dashboard_status(client, cookie: str) -> int:  # type: ignore[no-untyped-def]
    """What a browser holding only this session cookie gets at /dashboard."""
    browser = other_browser(client)
    try:
        response = await browser.get(
            "/dashboard", headers={"Cookie": f"caunoi_session={cookie}"}, allow_redirects=False
        )
        return response.status
    finally:
        await browser.close()


async def test_a_cookie_saved_before_logout_no_longer_opens_the_dashboard(client):
    ok = await login(client, "admin", PASSWORD)
    saved = ok.cookies["caunoi_session"].value
    assert await dashboard_status(client, saved) == 200
    token = await csrf_of(client, "/dashboard")
    out = await client.post("/dashboard/logout", data={"csrf": token}, allow_redirects=False)
    assert out.status == 303
    assert await dashboard_status(client, saved) == 303  # back to the login form
    replay = other_browser(client)
    try:
        forged = await replay.post(
            "/dashboard/answer",
            headers={"Cookie": f"caunoi_session={saved}"},
            data={"csrf": token, "question": "1", "answer": "x"},
        )
        assert forged.status == 403
    finally:
        await replay.close()


async def test_logging_out_in_one_browser_keeps_the_other_logged_in(client):
    phone = other_browser(client)
    try:
        assert (await login(phone, "admin", PASSWORD)).status == 303
        assert (await login(client, "admin", PASSWORD)).status == 303
        token = await csrf_of(client, "/dashboard")
        await client.post("/dashboard/logout", data={"csrf": token})
        assert (await phone.get("/dashboard", allow_redirects=False)).status == 200
    finally:
        await phone.close()


async def test_changing_a_password_ends_the_officers_sessions(client):
    saved = (await login(client, "kienhai", PASSWORD)).cookies["caunoi_session"].value
    assert await dashboard_status(client, saved) == 200
    async with client.server.app[keys.SESSIONS]() as db:
        officer = await db.scalar(select(Officer).where(Officer.username == "kienhai"))
        await set_password(db, officer, "mat-khau-moi-dai-2")
        await db.commit()
    assert await dashboard_status(client, saved) == 303
    assert (await login(client, "kienhai", PASSWORD)).status == 401
    assert (await login(client, "kienhai", "mat-khau-moi-dai-2")).status == 303


async def test_disabling_an_officer_ends_their_sessions(client, settings):
    saved = (await login(client, "kienhai", PASSWORD)).cookies["caunoi_session"].value
    assert await dashboard_status(client, saved) == 200
    env = {"DATABASE_URL": settings.database_url}
    done = await asyncio.to_thread(run_cli, "officer", "disable", "kienhai", env=env)
    assert done.returncode == 0, done.stderr
    assert await dashboard_status(client, saved) == 303
    assert (await login(client, "kienhai", PASSWORD)).status == 401


async def test_three_wrong_passwords_do_not_lock_an_account(client):
    for _ in range(3):
        assert (await login(client, "admin", "sai-mat-khau")).status == 401
    assert (await login(client, "admin", PASSWORD)).status == 303


async def test_an_account_locks_after_five_failures_and_says_so(client):
    for _ in range(5):
        assert (await login(client, "kienhai", "sai-mat-khau")).status == 401
    locked = await login(client, "kienhai", PASSWORD)
    assert locked.status == 429 and LOCKED in await locked.text()
    # the lock is the account's: the admin, from the same address, still logs in
    assert (await login(client, "admin", PASSWORD)).status == 303


async def test_failures_under_other_names_never_lock_out_another_accounts_password(client):
    """Without trusted proxies everyone comes from 127.0.0.1, as behind nginx before."""
    for _ in range(4):
        await login(client, "kienhai", "sai-mat-khau")
    await fail_under_other_names(client, 12)
    unknown = await login(client, "khach-moi", "doan-bua-mat-khau")
    assert unknown.status == 429 and ADDRESS_THROTTLED in await unknown.text()
    assert (await login(client, "admin", PASSWORD)).status == 303
    assert (await login(client, "kienhai", PASSWORD)).status == 303  # 4 failures: not locked


async def test_without_trusted_proxies_x_forwarded_for_is_ignored(client):
    for n in range(11):
        await log_in_from(client, f"khach{n}", "doan-bua-mat-khau", f"203.0.113.{n + 1}")
    spoofed = await log_in_from(client, "khach-moi", "doan-bua-mat-khau", "198.51.100.9")
    assert spoofed.status == 429  # still 127.0.0.1, whatever the header says
    assert (await log_in_from(client, "admin", PASSWORD, "198.51.100.9")).status == 303


async def test_behind_a_trusted_proxy_the_client_is_the_right_most_untrusted_forwarded_address(
    proxied,
):
    await fail_under_other_names(proxied, 11, "203.0.113.7")
    cases = {
        "203.0.113.7": 429,  # the throttled address
        "198.51.100.9": 401,  # another client behind the same nginx
        "198.51.100.9, 203.0.113.7": 429,  # a forged entry sent by 203.0.113.7, then nginx's
        "203.0.113.7, 198.51.100.9": 401,  # the client is 198.51.100.9, what it sent is not
        "203.0.113.7, 10.1.2.3": 429,  # through a trusted load balancer
    }
    for forwarded, status in cases.items():
        response = await log_in_from(proxied, "khach-moi", "doan-bua-mat-khau", forwarded)
        assert response.status == status, forwarded
    # the throttled address's right password for an account that is not locked succeeds
    ok = await log_in_from(proxied, "admin", PASSWORD, "198.51.100.9, 203.0.113.7")
    assert ok.status == 303
    audit = await (await proxied.get("/dashboard/audit")).text()
    assert "203.0.113.7" in audit and "10.1.2.3" not in audit


async def test_concurrent_wrong_passwords_get_five_checks_at_most(client):
    """Attempts racing each other (several browsers, or several workers) cannot together get
    more guesses at one account than the limit."""
    browsers = [other_browser(client) for _ in range(8)]
    try:
        responses = await asyncio.gather(*(login(b, "kienhai", "sai-mat-khau") for b in browsers))
    finally:
        for browser in browsers:
            await browser.close()
    statuses = [r.status for r in responses]
    assert set(statuses) <= {401, 429}, statuses
    for _ in range(6):  # then one at a time, until locked
        statuses.append((await login(client, "kienhai", "sai-mat-khau")).status)
        if statuses[-1] == 429:
            break
    assert statuses.count(401) == 5, statuses  # five guesses in all, racing or not
    assert (await login(client, "kienhai", PASSWORD)).status == 429


HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
INLINE = re.compile(r"<script(?![^>]*\bsrc=)|<style|\sstyle=|\son[a-z]+=|javascript:", re.I)


def assert_protected(response, html: str) -> None:  # type: ignore[no-untyped-def]
    where = str(response.url)
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, (where, name)
    policy = response.headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy, where
    assert "unsafe-inline" not in policy, where
    assert not INLINE.search(html), (where, INLINE.search(html))  # the policy would block it


def _resources(app: web.Application) -> list[web.AbstractResource]:
    """The application's resources, with those of its sub-applications (the dashboard)."""
    found = []
    for resource in app.router.resources():
        info = resource.get_info()
        found += _resources(info["app"]) if "app" in info else [resource]
    return found


async def test_every_html_page_carries_the_security_headers(client):
    """Every page reachable without parameters, logged out and logged in, and error pages."""
    paths = sorted(
        info["path"]
        for resource in _resources(client.server.app)
        if "path" in (info := resource.get_info())
        and any(route.method == "GET" for route in resource)
        and info["path"] not in ("/healthz", "/dashboard/export")
    )
    assert {"/", "/chat", "/audio", "/dashboard", "/dashboard/login"} <= set(paths)
    failed = await login(client, "admin", "sai-mat-khau")
    assert_protected(failed, await failed.text())
    for logged_in in (False, True):
        if logged_in:
            assert (await login(client, "admin", PASSWORD)).status == 303
        for path in [*paths, "/khong-co-trang-nay"]:
            response = await client.get(path)
            assert response.content_type == "text/html", path
            assert_protected(response, await response.text())
