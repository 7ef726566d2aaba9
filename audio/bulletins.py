"""Bulletins assembled from a script and mastered as one clip.

Generated speech and officers' own recordings (uploaded MP3/WAV/OGG, decoded with PyAV and
loudness-matched), in order."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import secrets
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from audio.clips import (
    BITRATE,
    CEILING_DBTP,
    RATE,
    TARGET_LUFS,
    encode_mp3,
    loudness,
    master,
    tag_file,
    to_rate,
    trim,
    true_peak_dbtp,
)
from audio.engines import decode
from audio.speech import normalize_for_speech

UPLOAD_FORMATS = {"mp3": "MP3", "wav": "WAV", "ogg": "OGG"}  # PyAV's container names
MAX_RECORDING_S = 15 * 60
MIN_RECORDING_S = 0.5
GAP_S = 0.8  # between the segments of a bulletin
OUTRO = "Xin cảm ơn bà con đã lắng nghe."
NOT_AUDIO = "Tệp tải lên không phải là bản ghi âm đọc được. Hãy chọn tệp MP3, WAV hoặc OGG."


class RecordingError(ValueError):
    """An upload that is not a usable recording; the message is shown to the officer."""


@dataclass(frozen=True)
class Built:
    key: str
    path: Path
    duration_s: float
    loudness_lufs: float
    true_peak_dbtp: float
    cached: bool


def decode_upload(data: bytes, max_seconds: float = MAX_RECORDING_S) -> np.ndarray:
    """An uploaded file to mastered 44.1 kHz mono samples (−16 LUFS, true peak ≤ −1 dBTP);
    RecordingError for anything that is not an MP3, WAV or OGG recording of some sound."""
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            formats = set(container.format.name.split(","))
            if not formats & UPLOAD_FORMATS.keys() or not container.streams.audio:
                raise RecordingError(NOT_AUDIO)
            stream = container.streams.audio[0]
            resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
            parts: list[np.ndarray] = []
            count = 0
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    parts.append(out.to_ndarray().reshape(-1))
                    count += out.samples
                if count > max_seconds * RATE:
                    raise RecordingError(
                        f"Bản ghi âm dài quá {max_seconds / 60:.0f} phút. Hãy cắt ngắn rồi tải lại."
                    )
            for out in resampler.resample(None):
                parts.append(out.to_ndarray().reshape(-1))
    except (av.FFmpegError, UnicodeDecodeError, IndexError) as exc:
        raise RecordingError(NOT_AUDIO) from exc
    samples = trim(np.concatenate(parts).astype(np.float32) if parts else np.zeros(0, np.float32))
    if samples.size < MIN_RECORDING_S * RATE or not np.isfinite(loudness(samples)):
        raise RecordingError("Bản ghi âm im lặng hoặc quá ngắn (dưới nửa giây).")
    return master(samples)


def save_recording(folder: Path, samples: np.ndarray) -> tuple[str, Path]:
    """The mastered recording as MP3 under a generated name (never the uploaded file's)."""
    key = secrets.token_hex(16)
    target = folder / "recordings"
    target.mkdir(parents=True, exist_ok=True)
    path = target / f"{key}.mp3"
    path.write_bytes(encode_mp3(samples))
    return key, path


def recording_path(folder: Path, key: str) -> Path | None:
    if not re.fullmatch(r"[0-9a-f]{32}", key):
        return None
    path = folder / "recordings" / f"{key}.mp3"
    return path if path.exists() else None


def slug(text: str) -> str:
    """ASCII, lower case, words joined by '-' ("Kiên Hải" → "kien-hai")."""
    text = text.replace("đ", "d").replace("Đ", "D")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def file_name(locality_id: str | None, day: dt.date, number: int = 1) -> str:
    """ban-tin-kien-hai-2026-12-07.mp3 (the second of that day: …-2026-12-07-2.mp3)."""
    parts = ["ban-tin", slug(locality_id or "") or "moi-dia-phuong", day.isoformat()]
    if number > 1:
        parts.append(str(number))
    return "-".join(parts) + ".mp3"


def clean_script(script: dict | None) -> dict:
    """A script as stored: {"intro": str | None, "segments": [...]}, unknown parts dropped."""
    script = script or {}
    segments = []
    for segment in script.get("segments") or []:
        if segment.get("kind") == "text" and str(segment.get("text", "")).strip():
            segments.append({"kind": "text", "text": str(segment["text"]).strip()[:6000]})
        elif segment.get("kind") == "recording" and str(segment.get("id", "")).isdigit():
            segments.append({"kind": "recording", "id": int(segment["id"])})
    intro = str(script.get("intro") or "").strip()[:200] or None
    return {"intro": intro, "segments": segments[:40]}


async def build(
    script: dict,
    recordings: dict[int, tuple[str, str]],  # id -> (key, title)
    engine,  # type: ignore[no-untyped-def]
    folder: Path,
    tags: dict[str, str],
    on_step: Callable[[int, int], Awaitable[None]] | None = None,
) -> Built:
    """The bulletin's MP3: intro, the segments in order (text read by `engine`, recordings as
    uploaded), the outro; each part brought to the same loudness, then the whole mastered.
    Cached under a key of everything that changes the sound."""
    script = clean_script(script)
    if any(s["kind"] == "recording" and s["id"] not in recordings for s in script["segments"]):
        raise RecordingError("Một bản thu trong kịch bản không còn nữa. Hãy bỏ nó khỏi kịch bản.")
    texts = ([script["intro"]] if script["intro"] else []) + [
        s["text"] if s["kind"] == "text" else f"rec:{recordings[s['id']][0]}"
        for s in script["segments"]
    ]
    texts.append(OUTRO)
    material = json.dumps(
        {
            "parts": [t if t.startswith("rec:") else normalize_for_speech(t) for t in texts],
            "engine": engine.name,
            "tags": tags,
            "format": [RATE, BITRATE, TARGET_LUFS, CEILING_DBTP, GAP_S],
        },
        ensure_ascii=False,
        sort_keys=True,
    )
    key = hashlib.sha256(material.encode()).hexdigest()[:32]
    folder.mkdir(parents=True, exist_ok=True)
    path, meta_path = folder / f"{key}.mp3", folder / f"{key}.json"
    total = len(texts) + 1
    if path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if on_step:
            await on_step(total, total)
        return Built(
            key, path, meta["duration_s"], meta["loudness_lufs"], meta["true_peak_dbtp"], True
        )
    gap = np.zeros(int(GAP_S * RATE), np.float32)
    parts: list[np.ndarray] = []
    for done, text in enumerate(texts):
        if text.startswith("rec:"):
            stored = recording_path(folder, text[4:])
            if stored is None:
                raise FileNotFoundError("a recording of the script is missing")
            samples, _ = decode(stored.read_bytes())
        else:
            speech = await engine.synthesize(normalize_for_speech(text))
            samples = to_rate(speech.samples, speech.rate)
        samples = trim(samples)
        if samples.size >= MIN_RECORDING_S * RATE and np.isfinite(loudness(samples)):
            samples = master(samples)  # every part at the same loudness before joining
        parts += [gap, samples] if parts else [samples]
        if on_step:
            await on_step(done + 1, total)
    mastered = master(trim(np.concatenate(parts)))
    path.write_bytes(encode_mp3(mastered))
    tag_file(path, tags)
    transcript = [
        f"[Bản thu: {recordings[s['id']][1]}]" if s["kind"] == "recording" else s["text"]
        for s in script["segments"]
    ]
    lines = [script["intro"] or "", *transcript, OUTRO]
    (folder / f"{key}.txt").write_text(
        "\n\n".join(line for line in lines if line) + "\n", encoding="utf-8"
    )
    decoded, rate = decode(path.read_bytes())
    built = Built(
        key,
        path,
        decoded.size / rate,
        round(float(loudness(decoded)), 2),
        round(float(true_peak_dbtp(decoded)), 2),
        False,
    )
    meta = {
        "duration_s": built.duration_s,
        "loudness_lufs": built.loudness_lufs,
        "true_peak_dbtp": built.true_peak_dbtp,
        "engine": engine.name,
        "title": tags["title"],
        "text": "\n\n".join(transcript),
    }
    meta_path.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    if on_step:
        await on_step(total, total)
    return built
