"""Helpers for the runtime and speech tests."""

from __future__ import annotations

import numpy as np
import pytest


def add_voice(lib, name: str, clips: list[dict]) -> None:
    """Create a voice whose clips are sine tones (``f0``, ``seconds``, ``emotion``, ``transcript``, ``language``)."""
    from engine.audio.io import encode

    with lib.edit_new(name, language="en") as ed:
        for c in clips:
            sr = 16000
            t = np.arange(int(sr * c.get("seconds", 4.0))) / sr
            f0 = c.get("f0", 150.0)
            x = (0.3 * np.sin(2 * np.pi * f0 * t) + 0.12 * np.sin(2 * np.pi * 2 * f0 * t)
                 + 0.05 * np.sin(2 * np.pi * 3 * f0 * t)).astype(np.float32)
            sha = lib.blobs.put_bytes(encode(x, sr, "FLAC"))
            ed.add_clip(sha, duration=len(t) / sr, sample_rate=sr, transcript=c.get("transcript", "hello there"),
                        language=c.get("language", "en"), emotion=c.get("emotion"))


@pytest.fixture
def make_voice():
    return add_voice


@pytest.fixture
def tone_engine(tmp_path):
    """An engine with a 64 MB budget, one voice 'Alice' (150 Hz clips) and one tone base."""
    from engine.api import Engine
    from engine.backends.tone import create_tone_base

    eng = Engine(library=tmp_path / "lib", vram_limit_mb=64)
    add_voice(eng.library, "Alice", [{"f0": 150.0, "emotion": "neutral"}, {"f0": 150.0, "emotion": "happy", "seconds": 5.0}])
    create_tone_base(eng, "tone-a")
    yield eng
    eng.close()
