"""MFCC-statistics "encoder": a weight-free baseline (and a fallback that needs no model).

Log-mel (40 bands, 16 kHz) → DCT → coefficients 1-19 and their deltas → per-clip means and standard
deviations, each block scaled to unit size, concatenated and L2-normalised (76 values). Much weaker than a
trained speaker encoder (see the clustering benchmark) but deterministic and dependency-free.
"""

from __future__ import annotations

import math

import numpy as np

from .base import TimbreEncoder, l2_normalize
from .preprocess import prepare

N_MELS = 40
N_CEPS = 20


class MFCCStatsEncoder(TimbreEncoder):
    id = "mfcc"
    version = "mfcc-stats-1"
    dim = 4 * (N_CEPS - 1)
    sample_rate = 16000
    description = "MFCC 1-19 + delta, mean and std per clip (weight-free baseline)"
    family_similarity = 0.90
    duplicate_similarity = 0.96
    outlier_similarity = 0.80

    def __init__(self, device: str | None = "cpu", **_: object) -> None:
        import torch

        from ...audio.features import mel_filterbank
        from ...torchutil import configure_torch

        configure_torch()
        self._fb = mel_filterbank(self.sample_rate, 400, N_MELS, htk=True)
        n = torch.arange(N_MELS, dtype=torch.float64)
        k = torch.arange(N_CEPS, dtype=torch.float64).unsqueeze(1)
        self._dct = (torch.cos(math.pi / N_MELS * (n + 0.5) * k) * math.sqrt(2.0 / N_MELS)).to(torch.float32)

    def embed(self, samples: np.ndarray, sample_rate: int) -> np.ndarray:
        import torch

        from ...audio.features import stft_magnitude

        wav = prepare(samples, sample_rate, self.sample_rate)
        with torch.inference_mode():
            spec = stft_magnitude(torch.from_numpy(wav), 400, 160, power=2.0)
            logmel = torch.log(spec.transpose(0, 1) @ self._fb + 1e-8)          # (frames, mels)
            ceps = (logmel @ self._dct.T)[:, 1:]                                  # (frames, 19)
            delta = ceps[2:] - ceps[:-2] if ceps.shape[0] > 2 else torch.zeros_like(ceps)
            blocks = [ceps.mean(0), ceps.std(0, unbiased=False), delta.mean(0), delta.std(0, unbiased=False)]
            blocks = [b / b.norm().clamp_min(1e-8) for b in blocks]
            vec = torch.cat(blocks).numpy()
        return l2_normalize(vec)
