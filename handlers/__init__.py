"""Conversation handlers, one module per citizen task, and the router that picks one."""

from __future__ import annotations

from bot.context import IDLE, Context
from bot.messages import Kind, Reply
from handlers import (
    contacts,
    fallback,
    faq,
    household_check,
    intents,
    legal_aid,
    listen,
    locality,
    menu,
    questions,
    subscriptions,
    supports,
)

__all__ = ["Context", "route"]


async def route(ctx: Context) -> list[Reply]:
    """Runs one inbound message through the handlers; the first that takes it answers."""
    inbound = ctx.inbound
    lexicon = ctx.content.lexicon
    if inbound.kind == Kind.COMMAND:
        return await _command(ctx, inbound.text, inbound.payload)
    if inbound.kind == Kind.BUTTON:
        return await _button(ctx, inbound.payload or "")
    if inbound.kind != Kind.TEXT:
        replies = await fallback.non_text(ctx)
        return replies if replies is not None else [menu.menu(ctx, ctx.msgs.media_reply)]

    text = inbound.text
    key = ctx.index.normalizer.key(text)
    if key in lexicon.leave_phrases:  # "hủy thông báo": unambiguous, in any state
        return await subscriptions.leave(ctx)
    yes_no = _answers_yes_no(ctx, text, key)
    if subscriptions.is_leave_word(ctx, text) and not yes_no:
        return await subscriptions.leave_word(ctx)  # "HỦY": leaves, or cancels what is under way
    if key in lexicon.cancel_words and not yes_no:
        ctx.clear_state()
        return [menu.menu(ctx, ctx.msgs.cancelled)]
    if key in lexicon.back_words and ctx.state == household_check.STATE:
        return household_check.back(ctx)
    if key in lexicon.back_words and ctx.state == legal_aid.STATE:
        return legal_aid.press(ctx, "back")
    if key in lexicon.back_words and ctx.state == supports.STATE:
        return supports.press(ctx, "back")
    if key in lexicon.menu_words or key in lexicon.back_words:
        ctx.clear_state()
        return [menu.menu(ctx)]
    if key in lexicon.help_words:
        return menu.help_reply(ctx)
    if key in lexicon.subscribe_phrases:
        ctx.clear_state()
        return await subscriptions.start(ctx)

    number = text.strip().rstrip(".")
    if number.isdigit() and ctx.state == IDLE:
        if not ctx.data.get("buttons") and 1 <= int(number) <= len(menu.MENU_ITEMS):
            # No choices shown yet (`chat --no-start`): the main menu's item of that number.
            return await _menu_item(ctx, menu.MENU_ITEMS[int(number) - 1][1].removeprefix("m:"))
        # A number that is not one of the choices shown (those are pressed by the core).
        return [menu.menu(ctx, ctx.msgs.choice_out_of_range.format(number=number))]
    odd = await fallback.odd_text(ctx, text)
    if odd is not None:
        return odd
    if ctx.state == household_check.STATE and "check" in ctx.data:
        return await household_check.receive_text(ctx, text)
    if ctx.state == legal_aid.STATE and "legal" in ctx.data:
        return legal_aid.receive_text(ctx, text)
    if ctx.state == supports.STATE and "supports" in ctx.data:
        return supports.receive_text(ctx, text)
    if ctx.state == questions.AWAITING_QUESTION:
        return await questions.receive_question(ctx, text)
    if ctx.state == locality.CHOOSING_LOCALITY:
        return await locality.receive_name(ctx, text)
    if key in lexicon.greetings:
        return menu.greet(ctx)
    if key in lexicon.thanks:
        return [menu.menu(ctx, ctx.msgs.thanks_reply)]
    item = intents.requested_item(ctx, key)
    if item is not None:  # a typed menu label or request opens the tool, as its button does
        return await _menu_item(ctx, item)
    return await faq.answer_text(ctx, text)


