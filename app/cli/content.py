"""Content commands: check, stats and audit."""

from __future__ import annotations

import argparse
import json
import sys

from app.cli.common import load_knowledge_or_exit
from app.settings import Settings


def cmd_content_check(args: argparse.Namespace, settings: Settings) -> int:
    knowledge = load_knowledge_or_exit(settings)
    content = knowledge.content
    print(
        f"Content OK: {len(content.entries)} FAQ entries, {len(content.sources)} sources, "
        f"{len(content.topics)} topics, {len(content.localities)} localities."
    )
    return 0


def cmd_content_stats(args: argparse.Namespace, settings: Settings) -> int:
    from collections import Counter

    content = load_knowledge_or_exit(settings).content
    topics = Counter(e.topic for e in content.entries.values())
    places = Counter(loc for e in content.entries.values() for loc in e.localities)
    for topic_id, topic in content.topics.items():
        print(f"{topics.get(topic_id, 0):4d}  {topic_id}  ({topic.title})")
    print()
    for loc_id, count in places.most_common():
        print(f"{count:4d}  {loc_id}")
    return 0


def cmd_content_audit(args: argparse.Namespace, settings: Settings) -> int:
    import datetime as dt

    from content.audit import audit_content, count_findings

    vietnam = dt.timezone(dt.timedelta(hours=7))
    day = dt.date.fromisoformat(args.date) if args.date else dt.datetime.now(vietnam).date()
    findings = audit_content(load_knowledge_or_exit(settings).content, day)
    for finding in findings:
        print(json.dumps(finding.as_json(), ensure_ascii=False) if args.json else finding.line())
    counts = ", ".join(f"{n} {kind}" for kind, n in count_findings(findings).items())
    print(f"content audit {day.isoformat()}: {counts}", file=sys.stderr)
    return 0
