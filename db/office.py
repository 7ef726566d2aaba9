"""Tables of the officers' side: accounts, audit, dialogue, bulletins, announcements, edits."""

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
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, utcnow


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


class DialogueSession(Base):
    """A policy dialogue session (buổi đối thoại chính sách) prepared from citizens' questions."""

    __tablename__ = "dialogue_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[dt.date]
    place: Mapped[str] = mapped_column(String(200))
    locality_id: Mapped[str | None] = mapped_column(String(64))
    chair: Mapped[str] = mapped_column(String(200))
    attendees: Mapped[str | None] = mapped_column(Text)  # for the minutes, one per line
    conclusions: Mapped[str | None] = mapped_column(Text)  # the chair's conclusions
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


class OfficeSettings(Base):
    """What the office's documents print (Nghị định 30/2020/NĐ-CP): the issuing body, the
    number's symbol, the place of the date line, the signer and "Nơi nhận". One row per scope:
    "*" (the national default), a province ("p:NN") or a locality id (db/office_settings.py)."""

    __tablename__ = "office_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(64), unique=True)
    superior_body: Mapped[str | None] = mapped_column(String(200))  # "UBND HUYỆN KIÊN HẢI"
    issuing_body: Mapped[str] = mapped_column(String(200))  # "UỶ BAN NHÂN DÂN XÃ HÒN TRE"
    symbol: Mapped[str] = mapped_column(String(40))  # "UBND": "Số: …/BB-UBND"
    place: Mapped[str] = mapped_column(String(100))  # "Hòn Tre, ngày … tháng … năm …"
    signer_authority: Mapped[str | None] = mapped_column(String(200))  # "TM. ỦY BAN NHÂN DÂN"
    signer_title: Mapped[str] = mapped_column(String(200))  # "CHỦ TỊCH"
    signer_name: Mapped[str] = mapped_column(String(200))
    recipients: Mapped[str] = mapped_column(Text)  # one per line
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("officers.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class QuestionDesk(Base):
    """How officers handle one question: who it is assigned to, and its place among similar
    questions once an officer split it out ("solo") or merged groups ("m:<id>")."""

    __tablename__ = "question_desk"
    __table_args__ = (
        Index("ix_question_desk_assignee", "assignee_id"),
        Index("ix_question_desk_group", "group_label"),
    )

    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True
    )
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id", ondelete="SET NULL"))
    assigned_by: Mapped[int | None] = mapped_column(ForeignKey("officers.id", ondelete="SET NULL"))
    assigned_at: Mapped[dt.datetime | None]
    group_label: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class QuestionNote(Base):
    """An officers' internal note on a question: shown in the dashboard, never sent."""

    __tablename__ = "question_notes"
    __table_args__ = (Index("ix_question_notes_question", "question_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id", ondelete="SET NULL"))
    username: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class QuestionTag(Base):
    """A tag an officer put on a question ("khẩn", "hỏi lại thôn"), once per question."""

    __tablename__ = "question_tags"
    __table_args__ = (
        UniqueConstraint("question_id", "tag", name="uq_question_tag"),
        Index("ix_question_tags_tag", "tag"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    tag: Mapped[str] = mapped_column(String(40))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("officers.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SavedReply(Base):
    """A reply officers keep for questions asked again and again: their own text, or "answer
    with FAQ entry X" (`faq_id`: the entry's answer and source, as the content has it on the
    day it is used). Shared within the author's locality (None: every locality)."""

    __tablename__ = "saved_replies"
    __table_args__ = (Index("ix_saved_replies_locality", "locality_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str | None] = mapped_column(Text)
    faq_id: Mapped[str | None] = mapped_column(String(64))
    locality_id: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("officers.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
