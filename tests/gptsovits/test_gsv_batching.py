"""Cross-voice batching: every row of a batch equals the same utterance decoded alone.

GPT: the decoding step gives a row the same bits in any company; identical tokens to a batch of one (greedy /
top-k 1, and seeded top-k sampling with a per-row generator), identical stop reason and idx, for mixed lengths,
prompts / reference-free rows, sampling parameters, rows joining between steps (continuous batching) and
leaving at EOS / early stop / max steps.
SoVITS: waveforms within 1e-4 relative of the solo decode for mixed code/phone lengths, timbre vectors
(v2 and v2ProPlus, with SV vectors), noise scales and speeds.
Inputs are the tiny real-format fixtures (``TIMBREL_SHARED``/fixtures/gptsovits).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from _gsv_util import assert_close
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.backends.gptsovits.sovits_batch import SynthRow, decode_batch
from engine.backends.gptsovits.t2s import STEP_BLOCK
from engine.backends.gptsovits.t2s_batch import BatchDecoder, DecodeRow, decode_all

HYP = settings(max_examples=8, deadline=None, derandomize=True,
               suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture(scope="module")
def gpt_npz(gsv_fixtures):
    return np.load(gsv_fixtures / "gpt_tiny.npz")


@pytest.fixture(scope="module")
def specs(gsv_fixtures):
    af = np.load(gsv_fixtures / "audio_features.npz")
    return [torch.from_numpy(af["spec_a"]), torch.from_numpy(af["spec_b"])]


# -- GPT --------------------------------------------------------------------------------------------------
def _gpt_inputs(seed: int, n_text: int, n_prompt: int):
    g = torch.Generator().manual_seed(seed)
    phones = torch.randint(0, 732, (1, n_text), generator=g)
    bert = torch.randn(1, 1024, n_text, generator=g)
    prompt = torch.randint(0, 1024, (1, n_prompt), generator=g) if n_prompt else None
    return phones, bert, prompt


_row = st.fixed_dictionaries({
    "n_text": st.integers(1, 24),
    "n_prompt": st.integers(0, 14),
    "top_k": st.sampled_from([1, 1, 5, 15]),
    "top_p": st.sampled_from([1.0, 0.8]),
    "temperature": st.sampled_from([1.0, 0.7]),
    "repetition_penalty": st.sampled_from([1.0, 1.35]),
    "early_stop_num": st.integers(3, 40),
    "max_steps": st.sampled_from([1500, 9]),
    "seed": st.integers(0, 2 ** 31 - 1),
    "join_after": st.integers(0, 6),  # steps before the row joins the running batch
})


def _decode_row(spec, key):
    phones, bert, prompt = _gpt_inputs(spec["seed"], spec["n_text"], spec["n_prompt"])
    kw = {k: spec[k] for k in ("top_k", "top_p", "temperature", "repetition_penalty", "early_stop_num", "max_steps")}
    return phones, bert, prompt, kw


def _run_batched(model, specs_):
    """Decode with rows joining at their ``join_after`` step; returns key → T2SResult and the max batch seen."""
    dec = BatchDecoder(model)
    waiting = sorted(range(len(specs_)), key=lambda i: specs_[i]["join_after"])
    out, step, widest = {}, 0, 0
    while waiting or len(dec):
        while waiting and specs_[waiting[0]]["join_after"] <= step:
            i = waiting.pop(0)
            phones, bert, prompt, kw = _decode_row(specs_[i], i)
            dec.add(DecodeRow(i, phones, bert, prompt, generator=torch.Generator().manual_seed(specs_[i]["seed"]), **kw))
        widest = max(widest, len(dec))
        _, done = dec.step()
        out.update(done)
        step += 1
    return out, widest


@HYP
@given(st.lists(_row, min_size=1, max_size=6))
def test_gpt_batched_rows_equal_solo_runs(gpt_tiny, specs_):
    _, model = gpt_tiny
    batched, _ = _run_batched(model, specs_)
    for i, spec in enumerate(specs_):
        phones, bert, prompt, kw = _decode_row(spec, i)
        solo = model.generate(phones, bert, prompt, generator=torch.Generator().manual_seed(spec["seed"]),
                              step_block=STEP_BLOCK, **kw)  # a batch of one: the same blocked products
        got = batched[i]
        assert torch.equal(got.tokens, solo.tokens), f"row {i}: {got.tokens.tolist()} != {solo.tokens.tolist()}"
        assert torch.equal(got.new_tokens, solo.new_tokens)
        assert (got.stop, got.idx) == (solo.stop, solo.idx)


@HYP
@given(st.lists(st.tuples(st.integers(1, 40), st.integers(0, 60), st.integers(0, 2 ** 31 - 1)), min_size=2, max_size=11),
       st.randoms(use_true_random=False))
def test_gpt_decoding_step_is_bit_identical_in_any_company(gpt_tiny, rows, rnd):
    """The step both the solo loop and the batch decoder take gives a row the same bits alone as with 1-10 others,
    in any order (a GEMM's rounding depends on its row count: without blocked products a greedy near-tie can flip
    a token in a batch)."""
    _, model = gpt_tiny

    def prefilled(spec):
        n_text, n_prompt, seed = spec
        phones, bert, prompt = _gpt_inputs(seed, n_text, n_prompt)
        cache = model.decode_cache(n_text + n_prompt, 100)
        with torch.no_grad():
            h = model._prefill(phones, bert, prompt, cache)[:, -1]
        return h, cache, n_prompt

    def step(members):
        with torch.no_grad():
            logits = model.step_logits(torch.cat([m[0] for m in members]))
            toks = torch.argmax(logits, dim=-1)
            pos = torch.tensor([m[2] + 3 for m in members])
            hidden = model.step_rows(toks, pos, [m[1] for m in members])
        return logits, hidden

    alone = [step([prefilled(r)]) for r in rows]
    order = list(range(len(rows)))
    rnd.shuffle(order)
    logits, hidden = step([prefilled(rows[i]) for i in order])
    for j, i in enumerate(order):
        assert torch.equal(logits[j], alone[i][0][0]), f"row {i}: logits differ in company"
        assert torch.equal(hidden[j], alone[i][1][0]), f"row {i}: hidden state differs in company"


def test_gpt_fixture_rows_reproduce_the_reference_tokens(gpt_tiny, gpt_npz):
    """The fixture's greedy reference runs (main + EOS input), decoded in one batch with other rows."""
    _, model = gpt_tiny
    z = gpt_npz
    t = lambda k, dt=torch.float32: torch.from_numpy(np.array(z[k])).to(dt)  # noqa: E731
    main = DecodeRow("main", t("phones", torch.long), t("bert_feature"), t("prompt_semantic", torch.long),
                     top_k=1, early_stop_num=19, repetition_penalty=1.35)
    greedy = DecodeRow("rp1", t("phones", torch.long), t("bert_feature"), t("prompt_semantic", torch.long),
                       top_k=1, early_stop_num=19, repetition_penalty=1.0)
    eos = DecodeRow("eos", t("eos_phones", torch.long), t("eos_bert_feature"), t("eos_prompt_semantic", torch.long),
                    top_k=1, early_stop_num=19, repetition_penalty=1.35)
    free = DecodeRow("free", t("phones", torch.long), t("bert_feature"), None, top_k=1, early_stop_num=19)
    other = DecodeRow("other", *_gpt_inputs(5, 7, 3), top_k=1, early_stop_num=30)
    res = decode_all(model, [other, main, eos], admit=lambda it=iter([[greedy], [free]]): next(it, []))
    assert res["main"].tokens.tolist() == z["tokens_rp135"].tolist() and res["main"].idx == int(z["idx_rp135"])
    assert res["rp1"].tokens.tolist() == z["tokens_rp1"].tolist()
    assert res["eos"].tokens.tolist() == z["tokens_eos"].tolist() and res["eos"].stop == "eos"
    assert res["eos"].idx == int(z["idx_eos"])
    assert res["free"].tokens.tolist() == z["tokens_noprompt"].astype(np.int64).tolist()
    assert res["free"].idx == int(z["idx_noprompt"])


