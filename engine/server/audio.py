"""Audio encoders for the HTTP server: whole files and streams, one class per way of packing samples.

Formats and what encodes them:

=========  ==============================  =======================================================
name       content type                    encoder
=========  ==============================  =======================================================
``wav``    ``audio/wav``                   16-bit PCM WAV (libsndfile); streamed as a WAV header
                                           of an empty file followed by raw PCM (api_v2's way)
``raw``    ``audio/raw``                   16-bit little-endian PCM at the voice's sample rate
``pcm``    ``audio/pcm``                   16-bit little-endian PCM at 24 kHz (OpenAI's pcm)
``flac``   ``audio/flac``                  FLAC (libsndfile)
``ogg``    ``audio/ogg``                   Ogg Vorbis (libsndfile)
``opus``   ``audio/ogg``                   Ogg Opus (libsndfile ≥ 1.0.29), at 48 kHz when the voice's
                                           rate is not one Opus accepts
``mp3``    ``audio/mpeg``                  MPEG layer III (libsndfile ≥ 1.1 with LAME)
``aac``    ``audio/aac``                   AAC in ADTS frames (PyAV, FFmpeg's native encoder)
=========  ==============================  =======================================================

A stream encoder keeps ONE encoder open for the whole response and hands out the bytes it has produced
after each chunk (``feed``) and at the end (``finish``), so a streamed response is one valid file.
"""

from __future__ import annotations

import io
import struct
from typing import Callable

import numpy as np

from ..errors import InvalidInput, MissingAsset

CONTENT_TYPES = {
    "wav": "audio/wav", "raw": "audio/raw", "pcm": "audio/pcm", "flac": "audio/flac", "ogg": "audio/ogg",
    "opus": "audio/ogg", "mp3": "audio/mpeg", "aac": "audio/aac",
}
OPUS_RATES = (8000, 12000, 16000, 24000, 48000)
PCM_RATE = 24000  # OpenAI's pcm: raw 24 kHz 16-bit signed little-endian

_SF = {  # soundfile (format, subtype)
    "flac": ("FLAC", "PCM_16"),
    "ogg": ("OGG", "VORBIS"),
    "opus": ("OGG", "OPUS"),
    "mp3": ("MP3", "MPEG_LAYER_III"),
}


def _resample(x: np.ndarray, sr: int, target: int) -> np.ndarray:
    if sr == target:
        return x
    import soxr

    return soxr.resample(x, sr, target).astype(np.float32, copy=False)


def _int16(x: np.ndarray) -> bytes:
    return (np.clip(np.asarray(x, dtype=np.float32), -1.0, 1.0) * 32767.0).round().astype("<i2").tobytes()


def output_rate(fmt: str, sr: int) -> int:
    """The sample rate the encoded audio of ``fmt`` has for a voice at ``sr``."""
    if fmt == "pcm":
        return PCM_RATE
    if fmt == "opus" and sr not in OPUS_RATES:
        return 48000
    return sr


def available(fmt: str) -> str | None:
    """``None`` when ``fmt`` can be encoded here, else the reason (a plain sentence)."""
    if fmt not in CONTENT_TYPES:
        return f"unknown format {fmt!r}"
    if fmt in _SF:
        import soundfile as sf

        container, subtype = _SF[fmt]
        if container not in sf.available_formats() or subtype not in sf.available_subtypes(container):
            return (f"this installation's libsndfile ({sf.__libsndfile_version__}) cannot write {fmt} "
                    f"(needs {container}/{subtype})")
    if fmt == "aac":
        try:
            import av  # noqa: F401
        except ImportError:
            return "AAC needs PyAV (pip install 'timbrel[server]'), which is not installed"
    return None


def require(fmt: str) -> None:
    reason = available(fmt)
    if reason is not None:
        raise MissingAsset(f"Cannot encode {fmt}: {reason}.", hint="Ask for wav, flac or ogg instead.")


def wav_stream_header(sample_rate: int, unknown_length: bool = False) -> bytes:
    """The header of an empty 16-bit mono WAV file: what api_v2 sends before streamed raw PCM. With
    ``unknown_length`` the sizes are 0xFFFFFFFF instead (the usual "length unknown" mark, which decoders such as
    libsndfile and FFmpeg read to the end of the stream)."""
    byte_rate = sample_rate * 2
    riff, data = (0xFFFFFFFF, 0xFFFFFFFF) if unknown_length else (36, 0)
    return (b"RIFF" + struct.pack("<I", riff) + b"WAVE" + b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, sample_rate,
                                                                               byte_rate, 2, 16)
            + b"data" + struct.pack("<I", data))


