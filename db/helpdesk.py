"""The inbox as a helpdesk: assignments, internal notes, tags, group overrides, saved replies."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from sqlalchemy import delete, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from content.normalize import nfc
from db.models import Citizen, Question, QuestionStatus
from db.office import Officer, QuestionDesk, QuestionNote, QuestionTag, SavedReply
from db.officers import audit
from db.outbox import enqueue

SOLO = "solo"  # a question an officer split out of its group: grouped with nothing
MERGED = "m:"  # "m:<id>": questions an officer merged, with the groups they belong to
TAG_CHARS = 40
NOTE_CHARS = 4000
TITLE_CHARS = 120
REPLY_CHARS = 4000
OPEN = (QuestionStatus.NEW, QuestionStatus.IN_PROGRESS)
ACTING = ("admin", "officer")


class HelpdeskError(ValueError):
    """Input an officer can correct; the message is Vietnamese and shown as it is."""


def overdue_conditions(now: dt.datetime, days: int) -> list:  # type: ignore[type-arg]
    """Questions still waiting for an answer `days` days after they were asked: open (new or in
    progress), answered neither by the bot nor by an officer."""
    return [
        Question.status.in_(OPEN),
        Question.officer_answer.is_(None),
        Question.answered_by_bot.is_(False),
        Question.created_at <= now - dt.timedelta(days=days),
    ]


def is_overdue(question: Question, now: dt.datetime, days: int) -> bool:
    return (
        question.status in OPEN
        and question.officer_answer is None
        and not question.answered_by_bot
        and question.created_at <= now - dt.timedelta(days=days)
    )


async def record_answer(
    session: AsyncSession, officer: Officer, question: Question, text: str, now: dt.datetime
) -> None:
    """An officer's answer: kept on the question, queued to the citizen, audited."""
    citizen = await session.get(Citizen, question.citizen_id)
    question.officer_answer = text
    question.answered_by = officer.id
    question.answered_at = now
    question.status = QuestionStatus.ANSWERED
    question.updated_at = now
    if citizen is not None:
        enqueue(
            session,
            citizen,
            f"Cán bộ trả lời câu hỏi số {question.id} của bạn:\n{text}",
            question.id,
        )
    await audit(session, officer, "answer", str(question.id), {"chars": len(text)})


async def _desks(session: AsyncSession, ids: Iterable[int]) -> dict[int, QuestionDesk]:
    ids = list(ids)
    if not ids:
        return {}
    rows = await session.execute(select(QuestionDesk).where(QuestionDesk.question_id.in_(ids)))
    return {d.question_id: d for d in rows.scalars()}


async def _desks_for(
    session: AsyncSession, ids: Iterable[int], now: dt.datetime
) -> list[QuestionDesk]:
    """The desk row of each question, created where missing."""
    ids = list(dict.fromkeys(ids))
    found = await _desks(session, ids)
    for question_id in ids:
        if question_id not in found:
            found[question_id] = QuestionDesk(question_id=question_id, updated_at=now)
            session.add(found[question_id])
    return [found[i] for i in ids]


async def assign(
    session: AsyncSession,
    ids: Iterable[int],
    assignee: Officer | None,
    by: Officer,
    now: dt.datetime,
) -> None:
    """Assigns the questions to `assignee` (None: to nobody). The caller checked the scope."""
    for desk in await _desks_for(session, ids, now):
        desk.assignee_id = assignee.id if assignee else None
        desk.assigned_by = by.id
        desk.assigned_at = now if assignee else None
        desk.updated_at = now


async def assignees(session: AsyncSession, ids: Iterable[int]) -> dict[int, str]:
    """Question id -> the username of the officer it is assigned to."""
    ids = list(ids)
    if not ids:
        return {}
    rows = await session.execute(
        select(QuestionDesk.question_id, Officer.username)
        .join(Officer, Officer.id == QuestionDesk.assignee_id)
        .where(QuestionDesk.question_id.in_(ids))
    )
    return {i: name for i, name in rows.all()}


async def acting_officers(session: AsyncSession) -> list[Officer]:
    """Accounts a question can be assigned to: officers and admins not disabled."""
    rows = await session.execute(
        select(Officer)
        .where(Officer.role.in_(ACTING), Officer.disabled.is_(False))
        .order_by(Officer.username)
    )
    return list(rows.scalars())


def clean_text(text: str, limit: int, what: str) -> str:
    text = nfc(text).replace("\r\n", "\n").strip()
    if not text:
        raise HelpdeskError(f"Hãy viết {what}.")
    if len(text) > limit:
        raise HelpdeskError(f"{what.capitalize()} dài quá {limit:,} ký tự.".replace(",", "."))
    return text


async def add_note(
    session: AsyncSession, question_id: int, officer: Officer, text: str, now: dt.datetime
) -> QuestionNote:
    note = QuestionNote(
        question_id=question_id,
        officer_id=officer.id,
        username=officer.username,
        text=clean_text(text, NOTE_CHARS, "ghi chú"),
        created_at=now,
    )
    session.add(note)
    await session.flush()
    return note


