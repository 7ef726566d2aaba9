"""Fitting replies to a channel: numbered choices, audio links, splits and button cuts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.channel import Capabilities
from bot.messages import Button, Reply


def fit(reply: Reply, caps: Capabilities) -> list[Reply]:
    """The reply as this channel can show it: one or more parts, buttons on the last."""
    lines = [reply.text]
    if caps.numbered_choices and reply.buttons:
        lines.append("")
        lines.extend(numbered_lines(reply.buttons))
    if reply.audio and not caps.audio_out:
        lines.append(audio_line(reply))
    texts = split_text("\n".join(lines), caps.max_text) or [""]
    buttons = tuple(
        replace(b, label=cut_title(b.label, caps.max_button_title))
        for b in reply.buttons[: caps.max_buttons]
    )
    room = caps.max_buttons - len(buttons) if caps.phone_buttons else 0
    phones = tuple(
        replace(p, label=cut_title(p.label, caps.max_button_title)) for p in reply.phones[:room]
    )
    plain = [Reply(text, announcement=reply.announcement) for text in texts[:-1]]
    last = replace(
        reply,
        text=texts[-1],
        buttons=buttons,
        phones=phones,
        audio=reply.audio if caps.audio_out else None,
    )
    return [*plain, last]


def numbered_lines(buttons: Sequence[Button]) -> list[str]:
    """The choices as "  1. …" lines: typing a number presses its button."""
    return [f"  {i}. {b.label}" for i, b in enumerate(buttons, 1)]


def audio_line(reply: Reply) -> str:
    """The clip as a line of text, for channels that do not send audio themselves."""
    assert reply.audio is not None
    where = f" {reply.audio.url}" if reply.audio.url else ""
    return f"  [âm thanh: {reply.audio.title}]{where}"


def cut_title(title: str, limit: int) -> str:
    """A button title within `limit` characters, cut with "…" when longer."""
    return title if len(title) <= limit else title[: max(0, limit - 1)].rstrip() + "…"


def as_text(reply: Reply) -> str:
    """The reply as plain text: numbered choices and the audio line (the console's view)."""
    lines = [reply.text]
    if reply.buttons:
        lines.append("")
        lines.extend(numbered_lines(reply.buttons))
    if reply.audio:
        lines.append(audio_line(reply))
    return "\n".join(lines)


def as_dict(reply: Reply) -> dict[str, object]:
    """The reply as JSON for the web chat and the command line."""
    return {
        "text": reply.text,
        "buttons": [
            {"n": i, "label": b.label, "payload": b.payload} for i, b in enumerate(reply.buttons, 1)
        ],
        "audio": reply.audio.clip_id if reply.audio else None,
        "faq_id": reply.faq_id,
        "sources": list(reply.sources),
    }


def utf16_len(text: str) -> int:
    """The length platforms count: UTF-16 code units (an emoji counts two)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def split_text(text: str, limit: int = 4096) -> list[str]:
    """Parts within `limit` UTF-16 units, cut at a newline, else a space, else the limit, never
    inside a surrogate pair; empty parts are dropped."""
    chunks: list[str] = []
    rest = text
    while utf16_len(rest) > limit:
        end = _fitting_prefix(rest, limit)
        cut = max(rest.rfind("\n", 0, end), rest.rfind(" ", 0, end))
        if cut <= 0:
            cut = end
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    chunks.append(rest)
    return [c for c in chunks if c]


def _fitting_prefix(text: str, limit: int) -> int:
    """How many characters of `text` fit in `limit` UTF-16 units, never ending between the two
    halves of a pair (whether a character beyond U+FFFF or two surrogate code points)."""
    units = 0
    for i, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            end = i
            break
    else:
        return len(text)
    if end > 0 and "\ud800" <= text[end - 1] <= "\udbff" and "\udc00" <= text[end] <= "\udfff":
        end -= 1
    return max(end, 1)
