"""The audio library: clips of FAQ answers and bulletins, made on demand and cached.

It gives the URLs the channels and the /audio page use."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.settings import Settings
from audio.bulletins import RecordingError, build, clean_script, file_name
from audio.clips import Clip, ClipStyle, make_clip
from audio.engines import make_engine
from content.loader import Content
from content.schema import Entry
from db.office import AudioRecording, Bulletin

log = logging.getLogger(__name__)
BUILD_STALE = dt.timedelta(minutes=15)  # a build whose worker died may be started again
BUILD_FAILED = "Không thu âm được bản tin. Hãy thử lại; nếu vẫn lỗi, báo quản trị viên."


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
        bulletin.file_name = await self._file_name(session, bulletin)
        return bulletin

    def today(self) -> dt.date:
        return dt.datetime.now(ZoneInfo(self.settings.timezone)).date()

    async def _file_name(self, session: AsyncSession, bulletin: Bulletin) -> str:
        """The bulletin's readable download name, numbered when the day already has one."""
        taken = set(
            (
                await session.execute(
                    select(Bulletin.file_name).where(
                        Bulletin.id != bulletin.id, Bulletin.file_name.is_not(None)
                    )
                )
            ).scalars()
        )
        if bulletin.file_name and bulletin.file_name.startswith(
            file_name(bulletin.locality_id, self.today())[:-4]
        ):
            return bulletin.file_name  # rebuilt the same day: the name stays
        number = 1
        while file_name(bulletin.locality_id, self.today(), number) in taken:
            number += 1
        return file_name(bulletin.locality_id, self.today(), number)

    @staticmethod
    def is_building(bulletin: Bulletin) -> bool:
        started = bulletin.build_started_at
        return bulletin.status == "building" and (
            started is None or dt.datetime.now(dt.UTC) - started < BUILD_STALE
        )

    @staticmethod
    async def start_build(session: AsyncSession, bulletin_id: int) -> bool:
        """Marks the bulletin as building unless a build is already running (compare-and-set,
        so two clicks or two workers start one build); the caller commits."""
        now = dt.datetime.now(dt.UTC)
        result = await session.execute(
            update(Bulletin)
            .where(
                Bulletin.id == bulletin_id,
                or_(Bulletin.status != "building", Bulletin.build_started_at < now - BUILD_STALE),
            )
            .values(
                status="building",
                progress_done=0,
                progress_total=0,
                error=None,
                build_started_at=now,
            )
        )
        return result.rowcount == 1

    async def build_bulletin(self, sessions: async_sessionmaker[AsyncSession], bid: int) -> None:
        """Builds a bulletin's script (run in the background), its progress kept on its row:
        ready with its clip and readable file name, or failed with a message for the officer."""

        async def store(**values: object) -> None:
            async with sessions() as db:
                await db.execute(update(Bulletin).where(Bulletin.id == bid).values(**values))
                await db.commit()

        async def step(done: int, total: int) -> None:
            await store(progress_done=done, progress_total=total)

        try:
            async with sessions() as db:
                bulletin = await db.get(Bulletin, bid)
                if bulletin is None:
                    return
                script = clean_script(bulletin.script)
                ids = [s["id"] for s in script["segments"] if s["kind"] == "recording"]
                rows = await db.execute(select(AudioRecording).where(AudioRecording.id.in_(ids)))
                recordings = {r.id: (r.key, r.title) for r in rows.scalars()}
                tags = {
                    "title": bulletin.title,
                    "unit": script["intro"] or "Cầu Nối",
                    "source": "",
                    "date": self.today().isoformat(),
                }
            built = await build(script, recordings, self.engine, self.folder, tags, step)
            async with sessions() as db:
                bulletin = await db.get(Bulletin, bid)
                if bulletin is None:
                    return
                bulletin.clip_key, bulletin.duration_s = built.key, built.duration_s
                bulletin.file_name = await self._file_name(db, bulletin)
                bulletin.status, bulletin.error = "ready", None
                await db.commit()
        except Exception as exc:  # reported on the bulletin's page, never lost in a task
            log.exception("bulletin build failed", extra={"bulletin": bid})
            message = str(exc) if isinstance(exc, RecordingError) else BUILD_FAILED
            await store(status="failed", error=message[:300])

    @staticmethod
    async def latest_bulletin(session: AsyncSession, locality_id: str | None) -> Bulletin | None:
        query = (
            select(Bulletin).where(Bulletin.clip_key != "").order_by(Bulletin.id.desc()).limit(1)
        )
        if locality_id:
            query = query.where(
                or_(Bulletin.locality_id == locality_id, Bulletin.locality_id.is_(None))
            )
        else:
            query = query.where(Bulletin.locality_id.is_(None))
        return await session.scalar(query)

    @staticmethod
    async def published(
        session: AsyncSession, locality_id: str | None = None, limit: int = 100
    ) -> list[Bulletin]:
        """Bulletins with a built clip, newest first; for a locality, its own and those for
        every locality."""
        query = select(Bulletin).where(Bulletin.clip_key != "").order_by(Bulletin.id.desc())
        if locality_id:
            query = query.where(
                or_(Bulletin.locality_id == locality_id, Bulletin.locality_id.is_(None))
            )
        return list((await session.execute(query.limit(limit))).scalars())
