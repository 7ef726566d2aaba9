"""Acting on questions as a helpdesk, one or many at once, audited and confirmed.

Assign, note, tag, split out of a group, merge groups, close, answer with a saved reply: every
action is checked against the officer's scope for every question first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode

from aiohttp import web

from app import keys
from content.loader import Content
from content.localities import province_code
from dashboard import notices
from dashboard.access import OFFICER_KEY, require_role
from dashboard.login import check_csrf
from dashboard.replies import reply_text
from dashboard.views import ACTING_ROLES
from db.helpdesk import (
    HelpdeskError,
    acting_officers,
    add_note,
    add_tag,
    assign,
    clean_tag,
    merge,
    record_answer,
    remove_tag,
    saved_reply,
    split,
)
from db.models import Question, QuestionStatus
from db.office import Officer
from db.officers import audit, in_scope, scope_of

MAX_SELECTED = 500
Action = Callable[[web.Request, Any, Officer, list[Question], dict[str, Any]], Awaitable[str]]


def _could_share(candidate: Officer, officer: Officer, content: Content) -> bool:
    """Whether the candidate may see some of the questions the officer sees."""
    theirs, mine = scope_of(candidate), scope_of(officer)
    if not theirs or not mine or theirs == mine:
        return True
    if "province_code" in theirs and "locality_id" in mine:
        return province_code(content, mine["locality_id"]) == theirs["province_code"]
    if "locality_id" in theirs and "province_code" in mine:
        return province_code(content, theirs["locality_id"]) == mine["province_code"]
    return False


async def assignable(db, content: Content, officer: Officer) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """The officers a question of this officer's scope may be assigned to."""
    return [
        {"id": o.id, "username": o.username}
        for o in await acting_officers(db)
        if _could_share(o, officer, content)
    ]


def selected_ids(values: list[str]) -> list[int]:
    """The question ids a form names, once each, in order; 400 for one that is no number."""
    ids: list[int] = []
    for raw in values:
        try:
            ids.append(int(raw))
        except ValueError as exc:
            raise web.HTTPBadRequest(text="Số câu hỏi không hợp lệ.") from exc
    ids = list(dict.fromkeys(ids))
    if len(ids) > MAX_SELECTED:
        raise web.HTTPBadRequest(text=f"Chọn tối đa {MAX_SELECTED} câu hỏi mỗi lần.")
    return ids


async def questions_in_scope(request: web.Request, db, ids: list[int]) -> list[Question]:  # type: ignore[no-untyped-def]
    """The questions, each within the officer's scope; one outside it (or missing) is 404 and
    nothing is done to any."""
    officer = request[OFFICER_KEY]
    found = []
    for question_id in ids:
        question = await db.get(Question, question_id)
        if question is None or not in_scope(officer, question):
            raise web.HTTPNotFound()
        found.append(question)
    return found


def _count(n: int) -> str:
    return f"{n} câu hỏi"


async def _assign(request, db, officer, questions, form) -> str:  # type: ignore[no-untyped-def]
    raw = str(form.get("assignee", "")).strip()
    assignee = None
    if raw:
        assignee = await db.get(Officer, int(raw)) if raw.isdigit() else None
        if assignee is None or assignee.disabled or assignee.role not in ACTING_ROLES:
            raise HelpdeskError("Không có cán bộ này (hoặc tài khoản đã bị khóa).")
        for q in questions:
            if not in_scope(assignee, q):
                raise HelpdeskError(
                    f"Cán bộ {assignee.username} không phụ trách địa phương của câu hỏi số {q.id}."
                )
    await assign(db, [q.id for q in questions], assignee, officer, dt.datetime.now(dt.UTC))
    to = assignee.username if assignee else None
    for q in questions:
        await audit(db, officer, "assign", str(q.id), {"to": to})
    if assignee is None:
        return f"Đã bỏ giao {_count(len(questions))}."
    return f"Đã giao {_count(len(questions))} cho {assignee.username}."


async def _tag(request, db, officer, questions, form) -> str:  # type: ignore[no-untyped-def]
    tag = clean_tag(str(form.get("tag", "")))
    added = await add_tag(db, [q.id for q in questions], tag, officer, dt.datetime.now(dt.UTC))
    for q in questions:
        await audit(db, officer, "tag", str(q.id), {"tag": tag})
    already = len(questions) - added
    note = f" ({already} câu đã có nhãn này từ trước)" if already else ""
    return f"Đã gắn nhãn «{tag}» cho {_count(len(questions))}{note}."


async def _untag(request, db, officer, questions, form) -> str:  # type: ignore[no-untyped-def]
    tag = clean_tag(str(form.get("tag", "")))
    for q in questions:
        await remove_tag(db, q.id, tag)
        await audit(db, officer, "untag", str(q.id), {"tag": tag})
    return f"Đã bỏ nhãn «{tag}» khỏi {_count(len(questions))}."


