"""Vietnamese numbers read aloud: 21 "hai mươi mốt", 105 "một trăm linh năm",
2021 "hai nghìn không trăm hai mươi mốt", 1.500.000 "một triệu năm trăm nghìn"."""

from __future__ import annotations

DIGITS = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"]
SCALES = ["", "nghìn", "triệu", "tỷ"]


def _tens_units(tens: int, units: int, full: bool) -> list[str]:
    """The last two digits of a group; `full` when a hundreds digit stands before them."""
    words: list[str] = []
    if tens == 0:
        if units:
            if full:
                words.append("linh")
            words.append(DIGITS[units])
        return words
    if tens == 1:
        words.append("mười")
    else:
        words += [DIGITS[tens], "mươi"]
    if units == 1:
        words.append("mốt" if tens > 1 else "một")
    elif units == 4:
        words.append("tư" if tens > 1 else "bốn")
    elif units == 5:
        words.append("lăm")
    elif units:
        words.append(DIGITS[units])
    return words


def _group(value: int, full: bool) -> list[str]:
    """Three digits; `full` reads leading zeros ("không trăm …") inside a larger number."""
    hundreds, rest = divmod(value, 100)
    tens, units = divmod(rest, 10)
    words: list[str] = []
    if hundreds or full:
        words += [DIGITS[hundreds], "trăm"]
    words += _tens_units(tens, units, full=bool(hundreds) or full)
    return words


def read_int(value: int) -> str:
    if value < 0:
        return "âm " + read_int(-value)
    if value == 0:
        return "không"
    if value >= 10**12:
        high, low = divmod(value, 10**9)
        rest = read_int(low) if low else ""
        return f"{read_int(high)} tỷ" + (f" {_pad(low, 9, rest)}" if low else "")
    groups: list[int] = []
    while value:
        value, group = divmod(value, 1000)
        groups.append(group)
    words: list[str] = []
    top = len(groups) - 1
    for index in range(top, -1, -1):
        group = groups[index]
        if group == 0:
            continue
        words += _group(group, full=index != top)
        if SCALES[index]:
            words.append(SCALES[index])
    return " ".join(words)


def _pad(low: int, digits: int, text: str) -> str:
    """Inside "… tỷ", a remainder below 100 still reads its hundreds ("không trăm …")."""
    if low < 10 ** (digits - 1) and low < 1000:
        return " ".join(_group(low, full=True))
    return text


def read_digits(text: str) -> str:
    """Digit by digit: "0944" -> "không chín bốn bốn"."""
    return " ".join(DIGITS[int(d)] for d in text if d.isdigit())


def read_decimal(integer: str, fraction: str) -> str:
    """3,5 -> "ba phẩy năm"; 1,15 -> "một phẩy mười lăm"; 0,05 -> "không phẩy không năm"."""
    head = read_int(int(integer))
    if fraction.startswith("0") or len(fraction) > 3:
        tail = read_digits(fraction)
    else:
        tail = read_int(int(fraction))
    return f"{head} phẩy {tail}"
