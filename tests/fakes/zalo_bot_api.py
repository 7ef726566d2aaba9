"""A fake Zalo Bot Platform API of ours (aiohttp on 127.0.0.1) speaking its HTTP protocol.

POST /bot{token}/{method} with a JSON body, the {"ok", "result"} / {"ok": false, "error_code",
"description"} envelope, getUpdates' long poll answering one update or 408, a webhook that
excludes polling, every call recorded, and the next call of a method made to fail on demand.
Paths, fields and codes are spelled here, not imported from the adapter."""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT = {"id": "7a1b2c3d4e5f60718293", "account_name": "Bot Xã An Phú", "account_type": "BASIC"}
SEND_LIMIT = 2000  # sendMessage refuses longer or empty text


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


def error(code: int, description: str) -> web.Response:
    return web.json_response(
        {"ok": False, "error_code": code, "description": description}, status=code
    )


class FakeZaloBot:
    def __init__(self, token: str):
        self.token = token
        self.calls: list[Call] = []
        self.updates: asyncio.Queue[Any] = asyncio.Queue()
        self.failures: dict[str, list[tuple[int, str]]] = {}
        self.webhook_url = ""
        self.webhook_secret = ""
        self.files: dict[str, bytes] = {}  # photos and voice notes served at /media/{name}
        self.url = ""
        self._ids = itertools.count(1)

    # ---- what a test does ------------------------------------------------------------------
    def push(self, update: dict[str, Any], as_list: bool = False) -> None:
        """An update for the next getUpdates: alone as documented, or in a list as some
        clients have seen."""
        self.updates.put_nowait([update] if as_list else update)

    def fail_next(self, method: str, code: int, description: str = "") -> None:
        self.failures.setdefault(method, []).append((code, description or f"error {code}"))

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        return [c.params for c in self.calls if c.method == method]

    # ---- the server ------------------------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._method)
        app.router.add_get("/media/{name}", self._media)
        return app

    async def _method(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return error(401, "Unauthorized: invalid token")
        method = request.match_info["method"]
        try:
            params = await request.json() if request.can_read_body else {}
        except ValueError:
            return error(400, "Bad Request: body is not JSON")
        self.calls.append(Call(method, params))
        pending = self.failures.get(method)
        if pending:
            return error(*pending.pop(0))
        handler = getattr(self, f"_{method}", None)
        if handler is None:
            return error(404, "Not Found: unknown method")
        return await handler(params)

    @staticmethod
    def ok(result: Any = None) -> web.Response:
        body: dict[str, Any] = {"ok": True}
        if result is not None:
            body["result"] = result
        return web.json_response(body)

    async def _getMe(self, params: dict[str, Any]) -> web.Response:
        return self.ok({**BOT, "can_join_groups": False})

    async def _getUpdates(self, params: dict[str, Any]) -> web.Response:
        if self.webhook_url:  # polling and the webhook exclude each other
            return error(400, "Bad Request: webhook is set; delete it to use getUpdates")
        try:
            wait = float(params.get("timeout", 30))
        except (TypeError, ValueError):
            return error(400, "Bad Request: timeout")
        try:
            update = await asyncio.wait_for(self.updates.get(), timeout=min(wait, 2.0))
        except TimeoutError:
            return error(408, "Request timeout")
        return self.ok(update)

    async def _setWebhook(self, params: dict[str, Any]) -> web.Response:
        url, secret = params.get("url"), params.get("secret_token")
        if not isinstance(url, str) or not url.startswith("https://"):
            return error(400, "Bad Request: url must be HTTPS")
        if not isinstance(secret, str) or not 8 <= len(secret) <= 256:
            return error(400, "Bad Request: secret_token must have 8 to 256 characters")
        self.webhook_url, self.webhook_secret = url, secret
        return self.ok({"url": url, "updated_at": int(time.time() * 1000)})

    async def _deleteWebhook(self, params: dict[str, Any]) -> web.Response:
        self.webhook_url = self.webhook_secret = ""
        return self.ok({"url": "", "updated_at": int(time.time() * 1000)})

    async def _getWebhookInfo(self, params: dict[str, Any]) -> web.Response:
        return self.ok({"url": self.webhook_url, "updated_at": int(time.time() * 1000)})

    async def _sendMessage(self, params: dict[str, Any]) -> web.Response:
        text = params.get("text")
        if not params.get("chat_id"):
            return error(400, "Bad Request: chat_id is required")
        if not isinstance(text, str) or not 1 <= len(text) <= SEND_LIMIT:
            return error(400, "Bad Request: text must have 1 to 2000 characters")
        return self.ok(self._sent())

    async def _sendPhoto(self, params: dict[str, Any]) -> web.Response:
        if not params.get("chat_id") or not isinstance(params.get("photo"), str):
            return error(400, "Bad Request: chat_id and photo are required")
        if len(params.get("caption") or "") > SEND_LIMIT:
            return error(400, "Bad Request: caption too long")
        return self.ok(self._sent())

    async def _sendChatAction(self, params: dict[str, Any]) -> web.Response:
        if not params.get("chat_id") or params.get("action") != "typing":
            return error(400, "Bad Request: action")
        return self.ok()  # documented: {"ok": true} without a result

    def _sent(self) -> dict[str, Any]:
        return {"message_id": f"{next(self._ids):020x}", "date": int(time.time() * 1000)}

    async def _media(self, request: web.Request) -> web.Response:
        data = self.files.get(request.match_info["name"])
        if data is None:
            raise web.HTTPNotFound()
        return web.Response(body=data)
