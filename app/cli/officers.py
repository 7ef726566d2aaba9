"""Officer accounts, the question log and exports from the command line."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from app.cli.common import load_knowledge_or_exit, with_session
from app.settings import Settings


def cmd_officer_add(args: argparse.Namespace, settings: Settings) -> int:
    from db.officers import OfficerError, audit, create_officer, generate_password

    password = None if sys.stdin.isatty() else sys.stdin.readline().strip()
    generated = not password
    password = password or generate_password()

    async def work(session):  # type: ignore[no-untyped-def]
        officer = await create_officer(session, args.username, args.role, password, args.locality)
        await audit(
            session,
            None,
            "officer_add",
            officer.username,
            {"role": officer.role, "locality": officer.locality_id},
        )
        return officer

    try:
        officer = asyncio.run(with_session(settings, work))
    except OfficerError as exc:
        print(f"officer add: {exc}", file=sys.stderr)
        return 2
    print(
        f"Officer '{officer.username}' created ({officer.role}, "
        f"locality: {officer.locality_id or 'all'})."
    )
    if generated:
        print(f"Password (shown once): {password}")
    return 0


def cmd_officer_list(args: argparse.Namespace, settings: Settings) -> int:
    from sqlalchemy import select

    from db.office import Officer

    async def work(session):  # type: ignore[no-untyped-def]
        return list((await session.execute(select(Officer).order_by(Officer.username))).scalars())

    for o in asyncio.run(with_session(settings, work)):
        state = "disabled" if o.disabled else "active"
        print(f"{o.username}\t{o.role}\t{o.locality_id or 'all'}\t{state}")
    return 0


def cmd_officer_disable(args: argparse.Namespace, settings: Settings) -> int:
    from sqlalchemy import select

    from db.office import Officer
    from db.officers import audit

    async def work(session):  # type: ignore[no-untyped-def]
        officer = await session.scalar(
            select(Officer).where(Officer.username == args.username.strip().lower())
        )
        if officer is not None:
            officer.disabled = True
            await audit(session, None, "officer_disable", officer.username)
        return officer

    if asyncio.run(with_session(settings, work)) is None:
        print(f"officer disable: no officer '{args.username}'", file=sys.stderr)
        return 2
    print(f"Officer '{args.username}' disabled.")
    return 0


def cmd_questions_list(args: argparse.Namespace, settings: Settings) -> int:
    from sqlalchemy import select

    from db.models import Citizen, Question
    from db.session import make_engine, make_session_factory

    async def run() -> list[tuple[Question, Citizen]]:
        engine = make_engine(settings.database_url, lock_timeout=settings.db_lock_timeout)
        try:
            from db.migrate import upgrade

            await upgrade(engine)
            query = select(Question, Citizen).join(Citizen, Citizen.id == Question.citizen_id)
            if args.officer:
                query = query.where(Question.needs_officer.is_(True))
            query = query.order_by(Question.id.desc()).limit(args.limit)
            async with make_session_factory(engine)() as session:
                return list((await session.execute(query)).all())
        finally:
            await engine.dispose()

    for question, citizen in asyncio.run(run()):
        row = {
            "id": question.id,
            "created_at": question.created_at.isoformat(),
            "channel": question.channel,
            "user": citizen.external_id,
            "locality": question.locality_id,
            "text": question.text,
            "normalized_text": question.normalized_text,
            "matched_faq_id": question.matched_faq_id,
            "score": question.score,
            "answered_by_bot": question.answered_by_bot,
            "needs_officer": question.needs_officer,
            "status": question.status,
        }
        if args.json:
            print(json.dumps(row, ensure_ascii=False))
        else:
            mark = "cán bộ" if question.needs_officer else (question.matched_faq_id or "")
            print(f"#{question.id} [{question.status}] {question.text[:80]}  → {mark}")
    return 0


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    import datetime as dt

    from dashboard.exports import export_minutes, export_questions
    from db.reports import minutes, questions_for_report

    content = load_knowledge_or_exit(settings).content
    try:
        date_from = dt.date.fromisoformat(args.date_from) if args.date_from else None
        date_to = dt.date.fromisoformat(args.date_to) if args.date_to else None
    except ValueError:
        print("export: dates are YYYY-MM-DD", file=sys.stderr)
        return 2

    async def work(session):  # type: ignore[no-untyped-def]
        if args.session is not None:
            found = await minutes(session, args.session)
            if found is None:
                return None
            return await export_minutes(session, content, found, args.format)
        rows = await questions_for_report(session, date_from, date_to)
        return await export_questions(session, content, rows, args.format, date_from, date_to)

    result = asyncio.run(with_session(settings, work))
    if result is None:
        print(f"export: no dialogue session {args.session}", file=sys.stderr)
        return 2
    data, _name = result
    if args.output:
        with open(args.output, "wb") as handle:
            handle.write(data)
        print(f"Written {args.output} ({len(data)} bytes).")
    else:
        sys.stdout.buffer.write(data)
    return 0
