"""Tables: citizens, conversations, the message log, the question log, processed events,
officers and their sessions, the outbox, dialogue sessions, audio bulletins, announcements to
subscribers, and officers' corrections to the contacts directory."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy import true as sa_true
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored; use an aware UTC datetime")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dt.datetime: UTCDateTime,
        dict[str, Any]: JSON,
    }


class QuestionStatus:
    """Question statuses in the officers' workflow (codes stored; labels shown)."""

    NEW = "moi"
    IN_PROGRESS = "dang_xu_ly"
    ANSWERED = "da_tra_loi"
    TO_DIALOGUE = "chuyen_doi_thoai"
    CLOSED = "dong"
    LABELS: ClassVar[dict[str, str]] = {
        NEW: "Mới",
        IN_PROGRESS: "Đang xử lý",
        ANSWERED: "Đã trả lời",
        TO_DIALOGUE: "Chuyển đối thoại",
        CLOSED: "Đóng",
    }


class Citizen(Base):
    __tablename__ = "citizens"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_citizen_address"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    # Platform ids are strings: Zalo ids overflow 53-bit integers.
    external_id: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str | None] = mapped_column(String(200))
    locality_id: Mapped[str | None] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(32))
    consent_at: Mapped[dt.datetime | None]
    unreachable: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_inbound_at: Mapped[dt.datetime | None]


class Conversation(Base):
    """Conversation state of one citizen; `version` makes concurrent saves compare-and-set."""

    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"), unique=True)
    state: Mapped[str] = mapped_column(String(64), default="idle")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Message(Base):
    """Every message in or out, as received or sent."""

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_citizen_created", "citizen_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"))
    direction: Mapped[str] = mapped_column(String(3))  # "in" or "out"
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    event_id: Mapped[str | None] = mapped_column(String(128))
    # Part of a private conversation (the household self-check): its text is erased once the
    # conversation moves on, unless the citizen agreed to keep the result.
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Question(Base):
    """The question log: every citizen question, answered by the bot or not."""

    __tablename__ = "questions"
    __table_args__ = (
        Index("ix_questions_status_created", "status", "created_at"),
        Index("ix_questions_citizen", "citizen_id"),
        Index("ix_questions_province", "province_code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    text: Mapped[str] = mapped_column(Text)
    normalized_text: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(16))
    locality_id: Mapped[str | None] = mapped_column(String(64))
    province_code: Mapped[str | None] = mapped_column(String(2))  # today's province, for scope
    topic: Mapped[str | None] = mapped_column(String(64))
    matched_faq_id: Mapped[str | None] = mapped_column(String(64))
    score: Mapped[float | None] = mapped_column(Float)
    answered_by_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    needs_officer: Mapped[bool] = mapped_column(Boolean, default=False)
    sent_by_citizen: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(24), default=QuestionStatus.NEW)
    officer_answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    answered_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ProcessedEvent(Base):
    """Platform event ids already handled, so a redelivered update gets no second reply."""

    __tablename__ = "processed_events"
    __table_args__ = (UniqueConstraint("channel", "event_id", name="uq_processed_event"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)  # when last taken
    # Handled to the end. An event taken but not done was left by a worker that died, once it
    # is old enough: a retry from the platform takes it over (bot/core.py).
    done: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_true())


