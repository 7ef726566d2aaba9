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
    assert "bhyt-di-kham-duoc-tra-bao-nhieu" in unknown  # "Chưa rõ. … chưa có số liệu"
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
