"""The command line: `python bot.py COMMAND …`; each command is a small function here."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence

from app.logs import setup_logging
from app.settings import Settings, load_settings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python bot.py",
        description="Cầu Nối: hỏi đáp chính sách giảm nghèo bền vững cho người dân.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO on stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    chat = sub.add_parser("chat", help="chat with the bot on stdin/stdout (console channel)")
    chat.add_argument("--user", default="local", help="console user id (default: local)")
    chat.add_argument("--json", action="store_true", help="print replies as JSON lines")
    chat.add_argument("--no-start", action="store_true", help="do not send /start first")
    chat.set_defaults(func=cmd_chat)

    ask = sub.add_parser("ask", help="answer one question, or one per line from stdin with '-'")
    ask.add_argument("question", help="the question, or '-' to read questions from stdin")
    ask.add_argument("--json", action="store_true", help="one JSON object per question")
    ask.add_argument("--locality", default=None, help="locality id to prefer (see content)")
    ask.set_defaults(func=cmd_ask)

    content = sub.add_parser("content", help="content commands")
    content_sub = content.add_subparsers(dest="content_command", metavar="ACTION", required=True)
    check = content_sub.add_parser("check", help="validate every content file")
    check.set_defaults(func=cmd_content_check)
    stats = content_sub.add_parser("stats", help="count entries per topic and locality")
    stats.set_defaults(func=cmd_content_stats)
    audit = content_sub.add_parser(
        "audit",
        help="list expired and stale entries, replaced sources, unknown figures, stale contacts",
    )
    audit.add_argument("--date", default=None, help="audit as of this day (YYYY-MM-DD)")
    audit.add_argument("--json", action="store_true", help="one JSON object per finding")
    audit.set_defaults(func=cmd_content_audit)

    db = sub.add_parser("db", help="database commands")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = db_sub.add_parser("upgrade", help="migrate the database to the newest schema")
    up.set_defaults(func=cmd_db_upgrade)

    check = sub.add_parser(
        "check-household",
        help="classify households given as JSON (or JSON lines) under the poverty standard",
    )
    check.add_argument("file", help="a JSON or JSON-lines file, or '-' for stdin")
    check.add_argument("--date", default=None, help="check as of this day (YYYY-MM-DD)")
    check.set_defaults(func=cmd_check_household)

    serve = sub.add_parser("serve", help="run the web application (web chat, dashboard, /healthz)")
    serve.add_argument("--host", default=None, help="address to listen on (default: HOST)")
    serve.add_argument("--port", type=int, default=None, help="port (default: PORT)")
    serve.add_argument(
        "--workers",
        type=int,
        default=None,
        help="processes sharing the port, restarted if one dies (default: WORKERS)",
    )
    serve.add_argument(
        "--reuse-port",
        action="store_true",
        help="share the port with other `serve` processes (SO_REUSEPORT)",
    )
    serve.set_defaults(func=cmd_serve)

    officer = sub.add_parser("officer", help="officer accounts for the dashboard")
    o_sub = officer.add_subparsers(dest="officer_command", metavar="ACTION", required=True)
    o_add = o_sub.add_parser(
        "add",
        help="create an officer; the password is read from stdin or generated and printed once",
    )
    o_add.add_argument("username")
    o_add.add_argument("--role", choices=("admin", "officer", "viewer"), required=True)
    o_add.add_argument(
        "--locality",
        default=None,
        help="locality the officer sees (content id such as kien-hai, or p:NN)",
    )
    o_add.set_defaults(func=cmd_officer_add)
    o_list = o_sub.add_parser("list", help="list officers")
    o_list.set_defaults(func=cmd_officer_list)
    o_disable = o_sub.add_parser("disable", help="disable an officer (they can no longer log in)")
    o_disable.add_argument("username")
    o_disable.set_defaults(func=cmd_officer_disable)

    export = sub.add_parser("export", help="export questions (or a dialogue session's minutes)")
    export.add_argument("--format", choices=("csv", "xlsx", "docx"), required=True)
    export.add_argument("--session", type=int, default=None, help="a dialogue session id")
    export.add_argument("--from", dest="date_from", default=None, help="first day, YYYY-MM-DD")
    export.add_argument("--to", dest="date_to", default=None, help="last day, YYYY-MM-DD")
    export.add_argument("-o", dest="output", default=None, help="file to write (default: stdout)")
    export.set_defaults(func=cmd_export)

    audio = sub.add_parser("audio", help="loudspeaker audio commands")
    audio_sub = audio.add_subparsers(dest="audio_command", metavar="ACTION", required=True)
    normalize = audio_sub.add_parser("normalize", help="print TEXT as it will be read aloud")
    normalize.add_argument("text", nargs="+", help="the text (or '-' to read lines from stdin)")
    normalize.set_defaults(func=cmd_audio_normalize)
    say = audio_sub.add_parser("say", help="make a broadcast-ready MP3 of TEXT")
    say.add_argument("text", nargs="+")
    say.add_argument("-o", dest="output", default=None, help="copy the MP3 here")
    say.add_argument("--engine", choices=("auto", "gtts", "piper", "espeak"), default=None)
    say.add_argument("--intro", default=None, help='e.g. "Đài truyền thanh xã … xin thông báo"')
    say.add_argument("--title", default="Thông báo")
    say.add_argument("--repeat", type=int, default=None, help="readings of the message (2)")
    say.add_argument("--pause", type=float, default=None, help="seconds between readings (1.5)")
    say.set_defaults(func=cmd_audio_say)
    build = audio_sub.add_parser("build", help="make the clips of FAQ answers (cached)")
    build.add_argument("--all", action="store_true", help="every entry")
    build.add_argument("--locality", default=None, help="the entries of one locality")
    build.add_argument("--engine", choices=("auto", "gtts", "piper", "espeak"), default=None)
    build.add_argument("--limit", type=int, default=None, help="at most N entries")
    build.set_defaults(func=cmd_audio_build)

    questions = sub.add_parser("questions", help="the question log")
    q_sub = questions.add_subparsers(dest="questions_command", metavar="ACTION", required=True)
    q_list = q_sub.add_parser("list", help="list logged citizen questions, newest first")
    q_list.add_argument("--json", action="store_true", help="one JSON object per question")
    q_list.add_argument("--officer", action="store_true", help="only those marked for officers")
    q_list.add_argument("--limit", type=int, default=50)
    q_list.set_defaults(func=cmd_questions_list)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    settings = load_settings()
    level = settings.log_level if args.verbose else "WARNING"
    setup_logging(level, settings.log_format)
    try:
        return int(args.func(args, settings) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


def _load_knowledge_or_exit(settings: Settings):  # type: ignore[no-untyped-def]
    from app.runtime import load_knowledge
    from content.loader import ContentError

    try:
        return load_knowledge(settings)
    except ContentError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from exc


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    from app.channels import build_registry
    from app.runtime import start_runtime
    from channels.console import ConsoleChannel

    knowledge = _load_knowledge_or_exit(settings)

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

    knowledge = _load_knowledge_or_exit(settings)
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


def cmd_content_check(args: argparse.Namespace, settings: Settings) -> int:
    knowledge = _load_knowledge_or_exit(settings)
    content = knowledge.content
    print(
        f"Content OK: {len(content.entries)} FAQ entries, {len(content.sources)} sources, "
        f"{len(content.topics)} topics, {len(content.localities)} localities."
    )
    return 0


def cmd_content_stats(args: argparse.Namespace, settings: Settings) -> int:
    from collections import Counter

    content = _load_knowledge_or_exit(settings).content
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
    findings = audit_content(_load_knowledge_or_exit(settings).content, day)
    for finding in findings:
        print(json.dumps(finding.as_json(), ensure_ascii=False) if args.json else finding.line())
    counts = ", ".join(f"{n} {kind}" for kind, n in count_findings(findings).items())
    print(f"content audit {day.isoformat()}: {counts}", file=sys.stderr)
    return 0


def cmd_check_household(args: argparse.Namespace, settings: Settings) -> int:
    import datetime as dt
    from pathlib import Path

    from content.eligibility import CheckError, check_household

    content = _load_knowledge_or_exit(settings).content
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


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from app.factory import serve

    setup_logging(settings.log_level, settings.log_format)  # a server logs at its own level
    workers = args.workers or settings.workers
    if workers > 1:
        from app.workers import supervise

        return supervise(settings, workers, args.host, args.port)
    serve(settings, args.host, args.port, reuse_port=args.reuse_port or settings.reuse_port)
    return 0


async def _with_session(settings: Settings, work):  # type: ignore[no-untyped-def]
    from db.migrate import upgrade
    from db.session import make_engine, make_session_factory

    engine = make_engine(settings.database_url, lock_timeout=settings.db_lock_timeout)
    try:
        await upgrade(engine)
        async with make_session_factory(engine)() as session:
            result = await work(session)
            await session.commit()
            return result
    finally:
        await engine.dispose()


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
        officer = asyncio.run(_with_session(settings, work))
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

    from db.models import Officer

    async def work(session):  # type: ignore[no-untyped-def]
        return list((await session.execute(select(Officer).order_by(Officer.username))).scalars())

    for o in asyncio.run(_with_session(settings, work)):
        state = "disabled" if o.disabled else "active"
        print(f"{o.username}\t{o.role}\t{o.locality_id or 'all'}\t{state}")
    return 0


def cmd_officer_disable(args: argparse.Namespace, settings: Settings) -> int:
    from sqlalchemy import select

    from db.models import Officer
    from db.officers import audit

    async def work(session):  # type: ignore[no-untyped-def]
        officer = await session.scalar(
            select(Officer).where(Officer.username == args.username.strip().lower())
        )
        if officer is not None:
            officer.disabled = True
            await audit(session, None, "officer_disable", officer.username)
        return officer

    if asyncio.run(_with_session(settings, work)) is None:
        print(f"officer disable: no officer '{args.username}'", file=sys.stderr)
        return 2
    print(f"Officer '{args.username}' disabled.")
    return 0


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    import datetime as dt

    from dashboard.reports import export_minutes, export_questions
    from db.reports import minutes, questions_for_report

    content = _load_knowledge_or_exit(settings).content
    try:
        date_from = dt.date.fromisoformat(args.date_from) if args.date_from else None
        date_to = dt.date.fromisoformat(args.date_to) if args.date_to else None
    except ValueError:
        print("export: dates are YYYY-MM-DD", file=sys.stderr)
        return 2

    async def work(session):  # type: ignore[no-untyped-def]
        if args.session is not None:
            found = await minutes(session, args.session)
            return None if found is None else export_minutes(content, found, args.format)
        rows = await questions_for_report(session, date_from, date_to)
        return export_questions(content, rows, args.format, date_from, date_to)

    result = asyncio.run(_with_session(settings, work))
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


def cmd_audio_normalize(args: argparse.Namespace, settings: Settings) -> int:
    """Prints what the engine reads: the pronunciation list with the operators' edits."""
    from audio.pronunciations import STORE
    from audio.speech import normalize_for_speech

    words = asyncio.run(_with_session(settings, STORE.refresh))
    lines = sys.stdin if args.text == ["-"] else [" ".join(args.text)]
    for line in (line.rstrip("\n") for line in lines):
        print(normalize_for_speech(line, words))
    return 0


