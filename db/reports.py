"""Read models for dialogue sessions, exports and statistics.

Questions grouped by topic, a session's minutes, and the figures of a period's report."""

from __future__ import annotations

import calendar
import datetime as dt
import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import distinct, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from content.loader import Content
from content.localities import locality_name, province_code
from content.schema import NATIONAL
from db.models import (
    Citizen,
    Message,
    OutboxMessage,
    OutboxStatus,
    Question,
    QuestionStatus,
    Subscription,
)
from db.office import Announcement, AudioRecording, Bulletin, DialogueItem, DialogueSession

CHANNEL_NAMES = {
    "telegram": "Telegram",
    "zalo": "Zalo OA",
    "zalo_bot": "Zalo Bot",
    "web": "Web chat",
    "console": "Dòng lệnh",
}
NO_TOPIC, NO_LOCALITY = "(chưa rõ chủ đề)", "(chưa chọn địa phương)"
# How the household self-check's saved result opens (handlers/household_check.py's summary).
SELF_CHECK_SUMMARY = "Tự kiểm tra diện hỗ trợ ("
# Inbound kinds that are not the citizen writing (following or leaving the channel).
NOT_WRITING = ("follow", "unfollow")


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


@dataclass(frozen=True)
class Period:
    """Vietnamese calendar days [start, end): `end` is the day after the last one."""

    start: dt.date
    end: dt.date
    monthly: bool = False

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        last = calendar.monthrange(year, month)[1]
        return cls(dt.date(year, month, 1), dt.date(year, month, last) + dt.timedelta(days=1), True)

    @property
    def last(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    @property
    def title(self) -> str:
        """ "tháng 11/2026" or "từ ngày 01/01/2026 đến ngày 30/06/2026"."""
        if self.monthly:
            return f"tháng {self.start:%m/%Y}"
        return f"từ ngày {self.start:%d/%m/%Y} đến ngày {self.last:%d/%m/%Y}"

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        return day_bounds(self.start), day_bounds(self.end)


def place_name(content: Content, code: str | None) -> str | None:
    """The name of a locality one may report on (a content id, 'p:NN', 'w:NNNNN'), else None."""
    if not code or code == NATIONAL:
        return None
    return locality_name(content, code)


@dataclass
class Figures:
    """What a report states for a period and a locality (None: everywhere)."""

    period: Period
    place: str | None
    received: int = 0
    by_channel: list[tuple[str, int]] = field(default_factory=list)
    by_topic: list[tuple[str, int]] = field(default_factory=list)
    by_locality: list[tuple[str, int]] = field(default_factory=list)
    by_bot: int = 0
    by_officers: int = 0
    still_open: int = 0
    no_officer_needed: int = 0  # outside the programme, or closed without an answer
    median_answer: dt.timedelta | None = None
    citizens: int = 0
    subscribers: int = 0
    announcements: int = 0
    delivered: int = 0
    failed: int = 0
    unreachable: int = 0
    waiting: int = 0  # not delivered yet (queued, or waiting for the citizen to write)
    recordings: int = 0
    announcement_clips: int = 0
    bulletins: int = 0
    self_checks: int = 0
    self_checks_saved: int = 0

    @property
    def clips(self) -> int:
        return self.recordings + self.announcement_clips


class _Area:
    """A locality filter on any table's locality column: one code, or a whole province."""

    def __init__(self, content: Content, code: str | None):
        self.content, self.code = content, code
        self.province = code[2:] if code and code.startswith("p:") else None

    async def on(self, session: AsyncSession, column: Any) -> list[Any]:
        if self.code is None:
            return []
        if self.province is None:
            return [column == self.code]
        codes = (await session.execute(select(column).distinct())).scalars()
        inside = [c for c in codes if c and province_code(self.content, c) == self.province]
        return [column.in_(inside)]

    def on_columns(self, locality: Any, province: Any) -> list[Any]:
        """For tables that keep the province beside the locality (questions, subscriptions)."""
        if self.code is None:
            return []
        return [province == self.province] if self.province else [locality == self.code]


async def figures(
    session: AsyncSession,
    content: Content,
    period: Period,
    locality: str | None = None,
    answer_clips: frozenset[str] = frozenset(),
) -> Figures:
    """The report's figures; `locality` is a code `place_name` knows (checked by the caller);
    `answer_clips` are the FAQ answers' clip keys, which an announcement carrying one did not
    make."""
    area = _Area(content, locality)
    start, end = period.bounds()
    found = Figures(period, place_name(content, locality))
    await _questions(session, content, found, area, start, end)
    found.citizens = await session.scalar(
        select(func.count(distinct(Message.citizen_id)))
        .join(Citizen, Citizen.id == Message.citizen_id)
        .where(
            Message.direction == "in",
            Message.kind.not_in(NOT_WRITING),
            Message.created_at >= start,
            Message.created_at < end,
            *await area.on(session, Citizen.locality_id),
        )
    )
    found.subscribers = await session.scalar(
        select(func.count())
        .select_from(Subscription)
        .where(
            Subscription.created_at < end,
            *area.on_columns(Subscription.locality_id, Subscription.province_code),
        )
    )
    await _announcements(session, found, area, start, end, answer_clips)
    found.recordings = await _count(
        session,
        AudioRecording,
        AudioRecording.created_at >= start,
        AudioRecording.created_at < end,
        *await area.on(session, AudioRecording.locality_id),
    )
    found.bulletins = await _count(
        session,
        Bulletin,
        Bulletin.status == "ready",
        Bulletin.created_at >= start,
        Bulletin.created_at < end,
        *await area.on(session, Bulletin.locality_id),
    )
    found.self_checks = await _self_checks(session, area, start, end)
    saved = (
        select(func.count()).select_from(Question).join(Message, Message.id == Question.message_id)
    )
    found.self_checks_saved = await session.scalar(  # as dashboard/self_checks.py lists them
        saved.where(
            Question.topic == "chuan_ngheo",
            Question.sent_by_citizen.is_(True),
            Question.text.startswith(SELF_CHECK_SUMMARY, autoescape=True),
            Message.private.is_(True),
            Question.created_at >= start,
            Question.created_at < end,
            *area.on_columns(Question.locality_id, Question.province_code),
        )
    )
    return found


async def _count(session: AsyncSession, model: Any, *conditions: Any) -> int:
    return await session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0


async def _questions(session, content, found, area, start, end) -> None:  # type: ignore[no-untyped-def]
    """Questions received in the period and how they stood at its end."""
    query = select(Question).where(
        Question.created_at >= start,
        Question.created_at < end,
        *area.on_columns(Question.locality_id, Question.province_code),
    )
    rows = list((await session.execute(query)).scalars())
    delays = []
    channels: Counter[str] = Counter()
    topics: Counter[str] = Counter()
    places: Counter[str] = Counter()
    for q in rows:
        channels[CHANNEL_NAMES.get(q.channel, q.channel)] += 1
        topic = content.topics.get(q.topic) if q.topic else None
        topics[topic.title if topic else (q.topic or NO_TOPIC)] += 1
        places[locality_name(content, q.locality_id) or q.locality_id or NO_LOCALITY] += 1
        if q.answered_by is not None and q.answered_at is not None and q.answered_at < end:
            found.by_officers += 1
            delays.append(q.answered_at - q.created_at)
        elif q.answered_by_bot:
            found.by_bot += 1
        elif q.status == QuestionStatus.CLOSED or not (q.needs_officer or q.sent_by_citizen):
            found.no_officer_needed += 1
        else:
            found.still_open += 1
    found.received = len(rows)
    found.by_channel, found.by_topic, found.by_locality = map(_ranked, (channels, topics, places))
    found.median_answer = statistics.median(delays) if delays else None


def _ranked(counts: Counter[str]) -> list[tuple[str, int]]:
    """Most first; equal counts by name, so a report reads the same every time."""
    return sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))


