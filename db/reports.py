"""Read models for dialogue sessions, exports and statistics.

Questions grouped by topic, a session's minutes, and the statistics page."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Citizen, Question, QuestionStatus
from db.office import DialogueItem, DialogueSession


@dataclass
class QuestionRow:
    id: int
    created_at: dt.datetime
    text: str
    topic: str | None
    channel: str
    locality: str | None
    status: str
    answer: str | None
    citizen_name: str | None = None  # who asked, so a viewer's export can mask it in the text

    @property
    def status_label(self) -> str:
        return QuestionStatus.LABELS.get(self.status, self.status)


@dataclass
class Minutes:
    session: DialogueSession
    items: list[tuple[QuestionRow, str | None]] = field(default_factory=list)


def _row(q: Question, citizen_name: str | None = None) -> QuestionRow:
    return QuestionRow(
        q.id,
        q.created_at,
        q.text,
        q.topic,
        q.channel,
        q.locality_id,
        q.status,
        q.officer_answer,
        citizen_name,
    )


def _scoped(query, province_code: str | None, locality_id: str | None):  # type: ignore[no-untyped-def]
    """The query limited to an officer's scope (see dashboard.auth.scope_of)."""
    if province_code:
        query = query.where(Question.province_code == province_code)
    if locality_id:
        query = query.where(Question.locality_id == locality_id)
    return query


def day_bounds(day: dt.date, end: bool = False) -> dt.datetime:
    """A Vietnamese calendar day (UTC+7) as a UTC instant: its start, or the next day's start."""
    start = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC) - dt.timedelta(hours=7)
    return start + dt.timedelta(days=1) if end else start


async def questions_for_report(
    session: AsyncSession,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    session_id: int | None = None,
    province_code: str | None = None,
    locality_id: str | None = None,
) -> list[QuestionRow]:
    query = (
        select(Question, Citizen.display_name)
        .outerjoin(Citizen, Citizen.id == Question.citizen_id)
        .order_by(Question.topic, Question.id)
    )
    if session_id is not None:
        query = query.join(DialogueItem, DialogueItem.question_id == Question.id).where(
            DialogueItem.session_id == session_id
        )
    if date_from:
        query = query.where(Question.created_at >= day_bounds(date_from))
    if date_to:
        query = query.where(Question.created_at < day_bounds(date_to, end=True))
    query = _scoped(query, province_code, locality_id)
    return [_row(q, name) for q, name in (await session.execute(query)).all()]


async def minutes(
    session: AsyncSession,
    session_id: int,
    province_code: str | None = None,
    locality_id: str | None = None,
) -> Minutes | None:
    """A session's questions with the answers given there; with a scope, only the questions
    in it (an officer's view of a session that also took other localities' questions)."""
    dialogue = await session.get(DialogueSession, session_id)
    if dialogue is None:
        return None
    query = (
        select(Question, DialogueItem.answer, Citizen.display_name)
        .join(DialogueItem, DialogueItem.question_id == Question.id)
        .outerjoin(Citizen, Citizen.id == Question.citizen_id)
        .where(DialogueItem.session_id == session_id)
        .order_by(DialogueItem.id)
    )
    rows = await session.execute(_scoped(query, province_code, locality_id))
    return Minutes(dialogue, [(_row(q, name), answer) for q, answer, name in rows.all()])


@dataclass
class Stats:
    total: int
    answered: int
    by_week: list[tuple[str, int]]
    by_topic: list[tuple[str, int]]
    by_locality: list[tuple[str, int]]
    median_hours_to_answer: float | None

    @property
    def share_answered(self) -> float:
        return self.answered / self.total if self.total else 0.0


def stats_of(rows: list[Question], weeks: int = 12, today: dt.date | None = None) -> Stats:
    today = today or dt.date.today()
    start = today - dt.timedelta(days=today.weekday() + 7 * (weeks - 1))
    week_counts: Counter[dt.date] = Counter()
    for q in rows:
        local = (q.created_at + dt.timedelta(hours=7)).date()
        monday = local - dt.timedelta(days=local.weekday())
        if monday >= start:
            week_counts[monday] += 1
    by_week = [
        (
            (start + dt.timedelta(weeks=i)).strftime("%d/%m"),
            week_counts[start + dt.timedelta(weeks=i)],
        )
        for i in range(weeks)
    ]
    answered = [
        q
        for q in rows
        if q.status in (QuestionStatus.ANSWERED, QuestionStatus.CLOSED) or q.answered_by_bot
    ]
    delays = [
        (q.answered_at - q.created_at).total_seconds() / 3600
        for q in rows
        if q.answered_at is not None
    ]
    return Stats(
        total=len(rows),
        answered=len(answered),
        by_week=by_week,
        by_topic=Counter(q.topic or "(chưa rõ)" for q in rows).most_common(),
        by_locality=Counter(q.locality_id or "(chưa chọn)" for q in rows).most_common(),
        median_hours_to_answer=statistics.median(delays) if delays else None,
    )