async def _with_pronunciations(settings: Settings, work):  # type: ignore[no-untyped-def]
    """Runs `work()` with the operators' pronunciation edits of the configured database, as the
    web application reads them (the file's list alone if the database cannot be read)."""
    from audio.pronunciations import STORE
    from db.migrate import upgrade
    from db.session import make_engine, make_session_factory

    engine = make_engine(settings.database_url, lock_timeout=settings.db_lock_timeout)
    try:
        await upgrade(engine)
        STORE.bind(make_session_factory(engine))
        return await work()
    finally:
        STORE.bind(None)
        await engine.dispose()


def cmd_audio_say(args: argparse.Namespace, settings: Settings) -> int:
    import shutil

    from audio.clips import ClipStyle, make_clip
    from audio.engines import make_engine

    engine = make_engine(
        args.engine or settings.tts_engine,
        settings.tts_gtts_url,
        settings.tts_timeout,
        piper_voice=settings.piper_voice,
    )
    style = ClipStyle(
        intro=args.intro,
        repeat=args.repeat or settings.audio_repeat,
        pause_s=args.pause if args.pause is not None else settings.audio_pause_s,
    )
    clip = asyncio.run(
        _with_pronunciations(
            settings,
            lambda: make_clip(
                " ".join(args.text), engine, settings.audio_dir, style, title=args.title
            ),
        )
    )
    path = clip.path
    if args.output:
        shutil.copyfile(clip.path, args.output)
        shutil.copyfile(clip.transcript, str(args.output).rsplit(".", 1)[0] + ".txt")
        path = args.output
    state = "from the cache" if clip.cached else f"made with {clip.engine}"
    print(
        f"{path}: {clip.duration_s:.1f} s, {clip.loudness_lufs:.1f} LUFS, "
        f"true peak {clip.true_peak_dbtp:.1f} dBTP ({state})"
    )
    return 0


