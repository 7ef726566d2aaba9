"""Similar questions grouped as the bot understands them: one locality, one topic, one entry.

A question the bot answers (or whose suggestion the citizen chose) joins the others of its
locality answered by the same entry; one it could not answer joins the near-duplicates of its
locality and topic. An officer's split ("solo") keeps a question alone; a merge ("m:<id>")
joins the groups of the questions merged."""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from rapidfuzz import fuzz

from content.loader import Content
from content.understanding import Understander
from db.helpdesk import SOLO

DUPLICATE = 90  # token_sort_ratio of two unanswered questions' folded words

_UNDERSTOOD: weakref.WeakKeyDictionary[Understander, dict[tuple[str, str | None], str | None]]
_UNDERSTOOD = weakref.WeakKeyDictionary()
_CACHED = 5000


@dataclass(frozen=True)
class Asked:
    """What grouping needs of a question (its own text, never a masked one)."""

    id: int
    text: str
    words: str  # the question log's folded words
    locality: str | None
    topic: str | None
    matched: str | None  # the entry the bot answered with, or the citizen chose


def understood_entry(understander: Understander, text: str, locality: str | None) -> str | None:
    """The entry the bot answers `text` with, asked from `locality` (None: it declines)."""
    cache = _UNDERSTOOD.setdefault(understander, {})
    key = (text, locality)
    if key not in cache:
        if len(cache) >= _CACHED:
            cache.clear()
        understood = understander.understand(text, locality=locality)
        cache[key] = understood.answer.entry_id if understood.answer is not None else None
    return cache[key]


def group_ids(
    asked: list[Asked],
    understander: Understander,
    content: Content,
    labels: dict[int, str],
) -> list[list[int]]:
    """The questions' ids in groups, each group in the order given, groups in the order of
    their first question."""
    parent = {a.id: a.id for a in asked}

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(first: int, second: int) -> None:
        parent[root(second)] = root(first)

    grouped = [a for a in asked if labels.get(a.id) != SOLO]
    by_entry: dict[tuple[str | None, str, str], int] = {}
    undecided: list[Asked] = []
    for a in grouped:
        entry_id = a.matched or understood_entry(understander, a.text, a.locality)
        entry = content.entries.get(entry_id) if entry_id else None
        if entry is None:
            undecided.append(a)
            continue
        key = (a.locality, entry.topic, entry.id)
        if key in by_entry:
            join(by_entry[key], a.id)
        else:
            by_entry[key] = a.id
    for a in undecided:
        for other in grouped:
            if (
                other.id != a.id
                and other.locality == a.locality
                and other.topic == a.topic
                and fuzz.token_sort_ratio(a.words, other.words) >= DUPLICATE
            ):
                join(other.id, a.id)
    by_label: dict[str, int] = {}
    for a in grouped:
        label = labels.get(a.id)
        if label:
            if label in by_label:
                join(by_label[label], a.id)
            else:
                by_label[label] = a.id
    groups: dict[int, list[int]] = {}
    for a in asked:
        groups.setdefault(root(a.id), []).append(a.id)
    return list(groups.values())
