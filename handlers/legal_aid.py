"""Free legal aid: who is eligible (asked as yes/no questions), what to bring, where to go."""

from __future__ import annotations

from bot.context import IDLE, Context
from bot.messages import Button, Phone, Reply
from content.localities import province_code
from handlers import contacts, yesno
from handlers.routing import Phrase, Router, Stage

STATE = "legal_check"


def menu(ctx: Context) -> list[Reply]:
    guide = ctx.content.legal_aid
    assert guide is not None
    buttons = (
        Button(ctx.msgs.btn_legal_check, "legal:check"),
        Button(ctx.msgs.btn_legal_papers, f"faq:{guide.papers_faq}"),
        Button(ctx.msgs.btn_legal_how, f"faq:{guide.how_faq}"),
        Button(ctx.msgs.btn_legal_contact, "legal:contact"),
        Button(ctx.msgs.btn_legal_faq, "topic:tro_giup_phap_ly"),
        ctx.menu_button(),
    )
    return [Reply(ctx.msgs.legal_menu, buttons)]


def _ask(ctx: Context) -> list[Reply]:
    guide = ctx.content.legal_aid
    step = ctx.data["legal"]["step"]
    question = guide.questions[step]
    text = ctx.msgs.legal_question.format(
        number=step + 1,
        total=len(guide.questions),
        question=question.question,
        example=question.example,
    )
    return [Reply(text, yesno.buttons(ctx, "legal", back=step > 0))]


def start(ctx: Context) -> list[Reply]:
    ctx.set_state(STATE, legal={"step": 0})
    return [Reply(ctx.msgs.legal_check_intro), *_ask(ctx)]


def press(ctx: Context, value: str) -> list[Reply]:
    if value == "check":
        return start(ctx)
    if value == "contact":
        text, phones = _where_to_ask(ctx)
        return [Reply(text, _after_buttons(ctx), phones=phones)]
    if ctx.state != STATE or "legal" not in ctx.data:
        return start(ctx)
    guide = ctx.content.legal_aid
    step = ctx.data["legal"]["step"]
    if value == "back":
        ctx.data["legal"]["step"] = max(0, step - 1)
        return _ask(ctx)
    if value == "yes":
        return _eligible(ctx, guide.questions[step])
    if value == "no":
        if step + 1 < len(guide.questions):
            ctx.data["legal"]["step"] = step + 1
            return _ask(ctx)
        ctx.set_state(IDLE)
        buttons = (
            Button(
                ctx.content.entries[guide.all_groups_faq].questions[0],
                f"faq:{guide.all_groups_faq}",
            ),
            ctx.menu_button(),
        )
        text, phones = _where_to_ask(ctx)
        return [Reply(f"{ctx.msgs.legal_not_eligible}\n\n{text}", buttons, phones=phones)]
    return _ask(ctx)


def receive_text(ctx: Context, text: str) -> list[Reply]:
    return yesno.receive(ctx, text, _ask, press)


def _eligible(ctx: Context, question) -> list[Reply]:  # type: ignore[no-untyped-def]
    guide = ctx.content.legal_aid
    ctx.set_state(IDLE)
    citations = "; ".join(ctx.content.sources[s].citation() for s in guide.sources)
    where, phones = _where_to_ask(ctx)
    text = "\n\n".join(
        [ctx.msgs.legal_eligible.format(reason=question.reason), where, f"Nguồn: {citations}."]
    )
    return [Reply(text, _after_buttons(ctx, question.faq), phones=phones)]


def _after_buttons(ctx: Context, reason_faq: str | None = None) -> tuple[Button, ...]:
    guide = ctx.content.legal_aid
    ids = [i for i in (reason_faq, guide.papers_faq, guide.how_faq) if i]
    buttons = [Button(ctx.content.entries[i].questions[0], f"faq:{i}") for i in ids]
    if not province_code(ctx.content, ctx.citizen.locality_id):
        buttons.append(Button(ctx.msgs.menu_locality, "m:loc"))
    buttons.append(ctx.menu_button())
    return tuple(buttons)


# When the province's centre has no checked number, the national hotline comes first.
HOTLINE_FALLBACK = (
    "Trung tâm trợ giúp pháp lý của tỉnh chưa có số điện thoại đã kiểm tra. Bạn hãy gọi đường"
    " dây nóng trợ giúp pháp lý miễn phí {phone}."
)
HOTLINE_HOURS = " Giờ làm việc: {hours}."


def _where_to_ask(ctx: Context) -> tuple[str, tuple[Phone, ...]]:
    """Where to ask for legal aid, and its checked numbers as dial buttons: the province's
    centre when it has a checked number, else the national hotline first (free, office hours)
    and what is known of the centre after it."""
    code = province_code(ctx.content, ctx.citizen.locality_id)
    found = contacts.for_province(ctx, "legal_aid", code)
    hotlines = [c for c in found if c.province_code is None]
    centres = [c for c in found if c.province_code is not None]
    parts = [ctx.msgs.legal_contact_header]
    checked_hotline = next((c for c in hotlines if contacts.has_checked_phone(c)), None)
    if code and checked_hotline and not any(map(contacts.has_checked_phone, centres)):
        text = HOTLINE_FALLBACK.format(phone=checked_hotline.phone)
        if checked_hotline.hours:
            text += HOTLINE_HOURS.format(hours=checked_hotline.hours)
        parts.append(text)
        found = hotlines + centres
    parts += [contacts.render(ctx, c) for c in found]
    if not code:
        parts.append(ctx.msgs.legal_contact_no_locality)
    return "\n\n".join(parts), contacts.phones(found)


def problem(ctx: Context) -> list[Reply]:
    """A personal legal problem told in a message: free legal aid, the hotline and the
    province's centre, and the check of who may get it."""
    where, phones = _where_to_ask(ctx)
    text = f"{ctx.msgs.legal_problem}\n\n{where}"
    buttons = (
        Button(ctx.msgs.btn_legal_check, "legal:check"),
        Button(ctx.msgs.btn_legal_papers, f"faq:{ctx.content.legal_aid.papers_faq}"),
        *_after_buttons(ctx)[-2:],
    )
    return [Reply(text, tuple(dict.fromkeys(buttons)), phones=phones)]


def typed(ctx: Context, text: str) -> list[Reply] | None:
    return receive_text(ctx, text) if "legal" in ctx.data else None


router = Router(
    "legal_aid",
    commands={"phaply": "m:legal"},
    items={"legal": menu},
    buttons={"legal:": press},
    states={STATE: typed},
    asks_yes_no=frozenset({STATE}),
    phrases=(Phrase("back_words", lambda ctx: press(ctx, "back"), Stage.FLOW, in_state=STATE),),
)
