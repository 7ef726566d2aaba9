"""Telegram clips: a clip of the audio library is uploaded once, then sent by its file_id."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot
from telegram.constants import ChatAction
from telegram.error import TelegramError

from bot.messages import AudioRef
from db.models import AudioUpload

log = logging.getLogger(__name__)
CHANNEL = "telegram"


class ClipUploads:
    """Sends clips to Telegram chats. The file_id Telegram returns for an upload is kept (in
    memory and as an AudioUpload row), so each clip is uploaded once: in this worker one upload
    at a time per clip; across workers the first stored wins, and a second upload is harmless."""

    def __init__(
        self,
        bot: Bot,
        sessions: async_sessionmaker[AsyncSession],
        clip_path: Callable[[str], Path | None],
    ):
        self.bot = bot
        self.sessions = sessions
        self.clip_path = clip_path
        self._locks: dict[str, asyncio.Lock] = {}
        self._file_ids: dict[str, str] = {}  # clip key -> Telegram's file_id

    async def send(self, chat_id: int, clip: AudioRef) -> str:
        """Sends the clip; returns the message id. TelegramError when it cannot be sent."""
        await self.bot.send_chat_action(chat_id, ChatAction.UPLOAD_VOICE)
        async with self._locks.setdefault(clip.clip_id, asyncio.Lock()):
            file_id = self._file_ids.get(clip.clip_id) or await self._stored(clip.clip_id)
            if file_id is None:
                return await self._upload(chat_id, clip)
            self._file_ids[clip.clip_id] = file_id
        sent = await self.bot.send_audio(chat_id, file_id, title=clip.title)
        return str(sent.message_id)

    async def _stored(self, key: str) -> str | None:
        async with self.sessions() as session:
            return await session.scalar(
                select(AudioUpload.file_id).where(
                    AudioUpload.clip_key == key, AudioUpload.channel == CHANNEL
                )
            )

    async def _upload(self, chat_id: int, clip: AudioRef) -> str:
        path = self.clip_path(clip.clip_id)
        if path is None:
            raise TelegramError("clip file missing")
        with path.open("rb") as handle:
            sent = await self.bot.send_audio(
                chat_id, handle, title=clip.title, filename=f"{clip.title[:40]}.mp3"
            )
        if sent.audio:
            self._file_ids[clip.clip_id] = sent.audio.file_id
            await self._remember(clip.clip_id, sent.audio.file_id)
        return str(sent.message_id)

    async def _remember(self, key: str, file_id: str) -> None:
        async with self.sessions() as session:
            session.add(
                AudioUpload(
                    clip_key=key,
                    channel=CHANNEL,
                    file_id=file_id,
                    created_at=dt.datetime.now(dt.UTC),
                )
            )
            try:
                await session.commit()
            except IntegrityError:
                pass  # another worker stored its upload of this clip first; either id works
            except SQLAlchemyError:  # the clip went out: the next send uploads it again
                log.warning("clip upload not remembered", exc_info=True)