def test_gpt_batch_really_shares_steps(gpt_tiny):
    """Rows decode in one batched step (not one after another): steps < the sum of the rows' steps."""
    _, model = gpt_tiny
    rows = [DecodeRow(i, *_gpt_inputs(i, 6 + i, 4), top_k=1, early_stop_num=20, repetition_penalty=1.0)
            for i in range(4)]
    dec = BatchDecoder(model)
    for r in rows:
        dec.add(r)
    seen = 0
    while len(dec):
        seen = max(seen, len(dec))
        dec.step()
    assert seen == 4
    assert dec.row_steps > dec.steps * 2


# -- SoVITS -----------------------------------------------------------------------------------------------
_srow = st.fixed_dictionaries({
    "frames": st.integers(1, 14),
    "phones": st.integers(1, 16),
    "refs": st.sampled_from([(0,), (1,), (0, 1)]),
    "noise_scale": st.sampled_from([0.0, 0.5]),
    "speed": st.sampled_from([1.0, 1.0, 1.25, 0.8]),
    "seed": st.integers(0, 2 ** 31 - 1),
})


def _sovits_parity(model, specs, rows_spec):
    rows, solos = [], []
    for spec in rows_spec:
        g = torch.Generator().manual_seed(spec["seed"])
        codes = torch.randint(0, 1024, (1, 1, spec["frames"]), generator=g)
        text = torch.randint(0, 732, (1, spec["phones"]), generator=g)
        refs = [specs[i] for i in spec["refs"]]
        sv = [torch.rand(1, 20480, generator=g) for _ in refs] if model.is_pro else [None] * len(refs)
        with torch.no_grad():
            ge = model.combine_references([model.reference_embedding(r, s) for r, s in zip(refs, sv)])
            solos.append(model.decode(codes, text, ge=ge, noise_scale=spec["noise_scale"], speed=spec["speed"],
                                      generator=torch.Generator().manual_seed(spec["seed"])))
        rows.append(SynthRow(codes, text, ge, spec["noise_scale"], spec["speed"],
                             torch.Generator().manual_seed(spec["seed"])))
    out = decode_batch(model, rows)
    for i, (a, b) in enumerate(zip(solos, out)):
        assert b.shape == a.shape, f"row {i}: {tuple(b.shape)} != {tuple(a.shape)}"
        assert_close(b, a.numpy(), f"row {i} waveform")


