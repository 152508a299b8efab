"""Audio ingest: decoding, level, voice activity, trimming, splitting, and what is refused."""

from __future__ import annotations

import io
import struct

import numpy as np
import pytest
import soundfile as sf
from library_helpers import synth_speech, write

from engine.audio import ingest
from engine.audio.io import decode_audio, encode_flac, flac_audio_md5
from engine.audio.loudness import TARGET_LUFS, integrated_loudness, plan_level
from engine.audio.segment import MAX_CLIP_S, MIN_CLIP_S
from engine.errors import AudioError


def _decode(data: bytes) -> tuple[np.ndarray, int]:
    return sf.read(io.BytesIO(data), dtype="float32")


@pytest.mark.parametrize("sr", [16000, 22050, 32000, 48000])
def test_loudness_of_a_full_scale_997hz_sine_is_minus_3_lufs(sr):
    t = np.arange(sr * 3) / sr
    assert integrated_loudness(np.sin(2 * np.pi * 997 * t), sr) == pytest.approx(-3.01, abs=0.05)


def test_loudness_of_silence_is_minus_inf():
    assert integrated_loudness(np.zeros(16000), 16000) == -np.inf


def test_level_plan_targets_r128_with_a_peak_ceiling_and_leaves_near_target_alone():
    sr = 22050
    x = synth_speech(5, sr, level=0.05)
    quiet = plan_level(x, sr)
    assert quiet.gain_db > 0
    assert integrated_loudness(x * quiet.gain, sr) == pytest.approx(TARGET_LUFS, abs=0.1)
    near = x * 10 ** ((TARGET_LUFS + 0.5 - quiet.loudness_lufs) / 20)
    assert plan_level(near, sr).gain_db == 0.0
    spiky = x.copy()
    spiky[1000] = 0.999  # one click at full scale: the ceiling wins over the loudness target
    p = plan_level(spiky, sr)
    assert np.max(np.abs(spiky * p.gain)) <= 10 ** (-1 / 20) + 1e-6


def test_corpus_clip_is_trimmed_normalised_and_kept_at_its_rate(corpus):
    src = corpus / "clips" / "en_flite_awb" / "01.flac"
    orig, sr = sf.read(src, dtype="float32")
    prepared = ingest.prepare(src, split=False)
    assert len(prepared.clips) == 1
    clip = prepared.clips[0]
    x, out_sr = _decode(clip.flac)
    assert out_sr == sr == 16000  # never upsampled
    assert MIN_CLIP_S <= clip.duration <= MAX_CLIP_S
    assert clip.duration < len(orig) / sr  # 0.2 s lead / 0.25 s tail silence trimmed to the margins
    assert clip.duration > len(orig) / sr - 0.45
    assert integrated_loudness(x, sr) == pytest.approx(TARGET_LUFS, abs=1.05)
    assert np.max(np.abs(x)) <= 10 ** (-1 / 20) + 1e-4
    # the speech itself is intact: correlate with the source at the trim offset
    off = int(round(clip.start * sr))
    ref = orig[off:off + len(x)]
    assert np.corrcoef(ref, x)[0, 1] > 0.999


def test_preparation_is_deterministic_and_idempotent(corpus, tmp_path):
    src = corpus / "clips" / "ja_espeak_jacky" / "03.flac"
    a = ingest.prepare(src, split=False).clips[0]
    b = ingest.prepare(src, split=False).clips[0]
    assert a.flac == b.flac
    again = tmp_path / "again.flac"
    again.write_bytes(a.flac)
    c = ingest.prepare(again, split=False).clips[0]
    assert c.gain_db == 0.0
    assert flac_audio_md5(c.flac) == flac_audio_md5(a.flac)  # same samples after a second pass


def test_high_rates_are_capped_at_32k_and_low_rates_kept(tmp_path):
    x48 = synth_speech(5, 48000)
    p = ingest.prepare(write(tmp_path / "hi.wav", x48, 48000))
    assert p.source_rate == 48000 and p.clips[0].sample_rate == ingest.MAX_STORED_RATE
    x16 = synth_speech(5, 16000)
    assert ingest.prepare(write(tmp_path / "lo.wav", x16, 16000)).clips[0].sample_rate == 16000
    x12 = synth_speech(5, 12000)
    low = ingest.prepare(write(tmp_path / "vlow.wav", x12, 12000))
    assert low.clips[0].sample_rate == 12000 and any("low sample rate" in w for w in low.warnings)


