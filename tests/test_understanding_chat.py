"""Conversations about understanding villagers: long messages, teencode, the household type,
short answers with "Xem thêm", typed requests, out of scope and personal legal problems."""

from __future__ import annotations

from sqlalchemy import select

from db.models import Question, QuestionStatus
from db.session import make_session_factory


async def questions(runtime) -> list[Question]:
    async with make_session_factory(runtime.engine)() as session:
        return list((await session.execute(select(Question).order_by(Question.id))).scalars())


def first_paragraph(text: str) -> str:
    return text.split("\n\n", 1)[0]


async def test_a_long_elderly_message_is_answered_from_the_question_at_its_end(chat):
    await chat.say(
        "Chào cán bộ, tôi năm nay 70 tuổi, ở với bà nhà và đứa cháu nội. Nhà tôi thuộc hộ "
        "nghèo mấy năm nay rồi, bà nhà hay đau ốm phải đi viện huyện luôn. Tiền thuốc men "
        "tốn kém lắm. Cho tôi hỏi hộ nghèo có được nhà nước cấp thẻ bảo hiểm y tế không?"
    )
    assert chat.faq_id == "bhyt-ho-ngheo"
    assert "toàn bộ" in first_paragraph(chat.text)  # the State pays the whole card
    assert "Nguồn: " in chat.text


async def test_teencode_without_diacritics_gets_the_near_poor_answer_and_its_source(chat):
    await chat.say("ho can ngheo co dc vay von ko")
    assert chat.faq_id == "vay-von-ho-can-ngheo"
    assert "7,92%" in chat.text
    assert "Nguồn: " in chat.text


async def test_when_the_household_type_decides_the_answer_the_bot_asks_it(chat, runtime):
    await chat.say("bhyt có được miễn phí không")
    assert "hộ nghèo hay hộ cận nghèo" in chat.text
    assert {"Hộ nghèo", "Hộ cận nghèo"} <= set(chat.labels)
    await chat.press("Hộ cận nghèo")
    assert chat.faq_id == "bhyt-ho-can-ngheo"
    logged = (await questions(runtime))[0]
    assert logged.status == QuestionStatus.ANSWERED
    assert logged.matched_faq_id == "bhyt-ho-can-ngheo"


async def test_a_stated_household_type_gets_its_own_answer_without_asking(chat):
    await chat.say("nhà tôi hộ nghèo thì thẻ bhyt có phải đóng tiền không")
    assert chat.faq_id == "bhyt-ho-ngheo"
    assert "hộ nghèo hay hộ cận nghèo" not in chat.text


async def test_answers_are_short_and_xem_them_shows_the_details(chat, runtime):
    await chat.say("ho can ngheo co dc vay von ko")
    answer = first_paragraph(chat.text)
    assert len(answer) <= 320
    entry = runtime.knowledge.content.entries[chat.faq_id]
    assert entry.details, "this entry keeps its details behind Xem thêm"
    caveats = [p for p in chat.text.split("\n\n")[1:] if not p.startswith("Nguồn:")]
    assert len(caveats) <= 1
    await chat.press("Xem thêm")
    assert entry.details.strip()[:60] in chat.text
    assert "Nguồn: " in chat.text


async def test_a_typed_menu_label_starts_the_same_flow_as_the_button(chat):
    await chat.say("/start")
    await chat.press("Kiểm tra diện hỗ trợ")
    by_button = chat.text
    await chat.say("menu")
    await chat.say("Kiểm tra diện hỗ trợ")
    assert chat.text == by_button


async def test_typed_requests_reach_the_tools(chat):
    await chat.say("kiem tra ho ngheo")
    assert "Bước 1" in chat.text or "nông thôn" in chat.text.lower()
    await chat.say("menu")
    await chat.say("nhà tôi có phải hộ nghèo không")
    assert "nông thôn" in chat.text.lower()
    await chat.say("menu")
    await chat.say("số điện thoại xã")
    contacts_reply = chat.text
    await chat.say("menu")
    await chat.say("liên hệ ai")
    assert chat.text == contacts_reply
    await chat.say("menu")
    await chat.say("gửi câu hỏi cho cán bộ")
    assert "câu hỏi" in chat.text.lower() and chat.faq_id is None
    await chat.say("hủy")
    await chat.say("đăng ký nhận tin")
    assert "địa phương" in chat.text  # subscribing asks the place first


async def test_weather_is_said_to_be_out_of_scope_with_the_menu_and_no_offer(chat, runtime):
    await chat.say("thời tiết ngày mai ở Kiên Giang thế nào")
    assert "chỉ trả lời câu hỏi về chính sách giảm nghèo" in chat.text
    assert "Gửi cho cán bộ" not in chat.labels
    assert "Hỏi đáp chính sách" in chat.labels
    logged = (await questions(runtime))[0]  # still logged, never lost
    assert not logged.needs_officer and not logged.answered_by_bot


async def test_a_land_dispute_goes_to_free_legal_aid_with_the_hotline(chat):
    await chat.say("hàng xóm lấn đất nhà tôi gần một mét, tôi muốn kiện mà không có tiền")
    assert "trợ giúp pháp lý miễn phí" in chat.text
    assert "1800" in chat.text
    assert any("được giúp miễn phí" in label for label in chat.labels)


async def test_a_land_dispute_told_with_a_lawyer_is_not_answered_with_the_accused_persons_aid(chat):
    await chat.say("Hàng xóm lấn đất nhà tôi, tôi muốn kiện mà không có tiền thuê luật sư")
    assert chat.faq_id is None
    assert "trợ giúp pháp lý miễn phí" in chat.text and "1800" in chat.text
    assert "người bị buộc tội" not in chat.text


async def test_a_loan_question_telling_of_debts_still_gets_the_loan_answer(chat):
    await chat.say("nhà tôi nợ nần nhiều, hộ nghèo có được vay vốn ngân hàng chính sách không")
    assert chat.faq_id is not None and chat.faq_id.startswith("vay-von")


async def test_a_general_question_gets_todays_programme_first_and_the_ended_one_a_tap_away(chat):
    await chat.say("chương trình giảm nghèo là gì")
    assert chat.faq_id == "chuong-trinh-gop-2026-2035-la-gi"
    assert "2026–2035" in first_paragraph(chat.text)
    assert "Quy định cũ (đến 31/12/2025)" in chat.labels
    await chat.press("Quy định cũ (đến 31/12/2025)")
    assert chat.faq_id == "chuong-trinh-giam-ngheo-la-gi"
    assert "áp dụng đến ngày 31/12/2025" in chat.text  # the ended rule says so


async def test_naming_a_year_of_the_ended_period_gets_that_periods_answer(chat):
    await chat.say("chương trình mục tiêu quốc gia giảm nghèo bền vững là gì")
    assert chat.faq_id == "chuong-trinh-gop-2026-2035-la-gi"
    await chat.say("chương trình mục tiêu quốc gia giảm nghèo bền vững 2021-2025 là gì")
    assert chat.faq_id == "chuong-trinh-giam-ngheo-la-gi"
