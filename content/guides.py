"""Guided yes/no questionnaires as data: legal aid, supports, and their contacts.

Who may get free legal aid, which supports fit a family, and the contacts directory they point
to."""

from __future__ import annotations

import datetime as dt

from pydantic import Field, model_validator

from content.schema import Strict

# A phone number as written in Vietnam: digits, spaces, dots, dashes, an optional leading +.
PHONE_PATTERN = r"^\+?\d[\d .\-]{1,18}\d$"


class LegalAidQuestion(Strict):
    id: str
    question: str
    example: str
    reason: str  # why a "Có" makes the person eligible
    faq: str


class LegalAidGuide(Strict):
    sources: tuple[str, ...] = Field(min_length=1)
    questions: tuple[LegalAidQuestion, ...] = Field(min_length=1)
    papers_faq: str
    how_faq: str
    all_groups_faq: str

    def faq_ids(self) -> list[tuple[str, str]]:
        found = [(f"questions[{i}].faq", q.faq) for i, q in enumerate(self.questions)]
        found += [("papers_faq", self.papers_faq), ("how_faq", self.how_faq)]
        return [*found, ("all_groups_faq", self.all_groups_faq)]


class SupportLine(Strict):
    faq: str
    line: str


class SupportQuestion(Strict):
    id: str
    question: str
    supports: tuple[SupportLine, ...] = Field(min_length=1)


class SupportsGuide(Strict):
    questions: tuple[SupportQuestion, ...] = Field(min_length=1)

    def faq_ids(self) -> list[tuple[str, str]]:
        return [
            (f"questions[{i}].supports[{j}].faq", s.faq)
            for i, q in enumerate(self.questions)
            for j, s in enumerate(q.supports)
        ]


class Contact(Strict):
    """One office a citizen can call or visit. Missing data stays None: never invented."""

    id: str
    kind: str = Field(pattern=r"^(legal_aid|social_affairs|commune|health|other)$")
    name: str
    province_code: str | None = Field(default=None, pattern=r"^\d{2}$")
    localities: tuple[str, ...] = ()  # content locality ids it serves ("toan-quoc" = national)
    role: str | None = None  # a person's post ("cán bộ phụ trách giảm nghèo")
    phone: str | None = Field(default=None, pattern=PHONE_PATTERN)
    # Whether the number is known to work now (its source is current, or an officer called it);
    # an unverified number is shown as such, never as checked.
    phone_verified: bool = False
    address: str | None = None
    hours: str | None = None
    source: str | None = None  # a source id (content/sources) …
    source_url: str | None = None  # … or the public page the data was read from
    other_source_urls: tuple[str, ...] = ()  # further pages some of the values come from
    checked: dt.date  # when the data was last checked
    checked_by: str | None = None  # the officer who checked it (set from the dashboard's edits)
    note: str | None = None

    @model_validator(mode="after")
    def _sourced(self) -> Contact:
        if not self.source and not self.source_url:
            raise ValueError("a contact needs a source or a source_url")
        if self.phone_verified and not self.phone:
            raise ValueError("phone_verified without a phone")
        return self


class ContactsFile(Strict):
    contacts: tuple[Contact, ...] = Field(min_length=1)