async def _announcements(session, found, area, start, end, answer_clips) -> None:  # type: ignore[no-untyped-def]
    """Announcements sent in the period, their deliveries as they stand, and their clips."""
    sent = (
        await session.execute(
            select(Announcement.id, Announcement.audio_key).where(
                Announcement.sent_at >= start,
                Announcement.sent_at < end,
                *await area.on(session, Announcement.locality_id),
            )
        )
    ).all()
    found.announcements = len(sent)
    if not sent:
        return
    counts = await session.execute(
        select(OutboxMessage.status, func.count())
        .where(OutboxMessage.announcement_id.in_([a.id for a in sent]))
        .group_by(OutboxMessage.status)
    )
    for status, count in counts.all():
        if status == OutboxStatus.SENT:
            found.delivered += count
        elif status == OutboxStatus.FAILED:
            found.failed += count
        elif status == OutboxStatus.UNREACHABLE:
            found.unreachable += count
        else:
            found.waiting += count
    keys = {a.audio_key for a in sent if a.audio_key} - answer_clips
    if keys:
        bulletin_clips = await session.execute(
            select(Bulletin.clip_key).where(Bulletin.clip_key.in_(keys))
        )
        keys -= set(bulletin_clips.scalars())
    found.announcement_clips = len(keys)


async def _self_checks(session: AsyncSession, area: _Area, start, end) -> int:  # type: ignore[no-untyped-def]
    """Times a household self-check was opened: its messages are the private ones, so each run
    of private messages of a citizen (after a message that is not) is one self-check."""
    before = func.lag(Message.private).over(partition_by=Message.citizen_id, order_by=Message.id)
    runs = select(
        Message.citizen_id, Message.created_at, Message.private, before.label("before")
    ).subquery()
    return (
        await session.scalar(
            select(func.count())
            .select_from(runs)
            .join(Citizen, Citizen.id == runs.c.citizen_id)
            .where(
                runs.c.private.is_(True),
                or_(runs.c.before.is_(None), runs.c.before.is_(False)),
                runs.c.created_at >= start,
                runs.c.created_at < end,
                *await area.on(session, Citizen.locality_id),
            )
        )
        or 0
    )
