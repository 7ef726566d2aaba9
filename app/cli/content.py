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
    """The same list as the dashboard's audit page: the configured database's contact
    corrections are merged in, so a contact an officer checked is not reported stale."""
    import asyncio
    import datetime as dt

    from content.audit import audit_content, count_findings
    from db.contacts import merged

    vietnam = dt.timezone(dt.timedelta(hours=7))
    day = dt.date.fromisoformat(args.date) if args.date else dt.datetime.now(vietnam).date()
    content = load_knowledge_or_exit(settings).content
    overrides = asyncio.run(_contact_corrections(settings))
    findings = audit_content(content, day, merged(content.contacts, overrides))
    for finding in findings:
        print(json.dumps(finding.as_json(), ensure_ascii=False) if args.json else finding.line())
    counts = ", ".join(f"{n} {kind}" for kind, n in count_findings(findings).items())
    print(f"content audit {day.isoformat()}: {counts}", file=sys.stderr)
    return 0


async def _contact_corrections(settings: Settings):  # type: ignore[no-untyped-def]
    """The officers' contact corrections in the configured database, read only: none when the
    database has not been created or migrated yet (nothing was corrected there)."""
    from pathlib import Path

    from sqlalchemy.exc import OperationalError, ProgrammingError

    from db.contacts import load_overrides
    from db.session import make_engine, make_session_factory

    url = settings.database_url
    fresh_file = ":memory:" not in url and not Path(url.split("///", 1)[-1]).exists()
    if url.startswith("sqlite") and fresh_file:
        return {}
    engine = make_engine(url, lock_timeout=settings.db_lock_timeout)
    try:
        async with make_session_factory(engine)() as session:
            return await load_overrides(session)
    except (OperationalError, ProgrammingError) as exc:  # no contact table yet
        print(f"(chưa đọc được chỉnh sửa liên hệ trong cơ sở dữ liệu: {exc.orig})", file=sys.stderr)
        return {}
    finally:
        await engine.dispose()