def _answers_yes_no(ctx: Context, text: str, key: str) -> bool:
    """Without diacritics, "dung" is both "dừng" (stop) and "đúng" (right, yes). While a yes/no
    question is asked it answers it; only "dừng" typed with its accents stops the flow."""
    asking = ctx.state in (household_check.STATE, legal_aid.STATE, supports.STATE)
    typed = text.strip().rstrip(".!").lower()
    return asking and key in ctx.content.lexicon.yes_words and typed not in STOP_WORDS


STOP_WORDS = frozenset({"dừng", "dừng lại"})


async def _command(ctx: Context, name: str, argument: str | None) -> list[Reply]:
    name = name.lower().lstrip("/").split("@", 1)[0]
    if name in ("start", "help", "menu"):
        ctx.clear_state()
    if name == "start":
        if argument and argument in ctx.content.localities:
            # A deep link printed by a commune opens the bot with its locality chosen.
            ctx.citizen.locality_id = argument
            await locality.follow_locality(ctx, subscribe=False)
        return menu.greet(ctx)
    shortcuts = {
        "help": "help",
        "menu": "menu",
        "hoidap": "m:faq",
        "kiemtra": "m:check",
        "phaply": "m:legal",
        "guicauhoi": "m:ask",
        "bantin": "m:audio",
        "diaphuong": "m:loc",
        "traloi": "m:answers",
        "lienhe": "m:contacts",
        "thongbao": "m:sub",
        "huythongbao": "sub:off",
    }
    return await _button(ctx, shortcuts.get(name, "menu"))


async def _button(ctx: Context, payload: str) -> list[Reply]:
    kind, _, rest = payload.partition(":")
    if payload in ("menu", "cancel"):
        ctx.clear_state()
        return [menu.menu(ctx, ctx.msgs.cancelled if payload == "cancel" else None)]
    if payload == "help":
        return menu.help_reply(ctx)
    if kind == "m":
        return await _menu_item(ctx, rest)
    if kind == "faq" and rest:
        return await faq.answer_by_id(ctx, rest)
    if kind == "more" and rest:
        return faq.more(ctx, rest)
    if kind in ("topic", "local") and rest:
        ident, _, page = rest.partition(":")
        page_no = int(page) if page.isdigit() else 0
        if kind == "topic":
            return faq.topic_entries(ctx, ident, page_no)
        return faq.local_entries(ctx, ident, page_no)
    if kind == "chk" and rest:
        if rest in ("save", "nosave"):
            return await household_check.consent(ctx, rest == "save")
        return household_check.press(ctx, rest)
    if kind == "listen" and rest:
        return await listen.entry(ctx, rest)
    if kind == "legal" and rest:
        return legal_aid.press(ctx, rest)
    if kind == "sup" and rest:
        return supports.press(ctx, rest)
    if kind == "loc" and rest:
        return await locality.choose(ctx, rest)
    if kind == "sub" and rest == "off":
        return await subscriptions.leave(ctx)
    if kind == "q" and rest.startswith("send:") and rest[5:].isdigit():
        return await questions.send_existing(ctx, int(rest[5:]))
    return [menu.menu(ctx, ctx.msgs.unknown_button)]


async def _menu_item(ctx: Context, item: str) -> list[Reply]:
    if item == "check":
        return household_check.start(ctx)
    ctx.set_state(IDLE)
    if item == "faq":
        return faq.topics_menu(ctx)
    if item == "standard":
        return [_topic_with_intro(ctx, "chuan_ngheo", ctx.msgs.check_intro)]
    if item == "legal":
        return legal_aid.menu(ctx)
    if item == "supports":
        return supports.start(ctx)
    if item == "contacts":
        return contacts.directory(ctx)
    if item == "ask":
        return questions.ask_prompt(ctx)
    if item == "answers":
        return await questions.my_answers(ctx)
    if item == "audio":
        return await listen.bulletin(ctx)
    if item == "loc":
        return locality.prompt(ctx)
    if item == "sub":
        return await subscriptions.start(ctx)
    return [menu.menu(ctx, ctx.msgs.unknown_button)]


def _topic_with_intro(ctx: Context, topic_id: str, intro: str) -> Reply:
    listing = faq.topic_entries(ctx, topic_id)[0]
    return Reply(intro, listing.buttons)
