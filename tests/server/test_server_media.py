"""Every media type, streamed and whole, decoded back and compared with the engine's own rendering.

Lossless formats (wav, raw, pcm at the voice's rate, flac) must give the engine's 16-bit samples exactly;
lossy ones (ogg/vorbis, opus, mp3, aac) must decode to audio of the right length whose loudness envelope
follows the reference (the codecs add delay and padding, so lengths are compared with a tolerance).
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import decode, pcm16, solo

TEXT = "Streaming audio, one sentence at a time. Here comes the second one! And a third."
LOSSLESS = {"wav", "raw", "flac"}


def _envelope(x: np.ndarray, sr: int, hop_s: float = 0.05) -> np.ndarray:
    hop = max(1, int(sr * hop_s))
    n = len(x) // hop
    return np.sqrt(np.mean(x[: n * hop].reshape(n, hop) ** 2, axis=1))


def _check(got: np.ndarray, sr: int, ref: np.ndarray, ref_sr: int, fmt: str) -> None:
    if fmt in LOSSLESS:
        assert sr == ref_sr
        assert np.array_equal(pcm16(got), pcm16(ref)), f"{fmt}: samples differ from the engine's"
        return
    dur, ref_dur = len(got) / sr, len(ref) / ref_sr
    assert abs(dur - ref_dur) < 0.15, f"{fmt}: {dur:.3f} s vs {ref_dur:.3f} s"
    a, b = _envelope(got, sr, 0.02), _envelope(ref, ref_sr, 0.02)
    best = -1.0
    for lag in range(0, 8):          # codecs delay the signal (encoder priming): up to 160 ms
        n = min(len(a) - lag, len(b))
        best = max(best, float(np.corrcoef(a[lag:lag + n], b[:n])[0, 1]))
    assert best > 0.8, f"{fmt}: loudness envelope correlation {best:.2f}"


@pytest.fixture(scope="module")
def reference(lib_engine):
    return solo(lib_engine, TEXT, "en_flite_awb_m125", seed=9)


@pytest.mark.parametrize("streaming", [False, True], ids=["whole", "streamed"])
@pytest.mark.parametrize("fmt", ["wav", "raw", "ogg", "aac", "flac", "mp3", "opus"])
def test_tts_media_types(client, reference, fmt, streaming):
    body = {"text": TEXT, "text_lang": "en", "voice": "en_flite_awb_m125", "seed": 9, "media_type": fmt,
            "streaming_mode": streaming}
    with client.stream("POST", "/tts", json=body) as r:
        assert r.status_code == 200, r.read()
        assert r.headers["content-type"] == f"audio/{fmt}"          # api_v2: audio/{media_type}
        pieces = [p for p in r.iter_bytes() if p]
    if streaming:
        assert r.headers.get("transfer-encoding") == "chunked"
    got, sr = decode(b"".join(pieces), fmt, int(r.headers["x-sample-rate"]))
    _check(got, sr, *reference, fmt)


OPENAI_TYPES = {"mp3": "audio/mpeg", "opus": "audio/ogg", "aac": "audio/aac", "flac": "audio/flac", "wav": "audio/wav",
                "pcm": "audio/pcm"}


@pytest.mark.parametrize("fmt", sorted(OPENAI_TYPES))
def test_openai_response_formats(client, reference, fmt):
    # the OpenAI Python client's audio.speech.create(model=..., voice=..., input=..., response_format=..., speed=...)
    body = {"model": "tts-1", "input": TEXT, "voice": "en_flite_awb_m125", "response_format": fmt, "speed": 1.0,
            "seed": 9}
    with client.stream("POST", "/v1/audio/speech", json=body) as r:
        assert r.status_code == 200, r.read()
        assert r.headers["content-type"] == OPENAI_TYPES[fmt]
        data = b"".join(r.iter_bytes())
    got, sr = decode(data, fmt, 24000 if fmt == "pcm" else None)
    ref, ref_sr = reference
    if fmt == "pcm":   # OpenAI's pcm is 24 kHz: compare after the same resampling
        import soxr

        ref, ref_sr = soxr.resample(ref, ref_sr, 24000).astype(np.float32), 24000
        n = min(len(got), len(ref))
        assert abs(len(got) - len(ref)) <= 2
        snr = 10 * np.log10(np.sum(ref[:n] ** 2) / max(1e-12, float(np.sum((got[:n] - ref[:n]) ** 2))))
        assert snr > 40, f"pcm: {snr:.1f} dB from the engine's audio resampled in one go"
        return
    if fmt == "wav":   # streamed with "unknown length" sizes, which libsndfile reads to the end
        import io

        import soundfile as sf

        x, s = sf.read(io.BytesIO(data), dtype="int16")
        assert s == ref_sr and np.array_equal(x, pcm16(ref))
    _check(got, sr, ref, ref_sr, fmt)
