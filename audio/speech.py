"""Vietnamese text made ready to be read aloud: numbers, money, percentages, dates, ranges,
document numbers, phone numbers and the administrative abbreviations of the plans become words,
before any TTS engine sees the text."""

from __future__ import annotations

import re
import unicodedata

from audio.numbers import DIGITS, read_decimal, read_digits, read_int

# Administrative abbreviations of the plans and laws, read in full.
ABBREVIATIONS = {
    "UBND": "ủy ban nhân dân",
    "HĐND": "hội đồng nhân dân",
    "MTTQ": "mặt trận tổ quốc",
    "LĐTBXH": "lao động thương binh và xã hội",
    "LĐ-TB&XH": "lao động thương binh và xã hội",
    "BLĐTBXH": "bộ lao động thương binh và xã hội",
    "CTMTQG": "chương trình mục tiêu quốc gia",
    "NHCSXH": "ngân hàng chính sách xã hội",
    "BHYT": "bảo hiểm y tế",
    "BHXH": "bảo hiểm xã hội",
    "TGPL": "trợ giúp pháp lý",
    "DTTS": "dân tộc thiểu số",
    "PTSX": "phát triển sản xuất",
    "ĐBKK": "đặc biệt khó khăn",
    "GDNN": "giáo dục nghề nghiệp",
    "XKLĐ": "xuất khẩu lao động",
    "KH": "kế hoạch",
    "QĐ": "quyết định",
    "NĐ": "nghị định",
    "TT": "thông tư",
    "CV": "công văn",
    "NQ": "nghị quyết",
    "TP": "thành phố",
    "TX": "thị xã",
    "TTg": "thủ tướng",
    "CP": "chính phủ",
    "BTC": "bộ tài chính",
    "BXD": "bộ xây dựng",
    "BTP": "bộ tư pháp",
    "BNNMT": "bộ nông nghiệp và môi trường",
    "HĐQT": "hội đồng quản trị",
    "QH": "quốc hội",
    "TTYT": "trung tâm y tế",
    "TCV": "tờ công văn",
    "TW": "trung ương",
    "NSTW": "ngân sách trung ương",
    "NSNN": "ngân sách nhà nước",
    "GNBV": "giảm nghèo bền vững",
    "THCS": "trung học cơ sở",
    "THPT": "trung học phổ thông",
    "DA": "dự án",
    "TDA": "tiểu dự án",
    "TU": "tỉnh ủy",
    "CT": "chủ tịch",
    "PCT": "phó chủ tịch",
    "VN": "Việt Nam",
    "TP.HCM": "thành phố Hồ Chí Minh",
    "HCM": "Hồ Chí Minh",
    "ĐVHC": "đơn vị hành chính",
    "VH-TT": "văn hóa thông tin",
}
UNITS = {
    "km": "ki lô mét",
    "m2": "mét vuông",
    "m²": "mét vuông",
    "kWh": "ki lô oát giờ",
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

_NUMBER = r"\d{1,3}(?:\.\d{3})+|\d+(?:,\d+)?"
_PHONE = re.compile(
    r"(?<![\d/.,])(?:(1[89]00)[ .]?(\d{3,4})(?:[ .]?(\d{3,4}))?"
    r"|(0\d{2,3})[ .]?(\d{3})[ .]?(\d{3,4}))(?![\d/])"
)
_DOCUMENT = re.compile(
    r"(?<![\d/])(\d{1,5})/(?:(\d{4})/)?([A-ZĐ][A-Za-zĐđ0-9]*(?:[-&][A-Za-zĐđ0-9]+)*)"
)
_DATE = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4})(?![\d/])")
_MONTH_YEAR = re.compile(r"(?<![\d/])(\d{1,2})/(\d{4})(?![\d/])")
_DAY_MONTH = re.compile(r"(?<![\d/,.])(\d{1,2})/(\d{1,2})(?![\d/,])")
_RANGE = re.compile(rf"(?<![\d.,])({_NUMBER})\s*[-–—]\s*({_NUMBER})(?![\d])")
_TIME_RANGE = re.compile(r"(?<![\d])(\d{1,2})h(\d{2})?\s*[-–]\s*(\d{1,2})h(\d{2})?(?![a-zA-Z])")
_TIME = re.compile(r"(?<![\d])(\d{1,2})h(\d{2})?(?![a-zA-Z])")
_MONEY = re.compile(
    rf"(?<![\d.,])({_NUMBER})\s*(đồng|đ|vnđ|vnd|triệu|tr|nghìn|ngàn|k|tỷ)(?![\wđ])", re.IGNORECASE
)
_UNIT = re.compile(rf"(?<![\d.,])({_NUMBER})\s*(km|m2|m²|kWh|ha|kg|%)(?![\w])")
_PLAIN_NUMBER = re.compile(rf"(?<![\w.,])({_NUMBER})(?![\w])")
_TOKEN_ABBR = re.compile(r"(?<![\w&-])([A-ZĐ][A-ZĐa-z&.\-]*[A-ZĐ0-9]|[A-ZĐ]{2,})(?![\w&-])")


