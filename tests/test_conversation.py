"""Handlers through the console channel: conversations as a citizen would have them."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.messages import Kind
from db.models import Citizen, Conversation, Message, Question, QuestionStatus
from db.session import make_session_factory

MAIN_MENU = [
    "Hỏi đáp chính sách",
    "Kiểm tra diện hỗ trợ",
    "Trợ giúp pháp lý",
    "Gửi câu hỏi cho cán bộ",
    "Bản tin âm thanh",
    "Chọn địa phương",
    "Đăng ký nhận thông báo",
]


async def questions(runtime) -> list[Question]:
    async with make_session_factory(runtime.engine)() as session:
        return list((await session.execute(select(Question).order_by(Question.id))).scalars())


async def test_start_greets_with_privacy_notice_and_main_menu(chat):
    await chat.say("/start")
    assert "Xin chào" in chat.text
    assert "được lưu lại" in chat.text  # privacy notice
    assert chat.labels == MAIN_MENU


async def test_unaccented_teencode_question_is_answered_with_its_source(chat, runtime):
    await chat.say("ho can ngheo co dc vay von ko")
    assert chat.faq_id is not None
    assert "Nguồn: " in chat.text
    entry = runtime.knowledge.content.entries[chat.faq_id]
    assert "vay" in " ".join(entry.questions).lower()
    logged = await questions(runtime)
    assert len(logged) == 1
    assert logged[0].answered_by_bot and logged[0].status == QuestionStatus.ANSWERED
    assert logged[0].matched_faq_id == chat.faq_id
    assert logged[0].normalized_text == "ho can ngheo co duoc vay von khong"


async def test_typing_a_number_presses_that_button(chat):
    await chat.say("/start")
    await chat.say("1")  # Hỏi đáp chính sách
    assert "chủ đề" in chat.text
    assert "Bảo hiểm y tế" in chat.labels
    await chat.press("Bảo hiểm y tế")
    first = chat.labels[0]
    await chat.say("1")
    assert chat.faq_id is not None
    assert runtime_question(chat) == first


def runtime_question(chat) -> str:
    entry = chat.core.content.entries[chat.faq_id]
    return entry.questions[0] if len(entry.questions[0]) <= 80 else entry.questions[0][:79] + "…"


async def test_a_number_that_is_not_a_choice_gets_a_polite_reply(chat):
    await chat.say("/start")
    await chat.say("9")
    assert "số 9" in chat.text and "menu chính" in chat.text
    assert chat.labels == MAIN_MENU


async def test_a_question_nobody_answered_is_declined_logged_and_offered_to_officers(chat, runtime):
    await chat.say("xã có cho hộ nghèo mượn máy cày để làm ruộng không")
    assert chat.faq_id is None
    assert "không đoán" in chat.text or "Có phải bạn muốn hỏi" in chat.text
    logged = (await questions(runtime))[0]
    assert logged.needs_officer and not logged.answered_by_bot and not logged.sent_by_citizen
    await chat.press("cán bộ")
    assert f"số {logged.id}" in chat.text
    logged = (await questions(runtime))[0]
    assert logged.sent_by_citizen


async def test_a_lottery_question_is_out_of_scope_said_plainly_and_still_logged(chat, runtime):
    await chat.say("kết quả xổ số miền nam hôm nay")
    assert chat.faq_id is None
    assert "chỉ trả lời câu hỏi về chính sách giảm nghèo" in chat.text
    assert "Gửi cho cán bộ" not in chat.labels
    logged = (await questions(runtime))[0]
    assert not logged.needs_officer and not logged.answered_by_bot


async def test_send_question_to_officers_then_view_answers(chat, runtime):
    await chat.say("/start")
    await chat.press("Gửi câu hỏi cho cán bộ")
    assert "viết câu hỏi" in chat.text
    await chat.say("ok")  # too short to be a question
    assert "hơi ngắn" in chat.text
    await chat.say(
        "Nhà tôi có 5 người, ông bà già yếu, xin hỏi có được xét cận nghèo năm nay không?"
    )
    logged = (await questions(runtime))[-1]
    assert logged.sent_by_citizen and logged.needs_officer
    assert f"số {logged.id}" in chat.text
    await chat.press("Xem câu trả lời")
    assert "Đang chờ cán bộ trả lời" in chat.text
    assert "ông bà già yếu" in chat.text
    # Once an officer has answered (issue #4 adds the dashboard), the citizen reads it here.
    async with make_session_factory(runtime.engine)() as session:
        q = await session.get(Question, logged.id)
        q.officer_answer = "Gia đình nộp Giấy đề nghị cho UBND xã."
        await session.commit()
    await chat.press("Menu")
    await chat.say("/traloi")
    assert "Trả lời: Gia đình nộp Giấy đề nghị cho UBND xã." in chat.text


async def test_cancel_leaves_the_officer_question_flow(chat, runtime):
    await chat.say("/guicauhoi")
    await chat.say("hủy")
    assert "Đã hủy" in chat.text
    await chat.say("chuẩn nghèo nông thôn là bao nhiêu")
    assert chat.faq_id is not None  # a normal question again, not sent to officers
    assert not (await questions(runtime))[-1].sent_by_citizen


async def test_choose_locality_by_typing_without_diacritics(chat, runtime):
    await chat.say("/diaphuong")
    await chat.say("kien hai")
    assert "Huyện Kiên Hải" in chat.text
    assert "An Giang" in chat.text  # the 2025 reorganisation note
    async with make_session_factory(runtime.engine)() as session:
        citizen = (await session.execute(select(Citizen))).scalar_one()
    assert citizen.locality_id == "kien-hai"
    await chat.press("Hỏi đáp chính sách")
    assert any("Kiên Hải" in label for label in chat.labels)


async def test_unknown_locality_is_asked_again(chat):
    await chat.say("/diaphuong")
    await chat.say("sao hoả")
    assert "chưa tìm thấy" in chat.text
    await chat.press("Long Khánh")
    assert "Thành phố Long Khánh" in chat.text


async def test_deep_link_start_sets_locality(chat, runtime):
    await chat.say("/start dak-lak")
    async with make_session_factory(runtime.engine)() as session:
        citizen = (await session.execute(select(Citizen))).scalar_one()
    assert citizen.locality_id == "dak-lak"


async def test_sticker_emoji_empty_and_greetings_get_polite_replies(chat):
    await chat.event(Kind.STICKER)
    assert "Cảm ơn" in chat.text and chat.labels == MAIN_MENU
    await chat.say("😀😀👍")
    assert "chỉ đọc được chữ" in chat.text
    await chat.say("   ")
    assert "chưa nhận được nội dung" in chat.text
    await chat.say("xin chàooo")
    assert "Chào bạn" in chat.text  # greeted already by the sticker's reply: a short greeting
    await chat.say("cam on nhiu")
    assert "Không có gì" in chat.text or "Bạn cần gì" in chat.text


async def test_a_message_the_channel_cannot_pass_on_gets_a_polite_reply_and_the_menu(chat, runtime):
    await chat.event(Kind.UNSUPPORTED)  # a poll, a story, a kind the platform added lately
    assert "chưa xem được loại tin nhắn này" in chat.text and chat.labels == MAIN_MENU
    assert await questions(runtime) == []  # nothing for officers to read


async def test_a_5000_character_message_goes_to_officers_verbatim(chat, runtime):
    long_text = ("Tôi xin trình bày hoàn cảnh gia đình. " * 140)[:5000]
    await chat.say(long_text)
    logged = (await questions(runtime))[-1]
    assert logged.text == long_text.strip()
    assert logged.needs_officer
    assert f"số {logged.id}" in chat.text


async def test_voice_note_is_kept_for_officers(chat, runtime):
    await chat.event(Kind.VOICE, media={"file_id": "abc", "duration": 7})
    assert "lưu lại cho cán bộ" in chat.text
    logged = (await questions(runtime))[-1]
    assert logged.needs_officer and "thoại" in logged.text


async def test_duplicate_event_is_handled_once(chat, runtime):
    first = await chat.event(Kind.TEXT, "bảo hiểm y tế hộ nghèo", event_id="upd-1")
    again = await chat.event(Kind.TEXT, "bảo hiểm y tế hộ nghèo", event_id="upd-1")
    assert first and again == []
    async with make_session_factory(runtime.engine)() as session:
        inbound = await session.scalar(
            select(func.count()).select_from(Message).where(Message.direction == "in")
        )
    assert inbound == 1
    assert len(await questions(runtime)) == 1


async def test_old_button_payloads_are_answered_politely(chat):
    from bot.messages import Address, Inbound

    await chat.send(Inbound(Address("console", "u1"), Kind.BUTTON, payload="faq:khong-con-ton-tai"))
    assert "đã cũ" in chat.text
    await chat.send(Inbound(Address("console", "u1"), Kind.BUTTON, payload="q:send:99999"))
    assert "đã cũ" in chat.text
    await chat.send(Inbound(Address("console", "u1"), Kind.BUTTON, payload="m:khong-co"))
    assert "đã cũ" in chat.text and chat.labels == MAIN_MENU
    for broken in ("faq:", "chk", "topic:", "q:send:x", "sub:on"):
        await chat.send(Inbound(Address("console", "u1"), Kind.BUTTON, payload=broken))
        assert "đã cũ" in chat.text and chat.labels == MAIN_MENU, broken
    await chat.send(Inbound(Address("console", "u1"), Kind.COMMAND, text="/khongco"))
    assert chat.labels == MAIN_MENU  # an unknown command: the menu


async def test_state_lives_in_the_database(chat, runtime):
    await chat.say("/guicauhoi")
    async with make_session_factory(runtime.engine)() as session:
        conv = (await session.execute(select(Conversation))).scalar_one()
    assert conv.state == "awaiting_officer_question"
    assert conv.version >= 1


async def test_xin_chao_as_first_message_greets_once(chat):
    await chat.say("/start")  # what the console and the web chat send first
    await chat.say("xin chào")
    assert "Tôi là Cầu Nối" not in chat.text and "Chào bạn" in chat.text
    assert chat.labels == MAIN_MENU


async def test_xin_chao_before_anything_else_gets_the_welcome(chat):
    await chat.say("xin chao")  # `bot.py chat --no-start`, or a Zalo citizen's first words
    assert chat.text.count("Tôi là Cầu Nối") == 1 and "được lưu lại" in chat.text
    assert chat.labels == MAIN_MENU


async def test_a_number_before_any_choice_opens_that_item_of_the_main_menu(chat):
    await chat.say("2")  # `bot.py chat --no-start`: no numbered choices shown yet
    assert "Không có lựa chọn số 2" not in chat.text
    assert "nông thôn" in chat.text  # 2 is "Kiểm tra diện hỗ trợ"
