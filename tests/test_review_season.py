"""In the review before a new standard (1/9 up to the day before it applies) the household check
also gives the result under the coming standard; on other days it does not."""

from __future__ import annotations

import datetime as dt
import json
from fractions import Fraction

import pytest

from content.eligibility import (
    check_household,
    describe_upcoming,
    review_window,
    upcoming_result,
    upcoming_standard,
)
from tests.conftest import run_cli

THREE = ["viec_lam", "bao_hiem_y_te", "dien_tich_nha_o"]
# rural, 2.000.000 đ a person: average living under 2022–2025 (line 1,5 triệu), poor under
# 2027–2030 (line 2,2 triệu) with three indicators lacking
HOUSEHOLD = {"area": "rural", "members": 4, "income_per_person_month_vnd": 2_000_000}
BOUNDARIES = [
    ("2026-08-31", "2022-2025", False),
    ("2026-09-01", "2022-2025", True),
    ("2026-12-31", "2022-2025", True),
    ("2027-01-01", "2027-2030", False),
]


@pytest.fixture(scope="module")
def standards(knowledge):
    return knowledge.content.standards


def test_the_review_before_2027_runs_from_1_9_to_31_12_2026(standards):
    window = review_window(standards["2027-2030"])
    assert window == (dt.date(2026, 9, 1), dt.date(2026, 12, 31))


@pytest.mark.parametrize(("day", "in_force", "has_upcoming"), BOUNDARIES)
def test_upcoming_result_only_inside_the_review_window(standards, day, in_force, has_upcoming):
    day = dt.date.fromisoformat(day)
    upcoming = upcoming_result(standards, "rural", Fraction(2_000_000), THREE, day)
    if not has_upcoming:
        assert upcoming is None
        return
    assert (upcoming.period, upcoming.classification, upcoming.line_vnd) == (
        "2027-2030",
        "ho_ngheo",
        2_200_000,
    )


@pytest.mark.parametrize(("day", "in_force", "has_upcoming"), BOUNDARIES)
def test_cli_check_household_adds_upcoming_only_in_the_window(day, in_force, has_upcoming):
    household = json.dumps({**HOUSEHOLD, "lacking": THREE})
    result = run_cli("check-household", "-", "--date", day, stdin=household)
    assert result.returncode == 0, result.stderr
    row = json.loads(result.stdout)
    assert row["period"] == in_force
    assert row["income_per_person_month_vnd"] == 2_000_000
    if has_upcoming:
        assert row["classification"] == "ho_muc_song_trung_binh"
        assert row["upcoming"] == {
            "period": "2027-2030",
            "classification": "ho_ngheo",
            "income_line_vnd": 2_200_000,
        }
    else:
        assert "upcoming" not in row


def test_cli_upcoming_uses_the_urban_line_of_2027():
    household = {"area": "urban", "members": 3, "household_income_month_vnd": 7_500_000}
    result = run_cli("check-household", "-", "--date", "2026-12-07", stdin=json.dumps(household))
    row = json.loads(result.stdout)
    assert row["classification"] == "ho_muc_song_trung_binh"  # 2.500.000 > 2.000.000
    assert row["upcoming"] == {
        "period": "2027-2030",
        "classification": "ho_can_ngheo",  # 2.500.000 ≤ 2.800.000, nothing lacking
        "income_line_vnd": 2_800_000,
    }


def test_an_explicit_period_other_than_the_one_in_force_gets_no_upcoming(standards):
    day = dt.date(2026, 12, 7)
    coming = check_household(standards, {**HOUSEHOLD, "period": "2027-2030"}, day)
    assert coming.upcoming is None and "upcoming" not in coming.as_json()
    in_force = check_household(standards, {**HOUSEHOLD, "period": "2022-2025"}, day)
    assert in_force.upcoming is not None and in_force.upcoming.period == "2027-2030"


def test_describe_upcoming_labels_the_result_as_expected(standards):
    upcoming = upcoming_result(standards, "urban", Fraction(2_500_000), [], dt.date(2026, 12, 7))
    text = describe_upcoming(upcoming)
    assert text.startswith("Theo chuẩn dự kiến áp dụng từ năm 2027 (2.800.000 đồng/người/tháng")
    assert "hộ cận nghèo" in text and "cuối năm 2026" in text


def test_the_window_follows_any_next_standard(standards):
    current = standards["2027-2030"]
    later = current.model_copy(
        update={
            "period": "2031-2035",
            "valid_from": dt.date(2031, 1, 1),
            "valid_to": dt.date(2035, 12, 31),
        }
    )
    both = {"2027-2030": current, "2031-2035": later}
    assert upcoming_standard(both, dt.date(2030, 8, 31)) is None
    assert upcoming_standard(both, dt.date(2030, 9, 1)) is later
    assert upcoming_standard(both, dt.date(2031, 1, 1)) is None
