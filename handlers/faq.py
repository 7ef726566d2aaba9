"""Policy questions: search the FAQ, answer with the source, suggest, or decline honestly."""

from __future__ import annotations

from sqlalchemy import select

from bot.types import Button, Reply
from content.schema import NATIONAL, Entry
from db.models import Question, QuestionStatus
from handlers.context import Context

TOPICS_PER_PAGE = 8
ENTRIES_PER_PAGE = 8
# The local-plan topic is reached through the citizen's locality, not the general list.
_HIDDEN_FROM_TOPIC_MENU = {"dia_phuong"}


def answer_entry(ctx: Context, entry: Entry) -> Reply:
    buttons = [
        Button(_short(ctx.content.entries[r].questions[0]), f"faq:{r}")
        for r in entry.related[:2]
        if r in ctx.content.entries
    ]
    if ctx.audio is not None:
        buttons.append(Button(ctx.msgs.btn_listen, f"listen:{entry.id}"))
    buttons.append(ctx.menu_button())
    return Reply(
        ctx.content.render_answer(entry, ctx.today),
        tuple(buttons),
        faq_id=entry.id,
        sources=tuple(ctx.content.citations(entry)),
    )


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def topics_menu(ctx: Context, intro: str | None = None) -> list[Reply]:
    buttons = [
        Button(topic.title, f"topic:{topic.id}")
        for topic in ctx.content.topics.values()
        if topic.id not in _HIDDEN_FROM_TOPIC_MENU
        and any(e.topic == topic.id for e in ctx.content.entries.values())
    ]
    buttons.insert(0, Button(ctx.msgs.btn_supports_finder, "sup:start"))
    local = _local_topic_button(ctx)
    if local:
        buttons.insert(0, local)
    buttons.append(ctx.menu_button())
    return [Reply(intro or ctx.msgs.faq_intro, tuple(buttons))]


def _local_topic_button(ctx: Context) -> Button | None:
    locality = ctx.citizen.locality_id
    if not locality or locality == NATIONAL or locality not in ctx.content.localities:
        return None
    if not any(locality in e.localities for e in ctx.content.entries.values()):
        return None
    name = ctx.content.localities[locality].name
    return Button(f"{ctx.content.topics['dia_phuong'].title}: {name}", f"local:{locality}")


def entries_list(ctx: Context, title: str, entries: list[Entry], payload: str, page: int) -> Reply:
    start = page * ENTRIES_PER_PAGE
    chunk = entries[start : start + ENTRIES_PER_PAGE]
    buttons = [Button(_short(e.questions[0]), f"faq:{e.id}") for e in chunk]
    if start + ENTRIES_PER_PAGE < len(entries):
        buttons.append(Button("Xem thêm câu hỏi", f"{payload}:{page + 1}"))
    buttons.append(ctx.menu_button())
    return Reply(ctx.msgs.topic_intro.format(topic=title), tuple(buttons))


def topic_entries(ctx: Context, topic_id: str, page: int = 0) -> list[Reply]:
    topic = ctx.content.topics.get(topic_id)
    if topic is None:
        return [Reply(ctx.msgs.topic_unknown, (ctx.menu_button(),))]
    entries = [e for e in ctx.content.entries.values() if e.topic == topic_id]
    if ctx.citizen.locality_id:
        # The citizen's own locality first, then national, then other places.
        entries.sort(key=lambda e: _locality_rank(e, ctx.citizen.locality_id))
    return [entries_list(ctx, topic.title.lower(), entries, f"topic:{topic_id}", page)]


def local_entries(ctx: Context, locality_id: str, page: int = 0) -> list[Reply]:
    loc = ctx.content.localities.get(locality_id)
    entries = [e for e in ctx.content.entries.values() if locality_id in e.localities]
    if loc is None or not entries:
        return [Reply(ctx.msgs.topic_unknown, (ctx.menu_button(),))]
    return [entries_list(ctx, loc.name, entries, f"local:{locality_id}", page)]


def _locality_rank(entry: Entry, locality: str | None) -> int:
    if locality in entry.localities:
        return 0
    return 1 if NATIONAL in entry.localities else 2


async def answer_by_id(ctx: Context, entry_id: str) -> list[Reply]:
    entry = ctx.content.entries.get(entry_id)
    if entry is None:
        return [Reply(ctx.msgs.unknown_button, (ctx.menu_button(),))]
    pending = ctx.data.get("pending_question")
    if pending and entry_id in ctx.data.get("suggested", ()):
        # The citizen picked one of our suggestions: the question is answered after all.
        question = await ctx.session.get(Question, pending)
        if question is not None and question.citizen_id == ctx.citizen.id:
            question.matched_faq_id = entry_id
            question.topic = entry.topic
            question.answered_by_bot = True
            question.needs_officer = False
            question.status = QuestionStatus.ANSWERED
        ctx.data.pop("pending_question", None)
        ctx.data.pop("suggested", None)
    return [answer_entry(ctx, entry)]


async def answer_text(ctx: Context, text: str) -> list[Reply]:
    result = ctx.index.search(text, locality=ctx.citizen.locality_id)
    best = result.best
    question = await ctx.log_question(
        text,
        result.query.plain,
        score=best.score if best else 0.0,
        matched_faq_id=result.answer.entry_id if result.answer else None,
        topic=ctx.content.entries[best.entry_id].topic if best else None,
        answered_by_bot=result.answer is not None,
        needs_officer=result.answer is None,
        status=QuestionStatus.ANSWERED if result.answer else QuestionStatus.NEW,
    )
    if result.answer:
        ctx.data.pop("pending_question", None)
        return [answer_entry(ctx, ctx.content.entries[result.answer.entry_id])]
    send = Button(ctx.msgs.btn_send_to_officer, f"q:send:{question.id}")
    if result.suggestions:
        ctx.data["pending_question"] = question.id
        ctx.data["suggested"] = [m.entry_id for m in result.suggestions]
        buttons = [
            Button(_short(ctx.content.entries[m.entry_id].questions[0]), f"faq:{m.entry_id}")
            for m in result.suggestions
        ]
        buttons.append(Button(ctx.msgs.btn_none_of_these, f"q:send:{question.id}"))
        return [Reply(ctx.msgs.did_you_mean, tuple(buttons))]
    text_out = f"{ctx.msgs.decline}\n\n{ctx.msgs.decline_logged}"
    return [Reply(text_out, (send, Button(ctx.msgs.btn_topics, "m:faq"), ctx.menu_button()))]


async def question_of(ctx: Context, question_id: int) -> Question | None:
    result = await ctx.session.execute(
        select(Question).where(Question.id == question_id, Question.citizen_id == ctx.citizen.id)
    )
    return result.scalar_one_or_none()
