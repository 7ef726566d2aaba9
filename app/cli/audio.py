"""Loudspeaker audio commands: normalize, say and build."""

from __future__ import annotations

import argparse
import asyncio
import sys

from app.cli.common import load_knowledge_or_exit, with_session
from app.settings import Settings


def cmd_audio_normalize(args: argparse.Namespace, settings: Settings) -> int:
    """Prints what the engine reads: the pronunciation list with the operators' edits."""
    from audio.pronunciations import STORE
    from audio.speech import normalize_for_speech

    words = asyncio.run(with_session(settings, STORE.refresh))
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

    content = load_knowledge_or_exit(settings).content
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
