"""Hypothesis strategies for hostile requests to the inbound endpoints (Telegram webhook with and
without its secret, Zalo OA webhook signed and unsigned, Zalo Bot webhook with and without its
secret, wrapped and flat, web chat): malformed JSON, wrong types, huge and deeply nested bodies,
odd content types and odd Unicode. Shared by tests and bench."""

from __future__ import annotations

import copy
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import (
    TG_HEADER,
    TG_SECRET,
    ZALO_BOT_HEADER,
    ZALO_BOT_SECRET,
    ZALO_SIGNATURE_HEADER,
    sign_zalo,
    telegram_button,
    telegram_update,
    zalo_bot_event,
    zalo_event,
)

ENDPOINTS = (
    "telegram",
    "telegram-no-secret",
    "zalo-signed",
    "zalo-unsigned",
    "zalo-bot",
    "zalo-bot-no-secret",
    "web",
)


@dataclass
class FuzzRequest:
    endpoint: str  # one of ENDPOINTS
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def path(self) -> str:
        if self.endpoint.startswith("telegram"):
            return "/telegram/webhook"
        if self.endpoint.startswith("zalo-bot"):
            return "/zalo-bot/webhook"
        return "/zalo/webhook" if self.endpoint.startswith("zalo") else "/chat"


ODD_TEXT = st.text(st.characters(exclude_categories=()), max_size=40) | st.sampled_from(
    [
        "\ud800",
        "a\udfffb",
        "\x00",
        "nul\x00in",
        "\u202eRTL",
        "\ufeffBOM",
        "e\u0301" * 30,
        "𝕏" * 300,
        "a" * 70_000,
        "",
        " ",
        "/start ../../etc/passwd",
        "/start " + "x" * 300,
        "1",
    ]
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | ODD_TEXT
)
VALUES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(ODD_TEXT, children, max_size=3)
    ),
    max_leaves=8,
)
CONTENT_TYPES = st.sampled_from(
    [
        "application/json",
        "application/json; charset=utf-8",
        "application/json; charset=x-unknown",
        "application/json; charset=utf-16",
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded; charset=nope",
        "multipart/form-data",
        "multipart/form-data; boundary=",
        "multipart/form-data; boundary=zz",
        "",
        'application/json; charset=""',
        '*/*; boundary="unterminated',
    ]
)


def _deep(depth: int, kind: str) -> bytes:
    if kind == "list":
        return b"[" * depth + b"]" * depth
    return b'{"a":' * depth + b"1" + b"}" * depth


RAW_BODIES = (
    st.binary(max_size=300)
    | VALUES.map(lambda v: json.dumps(v).encode())
    | st.builds(_deep, st.sampled_from([50, 1_000, 30_000]), st.sampled_from(["list", "dict"]))
    | st.sampled_from([b"", b"{", b"null", b"[]", b'"\\ud800"', b"\xff\xfe{}", b"{}" * 200_000])
)


