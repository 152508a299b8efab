"""Base versions and rollback (also out of an archive), and choosing a base by evaluation.

Candidate models here are ``tone`` bases (tiny, deterministic) registered as per-voice candidates the way
``import-gptsovits`` registers converted GPT-SoVITS pairs."""

from __future__ import annotations

import pytest

from engine.backends.tone import create_tone_base
from engine.consolidation import archive, candidates, versions
from engine.consolidation.consolidate import make_plan
from engine.errors import NotFound


def cluster_of(eng, voice: str) -> int:
    return eng.analysis.cluster_of(voice).cluster_id


def _candidates(eng):
    for i, v in enumerate(eng.library.voices()):
        rec = create_tone_base(eng, f"cand-{v.name}", seed=100 + i)
        candidates.add(eng.library.catalog, v.id, rec.name, experiment=v.name)


def test_rollback_restores_an_archived_base(analysed_engine):
    eng = analysed_engine
    _candidates(eng)
    c = cluster_of(eng, "en_flite_awb")
    first = next(p for p in make_plan(eng).clusters if p.cluster_id == c).base
    loser = ({"cand-en_flite_awb", "cand-en_flite_awb_m125"} - {first}).pop()
    eng.bases.assign(c, loser)                                   # the cluster was served by the other model
    v1 = versions.record(eng, c, loser, "assigned")
    plan = make_plan(eng)
    chosen = next(p for p in plan.clusters if p.cluster_id == c)
    # central choice among the two candidates; the other one is retired
    assert chosen.kind == "adopted" and set(chosen.scores) == {"cand-en_flite_awb", "cand-en_flite_awb_m125"}
    assert chosen.base == max(chosen.scores, key=chosen.scores.get)
    assert chosen.base == first
    assert loser in plan.retire
    archive.apply_plan(eng, plan)
    hist = versions.history(eng, c)
    assert [h.version for h in hist] == [1, 2] and hist[1].kind == "adopted" and hist[1].base_name == chosen.base
    assert hist[1].provenance["voices"] == ["en_flite_awb", "en_flite_awb_m125"]
    assert hist[1].provenance["base"]["groups"] == eng.bases.get(chosen.base).groups
    assert versions.current(eng, c).version == 2
    with pytest.raises(NotFound):
        eng.bases.get(loser)                                     # archived
    back = archive.rollback(eng, c)                             # to version 1, out of the archive
    assert back.kind == "rollback" and back.version == 3 and back.base_name == v1.base_name
    assert eng.bases.base_for_cluster(c).name == v1.base_name
    assert eng.bases.get(v1.base_name).groups == dict(hist[0].provenance["base"]["groups"])
    again = archive.rollback(eng, c, version=2)
    assert eng.bases.base_for_cluster(c).name == chosen.base and again.version == 4
    archive.revert(eng)                                          # the consolidation is undone: version 1's base again
    last = versions.history(eng, c)[-1]
    assert last.kind == "rollback" and last.version == 5 and last.base_name == v1.base_name
    assert eng.bases.base_for_cluster(c).name == v1.base_name
    again = archive.rollback(eng, c, version=2)
    assert again.version == 6
    assert eng.bases.base_for_cluster(c).name == chosen.base
    with pytest.raises(NotFound):
        archive.rollback(eng, c, version=99)


def test_choose_by_evaluation_picks_the_best_scored_candidate(analysed_engine):
    eng = analysed_engine
    _candidates(eng)
    c = cluster_of(eng, "en_piper_joe")
    plan = make_plan(eng, choose="evaluate", clusters=[c])
    (cp,) = plan.clusters
    assert cp.cluster_id == c and set(cp.scores) == {"cand-en_piper_joe", "cand-en_piper_joe_p100"}
    assert cp.base == max(cp.scores, key=cp.scores.get)
    assert all(-1 <= s <= 1 for s in cp.scores.values())
    # only the planned cluster's candidates can be retired
    assert plan.retire == sorted({"cand-en_piper_joe", "cand-en_piper_joe_p100"} - {cp.base})


def test_pretrained_base_for_clusters_without_candidates(analysed_engine):
    eng = analysed_engine
    pre = create_tone_base(eng, "pretrained-zero-shot", seed=7)
    plan = make_plan(eng, pretrained=pre.name)
    assert {p.kind for p in plan.clusters} == {"pretrained"} and plan.retire == []
    archive.apply_plan(eng, plan)
    for info in eng.analysis.clusters():
        assert eng.bases.base_for_cluster(info.id).name == "pretrained-zero-shot"
        assert versions.history(eng, info.id)[-1].kind == "pretrained"


def test_revert_refuses_when_a_retired_name_is_taken_and_purge_is_final(analysed_engine):
    from engine.errors import InvalidInput

    eng = analysed_engine
    _candidates(eng)
    first = make_plan(eng)
    assert len(first.retire) == 3                                  # one candidate of each 2-voice cluster
    taken = first.retire[0]
    c = next(p.cluster_id for p in first.clusters if taken in p.candidates)
    eng.bases.assign(c, taken)
    versions.record(eng, c, taken, "assigned")                     # version 1: the model that will be retired
    plan = make_plan(eng)
    assert plan.retire == first.retire
    applied = archive.apply_plan(eng, plan)
    assert sorted(applied.bases) == sorted(plan.retire)
    create_tone_base(eng, taken, seed=5)                           # a new base under a retired name
    with pytest.raises(InvalidInput) as err:
        archive.revert(eng)
    assert "exists again" in err.value.message and err.value.hint
    assert archive.get_archive(eng, applied.id).state == "applied"   # nothing half-done
    assert eng.bases.base_for_cluster(c).name != taken
    eng.bases.remove(taken)
    purged = archive.purge(eng)
    assert purged["bytes_freed"] > 0 and sorted(purged["bases"]) == sorted(plan.retire)
    assert archive.get_archive(eng, applied.id).state == "purged"
    with pytest.raises(InvalidInput):
        archive.revert(eng, applied.id)
    with pytest.raises(NotFound) as gone:
        archive.rollback(eng, c, version=1)                       # its base was purged
    assert "purged" in gone.value.hint
