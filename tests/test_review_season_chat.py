"""The self-check in the review season: between 1/9 and the day before a new standard applies,
the result under the coming standard is shown too, labelled as expected."""

from __future__ import annotations

import datetime as dt

import pytest

VIETNAM = dt.timezone(dt.timedelta(hours=7))


async def check_household_on(chat, runtime, day: dt.date) -> str:
    """A rural household of 4 with 8 triệu a month (2 triệu a person) lacking 3 indicators."""
    runtime.core.clock = lambda: dt.datetime(day.year, day.month, day.day, 9, tzinfo=VIETNAM)
    await chat.say("/start")
    await chat.press("Kiểm tra diện hỗ trợ")
    await chat.press("Nông thôn")
    await chat.say("4")
    await chat.say("8 triệu")
    for answer in ["có", "có", "có"] + ["không"] * 9:
        await chat.say(answer)
    await chat.press("Không lưu")
    return chat.text


@pytest.mark.parametrize("day", [dt.date(2026, 9, 1), dt.date(2026, 12, 7), dt.date(2026, 12, 31)])
async def test_in_the_review_season_the_self_check_also_gives_the_coming_standards_result(
    chat, runtime, day
):
    text = await check_household_on(chat, runtime, day)
    assert "chuẩn dự kiến áp dụng từ năm 2027" in text
    line = next(x for x in text.splitlines() if "chuẩn dự kiến áp dụng từ năm 2027" in x)
    assert "2.200.000" in line and "): hộ nghèo." in line


@pytest.mark.parametrize("day", [dt.date(2026, 8, 31), dt.date(2027, 1, 1)])
async def test_outside_the_review_season_only_the_standard_in_force_is_given(chat, runtime, day):
    text = await check_household_on(chat, runtime, day)
    assert "dự kiến áp dụng" not in text
    assert "có thể thuộc diện" in text or "mức sống trung bình" in text
