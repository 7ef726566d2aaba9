"""Questions for officers: send one, confirm an unanswered one, and read the answers."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select

from bot.context import IDLE, Context
from bot.messages import Button, Reply
from db.models import Question
from handlers.faq import question_of
from handlers.routing import Router

AWAITING_QUESTION = "awaiting_officer_question"
MIN_QUESTION_WORDS = 3
ANSWERS_SHOWN = 5


def ask_prompt(ctx: Context) -> list[Reply]:
    ctx.set_state(AWAITING_QUESTION)
    return [Reply(ctx.msgs.officer_ask_prompt, (Button(ctx.msgs.btn_cancel, "cancel"),))]


async def receive_question(ctx: Context, text: str) -> list[Reply]:
    if len(text.split()) < MIN_QUESTION_WORDS:
        return [
            Reply(ctx.msgs.officer_question_too_short, (Button(ctx.msgs.btn_cancel, "cancel"),))
        ]
    normalized = ctx.index.normalizer.normalize(text).plain
    question = await ctx.log_question(text, normalized, needs_officer=True, sent_by_citizen=True)
    ctx.set_state(IDLE)
    return [_sent(ctx, ctx.msgs.officer_sent.format(number=question.id))]


async def send_existing(ctx: Context, question_id: int) -> list[Reply]:
    question = await question_of(ctx, question_id)
    if question is None:
        return [Reply(ctx.msgs.unknown_button, (ctx.menu_button(),))]
    question.needs_officer = True
    question.sent_by_citizen = True
    question.updated_at = ctx.now
    ctx.data.pop("pending_question", None)
    ctx.data.pop("suggested", None)
    return [_sent(ctx, ctx.msgs.officer_sent_existing.format(number=question.id))]


def _sent(ctx: Context, text: str) -> Reply:
    return Reply(text, (Button(ctx.msgs.btn_view_answers, "m:answers"), ctx.menu_button()))


async def my_answers(ctx: Context) -> list[Reply]:
    rows = (
        await ctx.session.execute(
            select(Question)
            .where(
                Question.citizen_id == ctx.citizen.id,
                or_(Question.sent_by_citizen.is_(True), Question.officer_answer.is_not(None)),
            )
            .order_by(Question.id.desc())
            .limit(ANSWERS_SHOWN)
        )
    ).scalars()
    items = []
    for q in rows:
        date = _vn_date(q.created_at)
        preview = q.text if len(q.text) <= 120 else q.text[:119] + "…"
        if q.officer_answer:
            items.append(
                ctx.msgs.answers_item_answered.format(
                    number=q.id, date=date, question=preview, answer=q.officer_answer
                )
            )
        else:
            items.append(
                ctx.msgs.answers_item_waiting.format(number=q.id, date=date, question=preview)
            )
    if not items:
        return [
            Reply(
                ctx.msgs.answers_none,
                (Button(ctx.msgs.menu_ask_officer, "m:ask"), ctx.menu_button()),
            )
        ]
    text = ctx.msgs.answers_header + "\n\n" + "\n\n".join(items)
    return [Reply(text, (ctx.menu_button(),))]


def _vn_date(value: dt.datetime) -> str:
    local = value + dt.timedelta(hours=7)
    return f"{local.day:02d}/{local.month:02d}/{local.year}"


async def pressed(ctx: Context, rest: str) -> list[Reply] | None:
    """ "q:send:<number>": send that question of the citizen's to officers."""
    action, _, number = rest.partition(":")
    if action == "send" and number.isdigit():
        return await send_existing(ctx, int(number))
    return None


router = Router(
    "questions",
    commands={"guicauhoi": "m:ask", "traloi": "m:answers"},
    items={"ask": ask_prompt, "answers": my_answers},
    buttons={"q:": pressed},
    states={AWAITING_QUESTION: receive_question},
)
