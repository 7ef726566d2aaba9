"""One Vietnamese text normaliser for search and logging: NFC, fold, teencode, typos of typing."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from content.lexicon import Lexicon

_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
_NUMBER_UNIT = re.compile(r"^(\d+)(tr|trieu|k|d|dong|ng|nghin|ty)$")
_UNITS = {"tr": "trieu", "k": "nghin", "d": "dong", "ng": "nghin"}
# A letter repeated three or more times is emphasis ("khôngggg"); two of the same letter are
# emphasis too, except "oo" (xoong) which Vietnamese spells.
_REPEATS = re.compile(r"([a-z])\1{2,}|([a-np-z])\2")
_PROJECT = re.compile(r"^(t)?da([1-7])$")
_EMOJI_OR_SYMBOL = re.compile(r"^[\W_]+$", re.UNICODE)
# Texts up to this long are normalised once and cached (see Normalizer.normalize).
_CACHED_LENGTH = 400


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower case without diacritics: 'Hộ cận nghèo Đắk Lắk' -> 'ho can ngheo dak lak'."""
    lowered = nfc(text).lower().replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", lowered)
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


def clean_display(text: str) -> str:
    """NFC, collapsed whitespace, no control characters: the form we store and show."""
    text = nfc(text)
    if not text.replace("\n", "").replace("\t", "").isprintable():  # checked in C, then by char
        text = "".join(ch if (ch.isprintable() or ch in "\n\t") else " " for ch in text)
    return re.sub(r"[ \t]+", " ", text).strip()


def is_symbols_only(text: str) -> bool:
    """True for a message of emoji, punctuation or symbols with no letters or digits."""
    return bool(text.strip()) and bool(_EMOJI_OR_SYMBOL.match(text.strip()))


def _next_is_project_number(pieces: list[str], index: int) -> bool:
    """'DA 6' is Dự án 6 ("đã 6" is not Vietnamese); the plans number projects 1 to 7."""
    return index + 1 < len(pieces) and pieces[index + 1] in {"1", "2", "3", "4", "5", "6", "7"}


def _collapse_repeats(token: str) -> str:
    return _REPEATS.sub(lambda m: m.group(1) or m.group(2), token)


# Keys typed with a Telex or VNI keyboard whose conversion did not run: "nghèo" as "ngheof" or
# "nghe2o". Used only when a word is unknown, to find the word meant.
_TELEX_TAIL = re.compile(r"(?<=[a-z])[sfrxj]$")
_TELEX_DOUBLE = re.compile(r"(aa|ee|oo|dd)")
_VNI_DIGITS = re.compile(r"(?<=[a-z])[1-9]|[1-9](?=[a-z])")


def untelex(token: str) -> str:
    token = _VNI_DIGITS.sub("", token)
    token = token.replace("w", "")
    token = _TELEX_DOUBLE.sub(lambda m: m.group(1)[0], token)
    return _TELEX_TAIL.sub("", token)


@dataclass(frozen=True)
class Normalized:
    display: str  # NFC, cleaned: what logs and dashboards show
    plain: str  # folded words after teencode expansion: what the question log stores
    folded: str  # the search's token stream joined by spaces, after synonyms too
    tokens: tuple[str, ...]


