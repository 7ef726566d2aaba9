"""The pronunciation list: abbreviations and the words the loudspeaker reads for them.

From audio/pronunciations.yaml with the operators' edits (database) on top, cached by version."""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.office import Officer, PronunciationEdit
from db.officers import audit

log = logging.getLogger(__name__)

BASE_PATH = Path(__file__).with_name("pronunciations.yaml")
ACTIONS = ("set", "remove", "reset")
MAX_TERM = 40
MAX_READING = 200


class PronunciationError(ValueError):
    """An edit the list refuses; the message is for the operator (Vietnamese)."""


@dataclass(frozen=True)
class Pronunciations:
    """One version of the merged list, with the pattern that finds its terms in a text."""

    terms: dict[str, str]
    version: tuple[int, float] = (0, 0.0)  # (newest edit id, the file's mtime)
    pattern: re.Pattern[str] | None = field(default=None, compare=False)

    @classmethod
    def of(cls, terms: dict[str, str], version: tuple[int, float] = (0, 0.0)) -> Pronunciations:
        ordered = sorted(terms, key=len, reverse=True)  # "LĐ-TB&XH" before "TB&XH"
        pattern = (
            re.compile(r"(?<![\w&])(" + "|".join(map(re.escape, ordered)) + r")(?![\w&])")
            if ordered
            else None
        )
        return cls(dict(terms), version, pattern)

    def expand(self, text: str) -> str:
        """Every known term in `text` replaced by its reading."""
        if self.pattern is None:
            return text
        return self.pattern.sub(lambda m: self.terms[m.group(1)], text)

    def reading(self, term: str) -> str | None:
        return self.terms.get(term)


def clean_term(term: str) -> str:
    return unicodedata.normalize("NFC", " ".join(str(term).split()))


def load_base(path: Path = BASE_PATH) -> dict[str, str]:
    """The list as the file writes it."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {clean_term(k): clean_term(v) for k, v in (data.get("terms") or {}).items()}


def merge_edits(base: dict[str, str], edits: list[tuple[str, str, str | None]]) -> dict[str, str]:
    """`edits` (term, action, reading) oldest first over `base`: set adds or changes a term,
    remove makes it read as written, reset brings back the file's reading."""
    merged = dict(base)
    for term, action, reading in edits:
        if action == "set" and reading:
            merged[term] = reading
        elif action == "remove":
            merged.pop(term, None)
        elif action == "reset":
            merged.pop(term, None)
            if term in base:
                merged[term] = base[term]
    return merged


class PronunciationStore:
    """The process's current list. Reading it costs nothing; `refresh` asks the database for
    the newest edit id (one indexed query) and rebuilds the list only when it changed, so every
    worker picks up an operator's edit before its next clip."""

    def __init__(self, path: Path = BASE_PATH):
        self.path = path
        self.sessions: async_sessionmaker[AsyncSession] | None = None
        self._base: tuple[float, dict[str, str]] | None = None
        self._current: Pronunciations | None = None

    def bind(self, sessions: async_sessionmaker[AsyncSession] | None) -> None:
        """The database whose edits apply (the running application's); None for the file only."""
        self.sessions = sessions
        self._current = None

    def base(self) -> tuple[float, dict[str, str]]:
        mtime = self.path.stat().st_mtime
        if self._base is None or self._base[0] != mtime:
            self._base = (mtime, load_base(self.path))
        return self._base

    def current(self) -> Pronunciations:
        if self._current is None:
            mtime, base = self.base()
            self._current = Pronunciations.of(base, (0, mtime))
        return self._current

    async def refresh(self, session: AsyncSession | None = None) -> Pronunciations:
        """The list with the database's edits (the bound database when no session is given)."""
        if session is None:
            if self.sessions is None:
                return self.current()
            try:
                async with self.sessions() as own:
                    return await self.refresh(own)
            except SQLAlchemyError as exc:  # the database down: read with the list we have
                log.warning("pronunciation edits unavailable", extra={"error": repr(exc)[:200]})
                return self.current()
        newest = await session.scalar(select(func.max(PronunciationEdit.id))) or 0
        mtime, base = self.base()
        current = self._current
        if current is not None and current.version == (newest, mtime):
            return current
        rows = await session.execute(
            select(PronunciationEdit.term, PronunciationEdit.action, PronunciationEdit.reading)
            .where(PronunciationEdit.id <= newest)
            .order_by(PronunciationEdit.id)
        )
        merged = merge_edits(base, [tuple(row) for row in rows.all()])
        self._current = Pronunciations.of(merged, (newest, mtime))
        return self._current


STORE = PronunciationStore()


def validate_edit(term: str, action: str, reading: str | None) -> tuple[str, str | None]:
    """The cleaned term and reading, or PronunciationError saying what is wrong."""
    term = clean_term(term)
    if action not in ACTIONS:
        raise PronunciationError("Thao tác không hợp lệ.")
    if not term or len(term) > MAX_TERM or not any(c.isalpha() for c in term):
        raise PronunciationError(f"Hãy ghi chữ viết tắt (có chữ cái, tối đa {MAX_TERM} ký tự).")
    if action != "set":
        return term, None
    reading = clean_term(reading or "")
    if not reading or len(reading) > MAX_READING or not any(c.isalpha() for c in reading):
        raise PronunciationError(f"Hãy ghi cách đọc (bằng chữ, tối đa {MAX_READING} ký tự).")
    if reading == term:
        raise PronunciationError("Cách đọc phải khác chữ viết tắt.")
    return term, reading


async def save_edit(
    session: AsyncSession,
    officer: Officer | None,
    term: str,
    action: str,
    reading: str | None = None,
    store: PronunciationStore = STORE,
) -> Pronunciations:
    """Records one change (and its audit row) and returns the list as it now reads; the caller
    commits."""
    term, reading = validate_edit(term, action, reading)
    before = (await store.refresh(session)).reading(term)
    session.add(
        PronunciationEdit(
            term=term, action=action, reading=reading, officer_id=officer.id if officer else None
        )
    )
    await audit(
        session,
        officer,
        f"pronunciation_{action}",
        term,
        {"before": before, "reading": reading},
    )
    await session.flush()
    return await store.refresh(session)


async def list_edits(session: AsyncSession) -> dict[str, str]:
    """Each edited term's latest action."""
    rows = await session.execute(
        select(PronunciationEdit.term, PronunciationEdit.action).order_by(PronunciationEdit.id)
    )
    return dict(rows.all())
