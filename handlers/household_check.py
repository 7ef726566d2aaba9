"""The household self-check ("Kiểm tra diện hỗ trợ"), to a likely classification.

Area, members, income, then the 12 deprivation indicators as yes/no questions. The answers live
in the conversation state only; they are stored for officers only if the citizen agrees."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from bot.context import IDLE, Context
from bot.messages import Button, Reply
from content.amounts import parse_amount, parse_count
from content.eligibility import (
    CLASS_LABELS,
    CheckResult,
    Standard,
    classify,
    describe_upcoming,
    standard_for,
    upcoming_result,
    vnd,
)
from handlers import faq, yesno
from handlers.menu import menu
from handlers.routing import Phrase, Router, Stage

STATE = "household_check"
# Steps before the indicators; the indicators follow, then the consent question.
_AREA, _MEMBERS, _INCOME = 0, 1, 2
_FIRST_INDICATOR = 3


def _standard(ctx: Context) -> Standard | None:
    period = (ctx.data.get("check") or {}).get("period")
    if period and period in ctx.content.standards:
        return ctx.content.standards[period]
    return standard_for(ctx.content.standards, ctx.today)


def start(ctx: Context) -> list[Reply]:
    """From the menu: resume a check in progress, or begin one."""
    check = ctx.data.get("check") if ctx.state == STATE else None
    if check and check.get("step", 0) > _AREA:
        done = check["step"]
        buttons = (
            Button(ctx.msgs.btn_continue, "chk:continue"),
            Button(ctx.msgs.btn_restart, "chk:restart"),
            Button(ctx.msgs.btn_cancel, "cancel"),
        )
        return [Reply(ctx.msgs.check_resume.format(done=done), buttons)]
    return begin(ctx)


def begin(ctx: Context) -> list[Reply]:
    standard = _standard(ctx)
    if standard is None:
        ctx.clear_state()
        return [menu(ctx, ctx.msgs.check_no_standard)]
    ctx.set_state(STATE, check={"step": _AREA, "period": standard.period, "answers": {}})
    return [Reply(ctx.msgs.check_start), *ask(ctx)]


def ask(ctx: Context) -> list[Reply]:
    """The question of the current step, with its buttons."""
    check = ctx.data["check"]
    step = check["step"]
    standard = _standard(ctx)
    assert standard is not None
    back = Button(ctx.msgs.btn_back, "chk:back")
    cancel = Button(ctx.msgs.btn_cancel, "cancel")
    ctx.data["free_input"] = step in (_MEMBERS, _INCOME)
    if step == _AREA:
        rural = Button(ctx.msgs.btn_rural, "chk:rural")
        urban = Button(ctx.msgs.btn_urban, "chk:urban")
        return [Reply(ctx.msgs.check_area_q, (rural, urban, cancel))]
    if step == _MEMBERS:
        return [Reply(ctx.msgs.check_members_q, (back, cancel))]
    if step == _INCOME:
        return [Reply(ctx.msgs.check_income_q, (back, cancel))]
    index = step - _FIRST_INDICATOR
    if index < len(standard.indicators):
        indicator = standard.indicators[index]
        text = ctx.msgs.check_indicator_q.format(
            number=index + 1,
            total=len(standard.indicators),
            dimension=indicator.dimension,
            question=indicator.question,
            example=indicator.example,
        )
        check.pop("done", None)
        return [Reply(text, yesno.buttons(ctx, "chk"))]
    # Answered all: consent first, so that the result and its supports come last and every
    # channel (the web chat draws only the last reply's buttons) lets each one be pressed.
    check["done"] = True
    ctx.data["free_input"] = False
    return _consent_question(ctx)


def back(ctx: Context) -> list[Reply]:
    check = ctx.data["check"]
    check["step"] = max(_AREA, check["step"] - 1)
    return ask(ctx)


def _advance(ctx: Context, prefix: str | None = None) -> list[Reply]:
    ctx.data["check"]["step"] += 1
    replies = ask(ctx)
    if prefix:
        first = replies[0]
        replies[0] = Reply(f"{prefix}\n\n{first.text}", first.buttons)
    return replies


def press(ctx: Context, value: str) -> list[Reply]:
    """A button of the check was pressed (or its answer typed)."""
    if value == "restart" or ctx.state != STATE or "check" not in ctx.data:
        return begin(ctx)
    check = ctx.data["check"]
    step = check["step"]
    if value == "continue":
        return ask(ctx)
    if value == "back":
        return back(ctx)
    if step == _AREA and value in ("rural", "urban"):
        check["area"] = value
        return _advance(ctx)
    if step >= _FIRST_INDICATOR and value in ("yes", "no"):
        standard = _standard(ctx)
        index = step - _FIRST_INDICATOR
        if standard is not None and index < len(standard.indicators):
            check["answers"][standard.indicators[index].code] = value == "yes"
            return _advance(ctx)
    if value in ("save", "nosave") and check.get("done"):
        return []  # handled by consent(), which needs the session
    return ask(ctx)


async def receive_text(ctx: Context, text: str) -> list[Reply]:
    check = ctx.data["check"]
    step = check["step"]
    key = ctx.index.normalizer.key(text)
    if step == _AREA:
        buttons = ask(ctx)[0].buttons
        if yesno.is_unsure(ctx, text):
            return [Reply(ctx.msgs.check_area_unsure, buttons)]
        area = area_of(key)
        if area is not None:
            return press(ctx, area)
        return [Reply(ctx.msgs.check_area_retry.format(text=text.strip()[:60]), buttons)]
    if step == _MEMBERS:
        members = parse_count(text)
        if members is None:
            return [Reply(ctx.msgs.check_members_retry, ask(ctx)[0].buttons)]
        check["members"] = members
        return _advance(ctx)
    if step == _INCOME:
        income = parse_amount(text)
        if income is None or income < 0:
            return [Reply(ctx.msgs.check_income_retry, ask(ctx)[0].buttons)]
        check["income"] = income
        per_person = Fraction(income, check["members"])
        echo = ctx.msgs.check_income_echo.format(income=vnd(income), per_person=vnd(per_person))
        return _advance(ctx, echo)
    if check.get("done"):
        save = _consent_of(ctx, key, text)
        if save is not None:
            return await consent(ctx, save)
        return [yesno.retry(ctx, text, _consent_question(ctx)[0])]
    said = yesno.answer(ctx, text)
    if said is not None:
        return press(ctx, "yes" if said else "no")
    return [yesno.retry(ctx, text, ask(ctx)[0])]


# Folded words that name the area: "ở quê", "nhà quê", "vùng núi" / "thành phố", "trên phố".
_RURAL = frozenset(
    [
        "nong",
        "thon",
        "que",
        "xa",
        "lang",
        "ban",
        "thon",
        "buon",
        "ap",
        "soc",
        "nui",
        "ray",
        "ruong",
        "vung",
        "cao",
    ]
)
_RURAL_PHRASES = ("nong thon", "vung cao", "vung sau", "vung xa", "mien nui")
_URBAN_PHRASES = ("thanh thi", "thanh pho", "thi tran", "do thi", "noi thanh", "o pho")


def area_of(key: str) -> str | None:
    """'rural' or 'urban' for a typed answer ("ở quê", "xã", "thành phố"), None if unclear."""
    padded = f" {key} "
    rural = any(f" {p} " in padded for p in _RURAL_PHRASES)
    urban = any(f" {p} " in padded for p in _URBAN_PHRASES)
    if " thi xa " in padded:  # a town has both wards and communes
        return None
    if not rural and not urban:
        words = set(key.split())
        rural = bool(words & (_RURAL - {"thanh", "thi"}))
        urban = bool(words & {"pho", "phuong", "tp"})
    if rural != urban:
        return "rural" if rural else "urban"
    return None


def _consent_of(ctx: Context, key: str, text: str) -> bool | None:
    if key in ("dong y", "dong y luu", "luu", "co luu", "luu lai", "ok", "oke"):
        return True
    if key in ("khong luu", "dung luu", "thoi", "khong can"):
        return False
    return yesno.answer(ctx, text)


def result_of(ctx: Context, standard: Standard) -> CheckResult:
    check = ctx.data["check"]
    lacking = [code for code, lacks in check["answers"].items() if lacks]
    per_person = Fraction(check["income"], check["members"])
    return classify(standard, check["area"], per_person, lacking)


def _upcoming_lines(ctx: Context) -> list[str]:
    """In the review season before a new standard (1/9 until it applies), the result under
    the coming standard too, labelled as expected."""
    check = ctx.data["check"]
    lacking = [code for code, lacks in check["answers"].items() if lacks]
    per_person = Fraction(check["income"], check["members"])
    upcoming = upcoming_result(ctx.content.standards, check["area"], per_person, lacking, ctx.today)
    return [] if upcoming is None else [describe_upcoming(upcoming), ""]


def _result(ctx: Context, standard: Standard, note: str) -> list[Reply]:
    """The likely classification and why, then the supports that may apply as buttons."""
    result = result_of(ctx, standard)
    label = CLASS_LABELS[result.classification]
    lines = [
        note,
        "",
        ctx.msgs.check_result.format(standard=standard.title.lower(), label=label),
        "",
        ctx.msgs.check_reasons,
        *(f"- {r}" for r in result.reasons),
        "",
        *_upcoming_lines(ctx),
        ctx.msgs.check_next_step,
        "",
        ctx.msgs.check_disclaimer,
    ]
    citations = "; ".join(ctx.content.sources[s].citation() for s in standard.sources)
    lines += ["", f"Nguồn: {citations}."]
    supports = (
        *(
            Button(ctx.content.entries[e].questions[0], f"faq:{e}")
            for e in result.supports
            if e in ctx.content.entries
        ),
        Button(ctx.msgs.btn_supports_finder, "sup:start"),
        ctx.menu_button(),
    )
    return [Reply("\n".join(lines)), Reply(ctx.msgs.check_supports, supports)]


def _consent_question(ctx: Context) -> list[Reply]:
    buttons = (
        Button(ctx.msgs.btn_consent_yes, "chk:save"),
        Button(ctx.msgs.btn_consent_no, "chk:nosave"),
        Button(ctx.msgs.btn_back, "chk:back"),
    )
    return [Reply(ctx.msgs.check_consent_q, buttons)]


async def consent(ctx: Context, save: bool) -> list[Reply]:
    """The answer to the consent question: stores the summary or not, then the result."""
    check = ctx.data.get("check") or {}
    standard = _standard(ctx)
    if not check.get("done") or standard is None:
        return press(ctx, "continue")
    note = ctx.msgs.check_not_saved
    if save:
        result = result_of(ctx, standard)
        summary = _summary(check, result)
        question = await ctx.log_question(
            summary,
            ctx.index.normalizer.normalize(summary).plain,
            needs_officer=True,
            sent_by_citizen=True,
            topic="chuan_ngheo",
            self_check=_answers(check, result),
        )
        note = ctx.msgs.check_saved.format(number=question.id)
    replies = _result(ctx, standard, note)
    ctx.set_state(IDLE)
    return replies


def _answers(check: dict[str, Any], result: CheckResult) -> dict[str, Any]:
    """The household's answers as the officers' page reads them (dashboard/self_checks.py)."""
    return {
        "period": result.period,
        "classification": CLASS_LABELS[result.classification],
        "area": check["area"],
        "members": check["members"],
        "income": check["income"],
        "lacking": list(result.lacking),
    }


def _summary(check: dict[str, Any], result: CheckResult) -> str:
    lacking = ", ".join(result.lacking) or "không"
    return (
        f"Tự kiểm tra diện hỗ trợ ({result.period}): {CLASS_LABELS[result.classification]}. "
        f"Khu vực {'nông thôn' if check['area'] == 'rural' else 'đô thị'}, "
        f"{check['members']} người, thu nhập cả nhà {vnd(check['income'])}/tháng. "
        f"Chỉ số thiếu hụt: {lacking}."
    )


def standard(ctx: Context) -> list[Reply]:
    """ "Chuẩn nghèo": the standard's entries, introduced by what the self-check is for."""
    listing = faq.topic_entries(ctx, "chuan_ngheo")[0]
    return [Reply(ctx.msgs.check_intro, listing.buttons)]


async def pressed(ctx: Context, value: str) -> list[Reply]:
    if value in ("save", "nosave"):
        return await consent(ctx, value == "save")
    return press(ctx, value)


async def typed(ctx: Context, text: str) -> list[Reply] | None:
    return await receive_text(ctx, text) if "check" in ctx.data else None


router = Router(
    "household_check",
    commands={"kiemtra": "m:check"},
    items={"check": start, "standard": standard},
    keeps_state=frozenset({"check"}),  # a check under way is offered to be continued
    buttons={"chk:": pressed},
    states={STATE: typed},
    asks_yes_no=frozenset({STATE}),
    phrases=(Phrase("back_words", back, Stage.FLOW, in_state=STATE),),
)
