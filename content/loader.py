"""Loads and validates the content directory; errors name the file and the field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from content import CONTENT_DIR
from content.eligibility import Standard
from content.guides import Contact, ContactsFile, LegalAidGuide, SupportsGuide
from content.lexicon import Lexicon
from content.messages import Messages
from content.schema import (
    Entry,
    FaqFile,
    LocalitiesFile,
    Locality,
    Source,
    SourcesFile,
    Topic,
    TopicsFile,
    vn_date,
)

try:  # the C loader is several times faster; fall back where libyaml is missing
    _YamlLoader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _YamlLoader = yaml.SafeLoader

# An answer whose content was checked more than this many days ago says when it was checked.
STALE_AFTER_DAYS = 365
STALE_NOTE = (
    "Thông tin này được kiểm tra lần cuối ngày {date}, có thể đã thay đổi; bạn hãy hỏi lại"
    " Ủy ban nhân dân xã, phường nơi mình ở."
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the content, located by file and field."""

    file: str
    where: str
    message: str

    def __str__(self) -> str:
        return (
            f"{self.file}: {self.where}: {self.message}"
            if self.where
            else f"{self.file}: {self.message}"
        )


class ContentError(Exception):
    """Raised when the content does not validate; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{len(problems)} problem(s) in the content:\n{lines}")


@dataclass
class Content:
    """Validated content, with lookups by id."""

    topics: dict[str, Topic]
    localities: dict[str, Locality]
    sources: dict[str, Source]
    entries: dict[str, Entry]
    messages: Messages
    lexicon: Lexicon
    standards: dict[str, Standard] = field(default_factory=dict)
    legal_aid: LegalAidGuide | None = None
    supports_guide: SupportsGuide | None = None
    contacts: dict[str, Contact] = field(default_factory=dict)
    entry_files: dict[str, str] = field(default_factory=dict)

    def citations(self, entry: Entry) -> list[str]:
        return [self.sources[s].citation() for s in entry.sources]

    def caveats(self, entry: Entry, today: dt.date | None = None) -> list[str]:
        """The entry's caveats on `today`, most urgent first: the date it held until (once
        expired), the day it was last checked (once more than STALE_AFTER_DAYS ago), its note."""
        today = today or dt.date.today()
        found: list[str] = []
        if entry.valid_to is not None and entry.valid_to < today:
            found.append(self.messages.expired_note.format(date=vn_date(entry.valid_to)))
        if entry.checked is not None and is_stale(entry, today):
            found.append(STALE_NOTE.format(date=vn_date(entry.checked)))
        if entry.note:
            found.append(f"Lưu ý: {entry.note.strip()}")
        return found

    def render_answer(self, entry: Entry, today: dt.date | None = None) -> str:
        """The answer as a citizen reads it: the short answer, one caveat at most (the first
        of `caveats`: expired, else not checked for a year, else the note), then the source."""
        parts = [entry.answer.strip(), *self.caveats(entry, today)[:1], self.source_line(entry)]
        return "\n\n".join(parts)

    def render_details(self, entry: Entry, today: dt.date | None = None) -> str:
        """What "Xem thêm" shows: the details and every caveat, then the source line."""
        parts = [entry.details.strip()] if entry.details else [entry.answer.strip()]
        parts.extend(self.caveats(entry, today))
        parts.append(self.source_line(entry))
        return "\n\n".join(parts)

    def has_details(self, entry: Entry, today: dt.date | None = None) -> bool:
        """Whether "Xem thêm" shows more than the answer does."""
        return bool(entry.details) or len(self.caveats(entry, today)) > 1

    def source_line(self, entry: Entry) -> str:
        return "Nguồn: " + "; ".join(self.citations(entry)) + "."


def is_stale(entry: Entry, today: dt.date) -> bool:
    """Whether the entry's content was last checked more than STALE_AFTER_DAYS before `today`."""
    return entry.checked is not None and (today - entry.checked).days > STALE_AFTER_DAYS


def _read_yaml(path: Path, problems: list[Problem], root: Path) -> Any:
    rel = _rel(path, root)
    try:
        with path.open(encoding="utf-8") as handle:
            data = yaml.load(handle, Loader=_YamlLoader)
    except yaml.YAMLError as exc:
        problems.append(Problem(rel, "", f"not valid YAML: {exc}"))
        return None
    except UnicodeDecodeError:
        problems.append(Problem(rel, "", "not UTF-8 text"))
        return None
    if data is None:
        problems.append(Problem(rel, "", "the file is empty"))
    return data


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


