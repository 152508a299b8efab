"""Pipeline pieces: the clip cache, the backend's layout/skeleton/base key, the CUDA path (skipped without CUDA)."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
import torch

from engine.backends.base import ReferenceClip, References, SynthesisRequest
from engine.backends.gptsovits.backend import BERT, HUBERT, SV, GptSovitsBackend, _fingerprint
from engine.backends.gptsovits.convert import convert_pair
from engine.backends.gptsovits.clip_cache import ClipCache


def test_clip_cache_roundtrip_memory_and_disk(tmp_path):
    cache = ClipCache(tmp_path)
    sha = "ab" * 32
    assert cache.get_array(sha, "x") is None
    cache.put_array(sha, "x", np.arange(5, dtype=np.int64))
    cache.put_array(sha, "ge", np.ones((1, 4, 1), np.float32), base="b1")
    cache.put_json(sha, "phones", {"phones": ["a"]})
    fresh = ClipCache(tmp_path)  # a new process: read back from disk
    assert fresh.get_array(sha, "x").tolist() == [0, 1, 2, 3, 4]
    assert fresh.get_array(sha, "ge", base="b1").shape == (1, 4, 1)
    assert fresh.get_array(sha, "ge", base="b2") is None  # keyed by base
    assert fresh.get_json(sha, "phones") == {"phones": ["a"]}
    assert (tmp_path / "clips" / sha[:2] / sha / "x.npy").is_file()
    assert (tmp_path / "bases" / "b1" / sha[:2] / sha / "ge.npy").is_file()
    # memory-only entries never reach the disk; the memory LRU is bounded in bytes
    small = ClipCache(tmp_path / "small", memory_bytes=100)
    small.put_array(sha, "audio", np.zeros(20, np.float32), persist=False)
    assert small.get_array(sha, "audio") is not None and not (tmp_path / "small").exists()
    small.put_array(sha, "audio2", np.zeros(20, np.float32), persist=False)  # 80 + 80 bytes > 100: oldest goes
    assert small.get_array(sha, "audio") is None and small.get_array(sha, "audio2") is not None
    # a damaged entry is treated as missing (recomputed), never a crash
    (tmp_path / "clips" / sha[:2] / sha / "x.npy").write_bytes(b"garbage")
    assert ClipCache(tmp_path).get_array(sha, "x") is None


def _skeleton(gsv_fixtures, sovits="sovits_v2_tiny.pth"):
    conv = convert_pair(gsv_fixtures / "gpt_tiny.ckpt", gsv_fixtures / sovits)
    backend = GptSovitsBackend()
    layout = backend.layout(conv.manifest)
    tensors = {g: {n: torch.empty(spec.shape, dtype=torch.float32) for n, spec in names.items()} for g, names in layout.items()}
    model = backend.build_skeleton(conv.manifest, tensors, "cpu")
    with torch.no_grad():  # the runtime's swap: copy a base's bytes into the skeleton's storage
        for g in ("gpt", "sovits"):
            for n, t in conv.groups[g].items():
                tensors[g][n].copy_(t.float())
    return backend, conv, model, tensors


def test_layout_skeleton_and_base_key_follow_the_bytes(gsv_fixtures):
    backend, conv, model, tensors = _skeleton(gsv_fixtures)
    assert set(backend.layout(conv.manifest)) == {"gpt", "sovits"}
    # held as stored (float16) on a GPU, in float32 on a CPU (what upstream computes in there)
    on = {kind: {spec.dtype for names in backend.layout(conv.manifest, kind).values() for spec in names.values()}
          for kind in ("cuda", "cpu", None)}
    assert "float16" in on["cuda"] and on["cuda"] == on[None] and "float16" not in on["cpu"] and "float32" in on["cpu"]
    assert backend.architecture_key(conv.manifest) == backend.architecture_key(json.loads(json.dumps(conv.manifest)))
    assert model.sovits.ref_enc.fc.fc.weight.data_ptr() == tensors["sovits"]["ref_enc.fc.fc.weight"].data_ptr()
    prefixes = ("ssl_proj.", "quantizer.", "ref_enc.")
    key = _fingerprint(model.sovits, prefixes)
    with torch.no_grad():
        tensors["sovits"]["ref_enc.fc.fc.weight"].add_(0.01)  # another base swapped in
    assert _fingerprint(model.sovits, prefixes) != key
    assert backend.workspace_bytes(conv.manifest, SynthesisRequest("hi")) > 0


def test_unsupported_variant_is_refused(gsv_fixtures):
    from engine.errors import InvalidInput

    conv = convert_pair(gsv_fixtures / "gpt_tiny.ckpt", gsv_fixtures / "sovits_v2_tiny.pth")
    with pytest.raises(InvalidInput):
        GptSovitsBackend().layout({**conv.manifest, "variant": "v3"})


def test_shared_models_follow_assets_and_variant(fake_pretrained, gsv_fixtures, tmp_path):
    import shutil

    backend = GptSovitsBackend()
    backend.configure(assets_root=fake_pretrained)
    v2 = convert_pair(gsv_fixtures / "gpt_tiny.ckpt", gsv_fixtures / "sovits_v2_tiny.pth").manifest
    names = [m.name for m in backend.shared_models(v2)]
    assert names == [HUBERT, BERT]
    pro = {**v2, "variant": "v2ProPlus"}
    assert [m.name for m in backend.shared_models(pro)] == [HUBERT, BERT, SV]
    assert all(m.nbytes > 0 for m in backend.shared_models(pro))
    # without BERT: Chinese gets zero features instead of failing
    partial = tmp_path / "pm"
    shutil.copytree(fake_pretrained / "chinese-hubert-base", partial / "chinese-hubert-base")
    backend.configure(assets_root=partial)
    assert [m.name for m in backend.shared_models(v2)] == [HUBERT]
    from engine.errors import MissingAsset

    with pytest.raises(MissingAsset) as err:
        backend.shared_models(pro)  # a Pro base needs the SV net
    assert "sv/pretrained_eres2netv2w24s4ep4.ckpt" in str(err.value)


def _refs(corpus, n=3):
    truth = json.loads((corpus / "truth.json").read_text())["speakers"]["zh_espeak_steph"]
    clips = []
    for c in truth["clips"][:n]:
        p = corpus / c["file"]
        clips.append(ReferenceClip(p, hashlib.sha256(p.read_bytes()).hexdigest(), c["text"], c["lang"], c["style"],
                                   c["duration"], truth["sample_rate"]))
    return References("steph", clips[0], tuple(clips))


def _run_backend(device, fake_pretrained, gsv_fixtures, corpus, tmp_path, seed):
    backend, conv, model, tensors = _skeleton(gsv_fixtures)
    backend.configure(assets_root=fake_pretrained, cache_dir=tmp_path / f"cache-{device}")
    if device != "cpu":
        model.gpt.to(device)
        model.sovits.to(device)
    shared = {m.name: backend.load_shared(m.name, torch.device(device)) for m in backend.shared_models(conv.manifest)}
    req = SynthesisRequest("你好，世界。今天天气很好！", language="zh", seed=seed)
    return [c.samples for c in backend.synthesize(model, shared, req, _refs(corpus))]


def test_backend_synthesize_directly_on_cpu(fake_pretrained, gsv_fixtures, corpus, tmp_path):
    a = _run_backend("cpu", fake_pretrained, gsv_fixtures, corpus, tmp_path, seed=5)
    b = _run_backend("cpu", fake_pretrained, gsv_fixtures, corpus, tmp_path, seed=5)  # warm cache
    assert len(a) == 2 and all(x.size for x in a)
    assert [x.tobytes() for x in a] == [x.tobytes() for x in b]


@pytest.mark.gpu
def test_backend_synthesize_on_cuda(fake_pretrained, gsv_fixtures, corpus, tmp_path):
    if not torch.cuda.is_available():
        pytest.skip("needs CUDA")
    a = _run_backend("cuda", fake_pretrained, gsv_fixtures, corpus, tmp_path, seed=5)
    b = _run_backend("cuda", fake_pretrained, gsv_fixtures, corpus, tmp_path, seed=5)
    assert len(a) == 2 and all(np.isfinite(x).all() and x.size for x in a)
    assert [x.shape for x in a] == [x.shape for x in b]