class _TailBuffer(io.BytesIO):
    """A seekable buffer whose newly written tail can be taken out as it grows."""

    def __init__(self) -> None:
        super().__init__()
        self.sent = 0

    def take(self) -> bytes:
        data = self.getbuffer()[self.sent:].tobytes()
        self.sent += len(data)
        return data


class StreamEncoder:
    """Encode a response chunk by chunk. ``feed(samples)`` → bytes ready now; ``finish()`` → the rest."""

    def __init__(self, fmt: str, sample_rate: int, *, wav_header: str | None = "empty") -> None:
        require(fmt)
        self.fmt = fmt
        self.in_rate = int(sample_rate)
        self.rate = output_rate(fmt, self.in_rate)
        self._started = False
        self._rs = None
        self._wav_header = wav_header
        self._feed: Callable[[np.ndarray], bytes]
        self._finish: Callable[[], bytes]
        if fmt in ("wav", "raw", "pcm"):
            self._feed, self._finish = self._pcm_feed, lambda: b""
        elif fmt in _SF:
            import soundfile as sf

            container, subtype = _SF[fmt]
            self._buf = _TailBuffer()
            self._sf = sf.SoundFile(self._buf, "w", samplerate=self.rate, channels=1, format=container, subtype=subtype)
            self._feed, self._finish = self._sf_feed, self._sf_finish
        elif fmt == "aac":
            import av

            self._buf = _TailBuffer()
            self._av = av.open(self._buf, "w", format="adts")
            self._stream = self._av.add_stream("aac", rate=self.rate)
            self._stream.layout = "mono"
            self._pts = 0
            self._feed, self._finish = self._aac_feed, self._aac_finish
        else:  # pragma: no cover - require() refuses it first
            raise InvalidInput(f"Unknown audio format {fmt!r}.")

    def feed(self, samples: np.ndarray) -> bytes:
        x = np.asarray(samples, dtype=np.float32).reshape(-1)
        if self.in_rate != self.rate:   # one resampler for the whole stream: no seams between chunks
            if self._rs is None:
                import soxr

                self._rs = soxr.ResampleStream(self.in_rate, self.rate, 1, dtype="float32")
            x = self._rs.resample_chunk(x)
        out = self._feed(x)
        self._started = True
        return out

    def finish(self) -> bytes:
        head = b""
        if self._rs is not None:
            tail = self._rs.resample_chunk(np.zeros(0, dtype=np.float32), last=True)
            if len(tail):
                head = self._feed(tail)
        return head + self._finish()

    # -- pcm family -----------------------------------------------------------------------------------
    def _pcm_feed(self, x: np.ndarray) -> bytes:
        head = (wav_stream_header(self.rate, self._wav_header == "unknown")
                if (self.fmt == "wav" and self._wav_header and not self._started) else b"")
        return head + _int16(x)

    # -- libsndfile -----------------------------------------------------------------------------------
    def _sf_feed(self, x: np.ndarray) -> bytes:
        if len(x):
            self._sf.write(np.frombuffer(_int16(x), dtype="<i2") if self._sf.subtype == "PCM_16" else x)
        return self._buf.take()

    def _sf_finish(self) -> bytes:
        self._sf.close()
        return self._buf.take()

    # -- PyAV (AAC) -----------------------------------------------------------------------------------
    def _aac_feed(self, x: np.ndarray) -> bytes:
        import av

        if len(x):
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(x[None, :]), format="fltp", layout="mono")
            frame.sample_rate = self.rate
            frame.pts = self._pts
            self._pts += len(x)
            for packet in self._stream.encode(frame):
                self._av.mux(packet)
        return self._buf.take()

    def _aac_finish(self) -> bytes:
        for packet in self._stream.encode(None):
            self._av.mux(packet)
        self._av.close()
        return self._buf.take()


def encode(fmt: str, samples: np.ndarray, sample_rate: int) -> bytes:
    """A whole file of ``fmt`` (``wav`` gets a complete header with the real length)."""
    if fmt == "wav" or fmt in _SF:   # libsndfile fixes up headers (lengths) at close: keep the whole buffer
        import soundfile as sf

        require(fmt)
        container, subtype = _SF.get(fmt, ("WAV", "PCM_16"))
        rate = output_rate(fmt, int(sample_rate))
        out = io.BytesIO()
        x = _resample(np.asarray(samples, dtype=np.float32).reshape(-1), int(sample_rate), rate)
        if subtype == "PCM_16":   # the same float → int16 rounding as the streamed PCM
            x = np.frombuffer(_int16(x), dtype="<i2")
        sf.write(out, x, rate, format=container, subtype=subtype)
        return out.getvalue()
    enc = StreamEncoder(fmt, sample_rate, wav_header=None)
    return enc.feed(samples) + enc.finish()


__all__ = ["CONTENT_TYPES", "StreamEncoder", "encode", "available", "require", "output_rate", "wav_stream_header"]
