"""What the platforms send us, built as they send it: Telegram updates, Zalo OA events (signed),
Zalo Bot events, web chat forms. Field names, headers and the signature are spelled here, not
imported from the adapters, so a wrong constant in an adapter fails a test."""

from __future__ import annotations

import hashlib
import itertools
import json
import secrets
import time
from typing import Any
from urllib.parse import urlencode

_ids = itertools.count(1)

# ---- Telegram Bot API ----------------------------------------------------------------------
TG_TOKEN = "123456:TEST-token"
TG_SECRET = "webhook-secret-123"
TG_HEADER = "X-Telegram-Bot-Api-Secret-Token"
TG_CHAT = 5550001


def telegram_user(chat_id: int = TG_CHAT, name: str = "Bà", last_name: str | None = None) -> dict:
    user: dict[str, Any] = {
        "id": chat_id,
        "is_bot": False,
        "first_name": name,
        "language_code": "vi",
    }
    if last_name:
        user["last_name"] = last_name
    return user


def telegram_update(
    update_id: int,
    text: str | None,
    chat_id: int = TG_CHAT,
    name: str = "Bà",
    last_name: str | None = None,
    **extra: Any,
) -> dict:
    """A private message; text starting with "/" carries its bot_command entity, as Telegram's
    does. `extra` adds fields of the message (a voice note, a photo…)."""
    message: dict[str, Any] = {
        "message_id": next(_ids),
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": "private", "first_name": name},
        "from": telegram_user(chat_id, name, last_name),
        **extra,
    }
    if text is not None:
        message["text"] = text
        if text.startswith("/"):
            length = len(text.split()[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    return {"update_id": update_id, "message": message}


def telegram_button(
    update_id: int,
    data: str,
    chat_id: int = TG_CHAT,
    name: str = "Bà",
    last_name: str | None = None,
) -> dict:
    """A tap on an inline button: a callback_query carrying the button's data."""
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"cb{update_id}",
            "from": telegram_user(chat_id, name, last_name),
            "chat_instance": "ci",
            "data": data,
            "message": {
                "message_id": next(_ids),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "text": "menu",
            },
        },
    }


# ---- Zalo Official Account -----------------------------------------------------------------
ZALO_APP, ZALO_SECRET, ZALO_KEY = "1234567890123456789", "app-secret", "oa-secret-key"
ZALO_SIGNATURE_HEADER = "X-ZEvent-Signature"
ZALO_USER = "8412345678901234567"  # Zalo ids overflow 53-bit integers: kept as strings


def zalo_event(
    key: str, text: str, user: str = ZALO_USER, name: str = "", stamp: float | None = None
) -> dict:
    """A citizen's text to the OA (`user_send_text`); the message id is "zmsg-<key>"."""
    return {
        "app_id": ZALO_APP,
        "event_name": "user_send_text",
        "timestamp": str(int((time.time() if stamp is None else stamp) * 1000)),
        "user_id_by_app": f"app-{user}",
        "sender": {"id": user, "display_name": name},
        "recipient": {"id": "oa-1"},
        "message": {"msg_id": f"zmsg-{key}", "text": text},
    }


def zalo_follow(user: str = ZALO_USER) -> dict:
    return {
        "app_id": ZALO_APP,
        "event_name": "follow",
        "timestamp": str(int(time.time() * 1000)),
        "oa_id": "oa-1",
        "follower": {"id": user},
        "source": "zalo",
    }


def zalo_seen(msg_ids: list[str], user: str = ZALO_USER) -> dict:
    """The citizen's Zalo app reporting our messages read (`user_seen_message`): sent by the
    OA, received by the citizen."""
    return {
        "app_id": ZALO_APP,
        "event_name": "user_seen_message",
        "timestamp": str(int(time.time() * 1000)),
        "sender": {"id": "oa-1"},
        "recipient": {"id": user},
        "message": {"msg_ids": msg_ids},
    }


def zalo_signature(raw: bytes, timestamp: str, app_id: str = ZALO_APP, key: str = ZALO_KEY) -> str:
    """Zalo's event MAC: sha256 hex of app id + raw body + timestamp + the OA secret key."""
    return hashlib.sha256(app_id.encode() + raw + timestamp.encode() + key.encode()).hexdigest()


def sign_zalo(event: dict[str, Any], body: bytes | None = None) -> tuple[bytes, dict[str, str]]:
    """An event signed as Zalo signs it; JSON with ASCII escapes, so odd Unicode goes as is."""
    raw = json.dumps(event).encode() if body is None else body
    mac = zalo_signature(raw, str(event.get("timestamp", "")))
    return raw, {ZALO_SIGNATURE_HEADER: f"mac={mac}", "Content-Type": "application/json"}


# ---- Zalo Bot Platform ---------------------------------------------------------------------
ZALO_BOT_TOKEN = "1234567890:test-bot-token"
ZALO_BOT_SECRET = "zalo-bot-secret-123"
ZALO_BOT_HEADER = "X-Bot-Api-Secret-Token"
ZALO_BOT_CHAT = "a1b2c3d4e5f6a7b8c9d0"  # Zalo's ids are hex strings


def zalo_bot_event(
    event_name: str,
    chat_id: str = ZALO_BOT_CHAT,
    name: str = "Bà Hoa",
    message_id: str | None = None,
    wrapped: bool = False,
    **fields: Any,
) -> dict:
    """An event as the platform posts it: flat (as captured live) or wrapped in {"ok", "result"}
    (as documented); a 20-hex message id and a date in milliseconds."""
    event = {
        "event_name": event_name,
        "message": {
            "message_id": message_id or secrets.token_hex(10),
            "date": int(time.time() * 1000),
            "from": {"id": chat_id, "display_name": name, "is_bot": False},
            "chat": {"id": chat_id, "chat_type": "PRIVATE"},
            **fields,
        },
    }
    return {"ok": True, "result": event} if wrapped else event


def zalo_bot_text(text: str, chat_id: str = ZALO_BOT_CHAT, **more: Any) -> dict:
    return zalo_bot_event("message.text.received", chat_id, text=text, **more)


# ---- The web chat --------------------------------------------------------------------------
FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}


def web_form(csrf: str, nonce: str, text: str | None = None, payload: str | None = None) -> bytes:
    """The chat page's form as a browser sends it: typed text, or a button's payload; what
    UTF-8 cannot encode is sent as is."""
    fields = {"csrf": csrf, "nonce": nonce}
    if payload is not None:
        fields["payload"] = payload
    else:
        fields["text"] = text or ""
    return urlencode(fields, errors="surrogatepass").encode()
