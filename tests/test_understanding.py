"""The pieces of understanding on the real content: the reader, the second opinion, and how
the stages decide."""

from __future__ import annotations

import datetime as dt

import numpy

from content.opinion import SecondOpinion
from content.reading import Reader
from content.understanding import STAGES, Agreement, Understander


def test_the_reader_finds_the_question_after_the_story_and_who_is_asking(knowledge):
    reading = Reader(knowledge.index.normalizer).read(
        "Dạ thưa cán bộ, tui năm nay 72 tuổi, người Ê Đê, nhà tui nằm trong diện cận nghèo. "
        "Thằng con đi làm xa, tui ở với đứa cháu đang học lớp 6. Cho tui hỏi cháu tui đi học "
        "có phải đóng học phí không?"
    )
    assert reading.long
    assert reading.main_ask.startswith("Cho tui hỏi cháu tui đi học")
    assert reading.profile.groups == frozenset({"near_poor"})
    assert reading.profile.age == 72
    assert reading.profile.ethnic_minority and reading.profile.student


def test_a_short_question_is_not_read_clause_by_clause(knowledge):
    reading = Reader(knowledge.index.normalizer).read("ho ngheo vay von dc bn")
    assert not reading.long
    assert reading.asks == ("ho ngheo vay von dc bn",)


def test_the_second_opinion_scores_exactly_as_scikit_learns_tfidf_would(knowledge):
    from sklearn.feature_extraction.text import TfidfVectorizer

    normalizer = knowledge.index.normalizer
    opinion = SecondOpinion(knowledge.content, normalizer)
    texts = [
        normalizer.normalize(t).folded
        for e in knowledge.content.entries.values()
        for t in (*e.questions, *e.keywords)
    ]
    reference = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
    rows = reference.fit_transform([t for t in texts if t])
    for text in ("ho can ngheo co dc vay von ko", "hocphi truong cong mien het ha", "xin chào"):
        folded = normalizer.normalize(text).folded
        expected = (reference.transform([folded]) @ rows.T).toarray().ravel()
        assert numpy.allclose(opinion.row_similarities(folded), expected, atol=1e-5)


def test_the_second_opinion_sees_through_words_run_together(knowledge):
    opinion = SecondOpinion(knowledge.content, knowledge.index.normalizer)
    assert opinion.top("vayvon ho ngheo toi da dc bao nhieu").entry_id == "vay-von-ho-ngheo-toi-da"


def test_the_second_opinion_turns_a_teencode_question_to_the_entry_it_asks_about(knowledge):
    understander = Understander(knowledge.index)
    text = "the bhyt ho ngheo co mat tien ko"
    alone = understander.understand(text, stages=frozenset())
    full = understander.understand(text, stages=frozenset(STAGES))
    # Alone, the words of "đi khám bệnh có mất tiền không" win: the benefit levels by card code
    # (which took the retired "Chưa rõ" entry's questions). The question is about the card's cost.
    assert alone.answer is not None and alone.answer.entry_id != "bhyt-ho-ngheo"
    assert full.answer is not None and full.answer.entry_id == "bhyt-ho-ngheo"


def test_an_ended_local_plan_stays_out_of_a_general_question(knowledge):
    understander = Understander(knowledge.index)
    general = understander.understand(
        "kế hoạch truyền thông giảm nghèo năm 2023 có những hoạt động gì",
        today=dt.date(2026, 12, 7),
    )
    found = [m.entry_id for m in general.result.candidates]
    ended = [
        e
        for e in found
        if knowledge.content.entries[e].valid_to
        and knowledge.content.entries[e].valid_to < dt.date(2026, 12, 7)
        and "toan-quoc" not in knowledge.content.entries[e].localities
    ]
    assert found and not ended


def test_an_ended_local_plan_is_found_when_its_place_is_named_or_is_the_citizens(knowledge):
    understander = Understander(knowledge.index)
    named = understander.understand(
        "kế hoạch truyền thông giảm nghèo năm 2023 của Kiên Hải có những hoạt động gì",
        today=dt.date(2026, 12, 7),
    )
    assert named.answer is not None and named.answer.entry_id.startswith("kien-hai-")
    own = understander.understand(
        "kế hoạch truyền thông giảm nghèo năm 2023 có những hoạt động gì",
        locality="kien-hai",
        today=dt.date(2026, 12, 7),
    )
    assert own.best is not None and own.best.entry_id.startswith("kien-hai-")


def test_the_candidates_similarities_are_those_of_the_full_ranking(knowledge):
    opinion = SecondOpinion(knowledge.content, knowledge.index.normalizer)
    some = list(knowledge.content.entries)[::7]
    for text in ("ho can ngheo co dc vay von ko", "bhyt ho ngheo", "thời tiết ngày mai"):
        every = opinion.similarities(text)
        few = opinion.similarities_of(text, some)
        assert all(abs(few[e] - every[e]) < 1e-5 for e in some)


