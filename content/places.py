"""Vietnamese administrative units, today's and those before 1 July 2025.

Today's 34 provinces and their communes and wards, and the units from before the reorganisation
(63 provinces, districts, communes), mapped to today's, for choosing a locality. The data comes
from the `vietnamadminunits` package; this module only matches what a citizen types against it."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

from rapidfuzz import fuzz, process

from content.normalize import fold

# Words that say what kind of unit follows; they guide the match and are not part of names.
_TYPE_WORDS = {
    "tinh": "province",
    "thanh pho": "city",
    "tp": "city",
    "huyen": "district",
    "quan": "district",
    "thi xa": "district",
    "tx": "district",
    "xa": "ward",
    "phuong": "ward",
    "thi tran": "ward",
    "tt": "ward",
    "dac khu": "special",
}
# What a type word says about a unit's own name: "xã" a "Xã …", "đặc khu" a "Đặc khu …".
_NAMED = {"xa": "xa ", "phuong": "phuong ", "thi tran": "thi tran ", "dac khu": "dac khu "}
# Common names for the same unit that the data does not carry.
_ALIASES = {
    "saigon": "hochiminh",
    "hcm": "hochiminh",
    "tphcm": "hochiminh",
    "hn": "hanoi",
    "thuathienhue": "hue",
}
_FUZZY_CUTOFF = 85
# Candidates this close to the best, at its level, make a name ambiguous: the citizen chooses.
_AMBIGUOUS_MARGIN = 0.25
MAX_CHOICES = 6


def _key(text: str) -> str:
    """Folded, without spaces, with k/c and y/i written alike ("Đắk Lắk" = "dac lac")."""
    key = re.sub(r"[^a-z0-9]", "", fold(text))
    return key.replace("k", "c").replace("y", "i")


@dataclass(frozen=True)
class Place:
    level: str  # "province", "district" (before 2025 only) or "ward"
    name: str  # e.g. "Huyện Kiên Hải"
    province: str  # the province it is (or was) in, e.g. "Tỉnh Kiên Giang"
    legacy: bool  # a unit from before 1 July 2025
    district: str | None = None
    province_code: str | None = None  # code of today's province
    ward_code: str | None = None  # code of today's ward, when level is "ward" and not legacy

    @property
    def short(self) -> str:
        """The name without its type: 'Đặc khu Kiên Hải' -> 'Kiên Hải'."""
        return _short(self.name)

    def label(self) -> str:
        if self.level == "province":
            return self.name
        parts = [self.name, self.district, self.province]
        return ", ".join(p for p in parts if p)


@dataclass(frozen=True)
class Resolved:
    """What a typed name resolved to: the unit found and what it is today."""

    place: Place
    now_province: str
    now_province_code: str
    now_ward: str | None = None
    now_ward_code: str | None = None

    @property
    def code(self) -> str:
        """How a citizen's locality is stored: today's ward, or today's province."""
        return f"w:{self.now_ward_code}" if self.now_ward_code else f"p:{self.now_province_code}"

    def now_label(self) -> str:
        return ", ".join(p for p in (self.now_ward, self.now_province) if p)


