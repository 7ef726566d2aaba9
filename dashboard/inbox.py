"""The officers' question inbox (filters, overdue, similar questions grouped) and the audit log."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from sqlalchemy import String, func, literal, select

from app import keys
from content.normalize import fold
from content.understanding import understander_for
from dashboard import helpdesk, notices, replies
from dashboard.access import OFFICER_KEY, require_role
from dashboard.grouping import Asked, group_ids, understood_entry
from dashboard.helpdesk import assignable
from dashboard.names import channel_name, localities_named, place_names
from dashboard.privacy import mask, masks_for
from dashboard.replies import reply_choices
from dashboard.views import ACTING_ROLES, DELIVERY_LABELS, render_page, vn_time
from db.helpdesk import (
    assignees,
    is_overdue,
    labels_of,
    overdue_conditions,
    saved_replies,
    tags_of,
)
from db.models import Citizen, OutboxMessage, Question, QuestionStatus
from db.office import AuditEntry, Officer, QuestionDesk, QuestionTag
from db.officers import scope_conditions
from db.reports import day_bounds

PAGE_SIZE = 50
CLOSED = (QuestionStatus.ANSWERED, QuestionStatus.CLOSED)


def _filters(request: web.Request) -> dict[str, Any]:
    q = request.query
    return {
        "q": q.get("q", "").strip()[:200],
        "status": q.get("status", ""),
        "topic": q.get("topic", ""),
        "channel": q.get("channel", ""),
        "locality": q.get("locality", "").strip()[:64],
        "date_from": q.get("from", ""),
        "date_to": q.get("to", ""),
        "officer": q.get("officer", "") == "1",
        "overdue": q.get("overdue", "") == "1",
        "tag": q.get("tag", "").strip()[:40],
        "assignee": q.get("assignee", "").strip()[:64],
    }


def _date(value: str, end: bool = False) -> dt.datetime | None:
    try:
        return day_bounds(dt.date.fromisoformat(value), end)
    except ValueError:
        return None


def search_words(normalizer, text: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The words of a search as the question log keeps them (folded, teencode expanded)."""
    words = normalizer.words(text) if normalizer is not None else fold(text).split()
    return [w for w in dict.fromkeys(words) if w]


def _conditions(f: dict[str, Any], officer: Officer, known: list[str | None], request) -> list:  # type: ignore[no-untyped-def,type-arg]
    content = request.config_dict[keys.CONTENT]
    conditions = list(scope_conditions(officer))
    if f["status"] in QuestionStatus.LABELS:
        conditions.append(Question.status == f["status"])
    if f["topic"]:
        conditions.append(Question.topic == f["topic"])
    if f["channel"]:
        conditions.append(Question.channel == f["channel"])
    if f["locality"]:
        # By name, with or without accents; an unknown name finds nothing.
        conditions.append(Question.locality_id.in_(localities_named(content, f["locality"], known)))
    if (start := _date(f["date_from"])) is not None:
        conditions.append(Question.created_at >= start)
    if (end := _date(f["date_to"], end=True)) is not None:
        conditions.append(Question.created_at < end)
    if f["officer"]:
        conditions.append(Question.needs_officer.is_(True))
    if f["overdue"]:
        days = request.config_dict[keys.SETTINGS].question_overdue_days
        conditions.extend(overdue_conditions(dt.datetime.now(dt.UTC), days))
    if f["tag"]:
        tagged = select(QuestionTag.question_id).where(QuestionTag.tag == f["tag"].lower())
        conditions.append(Question.id.in_(tagged))
    if f["assignee"]:
        assigned = select(QuestionDesk.question_id).where(QuestionDesk.assignee_id.is_not(None))
        if f["assignee"] == "none":
            conditions.append(Question.id.not_in(assigned))
        else:
            username = officer.username if f["assignee"] == "me" else f["assignee"]
            mine = (
                select(QuestionDesk.question_id)
                .join(Officer, Officer.id == QuestionDesk.assignee_id)
                .where(Officer.username == username)
            )
            conditions.append(Question.id.in_(mine))
    if f["q"]:
        # Whole words, accents folded on both sides: the question log keeps the folded words
        # separated by single spaces, so " ghe " is found in " mua ghe danh ca ", not in
        # " ho ngheo ".
        padded = literal(" ", String) + Question.normalized_text + literal(" ", String)
        normalizer = request.config_dict[keys.CORE].index.normalizer
        words = search_words(normalizer, f["q"])
        conditions.extend(padded.contains(f" {w} ", autoescape=True) for w in words)
    return conditions


def _page(request: web.Request) -> int:
    try:
        return min(10_000, max(1, int(request.query.get("page", "1"))))
    except ValueError:
        return 1


