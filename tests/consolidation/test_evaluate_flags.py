"""Evaluation with the bundled GE2E encoder on speech from the deterministic ``tone`` backend.

The tone backend is used for synthesis because it is a real function of the base weights and the voice's
references (F0 from the prompt clip, colour from the timbre clips) and runs in milliseconds on CPU; the tiny
GPT-SoVITS fixtures have random weights and need HuBERT/BERT assets that tests cannot download.
"""

from __future__ import annotations

import json

from engine.backends.tone import create_tone_base
from engine.cli import main
from engine.consolidation import evaluate as ev
from engine.consolidation import versions



def cluster_of(eng, voice: str) -> int:
    return eng.analysis.cluster_of(voice).cluster_id


def _serve_every_cluster(eng):
    for info in eng.analysis.clusters():
        rec = create_tone_base(eng, f"tone-c{info.id}", seed=info.id, assign_cluster=info.id)
        versions.record(eng, info.id, rec, "assigned", {"test": True})


def test_evaluate_flags_a_voice_put_in_the_wrong_cluster(analysed_engine):
    eng = analysed_engine
    awb, dita = cluster_of(eng, "en_flite_awb"), cluster_of(eng, "cs_festival_dita")
    assert awb != dita and cluster_of(eng, "en_flite_awb_m125") == awb and cluster_of(eng, "cs_festival_dita_p125") == dita
    eng.analysis.pin("cs_festival_dita_p125", awb)                    # deliberately misplaced
    _serve_every_cluster(eng)
    events = []
    eng.events.subscribe("consolidation.*", events.append)
    progress = []
    run = ev.Evaluator(eng).run(progress=lambda d, t, item: progress.append((d, t)))
    by = {v.voice: v for v in run.voices}
    assert len(by) == 6 and progress[-1] == (6, 6)
    bad = by["cs_festival_dita_p125"]
    assert bad.flagged and bad.verdict == "move" and bad.proposal["to_cluster"] == dita
    assert bad.cluster_id == awb and bad.base == f"tone-c{awb}" and bad.base_version_id is not None
    for name in ("en_flite_awb", "en_flite_awb_m125", "en_piper_joe", "en_piper_joe_p100"):
        assert by[name].verdict != "move", by[name]
    for v in run.voices:
        assert -1.0 <= v.sim_own <= 1.0
    assert any(p.get("action") == "move" and p["voice"] == "cs_festival_dita_p125" for p in run.proposals)
    assert any(e.topic == "consolidation.evaluated" for e in events)
    # recorded, with history per voice
    hist = ev.history(eng, "cs_festival_dita_p125")
    assert hist[0]["run"] == run.id and hist[0]["verdict"] == "move" and hist[0]["sim_own"] == bad.sim_own
    moved = ev.apply_moves(eng, run)
    assert moved == [{"voice": "cs_festival_dita_p125", "from_cluster": awb, "to_cluster": dita}]
    assert cluster_of(eng, "cs_festival_dita_p125") == dita


def test_evaluation_is_deterministic_and_accumulates_history(analysed_engine):
    eng = analysed_engine
    _serve_every_cluster(eng)
    c = cluster_of(eng, "en_piper_joe")
    eng.bases.assign(cluster_of(eng, "en_flite_awb"), None)                     # a cluster left without a base
    everything = ev.Evaluator(eng).run()
    assert {v.voice for v in everything.voices}.isdisjoint({"en_flite_awb", "en_flite_awb_m125"})
    assert [p["action"] for p in everything.proposals if p["cluster"] == cluster_of(eng, "en_flite_awb")] == ["assign a base"]
    a = ev.Evaluator(eng).run(cluster=c)
    b = ev.Evaluator(eng).run(cluster=c)
    assert [v.voice for v in a.voices] == ["en_piper_joe", "en_piper_joe_p100"] or \
        sorted(v.voice for v in a.voices) == ["en_piper_joe", "en_piper_joe_p100"]
    assert [(v.voice, v.sim_own, v.margin) for v in a.voices] == [(v.voice, v.sim_own, v.margin) for v in b.voices]
    assert not any(v.flagged for v in a.voices)
    assert [h["run"] for h in ev.history(eng, "en_piper_joe")] == [b.id, a.id, everything.id]


