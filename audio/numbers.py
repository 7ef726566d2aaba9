"""Vietnamese numbers read aloud, and days, months, times, fractions, ordinals, phones.

21 "hai mươi mốt", 105 "một trăm linh năm", 1.500.000 "một triệu năm trăm nghìn"."""

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


def read_month(month: int) -> str:
    """Months say "tư" for April: "tháng tư"."""
    return "tư" if month == 4 else read_int(month)


def read_day(day: int) -> str:
    """Days 1 to 10 are "mùng": "mùng một"; later days "ngày mười bốn"."""
    return f"mùng {read_int(day)}" if day <= 10 else f"ngày {read_int(day)}"


def read_clock(hours: int, minutes: int) -> str:
    """7h30 "bảy giờ ba mươi", 7h05 "bảy giờ năm phút", 8h "tám giờ"."""
    words = f"{read_int(hours)} giờ"
    if minutes >= 10:
        words += f" {read_int(minutes)}"
    elif minutes:
        words += f" {read_int(minutes)} phút"
    return words


def read_fraction(numerator: int, denominator: int) -> str:
    """1/2 "một phần hai", 3/4 "ba phần tư"."""
    below = "tư" if denominator == 4 else read_int(denominator)
    return f"{read_int(numerator)} phần {below}"


WEEKDAYS = {2: "Hai", 3: "Ba", 4: "Tư", 5: "Năm", 6: "Sáu", 7: "Bảy"}


def read_ordinal(value: int) -> str:
    """After "thứ": 1 "nhất", 4 "tư", otherwise the number."""
    return {1: "nhất", 4: "tư"}.get(value) or read_int(value)


def read_phone(groups: list[str]) -> str:
    """A phone number digit by digit, a short pause between its groups."""
    return ", ".join(read_digits(group) for group in groups if group)


def split_phone(digits: str) -> list[str]:
    """The groups of a number written without spaces: mobiles 0912 345 678, landlines
    0297 3830 123 (Hà Nội and Hồ Chí Minh City 024 3825 1234), hotlines 1800 1233."""
    if digits.startswith(("18", "19")):
        return (
            [digits[:4], digits[4:]] if len(digits) == 8 else [digits[:4], digits[4:7], digits[7:]]
        )
    if len(digits) == 11:
        if digits.startswith(("024", "028")):
            return [digits[:3], digits[3:7], digits[7:]]
        return [digits[:4], digits[4:8], digits[8:]]
    return [digits[:4], digits[4:7], digits[7:]]


def read_shorthand_money(whole: str, unit: str, rest: str) -> str:
    """3tr5 = 3.500.000 "ba triệu năm trăm nghìn"; 1k5 = 1.500; 2tỷ5 = 2.500.000.000."""
    scale = {"k": 10**3, "tr": 10**6, "triệu": 10**6, "tỷ": 10**9, "tỉ": 10**9}[unit.lower()]
    return read_int(int(whole) * scale + int(rest.ljust(3, "0")[:3]) * scale // 1000)
