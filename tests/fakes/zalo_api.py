"""A fake Zalo OpenAPI and OAuth server of ours on 127.0.0.1: the consultation send endpoint and
the v4 token endpoint with the documented request and response shapes and error codes, single-use
refresh tokens, media downloads, failure injection, and every call recorded."""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

from aiohttp import web

from channels import zalo_oa_api as api


class FakeZalo:
    def __init__(self, app_id: str, app_secret: str, oa_secret_key: str):
        self.app_id = app_id
        self.app_secret = app_secret
        self.oa_secret_key = oa_secret_key
        self.access_tokens: set[str] = set()
        self.refresh_tokens: set[str] = set()
        self.sent: list[dict[str, Any]] = []
        self.oauth_calls: list[dict[str, Any]] = []
        self.failures: list[dict[str, Any]] = []
        self.files: dict[str, bytes] = {}
        self._counter = itertools.count(1)
        self.url = ""

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post(api.SEND_CONSULTATION, self._send)
        app.router.add_post(api.OAUTH_ACCESS_TOKEN, self._token)
        app.router.add_get("/media/{name}", self._media)
        return app

    def issue_pair(self) -> tuple[str, str]:
        n = next(self._counter)
        access, refresh = f"access-{n}", f"refresh-{n}"
        self.access_tokens.add(access)
        self.refresh_tokens.add(refresh)
        return access, refresh

    def fail_next(self, error: int, message: str) -> None:
        self.failures.append({"error": error, "message": message})

    def sign(self, event: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
        """An event as Zalo sends it: the JSON body and its X-ZEvent-Signature."""
        raw = json.dumps(event, ensure_ascii=False).encode()
        mac = api.event_signature(
            str(event["app_id"]), raw, str(event["timestamp"]), self.oa_secret_key
        )
        return raw, {api.SIGNATURE_HEADER: f"mac={mac}", "Content-Type": "application/json"}

    def event(self, name: str, user: str, **message: Any) -> dict[str, Any]:
        return {
            "app_id": self.app_id,
            "event_name": name,
            "timestamp": str(int(time.time() * 1000)),
            "user_id_by_app": f"app-{user}",
            "sender": {"id": user},
            "recipient": {"id": "oa-1"},
            "message": {"msg_id": f"msg{next(self._counter)}", **message},
        }

    async def _send(self, request: web.Request) -> web.Response:
        body = await request.json()
        token = request.headers.get(api.ACCESS_TOKEN_HEADER, "")
        self.sent.append({"token": token, **body})
        if token not in self.access_tokens:
            return web.json_response({"error": -216, "message": "Access token is invalid"})
        if self.failures:
            return web.json_response(self.failures.pop(0))
        return web.json_response(
            {
                "error": 0,
                "message": "Success",
                "data": {
                    "message_id": f"zmsg{next(self._counter)}",
                    "user_id": body["recipient"]["user_id"],
                    "quota": {"quota_type": "reply", "remain": "7", "total": "8"},
                },
            }
        )

    async def _token(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        self.oauth_calls.append(form)
        if (
            request.headers.get(api.SECRET_KEY_HEADER) != self.app_secret
            or form.get("app_id") != self.app_id
        ):
            return web.json_response(
                {
                    "error": -14002,
                    "error_name": "Invalid app",
                    "error_description": "app_id or secret_key is invalid",
                }
            )
        refresh = form.get("refresh_token", "")
        if form.get("grant_type") != "refresh_token" or refresh not in self.refresh_tokens:
            return web.json_response(
                {
                    "error": -14020,
                    "error_name": "Invalid refresh token",
                    "error_description": "refresh token is invalid or used",
                }
            )
        self.refresh_tokens.discard(refresh)  # single use
        access, new_refresh = self.issue_pair()
        return web.json_response(
            {"access_token": access, "refresh_token": new_refresh, "expires_in": "90000"}
        )

    async def _media(self, request: web.Request) -> web.Response:
        data = self.files.get(request.match_info["name"])
        if data is None:
            raise web.HTTPNotFound()
        return web.Response(body=data)