async def notes_of(session: AsyncSession, question_id: int) -> list[QuestionNote]:
    rows = await session.execute(
        select(QuestionNote)
        .where(QuestionNote.question_id == question_id)
        .order_by(QuestionNote.id)
    )
    return list(rows.scalars())


def clean_tag(text: str) -> str:
    """A tag as kept: NFC, lower case, single spaces, at most TAG_CHARS characters."""
    tag = re.sub(r"\s+", " ", nfc(text).strip().lower())
    if not tag:
        raise HelpdeskError("Hãy viết nhãn.")
    if len(tag) > TAG_CHARS:
        raise HelpdeskError(f"Nhãn dài tối đa {TAG_CHARS} ký tự.")
    return tag


async def add_tag(
    session: AsyncSession, ids: Iterable[int], tag: str, officer: Officer, now: dt.datetime
) -> int:
    """Puts the tag on the questions that lack it; how many got it."""
    ids = list(dict.fromkeys(ids))
    having = set(
        (
            await session.execute(
                select(QuestionTag.question_id).where(
                    QuestionTag.question_id.in_(ids), QuestionTag.tag == tag
                )
            )
        ).scalars()
    )
    new = [i for i in ids if i not in having]
    session.add_all(
        QuestionTag(question_id=i, tag=tag, created_by=officer.id, created_at=now) for i in new
    )
    await session.flush()
    return len(new)


async def remove_tag(session: AsyncSession, question_id: int, tag: str) -> bool:
    result = await session.execute(
        delete(QuestionTag).where(QuestionTag.question_id == question_id, QuestionTag.tag == tag)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def tags_of(session: AsyncSession, ids: Iterable[int]) -> dict[int, list[str]]:
    ids = list(ids)
    if not ids:
        return {}
    rows = await session.execute(
        select(QuestionTag.question_id, QuestionTag.tag)
        .where(QuestionTag.question_id.in_(ids))
        .order_by(QuestionTag.tag)
    )
    found: dict[int, list[str]] = {}
    for question_id, tag in rows.all():
        found.setdefault(question_id, []).append(tag)
    return found


async def labels_of(session: AsyncSession, ids: Iterable[int]) -> dict[int, str]:
    """Question id -> its group override (SOLO or "m:<id>"), for those that have one."""
    return {i: d.group_label for i, d in (await _desks(session, ids)).items() if d.group_label}


async def split(session: AsyncSession, ids: Iterable[int], now: dt.datetime) -> None:
    """The questions leave their groups and stay alone until an officer merges them again."""
    for desk in await _desks_for(session, ids, now):
        desk.group_label = SOLO
        desk.updated_at = now


async def merge(session: AsyncSession, ids: Iterable[int], now: dt.datetime) -> str:
    """One group of the questions and of every question already merged with any of them:
    their label becomes "m:<smallest id>". Returns that label."""
    ids = sorted(set(ids))
    label = f"{MERGED}{ids[0]}"
    desks = await _desks_for(session, ids, now)
    earlier = {d.group_label for d in desks if d.group_label and d.group_label.startswith(MERGED)}
    if earlier:
        await session.execute(
            update(QuestionDesk)
            .where(QuestionDesk.group_label.in_(earlier))
            .values(group_label=label, updated_at=now)
        )
    for desk in desks:
        desk.group_label = label
        desk.updated_at = now
    await session.flush()
    return label


def reply_locality(officer: Officer) -> str | None:
    """Where an officer's saved replies are shared: their locality (None: everywhere)."""
    return None if officer.role == "admin" else officer.locality_id


def _visible(officer: Officer):  # type: ignore[no-untyped-def]
    own = reply_locality(officer)
    if officer.role == "admin" or own is None:
        return true()
    return (SavedReply.locality_id.is_(None)) | (SavedReply.locality_id == own)


async def saved_replies(session: AsyncSession, officer: Officer) -> list[SavedReply]:
    """The saved replies an officer may use: their locality's and those shared everywhere."""
    rows = await session.execute(
        select(SavedReply).where(_visible(officer)).order_by(SavedReply.title)
    )
    return list(rows.scalars())


async def saved_reply(session: AsyncSession, officer: Officer, reply_id: int) -> SavedReply | None:
    return await session.scalar(
        select(SavedReply).where(SavedReply.id == reply_id, _visible(officer))
    )


async def save_reply(
    session: AsyncSession,
    officer: Officer,
    reply: SavedReply | None,
    title: str,
    body: str,
    faq_id: str | None,
    now: dt.datetime,
) -> SavedReply:
    """Creates (`reply` None) or changes a saved reply: a text, or an FAQ entry's answer."""
    title = clean_text(title, TITLE_CHARS, "tên câu trả lời mẫu")
    text = body.strip()
    if faq_id is None:
        text = clean_text(body, REPLY_CHARS, "nội dung câu trả lời mẫu")
    elif len(text) > REPLY_CHARS:
        raise HelpdeskError(f"Nội dung câu trả lời mẫu dài quá {REPLY_CHARS} ký tự.")
    if reply is None:
        reply = SavedReply(
            locality_id=reply_locality(officer), created_by=officer.id, created_at=now
        )
        session.add(reply)
    reply.title, reply.body, reply.faq_id, reply.updated_at = title, text or None, faq_id, now
    await session.flush()
    return reply
