"""Reading and writing audio files (soundfile / libsndfile) and resampling (soxr)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import soundfile as sf

from ..errors import AudioError


def resample(samples: np.ndarray, sr_in: int, sr_out: int) -> np.ndarray:
    """High-quality resampling of mono float32 audio (soxr 'HQ')."""
    if sr_in == sr_out:
        return np.ascontiguousarray(samples, dtype=np.float32)
    import soxr

    return soxr.resample(np.asarray(samples, dtype=np.float32), sr_in, sr_out, quality="HQ").astype(np.float32, copy=False)


def read_audio(source: str | os.PathLike | bytes, target_sr: int | None = None) -> tuple[np.ndarray, int]:
    """Decode a file (or bytes) to mono float32 in [-1, 1]; resample to ``target_sr`` when given.

    Raises :class:`AudioError` with a plain message for anything libsndfile cannot read.
    """
    name = "audio data" if isinstance(source, (bytes, bytearray)) else str(source)
    handle = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source
    try:
        data, sr = sf.read(handle, dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as exc:
        raise AudioError(
            f"Cannot read {Path(name).name if not isinstance(source, bytes) else name}: it is not audio Timbrel can decode ({exc}).",
            hint="Use WAV, FLAC, OGG or MP3 files.",
        ) from exc
    except MemoryError as exc:
        raise AudioError(f"{name} claims to be larger than memory allows; the file is damaged.") from exc
    if data.size == 0:
        raise AudioError(f"{Path(name).name} contains no audio samples.")
    mono = data.mean(axis=1) if data.shape[1] > 1 else data[:, 0]
    mono = np.ascontiguousarray(mono, dtype=np.float32)
    if target_sr is not None and target_sr != sr:
        mono = resample(mono, sr, target_sr)
        sr = target_sr
    return mono, int(sr)


def write_wav(path: str | os.PathLike, samples: np.ndarray, sample_rate: int) -> None:
    """Write mono float audio as 16-bit PCM WAV atomically."""
    from ..fsutil import atomic_write_bytes

    atomic_write_bytes(path, encode(samples, sample_rate, "WAV", "PCM_16"))


def encode(samples: np.ndarray, sample_rate: int, fmt: str = "FLAC", subtype: str = "PCM_16") -> bytes:
    buf = io.BytesIO()
    sf.write(buf, np.clip(np.asarray(samples, dtype=np.float32), -1.0, 1.0), sample_rate, format=fmt, subtype=subtype)
    return buf.getvalue()
