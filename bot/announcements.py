"""Announcements (thông báo) to subscribers: targets, drafts, sending and progress.

Targets follow officers' scope; the message is shaped for each channel's capabilities.

Sending is one transaction: a compare-and-set moves the announcement from draft to sending (a
second press, or a second worker, changes nothing), then one outbox row per subscriber is
inserted in one bulk statement. The outbox delivers the rows; each row's `next_try_at` is
spread out at the platform's pace, so however many workers run, an announcement never takes
more of a platform's rate limit than its share, and officers' answers are not stuck behind it."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.channel import Capabilities, Registry
from content.amounts import group_thousands
from content.loader import Content
from content.localities import PLACES
from content.messages import Messages
from content.schema import NATIONAL
from db.models import AudioUpload, Citizen, OutboxMessage, OutboxStatus, Subscription
from db.office import Announcement, AnnouncementStatus, Officer
from db.officers import scope_of

MAX_TITLE = 200
# With its heading and the stop line an announcement fits one Telegram message (4096).
MAX_TEXT = 3000
ACTING_ROLES = ("admin", "officer")
_UNIT_CODE = re.compile(r"(p:\d{2}|w:\d{3,6})")
UNREACHABLE_NOTE = "đã đánh dấu không liên lạc được trước khi gửi"
# On channels that upload a clip once and then send the platform's file id (`clip_upload`:
# Telegram), while the clip is not uploaded yet the first subscriber's message goes alone and
# the others wait this long, so the clip is uploaded once rather than by every message sent side
# by side.
UPLOAD_HEAD_START = dt.timedelta(seconds=5)


class AnnouncementError(ValueError):
    """Bad input from the officer; the message is Vietnamese and shown as it is."""


@dataclass(frozen=True)
class Target:
    """Where an announcement goes: one locality, or every locality of a province."""

    locality_id: str
    name: str
    province_code: str | None  # today's province
    whole_province: bool


def resolve_target(content: Content, locality_id: str) -> Target | None:
    """A content locality id, 'p:NN' or 'w:NNNNN' as a target; None if unknown."""
    locality_id = locality_id.strip()
    loc = content.localities.get(locality_id)
    if loc is not None:
        if loc.id == NATIONAL:
            return None
        return Target(loc.id, loc.name, loc.province_code, loc.level == "province")
    if not _UNIT_CODE.fullmatch(locality_id):
        return None
    name = PLACES.describe(locality_id)
    if name is None:
        return None
    province = PLACES.province_code_of(locality_id)
    return Target(locality_id, name, province, locality_id.startswith("p:"))


def in_officer_scope(officer: Officer, target: Target | None, locality_id: str) -> bool:
    """The officer's scope (dashboard.auth.scope_of) applied to an announcement's target."""
    scope = scope_of(officer)
    if not scope:
        return True
    if "province_code" in scope:
        return target is not None and target.province_code == scope["province_code"]
    return locality_id == scope["locality_id"]


def seen_by(content: Content, officer: Officer, locality_id: str) -> tuple[bool, Target | None]:
    """Whether the officer may see what was made for `locality_id` (an announcement, a
    bulletin), and its target (None when the locality is no longer known)."""
    target = resolve_target(content, locality_id)
    return in_officer_scope(officer, target, locality_id), target


def may_announce(officer: Officer, target: Target) -> bool:
    return officer.role in ACTING_ROLES and in_officer_scope(officer, target, target.locality_id)


def targets_for(content: Content, officer: Officer) -> list[Target]:
    """The targets an officer may choose: their own locality, the content localities and
    today's provinces, limited to their scope."""
    ids = [officer.locality_id] if officer.locality_id else []
    ids += [loc.id for loc in content.localities.values() if loc.id != NATIONAL]
    candidates = [resolve_target(content, i) for i in dict.fromkeys(ids)]
    candidates += [Target(f"p:{code}", name, code, True) for code, name in PLACES.provinces()]
    found: dict[str, Target] = {}
    for target in candidates:
        if target is not None and may_announce(officer, target):
            found.setdefault(target.locality_id, target)
    return list(found.values())


def subscribers_of(target: Target) -> Any:
    """The SQL condition on subscriptions for a target."""
    if target.whole_province:
        return Subscription.province_code == target.province_code
    return Subscription.locality_id == target.locality_id


