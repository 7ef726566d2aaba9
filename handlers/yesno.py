"""Yes/no questions shared by the guided conversations: buttons and typed answers."""

from __future__ import annotations

from collections.abc import Callable

from bot.types import Button, Reply
from handlers.context import Context


def buttons(ctx: Context, prefix: str, back: bool = True) -> tuple[Button, ...]:
    """Có / Không (/ Quay lại) / Hủy, as '<prefix>:yes', '<prefix>:no', '<prefix>:back'."""
    out = [Button(ctx.msgs.btn_yes, f"{prefix}:yes"), Button(ctx.msgs.btn_no, f"{prefix}:no")]
    if back:
        out.append(Button(ctx.msgs.btn_back, f"{prefix}:back"))
    out.append(Button(ctx.msgs.btn_cancel, "cancel"))
    return tuple(out)


def answer(ctx: Context, text: str) -> bool | None:
    """True for "có", "ừ", "đúng"…, False for "không", "ko", "chưa"…, None otherwise."""
    key = ctx.index.normalizer.key(text)
    if key in ctx.content.lexicon.yes_words:
        return True
    if key in ctx.content.lexicon.no_words:
        return False
    return None


def receive(
    ctx: Context,
    text: str,
    ask: Callable[[Context], list[Reply]],
    press: Callable[[Context, str], list[Reply]],
) -> list[Reply]:
    """A typed answer to the current yes/no question: pressed, or the question asked again."""
    said = answer(ctx, text)
    if said is None:
        question = ask(ctx)[0]
        return [Reply(f"{ctx.msgs.check_yesno_retry}\n\n{question.text}", question.buttons)]
    return press(ctx, "yes" if said else "no")
