"""`content audit` lists expired entries, replaced sources, unknown figures and stale contacts."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from content import CONTENT_DIR
from content.audit import (
    UNKNOWN_PHRASES,
    audit_content,
    find_expired,
    find_replaced_citations,
    find_stale_contacts,
    find_stale_entries,
    find_unknown_figures,
)
from content.loader import Content, ContentError, load_content
from tests.conftest import run_cli

AUDIT_DAY = "2026-12-07"


def entry(entry_id: str, **changes: object) -> dict:
    return {
        "id": entry_id,
        "topic": "chuan_ngheo",
        "questions": [f"{entry_id} một?", f"{entry_id} hai?", f"{entry_id} ba?"],
        "answer": "Câu trả lời ngắn.",
        "sources": ["nd-07-2021"],
        "localities": ["toan-quoc"],
        "valid_from": "2022-01-01",
        "valid_to": None,
        **changes,
    }


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    """The real content plus test entries and a contact checked on 23/11/2026."""
    root = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, root, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    entries = [
        entry("zz-cu-bhyt", sources=["nd-07-2021", "nd-146-2018"]),
        entry("zz-het-han", valid_to="2026-12-06"),
        entry("zz-con-han", valid_to="2026-12-07"),
        entry("zz-chua-ro", note="Mức hỗ trợ mới Chúng Tôi Chưa Kiểm Được."),
        entry("zz-chua-doi-chieu", note="Theo báo chí, chưa đối chiếu văn bản gốc."),
    ]
    (root / "faq" / "zz_test.yaml").write_text(
        yaml.safe_dump({"entries": entries}, allow_unicode=True), encoding="utf-8"
    )
    contact = {
        "id": "zz-lien-he",
        "kind": "other",
        "name": "Văn phòng thử nghiệm",
        "localities": ["toan-quoc"],
        "source_url": "https://example.org",
        "checked": "2026-11-23",
    }
    (root / "contacts" / "zz_test.yaml").write_text(
        yaml.safe_dump({"contacts": [contact]}, allow_unicode=True), encoding="utf-8"
    )
    return root


def audit_lines(root: Path, day: str) -> list[str]:
    result = run_cli("content", "audit", "--date", day, env={"CONTENT_DIR": str(root)})
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_real_content_cites_no_replaced_source(knowledge):
    assert find_replaced_citations(knowledge.content) == []


def test_replaced_sources_name_their_successors(knowledge):
    sources = knowledge.content.sources
    assert sources["nd-146-2018"].replaced_by == "nd-188-2025"
    assert sources["nd-81-2021"].replaced_by == "nd-238-2025"
    assert sources["mien-hoc-phi-2025"].replaced_by == "nd-238-2025"
    assert sources["nd-188-2025"].replaced_by is None


def test_cli_audit_of_real_content_on_7_12_2026_lists_no_replaced_source(knowledge):
    result = run_cli("content", "audit", "--date", AUDIT_DAY)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines and not any(line.startswith("replaced source:") for line in lines)
    assert "0 replaced_source" in result.stderr
    expired = [line for line in lines if line.startswith("expired: ")]
    assert all(re.fullmatch(r"expired: [a-z0-9_-]+ \(đến \d\d/\d\d/\d{4}\)", x) for x in expired)
    assert len(expired) == len(find_expired(knowledge.content, dt.date(2026, 12, 7)))


def test_cli_audit_lists_each_kind_one_line_each(content_copy):
    lines = audit_lines(content_copy, AUDIT_DAY)
    assert "replaced source: zz-cu-bhyt (nd-146-2018 đã được thay bằng nd-188-2025)" in lines
    assert "expired: zz-het-han (đến 06/12/2026)" in lines
    assert not any("zz-con-han" in line for line in lines)  # valid through the day itself
    assert "unknown figure: zz-chua-ro (note: chưa kiểm được)" in lines
    assert not any("zz-chua-doi-chieu" in line for line in lines)  # a figure, not checked
    assert not any("zz-lien-he" in line for line in lines)  # checked 14 days ago


def test_cli_audit_flags_a_contact_from_its_180th_day(content_copy):
    # 23/11/2026 + 180 days = 22/05/2027
    assert not any("zz-lien-he" in line for line in audit_lines(content_copy, "2027-05-21"))
    assert "stale contact: zz-lien-he (kiểm lần cuối 23/11/2026, 180 ngày trước)" in (
        audit_lines(content_copy, "2027-05-22")
    )


def test_cli_audit_json_is_one_object_per_finding(content_copy):
    env = {"CONTENT_DIR": str(content_copy)}
    text = run_cli("content", "audit", "--date", "2027-06-01", env=env)
    as_json = run_cli("content", "audit", "--date", "2027-06-01", "--json", env=env)
    assert as_json.returncode == 0, as_json.stderr
    rows = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert len(rows) == len(text.stdout.splitlines())
    by_id = {(r["kind"], r["id"]): r for r in rows}
    assert by_id[("replaced_source", "zz-cu-bhyt")] == {
        "kind": "replaced_source",
        "id": "zz-cu-bhyt",
        "file": "content/faq/zz_test.yaml",
        "why": "nd-146-2018 đã được thay bằng nd-188-2025",
        "source": "nd-146-2018",
        "replaced_by": "nd-188-2025",
    }
    assert by_id[("expired", "zz-con-han")]["valid_to"] == "2026-12-07"
    assert by_id[("unknown_figure", "zz-chua-ro")]["fields"] == {"note": ["chưa kiểm được"]}
    assert by_id[("stale_contact", "zz-lien-he")]["days"] == 190


def test_a_replaced_by_naming_no_source_fails_content_check(content_copy):
    (content_copy / "sources" / "zz_test.yaml").write_text(
        yaml.safe_dump(
            {
                "sources": [
                    {
                        "id": "zz-cu",
                        "label": "Văn bản cũ",
                        "issuer": "Chính phủ",
                        "date": None,
                        "title": "Văn bản cũ",
                        "replaced_by": "zz-khong-co",
                    }
                ]
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    with pytest.raises(ContentError) as caught:
        load_content(content_copy)
    assert any(
        p.file == "content/sources/zz_test.yaml"
        and "replaced_by" in p.where
        and "unknown source 'zz-khong-co'" in p.message
        for p in caught.value.problems
    )
    result = run_cli("content", "check", env={"CONTENT_DIR": str(content_copy)})
    assert result.returncode == 2
    assert "unknown source 'zz-khong-co'" in result.stderr


def test_functions_agree_with_the_rule_on_real_content(knowledge):
    content: Content = knowledge.content
    day = dt.date(2026, 12, 7)
    expired = {f.id for f in find_expired(content, day)}
    assert expired == {
        e.id for e in content.entries.values() if e.valid_to is not None and e.valid_to < day
    }
    unknown = {f.id for f in find_unknown_figures(content)}
    assert "bhyt-ho-can-ngheo" in unknown  # "… chúng tôi chưa kiểm được"
    # the benefit levels by card code state the sourced figures (100%, 95%, 80%)
    assert "bhyt-muc-huong-ma-the-theo-doi-tuong" not in unknown
    for entry_id in unknown:
        e = content.entries[entry_id]
        text = " ".join(t for t in (e.answer, e.details, e.note) if t).casefold()
        assert any(phrase in text for phrase in UNKNOWN_PHRASES)
    assert len(audit_content(content, day)) == len(expired) + len(unknown)


def test_a_contact_without_a_checked_date_is_reported_as_never_checked(knowledge):
    contact = SimpleNamespace(id="khong-ngay", checked=None)
    content = SimpleNamespace(contacts={"khong-ngay": contact})
    (finding,) = find_stale_contacts(content, dt.date(2026, 12, 7))  # type: ignore[arg-type]
    assert finding.line() == "stale contact: khong-ngay (chưa kiểm lần nào)"


# ------------------------------------------------------------------ checked dates (#18)

STALE_TEXT = "Thông tin này được kiểm tra lần cuối ngày 07/12/2025, có thể đã thay đổi"


@pytest.fixture
def checked_copy(content_copy: Path) -> Path:
    """content_copy plus a file checked on 07/12/2025, one of whose entries was checked later."""
    text = yaml.safe_dump(
        {
            "entries": [
                entry("zz-kiem-theo-tep", note="Mức này theo năm 2025."),
                entry("zz-kiem-rieng", checked="2026-06-01"),
                entry("zz-kiem-het-han", valid_to="2026-01-31", note="Đã có văn bản mới."),
            ]
        },
        allow_unicode=True,
    )
    (content_copy / "faq" / "zz_checked.yaml").write_text(
        "checked: 2025-12-07  # verified then\n" + text, encoding="utf-8"
    )
    return content_copy


def test_every_real_entry_carries_its_files_checked_date(knowledge):
    entries = knowledge.content.entries.values()
    assert entries and {e.checked for e in entries} == {dt.date(2026, 12, 7)}


def test_a_file_checked_date_applies_unless_the_entry_has_its_own(checked_copy):
    content = load_content(checked_copy)
    assert content.entries["zz-kiem-theo-tep"].checked == dt.date(2025, 12, 7)
    assert content.entries["zz-kiem-het-han"].checked == dt.date(2025, 12, 7)
    assert content.entries["zz-kiem-rieng"].checked == dt.date(2026, 6, 1)
    assert content.entries["zz-het-han"].checked is None  # its file has no checked date


def test_a_checked_that_is_not_a_date_names_the_file_and_field(checked_copy):
    path = checked_copy / "faq" / "zz_checked.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("2025-12-07", "hôm qua", 1))
    with pytest.raises(ContentError) as caught:
        load_content(checked_copy)
    assert any(
        p.file == "content/faq/zz_checked.yaml" and p.where == "checked"
        for p in caught.value.problems
    )


def test_an_answer_says_when_it_was_checked_from_the_366th_day(checked_copy):
    content = load_content(checked_copy)
    kept = content.entries["zz-kiem-theo-tep"]
    on_365th = content.render_answer(kept, dt.date(2026, 12, 7))
    assert STALE_TEXT not in on_365th and "Lưu ý: Mức này theo năm 2025." in on_365th
    assert not content.has_details(kept, dt.date(2026, 12, 7))
    on_366th = content.render_answer(kept, dt.date(2026, 12, 8))
    assert STALE_TEXT in on_366th and "Lưu ý:" not in on_366th  # one caveat at most
    details = content.render_details(kept, dt.date(2026, 12, 8))
    assert STALE_TEXT in details and "Lưu ý: Mức này theo năm 2025." in details
    assert content.has_details(kept, dt.date(2026, 12, 8))
    own = content.entries["zz-kiem-rieng"]  # checked 01/06/2026
    assert "kiểm tra lần cuối" not in content.render_answer(own, dt.date(2026, 12, 8))


def test_an_expired_answer_keeps_the_expired_note_and_details_list_every_caveat(checked_copy):
    content = load_content(checked_copy)
    old = content.entries["zz-kiem-het-han"]
    day = dt.date(2026, 12, 8)
    answer = content.render_answer(old, day)
    assert "áp dụng đến ngày 31/01/2026" in answer
    assert STALE_TEXT not in answer and "Lưu ý:" not in answer
    details = content.render_details(old, day)
    for caveat in ("áp dụng đến ngày 31/01/2026", STALE_TEXT, "Lưu ý: Đã có văn bản mới."):
        assert caveat in details


def test_cli_audit_lists_entries_checked_more_than_a_year_before(checked_copy):
    assert not any(line.startswith("stale: ") for line in audit_lines(checked_copy, AUDIT_DAY))
    lines = audit_lines(checked_copy, "2026-12-08")
    stale = [line for line in lines if line.startswith("stale: ")]
    assert sorted(stale) == [
        "stale: zz-kiem-het-han (kiểm tra lần cuối 07/12/2025)",
        "stale: zz-kiem-theo-tep (kiểm tra lần cuối 07/12/2025)",
    ]
    env = {"CONTENT_DIR": str(checked_copy)}
    result = run_cli("content", "audit", "--date", "2026-12-08", "--json", env=env)
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert {
        "kind": "stale_entry",
        "id": "zz-kiem-theo-tep",
        "file": "content/faq/zz_checked.yaml",
        "why": "kiểm tra lần cuối 07/12/2025",
        "checked": "2025-12-07",
        "days": 366,
    } in rows
    assert "2 stale_entry" in result.stderr


def test_real_content_turns_stale_a_year_and_a_day_after_7_12_2026(knowledge):
    content = knowledge.content
    assert find_stale_entries(content, dt.date(2027, 12, 7)) == []
    stale = find_stale_entries(content, dt.date(2027, 12, 8))
    assert {f.id for f in stale} == set(content.entries)
