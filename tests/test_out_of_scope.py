"""Questions about everyday subjects outside the programme (lottery, weather, shopping, other
people's salaries) are declined as out of scope, even when they share words with an entry; a
question that names such a subject is still answered by an entry that speaks of it."""

from __future__ import annotations

import pytest

from content.understanding import STAGES, Understander

WITHOUT_FOREIGN = frozenset(STAGES) - {"foreign"}


def test_a_lottery_question_is_declined_as_outside_the_programme(knowledge):
    understander = Understander(knowledge.index)
    for text in ("Xổ số miền Bắc hôm qua về con gì vậy?", "xo so mien bac hom qua ve con gi"):
        u = understander.understand(text)
        assert u.answer is None and not u.suggestions
        assert u.foreign == ("xo so",)
        assert u.outside_scope


def test_a_storm_is_told_from_how_much_by_its_accents(knowledge):
    normalizer = knowledge.index.normalizer
    assert normalizer.foreign("Cơn bão sắp vào miền Trung chưa?") == ("bão",)
    # Folded, "bao" is the programme's word of "bao nhiêu", "bảo hiểm": not a storm.
    assert normalizer.foreign("Hộ nghèo được vay bao nhiêu?") == ()
    assert normalizer.foreign("bao hiem y te ho ngheo") == ()


def test_a_car_loan_at_a_commercial_bank_is_not_answered_with_the_poor_households_loan(
    knowledge,
):
    understander = Understander(knowledge.index)
    text = "Mua xe ô tô trả góp ở ngân hàng thương mại thì lãi suất vay bao nhiêu?"
    without = understander.understand(text, stages=WITHOUT_FOREIGN)
    u = understander.understand(text)
    assert u.answer is None
    assert {"o to", "tra gop", "ngan hang thuong mai"} <= set(u.foreign)
    assert u.outside_scope
    # Whatever the search alone made of it, the subject named is what declines it.
    if without.answer is not None:
        assert u.decided_by == "foreign"


def test_a_storm_in_the_story_does_not_decline_the_question_asked_after_it(knowledge):
    understander = Understander(knowledge.index)
    text = (
        "Dạ thưa cán bộ, tháng trước bão làm sập chuồng, chết hết mấy con heo, nhà con giờ "
        "túng lắm. Con muốn hỏi hộ nghèo được vay vốn ngân hàng chính sách tối đa bao nhiêu?"
    )
    u = understander.understand(text)
    assert u.foreign == ()
    assert u.answer is not None and u.answer.entry_id.startswith("vay-von")


def test_a_subject_outside_the_programme_is_answered_by_the_entry_that_speaks_of_it(knowledge):
    understander = Understander(knowledge.index)
    text = "Kế hoạch truyền thông của Đắk Lắk có tuyên truyền cho công chức không?"
    u = understander.understand(text)
    assert u.answer is not None
    entry = knowledge.content.entries[u.answer.entry_id]
    assert "công chức" in entry.answer
    assert not u.outside_scope


def test_an_everyday_question_sharing_words_with_the_programme_is_declined(knowledge):
    understander = Understander(knowledge.index)
    # "lương" and "bao nhiêu" are the programme's words too; a teacher's pay is not.
    u = understander.understand("Giáo viên mầm non năm sau được tăng lương bao nhiêu?")
    assert u.answer is None
    assert "giao vien" in u.foreign and u.outside_scope


# Everyday matters a villager might ask the commune about that the programme does not cover:
# civil status papers, military service, bank cards, utility bills, taxes, traffic fines,
# health advice. Each is declined plainly, accented or typed the chat way.
EVERYDAY_MATTERS = [
    ("Làm giấy khai sinh cho con mới đẻ thì cần mang giấy tờ gì?", "khai sinh"),
    ("con e nam nay 18t co phai di nvqs ko ad", "nvqs"),
    ("Thẻ ATM bị nuốt ở cây rút tiền thì làm sao lấy lại?", "atm"),
    ("Tháng này tiền nước nhà tôi sao cao thế, hỏi ở đâu?", "tien nuoc"),
    ("Mấy hôm nay bị cảm cúm, nên uống thuốc gì cho mau khỏi?", "uong thuoc gi"),
    ("nop thue thu nhap ca nhan o dau vay", "thue thu nhap ca nhan"),
    ("Xe máy bị phạt nguội thì tra cứu ở đâu?", "phat nguoi"),
    ("Giá hồ tiêu hôm nay ở Đắk Lắk bao nhiêu một ký?", "giá hồ tiêu"),
    # The search alone answers both, with the health card and the household certificate.
    ("mua bao hiem nhan tho o dau uy tin", "bao hiem nhan tho"),
    ("Lý lịch tư pháp xin ở đâu, mất mấy ngày?", "ly lich tu phap"),
]


@pytest.mark.parametrize(("text", "subject"), EVERYDAY_MATTERS)
def test_an_everyday_matter_of_the_commune_is_declined_as_outside_the_programme(
    knowledge, text, subject
):
    u = Understander(knowledge.index).understand(text)
    assert u.answer is None and not u.suggestions
    assert subject in u.foreign
    assert u.outside_scope


async def test_asked_for_a_birth_certificate_the_bot_says_plainly_what_it_answers(chat):
    await chat.say("Làm giấy khai sinh cho con mới đẻ thì cần mang giấy tờ gì?")
    assert chat.faq_id is None
    assert "chỉ trả lời câu hỏi về chính sách giảm nghèo" in chat.text
    assert "Gửi cho cán bộ" not in chat.labels
    await chat.say("the atm bi khoa thi lam the nao ad")
    assert chat.faq_id is None
    assert "chỉ trả lời câu hỏi về chính sách giảm nghèo" in chat.text


async def test_the_electricity_support_of_the_poor_is_still_answered_after_a_declined_bill(
    chat,
):
    # A water bill is not the programme's; the poor household's electricity support is.
    await chat.say("Tháng này tiền nước nhà tôi sao cao thế, hỏi ở đâu?")
    assert chat.faq_id is None
    await chat.say("Hộ nghèo được hỗ trợ tiền điện mỗi tháng bao nhiêu?")
    assert chat.faq_id == "tien-dien-muc-ho-tro"


def test_words_of_the_programme_that_look_like_an_everyday_subject_are_not_one(knowledge):
    normalizer = knowledge.index.normalizer
    # "đánh giá tiêu chí" holds "giá tiêu" (pepper's price), "chồng mất" folds as "chóng
    # mặt" (dizzy), "giảm cận nghèo" as "giảm cân", "tại ấp" as "tải app".
    for text in (
        "Xã đánh giá tiêu chí hộ nghèo như thế nào?",
        "Cán bộ đánh giá điều kiện nhà ở ra sao?",
        "chong mat som, nha toi co duoc xet ho ngheo khong",
        "Tỉnh đặt chỉ tiêu giảm cận nghèo bao nhiêu?",
        "giam can ngheo moi nam bao nhieu",
        "Cán bộ giảm nghèo tại ấp 3 là ai?",
        "hộ nghèo thuộc năm nào thì được hỗ trợ",
        "Thẻ BHYT hộ nghèo làm ở xã hay ở bảo hiểm xã hội?",
        "Vay vốn hộ nghèo có cần mang căn cước không?",
        "Người già không có lương hưu có được trợ cấp hằng tháng không?",
    ):
        assert normalizer.foreign(text) == (), text
