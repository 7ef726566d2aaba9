"""Legal aid (guided eligibility, papers, contacts by province) and the supports finder."""

from __future__ import annotations

from content.loader import load_content


async def test_poor_household_is_eligible_and_gets_the_centre_of_its_province(chat):
    await chat.say("/diaphuong")
    await chat.say("kien hai")
    await chat.say("/phaply")
    assert "miễn phí" in chat.text
    await chat.press("Tôi có được giúp miễn phí không?")
    assert "Câu 1/7" in chat.text
    await chat.say("có")
    assert "có thể được trợ giúp pháp lý miễn phí" in chat.text
    assert "Trung tâm Trợ giúp pháp lý nhà nước tỉnh An Giang" in chat.text
    assert "1800.1233" in chat.text
    assert "Nguồn: Luật Trợ giúp pháp lý số 11/2017/QH14" in chat.text
    payloads = [b.payload for r in chat.last for b in r.buttons]
    assert "faq:giay-to-yeu-cau-tro-giup-phap-ly" in payloads
    assert "faq:tro-giup-phap-ly-ho-ngheo" in payloads


async def test_later_group_back_and_bad_answer(chat):
    await chat.say("/phaply")
    await chat.press("Tôi có được giúp miễn phí không?")
    await chat.say("không")
    await chat.say("không")
    assert "Câu 3/7" in chat.text
    await chat.press("Quay lại")
    assert "Câu 2/7" in chat.text
    await chat.say("chắc vậy")
    assert 'trả lời "Có" hoặc "Không"' in chat.text
    await chat.say("ko")
    await chat.say("có")  # a child
    assert "Trẻ em được trợ giúp pháp lý miễn phí" in chat.text
    # without a chosen locality, the national hotline and a way to choose one
    assert "chưa chọn địa phương" in chat.text and "Chọn địa phương" in chat.labels


async def test_nobody_eligible_is_told_so_politely(chat):
    await chat.say("/phaply")
    await chat.press("Tôi có được giúp miễn phí không?")
    for _ in range(7):
        await chat.say("không")
    assert "có thể không thuộc diện" in chat.text and "1800.1233" in chat.text


def test_every_province_has_a_legal_aid_centre_and_missing_data_is_null():
    content = load_content()
    centres = [c for c in content.contacts.values() if c.kind == "legal_aid" and c.province_code]
    assert len({c.province_code for c in centres}) == 34
    for contact in content.contacts.values():
        assert contact.source or contact.source_url
        if contact.phone is not None:
            assert any(ch.isdigit() for ch in contact.phone)


async def test_supports_finder_lists_projects_for_the_family(chat):
    await chat.say("/hoidap")
    await chat.press("Hỗ trợ nào hợp với gia đình tôi?")
    assert "Câu 1/9" in chat.text
    answers = ["có", "không", "không", "có", "không", "không", "không", "có", "không"]
    for answer in answers:
        await chat.say(answer)
    assert "Dự án 3, Tiểu dự án 2" in chat.text  # children under 16: nutrition
    assert "dân tộc thiểu số" in chat.text
    assert "Dự án 5" in chat.text  # housing
    assert "Đa dạng hóa sinh kế" not in chat.text  # answered "không"
    await chat.press(chat.labels[0])
    assert chat.faq_id is not None


async def test_supports_finder_with_no_yes(chat):
    await chat.say("/hoidap")
    await chat.press("Hỗ trợ nào hợp với gia đình tôi?")
    for _ in range(9):
        await chat.say("không")
    assert "chưa tìm được hỗ trợ riêng" in chat.text


async def test_contacts_of_the_chosen_locality(chat):
    await chat.say("/lienhe")
    assert "chưa chọn địa phương" in chat.text and "1800.1233" in chat.text
    await chat.say("/diaphuong")
    await chat.say("Kiên Hải")
    await chat.press("Số điện thoại liên hệ")
    assert "Nơi liên hệ cho Huyện Kiên Hải" in chat.text
    assert "0944912713" in chat.text  # Trung tâm Y tế huyện Kiên Hải, from the plan's letter
    assert "Trung tâm Trợ giúp pháp lý nhà nước tỉnh An Giang" in chat.text
    assert "Điện thoại: chưa có số đã kiểm chứng" in chat.text  # missing stays missing


async def test_dung_without_accents_answers_yes_and_dung_with_accents_stops(chat):
    # "dung" is "đúng" (yes) as well as "dừng" (stop): in a yes/no flow it answers the question.
    await chat.say("/phaply")
    await chat.press("Tôi có được giúp miễn phí không?")
    await chat.say("dung")
    assert "có thể được trợ giúp pháp lý miễn phí" in chat.text
    await chat.say("/phaply")
    await chat.press("Tôi có được giúp miễn phí không?")
    await chat.say("đúng")
    assert "có thể được trợ giúp pháp lý miễn phí" in chat.text
    await chat.say("/phaply")
    await chat.press("Tôi có được giúp miễn phí không?")
    await chat.say("dừng")
    assert "Câu 2/7" not in chat.text and "có thể được trợ giúp" not in chat.text
    assert chat.last[0].buttons  # back at the menu