async def _note(request, db, officer, questions, form) -> str:  # type: ignore[no-untyped-def]
    for q in questions:
        await add_note(db, q.id, officer, str(form.get("note", "")), dt.datetime.now(dt.UTC))
        await audit(db, officer, "note", str(q.id))
    return "Đã lưu ghi chú nội bộ (chỉ cán bộ xem được, không gửi cho người dân)."


async def _close(request, db, officer, questions, form) -> str:  # type: ignore[no-untyped-def]
    now = dt.datetime.now(dt.UTC)
    for q in questions:
        old, q.status, q.updated_at = q.status, QuestionStatus.CLOSED, now
        await audit(db, officer, "set_status", str(q.id), {"from": old, "to": q.status})
    return f"Đã đóng {_count(len(questions))}."


async def _reply(request, db, officer, questions, form) -> str:  # type: ignore[no-untyped-def]
    raw = str(form.get("reply", "")).removeprefix("r:")
    reply = await saved_reply(db, officer, int(raw)) if raw.isdigit() else None
    if reply is None:
        raise HelpdeskError("Hãy chọn một câu trả lời mẫu.")
    text = reply_text(request.config_dict[keys.CONTENT], reply)
    now = dt.datetime.now(dt.UTC)
    for q in questions:
        await record_answer(db, officer, q, text, now)
    return f"Đã trả lời {_count(len(questions))} bằng câu trả lời mẫu «{reply.title}»."


async def _merge(request, db, officer, questions, form) -> str:  # type: ignore[no-untyped-def]
    if len(questions) < 2:
        raise HelpdeskError("Hãy chọn ít nhất hai câu hỏi (mỗi nhóm một câu) để gộp.")
    if len({q.locality_id for q in questions}) > 1:
        raise HelpdeskError("Chỉ gộp được các câu hỏi của cùng một địa phương.")
    label = await merge(db, [q.id for q in questions], dt.datetime.now(dt.UTC))
    for q in questions:
        await audit(db, officer, "merge_group", str(q.id), {"group": label})
    return f"Đã gộp {_count(len(questions))} cùng nhóm của chúng thành một nhóm."


async def _split(request, db, officer, questions, form) -> str:  # type: ignore[no-untyped-def]
    await split(db, [q.id for q in questions], dt.datetime.now(dt.UTC))
    for q in questions:
        await audit(db, officer, "split_group", str(q.id))
    if len(questions) == 1:
        return f"Đã tách câu hỏi số {questions[0].id} khỏi nhóm."
    return f"Đã tách {_count(len(questions))} khỏi nhóm của chúng."


BULK: dict[str, Action] = {
    "assign": _assign,
    "tag": _tag,
    "reply": _reply,
    "close": _close,
    "merge": _merge,
    "split": _split,
}
ONE: dict[str, Action] = {**BULK, "untag": _untag, "note": _note}


async def _act(request: web.Request, actions: dict[str, Action], ids: list[int]) -> str:
    officer = require_role(request, *ACTING_ROLES)
    form = await check_csrf(request)
    action = actions.get(str(form.get("action", "")))
    if action is None:
        raise web.HTTPBadRequest(text="Hãy chọn việc cần làm.")
    if not ids:
        raise web.HTTPBadRequest(text="Chưa chọn câu hỏi nào.")
    async with request.config_dict[keys.SESSIONS]() as db:
        questions = await questions_in_scope(request, db, ids)
        try:
            done = await action(request, db, officer, questions, form)
        except HelpdeskError as exc:
            await db.rollback()
            raise web.HTTPBadRequest(text=str(exc)) from exc
        await db.commit()
    if action is _reply:
        request.config_dict[keys.OUTBOX].wake()
    return done


async def bulk(request: web.Request) -> web.StreamResponse:
    """The inbox's "with the selected questions" form."""
    post = await request.post()
    ids = selected_ids([str(v) for v in post.getall("question", [])])
    done = await _act(request, BULK, ids)
    back = urlencode(parse_qsl(str(post.get("back", ""))[:1000]))
    raise notices.done(request, "/dashboard" + (f"?{back}" if back else ""), done)


async def one(request: web.Request) -> web.StreamResponse:
    """An action on the question page."""
    try:
        question_id = int(request.match_info["id"])
    except ValueError as exc:
        raise web.HTTPNotFound() from exc
    done = await _act(request, ONE, [question_id])
    raise notices.done(request, f"/dashboard/questions/{question_id}", done)


def setup(app: web.Application) -> None:
    app.router.add_post("/bulk", bulk)
    app.router.add_post("/questions/{id}/desk", one)
