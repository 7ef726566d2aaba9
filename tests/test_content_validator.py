"""The content validator rejects bad files with a message naming the file and the field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from content import CONTENT_DIR
from content.loader import ContentError, load_content
from tests.conftest import run_cli

GOOD_ENTRY = {
    "id": "thu-nghiem",
    "topic": "chuan_ngheo",
    "questions": ["Câu hỏi một?", "Câu hỏi hai?", "Câu hỏi ba?"],
    "answer": "Câu trả lời ngắn.",
    "sources": ["nd-07-2021"],
    "localities": ["toan-quoc"],
    "valid_from": "2022-01-01",
    "valid_to": None,
}


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    """A copy of the real content with one extra file to break, under tmp/content."""
    root = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, root, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return root


def write_faq(root: Path, entries: list[dict]) -> Path:
    path = root / "faq" / "zz_test.yaml"
    path.write_text(yaml.safe_dump({"entries": entries}, allow_unicode=True), encoding="utf-8")
    return path


def problems_of(root: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_content(root)
    return [str(p) for p in caught.value.problems]


def test_real_content_is_valid_and_large_enough():
    content = load_content()
    assert len(content.entries) >= 150
    for entry in content.entries.values():
        assert len(entry.questions) >= 3
        assert 0 < len(entry.answer) <= 320  # the short answer first; the rest in details
        assert entry.note is None or len(entry.note) <= 200  # one caveat at most


def test_an_answer_longer_than_a_phone_screen_is_refused(content_copy):
    write_faq(content_copy, [{**GOOD_ENTRY, "answer": "Có. " + "Bà con hỏi xã. " * 30}])
    problems = problems_of(content_copy)
    assert any("answer" in p and "at most 320" in p for p in problems)


def test_a_valid_extra_file_loads(content_copy):
    write_faq(content_copy, [GOOD_ENTRY])
    assert "thu-nghiem" in load_content(content_copy).entries


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"answer": None}, "entries[0] (id=thu-nghiem).answer", "missing field"),
        ({"answer": "   "}, "entries[0] (id=thu-nghiem).answer", "the answer is empty"),
        ({"answer": "x" * 601}, "entries[0] (id=thu-nghiem).answer", "601 characters"),
        ({"answer": "Có.\nNguồn: tự viết"}, "entries[0] (id=thu-nghiem).answer", "Nguồn"),
        ({"questions": ["Một?", "Hai?"]}, "entries[0] (id=thu-nghiem).questions", "at least 3"),
        (
            {"sources": ["khong-co-van-ban-nay"]},
            "entries[0] (id=thu-nghiem).sources",
            "unknown source 'khong-co-van-ban-nay'",
        ),
        ({"topic": "khong-co"}, "entries[0] (id=thu-nghiem).topic", "unknown topic"),
        ({"localities": ["sao-hoa"]}, "entries[0] (id=thu-nghiem).localities", "unknown locality"),
        (
            {"related": ["khong-ton-tai"]},
            "entries[0] (id=thu-nghiem).related",
            "unknown entry 'khong-ton-tai'",
        ),
        ({"valid_to": "2020-01-01"}, "entries[0] (id=thu-nghiem)", "valid_to is before valid_from"),
        ({"id": "Có Dấu"}, "entries[0] (id=Có Dấu).id", "not a valid id"),
        ({"colour": "red"}, "entries[0] (id=thu-nghiem).colour", "unknown field"),
        (
            {"keywords": [1800]},
            "entries[0] (id=thu-nghiem).keywords[0]",
            "put numbers and dates in quotes",
        ),
    ],
)
def test_bad_entry_is_rejected_naming_file_and_field(content_copy, change, field, message):
    entry = {**GOOD_ENTRY, **change}
    entry = {k: v for k, v in entry.items() if not (k == "answer" and v is None)}
    write_faq(content_copy, [entry])
    problems = problems_of(content_copy)
    assert any(
        p.startswith("content/faq/zz_test.yaml: ") and field in p and message in p for p in problems
    ), problems


def test_duplicate_id_names_both_files(content_copy):
    existing = next(iter(load_content(content_copy).entries))
    write_faq(content_copy, [{**GOOD_ENTRY, "id": existing}])
    problems = problems_of(content_copy)
    assert any("zz_test.yaml" in p and "duplicate id, also in content/faq/" in p for p in problems)


def test_duplicate_source_id_is_rejected(content_copy):
    (content_copy / "sources" / "zz.yaml").write_text(
        "sources:\n  - id: qd-90-2022\n    label: X\n    issuer: Y\n    date: null\n    title: Z\n",
        encoding="utf-8",
    )
    assert any("sources/zz.yaml" in p and "duplicate id" in p for p in problems_of(content_copy))


def test_broken_yaml_and_missing_message_are_reported(content_copy):
    (content_copy / "faq" / "zz_broken.yaml").write_text("entries: [\n  - id: x", encoding="utf-8")
    messages = yaml.safe_load((content_copy / "messages.yaml").read_text(encoding="utf-8"))
    del messages["greeting"]
    (content_copy / "messages.yaml").write_text(
        yaml.safe_dump(messages, allow_unicode=True), encoding="utf-8"
    )
    problems = problems_of(content_copy)
    assert any("zz_broken.yaml" in p and "not valid YAML" in p for p in problems)
    assert any("messages.yaml: greeting: missing field" in p for p in problems)


def test_content_check_command_fails_with_the_problem(content_copy):
    write_faq(content_copy, [{**GOOD_ENTRY, "answer": ""}])
    result = run_cli("content", "check", env={"CONTENT_DIR": str(content_copy)})
    assert result.returncode == 2
    assert (
        "content/faq/zz_test.yaml: entries[0] (id=thu-nghiem).answer: the answer is empty"
        in result.stderr
    )


def test_content_check_command_passes_on_real_content():
    result = run_cli("content", "check")
    assert result.returncode == 0, result.stderr
    assert "Content OK" in result.stdout


def test_superseded_by_must_name_a_later_entry_of_an_ended_one(content_copy):
    ended = {**GOOD_ENTRY, "id": "zz-cu", "valid_to": "2025-12-31"}
    write_faq(
        content_copy,
        [
            {**ended, "superseded_by": ["khong-co"]},
            {**GOOD_ENTRY, "id": "zz-mo", "superseded_by": ["zz-moi"]},
            {**GOOD_ENTRY, "id": "zz-moi", "valid_to": "2025-06-30"},
            {**ended, "id": "zz-cu-2", "superseded_by": ["zz-moi"]},
        ],
    )
    problems = problems_of(content_copy)
    assert any("zz-cu)" in p and "unknown entry 'khong-co'" in p for p in problems)
    assert any("zz-mo)" in p and "needs valid_to" in p for p in problems)
    assert any("zz-cu-2)" in p and "'zz-moi' ends no later than this" in p for p in problems)
