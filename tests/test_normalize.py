"""The Vietnamese normaliser: folding, teencode, repeated letters, Telex leftovers, synonyms."""

import pytest

from content.normalize import Normalizer, clean_display, fold, is_symbols_only, untelex


@pytest.fixture(scope="module")
def norm(knowledge) -> Normalizer:
    return knowledge.index.normalizer


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Hộ cận nghèo Đắk Lắk", "ho can ngheo dak lak"),
        ("ĐƯỢC", "duoc"),
        ("Nghị định 07/2021/NĐ-CP", "nghi dinh 07/2021/nd-cp"),
        # decomposed input (as some phone keyboards send it) folds the same as composed
        ("Ho\u0302\u0323 nghe\u0300o", "ho ngheo"),
    ],
)
def test_fold_removes_diacritics_and_d_bar(text, folded):
    assert fold(text) == folded


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("ho can ngheo co dc vay von ko", "ho can ngheo co duoc vay von khong"),
        ("Hộ cận nghèo có được vay vốn không?", "ho can ngheo co duoc vay von khong"),
        ("hộ cận nghèo có đc vay vốn k", "ho can ngheo co duoc vay von khong"),
        ("hok bik lam j", "khong biet lam gi"),
        ("BHYT cho hộ nghèo", "bao hiem y te cho ho ngheo"),
        ("nhcsxh cho vay bn", "ngan hang chinh sach xa hoi cho vay bao nhieu"),
        ("xin tgpl o dau", "xin tro giup phap ly o dau"),
        ("đi xklđ có được vay không", "di xuat khau lao dong co duoc vay khong"),
        ("khônggggg đượccc", "khong duoc"),
        ("thu nhập 3tr/tháng", "thu nhap 3 trieu thang"),
        ("1.500.000đ", "1 500 000 dong"),
        ("UBND xã", "uy ban nhan dan xa"),
        ("vay tiền làm ăn", "vay tien lam an"),
        ("5k", "5 nghin"),
        ("sao vậy ạ", "sao"),
        ("xoong nồi", "xoong noi"),
    ],
)
def test_normalize_expands_chat_writing(norm, typed, expected):
    assert norm.normalize(typed).plain == expected


def test_accented_and_unaccented_questions_normalise_identically(norm):
    a = norm.normalize("Tôi muốn hỏi chuẩn nghèo ở nông thôn là bao nhiêu?")
    b = norm.normalize("toi muon hoi chuan ngheo o nong thon la bao nhieu")
    assert a.tokens == b.tokens


def test_display_form_is_nfc_and_clean(norm):
    shown = norm.normalize("  Ho\u0302\u0323   nghèo\x00 ").display
    assert shown == "Hộ nghèo"
    assert clean_display("a\t\tb\x07") == "a b"


@pytest.mark.parametrize(
    ("typed", "plain"),
    [("hooj", "ho"), ("ngheof", "ngheo"), ("nghe2o", "ngheo"), ("dduowcj", "duoc")],
)
def test_untelex_recovers_unconverted_keyboard_input(typed, plain):
    assert untelex(typed) == plain


@pytest.mark.parametrize(
    ("text", "symbols"),
    [("😀😀", True), ("???", True), ("ok 😀", False), ("", False), ("12", False)],
)
def test_symbols_only(text, symbols):
    assert is_symbols_only(text) is symbols


def test_search_tokens_apply_synonyms_and_compounds(norm):
    assert norm.normalize("xklđ").folded == "di lam viec o nuoc ngoai"
    assert norm.normalize("vay tiền hộ cận nghèo").folded == "vay von ho canngheo"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("da6 la j", "du an 6 la gi"),
        ("DA 3 TDA2", "du an 3 tieu du an 2"),
        ("tôi đã 6 lần hỏi", "toi da 6 lan hoi"),  # "đã" is not a project
    ],
)
def test_project_abbreviations(norm, typed, expected):
    assert norm.normalize(typed).plain == expected


def test_nha_typed_without_accents_is_the_house_not_a_particle_dropped(knowledge):
    tokens = knowledge.index.normalizer.normalize(
        "nha nuoc co ho tro lam nha cho ho ngheo ko"
    ).tokens
    assert tokens.count("nha") >= 1  # "nhà nước", "làm nhà": kept for the search
