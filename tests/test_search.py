"""Search quality: the development set, and the behaviours a citizen relies on."""

from __future__ import annotations

import pytest

from tests.devset import evaluate, load_devset


@pytest.fixture(scope="module")
def devset():
    return load_devset()


def test_devset_is_large_and_points_at_real_entries(devset, knowledge):
    assert len(devset) >= 300
    assert sum(q.expect is None for q in devset) >= 50
    wanted = [
        e
        for q in devset
        if q.expect
        for e in (q.expect if isinstance(q.expect, list) else [q.expect])
    ]
    unknown = {e for e in wanted if e not in knowledge.content.entries}
    assert not unknown


def test_devset_accuracy(devset, knowledge):
    report = evaluate(knowledge.index, devset)
    print(report.summary())
    print("\n".join(report.misses[:400]))
    assert report.top1_accuracy >= 0.90, report.summary()
    assert report.decline_rate >= 0.85, report.summary()
    # A confident wrong answer is worse than a suggestion: keep them rare.
    assert report.wrong_rate <= 0.05, report.summary()


def test_skipping_hopeless_candidates_changes_no_decision(devset, knowledge):
    """Candidates that cannot reach the first places are not fuzzy-scored. Asking for as many
    suggestions as there are candidates scores them all: the answer, the suggestions and the
    first three candidates (entry, score, closest question) must be the same either way."""
    index = knowledge.index
    from content.search import _CANDIDATES

    scored = every = 0
    for q in devset:
        quick = index.search(q.text, locality=q.locality)
        full = index.search(q.text, locality=q.locality, limit=_CANDIDATES)
        assert quick.answer == full.answer, q.text
        assert quick.candidates[:3] == full.candidates[:3], q.text
        assert quick.suggestions == tuple(m for m in full.suggestions if m in full.candidates[:3])
        scored += len(quick.candidates)
        every += len(full.candidates)
    assert scored < 0.8 * every  # most queries leave some candidates unscored


@pytest.mark.parametrize(
    "text",
    [
        "ho can ngheo co dc vay von ko",
        "hộ cân nghèo có được vay vốn không",
        "Hộ cận nghèo có được vay vốn không?",
        "hộ cận nghèo có đc vay vốn k ạ",
    ],
)
def test_accented_unaccented_and_typo_forms_reach_the_same_entry(knowledge, text):
    reference = knowledge.index.search("Hộ cận nghèo có được vay vốn ưu đãi không?").best.entry_id
    assert knowledge.index.search(text).best.entry_id == reference


@pytest.mark.parametrize(
    "text",
    [
        "giá vàng hôm nay",
        "đội tuyển Việt Nam đá mấy giờ",
        "cách nấu canh chua cá lóc",
        "asdfgh qwerty",
    ],
)
def test_out_of_scope_is_declined_not_guessed(knowledge, text):
    result = knowledge.index.search(text)
    assert result.answer is None


def test_a_vague_question_offers_choices_instead_of_guessing(knowledge):
    result = knowledge.index.search("hỗ trợ")
    assert result.answer is None
    assert result.suggestions, "a vague question gets choices"
    assert len(result.suggestions) <= 3
    for match in result.suggestions:  # each choice is about support ("hỗ trợ")
        assert "hỗ trợ" in knowledge.content.entries[match.entry_id].questions[0].lower()


def test_empty_and_stopword_only_queries_find_nothing(knowledge):
    for text in ("", "   ", "có không ạ", "???"):
        result = knowledge.index.search(text)
        assert result.answer is None and result.suggestions == ()