def check_input(title: str, text: str) -> tuple[str, str]:
    title, text = title.strip(), text.strip().replace("\r\n", "\n")
    if not title:
        raise AnnouncementError("Hãy ghi tiêu đề thông báo.")
    if len(title) > MAX_TITLE:
        raise AnnouncementError(f"Tiêu đề dài quá {MAX_TITLE} ký tự. Hãy rút gọn.")
    if not text:
        raise AnnouncementError("Hãy viết nội dung thông báo.")
    if len(text) > MAX_TEXT:
        raise AnnouncementError(
            f"Nội dung dài {group_thousands(len(text))} ký tự, quá mức "
            f"{group_thousands(MAX_TEXT)} ký tự của một tin nhắn. Hãy rút gọn."
        )
    return title, text


async def create_draft(
    session: AsyncSession,
    officer: Officer,
    target: Target,
    title: str,
    text: str,
    audio_key: str | None,
) -> Announcement:
    if not may_announce(officer, target):
        raise PermissionError("target outside the officer's scope")
    title, text = check_input(title, text)
    announcement = Announcement(
        locality_id=target.locality_id,
        title=title,
        text=text,
        audio_key=audio_key,
        status=AnnouncementStatus.DRAFT,
        created_by=officer.id,
        created_at=dt.datetime.now(dt.UTC),
    )
    session.add(announcement)
    await session.flush()
    return announcement


@dataclass(frozen=True)
class Rendered:
    """One announcement as a citizen of one channel receives it: an outbox row's text and
    payload."""

    text: str
    payload: dict[str, Any]


def render(
    msgs: Messages,
    announcement: Announcement,
    place: str,
    caps: Capabilities,
    audio_url: str | None,
) -> Rendered:
    """The announcement for a channel that can show `caps`: the clip itself where the channel
    plays audio, else its link in the text; the stop and menu buttons only where native buttons
    show (numbered lines would press the conversation's choices, not these)."""
    parts = [
        msgs.announcement_body.format(place=place, title=announcement.title, text=announcement.text)
    ]
    payload: dict[str, Any] = {"announcement": announcement.id}
    if announcement.audio_key:
        if caps.audio_out:
            payload["audio"] = {"key": announcement.audio_key, "title": announcement.title}
        elif audio_url:
            parts.append(msgs.announcement_audio_link.format(url=audio_url))
    parts.append(msgs.announcement_stop)
    if caps.max_buttons > 0 and not caps.numbered_choices:
        payload["buttons"] = [[msgs.btn_unsubscribe, "sub:off"], [msgs.btn_menu, "menu"]]
    return Rendered("\n\n".join(parts), payload)


async def reach(session: AsyncSession, target: Target) -> dict[str, dict[str, int]]:
    """Subscribers a target reaches, by channel: {"telegram": {"reachable": n,
    "unreachable": m}, …}."""
    rows = await session.execute(
        select(Citizen.channel, Citizen.unreachable, func.count())
        .join(Subscription, Subscription.citizen_id == Citizen.id)
        .where(subscribers_of(target))
        .group_by(Citizen.channel, Citizen.unreachable)
    )
    out: dict[str, dict[str, int]] = {}
    for channel, unreachable, count in rows.all():
        counts = out.setdefault(channel, {"reachable": 0, "unreachable": 0})
        counts["unreachable" if unreachable else "reachable"] += count
    return out


def paces(registry: Registry) -> dict[str, float]:
    """Messages a second an announcement sends on each paced channel (its share of the
    platform's rate; the rest is left for live replies)."""
    return {name: caps.announce_rate for name, caps in registry.known.items() if caps.announce_rate}


@dataclass(frozen=True)
class Sent:
    queued: int  # rows to deliver
    unreachable: int  # subscribers already known to be unreachable (rows recorded as such)


