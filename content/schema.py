"""Pydantic models for the content files; validation messages name the field."""

from __future__ import annotations

import datetime as dt
import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
# The answer a citizen reads first: short on a phone (about 300 characters), then one caveat.
MAX_ANSWER_CHARS = 320
MAX_NOTE_CHARS = 200
# The answer a citizen reads first; the rest waits behind "Xem thêm" (`details`).
MAX_DETAILS_CHARS = 1200
# Telegram callback data is limited to 64 bytes; "faq:" plus the id must fit with room to spare.
MAX_ENTRY_ID_CHARS = 56


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _check_id(value: str) -> str:
    if not ID_PATTERN.match(value):
        raise ValueError(f"'{value}' is not a valid id (lowercase ascii, digits, '-' or '_')")
    return value


class Topic(Strict):
    id: str
    title: str = Field(min_length=1)

    _id = field_validator("id")(_check_id)


def vn_date(value: dt.date) -> str:
    """A date as Vietnamese write it: 07/12/2026."""
    return f"{value.day:02d}/{value.month:02d}/{value.year}"


# The locality of entries and contacts that hold everywhere; not a place to pick or announce to.
NATIONAL = "toan-quoc"


class Locality(Strict):
    id: str
    name: str = Field(min_length=1)
    level: str = Field(pattern=r"^(national|province|district|commune)$")
    province: str | None = None
    now: str | None = None
    province_code: str | None = Field(default=None, pattern=r"^\d{2}$")
    units: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()

    _id = field_validator("id")(_check_id)


class Source(Strict):
    id: str
    label: str = Field(min_length=1)
    issuer: str = Field(min_length=1)
    date: dt.date | None
    title: str = Field(min_length=1)
    url: str | None = None
    # The id of the source that replaced this one (`content audit` lists entries still citing it).
    replaced_by: str | None = None

    _id = field_validator("id")(_check_id)

    @model_validator(mode="after")
    def _not_replaced_by_itself(self) -> Source:
        if self.replaced_by == self.id:
            raise ValueError("replaced_by: a source cannot replace itself")
        return self

    def citation(self) -> str:
        """How an answer's source line names this document."""
        if self.date is None:
            return self.label
        return f"{self.label} ngày {vn_date(self.date)}"


class Entry(Strict):
    id: str = Field(max_length=MAX_ENTRY_ID_CHARS)
    topic: str
    questions: tuple[str, ...] = Field(min_length=3)
    answer: str
    details: str | None = Field(default=None, max_length=MAX_DETAILS_CHARS)
    sources: tuple[str, ...] = Field(min_length=1)
    localities: tuple[str, ...] = Field(min_length=1)
    valid_from: dt.date
    valid_to: dt.date | None
    note: str | None = Field(default=None, max_length=MAX_NOTE_CHARS)
    related: tuple[str, ...] = ()
    # Current entries that answer what this one did once its period has ended (valid_to).
    superseded_by: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    # The day the content was last verified against its sources; overrides the file's `checked`.
    checked: dt.date | None = None

    _id = field_validator("id")(_check_id)

    @field_validator("questions")
    @classmethod
    def _questions_not_empty(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for i, question in enumerate(value):
            if not question.strip():
                raise ValueError(f"question {i + 1} is empty")
        if len({q.strip().lower() for q in value}) != len(value):
            raise ValueError("the same question is listed twice")
        return value

    @field_validator("answer")
    @classmethod
    def _answer_plain(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the answer is empty")
        if len(value) > MAX_ANSWER_CHARS:
            raise ValueError(f"the answer has {len(value)} characters; at most {MAX_ANSWER_CHARS}")
        if re.search(r"(?im)^\s*nguồn\s*:", value):
            raise ValueError("the answer has its own 'Nguồn:' line; list documents in 'sources'")
        return value

    @model_validator(mode="after")
    def _dates_in_order(self) -> Entry:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        return self


class TopicsFile(Strict):
    topics: tuple[Topic, ...] = Field(min_length=1)


class LocalitiesFile(Strict):
    localities: tuple[Locality, ...] = Field(min_length=1)


class SourcesFile(Strict):
    sources: tuple[Source, ...] = Field(min_length=1)


class FaqFile(Strict):
    # The day the file's content was last verified; applies to every entry without its own.
    checked: dt.date | None = None
    entries: tuple[Entry, ...] = Field(min_length=1)
