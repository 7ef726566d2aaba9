"""Handler routers: what each citizen task takes, and the dispatch that asks them in order.

A router declares commands, menu items, button payloads, states and typed phrases."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum

from bot.context import IDLE, Context
from bot.messages import Kind, Reply


@dataclass(frozen=True)
class Press:
    """A handler's answer meaning "as if this button were pressed" (a typed menu label, a
    command, a number): dispatch runs that payload's handler."""

    payload: str


Replies = list[Reply] | Press | None  # None: not mine, the next rule is asked
Result = Replies | Awaitable[Replies]
Handler = Callable[[Context], Result]
TextHandler = Callable[[Context, str], Result]  # the message's text
ButtonHandler = Callable[[Context, str], Result]  # the payload's rest after "prefix:", or ""
Matcher = Callable[[Context, str, str], bool]  # (ctx, text as typed, folded key)


class Stage(IntEnum):
    """The order typed text is tried in; within a stage, routers in `ROUTERS` order."""

    STOP = 1  # leaving and cancelling in any state: "hủy thông báo", a one-word "HỦY", "thôi"
    FLOW = 2  # a running flow's own words ("quay lại" steps back in the self-check)
    NAVIGATE = 3  # the menu, going back out of anything, help
    ANY_STATE = 4  # other whole messages taken in any state ("đăng ký nhận thông báo")
    NUMBER = 5  # a number the core did not press as a choice
    ODD = 6  # empty, emoji only, too long
    STATE = 7  # text while a conversation is under way (by state name)
    SMALL_TALK = 8  # greetings, thanks
    REQUEST = 9  # typed menu labels and requests
    ANSWER = 10  # the FAQ, the last word


@dataclass(frozen=True)
class Phrase:
    """A whole typed message this router takes: one of a lexicon set, or what `words` says."""

    words: str | Matcher  # a lexicon set name ("cancel_words"), or a test of the message
    handle: Handler
    stage: Stage = Stage.ANY_STATE
    in_state: str | None = None  # only while this state runs (a flow's own "quay lại")
    unless_yes_no: bool = False  # "dung" answers a yes/no question asked, instead

    def matches(self, ctx: Context, text: str, key: str) -> bool:
        if self.in_state is not None and ctx.state != self.in_state:
            return False
        if isinstance(self.words, str):
            return key in getattr(ctx.content.lexicon, self.words)
        return self.words(ctx, text, key)


@dataclass(frozen=True)
class Router:
    """What one handler module takes. Buttons: a key ending in ":" is a payload prefix (its
    handler gets the rest, never empty), any other key an exact payload."""

    name: str
    commands: Mapping[str, str | Callable[[Context, str | None], Result]] = field(
        default_factory=dict
    )
    items: Mapping[str, Handler] = field(
        default_factory=dict
    )  # menu items ("m:<item>") this module opens
    keeps_state: frozenset[str] = frozenset()  # items opened without clearing the state first
    buttons: Mapping[str, ButtonHandler] = field(default_factory=dict)
    states: Mapping[str, TextHandler] = field(
        default_factory=dict
    )  # state name → its text handler (Stage.STATE)
    asks_yes_no: frozenset[str] = frozenset()  # states in which a yes/no question is asked
    phrases: tuple[Phrase, ...] = ()
    text: TextHandler | None = None  # any text, at `text_stage`
    requests: Callable[[Context, str], str | None] | None = None  # folded key → item (REQUEST)
    text_stage: Stage = Stage.ANSWER
    non_text: Handler | None = None  # voice, photos, stickers…: the first router's answers
    unknown: Handler | None = None  # a button or item nobody takes: the first router's answers


# Typed with its accents, "dừng" stops a flow even while a yes/no question is asked.
STOP_WORDS = frozenset({"dừng", "dừng lại"})


async def dispatch(ctx: Context, routers: Sequence[Router]) -> list[Reply]:
    """Runs one inbound message through the routers; the first rule that takes it answers."""
    inbound = ctx.inbound
    if inbound.kind == Kind.COMMAND:
        return await _command(ctx, routers, inbound.text, inbound.payload)
    if inbound.kind == Kind.BUTTON:
        return await press(ctx, routers, inbound.payload or "")
    if inbound.kind != Kind.TEXT:
        handler = next(r.non_text for r in routers if r.non_text is not None)
        return await _follow(ctx, routers, handler(ctx))
    return await _text(ctx, routers, inbound.text)


