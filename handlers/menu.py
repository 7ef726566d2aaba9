"""The main menu, greeting and help."""

from __future__ import annotations

from bot.context import Context
from bot.messages import Button, Kind, Reply

MENU_ITEMS = (
    ("menu_faq", "m:faq"),
    ("menu_check", "m:check"),
    ("menu_legal", "m:legal"),
    ("menu_ask_officer", "m:ask"),
    ("menu_audio", "m:audio"),
    ("menu_locality", "m:loc"),
    ("menu_subscribe", "m:sub"),
)


def main_menu_buttons(ctx: Context) -> tuple[Button, ...]:
    return tuple(Button(getattr(ctx.msgs, key), payload) for key, payload in MENU_ITEMS)


def menu(ctx: Context, text: str | None = None) -> Reply:
    return Reply(text or ctx.msgs.menu_prompt, main_menu_buttons(ctx))


def greet(ctx: Context) -> list[Reply]:
    """The welcome and the menu; a typed "xin chào" after the bot has already answered (the
    welcome of /start, of the web chat's first page) gets a short greeting with the menu."""
    # The core records the buttons of every answer, so their key means the bot has spoken.
    if ctx.inbound.kind == Kind.TEXT and "buttons" in ctx.data:
        return [menu(ctx, ctx.msgs.greeting_again)]
    name = ctx.citizen.display_name
    greeting = ctx.msgs.greeting.format(name=f" {name}" if name else "")
    return [Reply(f"{greeting}\n\n{ctx.msgs.privacy}"), menu(ctx)]


def help_reply(ctx: Context) -> list[Reply]:
    return [menu(ctx, f"{ctx.msgs.help}\n\n{ctx.msgs.menu_prompt}")]
