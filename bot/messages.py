"""The channel-agnostic message types: one Inbound in, Replies out."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    """What an inbound is: its shape, whatever the channel."""

    TEXT = "text"
    COMMAND = "command"
    BUTTON = "button"
    VOICE = "voice"
    AUDIO = "audio"
    IMAGE = "image"
    FILE = "file"
    STICKER = "sticker"
    LOCATION = "location"
    CONTACT = "contact"
    FOLLOW = "follow"
    UNFOLLOW = "unfollow"
    UNSUPPORTED = "unsupported"  # something the channel cannot pass on (a poll, a story…)


@dataclass(frozen=True)
class Address:
    """Who a message is from or to: a channel and the platform's user id, both strings."""

    channel: str
    user_id: str

    def __str__(self) -> str:
        return f"{self.channel}:{self.user_id}"

    @classmethod
    def parse(cls, value: str) -> Address:
        channel, sep, user_id = value.partition(":")
        if not sep or not channel or not user_id:
            raise ValueError(f"not an address: {value!r}")
        return cls(channel, user_id)


@dataclass(frozen=True)
class Inbound:
    """One thing a citizen did: wrote, pressed a button, sent a voice note, followed…"""

    address: Address
    kind: Kind
    text: str = ""
    payload: str | None = None  # button payload, or command argument (deep link)
    event_id: str | None = None  # the platform's id, for de-duplication
    media: dict[str, Any] | None = None
    display_name: str | None = None
    received_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


@dataclass(frozen=True)
class Button:
    """A choice under a reply; pressing it sends `payload` back as a BUTTON inbound."""

    label: str
    payload: str  # short ascii, within Telegram's 64-byte callback limit


@dataclass(frozen=True)
class Phone:
    """A number to call, shown as a dial button where the channel has them."""

    label: str
    number: str


@dataclass(frozen=True)
class AudioRef:
    """A clip of the audio library, with its title and, when known, its public link."""

    clip_id: str
    title: str
    url: str | None = None


@dataclass(frozen=True)
class Reply:
    """One message to a citizen, channel-neutral; `bot.render.fit` shapes it for a channel."""

    text: str
    buttons: tuple[Button, ...] = ()
    audio: AudioRef | None = None
    faq_id: str | None = None  # set when the reply is an FAQ answer
    sources: tuple[str, ...] = ()
    phones: tuple[Phone, ...] = ()
    image_url: str | None = None  # a picture (a poster, a QR code) sent after the text
    announcement: int | None = None  # the announcement this message carries

    def as_row(self) -> tuple[str, dict[str, Any] | None]:
        """The text and neutral payload of this reply's outbox row (empty parts left out)."""
        payload: dict[str, Any] = {}
        if self.buttons:
            payload["buttons"] = [[b.label, b.payload] for b in self.buttons]
        if self.phones:
            payload["phones"] = [[p.label, p.number] for p in self.phones]
        if self.audio:
            audio = {"key": self.audio.clip_id, "title": self.audio.title}
            if self.audio.url:
                audio["url"] = self.audio.url
            payload["audio"] = audio
        if self.image_url:
            payload["image_url"] = self.image_url
        if self.announcement is not None:
            payload["announcement"] = self.announcement
        return self.text, payload or None

    @classmethod
    def from_row(cls, text: str, payload: dict[str, Any] | None) -> Reply:
        """The reply an outbox row carries (the inverse of `as_row`); unknown keys are ignored."""
        payload = payload or {}
        audio = payload.get("audio")
        return cls(
            text=text or "",
            buttons=tuple(Button(label, data) for label, data in payload.get("buttons") or ()),
            phones=tuple(Phone(label, number) for label, number in payload.get("phones") or ()),
            audio=AudioRef(audio["key"], audio.get("title", ""), audio.get("url"))
            if audio
            else None,
            image_url=payload.get("image_url"),
            announcement=payload.get("announcement"),
        )


# What no database stores: UTF-16 surrogates (a lone "\ud800" in a platform's JSON) and NUL.
UNSTORABLE = re.compile("[\ud800-\udfff\x00]")
MAX_DISPLAY_NAME = 200  # the column's length


def storable(value: Any) -> Any:
    """A value from a platform as every database stores it: a surrogate becomes U+FFFD, a NUL
    is dropped, in strings, lists and dictionaries (keys too). What needs no change is
    returned as it is (the same object)."""
    if isinstance(value, str):
        return UNSTORABLE.sub(_replacement, value) if UNSTORABLE.search(value) else value
    if isinstance(value, dict):
        clean = {storable(k): storable(v) for k, v in value.items()}
        same = all(k in value and value[k] is v for k, v in clean.items())
        return value if same and len(clean) == len(value) else clean
    if isinstance(value, list | tuple):
        items = [storable(v) for v in value]
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    return value


def _replacement(match: re.Match[str]) -> str:
    return "" if match.group() == "\x00" else "\ufffd"


def storable_inbound(inbound: Inbound) -> Inbound:
    """The inbound with every field storable (see `storable`) and the name within its column;
    the same object when nothing needed a change (nearly always)."""
    name = storable(inbound.display_name)
    if name and len(name) > MAX_DISPLAY_NAME:
        name = name[:MAX_DISPLAY_NAME]
    fields = {
        "text": storable(inbound.text),
        "payload": storable(inbound.payload),
        "event_id": storable(inbound.event_id),
        "media": storable(inbound.media),
        "display_name": name,
    }
    user_id = storable(inbound.address.user_id)
    if user_id is inbound.address.user_id and all(
        value is getattr(inbound, key) for key, value in fields.items()
    ):
        return inbound
    return replace(inbound, address=Address(inbound.address.channel, user_id), **fields)
