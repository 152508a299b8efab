"""The timbre encoders on real corpus audio."""

from __future__ import annotations

import numpy as np
import pytest

from engine.errors import AudioError, InvalidInput, MissingAsset


def _clip(corpus, truth, speaker, style=None, index=0):
    from engine.audio.io import read_audio

    clips = [c for c in truth["speakers"][speaker]["clips"] if style is None or c["style"] == style]
    return read_audio(corpus / clips[index]["file"])


def test_ge2e_separates_speakers_on_real_audio(corpus, truth, ge2e):
    a1 = ge2e.embed(*_clip(corpus, truth, "en_flite_awb", "neutral", 0))
    a2 = ge2e.embed(*_clip(corpus, truth, "en_flite_awb", "neutral", 1))
    b = ge2e.embed(*_clip(corpus, truth, "cs_festival_dita", "neutral", 0))
    c = ge2e.embed(*_clip(corpus, truth, "en_espeak_andrea", "neutral", 0))
    assert a1.shape == (256,) and a1.dtype == np.float32
    assert abs(np.linalg.norm(a1) - 1.0) < 1e-5
    assert a1 @ a2 > a1 @ b + 0.1
    assert a1 @ a2 > a1 @ c + 0.1


def test_ge2e_is_deterministic_and_rate_independent(corpus, truth, ge2e):
    from engine.audio.io import resample

    samples, sr = _clip(corpus, truth, "en_piper_joe")
    first = ge2e.embed(samples, sr)
    assert np.array_equal(first, ge2e.embed(samples, sr))
    other_rate = ge2e.embed(resample(samples, sr, 44100), 44100)
    assert float(first @ other_rate) > 0.98


def test_style_variants_stay_closer_to_their_speaker_than_other_speakers(corpus_cache, truth, corpus):
    """Clip level: an excited or sad clip is closer to its own speaker's neutral mean than to any other family's."""
    from engine.library.blobs import sha256_file

    def emb(c):
        return corpus_cache[sha256_file(corpus / c["file"])][0]

    means = {}
    for spk, info in truth["speakers"].items():
        m = np.mean([emb(c) for c in info["clips"] if c["style"] == "neutral"], axis=0)
        means[spk] = m / np.linalg.norm(m)
    wrong = 0
    total = 0
    for spk, info in truth["speakers"].items():
        for c in info["clips"]:
            if c["style"] == "neutral":
                continue
            total += 1
            e = emb(c)
            best = max(means, key=lambda s: float(e @ means[s]))
            if truth["speakers"][best]["family"] != info["family"]:
                wrong += 1
    assert total == 4 * len(truth["speakers"])
    assert wrong <= total * 0.05


def test_silence_is_refused(ge2e):
    with pytest.raises(AudioError):
        ge2e.embed(np.zeros(16000, dtype=np.float32), 16000)


def test_window_layout_covers_the_clip():
    from engine.analysis.encoders.ge2e import WINDOW_FRAMES, window_starts

    assert window_starts(50) == [0]
    starts = window_starts(500)
    assert starts[0] == 0 and all(b > a for a, b in zip(starts, starts[1:]))
    assert starts[-1] + WINDOW_FRAMES >= 500 * 0.9


def test_version_names_the_weights(ge2e):
    from engine.analysis.encoders.ge2e import _file_hash, weights_path

    assert ge2e.id == "ge2e"
    assert _file_hash(weights_path())[:12] in ge2e.version


def test_registry(ge2e):
    from engine.analysis.encoders import TimbreEncoder, available_encoders, get_encoder, register_encoder

    assert {"ge2e", "mfcc", "eres2netv2"} <= set(available_encoders())
    with pytest.raises(InvalidInput):
        get_encoder("no-such-encoder")

    class Broken(TimbreEncoder):
        id = "broken"
        version = ""

        def __init__(self, device=None):
            pass

        def embed(self, samples, sample_rate):
            return np.zeros(2, dtype=np.float32)

    register_encoder("broken", Broken)
    with pytest.raises(MissingAsset):
        get_encoder("broken")


def test_mfcc_baseline_on_real_audio(corpus, truth):
    from engine.analysis.encoders import get_encoder

    enc = get_encoder("mfcc")
    v = enc.embed(*_clip(corpus, truth, "en_flite_awb"))
    assert v.shape == (enc.dim,) and abs(np.linalg.norm(v) - 1) < 1e-5


def _tiny_sv_checkpoint(path):
    import torch

    from engine.backends.gptsovits.eres2net import ERes2NetConfig, ERes2NetV2

    torch.manual_seed(0)
    net = ERes2NetV2(ERes2NetConfig(num_blocks=[1, 1, 1, 1], m_channels=8, embedding_size=16))
    torch.save(net.state_dict(), path)
    return path


def test_eres2netv2_adapter_runs_a_linked_checkpoint(tmp_path, corpus, truth):
    """The ERes2NetV2 encoder plugs the backends' network into the encoder interface (tiny random weights here:
    the real GPT-SoVITS checkpoint is a user asset)."""
    from engine.analysis.encoders import get_encoder

    ckpt = _tiny_sv_checkpoint(tmp_path / "sv.ckpt")
    enc = get_encoder("eres2netv2", path=ckpt)
    samples, sr = _clip(corpus, truth, "en_flite_awb")
    v = enc.embed(samples, sr)
    assert enc.id == "eres2netv2" and enc.dim == 16 and v.shape == (16,)
    assert abs(np.linalg.norm(v) - 1) < 1e-5
    assert np.array_equal(v, enc.embed(samples, sr))
    from engine.analysis.encoders.ge2e import _file_hash

    assert _file_hash(ckpt)[:12] in enc.version


def test_eres2netv2_without_linked_assets_says_what_to_do(engine):
    with pytest.raises(MissingAsset) as info:
        engine.analysis.encoder("eres2netv2")
    assert "assets" in (info.value.hint or "")


def test_missing_weights_say_how_to_install(monkeypatch):
    import importlib.util
    import sys

    from engine.analysis.encoders import ge2e

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    monkeypatch.setattr(sys, "path", [])
    with pytest.raises(MissingAsset) as info:
        ge2e.weights_path()
    assert "Resemblyzer" in info.value.hint
