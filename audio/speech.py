"""Vietnamese text made ready to be read aloud as an announcer would.

Numbers, money, percentages, fractions, dates and date ranges, times, units, ordinals, document
numbers, phone numbers and the abbreviations of the pronunciation list become words, before any
TTS engine sees the text."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy.ext.asyncio import AsyncSession

from audio.numbers import (
    DIGITS,
    WEEKDAYS,
    read_clock,
    read_day,
    read_decimal,
    read_digits,
    read_fraction,
    read_int,
    read_month,
    read_ordinal,
    read_phone,
    read_shorthand_money,
    split_phone,
)
from audio.pronunciations import STORE, Pronunciations
from content.normalize import fold

UNITS = {
    "°C": "độ xê",
    "°": "độ",
    "km²": "ki lô mét vuông",
    "km2": "ki lô mét vuông",
    "km": "ki lô mét",
    "m²": "mét vuông",
    "m2": "mét vuông",
    "m³": "mét khối",
    "m3": "mét khối",
    "cm": "xăng ti mét",
    "mm": "mi li mét",
    "m": "mét",
    "kWh": "ki lô oát giờ",
    "kW": "ki lô oát",
    "ha": "héc ta",
    "kg": "ki lô gam",
    "%": "phần trăm",
}
MONEY_UNITS = {
    "đ": "đồng",
    "đồng": "đồng",
    "vnđ": "đồng",
    "vnd": "đồng",
    "tr": "triệu",
    "triệu": "triệu",
    "k": "nghìn",
    "nghìn": "nghìn",
    "ngàn": "nghìn",
    "tỷ": "tỷ",
}
# The word before "12/6" that makes it a date rather than a fraction.
DATE_WORDS = {"ngày", "mùng", "từ", "đến", "tới", "hết", "trước", "sau", "hạn", "nay", "hôm"}
# The word before "thứ 2" that makes it an ordinal ("lần thứ hai") rather than a weekday.
ORDINAL_NOUNS = {
    "lần",
    "đợt",
    "năm",
    "con",
    "người",
    "hạng",
    "giải",
    "kỳ",
    "khóa",
    "khoá",
    "tầng",
    "vòng",
    "bước",
    "phần",
    "mục",
    "điều",
    "khoản",
    "lớp",
    "tuần",
    "tháng",
    "ngày",
    "đứa",
    "cháu",
    "chương",
    "tiết",
    "câu",
    "trang",
    "số",
    "án",
    "phiên",
    "buổi",
    "hộ",
    "thôn",
}

_NUMBER = r"\d{1,3}(?:\.\d{3})+|\d+(?:,\d+)?"
_UNIT_NAMES = "|".join(map(re.escape, UNITS))
_PHONE = re.compile(
    r"(?<![\w/.,+-])(?:"
    r"0\d{2}([ .-])\d{4}\1\d{4}"  # 024 3825 1234
    r"|0\d{3}([ .-])\d{4}\2\d{3}"  # 0297 3830 123
    r"|0\d{3}([ .-])\d{3}\3\d{3,4}"  # 0912 345 678
    r"|1[89]00([ .-])\d{3}\4\d{3}"  # 1900 123 456
    r"|1[89]00[ .-]\d{4}"  # 1800 1233
    r"|0\d{9,10}|1[89]00\d{6}|1[89]00\d{4}"
    r")(?!\d|[.,/]\d)"
)
_DOCUMENT = re.compile(
    r"(?<![\d/])(\d{1,5})/(?:(\d{4})/)?([A-ZĐ][A-Za-zĐđ0-9]*(?:[-&][A-Za-zĐđ0-9]+)*)"
)
_DAY_MONTH_TEXT = r"\d{1,2}/\d{1,2}(?:/\d{4})?"
_DATE_RANGE = re.compile(rf"(?<![\d/.,])({_DAY_MONTH_TEXT})\s*[-–—]\s*({_DAY_MONTH_TEXT})(?![\d/])")
_DATE = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4})(?![\d/])")
_MONTH_YEAR = re.compile(r"(?<![\d/])(\d{1,2})/(\d{4})(?![\d/])")
_FRACTION = re.compile(r"(?<![\d/,.])([1-9])/([2-9]|10)(?![\d/]|[,.]\d)")
_DAY_MONTH = re.compile(r"(?<![\d/,.])(\d{1,2})/(\d{1,2})(?![\d/,])")
_RANGE = re.compile(
    rf"(?<![\d.,])({_NUMBER})\s*[-–—]\s*({_NUMBER})(?![\d])(?:\s*({_UNIT_NAMES})(?![\w]))?"
)
_TIME_RANGE = re.compile(r"(?<![\d])(\d{1,2})h(\d{2})?\s*[-–]\s*(\d{1,2})h(\d{2})?(?![a-zA-Z])")
_TIME = re.compile(r"(?<![\d])(\d{1,2})h(\d{2})?(?![a-zA-Z\d])")
_COLON_TIME = re.compile(r"(?<![\d:.,])([01]?\d|2[0-3]):([0-5]\d)(?![\d:]|[.,]\d)")
_SHORTHAND_MONEY = re.compile(r"(?<![\w.,])(\d{1,3})(tr|triệu|k|tỷ|tỉ)(\d{1,3})(?![\w])", re.I)
_MONEY = re.compile(
    rf"(?<![\d.,])({_NUMBER})\s*(đồng|đ|vnđ|vnd|triệu|tr|nghìn|ngàn|k|tỷ)(?![\wđ])", re.IGNORECASE
)
_UNIT = re.compile(rf"(?<![\d.,])({_NUMBER})\s*({_UNIT_NAMES})(?![\w])")
_ORDINAL = re.compile(r"(?<!\w)(\w+\s+)?([Tt]hứ)\s+(\d{1,2})(?![\d\w]|[.,/]\d)")
_PLAIN_NUMBER = re.compile(rf"(?<![\w.,])({_NUMBER})(?![\w])")
_PARENTHESES = re.compile(r"\s*\(\s*([^()]{1,80}?)\s*\)")


def _number_words(text: str) -> str:
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", text):
        return read_int(int(text.replace(".", "")))
    if "," in text:
        integer, fraction = text.split(",", 1)
        return read_decimal(integer, fraction)
    return read_int(int(text))


def _document_number(text: str) -> str:
    """Document numbers keep their leading zero: "07" -> "không bảy"."""
    return read_digits(text) if text.startswith("0") and len(text) > 1 else _number_words(text)


def _expand_code(code: str, words: Pronunciations) -> str:
    """'QĐ-TTg' -> 'quyết định Thủ tướng'; 'QH14' -> 'Quốc hội khóa mười bốn'."""
    if (whole := words.reading(code)) is not None:
        return whole
    parts = []
    for piece in code.split("-"):
        if (reading := words.reading(piece)) is not None:
            parts.append(reading)
            continue
        for part in piece.split("&"):
            letters, digits = re.match(r"([^\d]*)(\d*)", part).groups()
            said = words.reading(letters) or words.reading(letters.upper()) or " ".join(letters)
            if digits:
                said += (" khóa " if letters.upper() == "QH" else " ") + read_int(int(digits))
            parts.append(said)
    return " ".join(p for p in parts if p)


def _phone(match: re.Match[str]) -> str:
    groups = re.split(r"[ .-]", match.group(0))
    return read_phone(split_phone(groups[0]) if len(groups) == 1 else groups)


def _date_words(text: str) -> str | None:
    """'01/9' -> 'mùng một tháng chín'; '14/12/2025' with its year; None if not a date."""
    numbers = [int(n) for n in text.split("/")]
    day, month = numbers[0], numbers[1]
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return None
    words = f"{read_day(day)} tháng {read_month(month)}"
    return words + (f" năm {read_int(numbers[2])}" if len(numbers) == 3 else "")


def _word_before(text: str, start: int) -> str:
    before = re.findall(r"\w+", text[max(0, start - 20) : start])
    return before[-1].lower() if before else ""


def _date_range(match: re.Match[str]) -> str:
    first, last = _date_words(match.group(1)), _date_words(match.group(2))
    if first is None or last is None:
        return match.group(0)
    opener = "" if _word_before(match.string, match.start()) in {"từ", "ngày"} else "từ "
    return f"{opener}{first} đến {last}"


def _fraction(match: re.Match[str]) -> str:
    numerator, denominator = int(match.group(1)), int(match.group(2))
    if numerator >= denominator or _word_before(match.string, match.start()) in DATE_WORDS:
        return match.group(0)  # a date: "ngày 1/2", "từ 3/4"
    return read_fraction(numerator, denominator)


def _date(match: re.Match[str]) -> str:
    return _date_words(match.group(0)) or match.group(0)


def _month_year(match: re.Match[str]) -> str:
    month, year = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        return match.group(0)
    return f"tháng {read_month(month)} năm {read_int(year)}"


def _ordinal(match: re.Match[str]) -> str:
    """'lần thứ 2' -> 'lần thứ hai', 'thứ 4' alone or 'vào thứ 4' -> the weekday 'thứ Tư'."""
    before, thu, value = match.group(1) or "", match.group(2), int(match.group(3))
    noun = before.strip().lower()
    if value in WEEKDAYS and noun not in ORDINAL_NOUNS:
        return f"{before}{thu} {WEEKDAYS[value]}"
    return f"{before}{thu} {read_ordinal(value)}"


def _drop_repeated_expansions(text: str) -> str:
    """'Ủy ban nhân dân (UBND)', once expanded, is read once: a parenthesis that repeats the
    words right before it is dropped."""

    def drop(match: re.Match[str]) -> str:
        inner = fold(match.group(1)).split()
        before = fold(match.string[: match.start()]).split()
        return "" if inner and before[-len(inner) :] == inner else match.group(0)

    return _PARENTHESES.sub(drop, text)


def _clock(hours: str, minutes: str | None) -> str:
    return read_clock(int(hours), int(minutes or 0))


def normalize_for_speech(text: str, words: Pronunciations | None = None) -> str:
    """What the loudspeaker reads for `text`, with `words` (the process's current list when
    None: the file and the database edits seen by the last refresh)."""
    words = words or STORE.current()
    text = unicodedata.normalize("NFC", text)
    text = _PHONE.sub(_phone, text)
    text = _DOCUMENT.sub(
        lambda m: (
            f"{_document_number(m.group(1))}"
            + (f" năm {read_int(int(m.group(2)))}" if m.group(2) else "")
            + f", {_expand_code(m.group(3), words)}"
        ),
        text,
    )
    text = _drop_repeated_expansions(words.expand(text))
    text = _DATE_RANGE.sub(_date_range, text)
    text = _DATE.sub(_date, text)
    text = _MONTH_YEAR.sub(_month_year, text)
    text = _FRACTION.sub(_fraction, text)
    text = _DAY_MONTH.sub(_date, text)
    # "ngày ngày mười tám" after a text that already said "ngày"
    text = re.sub(r"\b([Nn]gày|[Tt]háng) \1\b", r"\1", text)
    text = re.sub(r"\b([Nn]gày) ngày\b", r"\1", text)
    text = re.sub(r"\b([Tt]háng) tháng\b", r"\1", text)
    text = _TIME_RANGE.sub(
        lambda m: f"{_clock(m.group(1), m.group(2))} đến {_clock(m.group(3), m.group(4))}", text
    )
    text = _TIME.sub(lambda m: _clock(m.group(1), m.group(2)), text)
    text = _COLON_TIME.sub(lambda m: _clock(m.group(1), m.group(2)), text)
    text = _SHORTHAND_MONEY.sub(lambda m: read_shorthand_money(*m.groups()), text)
    text = _RANGE.sub(
        lambda m: (
            f"{_number_words(m.group(1))} đến {_number_words(m.group(2))}"
            + (f" {UNITS[m.group(3)]}" if m.group(3) else "")
        ),
        text,
    )
    text = _MONEY.sub(
        lambda m: f"{_number_words(m.group(1))} {MONEY_UNITS[m.group(2).lower()]}", text
    )
    text = _UNIT.sub(lambda m: f"{_number_words(m.group(1))} {UNITS[m.group(2)]}", text)
    text = _ORDINAL.sub(_ordinal, text)
    text = _PLAIN_NUMBER.sub(lambda m: _number_words(m.group(1)), text)
    text = text.replace("&", " và ").replace("%", " phần trăm").replace("°C", " độ xê")
    text = re.sub(r"(?<=[^\W\d_])/(?=[^\W\d_])", " một ", text)  # "đồng/người" = "đồng một người"
    text = re.sub(r"\s*[–—]\s*", ", ", text)
    text = re.sub(r"[()\[\]]", ", ", text)
    text = re.sub(r"\s*,\s*(,\s*)+", ", ", text)
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)
    text = re.sub(r",\s*([.;:!?])", r"\1", text)
    text = re.sub(r"\s{2,}", " ", text)
    return text.strip(" ,")


async def normalize_with_edits(text: str, session: AsyncSession | None = None) -> str:
    """`normalize_for_speech` with the operators' latest edits from the database (`session`'s,
    or the bound application's)."""
    return normalize_for_speech(text, await STORE.refresh(session))


__all__ = ["DIGITS", "normalize_for_speech", "normalize_with_edits"]
