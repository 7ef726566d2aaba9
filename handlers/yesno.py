"""Yes/no questions shared by the guided conversations: buttons and typed answers."""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.context import Context
from bot.messages import Button, Reply
from content.normalize import fold

# Folded phrases of someone who does not know the answer ("không biết", "ko rõ").
UNSURE = (
    "khong biet",
    "chua biet",
    "khong ro",
    "chua ro",
    "khong chac",
    "chua chac",
    "khong nho",
    "khong hieu",
    "biet dau",
    "co le",
    "hinh nhu",
)
# Openings that say "nobody / nothing" whatever follows ("không có ai", "chẳng ai cả").
_NOBODY = ("khong ai", "khong co ai", "chang ai", "chang co ai", "khong co nguoi nao")
_YES_OPENINGS = frozenset({"co", "da co", "vang", "u", "dung", "phai"})
_NO_OPENINGS = frozenset({"khong", "chua", "chang", "da khong"})
# Who follows "có": a count or a member ("có 1 người", "có hai đứa", "có ông tôi").
_WHO = frozenset(
    [
        "mot",
        "hai",
        "ba",
        "bon",
        "nam",
        "sau",
        "bay",
        "tam",
        "chin",
        "muoi",
        "nguoi",
        "dua",
        "thang",
        "con",
        "chau",
        "ong",
        "bo",
        "me",
        "cha",
        "vo",
        "chong",
        "anh",
        "chi",
        "em",
        "co",
        "chu",
        "bac",
        "di",
        "cau",
    ]
)


def buttons(ctx: Context, prefix: str, back: bool = True) -> tuple[Button, ...]:
    """Có / Không (/ Quay lại) / Hủy, as '<prefix>:yes', '<prefix>:no', '<prefix>:back'."""
    out = [Button(ctx.msgs.btn_yes, f"{prefix}:yes"), Button(ctx.msgs.btn_no, f"{prefix}:no")]
    if back:
        out.append(Button(ctx.msgs.btn_back, f"{prefix}:back"))
    out.append(Button(ctx.msgs.btn_cancel, "cancel"))
    return tuple(out)


def is_unsure(ctx: Context, text: str) -> bool:
    """The citizen says they do not know ("không biết", "ko rõ", "có lẽ")."""
    key = ctx.index.normalizer.key(text)
    return any(key == p or key.startswith(p + " ") for p in UNSURE)


def answer(ctx: Context, text: str) -> bool | None:
    """True for "có", "ừ", "đúng", "có 1 người không có thẻ"…, False for "không", "ko",
    "chưa", "không có ai"…, None when unclear or unsure."""
    key = ctx.index.normalizer.key(text)
    if key in ctx.content.lexicon.yes_words:
        return True
    if key in ctx.content.lexicon.no_words:
        return False
    if not key or is_unsure(ctx, text):
        return None
    if any(key == p or key.startswith(p + " ") for p in _NOBODY):
        return False
    words = key.split()
    # A sentence that opens with the answer, then says who: "có 1 người không có thẻ",
    # "có, ông tôi", "không, nhà đủ cả". "có thẻ rồi" alone stays unclear.
    said_first = re.match(r"\s*(\w+(?: \w+)?)\s*[,.!;:-]", fold(text))
    for length in (2, 1):
        opening, rest = " ".join(words[:length]), words[length:]
        comma = said_first is not None and _key_of(ctx, said_first.group(1)) == opening
        if (
            len(words) > length
            and opening in _YES_OPENINGS
            and (comma or rest[0] in _WHO or rest[0].isdigit())
        ):
            return True
        if len(words) > length and opening in _NO_OPENINGS and comma:
            return False
    return None


def _key_of(ctx: Context, text: str) -> str:
    return ctx.index.normalizer.key(text)


def retry(ctx: Context, text: str, question: Reply) -> Reply:
    """Asks the same question again, saying why, with its buttons: help for "không biết",
    the accepted answers otherwise."""
    if is_unsure(ctx, text):
        lead = ctx.msgs.yesno_unsure
    else:
        lead = ctx.msgs.yesno_unclear.format(text=text.strip()[:60])
    return Reply(f"{lead}\n\n{question.text}", question.buttons)


def receive(
    ctx: Context,
    text: str,
    ask: Callable[[Context], list[Reply]],
    press: Callable[[Context, str], list[Reply]],
) -> list[Reply]:
    """A typed answer to the current yes/no question: pressed, or the question asked again."""
    said = answer(ctx, text)
    if said is None:
        return [retry(ctx, text, ask(ctx)[0])]
    return press(ctx, "yes" if said else "no")
