"""Policy dialogue sessions (đối thoại chính sách): questions taken there and answered.

Create a session, take questions to it, record the answer given there; the citizens who asked are
told through the outbox."""

from __future__ import annotations

import datetime as dt
import re

from aiohttp import web
from sqlalchemy import select

from app import keys
from dashboard.access import OFFICER_KEY, require_role
from dashboard.login import check_csrf
from dashboard.privacy import mask, masks_for
from dashboard.views import ACTING_ROLES, render_page
from db.models import Citizen, Question, QuestionStatus
from db.office import DialogueItem, DialogueSession, Officer
from db.officers import audit, in_scope, scope_of
from db.outbox import enqueue
from db.reports import minutes

MINUTES_SAVED = (
    "Đã lưu thành phần tham dự và kết luận; biên bản tải về từ nay ghi các nội dung này."
)


def sees_session(officer: Officer, dialogue: DialogueSession) -> bool:
    """Whether an officer may see a session (its page and its exports): admins and unscoped
    accounts see all, others their locality's."""
    return (
        officer.role == "admin"
        or officer.locality_id is None
        or dialogue.locality_id == officer.locality_id
    )


async def index(request: web.Request) -> web.Response:
    async with request.config_dict[keys.SESSIONS]() as db:
        rows = (
            (await db.execute(select(DialogueSession).order_by(DialogueSession.held_on.desc())))
            .scalars()
            .all()
        )
    sessions = [s for s in rows if sees_session(request[OFFICER_KEY], s)]
    return render_page(
        request,
        "sessions.html",
        sessions=sessions,
        can_act=request[OFFICER_KEY].role in ACTING_ROLES,
        error=None,
    )


async def create(request: web.Request) -> web.StreamResponse:
    officer = require_role(request, *ACTING_ROLES)
    form = await check_csrf(request)
    title = str(form.get("title", "")).strip()[:200]
    place = str(form.get("place", "")).strip()[:200]
    chair = str(form.get("chair", "")).strip()[:200]
    locality = str(form.get("locality", "")).strip()[:64] or officer.locality_id
    try:
        held_on = dt.date.fromisoformat(str(form.get("held_on", "")))
    except ValueError:
        held_on = None
    if not (title and place and chair and held_on):
        raise web.HTTPBadRequest(
            text="Hãy điền đủ tên buổi đối thoại, ngày, địa điểm và người chủ trì."
        )
    if officer.role != "admin" and officer.locality_id and locality != officer.locality_id:
        raise web.HTTPForbidden(text="Bạn chỉ tạo được buổi đối thoại cho địa phương của mình.")
    async with request.config_dict[keys.SESSIONS]() as db:
        dialogue = DialogueSession(
            title=title,
            held_on=held_on,
            place=place,
            chair=chair,
            locality_id=locality,
            created_by=officer.id,
            created_at=dt.datetime.now(dt.UTC),
        )
        db.add(dialogue)
        await db.flush()
        await audit(db, officer, "dialogue_create", str(dialogue.id), {"title": title})
        await db.commit()
    raise web.HTTPSeeOther(f"/dashboard/sessions/{dialogue.id}")


async def _load(request: web.Request, db) -> DialogueSession:  # type: ignore[no-untyped-def]
    try:
        dialogue = await db.get(DialogueSession, int(request.match_info["id"]))
    except ValueError as exc:
        raise web.HTTPNotFound() from exc
    if dialogue is None or not sees_session(request[OFFICER_KEY], dialogue):
        raise web.HTTPNotFound()
    return dialogue


async def detail(request: web.Request) -> web.Response:
    """A session with the questions in the officer's scope (the same as its exports)."""
    officer = request[OFFICER_KEY]
    masked = masks_for(officer)
    async with request.config_dict[keys.SESSIONS]() as db:
        dialogue = await _load(request, db)
        found = await minutes(db, dialogue.id, **scope_of(officer))
        item_ids = dict(
            (
                await db.execute(
                    select(DialogueItem.question_id, DialogueItem.id).where(
                        DialogueItem.session_id == dialogue.id
                    )
                )
            ).all()
        )
    items = [
        {
            "id": item_ids[row.id],
            "question_id": row.id,
            "text": mask(row.text, masked, [row.citizen_name]),
            "answer": mask(answer, masked, [row.citizen_name]) if answer else None,
        }
        for row, answer in (found.items if found else [])
    ]
    saved = request.query.get("luu") == "bien-ban"
    return render_page(
        request,
        "session.html",
        s=dialogue,
        items=items,
        can_act=officer.role in ACTING_ROLES,
        notice=MINUTES_SAVED if saved else None,
    )


