"""What officers read instead of codes (places, channels), and a locality typed by its name."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from content.loader import Content
from content.localities import PLACES
from content.normalize import fold
from dashboard.announcements import CHANNEL_LABELS


def channel_name(channel: str | None) -> str:
    return CHANNEL_LABELS.get(channel or "", channel or "")


@functools.lru_cache(maxsize=4096)
def _unit_name(code: str) -> str | None:
    """An administrative unit's name by its code (a walk over every unit: kept once found)."""
    return PLACES.describe(code)


def place_names(content: Content, ids: Iterable[str | None]) -> dict[str, str]:
    """Stored locality (a content id, "p:NN" or "w:NNNNN") -> the name an officer reads."""
    names = {}
    for i in set(ids):
        if i:
            loc = content.localities.get(i)
            names[i] = loc.name if loc is not None else (_unit_name(i) or i)
    return names


def _words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", fold(text)))


def localities_named(content: Content, typed: str, known: Iterable[str | None]) -> set[str]:
    """The stored localities a filter means, typed with or without accents ("kien hai",
    "Kiên Hải", "kien-hai"): those whose name, id or alias holds the typed words as whole
    words, among the content's and those questions were asked from (`known`)."""
    wanted = _words(typed)
    if not wanted:
        return set()
    found = set()
    for loc_id, name in place_names(content, [*content.localities, *known]).items():
        loc = content.localities.get(loc_id)
        spellings = [name, loc_id.replace("-", " "), *(loc.aliases if loc else ())]
        if any(f" {wanted} " in f" {_words(s)} " for s in spellings):
            found.add(loc_id)
    return found
