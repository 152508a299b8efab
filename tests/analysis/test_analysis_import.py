"""Analysis after a real import (engine.importer): near-duplicate report and incremental cluster assignment."""

from __future__ import annotations


def test_import_then_analyze_flags_near_duplicate_and_assigns(engine, corpus):
    imp = engine.importer
    for spk in ("en_flite_awb", "cs_festival_dita"):
        rep = imp.import_paths([corpus / "clips" / spk], voice=spk)
        assert rep.imported > 0
    engine.analysis.analyze()
    engine.analysis.cluster()
    awb = engine.analysis.cluster_of("en_flite_awb").cluster_id
    rep = imp.import_paths([corpus / "clips" / "en_flite_awb_m125"], voice="awb copy")
    assert rep.imported > 0
    check = engine.analysis.check_new_voice("awb copy")
    assert [d["other"] for d in check["duplicates"]] == ["en_flite_awb"]
    assert check["cluster"]["cluster_id"] == awb and check["cluster"]["fits"]
    report = engine.analysis.analyze(["awb copy"])
    n = len(engine.library.voice("awb copy").clips)
    # check_new_voice already embedded the clips (cached); only the prosody was left to do
    assert report.embedded == 0 and report.embeddings_cached == n and report.prosody_computed == n
    assert [(d["voice"], d["other"]) for d in report.duplicates] == [("awb copy", "en_flite_awb")]
    assert report.assigned[0]["cluster_id"] == awb
    assert engine.analysis.cluster_of("awb copy").how == "assigned"
