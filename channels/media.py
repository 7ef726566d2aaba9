"""Citizens' attachments: safe file names under MEDIA_DIR and a fetch only from allowed hosts."""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import os
import re
import socket
import tempfile
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

if TYPE_CHECKING:
    from app.settings import Settings

SAFE_CHARS = re.compile(r"[^A-Za-z0-9_-]")
EXTENSION = re.compile(r"[a-z0-9]{1,8}")
MAX_STEM = 48
MAX_REDIRECTS = 3
REDIRECTS = {301, 302, 303, 307, 308}
FETCH_TIMEOUT = aiohttp.ClientTimeout(total=20)


class MediaError(Exception):
    """An attachment that was not kept; the message is stored without it."""


class MediaRefused(MediaError):
    """Refused: a host or address outside the policy, or a path outside MEDIA_DIR."""


class MediaTooLarge(MediaError):
    """Larger than MAX_MEDIA_BYTES."""


# ---- file names ---------------------------------------------------------------------------
def name_file(platform_id: str, ext: str) -> str:
    """A file name from a platform's id: its safe characters and a hash of the whole id, so no id
    can name another folder and two ids never share a file."""
    if not EXTENSION.fullmatch(ext):
        raise ValueError(f"unsafe file extension {ext!r}")
    digest = hashlib.sha256(platform_id.encode("utf-8", "surrogatepass")).hexdigest()[:20]
    stem = SAFE_CHARS.sub("", platform_id)[:MAX_STEM]
    return f"{stem}-{digest}.{ext}" if stem else f"{digest}.{ext}"


def locate_file(media_dir: Path | str, channel: str, platform_id: str, ext: str) -> Path:
    """Where an attachment is kept: MEDIA_DIR/<channel>/<safe name>, checked to stay inside."""
    if not channel or SAFE_CHARS.search(channel):
        raise ValueError(f"unsafe channel name {channel!r}")
    root = Path(media_dir).resolve()
    folder = root / channel
    folder.mkdir(parents=True, exist_ok=True)
    path = (folder / name_file(platform_id, ext)).resolve()
    if path.parent != folder.resolve() or not path.is_relative_to(root):
        raise MediaRefused("media path outside MEDIA_DIR")
    return path


def save_file(media_dir: Path | str, channel: str, platform_id: str, ext: str, data: bytes) -> Path:
    """Writes an attachment under MEDIA_DIR through a temporary file renamed into place (a link
    planted at the name is replaced, never followed)."""
    path = locate_file(media_dir, channel, platform_id, ext)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


# ---- the fetch guard ----------------------------------------------------------------------
async def resolve_host(host: str, port: int) -> list[tuple[int, str]]:
    """The host's addresses as (family, address); an IP literal is its own address."""
    try:
        ip = ipaddress.ip_address(host)
        return [(socket.AF_INET6 if ip.version == 6 else socket.AF_INET, str(ip))]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise MediaError(f"cannot resolve {host}") from exc
    return list(dict.fromkeys((family, sockaddr[0]) for family, _, _, _, sockaddr in infos))


# How a host is resolved: (family, address) pairs; tests pass a fake one.
Resolve = Callable[[str, int], Awaitable[list[tuple[int, str]]]]


