"""The channel-agnostic message types: one Inbound in, Replies out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
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
    label: str
    payload: str  # short ascii, within Telegram's 64-byte callback limit


@dataclass(frozen=True)
class AudioRef:
    clip_id: str
    title: str
    url: str | None = None


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[Button, ...] = ()
    audio: AudioRef | None = None
    faq_id: str | None = None  # set when the reply is an FAQ answer
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Capabilities:
    """What a channel can show; replies are down-rendered to fit."""

    max_text: int = 4096
    max_buttons: int = 10
    inline_buttons: bool = True
    audio_out: bool = True
    voice_in: bool = True
