"""Prosody features and emotion suggestions (never touching user labels)."""

from __future__ import annotations

import numpy as np
import pytest

from engine.errors import InvalidInput, MissingAsset

STYLE_LABEL = {"neutral": "neutral", "excited": "happy", "sad": "sad"}
SPEAKERS = ["en_flite_awb", "en_flite_rms", "cs_festival_dita", "en_espeak_andrea", "en_piper_joe",
            "fi_festival_lj", "it_festival_pc", "en_espeak_storm"]


def test_prosody_features_follow_speaking_style(corpus, truth):
    from engine.analysis import prosody
    from engine.audio.io import read_audio

    higher, faster = 0, 0
    for spk in SPEAKERS:
        feats = {}
        for c in truth["speakers"][spk]["clips"]:
            v = prosody.extract(*read_audio(corpus / c["file"]))
            assert v.shape == (len(prosody.FEATURE_NAMES),) and np.all(np.isfinite(v))
            feats.setdefault(c["style"], []).append(v)
        f0 = {s: np.mean([v[0] for v in vs]) for s, vs in feats.items()}
        peak = {s: np.mean([v[prosody.FEATURE_NAMES.index("peak_dbfs")] for v in vs]) for s, vs in feats.items()}
        higher += f0["excited"] > f0["neutral"] > f0["sad"]
        faster += peak["excited"] > peak["neutral"] > peak["sad"]
    assert higher == len(SPEAKERS)
    assert faster == len(SPEAKERS)


def test_prosody_of_silence_is_zero():
    from engine.analysis import prosody

    assert not prosody.extract(np.zeros(16000, dtype=np.float32), 16000).any()


def _labelled_library(helper, truth):
    """Half of each voice's clips labelled by the user, the rest unlabelled; one deliberately 'wrong' user label."""
    eng = helper.engine
    for spk in SPEAKERS:
        helper.add(spk)
    truth_by_clip = {}
    for v in eng.library.voices():
        styles = {c["file"]: c["style"] for c in truth["speakers"][v.name]["clips"]}
        seen = {}
        with eng.library.edit(v.name) as ed:
            for c in v.clips:
                style = styles[c.source_path]
                truth_by_clip[c.id] = STYLE_LABEL[style]
                seen[style] = seen.get(style, 0) + 1
                if seen[style] <= (2 if style == "neutral" else 1):
                    ed.update_clip(c.id, emotion=STYLE_LABEL[style])      # a user label
    return truth_by_clip


def test_suggester_learns_from_user_labels_and_never_touches_them(corpus_engine, truth):
    eng, helper = corpus_engine
    truth_by_clip = _labelled_library(helper, truth)
    # one user label that disagrees with the audio: it must survive --apply
    v0 = eng.library.voice(SPEAKERS[0])
    odd = next(c for c in v0.clips if c.emotion == "neutral")
    with eng.library.edit(v0.name) as ed:
        ed.update_clip(odd.id, emotion="angry")
    before = {c.id: (c.emotion, c.emotion_source) for c in eng.library.all_clips()}
    user_ids = {cid for cid, (_, src) in before.items() if src == "user"}

    out = eng.analysis.suggest_emotions(apply=False)
    assert out["trained_on"] == len(user_ids)
    suggested_ids = {s["clip_id"] for s in out["suggestions"]}
    assert suggested_ids.isdisjoint(user_ids)
    assert suggested_ids == set(before) - user_ids
    assert {c.id: (c.emotion, c.emotion_source) for c in eng.library.all_clips()} == before   # dry run: no change
    correct = sum(s["emotion"] == truth_by_clip[s["clip_id"]] for s in out["suggestions"])
    assert correct / len(out["suggestions"]) >= 0.7, correct
    assert all(0 < s["confidence"] <= 1 for s in out["suggestions"])

    applied = eng.analysis.suggest_emotions(apply=True, min_confidence=0.0)
    assert applied["applied"] == len(suggested_ids)
    after = {c.id: (c.emotion, c.emotion_source) for c in eng.library.all_clips()}
    for cid in user_ids:
        assert after[cid] == before[cid]
    assert after[odd.id] == ("angry", "user")
    for cid in suggested_ids:
        assert after[cid][1] == "suggested"
    # suggestions are recorded in the voice history
    assert eng.library.history(v0.name)[-1].action == "emotions"
    # a second round may revise suggestions, still never user labels
    again = eng.analysis.suggest_emotions(apply=True, min_confidence=0.0)
    assert {s["clip_id"] for s in again["suggestions"]} == suggested_ids


def test_import_labels_are_kept_and_used_for_training(corpus_engine, truth):
    eng, helper = corpus_engine
    for spk in SPEAKERS[:4]:
        helper.add(spk, emotions={"neutral": "neutral", "excited": "happy"}, source="import")
    out = eng.analysis.suggest_emotions(apply=True)
    assert out["trained_on"] == 4 * 6
    for c in eng.library.all_clips():
        assert c.emotion_source in ("import", "suggested", None)
        if c.emotion_source == "import":
            assert c.emotion in ("neutral", "happy")


def test_suggester_needs_two_classes(corpus_engine):
    eng, helper = corpus_engine
    helper.add("en_flite_awb", emotions={"neutral": "neutral"})
    with pytest.raises(InvalidInput):
        eng.analysis.suggest_emotions()


def test_emotion2vec_plugin_point(tmp_path):
    from engine.analysis.emotion_models import load_emotion_model

    with pytest.raises(MissingAsset):
        load_emotion_model("emotion2vec", str(tmp_path))
    with pytest.raises(InvalidInput):
        load_emotion_model("nope", str(tmp_path))


def test_a_configured_emotion_model_labels_clips_but_not_user_labels(corpus_engine):
    """The plug-in point: a registered model kind configured in the settings replaces the prosody classifier."""
    from engine.analysis.emotion_models import EmotionModel, register_emotion_model
    from engine.library.emotions import EMOTIONS

    class LoudnessModel(EmotionModel):
        """Stands in for emotion2vec+: 'happy' for loud clips, 'sad' for quiet ones."""

        def __init__(self, path):
            self.id = f"loudness:{path}"

        def predict(self, samples, sample_rate):
            peak = float(np.max(np.abs(samples)))
            probs = {e: 0.0 for e in EMOTIONS}
            probs["happy" if peak > 0.8 else "sad" if peak < 0.5 else "neutral"] = 0.9
            return probs

    eng, helper = corpus_engine
    register_emotion_model("loudness", LoudnessModel)
    helper.add("en_flite_awb", emotions={"neutral": "angry"}, source="user")   # user labels, deliberately odd
    eng.settings.set("analysis.emotion_model", {"kind": "loudness", "path": "/models/x"})
    out = eng.analysis.suggest_emotions(apply=True)
    assert out["model"] == "loudness:/models/x" and out["trained_on"] == 0
    assert len(out["suggestions"]) == 4 and out["applied"] == 4
    clips = eng.library.voice("en_flite_awb").clips
    assert sorted(c.emotion for c in clips if c.emotion_source == "user") == ["angry"] * 4
    assert sorted(c.emotion for c in clips if c.emotion_source == "suggested") == ["happy", "happy", "sad", "sad"]
