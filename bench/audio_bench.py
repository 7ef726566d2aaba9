"""Clip production with the offline engine: seconds of finished, mastered MP3 audio per second
of wall time when made cold, and the time to get a cached clip (cache hit and file read)."""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from audio.clips import ClipStyle, make_clip  # noqa: E402
from audio.engines import make_engine  # noqa: E402
from bot.runtime import load_knowledge  # noqa: E402
from bot.settings import Settings  # noqa: E402

CLIPS = 12


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
    return {
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
    ]


if __name__ == "__main__":
    print("\n".join(table(asyncio.run(main()))))
