"""The command line: `python bot.py COMMAND …`; the parser here, the commands by group."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from app.cli.audio import cmd_audio_build, cmd_audio_normalize, cmd_audio_say
from app.cli.chat import cmd_ask, cmd_chat, cmd_check_household
from app.cli.content import cmd_content_audit, cmd_content_check, cmd_content_stats
from app.cli.officers import (
    cmd_export,
    cmd_officer_add,
    cmd_officer_disable,
    cmd_officer_list,
    cmd_questions_list,
)
from app.cli.reports import add_report_parser
from app.cli.server import cmd_db_upgrade, cmd_serve
from app.logs import setup_logging
from app.settings import load_settings


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
    add_report_parser(sub)
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