class Officer(Base):
    """A commune or province officer who reads and answers questions in the dashboard."""

    __tablename__ = "officers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))  # admin | officer | viewer
    locality_id: Mapped[str | None] = mapped_column(String(64))  # None: every locality
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AuditEntry(Base):
    """Who did what, when: every officer action."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_created", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(48))
    target: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class LoginFailure(Base):
    """Failed logins, for throttling across workers."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key_at", "key", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(128))  # "user:<name>" or "ip:<address>"
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class OfficerSession(Base):
    """A dashboard login: the session cookie names it (by its token's hash). Logging out deletes
    it, changing the password deletes all of the officer's; a disabled officer's open none."""

    __tablename__ = "officer_sessions"
    __table_args__ = (
        Index("ix_officer_sessions_officer", "officer_id"),
        Index("ix_officer_sessions_expires", "expires_at"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the cookie's token
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]


class OutboxStatus:
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after the last attempt
    UNREACHABLE = "unreachable"  # the citizen blocked the bot or left
    WAITING_CITIZEN = "waiting_citizen"  # outside the platform's window: sent when they write


class OutboxMessage(Base):
    """A message to deliver to a citizen, retried with back-off until sent or given up."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_next", "status", "next_try_at"),
        # One announcement reaches one citizen once, whoever presses "send" and how often.
        UniqueConstraint("announcement_id", "citizen_id", name="uq_outbox_announcement_citizen"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"))
    question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id"))
    announcement_id: Mapped[int | None] = mapped_column(ForeignKey("announcements.id"))
    channel: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(24), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    platform_message_id: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]


class DialogueSession(Base):
    """A policy dialogue session (buổi đối thoại chính sách) prepared from citizens' questions."""

    __tablename__ = "dialogue_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[dt.date]
    place: Mapped[str] = mapped_column(String(200))
    locality_id: Mapped[str | None] = mapped_column(String(64))
    chair: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class DialogueItem(Base):
    """A question taken to a dialogue session, and the answer given there."""

    __tablename__ = "dialogue_items"
    __table_args__ = (UniqueConstraint("session_id", "question_id", name="uq_dialogue_item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("dialogue_sessions.id"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ZaloToken(Base):
    """The Zalo OA access and refresh tokens. The refresh token is single-use, so a new pair is
    stored (compare-and-set on `version`) before it is used."""

    __tablename__ = "zalo_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    access_token: Mapped[str] = mapped_column(Text)
    refresh_token: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[dt.datetime]
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Bulletin(Base):
    """An audio bulletin (bản tin) for a locality: its text, the clip made from it, and when."""

    __tablename__ = "bulletins"
    __table_args__ = (Index("ix_bulletins_locality_created", "locality_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    locality_id: Mapped[str | None] = mapped_column(String(64))  # None: every locality
    text: Mapped[str] = mapped_column(Text)
    clip_key: Mapped[str] = mapped_column(String(64))
    duration_s: Mapped[float] = mapped_column(Float)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # The script edited before the build: {"intro": str | None, "segments": [{"kind": "text",
    # "text": …} | {"kind": "recording", "id": …}]}; None for bulletins made in one step.
    script: Mapped[dict[str, Any] | None]
    status: Mapped[str] = mapped_column(String(16), default="ready", server_default="ready")
    progress_done: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    progress_total: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    error: Mapped[str | None] = mapped_column(String(300))
    file_name: Mapped[str | None] = mapped_column(String(120))  # ban-tin-kien-hai-2026-12-07.mp3
    build_started_at: Mapped[dt.datetime | None]


class AudioRecording(Base):
    """A recording an officer uploaded (the announcer reading a notice, a jingle), decoded and
    mastered like every clip; kept as AUDIO_DIR/recordings/<key>.mp3 (a generated name)."""

    __tablename__ = "audio_recordings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    locality_id: Mapped[str | None] = mapped_column(String(64))
    duration_s: Mapped[float] = mapped_column(Float)
    size_bytes: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("officers.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AudioUpload(Base):
    """A clip already uploaded to a platform (Telegram's file_id), so it is uploaded once."""

    __tablename__ = "audio_uploads"
    __table_args__ = (UniqueConstraint("clip_key", "channel", name="uq_audio_upload"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    clip_key: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    file_id: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Subscription(Base):
    """A citizen who receives announcements for their locality; one row each, deleted when
    they leave. The locality follows the citizen's chosen one; the province is kept so that a
    province-wide announcement finds its subscribers with one indexed query."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        Index("ix_subscriptions_locality", "locality_id"),
        Index("ix_subscriptions_province", "province_code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"), unique=True)
    locality_id: Mapped[str] = mapped_column(String(64))
    province_code: Mapped[str | None] = mapped_column(String(2))  # today's province
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AnnouncementStatus:
    DRAFT = "draft"
    SENDING = "sending"  # queued in the outbox; some rows not delivered yet
    DONE = "done"  # every row delivered, failed, unreachable or waiting for the citizen
    LABELS: ClassVar[dict[str, str]] = {
        DRAFT: "Bản nháp",
        SENDING: "Đang gửi",
        DONE: "Đã gửi xong",
    }


class Announcement(Base):
    """An announcement (thông báo) from officers to the subscribers of a locality or province."""

    __tablename__ = "announcements"
    __table_args__ = (Index("ix_announcements_locality_created", "locality_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The target: a content locality id, "p:NN" (a whole province) or "w:NNNNN" (a commune).
    locality_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    audio_key: Mapped[str | None] = mapped_column(String(64))  # a clip of the audio library
    status: Mapped[str] = mapped_column(String(16), default=AnnouncementStatus.DRAFT)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    sent_by: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]  # when "send" was pressed
    done_at: Mapped[dt.datetime | None]  # when the last row left the queue


class JobLease(Base):
    """Who runs a background job, until when: a job runs once however many workers there are
    (app/jobs.py)."""

    __tablename__ = "job_leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    until: Mapped[dt.datetime]
    started_at: Mapped[dt.datetime]


class PronunciationEdit(Base):
    """An operator's change to the loudspeaker's pronunciation list (audio/pronunciations.yaml
    is the base): the newest row of a term wins, and the highest id is the list's version."""

    __tablename__ = "pronunciation_edits"
    __table_args__ = (Index("ix_pronunciation_edits_term", "term"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    term: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))  # set | remove | reset (back to the file)
    reading: Mapped[str | None] = mapped_column(String(300))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ContactOverride(Base):
    """An officer's correction or confirmation of a contact of the content (content/contacts),
    by the contact's id: the bot shows these values over the file's (db/contacts.py)."""

    __tablename__ = "contact_overrides"

    contact_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))
    phone_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    address: Mapped[str | None] = mapped_column(String(300))
    hours: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    checked_at: Mapped[dt.datetime]  # "kiểm tra ngày … bởi …"
    checked_by: Mapped[str] = mapped_column(String(64))  # the officer's username
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
