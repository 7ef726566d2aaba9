"""The command line as operators use it: help, ask (one and many, JSON), db upgrade, chat piped,
and the question log surviving a restart of the process."""

from __future__ import annotations

import json

from tests.conftest import run_cli

# The documented fields, and "household_choice" (the household kinds to ask about, if any).
ASK_FIELDS = {"question", "answer", "faq_id", "score", "sources", "suggestions", "household_choice"}


def test_help_lists_every_command():
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("chat", "ask", "content", "db", "questions"):
        assert command in result.stdout


def test_ask_json_answers_with_sources():
    result = run_cli("ask", "chuan ngheo o nong thon la bao nhieu tien", "--json")
    assert result.returncode == 0, result.stderr
    row = json.loads(result.stdout)
    assert set(row) == ASK_FIELDS
    assert row["faq_id"] is not None
    assert row["sources"] and all("citation" in s for s in row["sources"])
    assert "Nguồn:" in row["answer"]
    assert 0 < row["score"] <= 1.5


def test_ask_reads_one_question_per_line_from_stdin():
    lines = "hộ nghèo có được cấp thẻ bảo hiểm y tế không\n\ngiá vàng hôm nay bao nhiêu\n"
    result = run_cli("ask", "-", "--json", stdin=lines)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["question"] for r in rows] == [
        "hộ nghèo có được cấp thẻ bảo hiểm y tế không",
        "giá vàng hôm nay bao nhiêu",
    ]
    assert rows[0]["faq_id"] is not None
    assert rows[1]["faq_id"] is None and rows[1]["sources"] == []


def test_db_upgrade_creates_the_database(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'sub' / 'x.db'}"
    result = run_cli("db", "upgrade", env={"DATABASE_URL": url})
    assert result.returncode == 0, result.stderr
    from alembic.script import ScriptDirectory

    from db.migrate import alembic_config

    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    assert f"revision {head}" in result.stdout
    assert (tmp_path / "sub" / "x.db").exists()


def test_piped_chat_and_question_log_survive_a_restart(tmp_path):
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}"}
    first = run_cli(
        "chat",
        "--json",
        "--user",
        "ba-lan",
        stdin="4\nNhà tôi bị sập mái sau bão, xin hỏi có được hỗ trợ sửa nhà không?\n",
        env=env,
    )
    assert first.returncode == 0, first.stderr
    replies = [json.loads(line) for line in first.stdout.splitlines()]
    assert replies[0]["text"].startswith("Xin chào")
    assert "viết câu hỏi" in replies[-2]["text"]
    assert "Đã gửi câu hỏi số" in replies[-1]["text"]

    # A new process: the question is still there, marked for officers.
    listed = run_cli("questions", "list", "--json", "--officer", env=env)
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert len(rows) == 1
    assert rows[0]["user"] == "ba-lan" and "sập mái" in rows[0]["text"]
    assert rows[0]["needs_officer"] is True

    # Conversation state survives too: start sending a question, restart, then write it.
    run_cli("chat", "--json", "--user", "ba-lan", "--no-start", stdin="/guicauhoi\n", env=env)
    second = run_cli(
        "chat",
        "--json",
        "--user",
        "ba-lan",
        "--no-start",
        stdin="Xin cho biết khi nào xã họp rà soát hộ nghèo năm nay?\n",
        env=env,
    )
    assert "Đã gửi câu hỏi số" in json.loads(second.stdout.splitlines()[-1])["text"]
    listed = run_cli("questions", "list", "--json", "--officer", env=env)
    assert len(listed.stdout.splitlines()) == 2


def test_chat_without_content_fails_clearly(tmp_path):
    result = run_cli("chat", env={"CONTENT_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert "topics.yaml: file is missing" in result.stderr
