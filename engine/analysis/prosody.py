"""Prosody features of a clip: pitch (F0), loudness, speaking rate, pauses, spectral tilt.

Plain numpy DSP at 16 kHz (no model). F0 comes from a normalised autocorrelation per 40 ms frame
(10 ms hop, 60-500 Hz). These features carry the *arousal* side of emotion (calm/sad vs excited/angry)
well; they cannot tell e.g. happy from angry reliably (see /work/shared/notes/analysis.md §5).
"""

from __future__ import annotations

import numpy as np

from ..audio.io import resample

VERSION = "prosody-2"
SR = 16000
FRAME = 640      # 40 ms
HOP = 160        # 10 ms
F0_MIN, F0_MAX = 60.0, 500.0

FEATURE_NAMES: tuple[str, ...] = (
    "f0_median_st",      # median F0, semitones re 100 Hz
    "f0_std_st",         # F0 spread, semitones
    "f0_range_st",       # 90th - 10th percentile, semitones
    "f0_slope_st_s",     # overall F0 trend, semitones per second
    "voiced_fraction",   # share of frames with a pitch
    "level_db",          # mean level of voiced frames, dB re peak-normalised audio
    "level_std_db",      # loudness spread
    "level_range_db",    # 95th - 10th percentile level
    "peak_dbfs",         # peak level of the clip as recorded
    "rms_dbfs",          # RMS level of the clip as recorded
    "syllable_rate",     # energy-envelope peaks per second of speech
    "voiced_onsets_s",   # voiced segments started per second
    "pause_fraction",    # share of silent frames between the first and last sound
    "tilt_db_oct",       # spectral slope, dB per octave (voiced frames)
    "centroid_hz",       # spectral centroid of voiced frames
    "hf_ratio_db",       # energy above 1 kHz relative to below
)


def _frames(x: np.ndarray, size: int, hop: int) -> np.ndarray:
    """(frames, size) strided view of ``x`` (zero-padded to one frame when shorter); no copy."""
    if len(x) < size:
        x = np.pad(x, (0, size - len(x)))
    return np.lib.stride_tricks.sliding_window_view(x, size)[::hop]


_WINDOW = np.hanning(FRAME)
# the window's own autocorrelation (Boersma 1993), normalised: dividing by it keeps long lags from being penalised
_WIN_AC = np.fft.irfft(np.abs(np.fft.rfft(_WINDOW, n=2 * FRAME)) ** 2)[:FRAME]
_WIN_AC = np.maximum(_WIN_AC / _WIN_AC[0], 1e-3)


