"""Turn one source recording into stored-ready reference clips.

decode (soundfile, bounded) → refuse NaN/empty/unreadable → mono → remove DC →
clipping check → resample down to at most ``MAX_STORED_RATE`` (never up) →
voice activity → trim (and split long recordings at pauses) → per clip
loudness normalisation (-23 LUFS, sample peak ≤ -1 dBFS, left alone within
±1 dB) → 16-bit FLAC at libFLAC's level 8.

Everything here is deterministic: the same source gives byte-identical clips,
which is what lets the content-addressed blob store keep re-imports once.
Nothing here touches the library; :mod:`engine.library.importers` stores the result.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from ..errors import AudioError
from . import io as audio_io
from .loudness import apply_level, plan_level
from .segment import SegmentError, plan_single, plan_split
from .vad import detect_speech

#: Highest rate a clip is stored at. Everything GPT-SoVITS (v1–v4) derives from a reference is
#: at 32 kHz or below (32 kHz spectrogram/mel, 16 kHz HuBERT and speaker-verification input),
#: so higher rates are resampled down to this; lower rates are stored as they are.
MAX_STORED_RATE = 32_000
#: Below this, references lack the band the 32 kHz spectrogram uses; they import with a warning.
LOW_RATE_WARNING = 16_000
MIN_SOURCE_RATE = 8_000
#: "Clipped beyond repair": more than this fraction of the speech sits flat at the recording's peak.
CLIPPED_REJECT = 0.01
CLIPPED_WARN = 0.001
SILENT_PEAK_DBFS = -60.0
#: A mean this far from zero is a fault of the recording chain (speech itself is only slightly
#: asymmetric, |mean| < 0.015 across the corpus); it is subtracted.
DC_OFFSET_LIMIT = 0.02


@dataclass(frozen=True)
class PreparedClip:
    flac: bytes
    sample_rate: int
    duration: float
    speech_seconds: float
    start: float  # seconds into the source (after resampling: same time axis)
    end: float
    gain_db: float
    loudness_lufs: float
    audio_md5: str | None


@dataclass
class PreparedSource:
    clips: list[PreparedClip]
    source_rate: int
    warnings: list[str] = field(default_factory=list)
    split: bool = False


def clipped_fraction(samples: np.ndarray, run: int = 3) -> float:
    """Fraction of samples sitting at the recording's own extreme value in runs of ``run`` or more."""
    a = np.abs(samples)
    rail = float(a.max()) if a.size else 0.0
    if rail < 0.05:
        return 0.0
    at_rail = a >= rail * 0.999
    if at_rail.sum() < run:
        return 0.0
    d = np.diff(np.concatenate(([0], at_rail.astype(np.int8), [0])))
    starts, ends = np.flatnonzero(d == 1), np.flatnonzero(d == -1)
    lengths = ends - starts
    return float(lengths[lengths >= run].sum()) / a.size


def prepare(source: str | os.PathLike | bytes, *, split: bool = True, max_rate: int = MAX_STORED_RATE) -> PreparedSource:
    """Decode and cut ``source`` into reference clips. Raises :class:`AudioError` saying why it is unusable.

    ``split=False`` keeps the recording as one clip (a transcribed line: its text belongs to the whole
    recording), so a recording with more than 10 s of speech is refused instead of split.
    """
    name = "audio data" if isinstance(source, (bytes, bytearray)) else os.fspath(source)
    short = os.path.basename(name)
    samples, sr = audio_io.decode_audio(source)
    warnings: list[str] = []
    if sr < MIN_SOURCE_RATE:
        raise AudioError(f"{short} is sampled at {sr} Hz; references need at least {MIN_SOURCE_RATE} Hz.")
    if sr < LOW_RATE_WARNING:
        warnings.append(f"low sample rate ({sr} Hz): the reference lacks the high band GPT-SoVITS uses")
    peak = float(np.max(np.abs(samples)))
    if peak <= 10 ** (SILENT_PEAK_DBFS / 20):
        raise AudioError(f"{short} is silent (its loudest sample is below {SILENT_PEAK_DBFS:.0f} dBFS).")
    mean = float(samples.mean(dtype=np.float64))
    if abs(mean) > DC_OFFSET_LIMIT:
        samples = (samples - np.float32(mean)).astype(np.float32)
        warnings.append(f"removed a DC offset of {mean:+.3f}")
    source_rate, original = sr, samples
    if sr > max_rate:
        samples = audio_io.resample(samples, sr, max_rate)
        sr = max_rate
    activity = detect_speech(samples, sr)
    try:
        plan = plan_split(activity, len(samples)) if split else plan_single(activity, len(samples))
    except SegmentError as exc:
        raise AudioError(f"{short} cannot be used: {exc}.") from None
    warnings.extend(plan.notes)
    clips: list[PreparedClip] = []
    rejected: list[str] = []
    for seg in plan.segments:
        piece = samples[seg.start:seg.end]
        # clipping is judged on the source samples: resampling rounds off flat tops
        scale = source_rate / sr
        frac = clipped_fraction(original[int(seg.speech_start * scale):int(seg.speech_end * scale)])
        where = f" ({seg.start / sr:.1f}–{seg.end / sr:.1f} s)" if len(plan.segments) > 1 else ""
        if frac > CLIPPED_REJECT:
            rejected.append(f"clipped beyond repair{where}: {frac:.1%} of its samples are flat at full scale")
            continue
        if frac > CLIPPED_WARN:
            warnings.append(f"lightly clipped{where}: {frac:.2%} of samples at full scale")
        level = plan_level(piece, sr)
        out = apply_level(piece, level)
        flac = audio_io.encode_flac(out, sr)
        clips.append(PreparedClip(
            flac=flac, sample_rate=sr, duration=len(piece) / sr, speech_seconds=seg.speech_seconds(sr),
            start=seg.start / sr, end=seg.end / sr, gain_db=round(level.gain_db, 2),
            loudness_lufs=round(level.loudness_lufs, 2) if np.isfinite(level.loudness_lufs) else float("-inf"),
            audio_md5=audio_io.flac_audio_md5(flac),
        ))
    if not clips:
        raise AudioError(f"{short} cannot be used: " + "; ".join(rejected) + ".",
                         hint="Record again with a lower input gain.")
    warnings.extend(f"dropped a part: {r}" for r in rejected)
    return PreparedSource(clips, source_rate, warnings, split=len(clips) > 1)
