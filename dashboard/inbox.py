"""The officers' question inbox (filters, similar questions grouped, paging) and audit log."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from rapidfuzz import fuzz
from sqlalchemy import func, select

from app import keys
from content.normalize import fold
from dashboard.access import OFFICER_KEY, require_role
from dashboard.privacy import mask, masks_for
from dashboard.views import ACTING_ROLES, DELIVERY_LABELS, render_page, vn_time
from db.models import Citizen, OutboxMessage, Question, QuestionStatus
from db.office import AuditEntry
from db.officers import scope_conditions
from db.reports import day_bounds

PAGE_SIZE = 50
GROUP_SIMILARITY = 85


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
    }


def _date(value: str, end: bool = False) -> dt.datetime | None:
    try:
        return day_bounds(dt.date.fromisoformat(value), end)
    except ValueError:
        return None


async def inbox(request: web.Request) -> web.Response:
    officer = request[OFFICER_KEY]
    content = request.config_dict[keys.CONTENT]
    f = _filters(request)
    scope = scope_conditions(officer)
    conditions = list(scope)
    if f["status"] in QuestionStatus.LABELS:
        conditions.append(Question.status == f["status"])
    if f["topic"]:
        conditions.append(Question.topic == f["topic"])
    if f["channel"]:
        conditions.append(Question.channel == f["channel"])
    if f["locality"]:
        conditions.append(Question.locality_id == f["locality"])
    if (start := _date(f["date_from"])) is not None:
        conditions.append(Question.created_at >= start)
    if (end := _date(f["date_to"], end=True)) is not None:
        conditions.append(Question.created_at < end)
    if f["officer"]:
        conditions.append(Question.needs_officer.is_(True))
    if f["q"]:
        # The question log keeps a folded copy of every question: search ignores diacritics.
        words = [w for w in fold(f["q"]).split() if w]
        conditions.extend(Question.normalized_text.contains(w) for w in words)
    try:
        page = max(1, int(request.query.get("page", "1")))
    except ValueError:
        page = 1
    async with request.config_dict[keys.SESSIONS]() as db:
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
        count_conditions = scope
        counts = dict(
            (
                await db.execute(
                    select(Question.status, func.count())
                    .where(*count_conditions)
                    .group_by(Question.status)
                )
            ).all()
        )
        deliveries = await _latest_deliveries(db, [q.id for q, _ in rows])
        channels = (await db.execute(select(Question.channel).distinct())).scalars().all()
    masked = masks_for(officer)
    items = [
        {
            "id": q.id,
            "created": vn_time(q.created_at),
            "text": mask(q.text if len(q.text) <= 300 else q.text[:299] + "…", masked, [name]),
            "normalized": q.normalized_text,
            "channel": q.channel,
            "locality": q.locality_id,
            "status_label": QuestionStatus.LABELS.get(q.status, q.status),
            "bot": q.answered_by_bot,
            "delivery": DELIVERY_LABELS.get(deliveries.get(q.id, ""), ""),
        }
        for q, name in rows
    ]
    query = urlencode({k: v for k, v in request.query.items() if k != "page"})
    return render_page(
        request,
        "inbox.html",
        groups=group_similar(items),
        f=f,
        counts=counts,
        total=total,
        page=page,
        pages=max(1, math.ceil(total / PAGE_SIZE)),
        query=query,
        statuses=list(QuestionStatus.LABELS.items()),
        topics=list(content.topics.values()),
        channels=channels,
        can_act=officer.role in ACTING_ROLES,
    )


def group_similar(items: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Groups questions whose normalised text is alike (rapidfuzz), keeping the page order,
    so an officer can answer a group once."""
    groups: list[list[dict[str, Any]]] = []
    for item in items:
        for group in groups:
            if fuzz.token_set_ratio(item["normalized"], group[0]["normalized"]) >= GROUP_SIMILARITY:
                group.append(item)
                break
        else:
            groups.append([item])
    return groups


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
