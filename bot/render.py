"""Down-rendering: replies as plain text with numbered choices, for channels without buttons."""

from __future__ import annotations

from bot.messages import Reply


def as_text(reply: Reply) -> str:
    lines = [reply.text]
    if reply.buttons:
        lines.append("")
        lines.extend(f"  {i}. {b.label}" for i, b in enumerate(reply.buttons, 1))
    if reply.audio:
        where = f" {reply.audio.url}" if reply.audio.url else ""
        lines.append(f"  [âm thanh: {reply.audio.title}]{where}")
    return "\n".join(lines)


def as_dict(reply: Reply) -> dict[str, object]:
    return {
        "text": reply.text,
        "buttons": [
            {"n": i, "label": b.label, "payload": b.payload} for i, b in enumerate(reply.buttons, 1)
        ],
        "audio": reply.audio.clip_id if reply.audio else None,
        "faq_id": reply.faq_id,
        "sources": list(reply.sources),
    }


def split_text(text: str, limit: int = 4096) -> list[str]:  # 4096: Telegram's limit
    """Splits at Telegram's length limit without breaking words (paragraphs first)."""
    chunks: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = max(rest.rfind("\n", 0, limit), rest.rfind(" ", 0, limit))
        if cut <= 0:
            cut = limit
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    chunks.append(rest)
    return [c for c in chunks if c]