class FetchPolicy:
    """The hosts attachments may come from. `host` admits that host exactly; `.example.vn`
    admits its subdomains. Loopback, private and link-local addresses are admitted only for a
    host listed exactly (tests list their fakes: 127.0.0.1). `resolve` finds a host's addresses
    (the system's resolver unless a test gives its own)."""

    def __init__(self, hosts: Iterable[str], resolve: Resolve = resolve_host) -> None:
        self.resolve = resolve
        entries = [h.strip().lower() for h in hosts if h.strip()]
        self.exact = {e.strip("[]").rstrip(".") for e in entries if not e.startswith(".")}
        self.suffixes = tuple(e.rstrip(".") for e in entries if e.startswith("."))

    def admits(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        return host in self.exact or any(host.endswith(s) for s in self.suffixes)

    def listed_exactly(self, host: str) -> bool:
        return host.lower().rstrip(".") in self.exact


def build_policy(listed: str, resolve: Resolve = resolve_host) -> FetchPolicy:
    """The policy from MEDIA_FETCH_HOSTS (comma-separated). A self-hosted Bot API server or a
    proxy is fetched from only when the operator lists its host there too."""
    return FetchPolicy(listed.split(","), resolve)


def is_public(address: str) -> bool:
    """A global unicast address (not loopback, private, link-local, shared or reserved)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


async def vet_url(url: str, policy: FetchPolicy) -> list[tuple[int, str]]:
    """The addresses a URL may be fetched from, or MediaRefused."""
    try:  # a malformed address ("http://[", a port that is no number) is refused, not a 5xx
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise MediaRefused(f"malformed address: {exc}") from exc
    if parts.scheme not in ("http", "https") or not host:
        raise MediaRefused("not an http(s) address")
    if not policy.admits(host):
        raise MediaRefused(f"host {host} not in MEDIA_FETCH_HOSTS")
    port = port or (443 if parts.scheme == "https" else 80)
    addresses = await policy.resolve(host, port)
    if not addresses:
        raise MediaError(f"cannot resolve {host}")
    if not policy.listed_exactly(host) and not all(is_public(a) for _, a in addresses):
        raise MediaRefused(f"host {host} resolves to a private address")
    return addresses


class _PinnedResolver(AbstractResolver):
    """Connects only to the addresses vetted for the host, so a second DNS answer cannot differ."""

    def __init__(self, host: str, addresses: list[tuple[int, str]]) -> None:
        self.host = host
        self.addresses = addresses

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if host != self.host:
            raise OSError(f"{host} was not vetted")
        return [
            ResolveResult(hostname=host, host=a, port=port, family=f, proto=0, flags=0)
            for f, a in self.addresses
        ]

    async def close(self) -> None:
        return None


async def fetch_media(url: str, policy: FetchPolicy, max_bytes: int) -> bytes:
    """An attachment's bytes, fetched only from admitted hosts and public addresses (redirects
    are checked the same way); MediaError when it cannot be had, MediaTooLarge past max_bytes."""
    for _ in range(MAX_REDIRECTS + 1):
        addresses = await vet_url(url, policy)
        host = urlsplit(url).hostname or ""
        connector = aiohttp.TCPConnector(resolver=_PinnedResolver(host, addresses), limit=1)
        try:
            async with (
                aiohttp.ClientSession(connector=connector, timeout=FETCH_TIMEOUT) as http,
                http.get(url, allow_redirects=False) as response,
            ):
                if response.status in REDIRECTS and "Location" in response.headers:
                    url = urljoin(url, response.headers["Location"])
                    continue
                if response.status != 200:
                    raise MediaError(f"HTTP {response.status}")
                data = await response.content.read(max_bytes + 1)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise MediaError(f"download failed: {type(exc).__name__}") from exc
        if len(data) > max_bytes:
            raise MediaTooLarge("too large")
        return data
    raise MediaRefused("too many redirects")


async def keep_media(
    settings: Settings,
    channel: str,
    platform_id: str,
    ext: str,
    url: str | None,
) -> dict[str, Any]:
    """Fetches an attachment and keeps it under MEDIA_DIR: {"path"} when kept, {"skipped"} when
    too large, {"error"} otherwise."""
    if not url:
        return {"error": "no file address"}
    policy = build_policy(settings.media_fetch_hosts)
    try:
        data = await fetch_media(url, policy, settings.max_media_bytes)
        path = save_file(settings.media_dir, channel, platform_id, ext, data)
    except MediaTooLarge:
        return {"skipped": "too large"}
    except (MediaError, OSError) as exc:
        return {"error": str(exc) or type(exc).__name__}
    return {"path": str(path)}