def _set(target: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    for parent in parents:
        child = target.get(parent)
        if not isinstance(child, dict):
            child = target[parent] = {}
        target = child
    target[leaf] = value


TG_TEMPLATES = [
    lambda: telegram_update(900_000, "ho can ngheo co dc vay von ko"),
    lambda: telegram_button(900_001, "menu", chat_id=5550009),
    lambda: _inline(telegram_button(900_004, "m:legal", chat_id=5550009)),
    lambda: {**telegram_update(900_002, "x"), "edited_message": telegram_update(1, "y")["message"]},
    lambda: telegram_update(900_003, "", location={"latitude": 10.0, "longitude": 105.0}),
]


def _inline(update: dict[str, Any]) -> dict[str, Any]:
    """A tap on a button of an inline-mode message: its callback_query has no message."""
    del update["callback_query"]["message"]
    return update


TG_PATHS = [
    "update_id",
    "message",
    "message.text",
    "message.from",
    "message.from.id",
    "message.from.first_name",
    "message.from.last_name",
    "message.chat",
    "message.chat.id",
    "message.date",
    "message.entities",
    "message.voice",
    "message.photo",
    "message.document",
    "message.contact",
    "message.caption",
    "callback_query.data",
    "callback_query.from",
    "my_chat_member",
]
ZALO_PATHS = [
    "event_name",
    "app_id",
    "timestamp",
    "sender",
    "sender.id",
    "recipient",
    "follower",
    "follower.id",
    "message",
    "message.text",
    "message.msg_id",
    "message.attachments",
    "user_id_by_app",
]
ZALO_NAMES = st.sampled_from(
    [
        "user_send_text",
        "user_send_location",
        "follow",
        "unfollow",
        "user_seen_message",
        "oa_send_text",
        "x",
    ]
)
ZALO_BOT_PATHS = [
    "event_name",
    "message",
    "message.message_id",
    "message.date",
    "message.from",
    "message.from.id",
    "message.from.display_name",
    "message.chat",
    "message.chat.id",
    "message.chat.chat_type",
    "message.text",
    "message.caption",
    "message.photo",
    "message.photo_url",
    "message.sticker",
    "message.url",
    "message.voice_url",
]
ZALO_BOT_NAMES = st.sampled_from(
    [
        "message.text.received",
        "message.image.received",
        "message.sticker.received",
        "message.voice.received",
        "message.unsupported.received",
        "message.document.received",
        "user.follow",
        "x",
    ]
)
ZALO_BOT_FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "text": ODD_TEXT,
        "caption": ODD_TEXT,
        "photo_url": st.sampled_from(["https://zalo.example/p.jpg", "", "ftp://x", "http://["]),
        "sticker": ODD_TEXT,
        "url": ODD_TEXT,
        "voice_url": st.sampled_from(["https://zalo.example/v.aac", "", "//", "a" * 3000]),
    },
)
MUTATIONS = st.lists(st.tuples(st.integers(0, 10**6), VALUES), max_size=3)


@st.composite
def telegram_requests(draw: st.DrawFn) -> FuzzRequest:
    endpoint = draw(st.sampled_from(["telegram", "telegram", "telegram-no-secret"]))
    update = draw(st.sampled_from(TG_TEMPLATES))()
    update["update_id"] = draw(st.integers(1, 10**9))
    for index, value in draw(MUTATIONS):
        _set(update, TG_PATHS[index % len(TG_PATHS)], value)
    body = json.dumps(update).encode()
    if draw(st.integers(0, 9)) == 0:
        body = draw(RAW_BODIES)
    headers = {"Content-Type": draw(CONTENT_TYPES)}
    if endpoint == "telegram":
        headers[TG_HEADER] = TG_SECRET
    elif draw(st.booleans()):
        headers[TG_HEADER] = draw(st.sampled_from(["", "wrong", TG_SECRET + "x", "é"]))
    return FuzzRequest(endpoint, body, headers)


@st.composite
def zalo_requests(draw: st.DrawFn) -> FuzzRequest:
    endpoint = draw(st.sampled_from(["zalo-signed", "zalo-signed", "zalo-unsigned"]))
    event = zalo_event(str(draw(st.integers(1, 10**9))), draw(ODD_TEXT), user="84" + "1" * 17)
    event["event_name"] = draw(ZALO_NAMES)
    event["follower"] = {"id": "84" + "2" * 17}
    event = copy.deepcopy(event)
    for index, value in draw(MUTATIONS):
        _set(event, ZALO_PATHS[index % len(ZALO_PATHS)], value)
    if draw(st.integers(0, 9)) == 0:
        event["timestamp"] = str(int((time.time() - draw(st.integers(-(10**6), 10**6))) * 1000))
    raw = json.dumps(event).encode() if draw(st.integers(0, 9)) else draw(RAW_BODIES)
    _, headers = sign_zalo(event if isinstance(event.get("timestamp"), str) else {}, body=raw)
    if endpoint == "zalo-unsigned":
        headers[ZALO_SIGNATURE_HEADER] = draw(
            st.sampled_from(["", "mac=", "mac=00", "mac=" + "a" * 64, "é"])
        )
    headers["Content-Type"] = draw(CONTENT_TYPES)
    return FuzzRequest(endpoint, raw, headers)


