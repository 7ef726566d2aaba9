"""The application factory and `serve`: one aiohttp app with graceful shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import ipaddress
import logging
import os
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from aiohttp import web

from app import audio_pages as audio
from app import keys, pages
from app.channels import build_registry
from app.html import templates
from app.knowledge import Knowledge
from app.runtime import start_runtime
from app.settings import Settings, secret_key
from bot.channel import Hub, Registry
from dashboard.app import create_dashboard

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# Every page's scripts and styles are files under /static (no inline ones), so the policy allows
# only this origin; no page may be framed (clickjacking).
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "media-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def create_app(
    settings: Settings,
    knowledge: Knowledge | None = None,
    run_outbox: bool = True,
    registry: Registry | None = None,
) -> web.Application:
    """The application: the channels' routes (those of `registry`, by default the channels the
    settings turn on), the dashboard and the public pages."""
    registry = registry if registry is not None else build_registry(settings)
    proxies = trusted_networks(settings.trusted_proxies)
    middlewares = [pages.error_pages]
    if proxies:
        middlewares.insert(0, forwarded_client(proxies))
    app = web.Application(middlewares=middlewares, client_max_size=256 * 1024)
    app.on_response_prepare.append(add_security_headers)
    app[keys.SETTINGS] = settings
    app[keys.TEMPLATES] = templates()
    app[keys.SECRET] = secret_key(settings)
    app[keys.CHANNELS] = registry

    hubs: list[Hub] = []  # the runtime's, once started

    async def runtime_ctx(app: web.Application) -> AsyncIterator[None]:
        """Content, database, core and outbox, shared through the application's keys."""
        runtime = await start_runtime(settings, knowledge, registry)
        app[keys.CONTENT] = runtime.knowledge.content
        app[keys.AUDIO] = runtime.core.audio
        app[keys.ENGINE] = runtime.engine
        app[keys.CORE] = runtime.core
        app[keys.SESSIONS] = runtime.core.session_factory
        app[keys.OUTBOX] = runtime.outbox
        hubs.append(runtime.hub())
        yield
        await runtime.close()

    async def channels_ctx(app: web.Application) -> AsyncIterator[None]:
        """The adapters, once everything a message needs is ready: webhooks registered,
        polling started, clients opened; stopped in reverse order after the outbox drained."""
        await registry.start(hubs[-1])
        yield
        await registry.stop()

    async def background_ctx(app: web.Application) -> AsyncIterator[None]:
        """This worker's share of the background work: the outbox sender and the jobs that
        run once among workers."""
        from app.jobs import Jobs

        tasks = []
        if run_outbox and settings.outbox_enabled:
            jobs = Jobs(app[keys.SESSIONS])
            tasks = [asyncio.create_task(app[keys.OUTBOX].run()), asyncio.create_task(jobs.loop())]
        yield
        await app[keys.OUTBOX].drain()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    app.cleanup_ctx.append(runtime_ctx)
    app.router.add_routes(registry.routes())
    pages.setup(app)  # its contacts' refresh runs after the runtime's start-up
    app.add_subapp("/dashboard", create_dashboard())
    audio.setup(app)
    app.cleanup_ctx.append(channels_ctx)
    app.cleanup_ctx.append(background_ctx)
    app.router.add_static("/static", HERE / "static")
    return app


def trusted_networks(value: str) -> tuple[Network, ...]:
    """TRUSTED_PROXIES: comma-separated addresses or CIDR networks (a bad one stops start-up)."""
    return tuple(
        ipaddress.ip_network(part.strip(), strict=False)
        for part in value.split(",")
        if part.strip()
    )


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def client_address(
    peer: str | None, forwarded: Sequence[str], proxies: Sequence[Network]
) -> str | None:
    """The client's address: the peer's, unless the peer is a trusted proxy; then the right-most
    address in X-Forwarded-For that is not itself a trusted proxy (what the nearest trusted proxy
    saw: entries left of it are whatever the client sent, and may be forged)."""

    def trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address | None) -> bool:
        return address is not None and any(address in network for network in proxies)

    address = _address(peer) if peer else None
    if not trusted(address):
        return peer
    hops = [hop for header in forwarded for hop in header.split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break  # not an address: what a proxy wrote is unreadable, keep the last good one
        if not trusted(address):
            return str(address)
        peer = str(address)  # a chain of trusted proxies: the left-most so far
    return peer


def forwarded_client(proxies: Sequence[Network]):  # type: ignore[no-untyped-def]
    """Middleware: `request.remote` is the client's address behind trusted proxies."""

    @web.middleware
    async def middleware(request: web.Request, handler):  # type: ignore[no-untyped-def]
        remote = client_address(
            request.remote, request.headers.getall("X-Forwarded-For", []), proxies
        )
        if remote != request.remote and remote is not None:
            request = request.clone(remote=remote)
        return await handler(request)

    return middleware


async def add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """Every response: a content security policy, no MIME sniffing, no framing, and no full
    address sent to other sites as Referer. A handler's own value is kept."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)


# Allocations (less deallocations) between two collections of the youngest generation; Python's
# default is 700, which a busy worker reaches several times per message.
YOUNG_COLLECTION_THRESHOLD = 10_000


def freeze_heap_after_startup(app: web.Application) -> None:
    """Once the application has started, what it loaded (the content and its search index, the
    clients, the mappers: a quarter of a million objects) lives as long as the process. The
    garbage collector is told so (`gc.freeze`): its full collections, which otherwise walk all
    of it several times a minute under load, walk only what came after. Young objects are
    collected less often, in bigger batches. For a long-running process only (`serve`)."""

    async def freeze(_app: web.Application) -> None:
        gc.collect()
        gc.freeze()
        _, middle, old = gc.get_threshold()
        gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, middle, old)

    app.on_startup.append(freeze)  # after the runtime's start-up (a cleanup context, run first)


def serve(
    settings: Settings, host: str | None = None, port: int | None = None, reuse_port: bool = False
) -> None:
    host = host or settings.host
    port = port or settings.port
    log.info("serving", extra={"url": f"http://{host}:{port}/", "pid": os.getpid()})
    print(f"Cầu Nối đang chạy: http://{host}:{port}/  (Ctrl+C để dừng)", flush=True)
    if settings.uvloop:
        with contextlib.suppress(ImportError):
            import uvloop

            asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    # On SIGTERM or SIGINT aiohttp stops accepting connections and gives in-flight requests
    # up to `shutdown_timeout` seconds to finish before the cleanup contexts run.
    app = create_app(settings)
    freeze_heap_after_startup(app)
    web.run_app(
        app,
        host=host,
        port=port,
        shutdown_timeout=30,
        access_log=logging.getLogger("aiohttp.access"),
        print=None,
        reuse_port=reuse_port or None,
    )
