"""Scale (issue #21): clustering without a clips x groups matrix, blocked distances, batched embedding,
resumable analysis runs, and the catalog's indexes (checked with EXPLAIN QUERY PLAN)."""

from __future__ import annotations

import numpy as np
import pytest


def families(n_fam: int, per_fam: int, clips: int, dim: int = 64, seed: int = 0):
    """Synthetic clip embeddings: families of voices around a centre, each voice's clips around the voice."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n_fam, dim))
    voice_clips, truth = [], []
    for f in range(n_fam):
        for _ in range(per_fam):
            v = centres[f] + 0.35 * rng.normal(size=dim)
            voice_clips.append(v + 0.25 * rng.normal(size=(clips, dim)))
            truth.append(f)
    return voice_clips, np.array(truth)


def test_large_path_finds_the_same_groups_as_the_exact_walk(monkeypatch):
    from sklearn.metrics import adjusted_rand_score

    from engine.analysis import clustering as cl

    voice_clips, truth = families(12, 10, 6)
    exact = cl.group_voices(voice_clips, family_similarity=0.99)
    assert adjusted_rand_score(truth, exact.labels) == pytest.approx(1.0)
    monkeypatch.setattr(cl, "EXACT_WALK_OPS", 0)      # force the large-library path
    called = []
    real = cl._best_cut_large
    monkeypatch.setattr(cl, "_best_cut_large", lambda *a: called.append(1) or real(*a))
    large = cl.group_voices(voice_clips, family_similarity=0.99)
    assert called and large.method == "auto"
    assert adjusted_rand_score(truth, large.labels) == pytest.approx(1.0)
    assert large.k == exact.k == 12
    # only candidate cuts are scored (a geometric grid and a dense look around the best), not all n-1
    assert len(large.scores) < len(exact.scores)


def test_clip_silhouette_with_all_groups_as_candidates_equals_the_exact_walk():
    from scipy.cluster.hierarchy import cut_tree

    from engine.analysis import clustering as cl

    voice_clips, _ = families(4, 5, 4, seed=3)
    means = cl.normalize_rows(np.stack([cl.normalize_rows(c).mean(axis=0) for c in voice_clips]))
    z = cl._linkage(means)
    lone = cl.lone_clip_distance(voice_clips, 0.99)
    _, scores = cl._best_cut(z, voice_clips, lone)
    clips = cl.normalize_rows(np.concatenate(voice_clips)).astype(np.float32)
    clip_voice = np.concatenate([np.full(len(c), i) for i, c in enumerate(voice_clips)])
    everyone = np.tile(np.arange(len(voice_clips)), (len(voice_clips), 1))   # every voice is a candidate
    for k in (2, 4, 7, 12):
        labels = cut_tree(z, n_clusters=[k])[:, 0]
        s = cl._clip_silhouette(clips, clip_voice, labels, everyone, lone, chunk=7)
        assert s == pytest.approx(scores[k], abs=2e-4)


def test_blocked_distances_equal_the_full_matrix(monkeypatch):
    from engine.analysis import clustering as cl

    x = np.random.default_rng(1).normal(size=(37, 16))
    full = cl.condensed_distances(x)
    monkeypatch.setattr(cl, "BLOCKED_LINKAGE_VOICES", 5)
    blocked = cl.condensed_distances(x)
    assert blocked.shape == full.shape == (37 * 36 // 2,)
    np.testing.assert_allclose(blocked, full, atol=1e-12)


def test_batched_ge2e_matches_one_clip_at_a_time(ge2e):
    rng = np.random.default_rng(0)
    t = np.arange(16000 * 3) / 16000
    clips = [(0.3 * np.sin(2 * np.pi * f * t) * (1 + 0.5 * np.sin(2 * np.pi * 3 * t)) + 0.01 * rng.normal(size=len(t)),
              16000) for f in (140.0, 220.0, 310.0)]
    one = np.stack([ge2e.embed(s, sr) for s, sr in clips])
    many = ge2e.embed_many(clips)
    np.testing.assert_allclose(many, one, atol=1e-5)
    assert np.allclose(np.linalg.norm(many, axis=1), 1.0, atol=1e-5)


def test_an_interrupted_run_is_resumed(corpus_engine):
    from engine.analysis.encoders import register_encoder
    from engine.analysis.store import AnalysisStore
    from engine.errors import Cancelled

    from test_analysis_cache import CountingEncoder

    eng, helper = corpus_engine
    register_encoder("counting", CountingEncoder)
    CountingEncoder.version_now = "resume-test"
    helper.add("en_flite_awb")
    seen = []
    with pytest.raises(Cancelled):
        eng.analysis.analyze(encoder="counting", prosody=False, batch_size=3, progress=lambda d, t: seen.append(d),
                             cancel=lambda: len(seen) >= 2)
    runs = AnalysisStore(eng.library.catalog).runs()
    assert runs[0]["status"] == "cancelled" and (runs[0]["done"], runs[0]["total"]) == (3, 8)
    report = eng.analysis.analyze(encoder="counting", prosody=False, batch_size=3)
    assert report.resumed == {"run": runs[0]["id"], "done": 3, "total": 8}
    assert report.embedded == 5 and report.embeddings_cached == 3
    assert AnalysisStore(eng.library.catalog).runs()[0]["status"] == "done"


def test_voice_vectors_are_read_once_and_refreshed_after_a_change(corpus_engine):
    eng, helper = corpus_engine
    for spk in ("en_flite_awb", "en_flite_rms", "cs_festival_dita"):
        helper.add(spk)
    an = eng.analysis
    enc = an.encoder()
    first = an.embeddings.voice_vectors(enc)
    assert an.embeddings.voice_vectors(enc) is first                       # cached while nothing changes
    assert [r["voice"] for r in an.similar("en_flite_awb", 2)] == sorted(
        [r["voice"] for r in an.similar("en_flite_awb", 2)], key=lambda v: -dict(
            (d["voice"], d["similarity"]) for d in an.similar("en_flite_awb", 2))[v])
    helper.add("en_flite_kal16")
    second = an.embeddings.voice_vectors(enc)
    assert second is not first and "en_flite_kal16" in second.names


def plan(catalog, sql, params=()):
    return " | ".join(r[3] for r in catalog.query("EXPLAIN QUERY PLAN " + sql, params))


def test_catalog_queries_use_indexes(tmp_path):
    from engine.library.library import Library

    lib = Library.open(tmp_path / "lib")
    c = lib.catalog
    p = plan(c, "SELECT voice_id, cluster_id, clustering_id FROM cluster_members WHERE voice_id IN (?, ?)"
                " AND cluster_id IS NOT NULL", (1, 2))
    assert "cluster_members_by_voice" in p, p
    p = plan(c, "SELECT c.voice_id, e.vector FROM clips c JOIN embeddings e ON e.clip_sha256 = c.sha256"
                " AND e.encoder_id = ? AND e.encoder_version = ? ORDER BY c.voice_id, c.id", ("ge2e", "v"))
    assert all("USING" in step for step in p.split(" | ") if step.startswith(("SCAN", "SEARCH"))), p
    assert "embeddings" in p.split(" | ")[0] or "clips_by_voice" in p, p   # no full scan of either table
    p = plan(c, "SELECT COUNT(*) FROM clips c WHERE c.voice_id = ?", (1,))
    assert "clips_by_voice" in p, p
    p = plan(c, "SELECT voice_id FROM voice_tags WHERE tag LIKE ?", ("x%",))
    assert "voice_tags_by_tag" in p or "SCAN voice_tags" in p, p
    p = plan(c, "SELECT voice_id, cluster_id FROM cluster_members WHERE clustering_id = ? ORDER BY voice_id", (1,))
    assert "USING" in p and "cluster_members" in p, p
    p = plan(c, "SELECT id, name FROM voices ORDER BY name COLLATE NOCASE")
    assert "TEMP B-TREE" not in p, p         # the name index gives the order
    lib.close()


def test_large_path_keeps_the_corpus_exact(monkeypatch, truth, corpus_cache, corpus):
    """The corpus families with the large-library path forced: the same scores for every cut (all 17 voices
    are each other's nearest voices, so the candidate groups are all groups) and ARI 1.000."""
    from sklearn.metrics import adjusted_rand_score

    from engine.analysis import clustering as cl
    from engine.library.blobs import sha256_file

    names = sorted(truth["speakers"])
    voice_clips = [np.stack([corpus_cache[sha256_file(corpus / c["file"])][0]
                             for c in truth["speakers"][v]["clips"]]) for v in names]
    fam = [truth["speakers"][v]["family"] for v in names]
    exact = cl.group_voices(voice_clips, family_similarity=0.87)
    monkeypatch.setattr(cl, "EXACT_WALK_OPS", 0)
    large = cl.group_voices(voice_clips, family_similarity=0.87)
    assert adjusted_rand_score(fam, exact.labels) == pytest.approx(1.0)
    assert adjusted_rand_score(fam, large.labels) == pytest.approx(1.0)
    assert large.scores == pytest.approx(exact.scores, abs=2e-4)


def test_cut_labels_give_cut_trees_partitions():
    from scipy.cluster.hierarchy import cut_tree

    from engine.analysis import clustering as cl

    for n in (2, 9, 40):
        z = cl._linkage(np.random.default_rng(n).normal(size=(n, 6)))
        for k in range(1, n + 1):
            ours = cl._relabel(cl.cut_labels(z, n, k))
            theirs = cl._relabel(cut_tree(z, n_clusters=[k])[:, 0]) if k < n else np.arange(n)
            assert np.array_equal(ours, theirs), (n, k)


def test_bulk_voice_statistics_equal_the_per_voice_ones():
    from engine.analysis import clustering as cl
    from engine.analysis.embeddings import robust_mean, robust_means

    rng = np.random.default_rng(4)
    voice_clips = [rng.normal(size=(int(c), 12)) for c in rng.integers(1, 7, size=30)]
    voice_clips[3][0] *= -5                                   # an outlier clip the robust mean leaves out
    np.testing.assert_allclose(robust_means(voice_clips), np.stack([robust_mean(c) for c in voice_clips]), atol=1e-12)
    spreads = []
    for c in voice_clips:
        if len(c) >= 2:
            x = cl.normalize_rows(c)
            spreads.append((1.0 - x @ x.T)[np.triu_indices(len(x), 1)].mean())
    assert cl.lone_clip_distance(voice_clips, 0.9) == pytest.approx(float(np.median(spreads)), abs=1e-12)
    assert cl.lone_clip_distance([c[:1] for c in voice_clips], 0.9) == pytest.approx(0.1)


def test_enforce_cap_splits_a_large_group_like_one_split_per_pass():
    """The work-list version gives the same partition as splitting group by group, pass after pass."""
    import math

    from scipy.cluster.hierarchy import fcluster

    from engine.analysis import clustering as cl

    rng = np.random.default_rng(7)
    means = cl.normalize_rows(rng.normal(size=(300, 16)))
    labels = rng.integers(0, 4, size=300)
    expected = labels.copy()
    changed = True
    while changed:                                            # the earlier pass-by-pass algorithm
        changed = False
        for g in sorted(set(expected.tolist())):
            idx = np.flatnonzero(expected == g)
            if len(idx) <= 20:
                continue
            sub = fcluster(cl._linkage(means[idx]), math.ceil(len(idx) / 20), "maxclust") - 1
            if len(set(sub.tolist())) < 2 or max(np.bincount(sub)) == len(idx):
                sub = cl._chunk_by_similarity(means[idx], 20)
            nxt = expected.max() + 1
            for j, s in enumerate(cl._relabel(sub)):
                if s > 0:
                    expected[idx[j]] = nxt + s - 1
            changed = True
    assert np.array_equal(cl.enforce_cap(means, labels, 20), cl._relabel(expected))
