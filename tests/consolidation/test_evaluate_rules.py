"""The evaluation's judging rules on fixed numbers (no synthesis)."""

from __future__ import annotations

import numpy as np

from engine.consolidation.evaluate import Evaluator, VoiceEvaluation


def ve(name, vid, cid, own, margin):
    return VoiceEvaluation(name, vid, cid, "b", None, own, None, margin, None)


def test_poorly_served_by_margin_or_drop_and_split_proposal():
    ev = Evaluator(engine=None, drop=0.15, margin=0.05)
    rs = [ve("a", 1, 7, 0.80, 0.20), ve("b", 2, 7, 0.78, 0.10), ve("c", 3, 7, 0.79, -0.02),   # -0.02: within tolerance
          ve("d", 4, 7, 0.60, 0.01), ve("e", 5, 7, 0.75, -0.09)]
    ev._judge(rs)
    verdict = {r.voice: r.verdict for r in rs}
    assert verdict == {"a": "ok", "b": "ok", "c": "ok", "d": "poorly-served", "e": "poorly-served"}
    assert "far below" in rs[3].proposal["why"] and "more like another voice" in rs[4].proposal["why"]
    # d and e are alike, unlike the rest → split
    e = {1: [1, 0, 0], 2: [0.9, 0.1, 0], 3: [0.95, 0, 0.1], 4: [0, 1, 0], 5: [0, 0.95, 0.1]}
    embs = {k: np.asarray(v) / np.linalg.norm(v) for k, v in e.items()}
    props = ev._proposals(rs, embs)
    split = [p for p in props if p.get("action") == "split"]
    assert split and sorted(split[0]["new_cluster"]) == ["d", "e"] and sorted(split[0]["keep"]) == ["a", "b", "c"]
    assert {r.voice: r.verdict for r in rs}["d"] == "split"


def test_no_split_when_flagged_voices_are_unalike_and_small_clusters():
    ev = Evaluator(engine=None)
    rs = [ve("a", 1, 1, 0.8, 0.1), ve("b", 2, 1, 0.8, -0.2), ve("c", 3, 1, 0.8, -0.3)]
    ev._judge(rs)
    embs = {1: np.array([1.0, 0, 0]), 2: np.array([0, 1.0, 0]), 3: np.array([0, 0, 1.0])}
    assert not [p for p in ev._proposals(rs, embs) if p.get("action") == "split"]
    two = [ve("x", 1, 2, 0.3, None)]                                 # a lone voice: nothing to compare with
    ev._judge(two)
    assert not two[0].flagged
