"""Every Zalo Bot Platform method, header, field and error code Cầu Nối uses, in one place.

A change on Zalo's side is a change here. Pure: no I/O. Source:
shared/reference/zalo-bot-platform.md (Zalo's Bot API docs, checked against working adapters
and live captures)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

DEFAULT_BASE = "https://bot-api.zaloplatforms.com"  # ZALO_BOT_API_BASE's default

# Methods: POST {base}/bot{token}/{method} with a JSON body; names are case-sensitive.
GET_ME = "getMe"
GET_UPDATES = "getUpdates"
SET_WEBHOOK = "setWebhook"
DELETE_WEBHOOK = "deleteWebhook"
GET_WEBHOOK_INFO = "getWebhookInfo"
SEND_MESSAGE = "sendMessage"
SEND_PHOTO = "sendPhoto"
SEND_CHAT_ACTION = "sendChatAction"

WEBHOOK_PATH = "/zalo-bot/webhook"  # our route, appended to PUBLIC_URL for setWebhook
SECRET_HEADER = "X-Bot-Api-Secret-Token"  # the secret_token given to setWebhook, on each event
TEXT_LIMIT = 2000  # characters of a sendMessage text or a sendPhoto caption
POLL_SECONDS = 30  # how long one getUpdates waits for an update (sent as a string)
TYPING = "typing"  # the only chat action besides "upload_photo" ("coming soon")

# Error codes ({"ok": false, "error_code": …, "description": …})
BAD_REQUEST = 400  # also an unknown method
BAD_TOKEN = 401  # the token is invalid or was reset in Bot Creator
IDLE = 408  # getUpdates: no update within the timeout
QUOTA = 429  # "quota exceeded"; no retry_after is documented

# Webhook and getUpdates events; other names (user.follow, message.document.received, seen in
# one source each) are acknowledged and ignored.
TEXT = "message.text.received"
IMAGE = "message.image.received"
STICKER = "message.sticker.received"
VOICE = "message.voice.received"
UNSUPPORTED = "message.unsupported.received"  # no content: a protected sender, or a file/link
KNOWN_EVENTS = frozenset({TEXT, IMAGE, STICKER, VOICE, UNSUPPORTED})
MAX_ID_CHARS = 64


class ApiError(Exception):
    """A call Zalo answered with {"ok": false}, or an answer that is not its envelope."""

    def __init__(self, code: int, description: str = ""):
        super().__init__(f"Zalo Bot {code}: {description}".rstrip(": "))
        self.code = code
        self.description = description


def url(base: str, token: str, method: str) -> str:
    return f"{base.rstrip('/')}/bot{token}/{method}"


def redact(text: str, token: str) -> str:
    """`text` (a URL, an error) with the token hidden: it sits in every call's path."""
    return text.replace(f"bot{token}", "bot***").replace(token, "***") if token else text


def result(envelope: Any, status: int = 200) -> Any:
    """The `result` of a successful answer; ApiError otherwise (`status` when Zalo gave no
    error code). `sendChatAction` succeeds without a result: None."""
    if not isinstance(envelope, dict):
        raise ApiError(status if status >= 400 else 502, "not a Bot API answer")
    if envelope.get("ok") is not True:
        code = envelope.get("error_code")
        if isinstance(code, bool) or not isinstance(code, int):
            code = status if status >= 400 else 502
        raise ApiError(code, str(envelope.get("description") or ""))
    return envelope.get("result")


def unwrap(body: dict[str, Any]) -> dict[str, Any]:
    """A webhook body as its update: the docs show it wrapped in {"ok": true, "result": …}, live
    captures show it flat; both are accepted."""
    if body.get("ok") is True and "result" in body:
        inner = body["result"]
        if not isinstance(inner, dict):
            raise ValueError("result is not an update")
        return inner
    return body


def updates(answer: Any) -> list[dict[str, Any]]:
    """getUpdates' result as a list: documented as one update, seen as a list, or nothing."""
    if answer is None or answer == {} or answer == []:
        return []
    if isinstance(answer, dict):
        return [answer]
    if isinstance(answer, list) and all(isinstance(item, dict) for item in answer):
        return answer
    raise ValueError("getUpdates result is neither an update nor a list of them")


