"""SoVITS fine-tuning on CPU: tiny v2 fixture base, real corpus audio (clips cropped to 0.8 s), small discriminator."""

from __future__ import annotations

import threading

import pytest
import torch

from engine.backends.gptsovits.checkpoint import read_sovits_file
from engine.consolidation.export import export_base
from engine.consolidation.train.finetune import FineTune, FineTuneSettings
from engine.consolidation.train.sovits_training import C_MEL, collate, generator_forward, reconstruction_losses
from engine.consolidation.train.sovits_nets import PosteriorEncoder
from engine.errors import Cancelled

SETTINGS = dict(sovits_lr=2e-4, batch_size=2, segment_frames=8, disc_width=0.125, save_every=0, max_frames=40)


def _reconstruction(ft, samples) -> float:
    with torch.no_grad():
        out = generator_forward(ft.sovits, ft.enc_q, collate(samples, 40), 8, torch.Generator().manual_seed(5))
        r = reconstruction_losses(out)
    return float(C_MEL * r["mel"] + r["kl"])


def test_sovits_losses_decrease_on_a_fixed_batch(train_engine, train_dataset, tmp_path):
    ft = FineTune(train_engine, "tiny-v2", train_dataset, FineTuneSettings(**SETTINGS), workdir=tmp_path / "w")
    ft._build_sovits()
    fixed = train_dataset.samples[:2]
    ft.sovits_loop.samples = fixed                       # every step sees the same two clips
    before = _reconstruction(ft, fixed)
    state = ft.train_sovits(4)
    after = _reconstruction(ft, fixed)
    assert after < 0.9 * before
    h = state.history
    assert set(h[0]) >= {"g", "d", "mel", "kl", "adv", "fm", "commit"}
    assert h[-1]["d"] < h[0]["d"] and h[-1]["fm"] < h[0]["fm"]
    assert all(x["commit"] == pytest.approx(h[0]["commit"], rel=0.05) for x in h)   # frozen quantizer


def test_sovits_checkpoint_resumes_bit_exactly_and_exports(train_engine, train_dataset, tmp_path, gsv_fixtures):
    import json

    s = FineTuneSettings(**SETTINGS)
    straight = FineTune(train_engine, "tiny-v2", train_dataset, s, workdir=tmp_path / "a")
    straight.train_sovits(2)
    first = FineTune(train_engine, "tiny-v2", train_dataset, s, workdir=tmp_path / "b")
    cancel = threading.Event()
    with pytest.raises(Cancelled):
        first.train_sovits(2, progress=lambda step, total, losses: cancel.set(), cancel=cancel)
    resumed = FineTune(train_engine, "tiny-v2", train_dataset, s, workdir=tmp_path / "b")
    state = resumed.train_sovits(2, resume=True)
    assert state.step == 2
    for name in ("sovits", "enc_q", "disc"):
        a, b = getattr(straight, name).state_dict(), getattr(resumed, name).state_dict()
        assert all(torch.equal(a[k], b[k]) for k in a), name
    # the posterior encoder has upstream's enc_q layout (names and shapes of the real v2 file's enc_q keys)
    real = json.loads((gsv_fixtures / "keys_sovits_v2.json").read_text())
    names = {k.removeprefix("enc_q.") for k, *_ in real["enc_q_keys"]}
    full = PosteriorEncoder(1025, 192, 192, 512)
    assert set(full.state_dict()) == names
    assert all(list(full.state_dict()[k.removeprefix("enc_q.")].shape) == list(shape) for k, shape, *_ in real["enc_q_keys"])
    # a trained SoVITS becomes a base and goes back to upstream's format
    rec = resumed.register("tiny-v2-ft")
    src = train_engine.bases.get("tiny-v2")
    assert rec.groups["gpt"] == src.groups["gpt"] and rec.groups["sovits"] != src.groups["sovits"]
    paths = export_base(train_engine, rec.name, tmp_path / "out")
    f, _ = read_sovits_file(paths["sovits"])
    assert f.variant == "v2" and paths["sovits"].read_bytes()[:2] == b"PK" and not any("enc_q" in k for k in f.weights)
    with train_engine.bases.open_tensors(rec, "sovits") as h:
        assert all(torch.equal(h.get_tensor(k), f.weights[k]) for k in h.keys())



