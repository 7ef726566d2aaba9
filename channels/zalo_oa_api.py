"""Every Zalo OA Open API endpoint, header, field and error code Cầu Nối uses, in one place.

A change on Zalo's side is a change here. Sources: shared/reference/zalo-oa-api.md (the
official PHP and Java SDKs first, then working code and write-ups)."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
from collections.abc import Sequence
from typing import Any

# Endpoints, appended to ZALO_API_BASE (https://openapi.zalo.me) / ZALO_OAUTH_BASE
# (https://oauth.zaloapp.com).
SEND_CONSULTATION = "/v3.0/oa/message/cs"  # "tin Tư vấn": replies to citizens
OAUTH_ACCESS_TOKEN = "/v4/oa/access_token"

# Headers
ACCESS_TOKEN_HEADER = "access_token"  # the OA access token (not "Authorization")
SECRET_KEY_HEADER = "secret_key"  # the app secret, on the OAuth endpoint
SIGNATURE_HEADER = "X-ZEvent-Signature"  # on webhook events, "mac=<hex>"

TEXT_LIMIT = 2000  # characters a message (one source; kept conservative)

# Buttons under a consultation message (the template attachment): at most 4, titles of at most
# 35 characters (the strictest figures of the sources). A tap on an oa.query.* button comes back
# as a user_send_text whose text is the button's payload: ours start with BUTTON_PREFIX, so they
# cannot be taken for something typed. "hide": the payload is not shown in the citizen's chat.
MAX_BUTTONS = 4
MAX_BUTTON_TITLE = 35
BUTTON_PREFIX = "#cn:"
MAX_PAYLOAD = 64  # our button payloads' length (Telegram's callback limit); Zalo allows 1000
QUERY_BUTTON = "oa.query.hide"
PHONE_BUTTON = "oa.open.phone"

# Error codes (HTTP 200 with "error" != 0)
RATE_LIMITED = -32
ATTACHMENT_EXPIRED = -100
INVALID_TOKEN = {-216, -220}
RETRYABLE = {RATE_LIMITED, ATTACHMENT_EXPIRED}
# Refused because of the messaging window or the follower state: never retried blindly; the
# message waits for the citizen's next message.
OUTSIDE_WINDOW = {-213, -217, -227, -230, -232, -234, -244, -305, -311}

# Webhook events
TEXT, IMAGE, GIF, AUDIO, VIDEO, FILE, LINK, STICKER, LOCATION = (
    "user_send_text",
    "user_send_image",
    "user_send_gif",
    "user_send_audio",
    "user_send_video",
    "user_send_file",
    "user_send_link",
    "user_send_sticker",
    "user_send_location",
)
FOLLOW, UNFOLLOW = "follow", "unfollow"
RECEIVED, SEEN = "user_received_message", "user_seen_message"
# The OA's own messages echoed back: acknowledged and ignored.
ECHOES = {
    "oa_send_text",
    "oa_send_image",
    "oa_send_file",
    "oa_send_gif",
    "oa_send_list",
    "oa_send_sticker",
}
KNOWN_EVENTS = {
    TEXT,
    IMAGE,
    GIF,
    AUDIO,
    VIDEO,
    FILE,
    LINK,
    STICKER,
    LOCATION,
    FOLLOW,
    UNFOLLOW,
    RECEIVED,
    SEEN,
} | ECHOES


def event_signature(app_id: str, raw_body: bytes, timestamp: str, oa_secret_key: str) -> str:
    """sha256_hex(app_id + raw body + timestamp + OA secret key): plain SHA-256, not HMAC."""
    digest = hashlib.sha256()
    digest.update(app_id.encode())
    digest.update(raw_body)
    digest.update(timestamp.encode())
    digest.update(oa_secret_key.encode())
    return digest.hexdigest()


# A signed body's timestamp, found before the body is parsed (the signature covers it).
TIMESTAMP_FIELD = re.compile(rb'"timestamp"\s*:\s*"?(\d{1,20})"?')
TIMESTAMPS_TRIED = 8  # an event names a few timestamps at most
FUTURE_SKEW = 300.0  # seconds an event's timestamp may be ahead of our clock
MAX_ID_CHARS = 64


def signed_timestamp(raw_body: bytes, mac: str, app_id: str, oa_secret_key: str) -> str | None:
    """The timestamp `raw_body` was signed with, when `mac` is its signature, else None. The
    signature is checked before the body is parsed: a body Zalo did not sign is never parsed."""
    found = itertools.islice(TIMESTAMP_FIELD.finditer(raw_body), TIMESTAMPS_TRIED)
    for timestamp in dict.fromkeys(m.group(1).decode() for m in found):
        expected = event_signature(app_id, raw_body, timestamp, oa_secret_key)
        if hmac.compare_digest(mac.encode(), expected.encode()):
            return timestamp
    return None


def fresh(timestamp: str, now: float, max_age: float) -> bool:
    """An event's timestamp (milliseconds) is at most `max_age` seconds old and at most
    FUTURE_SKEW seconds ahead: an older signed event is a replay."""
    age = now - int(timestamp) / 1000
    return -FUTURE_SKEW <= age <= max_age


def read_event(raw_body: bytes) -> dict[str, Any]:
    """A signed body as an event; ValueError when it is not JSON or a field has a type Zalo
    never sends (an object where a string is due, a list of strings for the attachments…)."""
    try:
        event = json.loads(raw_body)
    except RecursionError as exc:
        raise ValueError("nested too deeply") from exc
    if not isinstance(event, dict):
        raise ValueError("not an object")
    if not isinstance(event.get("event_name"), str):
        raise ValueError("event_name")
    for key in ("app_id", "timestamp"):
        _check_id(event.get(key), key)
    for key in ("sender", "recipient", "follower"):
        party = _check_object(event.get(key), key)
        if "id" in party:
            _check_id(party["id"], f"{key}.id")
    message = _check_object(event.get("message"), "message")
    if message.get("text") is not None and not isinstance(message["text"], str):
        raise ValueError("message.text")
    if message.get("msg_id") is not None:
        _check_id(message["msg_id"], "message.msg_id")
    attachments = message.get("attachments") or []
    if not isinstance(attachments, list):
        raise ValueError("message.attachments")
    for item in attachments:
        payload = _check_object(_check_object(item, "attachment").get("payload"), "payload")
        if payload.get("url") is not None and not isinstance(payload["url"], str):
            raise ValueError("payload.url")
        _check_object(payload.get("coordinates"), "payload.coordinates")
    return event


def _check_object(value: Any, name: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(name)
    return value


def _check_id(value: Any, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(name)
    if not 0 < len(str(value)) <= MAX_ID_CHARS:
        raise ValueError(name)


def text_message(user_id: str, text: str) -> dict[str, Any]:
    return {"recipient": {"user_id": user_id}, "message": {"text": text}}


def buttons_message(
    user_id: str,
    text: str,
    buttons: Sequence[tuple[str, str]],
    phones: Sequence[tuple[str, str]] = (),
) -> dict[str, Any]:
    """A text message with the button template: (label, payload) choices first, then
    (label, number) dial buttons, at most MAX_BUTTONS in all. The text keeps its numbered
    choices: some Zalo clients do not draw the buttons."""
    items = [
        {"title": _title(label), "type": QUERY_BUTTON, "payload": BUTTON_PREFIX + payload}
        for label, payload in buttons
    ]
    for label, number in phones:
        code = phone_code(number)
        if code:
            items.append(
                {"title": _title(label), "type": PHONE_BUTTON, "payload": {"phone_code": code}}
            )
    message: dict[str, Any] = {"text": text}
    if items:
        message["attachment"] = {
            "type": "template",
            "payload": {"template_type": "button", "buttons": items[:MAX_BUTTONS]},
        }
    return {"recipient": {"user_id": user_id}, "message": message}


def _title(label: str) -> str:
    return label if len(label) <= MAX_BUTTON_TITLE else label[: MAX_BUTTON_TITLE - 1].rstrip() + "…"


def phone_code(number: str) -> str | None:
    """A Vietnamese number as oa.open.phone wants it ("0912 345 678" -> "84912345678"); None
    when it is not a phone number."""
    digits = re.sub(r"[\s.\-()]", "", number).removeprefix("+")
    if digits.startswith("0"):
        digits = "84" + digits[1:]
    return digits if digits.isdigit() and 9 <= len(digits) <= 15 else None


def tapped_payload(text: str) -> str | None:
    """The payload of one of our buttons when a user_send_text is a tap on it, else None."""
    if not text.startswith(BUTTON_PREFIX):
        return None
    return text[len(BUTTON_PREFIX) :].strip()[:MAX_PAYLOAD] or None


def image_message(user_id: str, url: str, caption: str | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {
        "attachment": {
            "type": "template",
            "payload": {
                "template_type": "media",
                "elements": [{"media_type": "image", "url": url}],
            },
        }
    }
    if caption:
        message["text"] = caption
    return {"recipient": {"user_id": user_id}, "message": message}


def refresh_form(app_id: str, refresh_token: str) -> dict[str, str]:
    return {"refresh_token": refresh_token, "app_id": app_id, "grant_type": "refresh_token"}


def attachment(event: dict[str, Any]) -> dict[str, Any]:
    attachments = (event.get("message") or {}).get("attachments") or []
    return attachments[0] if attachments else {}


# ---- reading events and responses (field names in one place) --------------------------------
def event_name(event: dict[str, Any]) -> str | None:
    return event.get("event_name")


def app_id_and_timestamp(event: dict[str, Any]) -> tuple[str, str]:
    return str(event["app_id"]), str(event["timestamp"])


def follower_id(event: dict[str, Any]) -> str:
    return str((event.get("follower") or {}).get("id") or "")


def sender_id(event: dict[str, Any]) -> str:
    return str((event.get("sender") or {}).get("id") or "")


def recipient_id(event: dict[str, Any]) -> str:
    return str((event.get("recipient") or {}).get("id") or "")


def message_of(event: dict[str, Any]) -> dict[str, Any]:
    return event.get("message") or {}


def message_id(event: dict[str, Any]) -> str | None:
    value = message_of(event).get("msg_id")
    return str(value) if value else None


def message_text(event: dict[str, Any]) -> str:
    return str(message_of(event).get("text") or "")


def attachment_url(event: dict[str, Any]) -> str | None:
    return (attachment(event).get("payload") or {}).get("url")


def coordinates(event: dict[str, Any]) -> dict[str, Any]:
    return (attachment(event).get("payload") or {}).get("coordinates") or {}


def error_code(response: Any) -> int:
    """0 on success; Zalo reports failures with HTTP 200 and a negative "error"."""
    return int(response.get("error", 0)) if isinstance(response, dict) else -1


def sent_message_id(response: dict[str, Any]) -> str:
    return str((response.get("data") or {}).get("message_id") or "")


def token_pair(response: Any) -> tuple[str, str, int] | None:
    """(access token, refresh token, seconds to expiry) from the OAuth answer, or None."""
    if not isinstance(response, dict):
        return None
    access, refresh = response.get("access_token"), response.get("refresh_token")
    if not access or not refresh:
        return None
    return str(access), str(refresh), int(response.get("expires_in", 3600))


def error_message(response: Any) -> str:
    return str(response.get("message")) if isinstance(response, dict) else str(response)
