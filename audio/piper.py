"""Piper neural voices (piper-tts, ONNX on the CPU): the better offline voice.

From a voice file the operator puts on the machine once; nothing is downloaded at run time."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import ClassVar

import numpy as np

SENTENCE_GAP_S = 0.25  # Piper reads one sentence a chunk; a short breath between them


class Piper:
    """One loaded voice per model file, shared by the process; calls are serialised (the ONNX
    session already uses every core)."""

    _voices: ClassVar[dict[Path, Piper]] = {}
    _voices_lock = threading.Lock()

    def __init__(self, model: Path) -> None:
        from piper import PiperVoice

        config = Path(f"{model}.json")
        if not model.is_file() or not config.is_file():
            raise FileNotFoundError(f"Piper voice {model} (and {config.name} beside it) not found")
        # download_dir: only Chinese voices fetch anything; point it at the voice's own folder
        self.voice = PiperVoice.load(model, config, download_dir=model.parent)
        self.rate = int(self.voice.config.sample_rate)
        self._lock = threading.Lock()

    @classmethod
    def get(cls, model: str | Path) -> Piper:
        path = Path(model).expanduser().resolve()
        with cls._voices_lock:
            if path not in cls._voices:
                cls._voices[path] = cls(path)
            return cls._voices[path]

    def synthesize(self, text: str) -> tuple[np.ndarray, int]:
        """Mono float32 samples in [-1, 1] and their sample rate."""
        gap = np.zeros(int(SENTENCE_GAP_S * self.rate), np.float32)
        parts: list[np.ndarray] = []
        with self._lock:
            for chunk in self.voice.synthesize(text):
                if parts:
                    parts.append(gap)
                samples = np.asarray(chunk.audio_float_array, np.float32).reshape(-1)
                if chunk.sample_channels > 1:
                    samples = samples.reshape(-1, chunk.sample_channels).mean(axis=1)
                parts.append(samples)
        return (np.concatenate(parts) if parts else np.zeros(0, np.float32)), self.rate
