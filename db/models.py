"""Tables of the citizens' side: citizens, messages, questions, events, outbox, subscriptions."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, utcnow


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
    # A saved household self-check's answers: period, classification (as told), area
    # (rural/urban), members, income (đồng a month), lacking (indicator codes).
    self_check: Mapped[dict[str, Any] | None] = mapped_column(JSON)
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
