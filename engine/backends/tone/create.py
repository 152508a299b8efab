"""Creating tone bases: deterministic weights from a seed, registered in the library's base store."""

from __future__ import annotations

import zlib
from typing import Any

import torch

VARIANT = "v1"
ARCH = {"chars": 512, "dim": 64, "harmonics": 32, "formants": 6}
SAMPLE_RATE = 16000

# Vowel-like formant sets (F1, F2, F3 in Hz) the weights perturb.
_VOWELS = [(730, 1090, 2440), (530, 1840, 2480), (270, 2290, 3010), (570, 840, 2410), (300, 870, 2240), (640, 1190, 2390)]


def tone_manifest(arch: dict | None = None) -> dict[str, Any]:
    return {"architecture": dict(arch or ARCH), "sample_rate": SAMPLE_RATE,
            "description": "Timbrel tone test backend: harmonic/formant synthesizer"}


def tone_weights(seed: int, arch: dict | None = None) -> dict[str, torch.Tensor]:
    """The tensors of a tone base (deterministic for ``seed``)."""
    a = dict(arch or ARCH)
    g = torch.Generator().manual_seed(int(seed) & 0x7FFFFFFF)
    n, d, h, f = a["chars"], a["dim"], a["harmonics"], a["formants"]
    table = torch.tensor(_VOWELS[:f] + [_VOWELS[i % len(_VOWELS)] for i in range(len(_VOWELS), f)], dtype=torch.float32)
    table = table * (1.0 + 0.08 * torch.randn(f, 3, generator=g))            # this base's vowel space
    bandwidth = torch.tensor([80.0, 110.0, 160.0]).expand(f, 3) * (1.0 + 0.2 * torch.rand(f, 3, generator=g))
    slope = 0.05 + 0.1 * torch.rand(1, generator=g)                           # spectral tilt (colour)
    k = torch.arange(1, h + 1, dtype=torch.float32)
    envelope = -slope * k + 0.3 * torch.randn(h, generator=g)
    return {
        "char_embed": torch.randn(n, d, generator=g) * 0.8,
        "dur_w": torch.randn(d, generator=g) * 0.25,
        "dur_b": torch.zeros(1),
        "amp_w": torch.randn(d, generator=g) * 0.2,
        "pitch_w": torch.randn(d, generator=g) * 0.15,
        "noise_w": torch.randn(d, generator=g) * 0.2,
        "formant_w": torch.randn(d, f, generator=g) * 0.5,
        "formant_freq": table.contiguous(),
        "formant_bw": bandwidth.contiguous(),
        "harmonic_env": envelope.contiguous(),
    }


def create_tone_base(engine, name: str, *, seed: int | None = None, assign_cluster: int | None = None):
    """Register a tone base called ``name`` in the engine's library (``engine.bases``); returns its ``BaseRecord``."""
    if seed is None:
        seed = zlib.crc32(name.encode("utf-8"))
    rec = engine.bases.register(name, "tone", VARIANT, {"tone": tone_weights(seed)}, manifest=tone_manifest(),
                                provenance={"created_by": "create_tone_base", "seed": int(seed)})
    if assign_cluster is not None:
        engine.bases.assign(assign_cluster, rec)
    return rec
