"""`report monthly` and `report period`: the communication report as DOCX or XLSX."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from app.cli.common import load_knowledge_or_exit, with_session
from app.settings import Settings


def add_report_parser(sub) -> None:  # type: ignore[no-untyped-def]
    report = sub.add_parser(
        "report", help="the communication report of a month or a period (DOCX or XLSX)"
    )
    r_sub = report.add_subparsers(dest="report_command", metavar="KIND", required=True)
    monthly = r_sub.add_parser("monthly", help="one month's report")
    monthly.add_argument("--month", required=True, help="the month, YYYY-MM")
    period = r_sub.add_parser("period", help="a period's report (six-monthly, yearly)")
    period.add_argument("--from", dest="date_from", required=True, help="first day, YYYY-MM-DD")
    period.add_argument("--to", dest="date_to", required=True, help="last day (included)")
    for parser in (monthly, period):
        parser.add_argument("--locality", default=None, help="a locality code (kien-hai, p:NN)")
        parser.add_argument("--format", choices=("docx", "xlsx"), required=True)
        parser.add_argument("-o", dest="output", required=True, help="the file to write")
        parser.set_defaults(func=cmd_report)


def answer_clips(settings: Settings) -> frozenset[str]:
    """The FAQ answers' clip keys (the audio library's index), which are not the office's."""
    index = Path(settings.audio_dir) / "index.json"
    if not index.exists():
        return frozenset()
    return frozenset(json.loads(index.read_text(encoding="utf-8")).values())


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    from dashboard import report_files as files
    from db.reports import figures

    content = load_knowledge_or_exit(settings).content
    try:
        if args.report_command == "monthly":
            period = files.month_period(args.month)
        else:
            period = files.days_period(args.date_from, args.date_to)
        code = files.check_locality(content, args.locality)
    except files.ReportInputError as exc:
        print(f"report: {exc}", file=sys.stderr)
        return 2

    async def work(session):  # type: ignore[no-untyped-def]
        found = await figures(session, content, period, code, answer_clips(settings))
        write = files.to_xlsx if args.format == "xlsx" else files.to_docx
        return await write(session, content, found, code)

    data = asyncio.run(with_session(settings, work))
    try:
        Path(args.output).write_bytes(data)
    except OSError as exc:
        print(f"report: không ghi được tệp {args.output}: {exc.strerror}", file=sys.stderr)
        return 2
    print(f"Đã ghi {args.output} ({len(data)} byte): {files.title_of(period)}.")
    return 0
