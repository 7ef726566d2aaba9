"""The content audit: what is out of date or unknown on a day (`content audit`, the dashboard).

Five kinds of finding, in this order:
- `expired`: an entry whose valid_to is before the day;
- `stale_entry`: an entry whose content was last checked (its own `checked`, else its file's)
  more than STALE_AFTER_DAYS (365) days before the day: its answer says so to citizens;
- `replaced_source`: an entry citing a source marked `replaced_by` (one finding per citation);
- `unknown_figure`: an entry whose answer, details or note says something is not known, i.e.
  contains one of UNKNOWN_PHRASES (case-insensitive). "chưa đối chiếu" (a figure given but not
  checked against the original) and "chưa thấy văn bản mới hơn" (an older figure given) do not
  count: the entry still gives a figure;
- `stale_contact`: a contact last checked CONTACT_MAX_AGE_DAYS or more days before the day, or
  never checked (the dashboard passes the contacts as officers corrected them).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from content.guides import Contact
from content.loader import Content, is_stale
from content.schema import vn_date

UNKNOWN_PHRASES = (
    "chưa kiểm được",
    "chưa xác nhận",
    "chưa có số liệu",
    "chưa rõ",
    "chưa tìm thấy",
    "không tìm thấy",
)
CONTACT_MAX_AGE_DAYS = 180
KINDS = ("expired", "stale_entry", "replaced_source", "unknown_figure", "stale_contact")
_KIND_WORDS = {
    "expired": "expired",
    "stale_entry": "stale",
    "replaced_source": "replaced source",
    "unknown_figure": "unknown figure",
    "stale_contact": "stale contact",
}


@dataclass(frozen=True)
class Finding:
    """One thing to update: its kind, the entry or contact id, and why (in Vietnamese)."""

    kind: str
    id: str
    why: str
    file: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def line(self) -> str:
        return f"{_KIND_WORDS[self.kind]}: {self.id} ({self.why})"

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "file": self.file, "why": self.why, **self.data}


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def find_expired(content: Content, day: dt.date) -> list[Finding]:
    """Entries no longer valid on `day`."""
    return [
        Finding(
            "expired",
            entry.id,
            f"đến {vn_date(entry.valid_to)}",
            content.entry_files.get(entry.id),
            {"valid_to": entry.valid_to.isoformat()},
        )
        for entry in content.entries.values()
        if entry.valid_to is not None and entry.valid_to < day
    ]


def find_stale_entries(content: Content, day: dt.date) -> list[Finding]:
    """Entries whose content was last checked more than a year (STALE_AFTER_DAYS) before `day`."""
    return [
        Finding(
            "stale_entry",
            entry.id,
            f"kiểm tra lần cuối {vn_date(entry.checked)}",
            content.entry_files.get(entry.id),
            {"checked": entry.checked.isoformat(), "days": (day - entry.checked).days},
        )
        for entry in content.entries.values()
        if entry.checked is not None and is_stale(entry, day)
    ]


def find_replaced_citations(content: Content) -> list[Finding]:
    """Entries citing a source that another source replaced, one finding per citation."""
    findings = []
    for entry in content.entries.values():
        for source_id in entry.sources:
            source = content.sources.get(source_id)
            if source is None or source.replaced_by is None:
                continue
            findings.append(
                Finding(
                    "replaced_source",
                    entry.id,
                    f"{source_id} đã được thay bằng {source.replaced_by}",
                    content.entry_files.get(entry.id),
                    {"source": source_id, "replaced_by": source.replaced_by},
                )
            )
    return findings


def unknown_phrases(text: str | None) -> list[str]:
    """The UNKNOWN_PHRASES that `text` contains."""
    folded = _fold(text or "")
    return [phrase for phrase in UNKNOWN_PHRASES if phrase in folded]


def find_unknown_figures(content: Content) -> list[Finding]:
    """Entries that say a figure or fact is not known (see UNKNOWN_PHRASES)."""
    findings = []
    for entry in content.entries.values():
        fields = {
            name: found
            for name in ("answer", "details", "note")
            if (found := unknown_phrases(getattr(entry, name)))
        }
        if fields:
            why = "; ".join(f"{name}: {', '.join(found)}" for name, found in fields.items())
            findings.append(
                Finding(
                    "unknown_figure",
                    entry.id,
                    why,
                    content.entry_files.get(entry.id),
                    {"fields": fields},
                )
            )
    return findings


def find_stale_contacts(
    content: Content, day: dt.date, contacts: Mapping[str, Contact] | None = None
) -> list[Finding]:
    """Contacts not checked for CONTACT_MAX_AGE_DAYS days or more on `day`, or never;
    `contacts` (default: the content's) may carry the officers' corrections."""
    findings = []
    for contact in (content.contacts if contacts is None else contacts).values():
        checked: dt.date | None = getattr(contact, "checked", None)
        if checked is None:
            findings.append(
                Finding("stale_contact", contact.id, "chưa kiểm lần nào", None, {"checked": None})
            )
            continue
        days = (day - checked).days
        if days >= CONTACT_MAX_AGE_DAYS:
            findings.append(
                Finding(
                    "stale_contact",
                    contact.id,
                    f"kiểm lần cuối {vn_date(checked)}, {days} ngày trước",
                    None,
                    {"checked": checked.isoformat(), "days": days},
                )
            )
    return findings


def audit_content(
    content: Content, day: dt.date, contacts: Mapping[str, Contact] | None = None
) -> list[Finding]:
    """Every finding on `day`, grouped by kind in the order of KINDS; `contacts` as in
    find_stale_contacts."""
    return [
        *find_expired(content, day),
        *find_stale_entries(content, day),
        *find_replaced_citations(content),
        *find_unknown_figures(content),
        *find_stale_contacts(content, day, contacts),
    ]


def count_findings(findings: list[Finding]) -> dict[str, int]:
    """How many findings of each kind, every kind listed."""
    counts = dict.fromkeys(KINDS, 0)
    for finding in findings:
        counts[finding.kind] += 1
    return counts
