"""The embedding cache: keyed by clip audio + encoder, invalidated by a new encoder version."""

from __future__ import annotations

import numpy as np

from engine.analysis.encoders import TimbreEncoder, register_encoder


class CountingEncoder(TimbreEncoder):
    """A tiny real encoder (spectral centroid statistics) that counts its calls."""

    id = "counting"
    dim = 4
    calls = 0
    version_now = "v1"

    def __init__(self, device=None):
        self.version = CountingEncoder.version_now

    def embed(self, samples, sample_rate):
        CountingEncoder.calls += 1
        x = np.asarray(samples, dtype=np.float64)
        v = np.array([np.abs(x).mean(), x.std(), np.abs(np.diff(x)).mean(), len(x) / sample_rate / 10])
        return (v / np.linalg.norm(v)).astype(np.float32)


def test_second_run_does_no_work(corpus_engine):
    eng, helper = corpus_engine
    from engine.analysis.store import AnalysisStore

    helper.add("en_flite_awb")
    helper.add("cs_festival_dita")
    # drop the seeded cache for one voice's clips so the first run has real work to do
    shas = [c.sha256 for c in eng.library.voice("en_flite_awb").clips]
    with eng.library.catalog.transaction() as c:
        c.executemany("DELETE FROM embeddings WHERE clip_sha256 = ?", [(s,) for s in shas])
        c.executemany("DELETE FROM prosody_features WHERE clip_sha256 = ?", [(s,) for s in shas])
    assert eng.analysis.pending() == {"clips": 16, "embeddings_pending": 8, "prosody_pending": 8}
    seen = []
    first = eng.analysis.analyze(progress=lambda d, t: seen.append((d, t)))
    assert eng.analysis.pending() == {"clips": 16, "embeddings_pending": 0, "prosody_pending": 0}
    assert first.embedded == 8 and first.prosody_computed == 8 and first.embeddings_cached == 8
    assert seen[-1] == (8, 8)
    store = AnalysisStore(eng.library.catalog)
    assert len(store.embeddings(shas, "ge2e", eng.analysis.encoder().version)) == 8
    second = eng.analysis.analyze()
    assert second.work_done == 0 and second.embeddings_cached == 16


def test_encoder_version_change_invalidates(corpus_engine):
    eng, helper = corpus_engine
    register_encoder("counting", CountingEncoder)
    helper.add("en_flite_awb")
    CountingEncoder.calls, CountingEncoder.version_now = 0, "v1"
    eng.analysis.analyze(encoder="counting", prosody=False)
    assert CountingEncoder.calls == 8
    eng.analysis.analyze(encoder="counting", prosody=False)
    assert CountingEncoder.calls == 8                    # cached
    ge2e_rows = eng.library.catalog.scalar("SELECT COUNT(*) FROM embeddings WHERE encoder_id = 'ge2e'")
    # a new version of the encoder (new weights / preprocessing): everything is recomputed once
    CountingEncoder.version_now = "v2"
    eng.analysis._encoders.pop("counting")
    report = eng.analysis.analyze(encoder="counting", prosody=False)
    assert CountingEncoder.calls == 16 and report.embedded == 8
    rows = eng.library.catalog.query("SELECT DISTINCT encoder_version FROM embeddings WHERE encoder_id = 'counting'")
    assert [r[0] for r in rows] == ["v2"]
    # other encoders' rows are untouched
    assert eng.library.catalog.scalar("SELECT COUNT(*) FROM embeddings WHERE encoder_id = 'ge2e'") == ge2e_rows


def test_analyze_can_be_cancelled_and_keeps_what_was_done(corpus_engine):
    import pytest

    from engine.errors import Cancelled

    eng, helper = corpus_engine
    register_encoder("counting", CountingEncoder)
    CountingEncoder.version_now = "cancel-test"
    helper.add("en_flite_rms")
    done = []
    with pytest.raises(Cancelled):
        eng.analysis.analyze(encoder="counting", prosody=False, progress=lambda d, t: done.append(d),
                             cancel=lambda: len(done) > 3, batch_size=1)
    n = eng.library.catalog.scalar("SELECT COUNT(*) FROM embeddings WHERE encoder_version = 'cancel-test'")
    assert n == 3
    report = eng.analysis.analyze(encoder="counting", prosody=False)
    assert report.embedded == 5 and report.embeddings_cached == 3


def test_progress_events(corpus_engine):
    from engine.events import EventRecorder

    eng, helper = corpus_engine
    register_encoder("counting", CountingEncoder)
    CountingEncoder.version_now = "events"
    helper.add("en_flite_kal16")
    rec = EventRecorder(eng.events, "analysis.progress")
    eng.analysis.analyze(encoder="counting", prosody=False)
    data = [e.data for e in rec.of("analysis.progress")]
    assert data[0] == {"done": 0, "total": 8} and data[-1] == {"done": 8, "total": 8}


def test_analyze_runs_the_encoder_on_the_threads_asked_and_restores_them(corpus_engine, monkeypatch):
    """`timbrel analyze` owns its process and asks for every core; the app's default leaves one free. The encoder
    runs with the count asked for, and the process's count is restored afterwards (also after a failure)."""
    import torch

    eng, helper = corpus_engine
    helper.add("en_flite_awb")
    shas = [c.sha256 for c in eng.library.voice("en_flite_awb").clips]
    enc = eng.analysis.encoder()
    seen: list[int] = []
    real = enc.embed_prepared

    def spy(prepared):
        seen.append(torch.get_num_threads())
        return real(prepared)

    monkeypatch.setattr(enc, "embed_prepared", spy)
    before = torch.get_num_threads()
    want = before + 1
    for threads, expected in ((want, want), (None, before)):
        with eng.library.catalog.transaction() as c:
            c.executemany("DELETE FROM embeddings WHERE clip_sha256 = ?", [(s,) for s in shas])
        seen.clear()
        eng.analysis.analyze(threads=threads, assign=False)
        assert seen and set(seen) == {expected}
        assert torch.get_num_threads() == before