def test_stereo_is_mixed_to_mono(tmp_path):
    x = synth_speech(5, 22050)
    p = ingest.prepare(write(tmp_path / "st.wav", np.stack([x, x * 0.5], axis=1), 22050))
    assert sf.info(io.BytesIO(p.clips[0].flac)).channels == 1


def test_long_recording_is_split_at_its_pauses(corpus, tmp_path):
    parts = [sf.read(corpus / "clips" / "en_flite_rms" / f"0{i}.flac", dtype="float32")[0] for i in (1, 2, 3)]
    joins = np.cumsum([len(p) for p in parts])[:-1] / 16000
    path = write(tmp_path / "long.wav", np.concatenate(parts), 16000)
    p = ingest.prepare(path)
    assert p.split and len(p.clips) == 3
    for c in p.clips:
        assert MIN_CLIP_S <= c.duration <= MAX_CLIP_S
    # each cut falls in the silence around a join (0.45 s of silence there)
    for c, j in zip(p.clips[:-1], joins):
        assert j - 0.3 <= c.end <= j + 0.3


def test_speech_without_pauses_is_cut_at_quiet_points_into_valid_clips(tmp_path):
    x = synth_speech(27, 16000, seed=3)
    p = ingest.prepare(write(tmp_path / "ramble.wav", x, 16000))
    assert len(p.clips) >= 3
    assert all(MIN_CLIP_S <= c.duration <= MAX_CLIP_S for c in p.clips)
    assert any("did not pause" in w for w in p.warnings)


def test_pauses_are_preferred_over_forced_cuts(tmp_path):
    x = synth_speech(16, 16000, seed=5, pauses=(7.0,), pause_s=0.6)
    p = ingest.prepare(write(tmp_path / "two.wav", x, 16000))
    assert len(p.clips) == 2
    assert not any("did not pause" in w for w in p.warnings)


def test_transcribed_recordings_are_not_split(tmp_path):
    x = synth_speech(14, 16000, seed=1, pauses=(7.0,))
    with pytest.raises(AudioError, match="transcribed reference must be 3–10 s"):
        ingest.prepare(write(tmp_path / "long.wav", x, 16000), split=False)


def test_nearly_10s_of_speech_keeps_the_clip_within_10s(tmp_path):
    x = synth_speech(9.85, 16000, seed=2, lead=0.5, tail=0.5)
    clip = ingest.prepare(write(tmp_path / "nine.wav", x, 16000), split=False).clips[0]
    assert clip.duration <= MAX_CLIP_S


