"""Saved household self-checks: the results citizens agreed to keep, for their locality's officers.

The self-check stores nothing unless the citizen agrees; then its summary is one question in the
question log (topic "chuan_ngheo", sent by the citizen, logged from the consent message, which is
part of the private self-check conversation), with the household's answers as data beside it
(`Question.self_check`). This page lists those, in the officer's scope, masked for viewers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from sqlalchemy import func, select

from app import keys
from content.eligibility import Standard
from content.loader import Content
from content.localities import locality_name
from dashboard.access import OFFICER_KEY
from dashboard.announcements import CHANNEL_LABELS
from dashboard.privacy import mask, mask_name, masks_for
from dashboard.views import render_page, vn_time
from db.models import Citizen, Message, Question, QuestionStatus
from db.officers import scope_conditions

PER_PAGE = 50
BAD_PAGE = "Số trang không hợp lệ. Hãy chọn một trang bằng số, ví dụ 2."


@dataclass(frozen=True)
class Answers:
    """A saved self-check as the household answered it."""

    period: str
    classification: str  # the estimated classification, as the citizen was told it
    area: str
    members: int
    income: int  # the whole household's monthly income, đồng
    indicators: list[dict[str, Any]]  # name, dimension, lacking (yes/no), in the standard's order
    unknown: list[str]  # lacking codes the standard no longer lists (shown as they are)

    @property
    def per_person(self) -> int:
        return self.income // self.members if self.members else self.income

    @property
    def lacking_names(self) -> list[str]:
        return [i["name"] for i in self.indicators if i["lacking"]] + self.unknown


AREAS = {"rural": "nông thôn", "urban": "đô thị"}


def read_answers(saved: dict[str, Any], standards: dict[str, Standard]) -> Answers:
    """The household's answers as the self-check stored them, with the standard's indicators
    named (a code the standard no longer lists is shown as it is)."""
    lacking = [str(code) for code in saved.get("lacking", [])]
    standard = standards.get(str(saved.get("period")))
    indicators = [
        {"name": i.name, "dimension": i.dimension, "lacking": i.code in lacking}
        for i in (standard.indicators if standard else ())
    ]
    known = {i.code for i in standard.indicators} if standard else set()
    return Answers(
        period=str(saved.get("period", "")),
        classification=str(saved.get("classification", "")),
        area=AREAS.get(str(saved.get("area")), str(saved.get("area", ""))),
        members=int(saved.get("members", 0)),
        income=int(saved.get("income", 0)),
        indicators=indicators,
        unknown=[c for c in lacking if c not in known],
    )


def saved_checks_query(officer):  # type: ignore[no-untyped-def]
    """The saved self-checks this officer may see: the question log's rows with a self-check's
    answers, logged from a message of the private self-check conversation, within the officer's
    scope."""
    return (
        select(Question, Citizen)
        .join(Citizen, Citizen.id == Question.citizen_id)
        .join(Message, Message.id == Question.message_id)
        .where(
            Question.topic == "chuan_ngheo",
            Question.sent_by_citizen.is_(True),
            Question.self_check.is_not(None),
            Message.private.is_(True),
            *scope_conditions(officer),
        )
    )


def _page_number(request: web.Request) -> int:
    raw = request.query.get("page", "1").strip()
    if not re.fullmatch(r"[0-9]{1,6}", raw) or int(raw) < 1:
        raise web.HTTPBadRequest(text=BAD_PAGE)
    return int(raw)


def _row(question: Question, citizen: Citizen, content: Content, masked: bool) -> dict[str, Any]:
    answers = read_answers(question.self_check or {}, content.standards)
    return {
        "id": question.id,
        "created": vn_time(question.created_at),
        "channel": CHANNEL_LABELS.get(question.channel, question.channel),
        "place": locality_name(content, question.locality_id) or "(chưa chọn địa phương)",
        "name": mask_name(citizen.display_name, masked),
        "phone": mask(citizen.phone, masked) if citizen.phone else "",
        "answers": answers,
        "summary": mask(question.text, masked, [citizen.display_name]),
        "status": QuestionStatus.LABELS.get(question.status, question.status),
    }


async def self_checks_page(request: web.Request) -> web.Response:
    """GET /dashboard/self-checks: saved self-check results, newest first, 50 a page."""
    officer = request[OFFICER_KEY]
    page = _page_number(request)
    content = request.config_dict[keys.CONTENT]
    query = saved_checks_query(officer)
    async with request.config_dict[keys.SESSIONS]() as db:
        total = await db.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = (
            await db.execute(
                query.order_by(Question.created_at.desc(), Question.id.desc())
                .limit(PER_PAGE)
                .offset((page - 1) * PER_PAGE)
            )
        ).all()
    masked = masks_for(officer)
    pages = max(1, -(-total // PER_PAGE))
    return render_page(
        request,
        "self_checks.html",
        checks=[_row(q, c, content, masked) for q, c in rows],
        total=total,
        page=page,
        pages=pages,
        masked=masked,
    )


def setup(app: web.Application) -> None:
    app.router.add_get("/self-checks", self_checks_page)
