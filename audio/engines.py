"""Text-to-speech engines behind one interface: gTTS, Piper and espeak-ng.

gTTS (Vietnamese, needs Google's service), Piper (offline neural voice, when a voice file is
configured) and espeak-ng (offline, always there). `auto` tries gTTS within a short timeout, then
Piper, then espeak-ng."""

from __future__ import annotations

import asyncio
import io
import logging
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from audio.espeak import Espeak
from audio.piper import Piper

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Speech:
    samples: np.ndarray  # mono float32 in [-1, 1]
    rate: int
    engine: str


def decode(data: bytes) -> tuple[np.ndarray, int]:
    """Any audio file (MP3 from gTTS) to mono float32 samples, with PyAV (FFmpeg in its wheel)."""
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="flt", layout="mono", rate=stream.rate)
        parts = []
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                parts.append(out.to_ndarray().reshape(-1))
        for out in resampler.resample(None):
            parts.append(out.to_ndarray().reshape(-1))
        rate = stream.rate
    return (np.concatenate(parts) if parts else np.zeros(0, np.float32)).astype(np.float32), rate


class EspeakEngine:
    name = "espeak"

    async def synthesize(self, text: str) -> Speech:
        samples, rate = await asyncio.to_thread(Espeak.get().synthesize, text)
        return Speech(samples, rate, self.name)


class PiperEngine:
    """A Piper voice file (e.g. vi_VN-vais1000-medium.onnx); the voice's name is part of the
    engine's name, so clips of two voices are cached apart."""

    def __init__(self, voice: str | Path):
        self.voice = Path(voice)
        self.name = f"piper:{self.voice.stem}"

    async def synthesize(self, text: str) -> Speech:
        piper = await asyncio.to_thread(Piper.get, self.voice)
        samples, rate = await asyncio.to_thread(piper.synthesize, text)
        return Speech(samples, rate, self.name)


class GttsEngine:
    """Google's TTS through the gTTS client. `url` replaces Google's endpoint (a self-hosted
    proxy, or our fake in tests); gTTS itself has no such option, so the prepared requests are
    re-addressed."""

    name = "gtts"

    def __init__(self, url: str | None = None, timeout: float = 8.0):
        self.url = url
        self.timeout = timeout

    def _fetch(self, text: str) -> bytes:
        from gtts import gTTS

        url = self.url

        class Addressed(gTTS):
            def _prepare_requests(self):  # type: ignore[no-untyped-def]
                requests = super()._prepare_requests()
                if url:
                    for request in requests:
                        request.url = url
                return requests

        out = io.BytesIO()
        Addressed(text, lang="vi", timeout=self.timeout).write_to_fp(out)
        return out.getvalue()

    async def synthesize(self, text: str) -> Speech:
        data = await asyncio.wait_for(asyncio.to_thread(self._fetch, text), self.timeout + 2)
        samples, rate = await asyncio.to_thread(decode, data)
        return Speech(samples, rate, self.name)


class AutoEngine:
    """gTTS when Google answers in time, else Piper when a voice is configured, else espeak-ng
    (each fallback is logged)."""

    name = "auto"

    def __init__(self, gtts: GttsEngine, espeak: EspeakEngine, piper: PiperEngine | None = None):
        self.gtts = gtts
        self.piper = piper
        self.espeak = espeak

    async def synthesize(self, text: str) -> Speech:
        try:
            return await self.gtts.synthesize(text)
        except Exception as exc:  # any failure of the online engine: fall back, never fail
            fallback = "Piper" if self.piper else "espeak-ng"
            log.warning(f"gTTS failed, using {fallback}", extra={"error": repr(exc)[:200]})
        if self.piper:
            try:
                return await self.piper.synthesize(text)
            except Exception as exc:  # a missing or broken voice file: espeak-ng still speaks
                log.warning("Piper failed, using espeak-ng", extra={"error": repr(exc)[:200]})
        return await self.espeak.synthesize(text)


def make_engine(  # type: ignore[no-untyped-def]
    name: str,
    gtts_url: str | None = None,
    timeout: float = 8.0,
    piper_voice: str | Path | None = None,
):
    espeak = EspeakEngine()
    if name == "espeak":
        return espeak
    piper = PiperEngine(piper_voice) if piper_voice else None
    if name == "piper":
        if piper is None:
            raise ValueError("TTS_ENGINE=piper needs PIPER_VOICE=/path/to/voice.onnx")
        return piper
    gtts = GttsEngine(gtts_url, timeout)
    if name == "gtts":
        return gtts
    if name == "auto":
        return AutoEngine(gtts, espeak, piper)
    raise ValueError(f"unknown TTS engine {name!r}: auto, gtts, piper or espeak")
