"""Reads amounts of money and counts the way people type them in Vietnamese.

"3 triệu", "3tr", "3.000.000", "3,5 triệu", "ba triệu rưỡi", "2 triệu 2", "2tr2", "500k"."""

from __future__ import annotations

import re
from fractions import Fraction

from content.normalize import fold

_UNITS = {
    "ty": 1_000_000_000,
    "trieu": 1_000_000,
    "tr": 1_000_000,
    "cu": 1_000_000,  # "3 củ": slang for triệu
    "nghin": 1_000,
    "ngan": 1_000,
    "k": 1_000,
    "dong": 1,
    "d": 1,
    "vnd": 1,
}
_DIGITS = {
    "mot": 1, "mốt": 1, "hai": 2, "ba": 3, "bon": 4, "tu": 4, "nam": 5, "lam": 5,
    "sau": 6, "bay": 7, "tam": 8, "chin": 9,
}  # fmt: skip
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[a-z]+")
_NUMBER_WORDS = set(_DIGITS) | {"muoi", "tram", "linh", "le", "ruoi", "ruxi"}
# "một tháng", "mỗi người": the period or the person, not part of the amount
_PER = re.compile(r"(?:\b(?:mot|1|moi|cho|trong)\s+|/)\s*(?:thang|nguoi|nam|ngay|tuan|khau)\b")
_NOTHING = re.compile(r"^\s*(?:khong|ko|k|chua)(?:\s+co)?(?:\s+(?:thu nhap|gi|tien|dong nao))?\s*$")


def _number(text: str) -> Fraction:
    """'3.000.000' -> 3000000, '3,5' -> 7/2, '1.5' -> 3/2 (a decimal when not grouped by 3)."""
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", text) or re.fullmatch(r"\d{1,3}(?:,\d{3}){2,}", text):
        return Fraction(int(re.sub(r"[.,]", "", text)))
    return Fraction(text.replace(",", "."))


def _words_value(words: list[str]) -> Fraction | None:
    """Vietnamese number words below one thousand: 'hai tram nam muoi' -> 250."""
    if not words:
        return None
    total, current = 0, 0
    for i, w in enumerate(words):
        if w in ("lam", "mốt") and (i == 0 or words[i - 1] != "muoi"):
            return None  # "lăm" is five only after "mươi" ("nhiều lắm" is not a number)
        if w in _DIGITS:
            current += _DIGITS[w]
        elif w == "muoi":  # "mười" (10) or "mươi" (× 10): folded alike
            current = current * 10 if current else 10
        elif w == "tram":
            total += (current or 1) * 100
            current = 0
        elif w in ("linh", "le"):
            continue
        else:
            return None
    return Fraction(total + current)


def parse_amount(text: str) -> int | None:
    """The amount in đồng, or None when the text holds no amount. A bare number is read as
    triệu when below 100, nghìn when below 1000, đồng otherwise ("3" means 3 triệu)."""
    folded = fold(text)
    if _NOTHING.match(folded):  # "không có", "không có thu nhập"
        return 0
    tokens = _TOKEN.findall(_PER.sub(" ", folded))
    # Split glued units: "3tr2" -> 3 tr 2, "500k" -> 500 k.
    split: list[str] = []
    for token in tokens:
        split.extend(t for t in re.split(r"(\d+(?:[.,]\d+)*)", token) if t)
    total = Fraction(0)
    pending: Fraction | None = None  # a number not yet given a unit
    pending_digits = 0
    last_unit: int | None = None
    words: list[str] = []
    found = False

    def flush_words() -> None:
        nonlocal pending, pending_digits, words
        if words:
            value = _words_value(words)
            if value is not None:
                pending, pending_digits = value, len(str(int(value)))
            words = []

    for token in split:
        if token[0].isdigit():
            flush_words()
            pending, pending_digits = _number(token), len(token)
            found = True
        elif token in _UNITS:
            flush_words()
            unit = _UNITS[token]
            if pending is None:
                if not found:
                    continue
                pending = Fraction(1)
            total += pending * unit
            pending, last_unit, found = None, unit, True
        elif token in ("ruoi", "ruxi") and last_unit:
            flush_words()
            total += Fraction(last_unit, 2)
        elif token in _NUMBER_WORDS:
            words.append(token)
            found = True
        else:
            flush_words()
    flush_words()
    if pending is not None:
        if last_unit and last_unit > 1:
            # "2 triệu 2" = 2,2 triệu; "2 triệu 25" = 2,25 triệu; "1 triệu 500" = 1,5 triệu
            total += pending * Fraction(last_unit, 10**pending_digits)
        elif pending < 100:
            total += pending * 1_000_000
        elif pending < 1000:
            total += pending * 1_000
        else:
            total += pending
    if not found or not re.search(r"\d|" + "|".join(rf"\b{u}\b" for u in _UNITS), " ".join(split)):
        return None  # number words alone ("nhiều lắm", "ba") are not an amount
    return int(total)


def parse_count(text: str, limit: int = 100) -> int | None:
    """A small count such as household members: '4', '4 người', 'bốn', 'muoi hai'."""
    folded = fold(text)
    digits = re.findall(r"\d+", folded)
    if len(digits) == 1:
        value = int(digits[0])
    elif digits:
        return None
    else:
        words = [w for w in re.findall(r"[a-z]+", folded) if w in _NUMBER_WORDS]
        parsed = _words_value(words)
        if parsed is None:
            return None
        value = int(parsed)
    return value if 1 <= value <= limit else None


def group_thousands(value: int) -> str:
    """3000000 as Vietnamese writes it: 3.000.000."""
    return f"{value:,}".replace(",", ".")
