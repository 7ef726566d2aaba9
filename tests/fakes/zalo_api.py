"""A fake Zalo OpenAPI and OAuth server of ours on 127.0.0.1, as the real ones answer.

The consultation send endpoint and the v4 token endpoint with the documented request and
response shapes and error codes, single-use refresh tokens, media downloads, failure injection,
and every call recorded. A button template that the real API would refuse (more than 4 buttons,
a title over 35 characters, an unknown type, a malformed payload) is refused with -201. Paths,
headers and codes are spelled here, not imported from the adapter."""

from __future__ import annotations

import hashlib
import itertools
import json
import time
from typing import Any

from aiohttp import web

SEND_CONSULTATION = "/v3.0/oa/message/cs"
OAUTH_ACCESS_TOKEN = "/v4/oa/access_token"
ACCESS_TOKEN_HEADER = "access_token"
SECRET_KEY_HEADER = "secret_key"
SIGNATURE_HEADER = "X-ZEvent-Signature"
BAD_PARAMETER = -201
BUTTON_TYPES = {"oa.open.url", "oa.query.show", "oa.query.hide", "oa.open.phone", "oa.open.sms"}
MAX_BUTTONS, MAX_TITLE, MAX_QUERY = 4, 35, 1000


def signature(app_id: str, raw: bytes, timestamp: str, oa_secret_key: str) -> str:
    """Zalo's X-ZEvent-Signature: sha256_hex(app_id + raw body + timestamp + OA secret key)."""
    return hashlib.sha256(
        app_id.encode() + raw + timestamp.encode() + oa_secret_key.encode()
    ).hexdigest()


def template_fault(message: dict[str, Any]) -> str | None:
    """Why the real API would refuse this message's button template; None when it is fine."""
    attachment = message.get("attachment")
    if attachment is None or attachment.get("type") != "template":
        return None
    payload = attachment.get("payload") or {}
    if payload.get("template_type") != "button":
        return None
    buttons = payload.get("buttons")
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= MAX_BUTTONS:
        return "buttons: 1 to 4"
    for button in buttons:
        title, kind, data = button.get("title"), button.get("type"), button.get("payload")
        if not isinstance(title, str) or not 1 <= len(title) <= MAX_TITLE:
            return f"title: 1 to {MAX_TITLE} characters"
        if kind not in BUTTON_TYPES:
            return f"unknown button type {kind!r}"
        if kind.startswith("oa.query.") and not (
            isinstance(data, str) and 1 <= len(data) <= MAX_QUERY
        ):
            return "query payload: a string of 1 to 1000 characters"
        if kind == "oa.open.phone" and not (
            isinstance(data, dict) and str(data.get("phone_code", "")).isdigit()
        ):
            return "phone payload: {phone_code: digits}"
    return None


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
        self.refused: list[dict[str, Any]] = []  # malformed templates, answered -201
        self.files: dict[str, bytes] = {}
        self._counter = itertools.count(1)
        self.url = ""

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post(SEND_CONSULTATION, self._send)
        app.router.add_post(OAUTH_ACCESS_TOKEN, self._token)
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
        mac = signature(str(event["app_id"]), raw, str(event["timestamp"]), self.oa_secret_key)
        return raw, {SIGNATURE_HEADER: f"mac={mac}", "Content-Type": "application/json"}

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
        token = request.headers.get(ACCESS_TOKEN_HEADER, "")
        fault = template_fault(body.get("message") or {})
        if fault:  # never shown to the citizen: kept apart from what was sent
            self.refused.append({"token": token, "fault": fault, **body})
            return web.json_response({"error": BAD_PARAMETER, "message": fault})
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
            request.headers.get(SECRET_KEY_HEADER) != self.app_secret
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
