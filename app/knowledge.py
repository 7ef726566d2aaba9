"""The content and its search index, loaded once for every entry point (no database needed)."""

from __future__ import annotations

from dataclasses import dataclass

from app.settings import Settings
from content.loader import Content, load_content
from content.normalize import Normalizer
from content.search import SearchIndex


@dataclass
class Knowledge:
    """The validated content and the search index built from it."""

    content: Content
    index: SearchIndex


def load_knowledge(settings: Settings) -> Knowledge:
    content = load_content(settings.content_dir)
    index = SearchIndex(content, Normalizer(content.lexicon))
    return Knowledge(content, index)
