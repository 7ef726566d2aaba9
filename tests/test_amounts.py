"""Money and counts as people type them."""

import pytest

from content.amounts import parse_amount, parse_count


@pytest.mark.parametrize(
    ("typed", "vnd"),
    [
        ("3 triệu", 3_000_000),
        ("3tr", 3_000_000),
        ("3.000.000", 3_000_000),
        ("3,5 triệu", 3_500_000),
        ("ba triệu rưỡi", 3_500_000),
        ("2 triệu 2", 2_200_000),
        ("2tr2", 2_200_000),
        ("2 trieu 25", 2_250_000),
        ("1 triệu 500", 1_500_000),
        ("1,5tr", 1_500_000),
        ("1.500.000đ", 1_500_000),
        ("1500000", 1_500_000),
        ("500k", 500_000),
        ("500 nghìn", 500_000),
        ("tám trăm nghìn", 800_000),
        ("hai mươi lăm triệu", 25_000_000),
        ("mười hai triệu", 12_000_000),
        ("khoảng 4 triệu một tháng", 4_000_000),
        ("mỗi tháng được 5 triệu", 5_000_000),
        ("3 triệu/tháng", 3_000_000),
        ("3", 3_000_000),  # a bare small number answers "how many triệu"
        ("không có", 0),
        ("0", 0),
    ],
)
def test_parse_amount(typed, vnd):
    assert parse_amount(typed) == vnd


@pytest.mark.parametrize("typed", ["không biết", "nhiều lắm", "", "???"])
def test_parse_amount_rejects_what_is_not_an_amount(typed):
    assert parse_amount(typed) is None


@pytest.mark.parametrize(
    ("typed", "count"),
    [
        ("4", 4),
        ("4 người", 4),
        ("bốn", 4),
        ("muoi hai", 12),
        ("0", None),
        ("nhiều", None),
        ("3 4", None),
    ],
)
def test_parse_count(typed, count):
    assert parse_count(typed) == count
