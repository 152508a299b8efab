"""emotion2vec+ parity with FunASR's reference arrays (tiny random-weight model), real-size key manifests, and
the loader's strictness. Fixtures: the folder named by TIMBREL_E2V_FIXTURES (default ../shared/fixtures/emotion2vec
beside the checkout)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.errors import AudioError, InvalidInput, UnsafeFile

REPO = Path(__file__).resolve().parents[2]
_SHARED = Path(os.environ.get("TIMBREL_SHARED") or (REPO.parent / "shared"))
FIXTURES = Path(os.environ.get("TIMBREL_E2V_FIXTURES") or (_SHARED / "fixtures" / "emotion2vec"))
if not Path(FIXTURES).is_absolute():
    FIXTURES = REPO / FIXTURES
INPUTS = ("a_1s", "b_7s", "d_quiet", "e_short")
REL_TOL, SCORE_TOL = 1e-4, 1e-5


@pytest.fixture(scope="module")
def fx():
    if not FIXTURES.is_dir():
        pytest.fail(f"emotion2vec fixtures missing at {FIXTURES} (set TIMBREL_E2V_FIXTURES)")
    return np.load(FIXTURES / "emotion2vec_tiny.npz")


@pytest.fixture(scope="module")
def e2v(fx):
    from engine.analysis.emotion2vec import Emotion2Vec

    torch.set_num_threads(1)
    return Emotion2Vec.from_funasr_folder(FIXTURES / "emotion2vec_tiny")


def rel_err(got, ref) -> float:
    got, ref = np.asarray(got, dtype=np.float64), np.asarray(ref, dtype=np.float64)
    assert got.shape == ref.shape
    return float(np.abs(got - ref).max() / max(np.abs(ref).max(), 1e-30))


def _check_all(e2v, fx, prefix: str, x16k: np.ndarray) -> None:
    parts = e2v.model.forward_intermediates(torch.from_numpy(x16k)[None])
    names = {"frames": "frame_features"}
    checked = 0
    for key, value in parts.items():
        ref_key = f"{prefix}__{names.get(key, key)}"
        if ref_key in fx.files:
            ref = fx[ref_key]
            err = rel_err(value.detach().numpy().reshape(ref.shape), ref)
            assert err < REL_TOL, f"{ref_key}: relative error {err:.2e}"
            checked += 1
    expected = {k for k in fx.files if k.startswith(prefix + "__")} - {
        f"{prefix}__{s}" for s in ("input", "input_sr", "x16k", "embedding", "scores")}
    assert checked == len(expected), "some stored intermediates were not compared"


@pytest.mark.parametrize("name", INPUTS)
def test_every_intermediate_matches_the_reference(e2v, fx, name):
    x = fx[f"{name}__input"]
    assert int(fx[f"{name}__input_sr"]) == 16000
    _check_all(e2v, fx, name, x)
    pred = e2v.predict(x, 16000)
    assert np.abs(pred.scores - fx[f"{name}__scores"]).max() < SCORE_TOL
    assert rel_err(pred.embedding, fx[f"{name}__embedding"]) < REL_TOL
    assert int(pred.scores.argmax()) == int(fx[f"{name}__scores"].argmax())
    assert pred.frames == fx[f"{name}__frame_features"].shape[0]
    frames = e2v.frame_features(x, 16000)
    assert rel_err(frames, fx[f"{name}__frame_features"]) < REL_TOL


def test_labels_in_tokens_order(e2v, fx):
    assert list(e2v.cfg.labels) == [str(s) for s in fx["labels"]]
    pred = e2v.predict(fx["a_1s__input"], 16000)
    probs = pred.probabilities
    assert list(probs)[:8] == ["angry", "disgusted", "fearful", "happy", "neutral", "other", "sad", "surprised"]
    assert probs["unknown"] == pytest.approx(float(fx["a_1s__scores"][8]), abs=SCORE_TOL)
    assert pred.top[0] == "happy" and pred.top[1] == pytest.approx(float(fx["a_1s__scores"][3]), abs=SCORE_TOL)
    assert sum(probs.values()) == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("variant,method", [("librosa", "soxr"), ("torchaudio", "sinc")])
def test_both_resampling_variants(e2v, fx, variant, method):
    from engine.analysis.emotion2vec.resample import to_16k

    prefix = f"c_44k1_{variant}"
    x44 = fx["c_44k1__input"]
    x16 = to_16k(x44, int(fx["c_44k1__input_sr"]), method)
    ref16 = fx[f"{prefix}__x16k"]
    assert x16.shape == ref16.shape
    assert np.abs(x16 - ref16).max() < 1e-5
    _check_all(e2v, fx, prefix, ref16)
    e2v.resampler = method
    try:
        pred = e2v.predict(x44, 44100)
    finally:
        e2v.resampler = "sinc"
    assert np.abs(pred.scores - fx[f"{prefix}__scores"]).max() < SCORE_TOL
    assert rel_err(pred.embedding, fx[f"{prefix}__embedding"]) < REL_TOL


def test_the_resamplers_really_differ(fx):
    """Guards the variant test: the two references are far apart, so matching one is a real choice."""
    a, b = fx["c_44k1_librosa__x16k"], fx["c_44k1_torchaudio__x16k"]
    assert np.abs(a - b).max() > 1e-3


def test_wav_files_give_the_same_result(e2v, fx):
    from engine.audio.io import read_audio

    for name in ("a_1s_16000", "e_short_16000", "c_44k1_44100"):
        samples, sr = read_audio(FIXTURES / "wav" / f"{name}.wav")
        key = name.rsplit("_", 1)[0]
        ref = "c_44k1_torchaudio" if key == "c_44k1" else key
        assert np.array_equal(samples, fx[f"{key}__input"])
        pred = e2v.predict(samples, sr)
        assert np.abs(pred.scores - fx[f"{ref}__scores"]).max() < SCORE_TOL


def test_alibi_slopes(fx):
    from engine.analysis.emotion2vec.model import alibi_slopes

    for h in (12, 16):
        np.testing.assert_allclose(alibi_slopes(h), fx[f"alibi_slopes_h{h}"], rtol=1e-6)


def test_too_short_and_long_clips(e2v, fx):
    with pytest.raises(AudioError, match="too short"):
        e2v.predict(np.zeros(399, np.float32), 16000)
    x = fx["b_7s__input"]
    one = e2v.predict(x, 16000)
    old = e2v.window_s
    try:
        e2v.window_s = 3.5
        assert [len(p) for p in e2v.windows(x)] == [56000, 56345]        # the 0.02 s tail joins the last window
        e2v.window_s = 2.0
        parts = e2v.windows(x)
        assert [len(p) for p in parts] == [32000, 32000, 32000, 16345]
        windowed = e2v.predict(x, 16000)
    finally:
        e2v.window_s = old
    assert windowed.windows == 4 and one.windows == 1
    assert windowed.frames == sum(e2v.cfg.frames(len(p)) for p in parts)
    assert abs(float(windowed.scores.sum()) - 1.0) < 1e-5
    assert np.abs(windowed.scores - one.scores).max() > 1e-7     # a different computation, not a copy


# -- real-size layouts ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("which", ["plus_base", "plus_large"])
def test_real_size_key_manifest(which):
    from engine.analysis.emotion2vec.config import config_from_yaml, read_tokens
    from engine.analysis.emotion2vec.weights import IGNORED, _strip, expected_tensors

    manifest = json.loads((FIXTURES / f"keys_emotion2vec_{which}.json").read_text("utf-8"))
    cfg = config_from_yaml(manifest["config"], read_tokens(FIXTURES / "emotion2vec_tiny" / "tokens.txt"))
    ours = expected_tensors(cfg)
    theirs = {k: tuple(shape) for k, shape, _ in manifest["checkpoint"]}
    assert sorted(ours) == sorted(theirs)
    for key, (_, shape) in ours.items():
        assert shape == theirs[key], key
    assert {dt for _, _, dt in manifest["checkpoint"]} == {"float32"}
    assert len(ours) == manifest["n_checkpoint_tensors"]
    assert sum(int(np.prod(s)) for _, s in ours.values()) == manifest["n_checkpoint_params"]
    assert all(IGNORED.match(_strip(k)) for k, _, _ in manifest["funasr_only_keys"])


# -- loader strictness ------------------------------------------------------------------------------------------
def _copy_folder(tmp_path: Path, mutate=None, wrap=None) -> Path:
    import shutil

    dest = tmp_path / "e2v"
    shutil.copytree(FIXTURES / "emotion2vec_tiny", dest)
    if mutate is not None or wrap is not None:
        table = dict(torch.load(dest / "model.pt", weights_only=True)["model"])
        if mutate is not None:
            mutate(table)
        torch.save(wrap(table) if wrap else {"model": table}, dest / "model.pt")
    return dest


def test_loader_is_strict(tmp_path, fx):
    from engine.analysis.emotion2vec import Emotion2Vec

    def drop(t):
        del t["d2v_model.blocks.1.mlp.fc2.bias"]

    with pytest.raises(InvalidInput, match="lacks 1 tensor"):
        Emotion2Vec.from_funasr_folder(_copy_folder(tmp_path / "a", drop))

    def reshape(t):
        t["proj.weight"] = torch.zeros(8, 96)

    with pytest.raises(InvalidInput, match="shape"):
        Emotion2Vec.from_funasr_folder(_copy_folder(tmp_path / "b", reshape))

    def extra(t):
        t["d2v_model.something_else.weight"] = torch.zeros(3)

    with pytest.raises(InvalidInput, match="does not have"):
        Emotion2Vec.from_funasr_folder(_copy_folder(tmp_path / "c", extra))


def test_loader_accepts_pretraining_tensors_and_wrappers(tmp_path, fx):
    from engine.analysis.emotion2vec import Emotion2Vec

    def pretraining(t):
        t["d2v_model.modality_encoders.AUDIO.decoder.blocks.0.0.weight"] = torch.zeros(16, 1, 7)
        t["d2v_model._ema.blocks.0.norm1.weight"] = torch.zeros(96)

    m = Emotion2Vec.from_funasr_folder(_copy_folder(tmp_path / "a", pretraining))
    assert np.abs(m.predict(fx["a_1s__input"], 16000).scores - fx["a_1s__scores"]).max() < SCORE_TOL

    def ddp(t):
        return {"state_dict": {"module." + k: v for k, v in t.items()}}

    m = Emotion2Vec.from_funasr_folder(_copy_folder(tmp_path / "b", wrap=ddp))
    assert np.abs(m.predict(fx["e_short__input"], 16000).scores - fx["e_short__scores"]).max() < SCORE_TOL


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_loader_refuses_code_in_the_pickle(tmp_path):
    from engine.analysis.emotion2vec import Emotion2Vec

    folder = _copy_folder(tmp_path)
    table = dict(torch.load(folder / "model.pt", weights_only=True)["model"])
    torch.save({"model": table, "extra": _Evil()}, folder / "model.pt")
    with pytest.raises(UnsafeFile):
        Emotion2Vec.from_funasr_folder(folder)


def test_config_is_read_safely(tmp_path):
    from engine.analysis.emotion2vec.config import parse_conv_spec

    assert parse_conv_spec("[(512, 10, 5)] + [(512, 3, 2)] * 4 + [(512,2,2)] + [(512,2,2)]") == (
        (512, 10, 5), (512, 3, 2), (512, 3, 2), (512, 3, 2), (512, 3, 2), (512, 2, 2), (512, 2, 2))
    for bad in ("__import__('os').system('x')", "[(1, 2)]", "[(1,2,3)] * 10**9", "[]"):
        with pytest.raises(InvalidInput):
            parse_conv_spec(bad)
    folder = _copy_folder(tmp_path)
    text = (folder / "config.yaml").read_text("utf-8").replace("layer_norm_first: false", "layer_norm_first: true")
    (folder / "config.yaml").write_text(text, "utf-8")
    from engine.analysis.emotion2vec import load_config

    with pytest.raises(InvalidInput, match="layer_norm_first"):
        load_config(folder)


def test_safetensors_asset_round_trip(tmp_path, fx):
    from engine.analysis.emotion2vec import Emotion2Vec
    from engine.analysis.emotion2vec.weights import META_FILE, WEIGHTS_FILE, convert_folder

    asset = convert_folder(FIXTURES / "emotion2vec_tiny", tmp_path / "assets")
    assert (asset / WEIGHTS_FILE).is_file() and (asset / META_FILE).is_file()
    mtime = (asset / WEIGHTS_FILE).stat().st_mtime_ns
    assert convert_folder(FIXTURES / "emotion2vec_tiny", tmp_path / "assets") == asset    # reused
    assert (asset / WEIGHTS_FILE).stat().st_mtime_ns == mtime
    m = Emotion2Vec.from_asset(asset)
    assert m.id == asset.name and m.id.startswith("emotion2vec_d96-")
    for name in ("a_1s", "d_quiet"):
        pred = m.predict(fx[f"{name}__input"], 16000)
        assert np.abs(pred.scores - fx[f"{name}__scores"]).max() < SCORE_TOL


def test_device_argument_on_cpu(fx):
    """The device path (model and ALiBi bias built on ``device``) on the CPU device; the CUDA run is below."""
    from engine.analysis.emotion2vec import Emotion2Vec

    m = Emotion2Vec.from_funasr_folder(FIXTURES / "emotion2vec_tiny", device=torch.device("cpu"))
    assert next(m.model.parameters()).device.type == "cpu"
    assert np.abs(m.predict(fx["a_1s__input"], 16000).scores - fx["a_1s__scores"]).max() < SCORE_TOL


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_on_cuda_within_the_gpu_tolerance(fx):
    """GPU arithmetic (TF32 convolutions) does not meet the fp32 CPU tolerance: ~1e-2 relative and the same argmax."""
    from engine.analysis.emotion2vec import Emotion2Vec

    m = Emotion2Vec.from_funasr_folder(FIXTURES / "emotion2vec_tiny", device=torch.device("cuda"))
    for name in INPUTS:
        pred = m.predict(fx[f"{name}__input"], 16000)
        assert int(pred.scores.argmax()) == int(fx[f"{name}__scores"].argmax())
        assert rel_err(pred.embedding, fx[f"{name}__embedding"]) < 1e-2
        assert rel_err(m.frame_features(fx[f"{name}__input"], 16000), fx[f"{name}__frame_features"]) < 1e-2


@pytest.mark.parametrize("rate", [8000, 22050, 48000])
@pytest.mark.parametrize("method", ["sinc", "soxr"])
def test_other_rates_resample_cleanly(rate, method):
    """Up- and down-sampling keep a 1 kHz tone (amplitude and frequency) and give ceil(N * 16000 / rate) samples."""
    from engine.analysis.emotion2vec.resample import to_16k

    n = rate // 2 + 7
    t = np.arange(n) / rate
    y = to_16k((0.5 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32), rate, method)
    assert len(y) == int(np.ceil(n * 16000 / rate))
    mid = y[800:-800]
    ref = 0.5 * np.sin(2 * np.pi * 1000 * np.arange(len(y)) / 16000)[800:-800]
    assert np.abs(mid - ref).max() < 2e-3
