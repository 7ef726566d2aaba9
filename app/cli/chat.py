"""Commands for talking to the bot: chat, ask and check-household."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from app.cli.common import load_knowledge_or_exit
from app.settings import Settings


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    from app.channels import build_registry
    from app.runtime import start_runtime
    from channels.console import ConsoleChannel

    knowledge = load_knowledge_or_exit(settings)

    async def run() -> None:
        registry = build_registry(settings, only=("console",))
        runtime = await start_runtime(settings, knowledge, registry)
        console = registry.get("console")
        assert isinstance(console, ConsoleChannel)
        try:
            await registry.start(runtime.hub())
            await console.run(user_id=args.user, as_json=args.json, start=not args.no_start)
        finally:
            await registry.stop()
            await runtime.close()

    asyncio.run(run())
    return 0


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from content.answers import ask_result

    knowledge = load_knowledge_or_exit(settings)
    questions = sys.stdin if args.question == "-" else [args.question]
    for raw in questions:
        question = raw.rstrip("\n")
        if args.question == "-" and not question.strip():
            continue
        result = ask_result(knowledge.content, knowledge.index, question, args.locality)
        if args.json:
            print(json.dumps(result, ensure_ascii=False), flush=True)
        else:
            print(result["answer"])
            for s in result["suggestions"]:
                print(f"  - {s['question']}  [{s['faq_id']}]")
            print()
    return 0


def cmd_check_household(args: argparse.Namespace, settings: Settings) -> int:
    import datetime as dt
    from pathlib import Path

    from content.eligibility import CheckError, check_household

    content = load_knowledge_or_exit(settings).content
    today = dt.date.fromisoformat(args.date) if args.date else None
    text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
    stripped = text.strip()
    try:  # one JSON document (possibly spread over lines) …
        records: list[tuple[int, object]] = [(1, json.loads(stripped))] if stripped else []
    except json.JSONDecodeError:  # … or JSON lines, one household each
        records = []
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    records.append((number, json.loads(line)))
                except json.JSONDecodeError as exc:
                    records.append((number, exc))
    if not records:
        print("check-household: no household given", file=sys.stderr)
        return 2
    failures = 0
    for number, record in records:
        try:
            if isinstance(record, json.JSONDecodeError):
                raise CheckError("", f"not valid JSON ({record.msg})")
            result = check_household(content.standards, record, today).as_json()
        except CheckError as exc:
            failures += 1
            print(f"check-household: line {number}: {exc}", file=sys.stderr)
            result = {"line": number, "error": str(exc), "field": exc.field}
        print(json.dumps(result, ensure_ascii=False), flush=True)
    return 1 if failures else 0
