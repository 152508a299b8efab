"""Clustering: automatic k on the corpus, overrides, cap, stable ids, pins, incremental assignment."""

from __future__ import annotations

import numpy as np
import pytest

from engine.errors import InvalidInput, NotFound

ALL_BUT = "en_flite_awb_m125"


def _fill(helper, skip=()):
    return [helper.add(s) for s in sorted(helper.truth["speakers"]) if s not in skip]


def _ari(a, b):
    from sklearn.metrics import adjusted_rand_score

    return adjusted_rand_score(a, b)


def _membership(eng):
    return {v: c.id for c in eng.analysis.clusters() for v in c.voices}


# -- pure functions --------------------------------------------------------------------------------------
def _blobs(rng, centers, per_voice=6, voices_per_center=2, spread=0.05, dim=16):
    vc, truth = [], []
    for ci, c in enumerate(centers):
        for _ in range(voices_per_center):
            base = c + rng.normal(0, spread / 2, dim)
            vc.append(base + rng.normal(0, spread, (per_voice, dim)))
            truth.append(ci)
    return vc, truth


def test_group_voices_finds_k_from_data():
    from engine.analysis.clustering import group_voices

    rng = np.random.default_rng(0)
    centers = np.eye(16)[:5]
    vc, truth = _blobs(rng, centers)
    g = group_voices(vc)
    assert g.method == "auto" and g.k == 5
    assert _ari(truth, g.labels) == 1.0
    assert group_voices(vc, k=3).k == 3
    assert group_voices(vc, threshold=0.999).k == len(vc)
    assert group_voices(vc, threshold=-1.0).k == 1
    with pytest.raises(InvalidInput):
        group_voices(vc, k=0)
    with pytest.raises(InvalidInput):
        group_voices(vc, k=len(vc) + 1)


def test_enforce_cap_splits_big_groups():
    from engine.analysis.clustering import enforce_cap

    rng = np.random.default_rng(1)
    means = rng.normal(0, 1, (23, 8))
    labels = np.zeros(23, dtype=int)
    for cap in (1, 4, 10, 23):
        out = enforce_cap(means, labels, cap)
        sizes = np.bincount(out)
        assert sizes.max() <= cap
        assert len(sizes) == int(np.ceil(23 / cap)) or cap < 23 and len(sizes) >= int(np.ceil(23 / cap))
    with pytest.raises(InvalidInput):
        enforce_cap(means, labels, 0)


def test_match_ids_keeps_ids_by_overlap():
    from engine.analysis.clustering import match_ids

    old = {1: 10, 2: 10, 3: 11, 4: 11, 5: 12}
    # groups reordered, one voice moved, one new group
    groups = [[3, 4, 2], [1, 6], [7], [5]]
    assert match_ids(old, groups) == [11, 10, None, 12]
    assert match_ids({}, groups) == [None] * 4


# -- on the corpus ---------------------------------------------------------------------------------------
def test_automatic_clustering_recovers_families(corpus_engine):
    eng, helper = corpus_engine
    names = _fill(helper)
    res = eng.analysis.cluster()
    where = _membership(eng)
    assert set(where) == set(names)
    ari = _ari([helper.family(n) for n in names], [where[n] for n in names])
    assert ari >= 0.9, (ari, [c.voices for c in res.clusters])
    assert res.method == "auto" and res.new_ids and not res.kept_ids


def test_style_variants_land_in_their_speakers_cluster(corpus_engine):
    """Each speaker split into three voices by speaking style: the styles must not split the speaker's family."""
    eng, helper = corpus_engine
    speakers = ["en_flite_awb", "en_flite_rms", "en_espeak_default", "en_espeak_storm", "cs_festival_dita",
                "cs_festival_dita_p125", "en_piper_joe", "ja_espeak_jacky"]
    voices = {}
    for s in speakers:
        for style in ("neutral", "excited", "sad"):
            voices[helper.add(s, name=f"{s}-{style}", styles=(style,))] = helper.family(s)
    eng.analysis.cluster()
    where = _membership(eng)
    for s in speakers:
        ids = {where[f"{s}-{st}"] for st in ("neutral", "excited", "sad")}
        assert len(ids) == 1, (s, ids)
    names = sorted(voices)
    assert _ari([voices[n] for n in names], [where[n] for n in names]) >= 0.9


