"""Which supports fit my family: yes/no questions, then the supports that may apply.

The questions are about the members; the program's projects and benefits that may apply come
each with a button to its FAQ entry."""

from __future__ import annotations

from bot.context import IDLE, Context
from bot.messages import Button, Reply
from handlers import yesno
from handlers.routing import Phrase, Router, Stage

STATE = "supports_finder"
MAX_BUTTONS = 10


def start(ctx: Context) -> list[Reply]:
    ctx.set_state(STATE, supports={"step": 0, "yes": []})
    return [Reply(ctx.msgs.supports_intro), *_ask(ctx)]


def _ask(ctx: Context) -> list[Reply]:
    guide = ctx.content.supports_guide
    step = ctx.data["supports"]["step"]
    question = guide.questions[step]
    text = ctx.msgs.supports_question.format(
        number=step + 1, total=len(guide.questions), question=question.question
    )
    return [Reply(text, yesno.buttons(ctx, "sup", back=step > 0))]


def press(ctx: Context, value: str) -> list[Reply]:
    if value == "start" or ctx.state != STATE or "supports" not in ctx.data:
        return start(ctx)
    guide = ctx.content.supports_guide
    state = ctx.data["supports"]
    step = state["step"]
    if value == "back":
        state["step"] = max(0, step - 1)
        previous = guide.questions[state["step"]].id
        state["yes"] = [q for q in state["yes"] if q != previous]
        return _ask(ctx)
    if value not in ("yes", "no"):
        return _ask(ctx)
    if value == "yes":
        state["yes"].append(guide.questions[step].id)
    if step + 1 < len(guide.questions):
        state["step"] = step + 1
        return _ask(ctx)
    return _result(ctx)


def receive_text(ctx: Context, text: str) -> list[Reply]:
    return yesno.receive(ctx, text, _ask, press)


def _result(ctx: Context) -> list[Reply]:
    guide = ctx.content.supports_guide
    chosen = set(ctx.data["supports"]["yes"])
    ctx.set_state(IDLE)
    lines, buttons, seen = [], [], set()
    for question in guide.questions:
        if question.id not in chosen:
            continue
        for support in question.supports:
            if support.faq in seen:
                continue
            seen.add(support.faq)
            lines.append(f"- {support.line}")
            if len(buttons) < MAX_BUTTONS:
                label = ctx.content.entries[support.faq].questions[0]
                buttons.append(Button(label, f"faq:{support.faq}"))
    if not lines:
        buttons = [Button(ctx.msgs.btn_topics, "m:faq"), Button(ctx.msgs.menu_ask_officer, "m:ask")]
        return [Reply(ctx.msgs.supports_none, (*buttons, ctx.menu_button()))]
    text = ctx.msgs.supports_result + "\n" + "\n".join(lines)
    return [Reply(text, (*buttons, ctx.menu_button()))]


def typed(ctx: Context, text: str) -> list[Reply] | None:
    return receive_text(ctx, text) if "supports" in ctx.data else None


router = Router(
    "supports",
    items={"supports": start},
    buttons={"sup:": press},
    states={STATE: typed},
    asks_yes_no=frozenset({STATE}),
    phrases=(Phrase("back_words", lambda ctx: press(ctx, "back"), Stage.FLOW, in_state=STATE),),
)
