"""Signal processing for the preview backend: F0 tracking, TD-PSOLA pitch shifting and spectral-envelope warping.

Everything here is plain numpy on mono float32 audio and deterministic.

* :func:`track_f0` — YIN (de Cheveigné & Kawahara 2002): cumulative-mean-normalised difference function,
  absolute threshold, parabolic interpolation; frames below an energy floor are unvoiced (0 Hz).
* :func:`psola` — time-domain pitch-synchronous overlap-add: pitch marks on waveform peaks one period
  apart, two-period Hann grains re-spaced at the new period. The spectral envelope (formants) stays put.
* :func:`log_envelopes` — cepstrally smoothed log-magnitude spectra (the vocal-tract "colour" of each frame).
* :func:`VoiceProfile` — what the preview needs to know about a voice: median log-F0, its spread and the
  long-term average log envelope of its voiced frames sampled on a fixed frequency grid (so profiles of clips
  at different sample rates can be averaged and stored as one tensor).
* :func:`transform` — moves synthesized speech toward a profile: F0 contour mapped in the log domain
  (mean and spread), envelope frequency-warped by a vocal-tract-length factor chosen by matching long-term
  envelopes, then a smooth colour correction (the remaining long-term difference, limited to ±12 dB).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

F0_MIN = 60.0
F0_MAX = 500.0
HOP_S = 0.005
# Fixed frequency grid (Hz) for stored long-term envelopes.
GRID_HZ = np.linspace(50.0, 8000.0, 160)
WARP_RANGE = (0.80, 1.25)
COLOUR_LIMIT = 12.0 * np.log(10) / 20  # ±12 dB in natural-log units


# --------------------------------------------------------------------------------------------------
# F0
# --------------------------------------------------------------------------------------------------
def _frames(x: np.ndarray, length: int, hop: int) -> np.ndarray:
    if len(x) < length:
        x = np.pad(x, (0, length - len(x)))
    n = 1 + (len(x) - length) // hop
    idx = np.arange(length)[None, :] + hop * np.arange(n)[:, None]
    return x[idx]


def track_f0(x: np.ndarray, sr: int, fmin: float = F0_MIN, fmax: float = F0_MAX, hop_s: float = HOP_S,
             threshold: float = 0.15, silence_db: float = -40.0) -> np.ndarray:
    """F0 per ``hop_s`` frame (Hz, 0 where unvoiced or silent); frame i is centred at ``i * hop``."""
    x = np.asarray(x, dtype=np.float64)
    hop = max(1, int(round(hop_s * sr)))
    tau_max = int(np.ceil(sr / fmin))
    tau_min = max(2, int(np.floor(sr / fmax)))
    w = int(round(0.025 * sr))
    w = max(w, tau_max)  # the window must hold one period of the lowest pitch
    n_total = w + tau_max
    padded = np.pad(x, (n_total // 2, n_total))
    n_frames = int(np.ceil(len(x) / hop))
    fr = _frames(padded, n_total, hop)[:n_frames]
    nfft = 1 << int(np.ceil(np.log2(2 * n_total)))
    a = np.fft.rfft(fr[:, :w], nfft)
    b = np.fft.rfft(fr, nfft)
    r = np.fft.irfft(np.conj(a) * b, nfft)[:, : tau_max + 1]  # r[tau] = sum_j x[j] x[j+tau], j < w
    sq = np.concatenate([np.zeros((fr.shape[0], 1)), np.cumsum(fr ** 2, axis=1)], axis=1)
    e0 = sq[:, w][:, None]
    taus = np.arange(tau_max + 1)
    e_tau = sq[:, taus + w] - sq[:, taus]
    d = np.maximum(e0 + e_tau - 2 * r, 0.0)
    cmnd = np.ones_like(d)
    cums = np.cumsum(d[:, 1:], axis=1)
    cmnd[:, 1:] = d[:, 1:] * taus[1:] / np.maximum(cums, 1e-12)
    f0 = np.zeros(n_frames)
    energy = e0[:, 0] / w
    peak = max(float(np.max(energy)) if len(energy) else 0.0, 1e-12)
    loud = 10 * np.log10(np.maximum(energy, 1e-20) / peak) > silence_db
    for i in np.nonzero(loud)[0]:
        c = cmnd[i]
        below = np.nonzero(c[tau_min:] < threshold)[0]
        if len(below) == 0:
            continue
        t = tau_min + below[0]
        while t + 1 <= tau_max and c[t + 1] < c[t]:
            t += 1
        if 1 <= t < tau_max:
            den = c[t - 1] - 2 * c[t] + c[t + 1]
            shift = 0.5 * (c[t - 1] - c[t + 1]) / den if abs(den) > 1e-12 else 0.0
            tf = t + float(np.clip(shift, -1, 1))
        else:
            tf = float(t)
        f0[i] = sr / tf
    return _remove_blips(f0)


def _remove_blips(f0: np.ndarray, min_run: int = 3) -> np.ndarray:
    """Drop voiced runs shorter than ``min_run`` frames (octave errors at voicing edges)."""
    out = f0.copy()
    voiced = out > 0
    i = 0
    n = len(out)
    while i < n:
        if voiced[i]:
            j = i
            while j < n and voiced[j]:
                j += 1
            if j - i < min_run:
                out[i:j] = 0
            i = j
        else:
            i += 1
    return out


def f0_stats(f0: np.ndarray) -> tuple[float, float, int]:
    """(median log-F0, robust std of log-F0, voiced frame count) of a track; (nan, nan, 0) when unvoiced."""
    v = f0[f0 > 0]
    if len(v) == 0:
        return float("nan"), float("nan"), 0
    lf = np.log(v)
    med = float(np.median(lf))
    iqr = float(np.subtract(*np.percentile(lf, [75, 25])))
    return med, iqr / 1.349, int(len(v))


# --------------------------------------------------------------------------------------------------
# PSOLA
# --------------------------------------------------------------------------------------------------
def _pitch_marks(x: np.ndarray, sr: int, f0: np.ndarray, hop: int) -> tuple[np.ndarray, np.ndarray]:
    """Analysis marks (sample positions) and whether each is voiced."""
    n = len(x)
    frame_of = lambda s: min(len(f0) - 1, max(0, int(round(s / hop))))  # noqa: E731
    marks: list[int] = []
    voiced: list[bool] = []
    unvoiced_step = int(round(0.01 * sr))
    t = 0
    # marks sit on the positive peaks of a zero-phase low-passed copy: the first harmonics make one clear
    # peak per period, where the full-band waveform has several peaks of similar height
    from scipy.signal import butter, sosfiltfilt

    sos = butter(2, min(0.45 * sr, 900.0), btype="low", fs=sr, output="sos")
    absx = sosfiltfilt(sos, x) if n > 15 else x
    while t < n:
        f = f0[frame_of(t)]
        if f > 0:
            period = sr / f
            lo = int(max(0, t - 0.2 * period))
            hi = int(min(n, t + 0.2 * period + 1))
            if not marks or not voiced[-1]:  # first mark of a voiced run: the strongest peak in one period
                hi = int(min(n, t + period))
                lo = t
            m = lo + int(np.argmax(absx[lo:hi])) if hi > lo else t
            if marks and m <= marks[-1]:
                m = marks[-1] + max(1, int(0.5 * period))
            marks.append(m)
            voiced.append(True)
            t = int(round(m + period))
        else:
            marks.append(t)
            voiced.append(False)
            t += unvoiced_step
    return np.asarray([m for m in marks if m < n], dtype=np.int64), np.asarray(voiced[: sum(1 for m in marks if m < n)])


def psola(x: np.ndarray, sr: int, f0: np.ndarray, ratio: np.ndarray, hop_s: float = HOP_S) -> np.ndarray:
    """Shift the pitch of ``x`` by ``ratio`` (per F0 frame; >1 raises) keeping duration and formants."""
    x = np.asarray(x, dtype=np.float64)
    n = len(x)
    if n == 0:
        return x.astype(np.float32)
    hop = max(1, int(round(hop_s * sr)))
    marks, voiced = _pitch_marks(x, sr, f0, hop)
    if len(marks) < 2:
        return x.astype(np.float32)
    gaps = np.diff(marks).astype(np.float64)
    left = np.concatenate([[gaps[0]], gaps])     # distance to the previous mark
    right = np.concatenate([gaps, [gaps[-1]]])   # distance to the next mark
    pad = int(sr / F0_MIN) + 2
    y = np.zeros(n + 2 * pad)
    ts = float(marks[0])
    k = 0
    while ts < n:
        while k + 1 < len(marks) and abs(marks[k + 1] - ts) <= abs(marks[k] - ts):
            k += 1
        m = int(marks[k])
        pl = int(min(left[k], pad - 1))
        pr = int(min(right[k], pad - 1))
        # asymmetric grain: rising half-Hann over the previous gap, falling over the next one, so at
        # ratio 1 neighbouring grains add up to exactly the input
        lo, hi = max(0, m - pl), min(n, m + pr)
        rise = 0.5 - 0.5 * np.cos(np.pi * np.arange(pl) / max(pl, 1))
        fall = 0.5 + 0.5 * np.cos(np.pi * np.arange(pr) / max(pr, 1))
        win = np.concatenate([rise, fall])[lo - (m - pl): (lo - (m - pl)) + (hi - lo)]
        grain = x[lo:hi] * win
        start = int(round(ts)) - (m - lo) + pad
        if 0 <= start and start + len(grain) <= len(y):
            y[start: start + len(grain)] += grain
        fi = min(len(ratio) - 1, max(0, int(round(m / hop))))
        r = float(ratio[fi]) if voiced[k] else 1.0
        ts += max(1.0, right[k] / r)
    off = pad
    return y[off: off + n].astype(np.float32)


# --------------------------------------------------------------------------------------------------
# Spectral envelope
# --------------------------------------------------------------------------------------------------
def _fft_params(sr: int) -> tuple[int, int]:
    n_fft = 1 << int(np.round(np.log2(0.046 * sr)))  # ~46 ms
    return n_fft, n_fft // 4


def stft(x: np.ndarray, n_fft: int, hop: int) -> np.ndarray:
    win = np.hanning(n_fft + 1)[:-1]
    pad = np.pad(np.asarray(x, dtype=np.float64), (n_fft // 2, n_fft // 2 + hop))
    fr = _frames(pad, n_fft, hop)
    return np.fft.rfft(fr * win, axis=1)


def istft(spec: np.ndarray, n_fft: int, hop: int, length: int) -> np.ndarray:
    win = np.hanning(n_fft + 1)[:-1]
    fr = np.fft.irfft(spec, n_fft, axis=1) * win
    total = n_fft + hop * (len(fr) - 1)
    y = np.zeros(total)
    wsum = np.zeros(total)
    for i, f in enumerate(fr):
        y[i * hop: i * hop + n_fft] += f
        wsum[i * hop: i * hop + n_fft] += win ** 2
    y = y / np.maximum(wsum, 1e-8)
    return y[n_fft // 2: n_fft // 2 + length]


def cepstral_envelope(log_mag: np.ndarray, sr: int, n_fft: int, lifter_s: float = 0.0018) -> np.ndarray:
    """Smooth log-magnitude spectra (frames × bins) by keeping quefrencies below ``lifter_s``."""
    ceps = np.fft.irfft(log_mag, n_fft, axis=-1)
    k = max(4, int(lifter_s * sr))
    lift = np.zeros(n_fft)
    lift[:k] = 1.0
    lift[-k + 1:] = 1.0
    lift[k - 1] = lift[-k + 1] = 0.5
    return np.fft.rfft(ceps * lift, n_fft, axis=-1).real


def log_envelopes(x: np.ndarray, sr: int) -> tuple[np.ndarray, np.ndarray, int, int]:
    """(envelopes frames×bins, complex spectrum, n_fft, hop)."""
    n_fft, hop = _fft_params(sr)
    spec = stft(x, n_fft, hop)
    # fill the valleys between harmonics first (power smoothed over ~±100 Hz, as CheapTrick smooths over
    # one F0), otherwise the log-domain cepstral smoothing is pulled toward the nearest harmonic
    width = max(1, int(round(100.0 * n_fft / sr)))
    power = np.abs(spec) ** 2
    padded = np.pad(power, ((0, 0), (width + 1, width)), mode="reflect")
    csum = np.cumsum(padded, axis=1)
    smooth = (csum[:, 2 * width + 1:] - csum[:, : -2 * width - 1]) / (2 * width + 1)
    log_mag = 0.5 * np.log(smooth + 1e-12)
    return cepstral_envelope(log_mag, sr, n_fft), spec, n_fft, hop


def long_term_envelope(env: np.ndarray, spec: np.ndarray, sr: int, n_fft: int, grid: np.ndarray = GRID_HZ) -> np.ndarray | None:
    """Mean log envelope over the loud frames, sampled on ``grid`` (Hz) and mean-removed; None if silent."""
    power = (np.abs(spec) ** 2).sum(axis=1)
    if len(power) == 0 or power.max() <= 0:
        return None
    loud = 10 * np.log10(np.maximum(power, 1e-20) / power.max()) > -30
    if not np.any(loud):
        return None
    mean = env[loud].mean(axis=0)
    freqs = np.arange(env.shape[1]) * sr / n_fft
    out = np.interp(grid, freqs, mean, right=mean[-1])
    return out - out.mean()


# --------------------------------------------------------------------------------------------------
# Profiles
# --------------------------------------------------------------------------------------------------
@dataclass
class VoiceProfile:
    log_f0: float          # median log-F0 (natural log of Hz)
    log_f0_std: float      # robust spread of log-F0
    envelope: np.ndarray   # long-term log envelope on GRID_HZ (mean-removed)
    voiced_frames: int     # how much evidence the profile rests on
    bandwidth_hz: float    # highest frequency the references carry (their Nyquist)

    @property
    def f0_hz(self) -> float:
        return float(np.exp(self.log_f0))


def profile_from_audio(items: list[tuple[np.ndarray, int]]) -> VoiceProfile | None:
    """Profile of a voice from its reference clips [(samples, sample_rate)]; None when nothing is voiced."""
    logs: list[np.ndarray] = []
    envs: list[np.ndarray] = []
    weights: list[float] = []
    bw = 0.0
    for x, sr in items:
        x = np.asarray(x, dtype=np.float64)
        if len(x) < sr // 10:
            continue
        f0 = track_f0(x, sr)
        v = f0[f0 > 0]
        if len(v):
            logs.append(np.log(v))
        env, spec, n_fft, _ = log_envelopes(x, sr)
        lt = long_term_envelope(env, spec, sr, n_fft)
        if lt is not None:
            envs.append(lt)
            weights.append(len(x) / sr)
        bw = max(bw, sr / 2)
    if not logs or not envs:
        return None
    lf = np.concatenate(logs)
    med = float(np.median(lf))
    std = float(np.subtract(*np.percentile(lf, [75, 25]))) / 1.349
    env = np.average(np.stack(envs), axis=0, weights=weights)
    return VoiceProfile(med, max(std, 0.02), env, int(len(lf)), bw)


def blend_profiles(voice: VoiceProfile | None, prior: VoiceProfile | None, prior_frames: float = 100.0) -> VoiceProfile:
    """Combine a voice's own profile with its cluster's (the base): more voiced evidence → more of the voice's own."""
    if voice is None and prior is None:
        raise ValueError("no profile to blend")
    if prior is None:
        return voice  # type: ignore[return-value]
    if voice is None:
        return prior
    w = voice.voiced_frames / (voice.voiced_frames + prior_frames)
    return VoiceProfile(
        log_f0=w * voice.log_f0 + (1 - w) * prior.log_f0,
        log_f0_std=w * voice.log_f0_std + (1 - w) * prior.log_f0_std,
        envelope=w * voice.envelope + (1 - w) * prior.envelope,
        voiced_frames=voice.voiced_frames,
        bandwidth_hz=voice.bandwidth_hz,
    )