class Normalizer:
    """Turns what a citizen typed into the canonical folded token stream the search uses."""

    def __init__(self, lexicon: Lexicon):
        self.abbreviations = {fold(k): fold(v) for k, v in lexicon.abbreviations.items()}
        self.accented_stopwords = {nfc(w).lower() for w in lexicon.accented_stopwords}
        self.stopwords = frozenset(fold(w) for w in lexicon.stopwords)
        synonyms = sorted(
            ((fold(k).split(), fold(v).split()) for k, v in lexicon.synonyms.items()),
            key=lambda kv: -len(kv[0]),
        )
        self._synonyms = [(tuple(k), tuple(v)) for k, v in synonyms]
        phrases = {nfc(p).lower() for ps in lexicon.out_of_domain.values() for p in ps}
        # Folded phrases are found in the folded words, accented ones in the words as typed.
        self._foreign_folded = tuple(sorted(p for p in phrases if p == fold(p)))
        self._foreign_accented = tuple(sorted(p for p in phrases if p != fold(p)))
        self._ask_kinds = tuple(
            (kind, tuple(fold(p) for p in phrases)) for kind, phrases in lexicon.ask_kinds.items()
        )
        # By first word, longest first: only these can match where that word stands.
        self._synonyms_by_head: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
        for src, dst in self._synonyms:
            self._synonyms_by_head.setdefault(src[0], []).append((src, dst))
        self._normalize_cached = lru_cache(maxsize=16384)(self._normalize)
        self._piece_words = lru_cache(maxsize=65536)(self._piece_words_uncached)

    def words(self, text: str) -> list[str]:
        """Folded words after teencode expansion, before synonyms."""
        raw = nfc(text).lower()
        out: list[str] = []
        raw_pieces = [p for p in _NON_WORD.split(raw) if p]
        for index, piece in enumerate(raw_pieces):
            if (
                piece in ("da", "tda")
                and piece not in self.accented_stopwords
                and _next_is_project_number(raw_pieces, index)
            ):
                out.extend(("tieu du an" if piece == "tda" else "du an").split())
                continue
            out.extend(self._piece_words(piece))
        return out

    def _piece_words_uncached(self, piece: str) -> tuple[str, ...]:
        """The words one piece of a message stands for, whatever its neighbours."""
        if piece in self.accented_stopwords:
            return ()
        token = _collapse_repeats(fold(piece).replace("_", ""))
        if not token:
            return ()
        out: list[str] = []
        unit = _NUMBER_UNIT.match(token)
        if unit:
            out.append(unit.group(1))
            token = _UNITS.get(unit.group(2), unit.group(2))
        project = _PROJECT.match(token)
        if project:  # "da6", "tda2": how plans abbreviate dự án, tiểu dự án
            out.extend(("tieu du an" if project.group(1) else "du an").split())
            out.append(project.group(2))
            return tuple(out)
        expansion = self.abbreviations.get(token)
        if expansion is not None:
            out.extend(expansion.split())
        else:
            out.append(token)
        return tuple(out)

    def apply_synonyms(self, tokens: list[str]) -> list[str]:
        """Rewrites phrases to their canonical form, again on the result so rules can chain
        ("nhà cận nghèo" -> "nhà canngheo" -> "ho canngheo")."""
        for _ in range(3):
            rewritten = self._synonym_pass(tokens)
            if rewritten == tokens:
                break
            tokens = rewritten
        return tokens

    def _synonym_pass(self, tokens: list[str]) -> list[str]:
        if not self._synonyms:
            return tokens
        out: list[str] = []
        i = 0
        while i < len(tokens):
            rules = self._synonyms_by_head.get(tokens[i])
            if rules is not None:
                for src, dst in rules:
                    if tuple(tokens[i : i + len(src)]) == src:
                        out.extend(dst)
                        i += len(src)
                        break
                else:
                    out.append(tokens[i])
                    i += 1
            else:
                out.append(tokens[i])
                i += 1
        return out

    def normalize(self, text: str) -> Normalized:
        """Cached for short texts: the index, the second opinion and the reader normalise the
        same questions (long ones, answers and stories, are rarely seen twice and would make
        the cache large)."""
        if len(text) > _CACHED_LENGTH:
            return self._normalize(text)
        return self._normalize_cached(text)

    def _normalize(self, text: str) -> Normalized:
        words = self.words(text)
        tokens = self.apply_synonyms(words)
        return Normalized(
            display=clean_display(text),
            plain=" ".join(words),
            folded=" ".join(tokens),
            tokens=tuple(tokens),
        )

    def foreign(self, text: str) -> tuple[str, ...]:
        """The lexicon's out-of-domain phrases that `text` holds, as the lexicon writes them."""
        if not (self._foreign_folded or self._foreign_accented):
            return ()
        plain = f" {' '.join(self.words(text))} "
        found = [p for p in self._foreign_folded if f" {p} " in plain]
        if self._foreign_accented:
            typed = f" {' '.join(p for p in _NON_WORD.split(nfc(text).lower()) if p)} "
            found += [p for p in self._foreign_accented if f" {p} " in typed]
        return tuple(found)

    def ask_kinds(self, text: str) -> frozenset[str]:
        """What kinds of question `text` asks (when, where, who, how much...), by the
        lexicon's phrases."""
        plain = f" {' '.join(self.words(text))} "
        return frozenset(
            kind for kind, phrases in self._ask_kinds if any(f" {p} " in plain for p in phrases)
        )

    def key(self, text: str) -> str:
        """A short folded key for exact comparisons (greetings, menu words, localities)."""
        return " ".join(self.words(text))
