"""Median F0 and spectral tilt of reference clips (the tone backend's shared model)."""

from __future__ import annotations

import numpy as np
import torch

SR = 16000
FRAME = 640       # 40 ms
HOP = 160         # 10 ms
FMIN, FMAX = 60.0, 500.0
DEFAULT_F0 = 140.0


class PitchTracker:
    """Autocorrelation pitch tracker. Its only weight is the analysis window (resident once per device)."""

    nbytes = FRAME * 4

    def __init__(self, device=None) -> None:
        self.window = torch.hann_window(FRAME, periodic=False, dtype=torch.float32, device=getattr(device, "storage", None))
        self._win = self.window.cpu().numpy()

    def median_f0(self, samples: np.ndarray, sr: int = SR) -> float:
        x = np.asarray(samples, dtype=np.float32)
        if sr != SR:
            from ...audio.io import resample

            x = resample(x, sr, SR)
        if len(x) < FRAME:
            return DEFAULT_F0
        n = 1 + (len(x) - FRAME) // HOP
        idx = np.arange(FRAME)[None, :] + HOP * np.arange(n)[:, None]
        frames = x[idx] * self._win
        energy = (frames ** 2).mean(axis=1)
        keep = energy > max(1e-6, 0.1 * float(np.median(energy)))
        frames = frames[keep]
        if not len(frames):
            return DEFAULT_F0
        spec = np.fft.rfft(frames, n=2 * FRAME, axis=1)
        ac = np.fft.irfft(np.abs(spec) ** 2, axis=1)[:, :FRAME]
        ac = ac / np.maximum(ac[:, :1], 1e-12)
        lo, hi = int(SR / FMAX), int(SR / FMIN)
        seg = ac[:, lo:hi]
        lag = seg.argmax(axis=1) + lo
        strength = seg.max(axis=1)
        voiced = strength > 0.5
        if not voiced.any():
            return DEFAULT_F0
        return float(np.median(SR / lag[voiced]))

    @staticmethod
    def tilt(samples: np.ndarray, sr: int) -> float:
        """Spectral centroid of the clip relative to 1.5 kHz, as a factor in [0.7, 1.3] (brighter → > 1)."""
        x = np.asarray(samples[: sr * 3], dtype=np.float32)
        if len(x) < 256:
            return 1.0
        mag = np.abs(np.fft.rfft(x * np.hanning(len(x))))
        freqs = np.fft.rfftfreq(len(x), 1.0 / sr)
        centroid = float((mag * freqs).sum() / max(mag.sum(), 1e-9))
        return float(np.clip(centroid / 1500.0, 0.7, 1.3))