@pytest.mark.parametrize("case, message", [
    ("silent", "silent"),
    ("noise-only", "no speech"),
    (r"short", r"only 1\.\d s of speech"),
    ("clipped", "clipped beyond repair"),
    ("nan", "NaN"),
    ("empty", "empty"),
    ("truncated", "damaged or truncated|not audio"),
    ("text", "not audio Timbrel can decode"),
    ("header-only", "no audio samples"),
])
def test_unusable_audio_is_refused_with_a_clear_reason(tmp_path, case, message):
    sr = 16000
    p = tmp_path / f"{case}.wav"
    if case == "silent":
        write(p, np.zeros(sr * 5, np.float32), sr)
    elif case == "noise-only":
        write(p, (np.random.default_rng(0).standard_normal(sr * 5) * 0.01).astype(np.float32), sr)
    elif case == "short":
        write(p, synth_speech(1.5, sr), sr)
    elif case == "clipped":
        write(p, np.clip(synth_speech(5, sr) * 12, -1, 1), sr)
    elif case == "nan":
        x = synth_speech(5, sr)
        x[100:200] = np.nan
        write(p, x, sr, subtype="FLOAT")
    elif case == "empty":
        p.write_bytes(b"")
    elif case == "truncated":
        p = tmp_path / "truncated.flac"
        data = encode_flac(synth_speech(5, sr), sr)
        p.write_bytes(data[: len(data) // 2])
    elif case == "text":
        p.write_text("this is not audio\n" * 50)
    elif case == "header-only":
        buf = io.BytesIO()
        sf.write(buf, np.zeros(0, np.int16), sr, format="WAV")
        p.write_bytes(buf.getvalue())
    with pytest.raises(AudioError, match=message):
        ingest.prepare(p)


def test_lightly_clipped_audio_imports_with_a_warning(tmp_path):
    x = synth_speech(5, 16000, level=0.3)
    x = x / np.max(np.abs(x))
    x = np.clip(x * 1.2, -1, 1)  # the tops flattened: a few tenths of a percent of the samples
    p = ingest.prepare(write(tmp_path / "hot.wav", x, 16000))
    assert any("clipped" in w for w in p.warnings)


def test_huge_header_claims_cannot_make_the_decoder_allocate(tmp_path):
    # a WAV whose RIFF/data sizes claim ~4 GB but holding 1 s: decoded as what is there
    buf = io.BytesIO()
    sf.write(buf, synth_speech(4, 16000), 16000, format="WAV", subtype="PCM_16")
    data = bytearray(buf.getvalue())
    i = data.find(b"data")
    data[i + 4:i + 8] = struct.pack("<I", 0xFFFFFFF0)
    data[4:8] = struct.pack("<I", 0xFFFFFFF8)
    p = tmp_path / "huge.wav"
    p.write_bytes(bytes(data))
    x, _ = decode_audio(p)
    assert len(x) < 16000 * 6
    # and a long recording is refused by length before it fills memory
    with pytest.raises(AudioError, match="longer than"):
        decode_audio(p, max_seconds=1.0)


def test_unicode_paths_decode(tmp_path):
    p = write(tmp_path / "声音 ñandú" / "clip é.wav", synth_speech(4, 16000), 16000)
    assert len(ingest.prepare(p).clips) == 1


def test_flac_md5_reads_streaminfo():
    x = (np.sin(np.arange(16000) / 5) * 0.3).astype(np.float32)
    data = encode_flac(x, 16000)
    from engine.audio.io import to_pcm16
    import hashlib

    assert flac_audio_md5(data) == hashlib.md5(to_pcm16(x).astype("<i2").tobytes()).hexdigest()
    assert flac_audio_md5(b"RIFF....") is None


def test_a_forced_cut_leaves_enough_for_the_next_clip(tmp_path):
    # 12 s of unbroken speech: the cut must leave >= 3 s after it, so nothing is dropped
    x = synth_speech(12.0, 16000, seed=6)  # its quietest point overall lies 2.4 s before the end
    p = ingest.prepare(write(tmp_path / "twelve.wav", x, 16000))
    assert len(p.clips) == 2
    assert all(MIN_CLIP_S <= c.duration <= MAX_CLIP_S for c in p.clips)
    assert not any("dropped" in w for w in p.warnings)


@pytest.mark.parametrize("fmt, subtype, ext", [
    ("OGG", "VORBIS", ".ogg"), ("OGG", "OPUS", ".opus"), ("MP3", "MPEG_LAYER_III", ".mp3"),
    ("WAV", "PCM_24", ".wav"), ("WAV", "FLOAT", ".wav"), ("AIFF", "PCM_16", ".aiff"),
])
def test_compressed_and_other_formats_import(tmp_path, fmt, subtype, ext):
    if subtype not in sf.available_subtypes(fmt):
        pytest.skip(f"this libsndfile cannot write {fmt}/{subtype}")
    sr = 48000 if subtype == "OPUS" else 22050
    p = tmp_path / f"speech{ext}"
    sf.write(str(p), synth_speech(5, sr), sr, format=fmt, subtype=subtype)
    prepared = ingest.prepare(p)
    assert len(prepared.clips) == 1
    assert prepared.clips[0].sample_rate == min(sr, ingest.MAX_STORED_RATE)
    assert _decode(prepared.clips[0].flac)[0].size > 0