@dataclass(frozen=True)
class Event:
    """One event of a citizen, its fields read and checked."""

    name: str
    message_id: str
    chat_id: str  # replies go here; in a PRIVATE chat it is the sender's id
    user_id: str
    display_name: str = ""
    chat_type: str = "PRIVATE"
    text: str = ""  # the message, or an image's caption
    photo_url: str | None = None
    sticker: str | None = None
    sticker_url: str | None = None
    voice_url: str | None = None
    date_ms: int | None = None


def event_name(update: Any) -> str:
    """The update's event name; ValueError when it has none."""
    if not isinstance(update, dict) or not isinstance(update.get("event_name"), str):
        raise ValueError("event_name")
    return update["event_name"]


def read_event(update: dict[str, Any]) -> Event:
    """An update of a known event as an Event; ValueError when a field has a type Zalo never
    sends. Ids are kept as strings (20-hex in the samples)."""
    name = event_name(update)
    message = update.get("message")
    if not isinstance(message, dict):
        raise ValueError("message")
    sender = _object(message.get("from"), "message.from")
    chat = _object(message.get("chat"), "message.chat")
    user_id = _id(sender.get("id"), "from.id") if "id" in sender else ""
    chat_id = _id(chat.get("id"), "chat.id") if "id" in chat else user_id
    if not chat_id:
        raise ValueError("message.chat.id")
    date = message.get("date")
    if date is not None and (isinstance(date, bool) or not isinstance(date, int)):
        raise ValueError("message.date")
    return Event(
        name=name,
        message_id=_id(message.get("message_id"), "message_id"),
        chat_id=chat_id,
        user_id=user_id or chat_id,
        display_name=_text(sender.get("display_name") or sender.get("name"), "from.display_name"),
        chat_type=_text(chat.get("chat_type"), "chat.chat_type") or "PRIVATE",
        text=_text(message.get("text") or message.get("caption"), "message.text"),
        # The docs name the image `photo`; live captures have `photo_url`: the latter first.
        photo_url=_url(message.get("photo_url") or message.get("photo"), "photo"),
        sticker=_text(message.get("sticker"), "sticker") or None,
        sticker_url=_text(message.get("url"), "url") or None,
        voice_url=_url(message.get("voice_url"), "voice_url"),
        date_ms=date,
    )


def _object(value: Any, name: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(name)
    return value


def _id(value: Any, name: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(name)
    text = str(value)
    if not 0 < len(text) <= MAX_ID_CHARS:
        raise ValueError(name)
    return text


def _text(value: Any, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(name)
    return value


def _url(value: Any, name: str) -> str | None:
    """A link to a file we fetch: absent, or an http(s) address that parses (a host, a port
    that is a number); Zalo sends nothing else."""
    text = _text(value, name)
    if not text:
        return None
    try:
        parts = urlsplit(text)
        port_ok = parts.port is None or parts.port > 0  # .port raises on a port out of range
    except ValueError as exc:  # "http://[", "http://host:x"
        raise ValueError(name) from exc
    if parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
        raise ValueError(name)
    return text


# ---- request bodies -------------------------------------------------------------------------
def poll_body(seconds: int = POLL_SECONDS) -> dict[str, Any]:
    return {"timeout": str(seconds)}  # the docs type it as a string


def webhook_body(public_url: str, secret: str) -> dict[str, Any]:
    return {"url": public_url.rstrip("/") + WEBHOOK_PATH, "secret_token": secret}


def message_body(chat_id: str, text: str) -> dict[str, Any]:
    return {"chat_id": chat_id, "text": text}


def photo_body(chat_id: str, photo: str, caption: str = "") -> dict[str, Any]:
    body = {"chat_id": chat_id, "photo": photo}
    if caption:
        body["caption"] = caption
    return body


def typing_body(chat_id: str) -> dict[str, Any]:
    return {"chat_id": chat_id, "action": TYPING}


def sent_message_id(answer: Any) -> str | None:
    """The message id of sendMessage's or sendPhoto's result."""
    if isinstance(answer, dict) and answer.get("message_id") is not None:
        return str(answer["message_id"])
    return None
