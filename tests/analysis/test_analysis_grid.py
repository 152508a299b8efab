"""The emotion × timbre grid."""

from __future__ import annotations


def test_grid_counts_and_gaps(corpus_engine):
    eng, helper = corpus_engine
    helper.add("en_flite_awb", emotions={"neutral": "neutral", "excited": "happy", "sad": "sad"})
    helper.add("en_flite_awb_m125", emotions={"neutral": "neutral", "sad": "sad"})
    helper.add("cs_festival_dita", emotions={"neutral": "neutral"})
    helper.add("ja_espeak_jacky")
    from engine.api import GridResult

    typed = eng.analysis.grid()
    assert isinstance(typed, GridResult) and typed.gaps == typed.to_dict()["gaps"]
    before = typed.to_dict()
    assert before["clustering_id"] is None
    assert [r["label"] for r in before["clusters"]] == ["unclustered"]
    eng.analysis.cluster()
    g = eng.analysis.grid().to_dict()
    assert g["emotions"] == ["happy", "neutral", "sad"]
    awb = eng.analysis.cluster_of("en_flite_awb").cluster_id
    assert eng.analysis.cluster_of("en_flite_awb_m125").cluster_id == awb
    rows = {r["cluster_id"]: r for r in g["clusters"]}
    assert rows[awb]["voices"] == 2
    assert rows[awb]["counts"] == {"happy": 1, "neutral": 2, "sad": 2}
    dita = eng.analysis.cluster_of("cs_festival_dita").cluster_id
    assert rows[dita]["counts"] == {"happy": 0, "neutral": 1, "sad": 0}
    voices = {v["voice"]: v for v in g["voices"]}
    assert voices["en_flite_awb"]["missing"] == []
    assert voices["en_flite_awb"]["emotions"] == {"happy": 2, "neutral": 4, "sad": 2}
    assert voices["en_flite_awb_m125"]["missing"] == ["happy"]
    assert voices["cs_festival_dita"]["missing"] == ["happy", "sad"]
    assert voices["ja_espeak_jacky"]["missing"] == ["happy", "neutral", "sad"]
    assert g["gaps"] == 1 + 2 + 3
    # a suggested label fills a gap but is marked as such
    clip = next(c for c in eng.library.voice("cs_festival_dita").clips if c.emotion is None)
    with eng.library.edit("cs_festival_dita") as ed:
        ed.update_clip(clip.id, emotion="sad", emotion_source="suggested")
    dv = {v["voice"]: v for v in eng.analysis.grid().to_dict()["voices"]}["cs_festival_dita"]
    assert dv["missing"] == ["happy"] and dv["suggested_only"] == ["sad"]


def test_grid_ignores_clips_too_short_or_long(corpus_engine):
    eng, helper = corpus_engine
    name = helper.add("en_flite_awb")
    clips = eng.library.voice(name).clips
    with eng.library.edit(name) as ed:
        ed.update_clip(clips[0].id, emotion="angry")
    with eng.library.catalog.transaction() as c:
        c.execute("UPDATE clips SET duration = 2.0 WHERE id = ?", (clips[0].id,))
    g = eng.analysis.grid().to_dict()
    assert g["emotions"] == ["angry"]
    assert g["voices"][0]["missing"] == ["angry"]