def cmd_audio_build(args: argparse.Namespace, settings: Settings) -> int:
    import time

    from audio.engines import make_engine
    from audio.library import AudioLibrary

    content = _load_knowledge_or_exit(settings).content
    if not args.all and not args.locality:
        print("audio build: give --all or --locality CODE", file=sys.stderr)
        return 2
    entries = [e for e in content.entries.values() if args.all or args.locality in e.localities]
    entries = entries[: args.limit] if args.limit else entries
    engine = make_engine(
        args.engine or settings.tts_engine,
        settings.tts_gtts_url,
        settings.tts_timeout,
        piper_voice=settings.piper_voice,
    )
    library = AudioLibrary(settings, content, engine)

    async def run() -> tuple[int, float]:
        made, seconds = 0, 0.0
        for number, entry in enumerate(entries, 1):
            clip = await library.clip_for_entry(entry)
            made += not clip.cached
            seconds += clip.duration_s
            bar = "#" * (30 * number // len(entries))
            sys.stderr.write(f"\r[{bar:<30}] {number}/{len(entries)} {entry.id[:40]:<40}")
            sys.stderr.flush()
        sys.stderr.write("\n")
        return made, seconds

    started = time.monotonic()
    made, seconds = asyncio.run(_with_pronunciations(settings, run))
    print(
        f"{len(entries)} clips ({made} new, {len(entries) - made} from the cache), "
        f"{seconds / 60:.1f} minutes of audio in {time.monotonic() - started:.1f} s: "
        f"{settings.audio_dir}"
    )
    return 0


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from db.migrate import current_revision, upgrade
    from db.session import make_engine

    async def run() -> str | None:
        engine = make_engine(settings.database_url, lock_timeout=settings.db_lock_timeout)
        try:
            await upgrade(engine)
            return await current_revision(engine)
        finally:
            await engine.dispose()

    revision = asyncio.run(run())
    print(f"Database at revision {revision}: {settings.database_url}")
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
