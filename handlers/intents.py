"""Typed requests: a menu label or a short request opens the same tool as its button.

"kiem tra ho ngheo", "số điện thoại xã"…; a personal legal problem opens free legal aid."""

from __future__ import annotations

from bot.context import Context
from handlers.menu import MENU_ITEMS
from handlers.routing import Router

# A request may trail this many words after its phrase ("kiểm tra hộ nghèo giúp tôi").
_TRAILING_WORDS = 2


def requested_item(ctx: Context, key: str) -> str | None:
    """The menu item (payload after "m:") that a typed message asks for, if it is a request."""
    if not key:
        return None
    normalizer = ctx.index.normalizer
    for label_key, payload in MENU_ITEMS:
        if key == normalizer.key(getattr(ctx.msgs, label_key)):
            return payload.partition(":")[2]
    words = key.split()
    for item, phrases in ctx.content.lexicon.intents.items():
        for phrase in phrases:
            size = len(phrase.split())
            if words[:size] == phrase.split() and len(words) - size <= _TRAILING_WORDS:
                return item
    return None


def legal_problems(ctx: Context, key: str) -> tuple[str, ...]:
    """The phrases by which the message tells of a personal legal problem (a land dispute, a
    debt, violence, a child hurt), which free legal aid is for."""
    padded = f" {key} "
    return tuple(p for p in ctx.content.lexicon.legal_problems if f" {p} " in padded)


router = Router("intents", requests=requested_item)
