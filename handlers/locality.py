"""Choosing the citizen's locality, by button or by typing its name."""

from __future__ import annotations

from rapidfuzz import fuzz, process

from bot.types import Button, Reply
from content.normalize import fold
from handlers.context import IDLE, Context
from handlers.menu import menu

CHOOSING_LOCALITY = "choosing_locality"
MATCH_CUTOFF = 82


def prompt(ctx: Context) -> list[Reply]:
    ctx.set_state(CHOOSING_LOCALITY)
    return [Reply(ctx.msgs.locality_prompt, _buttons(ctx))]


def _buttons(ctx: Context) -> tuple[Button, ...]:
    buttons = [
        Button(
            f"{loc.name} ({loc.province})"
            if loc.province and loc.level != "province"
            else loc.name,
            f"loc:{loc.id}",
        )
        for loc in ctx.content.localities.values()
        if loc.id != "toan-quoc"
    ]
    return (*buttons, Button(ctx.msgs.btn_cancel, "cancel"))


def find_locality(ctx: Context, text: str) -> str | None:
    """The locality whose name or alias is closest to what was typed, if close enough."""
    typed = " ".join(ctx.index.normalizer.words(text))
    if not typed:
        return None
    choices: dict[str, str] = {}
    for loc in ctx.content.localities.values():
        if loc.id == "toan-quoc":
            continue
        for name in (loc.name, *loc.aliases):
            choices[fold(name)] = loc.id
    words = set(typed.split())
    for name, loc_id in choices.items():
        if set(name.split()) <= words:  # "huyen kien hai tinh kien giang" names "kien hai"
            return loc_id
    found = process.extractOne(typed, list(choices), scorer=fuzz.ratio, score_cutoff=MATCH_CUTOFF)
    return choices[found[0]] if found else None


def choose(ctx: Context, locality_id: str) -> list[Reply]:
    loc = ctx.content.localities.get(locality_id)
    if loc is None:
        return [Reply(ctx.msgs.unknown_button, (ctx.menu_button(),))]
    ctx.citizen.locality_id = loc.id
    ctx.set_state(IDLE)
    text = ctx.msgs.locality_saved.format(name=loc.name)
    if loc.now:
        text += "\n" + ctx.msgs.locality_now.format(now=loc.now)
    return [menu(ctx, f"{text}\n\n{ctx.msgs.menu_prompt}")]


def receive_name(ctx: Context, text: str) -> list[Reply]:
    found = find_locality(ctx, text)
    if found:
        return choose(ctx, found)
    return [Reply(ctx.msgs.locality_not_found.format(text=text[:80]), _buttons(ctx))]
