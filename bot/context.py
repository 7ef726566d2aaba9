"""What a handler receives: the message, the citizen, their state, the content and a session."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.messages import Button, Inbound
from content.loader import Content
from content.localities import province_code
from content.messages import Messages
from content.search import SearchIndex
from db.models import Citizen, Question, QuestionStatus
from db.rows import insert_persistent

IDLE = "idle"


@dataclass
class Context:
    """One inbound message being handled, and what its handler may read and change."""

    inbound: Inbound
    session: AsyncSession
    content: Content
    index: SearchIndex
    citizen: Citizen
    state: str
    data: dict[str, Any]
    message_id: int | None
    now: dt.datetime
    max_message_chars: int = 2000
    inbound_state: str = IDLE  # the state when the message arrived
    audio: Any = None  # audio.library.AudioLibrary
    resumed: bool = False  # handling again an event whose first handling died midway
    questions_logged: list[int] = field(default_factory=list)

    @property
    def msgs(self) -> Messages:
        return self.content.messages

    @property
    def today(self) -> dt.date:
        # Vietnam has one time zone, UTC+7, without daylight saving.
        return (self.now + dt.timedelta(hours=7)).date()

    def set_state(self, state: str, **data: Any) -> None:
        self.state = state
        self.data = data

    def clear_state(self) -> None:
        self.set_state(IDLE)

    def menu_button(self) -> Button:
        return Button(self.msgs.btn_menu, "menu")

    async def log_question(self, text: str, normalized: str, **fields: Any) -> Question:
        """Stores a citizen question and commits it, before any reply is produced."""
        if self.resumed:  # a handling that died may have stored it already
            stored = await self.session.scalar(
                select(Question).where(Question.message_id == self.message_id)
            )
            if stored is not None:
                self.questions_logged.append(stored.id)
                return stored
        question = await insert_persistent(
            self.session,
            Question,
            citizen_id=self.citizen.id,
            message_id=self.message_id,
            text=text,
            normalized_text=normalized,
            channel=self.citizen.channel,
            locality_id=self.citizen.locality_id,
            province_code=province_code(self.content, self.citizen.locality_id),
            status=fields.pop("status", QuestionStatus.NEW),
            created_at=self.now,
            updated_at=self.now,
            **fields,
        )
        await self.session.commit()
        self.questions_logged.append(question.id)
        return question