def _where(loc: Iterable[Any], data: Any) -> str:
    """Turns a pydantic location into 'entries[3] (id=foo).answer'."""
    out: list[str] = []
    node = data
    for part in loc:
        if isinstance(part, int):
            label = f"[{part}]"
            try:
                node = node[part]
                if isinstance(node, dict) and "id" in node:
                    label += f" (id={node['id']})"
            except (IndexError, KeyError, TypeError):
                node = None
            out.append(label)
        else:
            out.append(("." if out else "") + str(part))
            try:
                node = node[part] if isinstance(node, dict) else None
            except (KeyError, TypeError):
                node = None
    return "".join(out)


def _validate(model: type[BaseModel], data: Any, rel: str, problems: list[Problem]) -> Any:
    if data is None:
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "missing":
                msg = "missing field"
            elif err["type"] == "extra_forbidden":
                msg = "unknown field"
            elif err["type"] == "string_type":
                msg = f"should be text, got {err['input']!r}: put numbers and dates in quotes"
            problems.append(Problem(rel, _where(err["loc"], data), msg))
        return None


def load_content(root: Path | str | None = None) -> Content:
    """Loads every content file under root; raises ContentError listing all problems."""
    root = Path(root) if root else CONTENT_DIR
    problems: list[Problem] = []

    def one(name: str, model: type[BaseModel]) -> Any:
        path = root / name
        if not path.exists():
            problems.append(Problem(_rel(path, root), "", "file is missing"))
            return None
        return _validate(model, _read_yaml(path, problems, root), _rel(path, root), problems)

    topics_file = one("topics.yaml", TopicsFile)
    localities_file = one("localities.yaml", LocalitiesFile)
    messages = one("messages.yaml", Messages)
    lexicon = one("lexicon.yaml", Lexicon)

    topics: dict[str, Topic] = {}
    for topic in topics_file.topics if topics_file else ():
        if topic.id in topics:
            problems.append(Problem("content/topics.yaml", f"id={topic.id}", "duplicate id"))
        topics[topic.id] = topic
    localities: dict[str, Locality] = {}
    for loc in localities_file.localities if localities_file else ():
        if loc.id in localities:
            problems.append(Problem("content/localities.yaml", f"id={loc.id}", "duplicate id"))
        localities[loc.id] = loc

    sources: dict[str, Source] = {}
    source_files: dict[str, str] = {}
    for path in sorted((root / "sources").glob("*.yaml")):
        rel = _rel(path, root)
        parsed = _validate(SourcesFile, _read_yaml(path, problems, root), rel, problems)
        for i, src in enumerate(parsed.sources if parsed else ()):
            if src.id in sources:
                problems.append(
                    Problem(
                        rel,
                        f"sources[{i}] (id={src.id})",
                        f"duplicate id, also in {source_files[src.id]}",
                    )
                )
                continue
            sources[src.id] = src
            source_files[src.id] = rel
    for src_id, src in sources.items():
        if src.replaced_by is not None and src.replaced_by not in sources:
            problems.append(
                Problem(
                    source_files[src_id],
                    f"id={src_id}.replaced_by",
                    f"unknown source '{src.replaced_by}'",
                )
            )

    entries: dict[str, Entry] = {}
    entry_files: dict[str, str] = {}
    positions: dict[str, str] = {}
    faq_paths = sorted((root / "faq").glob("*.yaml"))
    if not faq_paths:
        problems.append(Problem(_rel(root / "faq", root), "", "no FAQ files"))
    for path in faq_paths:
        rel = _rel(path, root)
        parsed = _validate(FaqFile, _read_yaml(path, problems, root), rel, problems)
        for i, entry in enumerate(parsed.entries if parsed else ()):
            where = f"entries[{i}] (id={entry.id})"
            if entry.checked is None and parsed.checked is not None:
                entry = entry.model_copy(update={"checked": parsed.checked})
            if entry.id in entries:
                problems.append(
                    Problem(rel, where, f"duplicate id, also in {entry_files[entry.id]}")
                )
                continue
            entries[entry.id] = entry
            entry_files[entry.id] = rel
            positions[entry.id] = where

    for entry_id, entry in entries.items():
        rel, where = entry_files[entry_id], positions[entry_id]
        if topics and entry.topic not in topics:
            problems.append(Problem(rel, f"{where}.topic", f"unknown topic '{entry.topic}'"))
        for src in entry.sources:
            if src not in sources:
                problems.append(Problem(rel, f"{where}.sources", f"unknown source '{src}'"))
        for loc in entry.localities:
            if localities and loc not in localities:
                problems.append(Problem(rel, f"{where}.localities", f"unknown locality '{loc}'"))
        for other in entry.related:
            if other not in entries:
                problems.append(Problem(rel, f"{where}.related", f"unknown entry '{other}'"))
            elif other == entry_id:
                problems.append(
                    Problem(rel, f"{where}.related", "an entry cannot relate to itself")
                )
        for other in entry.superseded_by:
            later = entries.get(other)
            if entry.valid_to is None:
                problems.append(Problem(rel, f"{where}.superseded_by", "needs valid_to"))
            elif later is None:
                problems.append(Problem(rel, f"{where}.superseded_by", f"unknown entry '{other}'"))
            elif later.valid_to is not None and later.valid_to <= entry.valid_to:
                problems.append(
                    Problem(rel, f"{where}.superseded_by", f"'{other}' ends no later than this")
                )

    standards = _load_standards(root, problems, sources, entries)
    legal_aid, supports_guide, contacts = _load_guides(root, problems, sources, entries, localities)

    if problems:
        raise ContentError(problems)
    return Content(
        topics=topics,
        localities=localities,
        sources=sources,
        entries=entries,
        messages=messages,
        lexicon=lexicon,
        standards=standards,
        legal_aid=legal_aid,
        supports_guide=supports_guide,
        contacts=contacts,
        entry_files=entry_files,
    )