@st.composite
def zalo_bot_requests(draw: st.DrawFn) -> FuzzRequest:
    endpoint = draw(st.sampled_from(["zalo-bot", "zalo-bot", "zalo-bot-no-secret"]))
    event = zalo_bot_event(
        draw(ZALO_BOT_NAMES),
        chat_id=draw(st.sampled_from(["a1b2c3d4e5f6a7b8c9d0", "1", "x" * 65])),
        message_id=f"{draw(st.integers(1, 10**9)):020x}",
        **draw(ZALO_BOT_FIELDS),
    )
    for index, value in draw(MUTATIONS):
        _set(event, ZALO_BOT_PATHS[index % len(ZALO_BOT_PATHS)], value)
    wrapping = draw(st.sampled_from(["flat", "flat", "wrapped", "odd"]))
    if wrapping == "wrapped":  # as the docs show it
        event = {"ok": True, "result": event}
    elif wrapping == "odd":  # an envelope that is not one, or holds no update
        ok = draw(st.sampled_from([True, False, "true"]) | VALUES)
        event = {"ok": ok, "result": event if draw(st.booleans()) else draw(VALUES)}
    body = json.dumps(event).encode() if draw(st.integers(0, 9)) else draw(RAW_BODIES)
    headers = {"Content-Type": draw(CONTENT_TYPES)}
    if endpoint == "zalo-bot":
        headers[ZALO_BOT_HEADER] = ZALO_BOT_SECRET
    elif draw(st.booleans()):
        headers[ZALO_BOT_HEADER] = draw(
            st.sampled_from(["", "wrong", ZALO_BOT_SECRET + "x", ZALO_BOT_SECRET[:-1], "é"])
        )
    return FuzzRequest(endpoint, body, headers)


@st.composite
def web_requests(draw: st.DrawFn) -> FuzzRequest:
    fields: dict[str, Any] = {"csrf": "{csrf}", "nonce": draw(ODD_TEXT), "text": draw(ODD_TEXT)}
    if draw(st.booleans()):
        fields["payload"] = draw(ODD_TEXT)
    if draw(st.booleans()):
        fields["csrf"] = draw(ODD_TEXT)
    form = urlencode(fields, errors="surrogatepass").encode()
    body = form if draw(st.integers(0, 4)) else draw(RAW_BODIES)
    content_type = (
        "application/x-www-form-urlencoded" if draw(st.booleans()) else draw(CONTENT_TYPES)
    )
    return FuzzRequest("web", body, {"Content-Type": content_type})


REQUESTS = {
    "telegram": telegram_requests(),
    "zalo": zalo_requests(),
    "zalo_bot": zalo_bot_requests(),
    "web": web_requests(),
}


def collect(strategy: st.SearchStrategy[FuzzRequest], count: int) -> list[FuzzRequest]:
    """`count` requests drawn by hypothesis, the same on every run (derandomized), for a
    bench run that sends them itself."""
    drawn: list[FuzzRequest] = []

    @settings(
        max_examples=count,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def draw(request: FuzzRequest) -> None:
        drawn.append(request)

    draw()
    return drawn


async def send(harness: Any, request: FuzzRequest) -> int:
    """Sends one fuzz request to the harness's application; the web chat's form gets the
    visitor's CSRF token where the strategy left its place-holder."""
    body = request.body.replace(b"%7Bcsrf%7D", harness.csrf.encode())
    response = await harness.client.post(
        request.path, data=body, headers=request.headers, allow_redirects=False
    )
    await response.read()
    return response.status