def _clock(hours: str, minutes: str | None) -> str:
    words = f"{read_int(int(hours))} giờ"
    if minutes and int(minutes):
        words += f" {read_int(int(minutes))} phút"
    return words


def _document_number(text: str) -> str:
    """Document numbers keep their leading zero: "07" -> "không bảy"."""
    return read_digits(text) if text.startswith("0") and len(text) > 1 else _number_words(text)


def _number_words(text: str) -> str:
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", text):
        return read_int(int(text.replace(".", "")))
    if "," in text:
        integer, fraction = text.split(",", 1)
        return read_decimal(integer, fraction)
    return read_int(int(text))


def _expand_code(code: str) -> str:
    """'QĐ-TTg' -> 'quyết định thủ tướng'; 'QH14' -> 'quốc hội khóa mười bốn'."""
    parts = []
    for part in re.split(r"[-&]", code):
        letters, digits = re.match(r"([^\d]*)(\d*)", part).groups()
        words = (
            ABBREVIATIONS.get(letters) or ABBREVIATIONS.get(letters.upper()) or " ".join(letters)
        )
        if digits:
            words += (" khóa " if letters.upper() == "QH" else " ") + read_int(int(digits))
        parts.append(words)
    return " ".join(parts)


def _phone(match: re.Match[str]) -> str:
    groups = [g for g in match.groups() if g]
    if len(groups) == 1 or (
        len(groups) == 2 and len("".join(groups)) > 8 and groups[0].startswith("0")
    ):
        digits = "".join(groups)
        groups = (
            [digits[:4], digits[4:7], digits[7:]] if len(digits) >= 10 else [digits[:4], digits[4:]]
        )
    return ", ".join(read_digits(g) for g in groups if g)


def _date(match: re.Match[str]) -> str:
    day, month, year = (int(g) for g in match.groups())
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return match.group(0)
    return f"ngày {read_int(day)} tháng {_month(month)} năm {read_int(year)}"


def _month(month: int) -> str:
    return "tư" if month == 4 else read_int(month)


def _month_year(match: re.Match[str]) -> str:
    month, year = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        return match.group(0)
    return f"tháng {_month(month)} năm {read_int(year)}"


def _day_month(match: re.Match[str]) -> str:
    day, month = int(match.group(1)), int(match.group(2))
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return match.group(0)
    return f"ngày {read_int(day)} tháng {_month(month)}"


def normalize_for_speech(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = _PHONE.sub(_phone, text)
    text = _DOCUMENT.sub(
        lambda m: (
            f"{_document_number(m.group(1))}"
            + (f" năm {read_int(int(m.group(2)))}" if m.group(2) else "")
            + f", {_expand_code(m.group(3))}"
        ),
        text,
    )
    text = _DATE.sub(_date, text)
    text = _MONTH_YEAR.sub(_month_year, text)
    text = _DAY_MONTH.sub(_day_month, text)
    # "ngày ngày 18 tháng 1" after a date that already said "ngày"
    text = re.sub(r"\b(ngày|Ngày|tháng|Tháng)\s+\1\b", r"\1", text)
    text = re.sub(r"\b([Nn]gày) ngày\b", r"\1", text)
    text = re.sub(r"\b([Tt]háng) tháng\b", r"\1", text)
    text = _TIME_RANGE.sub(
        lambda m: f"{_clock(m.group(1), m.group(2))} đến {_clock(m.group(3), m.group(4))}", text
    )
    text = _TIME.sub(lambda m: _clock(m.group(1), m.group(2)), text)
    text = _RANGE.sub(
        lambda m: f"{_number_words(m.group(1))} đến {_number_words(m.group(2))}", text
    )
    text = _MONEY.sub(
        lambda m: f"{_number_words(m.group(1))} {MONEY_UNITS[m.group(2).lower()]}", text
    )
    text = _UNIT.sub(lambda m: f"{_number_words(m.group(1))} {UNITS[m.group(2)]}", text)
    text = _PLAIN_NUMBER.sub(lambda m: _number_words(m.group(1)), text)
    text = _TOKEN_ABBR.sub(lambda m: ABBREVIATIONS.get(m.group(1), m.group(1)), text)
    text = text.replace("&", " và ").replace("%", " phần trăm")
    text = re.sub(r"(?<=[^\W\d_])/(?=[^\W\d_])", " một ", text)  # "đồng/người" = "đồng một người"
    text = re.sub(r"\s*[–—]\s*", ", ", text)
    text = re.sub(r"[()\[\]]", ", ", text)
    text = re.sub(r"\s*,\s*(,\s*)+", ", ", text)
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)
    text = re.sub(r",\s*([.;:!?])", r"\1", text)
    text = re.sub(r"\s{2,}", " ", text)
    return text.strip(" ,")


__all__ = ["DIGITS", "normalize_for_speech"]