def test_the_second_opinion_checks_its_first_entry_without_ranking_all_and_agrees(knowledge):
    """`is_top` answers "would the character ranker put this entry first?" by scoring only
    the rows that share the question's rarest n-grams once the content is large; on every
    question here it agrees with the full ranking, exactly and through the pruned pool."""
    exact = SecondOpinion(knowledge.content, knowledge.index.normalizer)
    # As on a content of many thousand entries: only the rarest n-grams' rows are scored.
    pruned = SecondOpinion(
        knowledge.content, knowledge.index.normalizer, exact_postings=0, postings=2000
    )
    questions = [
        "ho can ngheo co dc vay von ko",
        "Tôi 70 tuổi, nhà cận nghèo, mua thẻ bảo hiểm y tế được hỗ trợ bao nhiêu?",
        "hocphi truong cong mien het ha",
        "tro giup phap ly mien phi o dau",
        "xin chào",
    ]
    ids = list(knowledge.content.entries)
    for opinion in (exact, pruned):
        for text in questions:
            first = opinion.top(text)
            others = [m.entry_id for m in knowledge.index.search(text).candidates[:3]]
            for entry_id in {first.entry_id, *others, ids[0], ids[-1]}:
                assert opinion.is_top(text, entry_id) == (entry_id == first.entry_id), (
                    text,
                    entry_id,
                )


def test_asked_when_and_where_the_entry_telling_when_and_where_comes_before_its_neighbours(
    knowledge,
):
    """Question words are stopwords for the search, so entries about the same subject rank
    close together; the kind of question asked (when, where, how much...) orders them."""
    understander = Understander(knowledge.index)
    normalizer = knowledge.index.normalizer
    text = "Hội nghị đối thoại của xã thường tổ chức lúc nào, ở chỗ nào?"
    assert normalizer.ask_kinds(text) == frozenset({"when", "where"})

    def first(u):
        return u.answer or u.suggestions[0]

    def asks(entry_id):
        entry = knowledge.content.entries[entry_id]
        return frozenset().union(*(normalizer.ask_kinds(q) for q in entry.questions))

    without = understander.understand(text, stages=frozenset(STAGES) - {"ask_kind"})
    u = understander.understand(text)
    assert not asks(first(without).entry_id) & {"when", "where"}
    assert asks(first(u).entry_id) & {"when", "where"}
    assert first(u).entry_id == "doi-thoai-chinh-sach-cap-xa-khi-nao"


def test_a_parent_writing_hp_and_c3_is_asking_about_school_fees_in_upper_secondary(knowledge):
    understander = Understander(knowledge.index)
    normalizer = knowledge.index.normalizer
    text = "nha can ngheo con hoc c3 co dc giam hp ko"
    assert "cap 3" in normalizer.normalize(text).folded
    assert "hoc phi" in normalizer.normalize(text).folded
    u = understander.understand(text)
    assert u.answer is not None
    entry = knowledge.content.entries[u.answer.entry_id]
    assert "học phí" in " ".join(entry.questions).lower()


def test_an_ended_entry_and_the_one_that_superseded_it_are_one_answer_not_rivals(knowledge):
    """Both rank first for the question; together they would be too close to answer either.
    The current one answers, the ended one a tap away, and only one of them is a candidate."""
    understander = Understander(knowledge.index)
    text = "Bà bầu muốn được tư vấn ăn uống thì hỏi ai, ở đâu?"
    searched = [m.entry_id for m in knowledge.index.search(text).candidates[:2]]
    assert set(searched) == {"dinh-duong-tu-van-tram-y-te", "dinh-duong-tu-van-o-dau"}
    u = understander.understand(text, today=dt.date(2026, 12, 7))
    assert u.answer.entry_id == "dinh-duong-tu-van-tram-y-te" and u.decided_by == "current"
    assert [m.entry_id for m in u.also_asked] == ["dinh-duong-tu-van-o-dau"]
    assert "dinh-duong-tu-van-o-dau" not in [m.entry_id for m in u.result.candidates]
    # Before the old entry's period ended, the two were distinct answers.
    earlier = understander.understand(text, today=dt.date(2025, 6, 1))
    assert "dinh-duong-tu-van-o-dau" in [m.entry_id for m in earlier.result.candidates]


def test_a_long_message_close_to_one_entry_is_answered_on_one_vote(knowledge):
    """An old man's story, then his question: the search's first entry is close and mostly
    covered, and one other ranking agrees; that is enough to answer, not to decline."""
    text = (
        "chao ad, bac 60 tuoi roi, nha can ngheo o Tuyen Quang, bac vs bac gai nuoi 2 chau, lam "
        "che va nuoi ga. bac muon vay ngan hang chinh sach de mo rong chuong ga ma ko bit nha can "
        "ngheo co dc vay ko, lai suat bn 1 nam. ad chi giup bac vs, bac cam on nhieu"
    )
    u = Understander(knowledge.index).understand(text)
    assert u.answer.entry_id == "vay-von-ho-can-ngheo" and u.decided_by == "votes"
    two_votes_only = Understander(knowledge.index, agreement=Agreement(long_one_score=1.0))
    assert two_votes_only.understand(text).answer is None
