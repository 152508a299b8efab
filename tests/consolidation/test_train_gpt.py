"""GPT fine-tuning on CPU: tiny fixture base, real corpus audio, tiny random HuBERT for the features."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict

import pytest
import torch

from engine.backends.gptsovits.checkpoint import read_gpt_file, read_sovits_file
from engine.backends.gptsovits.convert import convert_pair
from engine.consolidation import versions
from engine.consolidation.export import export_base
from engine.consolidation.train.finetune import FineTune, FineTuneSettings
from engine.consolidation.train.gpt import collate, gpt_loss
from engine.errors import Cancelled

SETTINGS = dict(gpt_lr=1e-3, gpt_warmup=1, batch_size=4, save_every=0)


def test_dataset_features(train_dataset):
    ds = train_dataset
    assert ds.voices == ["en_flite_awb", "en_flite_awb_m125"] and len(ds.samples) == 4 and not ds.skipped
    for s in ds.samples:
        assert s.phones.dtype == torch.long and s.phones.min() >= 0 and s.phones.max() < 732
        assert s.bert.shape == (1024, s.phones.numel()) and not s.bert.any()          # English: zeros, as upstream
        assert s.ssl.shape[0] == 768 and s.semantic.numel() == s.ssl.shape[1] // 2   # 50 Hz → 25 Hz
        assert 0 <= int(s.semantic.min()) and int(s.semantic.max()) < 1024
        assert abs(s.wav32k.numel() / 32000 - s.ssl.shape[1] / 50) < 0.1


def test_gpt_loss_decreases_on_a_fixed_batch(train_engine, train_dataset):
    ft = FineTune(train_engine, "tiny", train_dataset, FineTuneSettings(**SETTINGS), workdir=train_engine.library.root / "w")
    batch = collate(train_dataset.samples)
    with torch.no_grad():
        before = float(gpt_loss(ft.gpt, batch))
    events = []
    train_engine.events.subscribe("training.progress", events.append)
    ft.train_gpt(6)
    with torch.no_grad():
        after = float(gpt_loss(ft.gpt, batch))
    assert after < before - 0.1
    assert [e.data["step"] for e in events] == [1, 2, 3, 4, 5, 6]


def test_gpt_checkpoint_resumes_bit_exactly(train_engine, train_dataset, tmp_path):
    s = FineTuneSettings(**SETTINGS)
    straight = FineTune(train_engine, "tiny", train_dataset, s, workdir=tmp_path / "a")
    straight.train_gpt(4)
    first = FineTune(train_engine, "tiny", train_dataset, s, workdir=tmp_path / "b")
    cancel = threading.Event()
    with pytest.raises(Cancelled):
        first.train_gpt(4, progress=lambda step, total, losses: cancel.set() if step == 2 else None, cancel=cancel)
    assert first.gpt_checkpoint.is_file()
    resumed = FineTune(train_engine, "tiny", train_dataset, s, workdir=tmp_path / "b")
    state = resumed.train_gpt(4, resume=True)
    assert state.step == 4 and [h["step"] for h in state.history] == [1, 2, 3, 4]
    a, b = straight.gpt.state_dict(), resumed.gpt.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert [h["ce"] for h in straight.gpt_loop.state.history] == [h["ce"] for h in state.history]


def test_fine_tune_registers_a_version_and_exports_upstream_files(train_engine, train_dataset, tmp_path, gsv_fixtures):
    eng = train_engine
    cid = eng.analysis.cluster_of("en_flite_awb").cluster_id
    ft = FineTune(eng, "tiny", train_dataset, FineTuneSettings(**SETTINGS), workdir=tmp_path / "w")
    ft.train_gpt(2)
    rec = ft.register("tiny-ft", cluster_id=cid, assign=True)
    src = eng.bases.get("tiny")
    assert rec.groups["sovits"] == src.groups["sovits"] and rec.groups["gpt"] != src.groups["gpt"]
    v = versions.history(eng, cid)[-1]
    assert v.kind == "trained" and v.base_name == "tiny-ft" and eng.bases.base_for_cluster(cid).name == "tiny-ft"
    assert v.provenance["source_base"]["name"] == "tiny" and len(v.provenance["clips"]) == 4
    paths = export_base(eng, "tiny-ft", tmp_path / "out", epoch=1, step=2)
    # our loader reads them back, and they convert to the same tensors
    conv = convert_pair(paths["gpt"], paths["sovits"])
    assert conv.variant == "v2ProPlus"
    with eng.bases.open_tensors(rec, "gpt") as h:
        assert all(torch.equal(h.get_tensor(k), conv.groups["gpt"][k]) for k in h.keys())
    # format facts of upstream's files (fixtures' key manifests)
    gpt_keys = json.loads((gsv_fixtures / "keys_gpt.json").read_text())
    raw = torch.load(paths["gpt"], weights_only=True)
    assert isinstance(raw, OrderedDict) and list(raw) == ["weight", "config", "info"] and isinstance(raw["weight"], OrderedDict)
    assert all(k.startswith("model.") and t.dtype == torch.float16 for k, t in raw["weight"].items())
    assert set(raw["config"]) == set(gpt_keys["config"]) and set(raw["config"]["model"]) == set(gpt_keys["config"]["model"])
    assert raw["info"] == "GPT-e1"
    fixture_gpt, _ = read_gpt_file(gsv_fixtures / "gpt_tiny.ckpt")
    assert [k for k in raw["weight"]] == ["model." + k for k in fixture_gpt.weights]          # upstream key order
    sov_keys = json.loads((gsv_fixtures / "keys_sovits_v2ProPlus.json").read_text())
    assert paths["sovits"].read_bytes()[:2] == sov_keys["file_header_first_2_bytes"].encode("ascii") == b"06"
    f, _ = read_sovits_file(paths["sovits"])
    fixture_sov, _ = read_sovits_file(gsv_fixtures / "sovits_v2ProPlus_tiny.pth")
    assert list(f.weights) == list(fixture_sov.weights) and all(t.dtype == torch.float16 for t in f.weights.values())
    assert f.info == "1epoch_2iteration"

    def shape(d):
        return {k: (shape(v) if isinstance(v, dict) else None) for k, v in d.items()}

    assert shape(f.config) == shape(sov_keys["config"])                                      # HParams structure


@pytest.mark.gpu
def test_fine_tune_on_cuda_matches_cpu(train_engine, train_dataset, tmp_path):
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    losses = {}
    for dev in ("cpu", "cuda"):
        ft = FineTune(train_engine, "tiny-v2", train_dataset, FineTuneSettings(**SETTINGS, device=dev, segment_frames=8,
                                                                              disc_width=0.125, max_frames=40),
                      workdir=tmp_path / dev)
        g = ft.train_gpt(2)
        s = ft.train_sovits(1)
        losses[dev] = (g.history[0]["ce"], s.history[0]["mel"])
        assert next(ft.gpt.parameters()).device.type == dev and next(ft.sovits.parameters()).device.type == dev
    assert losses["cuda"][0] == pytest.approx(losses["cpu"][0], rel=1e-3)
    assert losses["cuda"][1] == pytest.approx(losses["cpu"][1], rel=1e-2)


def test_feature_cache_skips_hubert_on_the_second_run(train_engine, tiny_models, tmp_path):
    from engine.backends.gptsovits.models import load_base
    from engine.consolidation.train.data import prepare

    eng = train_engine
    rec = eng.bases.get("tiny")
    _, sovits = load_base(eng.bases.manifest(rec), {g: eng.bases.weights_path(rec, g) for g in ("gpt", "sovits")})
    hub = tiny_models["hubert"]
    calls = []
    handle = hub.register_forward_hook(lambda *a: calls.append(1))
    try:
        kw = dict(hubert=hub, sovits=sovits, cache_dir=tmp_path / "features", cache_key="k1")
        first = prepare(eng, ["en_flite_awb"], **kw)
        n = len(calls)
        second = prepare(eng, ["en_flite_awb"], **kw)
        assert n == 2 and len(calls) == n                                   # nothing recomputed
        for a, b in zip(first.samples, second.samples):
            assert a.clip_sha256 == b.clip_sha256 and torch.equal(a.ssl, b.ssl) and torch.equal(a.semantic, b.semantic)
        prepare(eng, ["en_flite_awb"], **{**kw, "cache_key": "k2"})       # other models → other key → recomputed
        assert len(calls) == n + 2
    finally:
        handle.remove()
