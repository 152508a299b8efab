"""Runtime-facing structure: meta skeletons, layouts, in-place swaps, half precision, no per-base Python state."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from _gsv_util import assert_close, rel_err


@pytest.fixture
def plus_base(engine, gsv_fixtures):
    from engine.backends.gptsovits.convert import import_base

    rec = import_base(engine.bases, "plus", gsv_fixtures / "gpt_tiny.ckpt", gsv_fixtures / "sovits_v2ProPlus_tiny.pth")
    return engine.bases, rec


def _inputs(gsv_fixtures):
    d = np.load(gsv_fixtures / "sovits_v2ProPlus_tiny.npz")
    a = np.load(gsv_fixtures / "audio_features.npz")
    T = torch.from_numpy
    kw = dict(refs=[T(a["spec_a"]), T(a["spec_b"])], sv=[T(d["sv_emb_a"]), T(d["sv_emb_b"])], noise_scale=0.0)
    return d, (T(d["codes"]), T(d["text"])), kw


def test_parameter_layout_matches_stored_tensors(plus_base):
    from engine.backends.gptsovits.models import parameter_layout

    store, rec = plus_base
    layout = parameter_layout(store.manifest(rec))
    assert set(layout) == {"gpt", "sovits"}
    for group, spec in layout.items():
        with store.open_tensors(rec, group) as h:
            assert set(h.keys()) == set(spec)
            for name in h.keys():
                t = h.get_slice(name)
                assert (tuple(t.get_shape()), str(spec[name][1]).replace("torch.", "")) == (
                    spec[name][0], {"F16": "float16", "F32": "float32", "I64": "int64"}[t.get_dtype()])


def test_skeleton_copy_swap_in_place(plus_base, gsv_fixtures):
    """One skeleton, storage allocated once; bases swapped by copying into it give fresh-model results."""
    from engine.backends.gptsovits.models import build_group, fill

    store, rec = plus_base
    man = store.manifest(rec)
    d, (codes, text), kw = _inputs(gsv_fixtures)
    skel = build_group(man, "sovits", "meta").to_empty(device="cpu")
    storage = {n: t.data_ptr() for n, t in skel.state_dict().items()}
    with store.open_tensors(rec, "sovits") as h:
        base_a = {n: h.get_tensor(n) for n in h.keys()}
    g = torch.Generator().manual_seed(0)
    base_b = {n: (t + 0.01 * torch.randn(t.shape, generator=g).to(t.dtype)) if t.is_floating_point() and t.numel() > 1 else t
              for n, t in base_a.items()}

    fill(skel, base_a, "copy")
    with torch.no_grad():
        wav_a = skel.decode(codes, text, **kw)
    assert_close(wav_a, d["wav_2ref_ns0"], "wav after copy fill")

    fill(skel, base_b, "copy")
    fresh_b = fill(build_group(man, "sovits", "meta"), {n: t.float() for n, t in base_b.items()}, "assign")
    with torch.no_grad():
        wav_b = skel.decode(codes, text, **kw)
        assert torch.allclose(wav_b, fresh_b.decode(codes, text, **kw), atol=1e-6)
    assert rel_err(wav_b, d["wav_2ref_ns0"]) > 1e-3  # really another base

    fill(skel, base_a, "copy")
    with torch.no_grad():
        assert torch.equal(skel.decode(codes, text, **kw), wav_a)
    assert storage == {n: t.data_ptr() for n, t in skel.state_dict().items()}  # no reallocation


def test_load_base_from_store_mmap(plus_base, gsv_fixtures):
    from engine.backends.gptsovits.models import load_base

    store, rec = plus_base
    man = store.manifest(rec)
    gpt, sov = load_base(man, {g: store.weights_path(rec, g) for g in ("gpt", "sovits")})
    d, (codes, text), kw = _inputs(gsv_fixtures)
    with torch.no_grad():
        assert_close(sov.decode(codes, text, **kw), d["wav_2ref_ns0"], "wav from stored base")
    g = np.load(gsv_fixtures / "gpt_tiny.npz")
    r = gpt.generate(torch.from_numpy(g["phones"]), torch.from_numpy(g["bert_feature"]), torch.from_numpy(g["prompt_semantic"]),
                     top_k=1, early_stop_num=int(g["early_stop_num"]))
    assert np.array_equal(r.tokens.numpy(), g["tokens_rp135"])


def test_fill_rejects_wrong_layout(plus_base):
    from engine.backends.gptsovits.models import build_group, fill

    store, rec = plus_base
    man = store.manifest(rec)
    with store.open_tensors(rec, "gpt") as h:
        tensors = {n: h.get_tensor(n) for n in h.keys()}
    skel = build_group(man, "gpt", "meta")
    with pytest.raises(KeyError):
        fill(skel, {k: v for k, v in tensors.items() if k != "bert_proj.bias"}, "assign")
    bad = dict(tensors, **{"bert_proj.bias": torch.zeros(3)})
    with pytest.raises(ValueError):
        fill(skel, bad, "assign")


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_precision_weights(sovits_plus, gpt_tiny, gsv_fixtures, dtype):
    from engine.backends.gptsovits.models import build_gpt, build_sovits, fill

    lf, ref = sovits_plus
    d, (codes, text), kw = _inputs(gsv_fixtures)
    half = fill(build_sovits(lf.variant, ref.config, "meta"), {k: v.to(dtype) for k, v in lf.weights.items()}, "assign")
    with torch.no_grad():
        wav = half.decode(codes, text, **kw)
    assert wav.dtype == dtype and torch.isfinite(wav.float()).all()
    assert rel_err(wav.float(), d["wav_2ref_ns0"]) < 0.1

    glf, gref = gpt_tiny
    ghalf = fill(build_gpt(gref.config, "meta"), {k: v.to(dtype) for k, v in glf.weights.items()}, "assign")
    g = np.load(gsv_fixtures / "gpt_tiny.npz")
    lg = ghalf.prompt_logits(torch.from_numpy(g["phones"]), torch.from_numpy(g["bert_feature"]), torch.from_numpy(g["prompt_semantic"]))
    assert lg.dtype == torch.float32 and rel_err(lg, g["logits_full"]) < 0.05


def test_no_tensor_state_outside_parameters_and_buffers(sovits_plus, gpt_tiny):
    for _, model in (sovits_plus, gpt_tiny):
        for mod in model.modules():
            stray = [k for k, v in vars(mod).items() if isinstance(v, torch.Tensor)]
            assert not stray, f"{type(mod).__name__} keeps tensors outside parameters/buffers: {stray}"


def test_kv_cache_is_per_call(gpt_tiny, gsv_fixtures):
    _, m = gpt_tiny
    g = np.load(gsv_fixtures / "gpt_tiny.npz")
    args = (torch.from_numpy(g["phones"]), torch.from_numpy(g["bert_feature"]), torch.from_numpy(g["prompt_semantic"]))
    it1 = m.iter_tokens(*args, top_k=1, early_stop_num=19)
    it2 = m.iter_tokens(*args, top_k=1, early_stop_num=19)
    interleaved = [(next(it1), next(it2)) for _ in range(5)]
    assert all(a == b for a, b in interleaved)
    assert [a for a, _ in interleaved] == g["tokens_rp135"][0, 10:15].tolist()


def test_kv_cache_grows_past_its_first_capacity(gpt_tiny, gsv_fixtures):
    _, m = gpt_tiny
    g = np.load(gsv_fixtures / "gpt_tiny.npz")
    args = (torch.from_numpy(g["phones"]), torch.from_numpy(g["bert_feature"]), torch.from_numpy(g["prompt_semantic"]))
    short = m.generate(*args, top_k=1, early_stop_num=19, max_steps=600)
    capped = m.generate(*args, top_k=1, early_stop_num=19, max_steps=3)
    assert capped.new_tokens.shape[1] == 3 and capped.stop == "max_steps"
    assert torch.equal(capped.new_tokens, short.new_tokens[:, :3])
    cache = m.new_cache(1, 2)
    k1, k2 = torch.randn(1, 2, 3, 16), torch.randn(1, 2, 4, 16)
    for k in (k1, k2):
        for layer in range(m.config.n_layer):
            ka, va = cache.append(layer, k, -k)
    assert cache.length == 7 and torch.equal(ka, torch.cat([k1, k2], 2)) and torch.equal(va, -ka)


@pytest.mark.gpu
def test_cuda_parity(sovits_plus, gsv_fixtures):
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    from engine.backends.gptsovits.models import build_sovits, fill

    lf, ref = sovits_plus
    d, (codes, text), kw = _inputs(gsv_fixtures)
    m = fill(build_sovits(lf.variant, ref.config, "meta"), {k: v.float().cuda() for k, v in lf.weights.items()}, "assign")
    kw = {**kw, "refs": [r.cuda() for r in kw["refs"]], "sv": [s.cuda() for s in kw["sv"]]}
    with torch.no_grad():
        wav = m.decode(codes.cuda(), text.cuda(), **kw)
    assert rel_err(wav.cpu(), d["wav_2ref_ns0"]) < 1e-2


def test_skeleton_bound_to_runtime_storage_views(plus_base, gsv_fixtures):
    """The runtime's pattern: one flat buffer, typed views per tensor, modules bound to the views by assignment;
    writing another base's bytes into the buffer switches the model without touching the modules."""
    from engine.backends.gptsovits.models import build_group, fill, parameter_layout

    store, rec = plus_base
    man = store.manifest(rec)
    layout = parameter_layout(man)
    views, flat = {}, {}
    for group, spec in layout.items():
        total = sum(torch.Size(shape).numel() * torch.empty((), dtype=dt).element_size() for shape, dt in spec.values())
        buf = torch.zeros(total, dtype=torch.uint8)
        flat[group], views[group], off = buf, {}, 0
        for name, (shape, dt) in spec.items():
            n = torch.Size(shape).numel() * torch.empty((), dtype=dt).element_size()
            views[group][name] = buf[off:off + n].view(dt).view(shape)
            off += n
    models = {g: fill(build_group(man, g, "meta"), views[g], "assign") for g in layout}
    for g in layout:
        with store.open_tensors(rec, g) as h:
            for name in h.keys():
                views[g][name].copy_(h.get_tensor(name))
    d, (codes, text), kw = _inputs(gsv_fixtures)
    sov = models["sovits"]
    with torch.no_grad():
        kw16 = {**kw, "refs": [r.half() for r in kw["refs"]], "sv": [s.half() for s in kw["sv"]]}
        wav = sov.decode(codes, text, **kw16)
    assert rel_err(wav.float(), d["wav_2ref_ns0"]) < 0.1  # fp16 storage, fp16 compute
    assert all(p.data_ptr() == views["sovits"][n].data_ptr() for n, p in sov.state_dict().items())
    views["sovits"]["dec.conv_post.weight"].zero_()  # write into the runtime's buffer only
    with torch.no_grad():
        silent = sov.decode(codes, text, **kw16)
    assert torch.count_nonzero(silent) == 0 and flat["sovits"].numel() > 0  # the modules read that buffer
    g = np.load(gsv_fixtures / "gpt_tiny.npz")
    r = models["gpt"].generate(torch.from_numpy(g["phones"]), torch.from_numpy(g["bert_feature"]),
                               torch.from_numpy(g["prompt_semantic"]), top_k=1, early_stop_num=5)
    assert r.new_tokens.shape[1] == 6


@pytest.mark.gpu
def test_cuda_gpt_with_cpu_generator(gpt_tiny, gsv_fixtures):
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    from engine.backends.gptsovits.models import build_gpt, fill

    glf, gref = gpt_tiny
    m = fill(build_gpt(gref.config, "meta"), {k: v.float().cuda() for k, v in glf.weights.items()}, "assign")
    g = np.load(gsv_fixtures / "gpt_tiny.npz")
    args = [torch.from_numpy(g[k]).cuda() for k in ("phones", "bert_feature", "prompt_semantic")]
    r = m.generate(*args, top_k=1, early_stop_num=int(g["early_stop_num"]), generator=torch.Generator().manual_seed(0))
    assert r.tokens.shape == g["tokens_rp135"].shape
