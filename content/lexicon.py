"""Chat abbreviations, teencode, stopwords, synonyms and chat keywords, as validated data."""

from __future__ import annotations

import unicodedata

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Lexicon(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # folded token -> folded expansion (one or more words)
    abbreviations: dict[str, str] = Field(min_length=1)
    # folded phrase -> folded canonical phrase, applied to content and questions alike
    synonyms: dict[str, str] = {}
    # folded words that carry little meaning for matching
    stopwords: tuple[str, ...] = ()
    # accented words dropped before folding, because folded they collide with a content word
    # ("vậy" would become "vay", to borrow)
    accented_stopwords: tuple[str, ...] = ()
    # folded whole messages (after normalisation) that are small talk
    greetings: tuple[str, ...] = ()
    thanks: tuple[str, ...] = ()
    # folded words that act as commands anywhere in a conversation
    menu_words: tuple[str, ...] = ()
    cancel_words: tuple[str, ...] = ()
    back_words: tuple[str, ...] = ()
    help_words: tuple[str, ...] = ()
    # folded answers meaning yes and no
    yes_words: tuple[str, ...] = ()
    no_words: tuple[str, ...] = ()
    # announcements: folded whole messages that subscribe or leave, and one-word messages
    # (lower case, accents as typed) that leave when no conversation is under way
    subscribe_phrases: tuple[str, ...] = ()
    leave_phrases: tuple[str, ...] = ()
    leave_words: tuple[str, ...] = ()
    # typed requests: a menu item (its payload after "m:") -> folded phrases that ask for it
    intents: dict[str, tuple[str, ...]] = {}
    # folded phrases of a personal legal problem (land, debt, violence, a child hurt)
    legal_problems: tuple[str, ...] = ()
    # subject -> phrases of everyday subjects outside the programme (weather, football,
    # lottery, shopping, prices...): folded, or accented when folding would make them a word
    # of the programme ("bão", a storm, is not "bao"). A question about one is not answered
    # with an entry that does not speak of it.
    out_of_domain: dict[str, tuple[str, ...]] = {}
    # kind of question (when, where, who, how much...) -> folded phrases that ask it
    ask_kinds: dict[str, tuple[str, ...]] = {}

    @field_validator("leave_words")
    @classmethod
    def _as_typed(cls, words: tuple[str, ...]) -> tuple[str, ...]:
        # Compared with what citizens type, in NFC and lower case, once at load.
        return tuple(unicodedata.normalize("NFC", w).lower() for w in words)