async def press(ctx: Context, routers: Sequence[Router], payload: str) -> list[Reply]:
    """A button's payload: an exact key first, then a menu item, then a prefix."""
    kind, sep, rest = payload.partition(":")
    for router in routers:
        handler = router.buttons.get(payload) if not payload.endswith(":") else None
        if handler is not None:
            return await _follow(ctx, routers, handler(ctx, ""))
    if kind == "m":
        return await _open(ctx, routers, rest)
    if sep and rest:
        for router in routers:
            handler = router.buttons.get(kind + ":")
            if handler is not None:
                replies = await _settle(handler(ctx, rest))
                if replies is not None:
                    return await _follow(ctx, routers, replies)
    return await _unknown(ctx, routers)


async def _open(ctx: Context, routers: Sequence[Router], item: str) -> list[Reply]:
    """A menu item ("m:<item>"): the conversation under way ends unless the item keeps it."""
    for router in routers:
        handler = router.items.get(item)
        if handler is not None:
            if item not in router.keeps_state:
                ctx.set_state(IDLE)
            return await _follow(ctx, routers, handler(ctx))
    ctx.set_state(IDLE)
    return await _unknown(ctx, routers)


async def _command(
    ctx: Context, routers: Sequence[Router], name: str, argument: str | None
) -> list[Reply]:
    """A command ("/kiemtra"): a button payload, or its own handler; unknown ones: the menu."""
    name = name.lower().lstrip("/").split("@", 1)[0]
    target = next((r.commands[name] for r in routers if name in r.commands), "menu")
    if isinstance(target, str):
        return await press(ctx, routers, target)
    return await _follow(ctx, routers, target(ctx, argument))


async def _text(ctx: Context, routers: Sequence[Router], text: str) -> list[Reply]:
    key = ctx.index.normalizer.key(text)
    yes_no: bool | None = None  # worked out when a rule asks
    for router, rule in _text_rules(routers):
        if isinstance(rule, Phrase):
            if not rule.matches(ctx, text, key):
                continue
            if rule.unless_yes_no:
                if yes_no is None:
                    yes_no = _answers_yes_no(ctx, routers, text, key)
                if yes_no:
                    continue
            result = rule.handle(ctx)
        elif rule == "requests":
            item = router.requests(ctx, key)  # type: ignore[misc]
            result = None if item is None else Press(f"m:{item}")
        elif rule == "states":
            handler = router.states.get(ctx.state)
            result = None if handler is None else handler(ctx, text)
        else:
            result = router.text(ctx, text)  # type: ignore[misc]
        replies = await _settle(result)
        if replies is not None:
            return await _follow(ctx, routers, replies)
    raise LookupError("no router answers text: one must have a text handler at Stage.ANSWER")


_plans: dict[int, tuple[Sequence[Router], list[tuple[Router, Phrase | str]]]] = {}


def _text_rules(routers: Sequence[Router]) -> list[tuple[Router, Phrase | str]]:
    """Every rule for typed text in the order it is tried: by stage, then router, then as
    declared. Worked out once per sequence of routers."""
    cached = _plans.get(id(routers))
    if cached is not None and cached[0] is routers:
        return cached[1]
    rules: list[tuple[Stage, int, Router, Phrase | str]] = []
    for position, router in enumerate(routers):
        rules += [(phrase.stage, position, router, phrase) for phrase in router.phrases]
        if router.requests is not None:
            rules.append((Stage.REQUEST, position, router, "requests"))
        if router.states:
            rules.append((Stage.STATE, position, router, "states"))
        if router.text is not None:
            rules.append((router.text_stage, position, router, "text"))
    # Stable: within a router, phrases before its state and text handlers, as declared.
    plan = [(router, rule) for _, _, router, rule in sorted(rules, key=lambda r: r[:2])]
    _plans[id(routers)] = (routers, plan)
    return plan


def _answers_yes_no(ctx: Context, routers: Sequence[Router], text: str, key: str) -> bool:
    """Without diacritics, "dung" is both "dừng" (stop) and "đúng" (right, yes). While a yes/no
    question is asked it answers it; only "dừng" typed with its accents stops the flow."""
    asking = any(ctx.state in r.asks_yes_no for r in routers)
    typed = text.strip().rstrip(".!").lower()
    return asking and key in ctx.content.lexicon.yes_words and typed not in STOP_WORDS


async def _unknown(ctx: Context, routers: Sequence[Router]) -> list[Reply]:
    handler = next(r.unknown for r in routers if r.unknown is not None)
    return await _follow(ctx, routers, handler(ctx))


async def _settle(result: Result) -> Replies:
    return await result if inspect.isawaitable(result) else result


async def _follow(ctx: Context, routers: Sequence[Router], result: Result) -> list[Reply]:
    """A handler's replies; a `Press` is run as that button."""
    replies = await _settle(result)
    if isinstance(replies, Press):
        return await press(ctx, routers, replies.payload)
    if replies is None:
        return await _unknown(ctx, routers)
    return replies
