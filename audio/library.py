"""The audio library: clips of FAQ answers and officers' bulletins, made on demand and cached,
with the URLs channels and the /audio page use."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from audio.clips import Clip, ClipStyle, make_clip
from audio.engines import make_engine
from bot.settings import Settings
from content.loader import Content
from content.schema import Entry
from db.models import Bulletin


class AudioLibrary:
    def __init__(self, settings: Settings, content: Content, engine=None):  # type: ignore[no-untyped-def]
        self.settings = settings
        self.content = content
        self.engine = engine or make_engine(
            settings.tts_engine, settings.tts_gtts_url, settings.tts_timeout, settings.piper_voice
        )
        self.folder = Path(settings.audio_dir)
        self.index_path = self.folder / "index.json"

    def url(self, key: str) -> str:
        return f"{self.settings.public_url.rstrip('/')}/audio/clips/{key}.mp3"

    def path(self, key: str) -> Path | None:
        if not key.isalnum():
            return None
        path = self.folder / f"{key}.mp3"
        return path if path.exists() else None

    def entry_text(self, entry: Entry) -> str:
        """What the loudspeaker reads for an FAQ entry: the question, the answer, the source."""
        citations = "; ".join(self.content.citations(entry))
        return f"{entry.questions[0]} {entry.answer.strip()} Nguồn: {citations}."

    async def clip_for_entry(self, entry: Entry) -> Clip:
        clip = await make_clip(
            self.entry_text(entry),
            self.engine,
            self.folder,
            ClipStyle(outro=None, repeat=1),
            title=entry.questions[0],
            unit="Cầu Nối",
            source="; ".join(self.content.citations(entry)),
        )
        self._index(entry.id, clip.key)
        return clip

    def _index(self, entry_id: str, key: str) -> None:
        index = self.index()
        if index.get(entry_id) != key:
            index[entry_id] = key
            self.folder.mkdir(parents=True, exist_ok=True)
            self.index_path.write_text(
                json.dumps(index, ensure_ascii=False, indent=0), encoding="utf-8"
            )

    def index(self) -> dict[str, str]:
        if not self.index_path.exists():
            return {}
        return json.loads(self.index_path.read_text(encoding="utf-8"))

    def meta(self, key: str) -> dict | None:
        path = self.folder / f"{key}.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None

    async def clip_for_text(self, text: str, title: str, unit: str = "Cầu Nối") -> Clip:
        """A clip of any text read once (an announcement), cached like every clip."""
        return await make_clip(
            text, self.engine, self.folder, ClipStyle(repeat=1), title=title, unit=unit
        )

    async def make_bulletin(
        self,
        session: AsyncSession,
        title: str,
        text: str,
        locality_id: str | None,
        officer_id: int | None,
        intro: str | None = None,
    ) -> Bulletin:
        clip = await make_clip(
            text,
            self.engine,
            self.folder,
            ClipStyle(intro=intro),
            title=title,
            unit=intro or "Cầu Nối",
        )
        bulletin = Bulletin(
            title=title,
            locality_id=locality_id,
            text=text,
            clip_key=clip.key,
            duration_s=clip.duration_s,
            created_by=officer_id,
            created_at=dt.datetime.now(dt.UTC),
        )
        session.add(bulletin)
        await session.flush()
        return bulletin

    @staticmethod
    async def latest_bulletin(session: AsyncSession, locality_id: str | None) -> Bulletin | None:
        query = select(Bulletin).order_by(Bulletin.id.desc()).limit(1)
        if locality_id:
            query = query.where(
                or_(Bulletin.locality_id == locality_id, Bulletin.locality_id.is_(None))
            )
        else:
            query = query.where(Bulletin.locality_id.is_(None))
        return await session.scalar(query)
