"""A citizen's question in the dashboard: its page, answers, status and attached file.

The page shows the conversation around the question, its assignee, internal notes and tags,
and an answer box a saved reply or an FAQ entry's answer can be inserted into; answers go back
through the outbox."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from aiohttp import web
from sqlalchemy import select

from app import keys
from content.understanding import understander_for
from dashboard import notices
from dashboard.access import OFFICER_KEY, require_role
from dashboard.helpdesk import assignable, questions_in_scope, selected_ids
from dashboard.login import check_csrf
from dashboard.names import channel_name, place_names
from dashboard.privacy import mask, mask_name, masks_for
from dashboard.replies import faq_text, reply_choices
from dashboard.views import ACTING_ROLES, DELIVERY_LABELS, render_page, vn_time
from db.helpdesk import (
    SOLO,
    assignees,
    is_overdue,
    labels_of,
    notes_of,
    record_answer,
    saved_replies,
    tags_of,
)
from db.models import Citizen, Message, OutboxMessage, Question, QuestionStatus
from db.officers import audit, in_scope


def _route_id(request: web.Request) -> int:
    """The question id in the route; not a number: 404, as a missing question."""
    try:
        return int(request.match_info["id"])
    except ValueError as exc:
        raise web.HTTPNotFound() from exc


async def _question_in_scope(request: web.Request, db, question_id: int) -> Question:  # type: ignore[no-untyped-def]
    question = await db.get(Question, question_id)
    if question is None or not in_scope(request[OFFICER_KEY], question):
        # Another locality's question is reported as missing, not as forbidden.
        raise web.HTTPNotFound()
    return question


async def question_page(request: web.Request) -> web.StreamResponse:
    officer = request[OFFICER_KEY]
    content = request.config_dict[keys.CONTENT]
    question_id = _route_id(request)
    can_act = officer.role in ACTING_ROLES
    async with request.config_dict[keys.SESSIONS]() as db:
        q = await _question_in_scope(request, db, question_id)
        citizen = await db.get(Citizen, q.citizen_id)
        around = (
            (
                await db.execute(
                    select(Message)
                    .where(
                        Message.citizen_id == q.citizen_id,
                        Message.text.is_not(None),
                        Message.created_at >= q.created_at - dt.timedelta(hours=2),
                        Message.created_at <= q.created_at + dt.timedelta(hours=2),
                    )
                    .order_by(Message.id)
                    .limit(40)
                )
            )
            .scalars()
            .all()
        )
        source = await db.get(Message, q.message_id) if q.message_id else None
        media = ((source.payload or {}).get("media") or {}) if source else {}
        deliveries = (
            (
                await db.execute(
                    select(OutboxMessage)
                    .where(OutboxMessage.question_id == q.id)
                    .order_by(OutboxMessage.id)
                )
            )
            .scalars()
            .all()
        )
        notes = await notes_of(db, q.id)
        tags = (await tags_of(db, [q.id])).get(q.id, [])
        assignee = (await assignees(db, [q.id])).get(q.id)
        solo = (await labels_of(db, [q.id])).get(q.id) == SOLO
        officers = await assignable(db, content, officer) if can_act else []
        saved = await saved_replies(db, officer) if can_act else []
        await audit(db, officer, "view_question", str(q.id))
        await db.commit()
    masked, names = masks_for(officer), [citizen.display_name]
    choices = [*_entry_choices(request, q), *reply_choices(content, saved)] if can_act else []
    days = request.config_dict[keys.SETTINGS].question_overdue_days
    response = render_page(
        request,
        "question.html",
        q=q,
        text=mask(q.text, masked, names),
        officer_answer=mask(q.officer_answer, masked, names),
        created=vn_time(q.created_at),
        citizen_name=mask_name(citizen.display_name, masked),
        channel=channel_name(q.channel),
        locality=place_names(content, [q.locality_id]).get(q.locality_id or ""),
        topic=content.topics[q.topic].title if q.topic in content.topics else "",
        status_label=QuestionStatus.LABELS.get(q.status, q.status),
        statuses=list(QuestionStatus.LABELS.items()),
        can_act=can_act,
        has_media=bool(media.get("path")),
        media_kind=source.kind if source else None,
        overdue=is_overdue(q, dt.datetime.now(dt.UTC), days),
        overdue_days=days,
        assignee=assignee,
        officers=officers,
        solo=solo,
        tags=[mask(t, masked, names) for t in tags],
        notes=[
            {"who": n.username, "when": vn_time(n.created_at), "text": mask(n.text, masked, names)}
            for n in notes
        ],
        choices=choices,
        draft=_draft(request, choices) if can_act else "",
        conversation=[
            {
                "direction": m.direction,
                "when": vn_time(m.created_at),
                # The bot greets the citizen by name: a viewer sees that name masked too.
                "text": mask(m.text, masked, names),
            }
            for m in around
        ],
        deliveries=[
            {
                "status_label": DELIVERY_LABELS.get(d.status, d.status),
                "last_error": d.last_error,
                "attempts": d.attempts,
            }
            for d in deliveries
        ],
        notice=notices.take(request),
    )
    return notices.shown(request, response)


def _entry_choices(request: web.Request, q: Question) -> list[dict[str, str]]:
    """ "Answer with FAQ entry X" for the entries the bot finds for this question (the one it
    answered with, or those it suggested)."""
    content = request.config_dict[keys.CONTENT]
    index = request.config_dict[keys.CORE].index
    understood = understander_for(index).understand(q.text, locality=q.locality_id)
    found = [q.matched_faq_id, understood.answer and understood.answer.entry_id]
    found += [m.entry_id for m in understood.suggestions]
    choices = []
    for entry_id in dict.fromkeys(e for e in found if e and e in content.entries):
        entry = content.entries[entry_id]
        text = faq_text(content, entry_id) or ""
        title = f"Mục hỏi đáp: {entry.questions[0]}"
        choices.append({"value": f"f:{entry_id}", "title": title, "text": text})
    return choices


def _draft(request: web.Request, choices: list[dict[str, str]]) -> str:
    """The answer box's text when the officer asked to insert a saved reply or an FAQ entry
    (?chen=r:ID, ?chen=f:ENTRY, or an entry id typed in ?muc=): without JavaScript too."""
    typed = request.query.get("muc", "").strip()
    if typed:
        text = faq_text(request.config_dict[keys.CONTENT], typed)
        if text is None:
            raise web.HTTPBadRequest(text=f"Không có mục hỏi đáp «{typed[:64]}».")
        return text
    wanted = request.query.get("chen", "")
    return next((c["text"] for c in choices if c["value"] == wanted), "")


async def answer(request: web.Request) -> web.StreamResponse:
    officer = require_role(request, *ACTING_ROLES)
    form = await check_csrf(request)
    post = await request.post()
    text = str(form.get("answer", "")).strip()
    ids = selected_ids([str(v) for v in post.getall("question", [])])
    if not text or not ids or len(text) > 4000:
        raise web.HTTPBadRequest(text="Hãy viết câu trả lời (tối đa 4.000 ký tự) và chọn câu hỏi.")
    now = dt.datetime.now(dt.UTC)
    async with request.config_dict[keys.SESSIONS]() as db:
        for q in await questions_in_scope(request, db, ids):
            await record_answer(db, officer, q, text, now)
        await db.commit()
    request.config_dict[keys.OUTBOX].wake()
    if len(ids) == 1:
        raise notices.done(
            request,
            f"/dashboard/questions/{ids[0]}",
            f"Đã gửi câu trả lời cho câu hỏi số {ids[0]} qua kênh người dân đã dùng.",
        )
    raise notices.done(request, "/dashboard", f"Đã gửi câu trả lời chung cho {len(ids)} câu hỏi.")


async def set_status(request: web.Request) -> web.StreamResponse:
    officer = require_role(request, *ACTING_ROLES)
    form = await check_csrf(request)
    status = str(form.get("status", ""))
    if status not in QuestionStatus.LABELS:
        raise web.HTTPBadRequest(text="Trạng thái không hợp lệ.")
    question_id = _route_id(request)
    async with request.config_dict[keys.SESSIONS]() as db:
        q = await _question_in_scope(request, db, question_id)
        old = q.status
        q.status = status
        q.updated_at = dt.datetime.now(dt.UTC)
        await audit(db, officer, "set_status", str(q.id), {"from": old, "to": status})
        await db.commit()
    label = QuestionStatus.LABELS[status]
    raise notices.done(
        request,
        f"/dashboard/questions/{question_id}",
        f"Đã đổi trạng thái câu hỏi số {question_id} sang «{label}».",
    )


async def media(request: web.Request) -> web.StreamResponse:
    """The voice note, photo or file a citizen sent with a question (officers only)."""
    question_id = _route_id(request)
    async with request.config_dict[keys.SESSIONS]() as db:
        q = await _question_in_scope(request, db, question_id)
        source = await db.get(Message, q.message_id) if q.message_id else None
        await audit(db, request[OFFICER_KEY], "view_media", str(q.id))
        await db.commit()
    path = ((source.payload or {}).get("media") or {}).get("path") if source else None
    if not path:
        raise web.HTTPNotFound()
    root = Path(request.config_dict[keys.SETTINGS].media_dir).resolve()
    file = Path(path).resolve()
    if root not in file.parents or not file.is_file():
        raise web.HTTPNotFound()
    return web.FileResponse(file)


def setup(app: web.Application) -> None:
    app.router.add_get("/questions/{id}", question_page)
    app.router.add_post("/questions/{id}/status", set_status)
    app.router.add_post("/answer", answer)
    app.router.add_get("/questions/{id}/media", media)