def _load_standards(
    root: Path, problems: list[Problem], sources: dict[str, Source], entries: dict[str, Entry]
) -> dict[str, Standard]:
    """Poverty standards from standards/*.yaml, with their sources and FAQ links checked."""
    standards: dict[str, Standard] = {}
    for path in sorted((root / "standards").glob("*.yaml")):
        rel = _rel(path, root)
        standard = _validate(Standard, _read_yaml(path, problems, root), rel, problems)
        if standard is None:
            continue
        if standard.period in standards:
            problems.append(Problem(rel, "period", f"duplicate period {standard.period}"))
            continue
        for src in standard.sources:
            if src not in sources:
                problems.append(Problem(rel, "sources", f"unknown source '{src}'"))
        links = [("next_steps", e) for e in standard.next_steps] + [
            (f"supports.{k}", e) for k, ids in standard.supports.items() for e in ids
        ]
        for where, entry_id in links:
            if entry_id not in entries:
                problems.append(Problem(rel, where, f"unknown entry '{entry_id}'"))
        for other in standards.values():
            if standard.valid_from <= other.valid_to and other.valid_from <= standard.valid_to:
                problems.append(Problem(rel, "valid_from", f"overlaps period {other.period}"))
        standards[standard.period] = standard
    return standards


def _load_guides(
    root: Path,
    problems: list[Problem],
    sources: dict[str, Source],
    entries: dict[str, Entry],
    localities: dict[str, Locality],
) -> tuple[LegalAidGuide | None, SupportsGuide | None, dict[str, Contact]]:
    """The legal-aid and supports questionnaires and the contacts directory, cross-checked."""
    guides = []
    for name, model in (("legal-aid.yaml", LegalAidGuide), ("supports.yaml", SupportsGuide)):
        path = root / "rules" / name
        rel = _rel(path, root)
        if not path.exists():
            problems.append(Problem(rel, "", "file is missing"))
            guides.append(None)
            continue
        guide = _validate(model, _read_yaml(path, problems, root), rel, problems)
        for where, entry_id in guide.faq_ids() if guide else ():
            if entry_id not in entries:
                problems.append(Problem(rel, where, f"unknown entry '{entry_id}'"))
        for src in getattr(guide, "sources", ()):
            if src not in sources:
                problems.append(Problem(rel, "sources", f"unknown source '{src}'"))
        guides.append(guide)
    contacts: dict[str, Contact] = {}
    for path in sorted((root / "contacts").glob("*.yaml")):
        rel = _rel(path, root)
        parsed = _validate(ContactsFile, _read_yaml(path, problems, root), rel, problems)
        for i, contact in enumerate(parsed.contacts if parsed else ()):
            where = f"contacts[{i}] (id={contact.id})"
            if contact.id in contacts:
                problems.append(Problem(rel, where, "duplicate id"))
            if contact.source and contact.source not in sources:
                problems.append(
                    Problem(rel, f"{where}.source", f"unknown source '{contact.source}'")
                )
            for loc in contact.localities:
                if loc not in localities:
                    problems.append(
                        Problem(rel, f"{where}.localities", f"unknown locality '{loc}'")
                    )
            contacts[contact.id] = contact
    return guides[0], guides[1], contacts
