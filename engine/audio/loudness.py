"""Loudness (ITU-R BS.1770 integrated loudness, LUFS), peaks and the importer's level policy.

The K-weighting filter is the standard's two biquads (a high shelf of about +4 dB
above 1.5 kHz and a 38 Hz high-pass), computed for any sample rate from their
analogue prototypes, so 16, 22.05 or 32 kHz audio is measured like 48 kHz audio.
Integrated loudness uses 400 ms blocks with 75 % overlap, an absolute gate at
-70 LUFS and a relative gate 10 LU below the ungated mean.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

#: Level policy for stored reference clips (see README "Library"): EBU R128's programme
#: loudness, a sample-peak ceiling, and a tolerance within which a clip is left alone.
TARGET_LUFS = -23.0
PEAK_CEILING_DBFS = -1.0
TOLERANCE_DB = 1.0
MAX_BOOST_DB = 30.0

_SILENT = -math.inf


def k_weighting(sample_rate: int) -> np.ndarray:
    """Second-order sections (2, 6) of the BS.1770 K-weighting filter at ``sample_rate``."""
    sr = float(sample_rate)
    # Stage 1: high shelf (head effects). Analogue prototype of the standard's 48 kHz biquad.
    gain_db, q, fc = 3.999843853973347, 0.7071752369554196, 1681.974450955533
    k = math.tan(math.pi * fc / sr)
    vh = 10.0 ** (gain_db / 20.0)
    vb = vh ** 0.4996667741545416
    a0 = 1.0 + k / q + k * k
    shelf = [(vh + vb * k / q + k * k) / a0, 2.0 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0,
             1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0]
    # Stage 2: RLB high-pass.
    q, fc = 0.5003270373238773, 38.13547087602444
    k = math.tan(math.pi * fc / sr)
    a0 = 1.0 + k / q + k * k
    highpass = [1.0, -2.0, 1.0, 1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0]
    return np.array([shelf, highpass], dtype=np.float64)


@functools.lru_cache(maxsize=16)
def _k_response(sample_rate: int, n_fft: int) -> np.ndarray:
    """Complex response of the K-weighting sections on the rfft grid of ``n_fft`` points (few distinct
    sizes occur: ``n_fft`` is a power of two)."""
    z = np.exp(-2j * np.pi * np.fft.rfftfreq(n_fft))
    h = np.ones_like(z)
    for b0, b1, b2, a0, a1, a2 in k_weighting(sample_rate):
        h *= (b0 + b1 * z + b2 * z * z) / (a0 + a1 * z + a2 * z * z)
    h.setflags(write=False)
    return h


def k_weight(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """Apply the K-weighting filter (the causal IIR response, applied by FFT with enough zero
    padding for its impulse response to die out, so no scipy.signal import is needed)."""
    x = np.asarray(samples, dtype=np.float64)
    n_fft = 1 << int(np.ceil(np.log2(x.size + sample_rate // 4)))  # the 38 Hz high-pass rings for ~50 ms
    y = np.fft.irfft(np.fft.rfft(x, n_fft) * _k_response(int(sample_rate), n_fft), n_fft)
    return y[: x.size]


def integrated_loudness(samples: np.ndarray, sample_rate: int) -> float:
    """Integrated loudness in LUFS of mono audio; ``-inf`` when everything is gated out (silence)."""
    x = np.asarray(samples, dtype=np.float64)
    if x.size == 0:
        return _SILENT
    y = k_weight(x, sample_rate)
    block, hop = int(round(0.4 * sample_rate)), int(round(0.1 * sample_rate))
    if y.size < block:
        powers = np.array([np.mean(y * y)])
    else:
        csum = np.concatenate(([0.0], np.cumsum(y * y)))
        starts = np.arange(0, y.size - block + 1, hop)
        powers = (csum[starts + block] - csum[starts]) / block
    with np.errstate(divide="ignore"):
        levels = -0.691 + 10.0 * np.log10(powers)
    gated = powers[levels > -70.0]
    if gated.size == 0:
        return _SILENT
    relative = -0.691 + 10.0 * math.log10(gated.mean()) - 10.0
    with np.errstate(divide="ignore"):
        final = gated[(-0.691 + 10.0 * np.log10(gated)) > relative]
    if final.size == 0:
        return _SILENT
    return -0.691 + 10.0 * math.log10(final.mean())


def peak_dbfs(samples: np.ndarray) -> float:
    peak = float(np.max(np.abs(samples))) if np.size(samples) else 0.0
    return 20.0 * math.log10(peak) if peak > 0 else _SILENT


@dataclass(frozen=True)
class LevelChange:
    loudness_lufs: float
    peak_dbfs: float
    gain_db: float

    @property
    def gain(self) -> float:
        return 10.0 ** (self.gain_db / 20.0)


def plan_level(
    samples: np.ndarray, sample_rate: int, *, target_lufs: float = TARGET_LUFS,
    peak_ceiling_dbfs: float = PEAK_CEILING_DBFS, tolerance_db: float = TOLERANCE_DB,
) -> LevelChange:
    """The gain that brings a clip to ``target_lufs`` without its sample peak passing the ceiling.

    Clips already within ``tolerance_db`` of the target keep their samples (gain 0) unless their
    peak is above the ceiling; boosts are capped at :data:`MAX_BOOST_DB`.
    """
    lufs = integrated_loudness(samples, sample_rate)
    peak = peak_dbfs(samples)
    if peak == _SILENT:
        return LevelChange(lufs, peak, 0.0)
    wanted = 0.0 if lufs == _SILENT or abs(target_lufs - lufs) <= tolerance_db else target_lufs - lufs
    gain = min(wanted, MAX_BOOST_DB, peak_ceiling_dbfs - peak)
    if abs(gain) < 1e-3:
        gain = 0.0
    return LevelChange(lufs, peak, gain)


def apply_level(samples: np.ndarray, change: LevelChange) -> np.ndarray:
    if change.gain_db == 0.0:
        return samples
    return (np.asarray(samples, dtype=np.float32) * np.float32(change.gain)).astype(np.float32)
