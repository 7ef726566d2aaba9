"""A fake Telegram Bot API server of ours (aiohttp on 127.0.0.1) with the real response shapes
of the methods Cầu Nối uses. It records every call, queues updates for getUpdates, serves
files, and can be told to fail the next call of a method (429 with retry_after, 403 Forbidden)."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT_USER = {
    "id": 777000111,
    "is_bot": True,
    "first_name": "Cầu Nối",
    "username": "caunoi_test_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


class FakeTelegram:
    def __init__(self, token: str):
        self.token = token
        self.calls: list[Call] = []
        self.updates: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.files: dict[str, bytes] = {}
        self.failures: dict[str, list[dict[str, Any]]] = {}
        self.webhook: dict[str, Any] | None = None
        self._message_ids = itertools.count(1000)
        self._update_ids = itertools.count(1)
        self.sent = asyncio.Event()

    # ---- the server ---------------------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._method)
        app.router.add_get("/file/bot{token}/{path:.*}", self._file)
        return app

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            return await request.json()
        if request.method == "GET":
            return dict(request.query)
        form = await request.post()
        params: dict[str, Any] = {}
        for key, value in form.items():
            if hasattr(value, "file"):
                params[key] = {"filename": value.filename, "size": len(value.file.read())}
            else:
                try:
                    params[key] = json.loads(value) if value[:1] in "[{" else value
                except (ValueError, TypeError):
                    params[key] = value
        return params

    async def _method(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        params = await self._params(request)
        self.calls.append(Call(method, params))
        pending = self.failures.get(method)
        if pending:
            error = pending.pop(0)
            return web.json_response({"ok": False, **error}, status=error["error_code"])
        handler = getattr(self, f"m_{method}", None)
        if handler is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
                status=404,
            )
        result = await handler(params)
        if method.startswith("send"):
            self.sent.set()
        return web.json_response({"ok": True, "result": result})

    async def _file(self, request: web.Request) -> web.Response:
        data = self.files.get(request.match_info["path"])
        if data is None or request.match_info["token"] != self.token:
            raise web.HTTPNotFound()
        return web.Response(body=data)

    # ---- test helpers -------------------------------------------------------------------
    def fail_next(
        self, method: str, error_code: int, description: str, retry_after: int | None = None
    ) -> None:
        error: dict[str, Any] = {"error_code": error_code, "description": description}
        if retry_after is not None:
            error["parameters"] = {"retry_after": retry_after}
        self.failures.setdefault(method, []).append(error)

    def of(self, method: str) -> list[dict[str, Any]]:
        return [c.params for c in self.calls if c.method == method]

    def next_update_id(self) -> int:
        return next(self._update_ids)

    # ---- methods ------------------------------------------------------------------------
    def _message(self, params: dict[str, Any], **extra: Any) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Dân"},
            "from": BOT_USER,
            **extra,
        }
        if "reply_markup" in params:
            message["reply_markup"] = params["reply_markup"]
        return message

    async def m_getMe(self, params):
        return BOT_USER

    async def m_setWebhook(self, params):
        self.webhook = params
        return True

    async def m_deleteWebhook(self, params):
        self.webhook = None
        return True

    async def m_setMyCommands(self, params):
        return True

    async def m_sendChatAction(self, params):
        return True

    async def m_answerCallbackQuery(self, params):
        return True

    async def m_sendMessage(self, params):
        return self._message(params, text=params["text"])

    async def m_editMessageReplyMarkup(self, params):
        return self._message(params, text="(edited)")

    async def m_sendAudio(self, params):
        audio = {
            "file_id": f"AUD{next(self._message_ids)}",
            "file_unique_id": "ua1",
            "duration": 10,
        }
        return self._message(params, audio=audio)

    async def m_sendVoice(self, params):
        voice = {
            "file_id": f"VOI{next(self._message_ids)}",
            "file_unique_id": "uv1",
            "duration": 10,
        }
        return self._message(params, voice=voice)

    async def m_getFile(self, params):
        file_id = params["file_id"]
        path = f"voice/{file_id}.oga"
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": len(self.files.get(path, b"")),
            "file_path": path,
        }

    async def m_getUpdates(self, params):
        timeout = float(params.get("timeout", 0) or 0)
        updates = []
        try:
            updates.append(await asyncio.wait_for(self.updates.get(), timeout=max(timeout, 0.01)))
        except TimeoutError:
            return []
        while not self.updates.empty():
            updates.append(self.updates.get_nowait())
        return updates
