"""A citizen's question in the dashboard: its page, answers, status and attached file.

The page shows the conversation around the question; answers go back through the outbox."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from aiohttp import web
from sqlalchemy import select

from app import keys
from dashboard.access import OFFICER_KEY, require_role
from dashboard.login import check_csrf
from dashboard.privacy import mask, mask_name, masks_for
from dashboard.views import ACTING_ROLES, DELIVERY_LABELS, render_page, vn_time
from db.models import Citizen, Message, OutboxMessage, Question, QuestionStatus
from db.officers import audit, in_scope
from db.outbox import enqueue


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


async def question_page(request: web.Request) -> web.Response:
    officer = request[OFFICER_KEY]
    question_id = _route_id(request)
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
        await audit(db, officer, "view_question", str(q.id))
        await db.commit()
    masked, names = masks_for(officer), [citizen.display_name]
    return render_page(
        request,
        "question.html",
        q=q,
        text=mask(q.text, masked, names),
        officer_answer=mask(q.officer_answer, masked, names),
        created=vn_time(q.created_at),
        citizen_name=mask_name(citizen.display_name, masked),
        locality=q.locality_id,
        status_label=QuestionStatus.LABELS.get(q.status, q.status),
        statuses=list(QuestionStatus.LABELS.items()),
        can_act=officer.role in ACTING_ROLES,
        has_media=bool(media.get("path")),
        media_kind=source.kind if source else None,
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
    )


async def answer(request: web.Request) -> web.StreamResponse:
    officer = require_role(request, *ACTING_ROLES)
    form = await check_csrf(request)
    post = await request.post()
    text = str(form.get("answer", "")).strip()
    ids = []
    for raw in post.getall("question", []):
        try:
            ids.append(int(raw))
        except ValueError as exc:
            raise web.HTTPBadRequest(text="Số câu hỏi không hợp lệ.") from exc
    if not text or not ids or len(text) > 4000:
        raise web.HTTPBadRequest(text="Hãy viết câu trả lời (tối đa 4.000 ký tự) và chọn câu hỏi.")
    now = dt.datetime.now(dt.UTC)
    async with request.config_dict[keys.SESSIONS]() as db:
        for question_id in ids:
            q = await _question_in_scope(request, db, question_id)
            citizen = await db.get(Citizen, q.citizen_id)
            q.officer_answer = text
            q.answered_by = officer.id
            q.answered_at = now
            q.status = QuestionStatus.ANSWERED
            q.updated_at = now
            enqueue(db, citizen, f"Cán bộ trả lời câu hỏi số {q.id} của bạn:\n{text}", q.id)
            await audit(db, officer, "answer", str(q.id), {"chars": len(text)})
        await db.commit()
    request.config_dict[keys.OUTBOX].wake()
    raise web.HTTPSeeOther(f"/dashboard/questions/{ids[0]}" if len(ids) == 1 else "/dashboard")


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
    raise web.HTTPSeeOther(f"/dashboard/questions/{question_id}")


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
