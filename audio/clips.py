"""Broadcast-ready clips for commune loudspeakers, cached by what changes the sound.

An optional intro, the message read twice with a pause, an outro; 44.1 kHz mono MP3 at 128 kbps,
loudness normalised to -16 LUFS (ITU-R BS.1770, pyloudnorm) with true peak at most -1 dBTP,
silence trimmed, ID3 tags and a transcript."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import av
import numpy as np
import pyloudnorm
from mutagen.id3 import COMM, ID3, TDRC, TIT2, TPE1, TPUB
from scipy.signal import resample_poly

from audio.engines import Speech, decode
from audio.pronunciations import STORE
from audio.speech import normalize_for_speech

RATE = 44_100
BITRATE = 128_000
TARGET_LUFS = -16.0
CEILING_DBTP = -1.0
SILENCE_DBFS = -45.0


@dataclass(frozen=True)
class ClipStyle:
    """How a clip is read; every field is part of the cache key."""

    intro: str | None = None  # e.g. "Đài truyền thanh xã Hòa Bình xin thông báo"
    outro: str | None = "Xin cảm ơn bà con đã lắng nghe."
    repeat: int = 2
    pause_s: float = 1.5
    gap_s: float = 0.6  # between intro, message and outro


@dataclass(frozen=True)
class Clip:
    path: Path
    transcript: Path
    duration_s: float
    loudness_lufs: float
    true_peak_dbtp: float
    engine: str
    cached: bool
    key: str


def to_rate(samples: np.ndarray, rate: int) -> np.ndarray:
    if rate == RATE:
        return samples.astype(np.float32)
    g = np.gcd(rate, RATE)
    return resample_poly(samples, RATE // g, rate // g).astype(np.float32)


def trim(
    samples: np.ndarray, threshold_dbfs: float = SILENCE_DBFS, keep_s: float = 0.02
) -> np.ndarray:
    """Leading and trailing silence off (keeping a few milliseconds so words are not cut)."""
    if samples.size == 0:
        return samples
    level = 10 ** (threshold_dbfs / 20)
    loud = np.flatnonzero(np.abs(samples) > level)
    if loud.size == 0:
        return samples[:0]
    keep = int(keep_s * RATE)
    return samples[max(0, loud[0] - keep) : loud[-1] + keep + 1]


def true_peak_dbtp(samples: np.ndarray) -> float:
    """True peak per BS.1770: the peak of the signal oversampled four times."""
    if samples.size == 0:
        return -120.0
    peak = float(np.max(np.abs(resample_poly(samples, 4, 1))))
    return 20 * np.log10(max(peak, 1e-9))


def loudness(samples: np.ndarray) -> float:
    return float(pyloudnorm.Meter(RATE).integrated_loudness(samples.astype(np.float64)))


def master(samples: np.ndarray) -> np.ndarray:
    """Gain to -16 LUFS, then a soft limiter until the true peak is at most -1 dBTP."""
    out = samples.astype(np.float64)
    ceiling = 10 ** ((CEILING_DBTP - 0.4) / 20)
    for _ in range(6):
        out *= 10 ** ((TARGET_LUFS - loudness(out)) / 20)
        if true_peak_dbtp(out) <= CEILING_DBTP - 0.1:
            break
        out = ceiling * np.tanh(out / ceiling)  # smooth saturation above the ceiling only
    excess = true_peak_dbtp(out) - (CEILING_DBTP - 0.1)
    if excess > 0:
        out *= 10 ** (-excess / 20)
    return out.astype(np.float32)


def encode_mp3(samples: np.ndarray) -> bytes:
    """44.1 kHz mono MP3 at 128 kbps, through PyAV's libmp3lame."""
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp3") as container:
        stream = container.add_stream("libmp3lame", rate=RATE, layout="mono")
        stream.bit_rate = BITRATE
        frame_size = 1152
        pcm = np.clip(samples, -1.0, 1.0).astype(np.float32)
        for start in range(0, pcm.size, frame_size * 16):
            chunk = pcm[start : start + frame_size * 16]
            frame = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="flt", layout="mono")
            frame.sample_rate = RATE
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return buffer.getvalue()


