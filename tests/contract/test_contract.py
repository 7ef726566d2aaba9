"""What every channel does for a citizen, the same six conversations on each of the five
channels, each through the real adapter of one running app (tests/contract/drivers.py)."""

from __future__ import annotations

import pytest

from tests.contract.drivers import Driver, Seen

MENU = (
    "Hỏi đáp chính sách",
    "Kiểm tra diện hỗ trợ",
    "Trợ giúp pháp lý",
    "Gửi câu hỏi cho cán bộ",
    "Bản tin âm thanh",
    "Chọn địa phương",
    "Đăng ký nhận thông báo",
)


def text(seen: list[Seen]) -> str:
    return "\n\n".join(s.text for s in seen)


def shows_menu(seen: list[Seen]) -> bool:
    return any(all(item in s.choices for item in MENU) for s in seen)


async def test_a_greeting_gets_the_welcome_and_the_menu(citizen: Driver):
    seen = await citizen.say("xin chào")
    assert "chào" in text(citizen.history).lower()  # the web page greeted on opening
    assert shows_menu(seen)


async def test_an_unaccented_question_is_answered_with_its_source(citizen: Driver):
    seen = await citizen.say("ho can ngheo co duoc vay von khong")
    assert "cận nghèo" in text(seen) and "Nguồn:" in text(seen)


async def test_the_self_check_walks_through_to_a_classification(citizen: Driver):
    await citizen.say("xin chào")
    seen = await citizen.press("Kiểm tra diện hỗ trợ")
    assert "nông thôn" in text(seen)
    await citizen.press("Nông thôn")
    assert "thu nhập" in text(await citizen.say("4"))  # members: a typed number is an answer
    seen = await citizen.say("5 triệu")
    assert "bình quân 1.250.000 đồng/người/tháng" in text(seen)
    for _ in range(20):  # every indicator: "Không"
        if "lưu kết quả" in text(seen):
            break
        seen = await citizen.press("Không")
    seen = await citizen.press("Không lưu")
    assert "có thể thuộc diện hộ cận nghèo" in text(seen)
    assert "Nguồn: Nghị định 07/2021/NĐ-CP" in text(seen)


async def test_an_officers_answer_reaches_the_citizen(citizen: Driver):
    await citizen.say("xin chào")
    await citizen.press("Gửi câu hỏi cho cán bộ")
    seen = await citizen.say("Nhà tôi bị lũ cuốn mất nhà, xin hỏi xã có hỗ trợ gì không?")
    assert "Đã gửi câu hỏi số" in text(seen)
    seen = await citizen.officer_answer("Xã sẽ cử cán bộ đến kiểm tra trong tuần này.")
    assert "Xã sẽ cử cán bộ đến kiểm tra trong tuần này." in text(seen)


async def test_a_question_outside_the_scope_is_declined_politely_with_the_menu(
    citizen: Driver,
):
    seen = await citizen.say("xổ số hôm nay")
    assert "Cầu Nối chỉ trả lời" in text(seen)
    assert shows_menu(seen)
    offers = [c for s in seen for c in s.choices if c not in MENU and "cán bộ" in c]
    assert offers == []  # nothing to forward to officers


async def test_a_redelivered_update_is_answered_once(citizen: Driver):
    if not citizen.redelivers:
        pytest.skip("the console has no event ids: a line typed twice is two messages")
    assert await citizen.say("chuẩn nghèo nông thôn là bao nhiêu")
    assert await citizen.redeliver_last() == []
