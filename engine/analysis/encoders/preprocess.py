"""Audio preparation shared by the timbre encoders: mono 16 kHz, level-normalised, long silences removed.

Our own energy-based trimming (no webrtcvad): 30 ms frames, a frame counts as voiced when its level is
within ``floor_db`` of the loudest frame's, the voiced mask is smoothed and widened so that short pauses
inside speech stay, and only longer silences are dropped.
"""

from __future__ import annotations

import numpy as np

from ...audio.io import resample
from ...errors import AudioError

TARGET_DBFS = -30.0


def normalize_level(wav: np.ndarray, target_dbfs: float = TARGET_DBFS) -> np.ndarray:
    """Raise quiet audio to ``target_dbfs`` RMS (never lowers it), like the GE2E training recipe."""
    rms = float(np.sqrt(np.mean(np.square(wav, dtype=np.float64)))) if wav.size else 0.0
    if rms <= 1e-9:
        return wav
    change = target_dbfs - 20.0 * np.log10(rms)
    if change <= 0:
        return wav
    return (wav * (10.0 ** (change / 20.0))).astype(np.float32)


def voiced_mask(wav: np.ndarray, sample_rate: int, frame_ms: int = 30, floor_db: float = 45.0,
                smooth: int = 8, keep_gap: int = 6) -> np.ndarray:
    """Per-sample boolean mask of the parts to keep."""
    hop = max(1, sample_rate * frame_ms // 1000)
    n = len(wav) // hop
    if n == 0:
        return np.ones(len(wav), dtype=bool)
    frames = wav[: n * hop].reshape(n, hop).astype(np.float64)
    level = 10.0 * np.log10(np.mean(frames * frames, axis=1) + 1e-12)
    flags = (level > level.max() - floor_db) & (level > -70.0)
    if smooth > 1:
        kernel = np.ones(smooth) / smooth
        flags = np.convolve(flags.astype(float), kernel, mode="same") >= 0.5
    if keep_gap > 0 and flags.any():
        from scipy.ndimage import binary_dilation

        flags = binary_dilation(flags, np.ones(keep_gap + 1, dtype=bool))
    mask = np.repeat(flags, hop)
    return np.concatenate([mask, np.zeros(len(wav) - len(mask), dtype=bool)])


def prepare(samples: np.ndarray, sample_rate: int, target_sr: int = 16000, min_seconds: float = 0.3) -> np.ndarray:
    """Mono float32 at ``target_sr`` with level normalised and long silences removed."""
    wav = np.asarray(samples, dtype=np.float32)
    if wav.ndim > 1:
        wav = wav.mean(axis=1 if wav.shape[1] < wav.shape[0] else 0).astype(np.float32)
    if not np.all(np.isfinite(wav)):
        raise AudioError("The clip contains invalid samples (NaN or infinity).")
    wav = resample(wav, int(sample_rate), target_sr)
    wav = normalize_level(wav)
    mask = voiced_mask(wav, target_sr)
    wav = wav[mask]
    if len(wav) < min_seconds * target_sr:
        raise AudioError(
            f"The clip has less than {min_seconds:.1f} s of sound, too little to measure a voice.",
            hint="Use reference clips of 3-10 seconds of speech.",
        )
    return wav