@HYP
@given(st.lists(_srow, min_size=1, max_size=4))
def test_sovits_v2_batched_rows_equal_solo(sovits_v2, specs, rows_spec):
    _sovits_parity(sovits_v2[1], specs, rows_spec)


@HYP
@given(st.lists(_srow, min_size=1, max_size=4))
def test_sovits_v2proplus_batched_rows_equal_solo(sovits_plus, specs, rows_spec):
    _sovits_parity(sovits_plus[1], specs, rows_spec)


def test_sovits_fixture_call_in_a_batch(sovits_v2, specs, gsv_fixtures):
    """The fixture's reference waveform (2 references, noise 0) comes out of a batch with a longer row."""
    _, model = sovits_v2
    z = np.load(gsv_fixtures / "sovits_v2_tiny.npz")
    codes = torch.from_numpy(z["codes"])
    text = torch.from_numpy(z["text"])
    with torch.no_grad():
        ge = model.combine_references([model.reference_embedding(s) for s in specs])
    long = SynthRow(torch.randint(0, 1024, (1, 1, 20)), torch.randint(0, 732, (1, 25)), ge, 0.5, 1.0,
                    torch.Generator().manual_seed(1))
    out = decode_batch(model, [long, SynthRow(codes, text, ge, 0.0, 1.0)])
    assert_close(out[1], z["wav_2ref_ns0"], "fixture waveform in a batch")


def test_max_batch_rows_from_manifest():
    from engine.backends.gptsovits.backend import GptSovitsBackend

    be = GptSovitsBackend()
    assert be.max_batch_rows({"variant": "v2"}) == GptSovitsBackend.MAX_BATCH_ROWS
    assert be.max_batch_rows({"variant": "v2", "inference": {"max_batch_rows": 3}}) == 3
