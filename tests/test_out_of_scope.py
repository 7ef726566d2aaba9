"""Questions about everyday subjects outside the programme (lottery, weather, shopping, other
people's salaries) are declined as out of scope, even when they share words with an entry; a
question that names such a subject is still answered by an entry that speaks of it."""

from __future__ import annotations

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