async def inbox(request: web.Request) -> web.StreamResponse:
    officer = request[OFFICER_KEY]
    content = request.config_dict[keys.CONTENT]
    index = request.config_dict[keys.CORE].index
    days = request.config_dict[keys.SETTINGS].question_overdue_days
    now = dt.datetime.now(dt.UTC)
    f = _filters(request)
    scope = scope_conditions(officer)
    page = _page(request)
    async with request.config_dict[keys.SESSIONS]() as db:
        known = list(
            (await db.execute(select(Question.locality_id).where(*scope).distinct())).scalars()
        )
        conditions = _conditions(f, officer, known, request)
        total = await db.scalar(select(func.count()).select_from(Question).where(*conditions)) or 0
        rows = (
            await db.execute(
                select(Question, Citizen.display_name)
                .outerjoin(Citizen, Citizen.id == Question.citizen_id)
                .where(*conditions)
                .order_by(Question.id.desc())
                .offset((page - 1) * PAGE_SIZE)
                .limit(PAGE_SIZE)
            )
        ).all()
        counts = dict(
            (
                await db.execute(
                    select(Question.status, func.count()).where(*scope).group_by(Question.status)
                )
            ).all()
        )
        overdue = (
            await db.scalar(
                select(func.count())
                .select_from(Question)
                .where(*scope, *overdue_conditions(now, days))
            )
            or 0
        )
        ids = [q.id for q, _ in rows]
        deliveries = await _latest_deliveries(db, ids)
        tags, assigned, labels = (
            await tags_of(db, ids),
            await assignees(db, ids),
            await labels_of(db, ids),
        )
        channels = (
            (await db.execute(select(Question.channel).where(*scope).distinct())).scalars().all()
        )
        can_act = officer.role in ACTING_ROLES
        officers = await assignable(db, content, officer) if can_act else []
        replies = reply_choices(content, await saved_replies(db, officer)) if can_act else []
    masked = masks_for(officer)
    names = place_names(content, [*known, *(q.locality_id for q, _ in rows)])
    items = {
        q.id: {
            "id": q.id,
            "created": vn_time(q.created_at),
            "text": mask(q.text if len(q.text) <= 300 else q.text[:299] + "…", masked, [name]),
            "channel": channel_name(q.channel),
            "locality": names.get(q.locality_id or "", ""),
            "status_label": QuestionStatus.LABELS.get(q.status, q.status),
            "open": q.status not in CLOSED,
            "bot": q.answered_by_bot,
            "delivery": DELIVERY_LABELS.get(deliveries.get(q.id, ""), ""),
            "tags": [mask(t, masked, [name]) for t in tags.get(q.id, [])],
            "assignee": assigned.get(q.id, ""),
            "overdue": is_overdue(q, now, days),
            "solo": labels.get(q.id) == "solo",
        }
        for q, name in rows
    }
    asked = [
        Asked(q.id, q.text, q.normalized_text, q.locality_id, q.topic, q.matched_faq_id)
        for q, _ in rows
    ]
    understander = understander_for(index)
    groups = group_ids(asked, understander, index.content, labels)
    by_id = {a.id: a for a in asked}
    query = urlencode({k: v for k, v in request.query.items() if k != "page"})
    response = render_page(
        request,
        "inbox.html",
        groups=[
            {
                "items": [items[i] for i in group],
                "about": _about(understander, index.content, [by_id[i] for i in group]),
            }
            for group in groups
        ],
        f=f,
        counts=counts,
        overdue=overdue,
        overdue_days=days,
        total=total,
        page=page,
        pages=max(1, math.ceil(total / PAGE_SIZE)),
        query=query,
        statuses=list(QuestionStatus.LABELS.items()),
        topics=list(content.topics.values()),
        channels=[(c, channel_name(c)) for c in sorted(channels)],
        places=sorted(set(names.values())),
        can_act=can_act,
        officers=officers,
        replies=replies,
        notice=notices.take(request),
    )
    return notices.shown(request, response)


def _about(understander, content, group: list[Asked]) -> str:  # type: ignore[no-untyped-def]
    """What the bot understood a group of several questions to ask: its entry's question."""
    if len(group) < 2:
        return ""
    for a in group:
        entry_id = a.matched or understood_entry(understander, a.text, a.locality)
        if entry_id in content.entries:
            return content.entries[entry_id].questions[0]
    return ""


async def _latest_deliveries(db, question_ids: list[int]) -> dict[int, str]:  # type: ignore[no-untyped-def]
    if not question_ids:
        return {}
    rows = await db.execute(
        select(OutboxMessage.question_id, OutboxMessage.status)
        .where(OutboxMessage.question_id.in_(question_ids))
        .order_by(OutboxMessage.id)
    )
    return {qid: status for qid, status in rows.all()}


async def audit_page(request: web.Request) -> web.Response:
    require_role(request, "admin")
    async with request.config_dict[keys.SESSIONS]() as db:
        rows = (
            (await db.execute(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(500)))
            .scalars()
            .all()
        )
    entries = [
        {
            "when": vn_time(e.created_at),
            "username": e.username,
            "action": e.action,
            "target": e.target,
            "detail": e.detail,
        }
        for e in rows
    ]
    return render_page(request, "audit.html", entries=entries)


def setup(app: web.Application) -> None:
    app.router.add_get("", inbox)
    app.router.add_get("/audit", audit_page)
    # The inbox's actions (one question or many) and its saved replies.
    helpdesk.setup(app)
    replies.setup(app)
