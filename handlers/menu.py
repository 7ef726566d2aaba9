"""The main menu, greeting and help."""

from __future__ import annotations

from bot.context import IDLE, Context
from bot.messages import Button, Kind, Reply
from handlers.routing import Phrase, Press, Router, Stage

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


def help_command(ctx: Context, argument: str | None) -> list[Reply]:
    """/help: the conversation under way ends, then the help."""
    ctx.clear_state()
    return help_reply(ctx)


def start_over(ctx: Context) -> list[Reply]:
    """ "menu", "quay lại" outside a flow, the Menu button: the conversation ends, the menu."""
    ctx.clear_state()
    return [menu(ctx)]


def cancel(ctx: Context) -> list[Reply]:
    """ "hủy", "thôi", the Hủy button: the conversation ends, said so, with the menu."""
    ctx.clear_state()
    return [menu(ctx, ctx.msgs.cancelled)]


def thank(ctx: Context) -> list[Reply]:
    return [menu(ctx, ctx.msgs.thanks_reply)]


def _typed_number(ctx: Context, text: str, key: str) -> bool:
    return text.strip().rstrip(".").isdigit() and ctx.state == IDLE


def number(ctx: Context) -> list[Reply] | Press:
    """A number the core did not press as one of the choices shown."""
    number = ctx.inbound.text.strip().rstrip(".")
    if not ctx.data.get("buttons") and 1 <= int(number) <= len(MENU_ITEMS):
        # No choices shown yet (`chat --no-start`): the main menu's item of that number.
        return Press(MENU_ITEMS[int(number) - 1][1])
    return [menu(ctx, ctx.msgs.choice_out_of_range.format(number=number))]


router = Router(
    "menu",
    commands={"help": help_command, "menu": "menu"},
    buttons={
        "menu": lambda ctx, _: start_over(ctx),
        "cancel": lambda ctx, _: cancel(ctx),
        "help": lambda ctx, _: help_reply(ctx),
    },
    phrases=(
        Phrase("cancel_words", cancel, Stage.STOP, unless_yes_no=True),
        Phrase("menu_words", start_over, Stage.NAVIGATE),
        Phrase("back_words", start_over, Stage.NAVIGATE),
        Phrase("help_words", help_reply, Stage.NAVIGATE),
        Phrase(_typed_number, number, Stage.NUMBER),
        Phrase("greetings", greet, Stage.SMALL_TALK),
        Phrase("thanks", thank, Stage.SMALL_TALK),
    ),
)