def test_recluster_after_import_keeps_every_old_id(corpus_engine):
    eng, helper = corpus_engine
    _fill(helper, skip=(ALL_BUT, "it_festival_pc"))
    first = _membership(eng) or None
    assert first is None
    eng.analysis.cluster()
    before = _membership(eng)
    helper.add(ALL_BUT)                     # a near-duplicate of en_flite_awb
    helper.add("it_festival_pc")            # a new family
    report = eng.analysis.analyze()
    assigned = {a["voice"]: a for a in report.assigned}
    assert assigned[ALL_BUT]["cluster_id"] == before["en_flite_awb"]
    res = eng.analysis.cluster()
    after = _membership(eng)
    for voice, cid in before.items():
        assert after[voice] == cid, voice
    assert after[ALL_BUT] == before["en_flite_awb"]
    assert after["it_festival_pc"] not in before.values()
    assert set(before.values()) <= set(res.kept_ids)
    assert not res.retired_ids


def test_new_voice_that_fits_nothing_is_flagged(corpus_engine):
    eng, helper = corpus_engine
    _fill(helper, skip=("ja_espeak_jacky",))
    eng.analysis.cluster()
    helper.add("ja_espeak_jacky")
    report = eng.analysis.analyze(["ja_espeak_jacky"])
    assert report.assigned == [{"voice": "ja_espeak_jacky", "cluster_id": None, "how": "unassigned",
                                "similarity": report.assigned[0]["similarity"]}]
    assert eng.analysis.cluster_of("ja_espeak_jacky") is None
    assert eng.analysis.unassigned() == ["ja_espeak_jacky"]
    eng.analysis.cluster()
    assert eng.analysis.cluster_of("ja_espeak_jacky") is not None


def test_pins_survive_reclustering(corpus_engine):
    eng, helper = corpus_engine
    _fill(helper)
    eng.analysis.cluster()
    target = eng.analysis.cluster_of("en_piper_joe").cluster_id
    own = eng.analysis.cluster_of("ru_festival_nsh").cluster_id
    assert own != target
    a = eng.analysis.pin("ru_festival_nsh", target)
    assert a.pinned and a.cluster_id == target
    for kwargs in ({}, {"k": 5}, {"threshold": 0.9}):
        eng.analysis.cluster(**kwargs)
        got = eng.analysis.cluster_of("ru_festival_nsh")
        assert got.cluster_id == target and got.pinned and got.how == "pinned"
    eng.analysis.unpin("ru_festival_nsh")
    assert not eng.analysis.cluster_of("ru_festival_nsh").pinned
    eng.analysis.cluster()
    assert eng.analysis.cluster_of("ru_festival_nsh").cluster_id == own   # its old cluster id comes back
    with pytest.raises(NotFound):
        eng.analysis.pin("ru_festival_nsh", 9999)
    with pytest.raises(InvalidInput):
        eng.analysis.unpin("ru_festival_nsh")


def test_voices_per_base_cap(corpus_engine):
    eng, helper = corpus_engine
    _fill(helper)
    res = eng.analysis.cluster(k=1, max_per_cluster=50)
    assert res.k == 1
    res = eng.analysis.cluster(k=1, max_per_cluster=4)
    assert all(c.size <= 4 for c in res.clusters) and sum(c.size for c in res.clusters) == 17
    res = eng.analysis.cluster(max_per_cluster=1)
    assert all(c.size == 1 for c in res.clusters) and res.k == 17
    with pytest.raises(InvalidInput):
        eng.analysis.cluster(max_per_cluster=0)