async def attach(request: web.Request) -> web.StreamResponse:
    officer = require_role(request, *ACTING_ROLES)
    form = await check_csrf(request)
    ids = [int(x) for x in re.findall(r"\d+", str(form.get("questions", "")))][:200]
    if not ids:
        raise web.HTTPBadRequest(text="Hãy ghi số các câu hỏi, ví dụ: 12, 15, 20.")
    async with request.config_dict[keys.SESSIONS]() as db:
        dialogue = await _load(request, db)
        existing = set(
            (
                await db.execute(
                    select(DialogueItem.question_id).where(DialogueItem.session_id == dialogue.id)
                )
            ).scalars()
        )
        added = []
        for question_id in ids:
            q = await db.get(Question, question_id)
            if q is None or not in_scope(officer, q) or q.id in existing:
                continue
            db.add(
                DialogueItem(
                    session_id=dialogue.id, question_id=q.id, created_at=dt.datetime.now(dt.UTC)
                )
            )
            q.status = QuestionStatus.TO_DIALOGUE
            existing.add(q.id)
            added.append(q.id)
        await audit(db, officer, "dialogue_attach", str(dialogue.id), {"questions": added})
        await db.commit()
    raise web.HTTPSeeOther(f"/dashboard/sessions/{dialogue.id}")


async def record_answer(request: web.Request) -> web.StreamResponse:
    officer = require_role(request, *ACTING_ROLES)
    form = await check_csrf(request)
    text = str(form.get("answer", "")).strip()[:4000]
    if not text:
        raise web.HTTPBadRequest(text="Hãy ghi câu trả lời đã nêu tại buổi đối thoại.")
    now = dt.datetime.now(dt.UTC)
    async with request.config_dict[keys.SESSIONS]() as db:
        dialogue = await _load(request, db)
        try:
            item = await db.get(DialogueItem, int(request.match_info["item"]))
        except ValueError as exc:
            raise web.HTTPNotFound() from exc
        if item is None or item.session_id != dialogue.id:
            raise web.HTTPNotFound()
        q = await db.get(Question, item.question_id)
        if q is None or not in_scope(officer, q):
            raise web.HTTPNotFound()
        first_time = item.answer is None
        item.answer, item.answered_at = text, now
        q.officer_answer, q.answered_by, q.answered_at = text, officer.id, now
        q.status, q.updated_at = QuestionStatus.ANSWERED, now
        if first_time:
            citizen = await db.get(Citizen, q.citizen_id)
            enqueue(
                db,
                citizen,
                f"Câu hỏi số {q.id} của bạn đã được trả lời tại {dialogue.title} "
                f"ngày {dialogue.held_on:%d/%m/%Y}:\n{text}",
                q.id,
            )
        await audit(db, officer, "dialogue_answer", str(q.id), {"session": dialogue.id})
        await db.commit()
    request.config_dict[keys.OUTBOX].wake()
    raise web.HTTPSeeOther(f"/dashboard/sessions/{dialogue.id}")


async def record_minutes(request: web.Request) -> web.StreamResponse:
    """The attendees and the conclusions the minutes print."""
    officer = require_role(request, *ACTING_ROLES)
    form = await check_csrf(request)
    attendees = str(form.get("attendees", "")).strip()[:4000] or None
    conclusions = str(form.get("conclusions", "")).strip()[:4000] or None
    async with request.config_dict[keys.SESSIONS]() as db:
        dialogue = await _load(request, db)
        dialogue.attendees, dialogue.conclusions = attendees, conclusions
        await audit(db, officer, "dialogue_minutes", str(dialogue.id))
        await db.commit()
    raise web.HTTPSeeOther(f"/dashboard/sessions/{dialogue.id}?luu=bien-ban")


def setup(app: web.Application) -> None:
    app.router.add_get("/sessions", index)
    app.router.add_post("/sessions", create)
    app.router.add_get("/sessions/{id}", detail)
    app.router.add_post("/sessions/{id}/attach", attach)
    app.router.add_post("/sessions/{id}/items/{item}/answer", record_answer)
    app.router.add_post("/sessions/{id}/minutes", record_minutes)
