"""Reading and writing audio files (soundfile / libsndfile) and resampling (soxr)."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

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
    name, _ = _source(source)
    try:
        with _open_source(source) as handle:
            data, sr = sf.read(handle, dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as exc:
        raise _undecodable(name, exc) from exc
    except MemoryError as exc:
        raise AudioError(f"{name} claims to be larger than memory allows; the file is damaged.") from exc
    if data.size == 0:
        raise AudioError(f"{name} contains no audio samples.")
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


# -- bounded decoding and deterministic FLAC storage (used by the importer) -------------------------

#: Longest source recording the importer decodes (longer ones are refused before they fill memory).
MAX_SOURCE_SECONDS = 30 * 60
#: FLAC compression level as libsndfile takes it (0..1; 1.0 = libFLAC level 8, the smallest files).
FLAC_COMPRESSION = 1.0
_BLOCK = 1 << 16


def _source(source: str | os.PathLike | bytes) -> tuple[str, Any]:
    """(name to show in messages, what soundfile opens) for a path or in-memory bytes."""
    if isinstance(source, (bytes, bytearray)):
        return "audio data", io.BytesIO(source)
    return Path(source).name, source


def _duration(seconds: float) -> str:
    """'30 s', '90 s', '30 minutes', '1.5 minutes': how a length limit reads in a message."""
    if seconds < 120:
        return f"{seconds:g} s"
    minutes = seconds / 60
    return f"{minutes:g} minutes" if minutes != 1 else "1 minute"


def _open_source(source: str | os.PathLike | bytes):
    """What soundfile reads: in-memory bytes, or the path opened as a regular file (a device or FIFO is
    refused at once instead of being read without end or blocking)."""
    if isinstance(source, (bytes, bytearray)):
        return io.BytesIO(source)
    from ..errors import InvalidInput
    from ..fsutil import open_regular

    try:
        return open_regular(source)
    except InvalidInput as exc:
        raise AudioError(exc.message, hint=exc.hint) from None


def _undecodable(name: str, detail: object) -> AudioError:
    return AudioError(f"Cannot read {name}: it is not audio Timbrel can decode ({detail}).",
                      hint="Use WAV, FLAC, OGG or MP3 files.")


def decode_audio(source: str | os.PathLike | bytes, *, max_seconds: float = MAX_SOURCE_SECONDS) -> tuple[np.ndarray, int]:
    """Decode a file (or bytes) to mono float32, reading block by block.

    Unlike :func:`read_audio` this never trusts the header's length (a file that claims
    to be hours long cannot make it allocate more than ``max_seconds`` of audio), and it
    refuses NaN/infinite samples. Raises :class:`AudioError` with a plain message.
    """
    name, _ = _source(source)
    with _open_source(source) as handle:
        return _decode_open(handle, name, max_seconds)


def _decode_open(handle, name: str, max_seconds: float) -> tuple[np.ndarray, int]:
    try:
        if isinstance(handle, io.BytesIO):
            empty = not handle.getbuffer().nbytes
        else:
            empty = os.fstat(handle.fileno()).st_size == 0
        if empty:
            raise AudioError(f"{name} is empty (0 bytes).", hint="Check that the file was copied completely.")
    except OSError as exc:
        raise AudioError(f"Cannot open {name}: {exc.strerror or exc}.") from exc
    try:
        f = sf.SoundFile(handle)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as exc:
        raise _undecodable(name, _short(exc)) from exc
    with f:
        sr, channels = int(f.samplerate), int(f.channels)
        if not 1000 <= sr <= 768_000 or not 1 <= channels <= 64:
            raise AudioError(f"{name} has an implausible format ({sr} Hz, {channels} channels); the file is damaged.")
        limit = int(max_seconds * sr)
        parts: list[np.ndarray] = []
        total = 0
        try:
            while True:
                block = f.read(_BLOCK, dtype="float32", always_2d=True)
                if not len(block):
                    break
                total += len(block)
                if total > limit:
                    raise AudioError(
                        f"{name} is longer than {_duration(max_seconds)}.",
                        hint="Cut the recording into shorter files first.",
                    )
                parts.append(block.mean(axis=1, dtype=np.float32) if channels > 1 else block[:, 0].copy())
        except (sf.LibsndfileError, RuntimeError) as exc:
            raise AudioError(
                f"Cannot read {name}: the file is damaged or truncated ({_short(exc)}).",
                hint="Export or copy the recording again.",
            ) from exc
        except MemoryError as exc:
            raise AudioError(f"{name} is too large to decode.") from exc
    if total == 0:
        raise AudioError(f"{name} contains no audio samples.", hint="Check that the file was recorded and copied completely.")
    samples = np.concatenate(parts) if len(parts) > 1 else parts[0]
    if not np.isfinite(samples).all():
        raise AudioError(f"{name} contains invalid samples (NaN or infinity).", hint="Re-export the recording from your audio editor.")
    return np.ascontiguousarray(samples, dtype=np.float32), sr


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
    return text[:160]


def to_pcm16(samples: np.ndarray) -> np.ndarray:
    """Float [-1, 1] → int16 by rounding (the inverse of soundfile's int16 → float /32768, so it is exact on re-import)."""
    return np.clip(np.round(np.asarray(samples, dtype=np.float64) * 32768.0), -32768, 32767).astype(np.int16)


def encode_flac(samples: np.ndarray, sample_rate: int) -> bytes:
    """Mono 16-bit FLAC at the smallest libFLAC setting. Same samples → same bytes."""
    buf = io.BytesIO()
    sf.write(buf, to_pcm16(samples), int(sample_rate), format="FLAC", subtype="PCM_16", compression_level=FLAC_COMPRESSION)
    return buf.getvalue()


def flac_audio_md5(data: bytes) -> str | None:
    """The MD5 of the decoded samples that libFLAC stores in STREAMINFO (``None`` if absent/unset).

    Two FLAC files with the same MD5 (and length) hold the same audio even when the encoder
    settings or version made their bytes differ, so the importer dedups on it too.
    """
    if len(data) < 42 or data[:4] != b"fLaC" or (data[4] & 0x7F) != 0:
        return None
    md5 = data[26:42]
    return None if md5 == bytes(16) else md5.hex()