def test_finetune_cluster_end_to_end_and_cli_without_assets(train_engine, tiny_models, capsys):
    from engine.cli import main
    from engine.consolidation import versions
    from engine.consolidation.train.finetune import finetune_cluster

    eng = train_engine
    cid = eng.analysis.cluster_of("en_flite_awb").cluster_id
    seen = []
    rec = finetune_cluster(eng, cid, "tiny-v2", "cluster-ft", models=tiny_models,
                           settings=FineTuneSettings(gpt_steps=1, sovits_steps=1, **SETTINGS),
                           progress=lambda stage, done, total: seen.append(stage))
    assert {"prepare", "gpt", "sovits"} <= set(seen)
    v = versions.history(eng, cid)[-1]
    assert v.kind == "trained" and v.base_name == rec.name == "cluster-ft" and eng.bases.base_for_cluster(cid).name == "cluster-ft"
    assert v.provenance["gpt_steps"] == 1 and v.provenance["sovits_steps"] == 1 and sorted(v.provenance["trained"]) == ["gpt", "sovits"]
    assert (eng.library.root / "training" / "cluster-ft" / "sovits.pth-train").is_file()
    lib = str(eng.library_path)
    eng.close()
    capsys.readouterr()
    assert main(["--library", lib, "finetune", str(cid), "--base", "tiny-v2", "--name", "x"]) == 1
    err = capsys.readouterr().err
    assert "pretrained models" in err and "timbrel assets link" in err


def test_pro_path_sv_vectors_and_training(train_engine, train_dataset, tiny_models, gsv_fixtures, tmp_path):
    """v2Pro family: SV vectors are prepared per clip (tiny ERes2NetV2 fixture: 1280-d) and the Pro SoVITS trains
    through ``sv_emb``. The tiny Pro SoVITS expects 20480-d vectors (the real SV width), which the tiny SV net
    cannot produce, so the training half uses fixed random 20480-d vectors."""
    import dataclasses

    from engine.backends.gptsovits.features import kaldi_fbank
    from engine.backends.gptsovits.models import load_base
    from engine.backends.gptsovits.pretrained import load_sv
    from engine.consolidation.train.data import prepare

    eng = train_engine
    sv_model = load_sv(gsv_fixtures / "eres2netv2_tiny.ckpt")
    rec = eng.bases.get("tiny")
    _, sovits = load_base(eng.bases.manifest(rec), {g: eng.bases.weights_path(rec, g) for g in ("gpt", "sovits")})
    ds = prepare(eng, ["en_flite_awb"], hubert=tiny_models["hubert"], sovits=sovits, sv_model=sv_model)
    assert len(ds.samples) == 2 and all(s.sv is not None and s.sv.shape == (1280,) for s in ds.samples)
    import numpy as np

    from engine.audio.io import read_audio, resample

    clip = eng.library.voice("en_flite_awb").clips[0]
    audio, sr = read_audio(eng.library.clip_path(clip))
    wav16 = torch.from_numpy(np.ascontiguousarray(resample(audio, sr, 16000), dtype=np.float32))
    with torch.no_grad():
        want = sv_model.forward3(kaldi_fbank(wav16)[None])[0]
    assert torch.allclose(next(s.sv for s in ds.samples if s.clip_sha256 == clip.sha256), want)

    g = torch.Generator().manual_seed(0)
    pro = [dataclasses.replace(s, sv=torch.rand(20480, generator=g)) for s in train_dataset.samples[:2]]
    ds.samples = pro
    ft = FineTune(eng, "tiny", ds, FineTuneSettings(**SETTINGS), workdir=tmp_path / "pro")
    ft._build_sovits()
    before = ft.sovits.sv_emb.weight.detach().clone()
    state = ft.train_sovits(1)
    assert all(np.isfinite(v) for v in state.history[0].values())
    assert not torch.equal(before, ft.sovits.sv_emb.weight.detach())              # gradients reach sv_emb
    missing = [dataclasses.replace(s, sv=None) for s in pro]
    ft.sovits_loop.samples = missing
    with pytest.raises(ValueError, match="speaker-verification"):
        ft.train_sovits(2)
