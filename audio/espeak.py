"""espeak-ng's Vietnamese voice, through the library and data shipped by espeakng-loader.

The offline engine, so a commune without internet (and CI) still produces audio."""

from __future__ import annotations

import ctypes
import threading

import numpy as np

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_ESPEAK_CHARS_UTF8 = 1
_POS_CHARACTER = 1
_SYNTH_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


class Espeak:
    """One process-wide espeak-ng instance; calls are serialised (the library is not re-entrant)."""

    _instance: Espeak | None = None
    _instance_lock = threading.Lock()

    def __init__(self) -> None:
        import espeakng_loader

        self.lib = ctypes.cdll.LoadLibrary(str(espeakng_loader.get_library_path()))
        data = str(espeakng_loader.get_data_path()).encode()
        self.rate = self.lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data, 0)
        if self.rate <= 0:
            raise RuntimeError("espeak-ng did not initialise")
        if self.lib.espeak_SetVoiceByName(b"vi") != 0:
            raise RuntimeError("espeak-ng has no Vietnamese voice")
        self._chunks: list[np.ndarray] = []
        self._callback = _SYNTH_CALLBACK(self._collect)
        self.lib.espeak_SetSynthCallback(self._callback)
        self._lock = threading.Lock()

    @classmethod
    def get(cls) -> Espeak:
        with cls._instance_lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    def _collect(self, wav, count, events) -> int:  # type: ignore[no-untyped-def]
        if count > 0 and wav:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
        return 0  # continue

    def synthesize(self, text: str, rate_wpm: int = 150) -> tuple[np.ndarray, int]:
        """Mono float32 samples in [-1, 1] and their sample rate."""
        data = text.encode("utf-8") + b"\0"
        with self._lock:
            self._chunks = []
            self.lib.espeak_SetParameter(1, rate_wpm, 0)  # espeakRATE
            result = self.lib.espeak_Synth(
                data, len(data), 0, _POS_CHARACTER, 0, _ESPEAK_CHARS_UTF8, None, None
            )
            if result != 0:
                raise RuntimeError(f"espeak_Synth failed ({result})")
            chunks, self._chunks = self._chunks, []
        samples = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)
        return samples.astype(np.float32) / 32768.0, self.rate