def test_overrides_and_recorded_versions(corpus_engine):
    from engine.events import EventRecorder

    eng, helper = corpus_engine
    _fill(helper)
    rec = EventRecorder(eng.events, "cluster.changed")
    assert eng.analysis.cluster(k=3).k == 3
    assert eng.analysis.cluster(threshold=0.99).k == 17
    eng.analysis.cluster()
    hist = eng.analysis.history()
    assert [h["method"] for h in hist] == ["k", "threshold", "auto"]
    assert [h["current"] for h in hist] == [False, False, True]
    assert len(rec.of("cluster.changed")) == 3


def test_outliers_are_flagged_when_forced_together(corpus_engine):
    eng, helper = corpus_engine
    _fill(helper)
    res = eng.analysis.cluster(k=2)
    flagged = {o["voice"] for o in res.outliers}
    assert flagged
    for c in res.clusters:
        assert set(c.outliers) <= set(c.voices)
    assert all(eng.analysis.cluster_of(v).how == "outlier" for v in flagged)


def test_similarity_duplicates_and_projection(corpus_engine):
    eng, helper = corpus_engine
    _fill(helper, skip=(ALL_BUT,))
    eng.analysis.analyze()
    top = eng.analysis.similar("en_piper_joe", 3)
    assert top[0]["voice"] == "en_piper_joe_p100" and len(top) == 3
    assert top[0]["similarity"] >= top[1]["similarity"] >= top[2]["similarity"]
    helper.add(ALL_BUT)
    info = eng.analysis.check_new_voice(ALL_BUT)
    assert [d["other"] for d in info["duplicates"]] == ["en_flite_awb"]
    report = eng.analysis.analyze([ALL_BUT])
    assert {(d["voice"], d["other"]) for d in report.duplicates} == {(ALL_BUT, "en_flite_awb")}
    dups = {frozenset((d["voice"], d["other"])) for d in eng.analysis.near_duplicates()}
    assert dups == {frozenset(p) for p in [("en_flite_awb", ALL_BUT), ("en_piper_joe", "en_piper_joe_p100"),
                                            ("cs_festival_dita", "cs_festival_dita_p125")]}
    xy = eng.analysis.projection_2d()
    assert set(xy) == set(eng.library.voice_names())
    assert xy == eng.analysis.projection_2d()
    emb = eng.analysis.voice_embedding("en_flite_awb")
    assert emb.dtype == np.float32 and abs(np.linalg.norm(emb) - 1) < 1e-5


def test_a_voice_whose_clips_cannot_be_analysed_is_left_out(corpus_engine, tmp_path):
    import soundfile as sf

    eng, helper = corpus_engine
    _fill(helper, skip=(ALL_BUT,))
    silent = tmp_path / "silent.flac"
    sf.write(str(silent), np.zeros(16000 * 4, dtype=np.float32), 16000)
    sha = eng.library.blobs.put_file(silent)
    with eng.library.edit_new("mute") as ed:
        ed.add_clip(sha, duration=4.0, sample_rate=16000)
    report = eng.analysis.analyze()
    assert [f["voice_id"] for f in report.failed] == [eng.library.voice("mute").id]
    res = eng.analysis.cluster()
    assert any("mute" in w for w in res.warnings)
    assert eng.analysis.cluster_of("mute") is None
    assert all(d["voice"] != "mute" for d in eng.analysis.similar("en_flite_awb", 20))
    with pytest.raises(InvalidInput):
        eng.analysis.voice_embedding("mute")


def test_single_clip_voices_are_not_pushed_together():
    """With one clip per voice the textbook silhouette scores every lone clip 0 and prefers few groups."""
    from engine.analysis.clustering import group_voices

    rng = np.random.default_rng(4)
    centers = np.eye(16)[:6] * 3
    vc, truth = _blobs(rng, centers, per_voice=1, voices_per_center=1, spread=0.1)
    g = group_voices(vc)
    assert g.k == 6 and _ari(truth, g.labels) == 1.0
    vc, truth = _blobs(rng, centers, per_voice=1, voices_per_center=3, spread=0.1)
    assert _ari(truth, group_voices(vc).labels) == 1.0
