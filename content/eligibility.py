"""The household self-check: poverty standards as data, and the classification they imply.

Under Nghị định 07/2021/NĐ-CP (and 351/2025 from 2027) a household whose monthly income per
person is at or below the line is poor when it lacks at least 3 of the 12 indicators of basic
social services, near-poor when it lacks fewer; above the line, up to the average-living band,
it has an average living standard. Only the commune's review decides; this is an estimate.
The yearly review (1/9–14/12, Quyết định 24/2021/QĐ-TTg) ranks households for the next year, so
from 1/9 of the year before a new standard applies the check also gives the result under it."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from content.amounts import group_thousands
from content.schema import Strict

Area = Literal["rural", "urban"]
CLASSIFICATIONS = ("ho_ngheo", "ho_can_ngheo", "ho_muc_song_trung_binh", "khong_thuoc_dien")
CLASS_LABELS = {
    "ho_ngheo": "hộ nghèo",
    "ho_can_ngheo": "hộ cận nghèo",
    "ho_muc_song_trung_binh": "hộ có mức sống trung bình",
    "khong_thuoc_dien": "không thuộc diện hộ nghèo, cận nghèo",
}
AREA_LABELS = {"rural": "nông thôn", "urban": "thành thị"}
# The yearly review opens on 1/9 (month, day) and ranks households for the next year.
REVIEW_OPENS = (9, 1)


class Indicator(Strict):
    code: str
    name: str
    dimension: str
    question: str
    example: str


class ByArea(Strict):
    rural: int = Field(gt=0)
    urban: int = Field(gt=0)


class Standard(Strict):
    """One poverty standard, loaded from content/standards/*.yaml."""

    period: str = Field(pattern=r"^\d{4}-\d{4}$")
    title: str
    valid_from: dt.date
    valid_to: dt.date
    sources: tuple[str, ...] = Field(min_length=1)
    income_line_vnd: ByArea
    poor_min_lacking: int = Field(ge=1, le=12)
    average_upper_vnd: ByArea | None
    average_note: str | None = None
    indicators_note: str | None = None
    indicators: tuple[Indicator, ...] = Field(min_length=1)
    supports: dict[str, tuple[str, ...]]
    next_steps: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Standard:
        codes = [i.code for i in self.indicators]
        if len(set(codes)) != len(codes):
            raise ValueError("an indicator code is listed twice")
        if set(self.supports) != set(CLASSIFICATIONS):
            raise ValueError(f"supports must list exactly {', '.join(CLASSIFICATIONS)}")
        if self.average_upper_vnd:
            for area in ("rural", "urban"):
                if getattr(self.average_upper_vnd, area) <= getattr(self.income_line_vnd, area):
                    raise ValueError(f"average_upper_vnd.{area} is not above the income line")
        if self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        return self

    @property
    def indicator_codes(self) -> tuple[str, ...]:
        return tuple(i.code for i in self.indicators)


def standard_for(standards: dict[str, Standard], day: dt.date) -> Standard | None:
    """The standard in force on `day`."""
    for standard in standards.values():
        if standard.valid_from <= day <= standard.valid_to:
            return standard
    return None


def review_window(standard: Standard) -> tuple[dt.date, dt.date]:
    """The days whose review ranks households under `standard` before it applies: from 1/9 of
    the year before its valid_from up to the day before it."""
    month, day = REVIEW_OPENS
    opens = dt.date(standard.valid_from.year - 1, month, day)
    return opens, standard.valid_from - dt.timedelta(days=1)


def upcoming_standard(standards: dict[str, Standard], day: dt.date) -> Standard | None:
    """The standard not yet in force whose review window holds `day`, if any."""
    ahead = [s for s in standards.values() if review_window(s)[0] <= day < s.valid_from]
    return min(ahead, key=lambda s: s.valid_from, default=None)


class HouseholdInput(BaseModel):
    """What `check-household` reads: one household as JSON."""

    model_config = ConfigDict(extra="forbid")

    period: str | None = None
    area: Area
    members: int | None = Field(default=None, ge=1, le=100)
    household_income_month_vnd: int | None = Field(default=None, ge=0)
    income_per_person_month_vnd: int | None = Field(default=None, ge=0)
    lacking: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _income_given_once(self) -> HouseholdInput:
        # members may come with the income per person (it is then only informative)
        per_person = self.income_per_person_month_vnd is not None
        if per_person and self.household_income_month_vnd is not None:
            raise ValueError(
                "income_per_person_month_vnd: give it or household_income_month_vnd, not both"
            )
        if not per_person:
            if self.members is None:
                raise ValueError("members: missing field")
            if self.household_income_month_vnd is None:
                raise ValueError("household_income_month_vnd: missing field")
        return self


class CheckError(ValueError):
    """A household the checker cannot classify; `field` names what is wrong."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(f"{field}: {message}" if field else message)


@dataclass(frozen=True)
class CheckResult:
    period: str
    area: str
    classification: str
    income_per_person: Fraction
    line_vnd: int
    lacking: tuple[str, ...]
    reasons: tuple[str, ...]
    supports: tuple[str, ...]
    next_steps: tuple[str, ...]
    upcoming: CheckResult | None = None  # under the coming standard, during the review before it

    def as_json(self) -> dict[str, Any]:
        data = {
            "period": self.period,
            "classification": self.classification,
            "income_per_person_month_vnd": int(self.income_per_person),  # whole đồng, rounded down
            "income_line_vnd": self.line_vnd,
            "lacking_count": len(self.lacking),
            "lacking": list(self.lacking),
            "reasons": list(self.reasons),
            "supports": list(self.supports),
        }
        if self.upcoming is not None:
            data["upcoming"] = {
                "period": self.upcoming.period,
                "classification": self.upcoming.classification,
                "income_line_vnd": self.upcoming.line_vnd,
            }
        return data


def vnd(amount: Fraction | int, up: bool = False) -> str:
    """An amount in đồng as Vietnamese writes it (3.000.000 đồng), rounded down (or up)."""
    whole = math.ceil(amount) if up else math.floor(amount)
    return group_thousands(whole) + " đồng"


def classify(
    standard: Standard,
    area: str,
    income_per_person: Fraction,
    lacking: list[str] | tuple[str, ...],
) -> CheckResult:
    """Classifies one household under `standard`; reasons are plain Vietnamese sentences."""
    known = standard.indicator_codes
    unknown = [code for code in lacking if code not in known]
    if unknown:
        raise CheckError(
            "lacking", f"unknown indicator code(s) {', '.join(unknown)}; known: {', '.join(known)}"
        )
    lacking = tuple(dict.fromkeys(lacking))
    line = getattr(standard.income_line_vnd, area)
    names = {i.code: i.name for i in standard.indicators}
    area_label = AREA_LABELS[area]
    reasons: list[str] = []
    if income_per_person <= line:
        reasons.append(
            f"Thu nhập bình quân {vnd(income_per_person)}/người/tháng, không cao hơn chuẩn "
            f"{vnd(line)} ở {area_label}."
        )
        if len(lacking) >= standard.poor_min_lacking:
            classification = "ho_ngheo"
            minimum = standard.poor_min_lacking
            reasons.append(
                f"Thiếu hụt {len(lacking)} chỉ số (từ {minimum} chỉ số trở lên là hộ nghèo)."
            )
        else:
            classification = "ho_can_ngheo"
            minimum = standard.poor_min_lacking
            reasons.append(
                f"Thiếu hụt {len(lacking)} chỉ số (dưới {minimum} chỉ số là hộ cận nghèo)."
            )
    else:
        reasons.append(
            f"Thu nhập bình quân {vnd(income_per_person, up=True)}/người/tháng, cao hơn chuẩn "
            f"{vnd(line)} ở {area_label}."
        )
        upper = getattr(standard.average_upper_vnd, area) if standard.average_upper_vnd else None
        if upper is not None and income_per_person <= upper:
            classification = "ho_muc_song_trung_binh"
            reasons.append(f"Không cao hơn {vnd(upper)}: thuộc mức sống trung bình.")
        else:
            classification = "khong_thuoc_dien"
            if upper is not None:
                reasons.append(f"Cao hơn {vnd(upper)}, mức trên của hộ có mức sống trung bình.")
        if standard.average_note and upper is None:
            reasons.append(standard.average_note.strip())
    if lacking:
        reasons.append("Các chỉ số thiếu hụt: " + "; ".join(names[c] for c in lacking) + ".")
    return CheckResult(
        period=standard.period,
        area=area,
        classification=classification,
        income_per_person=income_per_person,
        line_vnd=line,
        lacking=lacking,
        reasons=tuple(reasons),
        supports=standard.supports[classification],
        next_steps=standard.next_steps,
    )


def upcoming_result(
    standards: dict[str, Standard],
    area: str,
    income_per_person: Fraction,
    lacking: list[str] | tuple[str, ...],
    day: dt.date,
) -> CheckResult | None:
    """Classifies the household under the coming standard when `day` is in the review before
    it (1/9 up to the day before it applies); None on other days. Indicators the coming
    standard does not list are not counted."""
    standard = upcoming_standard(standards, day)
    if standard is None:
        return None
    known = set(standard.indicator_codes)
    return classify(standard, area, income_per_person, [c for c in lacking if c in known])


def describe_upcoming(result: CheckResult) -> str:
    """The upcoming result as the citizen reads it, labelled as expected, in Vietnamese."""
    year = int(result.period[:4])
    return (
        f"Theo chuẩn dự kiến áp dụng từ năm {year} ({vnd(result.line_vnd)}/người/tháng ở "
        f"{AREA_LABELS[result.area]}): {CLASS_LABELS[result.classification]}. Đợt rà soát "
        f"cuối năm {year - 1} xếp hộ cho năm {year} nên nhiều khả năng xét theo chuẩn này; chưa "
        "có văn bản hướng dẫn nói rõ, Ủy ban nhân dân xã, phường sẽ quyết định."
    )


def check_household(
    standards: dict[str, Standard], data: Any, today: dt.date | None = None
) -> CheckResult:
    """Validates one household given as parsed JSON and classifies it."""
    if not isinstance(data, dict):
        raise CheckError("", "expected a JSON object")
    try:
        household = HouseholdInput.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "missing":
            message = "missing field"
        elif err["type"] == "extra_forbidden":
            message = "unknown field"
        if not field and ": " in message:
            field, message = message.split(": ", 1)
        raise CheckError(field, message) from exc
    day = today or dt.date.today()
    in_force = standard_for(standards, day)
    if household.period is not None:
        standard = standards.get(household.period)
        if standard is None:
            raise CheckError("period", f"unknown period; known: {', '.join(sorted(standards))}")
    elif in_force is None:
        raise CheckError("period", f"no standard in force on {day.isoformat()}; give a period")
    else:
        standard = in_force
    if household.income_per_person_month_vnd is not None:
        per_person = Fraction(household.income_per_person_month_vnd)
    else:
        per_person = Fraction(household.household_income_month_vnd, household.members)
    result = classify(standard, household.area, per_person, household.lacking)
    if standard is in_force:  # the coming standard matters only next to the one in force
        upcoming = upcoming_result(standards, household.area, per_person, result.lacking, day)
        if upcoming is not None:
            result = replace(result, upcoming=upcoming)
    return result