class Places:
    """Loads the unit tables once and answers `find(text)`."""

    @cached_property
    def _data(self) -> tuple[dict[str, list[Place]], list[str], dict[str, tuple[str, str]]]:
        from vietnamadminunits.database import query

        by_key: dict[str, list[Place]] = defaultdict(list)
        provinces_now: dict[str, tuple[str, str]] = {}
        for row in query("SELECT DISTINCT province, provinceShort, provinceCode FROM admin_units"):
            place = Place(
                "province",
                row["province"],
                row["province"],
                False,
                province_code=row["provinceCode"],
            )
            provinces_now[_key(row["province"])] = (row["province"], row["provinceCode"])
            by_key[_key(row["provinceShort"])].append(place)
        for row in query(
            "SELECT province, ward, wardShort, provinceCode, wardCode FROM admin_units"
        ):
            place = Place(
                "ward",
                row["ward"],
                row["province"],
                False,
                province_code=row["provinceCode"],
                ward_code=row["wardCode"],
            )
            by_key[_key(row["wardShort"])].append(place)
        legacy_provinces = set()
        for row in query(
            "SELECT province, provinceShort, district, districtShort, ward, wardShort "
            "FROM admin_units_legacy"
        ):
            if row["province"] not in legacy_provinces:
                legacy_provinces.add(row["province"])
                by_key[_key(row["provinceShort"])].append(
                    Place("province", row["province"], row["province"], True)
                )
            district = Place("district", row["district"], row["province"], True)
            if district not in by_key[_key(row["districtShort"])]:
                by_key[_key(row["districtShort"])].append(district)
            if row["ward"]:
                by_key[_key(row["wardShort"])].append(
                    Place("ward", row["ward"], row["province"], True, district=row["district"])
                )
        for alias, target in _ALIASES.items():
            by_key[_key(alias)].extend(by_key.get(_key(target), []))
        return dict(by_key), sorted(by_key), provinces_now

    def describe(self, code: str) -> str | None:
        """A stored locality code ('p:91', 'w:23332') as a name, or None if unknown."""
        kind, _, value = code.partition(":")
        for places in self._data[0].values():
            for place in places:
                if place.legacy:
                    continue
                if kind == "w" and place.level == "ward" and place.ward_code == value:
                    return place.label()
                if kind == "p" and place.level == "province" and place.province_code == value:
                    return place.name
        return None

    def provinces(self) -> list[tuple[str, str]]:
        """Today's provinces as (code, name), in alphabetical order."""
        return sorted(
            ((code, name) for name, code in self._data[2].values()),
            key=lambda p: _key(_short(p[1])),
        )

    def province_code_of(self, code: str) -> str | None:
        kind, _, value = code.partition(":")
        if kind == "p":
            return value
        for places in self._data[0].values():
            for place in places:
                if not place.legacy and place.level == "ward" and place.ward_code == value:
                    return place.province_code
        return None

    def find(self, text: str) -> Resolved | None:
        """The unit a citizen most likely means by `text` ("kien hai", "tp kon tum", "Dak Lak",
        "xã Hòa Bình, Kon Tum"), resolved to today's units; None if nothing is close."""
        ranked = self._ranked(text)
        return self.resolve(ranked[0][1]) if ranked else None

    def candidates(self, text: str) -> list[Resolved]:
        """The units `text` may mean, best first: one when it is clear ("xã Hòa Bình, Kon Tum"),
        several (up to MAX_CHOICES, distinct today) when as likely as each other ("xa hoa binh")."""
        ranked = self._ranked(text)
        if not ranked:
            return []
        best, top = ranked[0]
        out: list[Resolved] = []
        seen: set[str] = set()
        for score, place in ranked:
            if best - score > _AMBIGUOUS_MARGIN or place.level != top.level:
                continue
            resolved = self.resolve(place)
            if resolved.code not in seen:
                seen.add(resolved.code)
                out.append(resolved)
            if len(out) == MAX_CHOICES:
                break
        return out

    def _ranked(self, text: str) -> list[tuple[float, Place]]:
        by_key, keys, _ = self._data
        tokens = fold(text).replace(",", " ").split()
        hints, names = self._split(tokens)
        typed = " ".join(nfc_lower(text).replace(",", " ").split())
        candidates: list[tuple[float, Place]] = []
        spans = self._spans(names)
        for (start, end), key in spans:
            others = {k for (s, _), k in spans if s != start}
            for place in by_key.get(key, ()):
                score = self._score(place, hints.get(start), others, end - start)
                if nfc_lower(_short(place.name)) in typed:
                    score += 0.3  # typed with the same diacritics: "Kiên Hải", not "Kiến Hải"
                candidates.append((score, place))
        if not candidates and names:
            joined = _key(" ".join(names))
            found = process.extractOne(joined, keys, scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF)
            if found:
                hint = next(iter(hints.values()), None)
                for place in by_key[found[0]]:
                    candidates.append((self._score(place, hint, set(), 1) - 1, place))
        candidates.sort(key=lambda c: c[0], reverse=True)
        return candidates

    @staticmethod
    def _split(tokens: list[str]) -> tuple[dict[int, str], list[str]]:
        """Separates type words ("huyện", "tp") from name words; a hint is keyed by the
        position of the name word it precedes."""
        hints: dict[int, str] = {}
        names: list[str] = []
        i = 0
        while i < len(tokens):
            two = " ".join(tokens[i : i + 2])
            if two in _TYPE_WORDS and i + 2 < len(tokens):
                hints[len(names)] = two
                i += 2
            elif tokens[i] in _TYPE_WORDS and i + 1 < len(tokens):
                hints[len(names)] = tokens[i]
                i += 1
            else:
                names.append(tokens[i])
                i += 1
        return hints, names

    def _spans(self, names: list[str]) -> list[tuple[tuple[int, int], str]]:
        """Longest runs of name words that are a known unit name, left to right."""
        by_key = self._data[0]
        spans = []
        i = 0
        while i < len(names):
            for length in (4, 3, 2, 1):
                key = _key("".join(names[i : i + length]))
                if i + length <= len(names) and key in by_key:
                    spans.append(((i, i + length), key))
                    i += length
                    break
            else:
                i += 1
        return spans

    def _score(self, place: Place, word: str | None, others: set[str], length: int) -> float:
        score = float(length)
        folded = fold(place.name)
        is_city = folded.startswith("thanh pho")
        hint = _TYPE_WORDS.get(word or "")
        if word in _NAMED and folded.startswith(_NAMED[word]):
            score += 0.3  # "xã Hòa Bình": a Xã before a Phường of the same name
        if hint == "special":  # "đặc khu" names a special zone; other units only by mistake
            hint = "ward"
            score += 0.5 if folded.startswith("dac khu") else -1.5
        if (
            (hint == place.level and hint != "province")
            or (hint == "city" and is_city)
            or (hint == "province" and place.level == "province" and not is_city)
        ):
            score += 2
        elif hint is not None:
            score -= 1
        # Another name in the text is this unit's province or district: "xã Hòa Bình, Kon Tum".
        if _key(_short(place.province)) in others and place.level != "province":
            score += 3
        if (place.district and _key(_short(place.district)) in others) or (
            place.legacy
            and place.level != "province"
            and others
            and _key(_short(self.resolve(place).now_province))
            in others - {_key(_short(place.province))}
        ):
            score += 3
        # Without other clues a province beats a district, which beats a commune of that name;
        # today's units beat those that no longer exist.
        score += {"province": 0.6, "district": 0.4, "ward": 0.0}[place.level]
        score += 0.0 if place.legacy else 0.2
        return score

    def resolve(self, place: Place) -> Resolved:
        _, _, provinces_now = self._data
        if not place.legacy:
            name, code = provinces_now[_key(place.province)]
            if place.level == "ward":
                return Resolved(place, name, code, place.name, place.ward_code)
            return Resolved(place, name, code)
        from vietnamadminunits import convert_address

        address = ", ".join(
            p
            for p in (
                place.name if place.level == "ward" else None,
                place.district or (place.name if place.level == "district" else None),
                place.province,
            )
            if p
        )
        unit = convert_address(address)
        name, code = provinces_now[_key(unit.province)]
        ward_code = None
        if place.level == "ward" and unit.ward:
            ward_code = next(
                (
                    p.ward_code
                    for p in self._data[0].get(_key(unit.short_ward), ())
                    if not p.legacy and p.level == "ward" and p.province == name
                ),
                None,
            )
        return Resolved(place, name, code, unit.ward if ward_code else None, ward_code)


def nfc_lower(text: str) -> str:
    """Lower case with diacritics kept, in one Unicode form."""
    return unicodedata.normalize("NFC", text).lower()


def _short(name: str) -> str:
    """'Tỉnh Kon Tum' -> 'Kon Tum'; 'Thành phố Kon Tum' -> 'Kon Tum'."""
    folded = fold(name)
    for prefix in (
        "thanh pho ",
        "tinh ",
        "huyen ",
        "quan ",
        "thi xa ",
        "thi tran ",
        "xa ",
        "phuong ",
        "dac khu ",
    ):
        if folded.startswith(prefix):
            return name[len(prefix) :]
    return name