def test_evaluate_cli_json(analysed_engine, capsys):
    eng = analysed_engine
    _serve_every_cluster(eng)
    c = cluster_of(eng, "en_flite_awb")
    lib = str(eng.library_path)
    eng.close()
    capsys.readouterr()
    assert main(["--library", lib, "evaluate", "--cluster", str(c), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert sorted(v["voice"] for v in data["voices"]) == ["en_flite_awb", "en_flite_awb_m125"]
    assert main(["--library", lib, "evaluate", "--history", "en_flite_awb", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 1


def test_background_evaluation_on_demand_and_after_changes(analysed_engine):
    from engine.consolidation.background import AutoEvaluator, start_evaluation

    eng = analysed_engine
    _serve_every_cluster(eng)
    c = cluster_of(eng, "en_piper_joe")
    job = start_evaluation(eng, cluster=c)
    assert job.wait(300) and job.error is None
    assert sorted(v.voice for v in job.result.voices) == ["en_piper_joe", "en_piper_joe_p100"]
    auto = AutoEvaluator(eng).start()
    try:
        other = create_tone_base(eng, "tone-other", seed=99)
        eng.bases.assign(c, other)                                   # a library change → re-evaluate that cluster
        assert auto.wait_idle(300)
        assert auto.runs and auto.runs[-1].scope == f"cluster {c}"
        assert {v.base for v in auto.runs[-1].voices} == {"tone-other"}
        assert not auto.errors
    finally:
        auto.stop()
    hist = ev.history(eng, "en_piper_joe")
    assert [h["base"] for h in hist[:2]] == ["tone-other", f"tone-c{c}"]


def test_poorly_served_voice_is_proposed_to_the_cluster_whose_base_serves_it(analysed_engine):
    """Synthesis replaced by fixed speech embeddings (per voice and base) so the rule is checked exactly."""
    import numpy as np

    eng = analysed_engine
    _serve_every_cluster(eng)
    joe, awb = cluster_of(eng, "en_piper_joe"), cluster_of(eng, "en_flite_awb")
    emb = {v.name: eng.analysis.voice_embedding(v).astype(np.float64) for v in eng.library.voices()}

    class Fixed(ev.Evaluator):
        def speech_embedding(self, voice, base, cancel=None):
            if voice.name == "en_piper_joe_p100" and base == f"tone-c{joe}":
                return emb["en_piper_joe"] / np.linalg.norm(emb["en_piper_joe"])   # sounds like its neighbour
            if voice.name == "en_piper_joe_p100" and base == f"tone-c{awb}":
                return emb[voice.name] / np.linalg.norm(emb[voice.name])           # the awb base serves it best
            if voice.name == "en_piper_joe_p100":
                return emb["cs_festival_dita"] / np.linalg.norm(emb["cs_festival_dita"])   # any other base: badly
            e = emb[voice.name] + (0.5 if base == f"tone-c{joe}" else 0.0) * emb["en_flite_awb"]
            return e / np.linalg.norm(e)

    run = Fixed(eng).run(cluster=joe)
    by = {v.voice: v for v in run.voices}
    p100 = by["en_piper_joe_p100"]
    assert p100.margin < -0.05 and p100.verdict == "move" and p100.proposal["to_cluster"] == awb
    assert p100.proposal["similarity_there"] > p100.sim_own
    assert by["en_piper_joe"].verdict == "ok"


def test_cancelled_evaluation_records_nothing(analysed_engine):
    import threading

    import pytest

    from engine.errors import Cancelled

    eng = analysed_engine
    _serve_every_cluster(eng)
    cancel = threading.Event()
    with pytest.raises(Cancelled):
        ev.Evaluator(eng).run(progress=lambda done, total, item: cancel.set() if done == 1 else None, cancel=cancel)
    assert eng.library.catalog.scalar("SELECT COUNT(*) FROM evaluation_runs") == 0