async def send(
    session: AsyncSession,
    announcement_id: int,
    target: Target,
    officer: Officer,
    msgs: Messages,
    audio_url: str | None,
    registry: Registry,
    now: dt.datetime | None = None,
    head_start: dt.timedelta = UPLOAD_HEAD_START,
) -> Sent | None:
    """Queues the announcement for every subscriber of its target, once: returns None when it
    was sent already (this press changed nothing, and the transaction is rolled back).
    Otherwise the caller commits, with its audit entry in the same transaction. Each channel's
    rows are shaped and paced by its capabilities in `registry`; `head_start` is the wait after
    the first message where a clip is still to be uploaded."""
    now = now or dt.datetime.now(dt.UTC)
    claimed = await session.execute(
        update(Announcement)
        .where(Announcement.id == announcement_id, Announcement.status == AnnouncementStatus.DRAFT)
        .values(status=AnnouncementStatus.SENDING, sent_at=now, sent_by=officer.id)
    )
    if claimed.rowcount != 1:
        await session.rollback()
        return None
    announcement = await session.get(Announcement, announcement_id)
    assert announcement is not None and announcement.locality_id == target.locality_id
    subscribers = (
        await session.execute(
            select(Citizen.id, Citizen.channel, Citizen.unreachable)
            .join(Subscription, Subscription.citizen_id == Citizen.id)
            .where(subscribers_of(target))
            .order_by(Citizen.id)
        )
    ).all()
    rendered: dict[str, Rendered] = {}
    position: dict[str, int] = {}
    pace = paces(registry)
    head_starts = await _head_starts(session, announcement.audio_key, registry, head_start)
    rows = []
    for citizen_id, channel, unreachable in subscribers:
        if channel not in rendered:
            caps = registry.capabilities(channel)
            rendered[channel] = render(msgs, announcement, target.name, caps, audio_url)
        due = now
        if not unreachable and channel in pace:
            place_in_line = position.get(channel, 0)
            due = now + dt.timedelta(seconds=place_in_line / pace[channel])
            if place_in_line and channel in head_starts:
                due += head_starts[channel]
            position[channel] = place_in_line + 1
        rows.append(
            {
                "citizen_id": citizen_id,
                "announcement_id": announcement.id,
                "channel": channel,
                "text": rendered[channel].text,
                "payload": rendered[channel].payload,
                "status": OutboxStatus.UNREACHABLE if unreachable else OutboxStatus.PENDING,
                "attempts": 0,
                "next_try_at": due,
                "last_error": UNREACHABLE_NOTE if unreachable else None,
                "created_at": now,
            }
        )
    if rows:
        # One Core executemany: 10,000 subscribers are queued in well under a second.
        await session.execute(insert(OutboxMessage.__table__), rows)
    unreachable_count = sum(1 for _, _, unreachable in subscribers if unreachable)
    if unreachable_count == len(rows):  # nothing to deliver: done at once
        announcement.status, announcement.done_at = AnnouncementStatus.DONE, now
    return Sent(len(rows) - unreachable_count, unreachable_count)


async def _head_starts(
    session: AsyncSession, clip_key: str | None, registry: Registry, head_start: dt.timedelta
) -> dict[str, dt.timedelta]:
    """The wait after the first message, on channels where the clip is not uploaded yet."""
    uploading = {name for name, caps in registry.known.items() if caps.clip_upload}
    if not clip_key or not uploading:
        return {}
    uploaded = set(
        (
            await session.execute(
                select(AudioUpload.channel).where(AudioUpload.clip_key == clip_key)
            )
        ).scalars()
    )
    return {channel: head_start for channel in uploading - uploaded}


@dataclass
class Progress:
    status: str
    total: int = 0
    delivered: int = 0
    failed: int = 0
    unreachable: int = 0
    pending: int = 0  # not yet delivered (queued or being sent)
    waiting: int = 0  # Zalo: outside the messaging window, sent when the citizen writes

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def percent(self) -> int:
        return round(100 * (self.total - self.pending) / self.total) if self.total else 100


async def progress_of(
    session: AsyncSession, announcements: list[Announcement], now: dt.datetime | None = None
) -> dict[int, Progress]:
    """Per-status counts of each announcement's outbox rows (one GROUP BY); an announcement
    whose rows have all left the queue is marked done here (compare-and-set)."""
    found = {a.id: Progress(a.status) for a in announcements}
    sent = [a.id for a in announcements if a.status != AnnouncementStatus.DRAFT]
    if sent:
        rows = await session.execute(
            select(OutboxMessage.announcement_id, OutboxMessage.status, func.count())
            .where(OutboxMessage.announcement_id.in_(sent))
            .group_by(OutboxMessage.announcement_id, OutboxMessage.status)
        )
        for announcement_id, status, count in rows.all():
            p = found[announcement_id]
            p.total += count
            if status == OutboxStatus.SENT:
                p.delivered += count
            elif status == OutboxStatus.FAILED:
                p.failed += count
            elif status == OutboxStatus.UNREACHABLE:
                p.unreachable += count
            elif status == OutboxStatus.WAITING_CITIZEN:
                p.waiting += count
            else:  # pending, or claimed by a worker and being sent
                p.pending += count
    finished = [
        a
        for a in announcements
        if a.status == AnnouncementStatus.SENDING and not found[a.id].pending
    ]
    if finished:
        now = now or dt.datetime.now(dt.UTC)
        await session.execute(
            update(Announcement)
            .where(
                Announcement.id.in_([a.id for a in finished]),
                Announcement.status == AnnouncementStatus.SENDING,
            )
            .values(status=AnnouncementStatus.DONE, done_at=now)
        )
        await session.commit()
        for a in finished:
            a.status, a.done_at = AnnouncementStatus.DONE, now
            found[a.id].status = AnnouncementStatus.DONE
    return found