# --------------------------------------------------------------------------------------------------
# Transform
# --------------------------------------------------------------------------------------------------
def _band(grid: np.ndarray, lo: float, hi: float) -> np.ndarray:
    return (grid >= lo) & (grid <= hi)


def estimate_warp(target_env: np.ndarray, source_env: np.ndarray, grid: np.ndarray = GRID_HZ,
                  band: tuple[float, float] = (250.0, 5000.0), steps: int = 46) -> float:
    """Vocal-tract-length factor α: the source envelope read at f/α best matches the target (least squares of
    the mean-removed, slope-removed log envelopes in ``band``)."""
    m = _band(grid, *band)
    f = grid[m]

    def detrend(v: np.ndarray) -> np.ndarray:
        a, b = np.polyfit(f, v, 1)
        return v - (a * f + b)

    tgt = detrend(target_env[m])
    best, best_err = 1.0, np.inf
    for alpha in np.linspace(WARP_RANGE[0], WARP_RANGE[1], steps):
        src = detrend(np.interp(f / alpha, grid, source_env))
        err = float(np.mean((src - tgt) ** 2))
        if err < best_err - 1e-12:
            best, best_err = float(alpha), err
    return best


def pitch_ratio(f0: np.ndarray, target: VoiceProfile, range_limits: tuple[float, float] = (0.5, 2.0)) -> np.ndarray:
    """Per-frame ratio mapping the track's log-F0 mean/spread onto the target's."""
    med, std, n = f0_stats(f0)
    ratio = np.ones_like(f0)
    if n == 0:
        return ratio
    scale = float(np.clip(target.log_f0_std / max(std, 1e-3), *range_limits))
    v = f0 > 0
    lf = np.log(f0[v])
    new = target.log_f0 + (lf - med) * scale
    new = np.clip(new, np.log(F0_MIN), np.log(F0_MAX))
    ratio[v] = np.exp(new - lf)
    return ratio


