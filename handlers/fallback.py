"""Polite answers to what is not a question: stickers, media, empty, emoji-only, huge messages."""

from __future__ import annotations

from bot.context import Context
from bot.messages import Kind, Reply
from content.normalize import is_symbols_only
from handlers.menu import greet, menu
from handlers.routing import Router, Stage

MEDIA_LABELS = {
    Kind.VOICE: "(tin nhắn thoại)",
    Kind.AUDIO: "(tệp âm thanh)",
    Kind.IMAGE: "(hình ảnh)",
    Kind.FILE: "(tệp đính kèm)",
}


async def non_text(ctx: Context) -> list[Reply]:
    kind = ctx.inbound.kind
    if kind == Kind.STICKER:
        return [menu(ctx, ctx.msgs.sticker_reply)]
    if kind in MEDIA_LABELS:
        # A voice note or a photo is a question the bot cannot read: officers see it.
        label = MEDIA_LABELS[kind]
        caption = ctx.inbound.text.strip()
        await ctx.log_question(
            f"{label} {caption}".strip(), label, needs_officer=True, sent_by_citizen=True
        )
        return [menu(ctx, ctx.msgs.media_reply)]
    if kind == Kind.LOCATION:
        return [menu(ctx, ctx.msgs.location_reply)]
    if kind == Kind.FOLLOW:
        return greet(ctx)
    if kind in (Kind.UNFOLLOW, Kind.CONTACT):
        return []
    if kind == Kind.UNSUPPORTED:  # a poll, a story, a kind of message the channel cannot pass on
        return [menu(ctx, ctx.msgs.unsupported_reply)]
    return [menu(ctx, ctx.msgs.media_reply)]


async def odd_text(ctx: Context, text: str) -> list[Reply] | None:
    if not text.strip():
        return [menu(ctx, ctx.msgs.empty_reply)]
    if is_symbols_only(text):
        return [menu(ctx, ctx.msgs.emoji_reply)]
    if len(text) > ctx.max_message_chars:
        normalized = ctx.index.normalizer.normalize(text[:20000]).plain
        question = await ctx.log_question(
            text, normalized, needs_officer=True, sent_by_citizen=True
        )
        return [menu(ctx, ctx.msgs.too_long_reply.format(number=question.id))]
    return None


def unknown(ctx: Context) -> list[Reply]:
    """A button or menu item nobody takes (an old message's, or a mistyped command's)."""
    return [menu(ctx, ctx.msgs.unknown_button)]


router = Router(
    "fallback",
    text=odd_text,
    text_stage=Stage.ODD,
    non_text=non_text,
    unknown=unknown,
)
