"""Reading a citizen's whole message: who is asking (household, age, group) and what they ask.

The question is often the last clause, after sentences about the family."""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from content.normalize import Normalizer, fold, nfc

# Where a long message breaks into clauses: sentence ends, and the turns with which people
# move from their story to their question.
_SENTENCE_END = re.compile(r"(?<=[.?!;:\n])\s*|\s*[\n]+\s*")
_TURNS = re.compile(
    r"(?i)[,\s]+(?=(?:vậy |vay |nên |nen |giờ |gio |bây giờ |bay gio |xin |)"
    r"(?:cho (?:(?:tôi|toi|tui|em|e|con|cháu|chau|mình|minh|bác|bac) )?(?:hỏi|hoi)\b"
    r"|(?:tôi|toi|tui|em|e|con|cháu|chau|mình|minh)? ?(?:muốn|muon|mún|mun) hỏi"
    r"|(?:xin )?(?:hỏi|hoi) (?:là|la|thử|thu)\b"
    r"|không biết|khong biet|ko biet|k biet|hổng biết|hong biet))"
)
# Folded words and pairs that make a clause a question.
_ASK_WORDS = frozenset(
    [
        "khong",
        "ko",
        "k",
        "hok",
        "hong",
        "khum",
        "ko",
        "ha",
        "hả",
        "chua",
        "bao",
        "nhieu",
        "bn",
        "bnhiu",
        "dau",
        "sao",
        "nao",
        "ai",
        "gi",
        "j",
        "may",
        "ntn",
        "the",
        "nao",
        "khi",
        "nao",
        "bao",
        "gio",
        "duoc",
        "dc",
    ]
)
_ASK_PAIRS = frozenset(
    {
        ("bao", "nhieu"),
        ("o", "dau"),
        ("the", "nao"),
        ("nhu", "the"),
        ("khi", "nao"),
        ("bao", "gio"),
        ("lam", "sao"),
        ("the", "sao"),
        ("co", "duoc"),
        ("duoc", "khong"),
        ("phai", "khong"),
        ("hay", "khong"),
        ("co", "phai"),
        ("nhung", "gi"),
        ("cai", "gi"),
        ("la", "gi"),
        ("gom", "gi"),
        ("cho", "hoi"),
        ("muon", "hoi"),
        ("hoi", "la"),
        ("ra", "sao"),
    }
)
_ASK_ENDINGS = frozenset(
    [
        "khong",
        "ko",
        "k",
        "hok",
        "hong",
        "khum",
        "chua",
        "ha",
        "a",
        "ak",
        "nhi",
        "vay",
        "z",
        "v",
        "ta",
    ]
)
# A message this long (content words) is read clause by clause.
LONG_MESSAGE_WORDS = 22

_AGE = re.compile(r"(\d{1,3})\s*(?:tuổi|tuoi|t\b)")
_ETHNIC = (
    "dan toc",
    "dong bao",
    "nguoi dong bao",
    "ede",
    "e de",
    "gia rai",
    "jrai",
    "bana",
    "ba na",
    "xo dang",
    "muong",
    "tay",
    "nung",
    "hmong",
    "h mong",
    "dao",
    "khmer",
    "kho me",
    "cham",
    "thai",
    "m nong",
    "mnong",
)
_DISABILITY = ("khuyet tat", "tan tat", "tat nguyen", "mu loa", "khiem thi", "bai liet")
_STUDENT = ("hoc sinh", "sinh vien", "di hoc", "dang hoc", "lop", "dai hoc", "cao dang")


@dataclass(frozen=True)
class Profile:
    """What the message says about the household and the person asking."""

    groups: frozenset[str] = frozenset()  # poor, near_poor, left_poverty, average
    age: int | None = None
    ethnic_minority: bool = False
    disability: bool = False
    student: bool = False

    @property
    def said_household(self) -> bool:
        return bool(self.groups & {"poor", "near_poor", "left_poverty"})


@dataclass(frozen=True)
class Reading:
    text: str
    clauses: tuple[str, ...]
    asks: tuple[str, ...]  # the clauses that ask something, in order; the main one last
    profile: Profile
    long: bool

    @property
    def main_ask(self) -> str:
        """What to search for: the last question asked, with the clause before it when that
        one is short (it often carries the subject: "Con tôi học lớp 8. Có được miễn không?")."""
        return self.asks[-1] if self.asks else self.text


# The words before "nghèo" that make it the poor household: "hộ nghèo", "người nghèo"; a
# citizen's message also says "diện nghèo", "danh sách … nghèo".
POOR_HEADS = ("ho", "nguoi")
POOR_HEADS_IN_MESSAGES = (*POOR_HEADS, "dien", "danh")


def household_groups(
    tokens: tuple[str, ...] | list[str], poor_heads: tuple[str, ...] = POOR_HEADS_IN_MESSAGES
) -> frozenset[str]:
    """Which kinds of household a text is about: poor, near-poor, recently out of poverty,
    average living standard (tokens after the normaliser's synonyms)."""
    found = set()
    if "canngheo" in tokens:
        found.add("near_poor")
    if "thoatngheo" in tokens:
        found.add("left_poverty")
    for a, b in pairwise(tokens):
        if b == "ngheo" and a in poor_heads:
            found.add("poor")
        elif (a, b) == ("trung", "binh"):
            found.add("average")
    return frozenset(found)


class Reader:
    """Splits a message into clauses, finds the questions and the household's profile."""

    def __init__(self, normalizer: Normalizer):
        self.normalizer = normalizer

    def read(self, text: str) -> Reading:
        text = nfc(text).strip()
        tokens = self.normalizer.normalize(text).tokens
        content = [t for t in tokens if t not in self.normalizer.stopwords]
        clauses = tuple(_clauses(text))
        # A question mark is the surest sign; without one, the wording tells.
        asks = tuple(c for c in clauses if "?" in c) or tuple(c for c in clauses if self._asks(c))
        return Reading(
            text=text,
            clauses=clauses,
            asks=asks,
            profile=self._profile(text, tokens),
            long=len(content) >= LONG_MESSAGE_WORDS and len(clauses) > 1,
        )

    def _asks(self, clause: str) -> bool:
        words = self.normalizer.words(clause)
        if not words:
            return False
        if words[-1] in _ASK_ENDINGS:
            return True
        if any(w in _ASK_WORDS for w in words[-4:]):
            return True
        return any(pair in _ASK_PAIRS for pair in pairwise(words))

    def _profile(self, text: str, tokens: tuple[str, ...]) -> Profile:
        # Folded as typed, before teencode ("Ê Đê" is not "em đê").
        folded = " " + " ".join(re.findall(r"\w+", fold(text))) + " "
        ages = [int(m.group(1)) for m in _AGE.finditer(fold(text))]
        return Profile(
            groups=household_groups(tokens),
            age=max(ages) if ages else None,
            ethnic_minority=any(f" {w} " in folded for w in _ETHNIC),
            disability=any(f" {w} " in folded for w in _DISABILITY),
            student=any(f" {w} " in folded for w in _STUDENT),
        )


def _clauses(text: str) -> list[str]:
    out: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        if not sentence or not sentence.strip():
            continue
        for piece in _TURNS.split(sentence):
            piece = piece.strip(" ,")
            if piece:
                out.append(piece)
    return out