@dataclass
class TransformReport:
    source_f0_hz: float
    target_f0_hz: float
    warp: float
    colour_db_max: float


def transform(x: np.ndarray, sr: int, target: VoiceProfile, colour_strength: float = 0.8,
              source_threshold: float = 0.3) -> tuple[np.ndarray, TransformReport]:
    """Move synthesized speech ``x`` toward ``target`` (pitch, vocal-tract length, long-term colour).

    The source is tracked with a looser YIN threshold than references are: synthetic speech is clean, and a
    voiced stretch the tracker misses would keep its original pitch (neural voices such as Piper's are often
    creaky enough that the strict threshold finds only a fifth of their voiced frames).
    """
    x = np.asarray(x, dtype=np.float64)
    f0 = track_f0(x, sr, threshold=source_threshold)
    med, _, _ = f0_stats(f0)
    ratio = pitch_ratio(f0, target)
    y = psola(x, sr, f0, ratio).astype(np.float64)

    env, spec, n_fft, hop = log_envelopes(y, sr)
    src_lt = long_term_envelope(env, spec, sr, n_fft)
    freqs = np.arange(env.shape[1]) * sr / n_fft
    if src_lt is None:
        return y.astype(np.float32), TransformReport(float(np.exp(med)) if np.isfinite(med) else 0.0, target.f0_hz, 1.0, 0.0)
    alpha = estimate_warp(target.envelope, src_lt)
    warped_lt = np.interp(GRID_HZ / alpha, GRID_HZ, src_lt)
    warped_lt -= warped_lt.mean()
    colour = np.clip(colour_strength * (target.envelope - warped_lt), -COLOUR_LIMIT, COLOUR_LIMIT)
    colour_bins = np.interp(np.minimum(freqs, target.bandwidth_hz), GRID_HZ, colour)
    # warp each frame's envelope: E'(f) = E(f / α); gain = E'(f) + colour(f) - E(f)
    src_idx = freqs / alpha * n_fft / sr
    lo = np.clip(np.floor(src_idx).astype(int), 0, env.shape[1] - 1)
    hi = np.clip(lo + 1, 0, env.shape[1] - 1)
    frac = np.clip(src_idx - lo, 0, 1)
    warped = env[:, lo] * (1 - frac) + env[:, hi] * frac
    gain = np.exp(np.clip(warped + colour_bins[None, :] - env, -6.0, 6.0))
    out = istft(spec * gain, n_fft, hop, len(y))
    # keep the loudness of the synthesized speech
    rms_in = np.sqrt(np.mean(x ** 2)) if len(x) else 0.0
    rms_out = np.sqrt(np.mean(out ** 2)) if len(out) else 0.0
    if rms_out > 1e-9:
        out *= rms_in / rms_out
    peak = np.max(np.abs(out)) if len(out) else 0.0
    if peak > 0.99:
        out *= 0.99 / peak
    report = TransformReport(
        source_f0_hz=float(np.exp(med)) if np.isfinite(med) else 0.0,
        target_f0_hz=target.f0_hz, warp=alpha,
        colour_db_max=float(np.max(np.abs(colour)) * 20 / np.log(10)),
    )
    return out.astype(np.float32), report