def _track(x: np.ndarray, sr: int = SR) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(f0 per frame in Hz with 0 where unvoiced, frame level in dB, power spectrum per frame at FRAME-point
    resolution). The power spectrum is every other bin of the zero-padded (2 x FRAME) transform the
    autocorrelation uses: zero padding only interpolates, so those bins are the FRAME-point spectrum."""
    import scipy.fft

    fr = _frames(x, FRAME, HOP) * _WINDOW[None, :]
    level = 10 * np.log10(np.mean(fr ** 2, axis=1) + 1e-10)
    spec = scipy.fft.rfft(fr, n=2 * FRAME, axis=1)
    power = spec.real ** 2 + spec.imag ** 2
    ac = scipy.fft.irfft(power, axis=1)[:, :FRAME]
    ac = ac / np.maximum(ac[:, :1], 1e-12)
    ac = ac / _WIN_AC[None, :]
    lo, hi = int(sr / F0_MAX), int(sr / F0_MIN)
    seg = ac[:, lo:hi]
    rows = np.arange(len(seg))
    lag = np.argmax(seg, axis=1)
    peak = seg[rows, lag]
    # parabolic refinement
    l = np.clip(lag, 1, seg.shape[1] - 2)
    a, b, c = seg[rows, l - 1], seg[rows, l], seg[rows, l + 1]
    denom = a - 2 * b + c
    with np.errstate(divide="ignore", invalid="ignore"):
        shift = np.where(np.abs(denom) > 1e-9, 0.5 * (a - c) / denom, 0.0)
    period = lo + l + np.clip(shift, -1, 1)
    voiced = (peak > 0.45) & (level > level.max() - 35)
    f0 = np.where(voiced, sr / period, 0.0)
    return f0, level, power[:, ::2]


def f0_track(x: np.ndarray, sr: int = SR) -> tuple[np.ndarray, np.ndarray]:
    """(f0 per frame in Hz with 0 where unvoiced, frame level in dB)."""
    f0, level, _ = _track(x, sr)
    return f0, level


def extract(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """The :data:`FEATURE_NAMES` vector (float32) of one clip."""
    raw = np.asarray(samples, dtype=np.float32)
    x = resample(raw, int(sample_rate), SR).astype(np.float64)
    peak = float(np.max(np.abs(x))) if x.size else 0.0
    if peak < 1e-6:
        return np.zeros(len(FEATURE_NAMES), dtype=np.float32)
    peak_dbfs = 20 * np.log10(peak)
    rms_dbfs = 10 * np.log10(np.mean(x ** 2) + 1e-12)
    xn = x / peak
    f0, level, frame_power = _track(xn)
    sound = level > level.max() - 40
    if sound.any():
        first, last = np.flatnonzero(sound)[[0, -1]]
    else:
        first, last = 0, len(level) - 1
    span = slice(first, last + 1)
    seconds = max((last - first + 1) * HOP / SR, 1e-3)
    voiced = f0 > 0
    vf = float(voiced[span].mean()) if last >= first else 0.0
    if voiced.sum() >= 3:
        st = 12 * np.log2(f0[voiced] / 100.0)
        t = np.flatnonzero(voiced) * HOP / SR
        f0_med, f0_std = float(np.median(st)), float(np.std(st))
        f0_rng = float(np.percentile(st, 90) - np.percentile(st, 10))
        slope = float(np.polyfit(t, st, 1)[0]) if np.ptp(t) > 0 else 0.0
    else:
        f0_med = f0_std = f0_rng = slope = 0.0
    lv = level[voiced] if voiced.any() else level[sound] if sound.any() else level
    level_db, level_std = float(np.mean(lv)), float(np.std(lv))
    level_rng = float(np.percentile(level[span], 95) - np.percentile(level[span], 10))
    # syllable-like peaks of the smoothed envelope (10 ms frames, 50 ms smoothing)
    env = np.convolve(level[span], np.ones(5) / 5, mode="same")
    thr = env.max() - 25
    peaks = (env[1:-1] > env[:-2]) & (env[1:-1] >= env[2:]) & (env[1:-1] > thr)
    # ignore peaks closer than 80 ms to the previous one
    count, last_pk = 0, -100
    for i in np.flatnonzero(peaks):
        if i - last_pk >= 8:
            count += 1
            last_pk = i
    syl_rate = count / seconds
    v = voiced[span].astype(int)
    onsets = int(np.sum(np.diff(np.concatenate([[0], v])) == 1))
    pause = float(1.0 - sound[span].mean())
    # spectral tilt over voiced frames
    sel = frame_power[voiced] if voiced.sum() >= 3 else frame_power[sound] if sound.any() else frame_power
    power = sel.mean(axis=0) + 1e-12
    freqs = np.fft.rfftfreq(FRAME, 1 / SR)
    band = (freqs >= 100) & (freqs <= 5000)
    tilt = float(np.polyfit(np.log2(freqs[band]), 10 * np.log10(power[band]), 1)[0])
    centroid = float(np.sum(freqs * power) / np.sum(power))
    hf = float(10 * np.log10(power[freqs >= 1000].sum() / power[(freqs > 50) & (freqs < 1000)].sum()))
    vec = np.array([f0_med, f0_std, f0_rng, slope, vf, level_db, level_std, level_rng, peak_dbfs, rms_dbfs,
                    syl_rate, onsets / seconds, pause, tilt, centroid, hf], dtype=np.float32)
    return np.nan_to_num(vec, nan=0.0, posinf=0.0, neginf=0.0)
