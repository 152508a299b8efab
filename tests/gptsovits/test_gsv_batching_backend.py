"""GptSovitsBackend.synthesize_batch: each request's chunks equal its solo synthesize run (tiny v2 / v2ProPlus
bases, tiny random HuBERT/BERT, corpus voices in several languages), rows joining through admit()."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from _gsv_util import load_gpt, load_sovits

from engine.backends.base import BatchRow, ReferenceClip, References, SynthesisRequest

pytestmark = pytest.mark.slow  # real text frontends + tiny HuBERT/BERT: import and first-use costs dominate

HERE = Path(__file__).resolve().parent
VOICES = ["en_piper_joe", "zh_espeak_steph", "en_flite_awb", "ja_espeak_jacky", "cs_festival_dita", "en_espeak_andrea"]
TEXTS = ["Hello there. How are you today?", "你好，世界。今天天气很好！", "One more sentence here, and another one.",
         "Short.", "Ahoj. Jak se máš?", "It is raining again; the garden is happy."]


@pytest.fixture(scope="module")
def pretrained(tmp_path_factory, gsv_fixtures):
    spec = importlib.util.spec_from_file_location("_synth_conftest", HERE.parent / "synthesis" / "conftest.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    # the shared tiny ERes2NetV2 (1280-d vectors) is not what a v2ProPlus base reads (20480-d): build the 20480-d one
    return mod.build_fake_pretrained(tmp_path_factory.mktemp("gsv-batch") / "pretrained_models")


def _refs(corpus: Path, speaker: str, n_timbre: int = 1) -> References:
    truth = json.loads((corpus / "truth.json").read_text())["speakers"][speaker]
    clips = []
    for c in truth["clips"][:n_timbre]:
        p = corpus / c["file"]
        clips.append(ReferenceClip(p, hashlib.sha256(p.read_bytes()).hexdigest(), c["text"], c["lang"], None,
                                   c["duration"], truth["sample_rate"]))
    return References(speaker, clips[0], tuple(clips))


def _setup(pretrained, tmp_path, gsv_fixtures, sovits_file):
    from engine.backends.gptsovits.backend import BERT, HUBERT, SV, GptSovitsBackend, GptSovitsModel

    be = GptSovitsBackend()
    be.configure(assets_root=pretrained, cache_dir=tmp_path / "cache")
    _, gpt = load_gpt(gsv_fixtures / "gpt_tiny.ckpt")
    _, sov = load_sovits(gsv_fixtures / sovits_file)
    model = GptSovitsModel(gpt, sov, {"variant": sov.config.variant, "inference": {"early_stop_num": 40}})
    names = [HUBERT, BERT] + ([SV] if sov.is_pro else [])
    shared = {n: be.load_shared(n, "cpu") for n in names}
    return be, model, shared


def _rows(corpus, n):
    truth = json.loads((corpus / "truth.json").read_text())["speakers"]
    out = []
    for i in range(n):
        spk = VOICES[i % len(VOICES)]
        opts = {"top_k": 1} if i % 3 == 0 else {"temperature": 0.8}
        req = SynthesisRequest(TEXTS[i % len(TEXTS)], language=truth[spk]["lang"], seed=100 + i,
                               speed=1.25 if i == 2 else 1.0, options=opts)
        out.append(BatchRow(i, req, _refs(corpus, spk)))
    return out


@pytest.mark.parametrize("sovits_file", ["sovits_v2_tiny.pth", "sovits_v2ProPlus_tiny.pth"])
def test_batch_rows_equal_solo_runs_and_stream_per_sentence(pretrained, tmp_path, gsv_fixtures, corpus, sovits_file):
    be, model, shared = _setup(pretrained, tmp_path, gsv_fixtures, sovits_file)
    rows = _rows(corpus, 6)
    with torch.no_grad():
        solo = {r.key: [c.samples for c in be.synthesize(model, shared, r.request, r.references)] for r in rows}
    later = iter([[rows[4]], [], [rows[5]]])
    got: dict[int, list[np.ndarray]] = {}
    ended: list[int] = []
    admitted = 0

    def admit():
        nonlocal admitted
        more = next(later, [])
        admitted += len(more)
        return more

    order: list[int] = []
    for key, chunk in be.synthesize_batch(model, shared, rows[:4], None, admit):
        assert key not in ended, "a chunk after the row's end marker"
        order.append(key)
        if chunk is None:
            ended.append(key)
        else:
            got.setdefault(key, []).append(chunk.samples)
    assert admitted == 2 and sorted(ended) == [r.key for r in rows]
    for r in rows:
        a, b = solo[r.key], got[r.key]
        assert len(a) == len(b) >= 1, f"row {r.key}: {len(b)} chunks, solo {len(a)}"
        for x, y in zip(a, b):
            assert x.shape == y.shape
            assert np.abs(x - y).max() <= 1e-4 * max(np.abs(x).max(), 1e-6), f"row {r.key} differs from its solo run"
    # streaming: rows' chunks interleave (each sentence is yielded when it is done, not when the batch ends)
    runs = sum(1 for a, b in zip(order, order[1:]) if a != b) + 1
    assert runs > len(rows), order
    stats = be.batch_stats
    assert stats["widest_gpt_batch"] >= 3, stats  # rows really shared GPT steps
    assert stats["gpt_row_steps"] > stats["gpt_steps"], stats


def test_a_failing_row_fails_alone(pretrained, tmp_path, gsv_fixtures, corpus):
    """The failing row's error comes after the other rows ended (the runtime fails only rows left open)."""
    from engine.errors import InvalidInput

    be, model, shared = _setup(pretrained, tmp_path, gsv_fixtures, "sovits_v2_tiny.pth")
    good = _rows(corpus, 1)[0]
    bad = BatchRow(9, SynthesisRequest("   ", language="en"), good.references)
    late = BatchRow(5, good.request, good.references)
    seen: list[tuple[int, bool]] = []
    with pytest.raises(InvalidInput):
        for key, chunk in be.synthesize_batch(model, shared, [good, bad], None,
                                              lambda it=iter([[late]]): next(it, [])):
            seen.append((key, chunk is None))
    assert (good.key, True) in seen  # the good row ran to its end marker
    assert all(k != bad.key for k, _ in seen)
