"""The household classifier at every boundary, and `bot.py check-household` as operators use it."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from content.eligibility import CheckError, check_household
from tests.conftest import run_cli

THREE = ["viec_lam", "bao_hiem_y_te", "dien_tich_nha_o"]
TWO = THREE[:2]
DAY_2026 = dt.date(2026, 11, 23)
DAY_2027 = dt.date(2027, 3, 1)


@pytest.fixture(scope="module")
def standards(knowledge):
    return knowledge.content.standards


@pytest.mark.parametrize(
    ("household", "expected"),
    [
        # 2022–2025 rural line 1,500,000; urban 2,000,000; average band to 2,250,000 / 3,000,000
        ({"area": "rural", "income_per_person_month_vnd": 1_500_000, "lacking": THREE}, "ho_ngheo"),
        (
            {"area": "rural", "income_per_person_month_vnd": 1_500_000, "lacking": TWO},
            "ho_can_ngheo",
        ),
        (
            {"area": "rural", "income_per_person_month_vnd": 1_500_001, "lacking": THREE},
            "ho_muc_song_trung_binh",
        ),
        ({"area": "rural", "income_per_person_month_vnd": 0, "lacking": []}, "ho_can_ngheo"),
        ({"area": "rural", "income_per_person_month_vnd": 2_250_000}, "ho_muc_song_trung_binh"),
        ({"area": "rural", "income_per_person_month_vnd": 2_250_001}, "khong_thuoc_dien"),
        ({"area": "urban", "income_per_person_month_vnd": 2_000_000, "lacking": THREE}, "ho_ngheo"),
        (
            {"area": "urban", "income_per_person_month_vnd": 2_000_000, "lacking": TWO},
            "ho_can_ngheo",
        ),
        ({"area": "urban", "income_per_person_month_vnd": 2_000_001}, "ho_muc_song_trung_binh"),
        ({"area": "urban", "income_per_person_month_vnd": 3_000_000}, "ho_muc_song_trung_binh"),
        ({"area": "urban", "income_per_person_month_vnd": 3_000_001}, "khong_thuoc_dien"),
        # the same income is poor in the country and near the urban line in town
        (
            {"area": "urban", "income_per_person_month_vnd": 1_800_000, "lacking": TWO},
            "ho_can_ngheo",
        ),
        (
            {"area": "rural", "income_per_person_month_vnd": 1_800_000, "lacking": TWO},
            "ho_muc_song_trung_binh",
        ),
        # household income divided by members, exactly on the line and one đồng above
        (
            {
                "area": "rural",
                "members": 4,
                "household_income_month_vnd": 6_000_000,
                "lacking": THREE,
            },
            "ho_ngheo",
        ),
        (
            {
                "area": "rural",
                "members": 4,
                "household_income_month_vnd": 6_000_001,
                "lacking": THREE,
            },
            "ho_muc_song_trung_binh",
        ),
        ({"area": "urban", "members": 3, "household_income_month_vnd": 6_000_000}, "ho_can_ngheo"),
        # duplicates in "lacking" count once
        (
            {"area": "rural", "income_per_person_month_vnd": 1_000_000, "lacking": [*TWO, *TWO]},
            "ho_can_ngheo",
        ),
    ],
)
def test_classification_2022_2025(standards, household, expected):
    result = check_household(standards, {"period": "2022-2025", **household})
    assert result.classification == expected


@pytest.mark.parametrize(
    ("household", "expected"),
    [
        ({"area": "rural", "income_per_person_month_vnd": 2_200_000, "lacking": THREE}, "ho_ngheo"),
        (
            {"area": "rural", "income_per_person_month_vnd": 2_200_000, "lacking": TWO},
            "ho_can_ngheo",
        ),
        # no source gives an average-living band for 2027–2030: above the line is not classified
        ({"area": "rural", "income_per_person_month_vnd": 2_200_001}, "khong_thuoc_dien"),
        ({"area": "urban", "income_per_person_month_vnd": 2_800_000, "lacking": THREE}, "ho_ngheo"),
        ({"area": "urban", "income_per_person_month_vnd": 2_800_001}, "khong_thuoc_dien"),
    ],
)
def test_classification_2027_2030(standards, household, expected):
    assert (
        check_household(standards, {"period": "2027-2030", **household}).classification == expected
    )


def test_period_in_force_on_the_day(standards):
    household = {"area": "rural", "income_per_person_month_vnd": 2_000_000}
    # 2026 still uses the 2022–2025 standard (Nghị định 351/2025/NĐ-CP)
    assert check_household(standards, household, DAY_2026).period == "2022-2025"
    assert (
        check_household(standards, household, DAY_2026).classification == "ho_muc_song_trung_binh"
    )
    assert check_household(standards, household, DAY_2027).period == "2027-2030"
    assert check_household(standards, household, DAY_2027).classification == "ho_can_ngheo"


def test_result_explains_and_links_supports(standards, knowledge):
    result = check_household(
        standards,
        {
            "period": "2022-2025",
            "area": "rural",
            "members": 5,
            "household_income_month_vnd": 5_000_000,
            "lacking": THREE,
        },
    ).as_json()
    assert result["income_per_person_month_vnd"] == 1_000_000
    assert result["lacking_count"] == 3
    assert "1.000.000 đồng" in result["reasons"][0] and "1.500.000 đồng" in result["reasons"][0]
    assert any("Bảo hiểm y tế" in r for r in result["reasons"])
    assert result["supports"] and all(s in knowledge.content.entries for s in result["supports"])


@pytest.mark.parametrize(
    ("household", "field"),
    [
        ({"income_per_person_month_vnd": 1}, "area"),
        ({"area": "mountain", "income_per_person_month_vnd": 1}, "area"),
        ({"area": "rural", "members": 0, "household_income_month_vnd": 1}, "members"),
        (
            {"area": "rural", "members": 2, "household_income_month_vnd": -1},
            "household_income_month_vnd",
        ),
        ({"area": "rural", "income_per_person_month_vnd": -5}, "income_per_person_month_vnd"),
        ({"area": "rural", "members": 2}, "household_income_month_vnd"),
        ({"area": "rural", "household_income_month_vnd": 2}, "members"),
        # two incomes may disagree: refused; members alone with the per-person income is not
        (
            {
                "area": "rural",
                "members": 2,
                "household_income_month_vnd": 2,
                "income_per_person_month_vnd": 1,
            },
            "income_per_person_month_vnd",
        ),
        ({"area": "rural", "income_per_person_month_vnd": 1, "lacking": ["nha_lau"]}, "lacking"),
        ({"area": "rural", "income_per_person_month_vnd": 1, "period": "1990-1995"}, "period"),
        ({"area": "rural", "income_per_person_month_vnd": 1, "colour": "red"}, "colour"),
    ],
)
def test_invalid_input_names_the_field(standards, household, field):
    with pytest.raises(CheckError) as caught:
        check_household(standards, household, DAY_2026)
    assert caught.value.field == field


def test_members_with_income_per_person_is_accepted_and_uses_that_income(standards):
    household = {"area": "rural", "members": 4, "income_per_person_month_vnd": 1_500_000}
    result = check_household(standards, {"period": "2022-2025", **household}).as_json()
    assert result["income_per_person_month_vnd"] == 1_500_000
    assert result["classification"] == "ho_can_ngheo"


def test_cli_single_json_document(tmp_path):
    path = tmp_path / "ho.json"
    path.write_text(
        json.dumps(
            {
                "period": "2022-2025",
                "area": "urban",
                "members": 4,
                "household_income_month_vnd": 7_000_000,
                "lacking": ["viec_lam"],
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    result = run_cli("check-household", str(path))
    assert result.returncode == 0, result.stderr
    row = json.loads(result.stdout)
    assert row["classification"] == "ho_can_ngheo"
    assert row["income_per_person_month_vnd"] == 1_750_000
    assert set(row) >= {
        "classification",
        "income_per_person_month_vnd",
        "lacking_count",
        "reasons",
        "supports",
    }


def test_cli_batch_reports_bad_lines_and_processes_the_rest():
    lines = "\n".join(
        [
            json.dumps(
                {
                    "period": "2022-2025",
                    "area": "rural",
                    "income_per_person_month_vnd": 1_000_000,
                    "lacking": THREE,
                }
            ),
            json.dumps(
                {
                    "period": "2022-2025",
                    "area": "rural",
                    "members": 0,
                    "household_income_month_vnd": 1,
                }
            ),
            "{not json",
            json.dumps(
                {"period": "2022-2025", "area": "urban", "income_per_person_month_vnd": 5_000_000}
            ),
        ]
    )
    result = run_cli("check-household", "-", stdin=lines)
    assert result.returncode == 1
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows[0]["classification"] == "ho_ngheo"
    assert rows[1] == {"line": 2, "error": rows[1]["error"], "field": "members"}
    assert rows[2]["line"] == 3 and "JSON" in rows[2]["error"]
    assert rows[3]["classification"] == "khong_thuoc_dien"
    assert "line 2: members" in result.stderr


def test_cli_uses_the_standard_of_the_given_date():
    household = json.dumps({"area": "urban", "income_per_person_month_vnd": 2_500_000})
    in_2026 = json.loads(
        run_cli("check-household", "-", "--date", "2026-11-23", stdin=household).stdout
    )
    in_2027 = json.loads(
        run_cli("check-household", "-", "--date", "2027-01-01", stdin=household).stdout
    )
    assert (in_2026["period"], in_2026["classification"]) == ("2022-2025", "ho_muc_song_trung_binh")
    assert (in_2027["period"], in_2027["classification"]) == ("2027-2030", "ho_can_ngheo")