def cache_key(text: str, engine: str, style: ClipStyle, tags: dict[str, str]) -> str:
    """Keyed by the words read (the pronunciation list applied), so an edit to the list makes
    anew exactly the clips whose reading it changes."""
    spoken = normalize_for_speech(text)
    material = json.dumps(
        {
            "text": spoken,
            "engine": engine,
            "style": asdict(style),
            "spoken": [normalize_for_speech(part or "") for part in (style.intro, style.outro)],
            "tags": tags,
            "format": [RATE, BITRATE, TARGET_LUFS, CEILING_DBTP],
        },
        ensure_ascii=False,
        sort_keys=True,
    )
    return hashlib.sha256(material.encode()).hexdigest()[:32]


async def make_clip(
    text: str,
    engine,  # type: ignore[no-untyped-def]
    folder: Path,
    style: ClipStyle | None = None,
    title: str = "Thông báo",
    unit: str = "Cầu Nối",
    source: str | None = None,
    day: dt.date | None = None,
) -> Clip:
    """The clip for `text`, synthesised once: the same text, engine, style and tags reuse it."""
    style = style or ClipStyle()
    day = day or dt.date.today()
    tags = {"title": title, "unit": unit, "source": source or "", "date": day.isoformat()}
    await STORE.refresh()  # the operators' latest pronunciation edits (cheap when unchanged)
    key = cache_key(text, engine.name, style, tags)
    folder.mkdir(parents=True, exist_ok=True)
    path, meta_path = folder / f"{key}.mp3", folder / f"{key}.json"
    if path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        return Clip(
            path,
            folder / f"{key}.txt",
            meta["duration_s"],
            meta["loudness_lufs"],
            meta["true_peak_dbtp"],
            meta["engine"],
            True,
            key,
        )

    async def speak(words: str) -> tuple[np.ndarray, str]:
        speech: Speech = await engine.synthesize(normalize_for_speech(words))
        return trim(to_rate(speech.samples, speech.rate)), speech.engine

    message, used = await speak(text)
    pause = np.zeros(int(style.pause_s * RATE), np.float32)
    gap = np.zeros(int(style.gap_s * RATE), np.float32)
    parts: list[np.ndarray] = []
    if style.intro:
        parts += [(await speak(style.intro))[0], gap]
    for i in range(max(1, style.repeat)):
        parts += [message] if i == 0 else [pause, message]
    if style.outro:
        parts += [gap, (await speak(style.outro))[0]]
    mastered = master(trim(np.concatenate(parts)))
    data = encode_mp3(mastered)
    path.write_bytes(data)
    tag_file(path, tags)
    transcript = folder / f"{key}.txt"
    lines = [style.intro or "", *([text] * max(1, style.repeat)), style.outro or ""]
    transcript.write_text("\n\n".join(line for line in lines if line) + "\n", encoding="utf-8")
    decoded, rate = decode(path.read_bytes())
    clip = Clip(
        path,
        transcript,
        decoded.size / rate,
        round(float(loudness(decoded)), 2),
        round(float(true_peak_dbtp(decoded)), 2),
        used,
        False,
        key,
    )
    meta_path.write_text(
        json.dumps(
            {
                "duration_s": clip.duration_s,
                "loudness_lufs": clip.loudness_lufs,
                "true_peak_dbtp": clip.true_peak_dbtp,
                "engine": used,
                "title": title,
                "text": text,
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    return clip


def tag_file(path: Path, tags: dict[str, str]) -> None:
    id3 = ID3()
    id3.add(TIT2(encoding=3, text=tags["title"]))
    id3.add(TPE1(encoding=3, text=tags["unit"]))
    id3.add(TPUB(encoding=3, text=tags["unit"]))
    id3.add(TDRC(encoding=3, text=tags["date"]))
    if tags.get("source"):
        id3.add(COMM(encoding=3, lang="vie", desc="Nguồn", text=tags["source"]))
    id3.save(path)
