"""Policy questions: search the FAQ, answer with the source, suggest, or decline honestly."""

from __future__ import annotations

from sqlalchemy import select

from bot.context import Context
from bot.messages import Button, Reply
from content.schema import NATIONAL, Entry, vn_date
from content.understanding import understander_for
from db.models import Question, QuestionStatus
from handlers import legal_aid
from handlers.intents import legal_problems
from handlers.menu import menu
from handlers.routing import Router, Stage

TOPICS_PER_PAGE = 8
ENTRIES_PER_PAGE = 8
LEGAL_AID_TOPIC = "tro_giup_phap_ly"
# The local-plan topic is reached through the citizen's locality, not the general list.
_HIDDEN_FROM_TOPIC_MENU = {"dia_phuong"}


def answer_entry(
    ctx: Context, entry: Entry, also: tuple[str, ...] = (), earlier: Entry | None = None
) -> Reply:
    """The short answer with its source; "Xem thêm" for the details, the rule of the period
    that ended when this entry superseded it (`earlier`), the other questions the citizen asked
    in the same message, then related entries."""
    buttons = []
    if ctx.content.has_details(entry, ctx.today):
        buttons.append(Button(ctx.msgs.btn_more, f"more:{entry.id}"))
    if earlier is not None and earlier.valid_to is not None:
        label = ctx.msgs.btn_earlier_period.format(date=vn_date(earlier.valid_to))
        buttons.append(Button(label, f"faq:{earlier.id}"))
    shown = [i for i in also if i in ctx.content.entries and i != entry.id][:2]
    shown += [r for r in entry.related if r in ctx.content.entries and r not in shown]
    buttons += [Button(_short(ctx.content.entries[r].questions[0]), f"faq:{r}") for r in shown[:2]]
    text = ctx.content.render_answer(entry, ctx.today)
    if also:
        text = f"{text}\n\n{ctx.msgs.also_asked}"
    if ctx.audio is not None:
        buttons.append(Button(ctx.msgs.btn_listen, f"listen:{entry.id}"))
    buttons.append(ctx.menu_button())
    return Reply(
        text,
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


def more(ctx: Context, entry_id: str) -> list[Reply]:
    """The details behind "Xem thêm"."""
    entry = ctx.content.entries.get(entry_id)
    if entry is None:
        return [Reply(ctx.msgs.unknown_button, (ctx.menu_button(),))]
    buttons = [
        Button(_short(ctx.content.entries[r].questions[0]), f"faq:{r}")
        for r in entry.related[:2]
        if r in ctx.content.entries
    ]
    buttons.append(ctx.menu_button())
    return [
        Reply(
            ctx.content.render_details(entry, ctx.today),
            tuple(buttons),
            faq_id=entry.id,
            sources=tuple(ctx.content.citations(entry)),
        )
    ]


def _misses_the_problem(ctx: Context, entry_id: str, problems: tuple[str, ...]) -> bool:
    """A personal legal problem told ("hàng xóm lấn đất, muốn kiện"): a legal-aid entry about
    something else (the accused's lawyer) gives way to the free legal-aid reply with whom to
    call. Entries on other topics still answer what they are asked (a loan for a debt)."""
    if ctx.content.entries[entry_id].topic != LEGAL_AID_TOPIC:
        return False
    understander = understander_for(ctx.index)
    return not any(understander.speaks_of(entry_id, (p,)) for p in problems)


async def answer_text(ctx: Context, text: str) -> list[Reply]:
    understood = understander_for(ctx.index).understand(
        text, locality=ctx.citizen.locality_id, today=ctx.today
    )
    best = understood.best
    answer = understood.answer
    choice = understood.household_choice
    problems = legal_problems(ctx, ctx.index.normalizer.key(text))
    if answer is not None and problems and _misses_the_problem(ctx, answer.entry_id, problems):
        answer, choice = None, ()
    legal = answer is None and bool(problems)
    outside = not legal and understood.outside_scope
    question = await ctx.log_question(
        text,
        understood.result.query.plain,
        score=best.score if best else 0.0,
        matched_faq_id=answer.entry_id if answer and not choice else None,
        topic=ctx.content.entries[best.entry_id].topic if best else None,
        answered_by_bot=answer is not None and not choice,
        needs_officer=answer is None and not outside,
        status=QuestionStatus.ANSWERED if answer and not choice else QuestionStatus.NEW,
    )
    if choice:
        # The household type decides the answer: one short question, the answers as buttons.
        ctx.data["pending_question"] = question.id
        ctx.data["suggested"] = [entry_id for _, entry_id in choice]
        labels = {
            "poor": ctx.msgs.btn_household_poor,
            "near_poor": ctx.msgs.btn_household_near_poor,
            "left_poverty": ctx.msgs.btn_household_left_poverty,
        }
        buttons = [Button(labels[kind], f"faq:{entry_id}") for kind, entry_id in choice]
        return [Reply(ctx.msgs.ask_household, (*buttons, ctx.menu_button()))]
    if answer:
        ctx.data.pop("pending_question", None)
        also = tuple(m.entry_id for m in understood.also_asked)
        earlier = None
        if understood.decided_by == "current":  # an ended rule's successor answers first
            earlier, also = ctx.content.entries[also[0]], also[1:]
        return [answer_entry(ctx, ctx.content.entries[answer.entry_id], also, earlier)]
    if legal:
        return legal_aid.problem(ctx)
    if outside:
        return [menu(ctx, ctx.msgs.out_of_scope)]
    send = Button(ctx.msgs.btn_send_to_officer, f"q:send:{question.id}")
    if understood.suggestions:
        ctx.data["pending_question"] = question.id
        ctx.data["suggested"] = [m.entry_id for m in understood.suggestions]
        buttons = [
            Button(_short(ctx.content.entries[m.entry_id].questions[0]), f"faq:{m.entry_id}")
            for m in understood.suggestions
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


def _page(rest: str) -> tuple[str, int]:
    ident, _, page = rest.partition(":")
    return ident, int(page) if page.isdigit() else 0


router = Router(
    "faq",
    commands={"hoidap": "m:faq"},
    items={"faq": topics_menu},
    buttons={
        "faq:": answer_by_id,
        "more:": more,
        "topic:": lambda ctx, rest: topic_entries(ctx, *_page(rest)),
        "local:": lambda ctx, rest: local_entries(ctx, *_page(rest)),
    },
    text=answer_text,
    text_stage=Stage.ANSWER,
)
