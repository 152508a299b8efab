"""End to end with the tiny emotion2vec fixture model linked: assets link (a ModelScope-style cache) → analyze
(probabilities cached per clip hash + model id) → emotions suggest (never over user labels) → grid."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from engine.cli import main

REPO = Path(__file__).resolve().parents[2]
_SHARED = Path(os.environ.get("TIMBREL_SHARED") or (REPO.parent / "shared"))
FIXTURES = Path(os.environ.get("TIMBREL_E2V_FIXTURES") or (_SHARED / "fixtures" / "emotion2vec"))
VOICES = ("en_flite_awb", "cs_festival_dita", "en_piper_joe")


@pytest.fixture
def model_cache(tmp_path) -> Path:
    if not FIXTURES.is_dir():
        pytest.fail(f"emotion2vec fixtures missing at {FIXTURES} (set TIMBREL_E2V_FIXTURES)")
    hub = tmp_path / "modelscope" / "hub"
    shutil.copytree(FIXTURES / "emotion2vec_tiny", hub / "iic" / "emotion2vec_plus_tiny")
    (hub / "iic" / "paraformer").mkdir()           # another model in the cache: ignored
    return hub


def _json(capsys, lib, *argv):
    rc = main(["--library", str(lib), *argv, "--json"])
    out = capsys.readouterr()
    assert rc == 0, out.err
    return json.loads(out.out)


def _text(capsys, lib, *argv) -> str:
    rc = main(["--library", str(lib), *argv])
    out = capsys.readouterr()
    assert rc == 0, out.err
    return out.out


def test_linked_model_analyze_suggest_grid(corpus_engine, model_cache, capsys):
    from engine.analysis.emotion2vec import Emotion2Vec

    eng, helper = corpus_engine
    for v in VOICES:
        helper.add(v, emotions={"neutral": "neutral", "sad": "sad"}, source="user")
    lib = eng.library.root
    clips = eng.library.all_clips()
    voice_ids = {v.name: v.id for v in eng.library.voices()}
    user = {c.id: c.emotion for c in clips if c.emotion_source == "user"}
    assert user and len(user) < len(clips)
    eng.close()

    # without a model: the prosody guess, clearly marked
    weak = _json(capsys, lib, "emotions", "suggest")
    assert weak["weak_guess"] is True and weak["model"] == "prosody-logreg-1"
    assert "Weak guess" in _text(capsys, lib, "emotions", "suggest")

    linked = _json(capsys, lib, "assets", "link", str(model_cache.parent))      # a cache root, not the folder
    item = next(i for i in linked["items"] if i["name"] == "emotion2vec")
    assert item["ok"] and item["model_id"].startswith("emotion2vec_d96-")
    assert item["source"].endswith("emotion2vec_plus_tiny")
    status = _json(capsys, lib, "assets", "status")
    assert next(i for i in status["items"] if i["name"] == "emotion2vec")["ok"]
    model_id = item["model_id"]

    first = _json(capsys, lib, "analyze")
    n = len({c.sha256 for c in clips})
    assert first["emotions"]["model"] == model_id
    assert first["emotions"]["computed"] == n and first["emotions"]["cached"] == 0 and not first["emotions"]["failed"]
    second = _json(capsys, lib, "analyze")
    assert second["emotions"]["computed"] == 0 and second["emotions"]["cached"] == n
    assert "Emotions (" in _text(capsys, lib, "analyze")

    # the stored probabilities are the model's: recompute one clip independently from the FunASR folder
    from engine.api import Engine
    from engine.audio.io import read_audio

    eng = Engine(library=lib, device="cpu")
    try:
        rows = eng.analysis.clip_emotions()
        assert set(rows) == {c.id for c in clips}
        probe = clips[0]
        ref = Emotion2Vec.from_funasr_folder(FIXTURES / "emotion2vec_tiny").predict(
            *read_audio(eng.library.clip_path(probe)))
        stored = rows[probe.id]
        assert stored.model_id == model_id
        for emo, p in ref.probabilities.items():
            assert stored.probabilities[emo] == pytest.approx(p, abs=1e-6)
        assert (stored.top, round(stored.confidence, 5)) == (ref.top[0], round(ref.top[1], 5))
        count = eng.library.catalog.scalar("SELECT COUNT(*) FROM emotion_probabilities WHERE model_id = ?", (model_id,))
        assert count == n
    finally:
        eng.close()

    out = _json(capsys, lib, "emotions", "suggest", "--apply", "--min-confidence", "0")
    assert out["model"] == model_id and out["weak_guess"] is False and out["trained_on"] == 0
    suggested = {s["clip_id"]: s for s in out["suggestions"]}
    assert set(suggested).isdisjoint(user) and set(suggested) == {c.id for c in clips} - set(user)
    for cid, s in suggested.items():
        assert (s["emotion"], s["confidence"]) == (rows[cid].top, round(rows[cid].confidence, 3))
    assert out["applied"] == len(suggested)
    assert "Emotion recognition by " + model_id in _text(capsys, lib, "emotions", "suggest")

    eng = Engine(library=lib, device="cpu")
    try:
        after = {c.id: (c.emotion, c.emotion_source) for c in eng.library.all_clips()}
    finally:
        eng.close()
    for cid, emo in user.items():
        assert after[cid] == (emo, "user")
    for cid in suggested:
        assert after[cid] == (rows[cid].top, "suggested")

    grid = _json(capsys, lib, "grid")
    by_voice = {v["voice"]: v for v in grid["voices"]}
    assert set(by_voice) == set(VOICES)
    for v in VOICES:
        top = by_voice[v]["top_emotion"]
        mine = [rows[c.id].probabilities for c in clips if c.voice_id == voice_ids[v]]
        mean = {e: float(np.mean([p[e] for p in mine])) for e in mine[0]}
        best = max(mean, key=mean.get)
        assert top == {"emotion": best, "confidence": round(mean[best], 4), "clips": len(mine)} and mine
    assert "Top emotion per voice (emotion2vec+)" in _text(capsys, lib, "grid")


def test_grid_counts_predictions_for_unlabelled_clips():
    from engine.analysis.emotion2vec.analysis import ClipEmotion
    from engine.analysis.grid import build_grid
    from engine.library.emotions import EMOTIONS
    from engine.library.models import Clip, Voice

    def clip(i, vid, emotion=None, duration=5.0):
        return Clip(i, vid, f"sha{i}", "t", "en", emotion, "user" if emotion else None, duration, 16000, None, "")

    def pred(top, conf):
        probs = {e: 0.0 for e in EMOTIONS}
        probs[top] = conf
        probs["neutral" if top != "neutral" else "sad"] = 1 - conf
        return ClipEmotion(top, conf, probs, "m")

    a = Voice(1, "a", "en", "", 1, "", "", (), (clip(1, 1, "neutral"), clip(2, 1), clip(3, 1, duration=1.0)))
    b = Voice(2, "b", "en", "", 1, "", "", (), (clip(4, 2, "happy"), clip(5, 2)))
    predicted = {2: pred("happy", 0.9), 3: pred("sad", 0.95), 4: pred("angry", 0.99), 5: pred("sad", 0.4)}
    g = build_grid([a, b], {1: 7, 2: 7}, {7: "c"}, 3, predicted=predicted).to_dict()
    assert g["emotions"] == ["happy", "neutral"]            # sad: too short / too unsure; angry: labelled clip
    row = g["clusters"][0]
    assert row["counts"] == {"happy": 1, "neutral": 1} and row["predicted_counts"] == {"happy": 1, "neutral": 0}
    va, vb = g["voices"]
    assert va["predicted"] == {"happy": 0.9} and va["missing"] == ["happy"]
    assert vb["predicted"] == {}
    assert va["top_emotion"] == {"emotion": "sad", "confidence": 0.475, "clips": 2}    # every analysed clip counts
    assert vb["top_emotion"] == {"emotion": "angry", "confidence": 0.495, "clips": 2}
    plain = build_grid([a, b], {1: 7, 2: 7}, {7: "c"}, 3).to_dict()
    assert plain["emotions"] == ["happy", "neutral"] and plain["clusters"][0]["predicted_counts"]["happy"] == 0
    assert plain["voices"][0]["top_emotion"] is None


def test_model_folders_are_found_in_caches(tmp_path):
    from engine.analysis.emotion2vec.locate import find_model_folders

    src = FIXTURES / "emotion2vec_tiny"
    # Hugging Face layout: snapshot files are symlinks into blobs/
    hf = tmp_path / "hf" / "models--emotion2vec--emotion2vec_plus_base"
    (hf / "blobs").mkdir(parents=True)
    snap = hf / "snapshots" / "b318240b"
    snap.mkdir(parents=True)
    for i, f in enumerate(sorted(os.listdir(src))):
        blob = hf / "blobs" / f"blob{i}"
        shutil.copy(src / f, blob)
        (snap / f).symlink_to(blob)
    ms = tmp_path / "ms" / "hub" / "models" / "iic" / "emotion2vec_plus_large"
    shutil.copytree(src, ms)
    broken = tmp_path / "ms" / "hub" / "models" / "iic" / "not_e2v"
    shutil.copytree(src, broken)
    (broken / "config.yaml").write_text("model: Paraformer\n", "utf-8")
    assert find_model_folders(tmp_path / "hf") == [snap]
    assert find_model_folders(tmp_path) == [ms, snap]            # large before base
    assert find_model_folders(ms) == [ms]
    assert find_model_folders(tmp_path / "nothing") == []


def test_link_errors_are_plain(tmp_path, engine):
    from engine.errors import InvalidInput, MissingAsset

    (tmp_path / "empty").mkdir()
    with pytest.raises(MissingAsset, match="No emotion2vec"):
        engine.assets.link_emotion2vec(tmp_path / "empty")
    with pytest.raises(MissingAsset):          # neither GPT-SoVITS nor emotion2vec
        engine.assets.link(tmp_path / "empty")
    bad = tmp_path / "bad" / "emotion2vec_plus_base"
    shutil.copytree(FIXTURES / "emotion2vec_tiny", bad)
    (bad / "model.pt").write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(InvalidInput, match="not a readable torch checkpoint"):
        engine.assets.link_emotion2vec(bad)
    assert not engine.assets.emotion2vec_status().present
    assert engine.analysis.emotion_model() is None
    np.testing.assert_equal(engine.analysis.clip_emotions([]), {})


def test_prompt_choice_uses_predictions_for_unlabelled_clips():
    from types import SimpleNamespace

    from engine.speech import choose_prompt_clip

    def clip(i, emotion=None):
        return SimpleNamespace(id=i, emotion=emotion, duration=5.0, transcript="t", language="en")

    v = SimpleNamespace(name="V", clips=(clip(1), clip(2), clip(3, "neutral")))
    assert choose_prompt_clip(v, "happy").id == 3                                  # no predictions: neutral
    assert choose_prompt_clip(v, "happy", predicted={2: "happy"}).id == 2
    assert choose_prompt_clip(v, "surprised", predicted={2: "happy"}).id == 2      # nearest, predicted
    labelled = SimpleNamespace(name="V", clips=(clip(1), clip(2, "happy")))
    assert choose_prompt_clip(labelled, "happy", predicted={1: "happy"}).id == 2  # a label beats a prediction
    assert choose_prompt_clip(SimpleNamespace(name="V", clips=(clip(1), clip(2))), None, predicted={2: "neutral"}).id == 2


def test_speech_references_follow_stored_predictions(corpus_engine):
    from engine.analysis.emotion2vec.analysis import EmotionCache, predicted_labels
    from engine.library.emotions import EMOTIONS

    eng, helper = corpus_engine
    helper.add("en_flite_awb")                                   # no labels at all
    v = eng.library.voice("en_flite_awb")
    cache = EmotionCache(eng.library.catalog)
    tops = {0: ("happy", 0.9), 1: ("sad", 0.3)}
    for i, c in enumerate(v.clips):
        top, conf = tops.get(i, ("neutral", 0.6))
        probs = {e: 0.0 for e in EMOTIONS}
        probs[top] = conf
        probs["other" if top != "other" else "sad"] = 1 - conf
        cache.put(c.sha256, "emotion2vec_x-1", probs)
    labels = predicted_labels(eng, v.clips)
    assert labels[v.clips[0].id] == "happy" and v.clips[1].id not in labels       # 0.3 is too unsure
    assert eng.speech.references(v, "happy").prompt.sha256 == v.clips[0].sha256
    sad = eng.speech.references(v, "sad").prompt.sha256                        # unsure sad → a neutral clip
    assert sad in {c.sha256 for c in v.clips[2:]}
    with eng.library.edit(v.name) as ed:                                         # a user label wins
        ed.update_clip(v.clips[3].id, emotion="happy")
    v = eng.library.voice("en_flite_awb")
    assert eng.speech.references(v, "happy").prompt.sha256 == v.clips[3].sha256


def test_analyze_reports_emotion_progress(corpus_engine, model_cache):
    eng, helper = corpus_engine
    helper.add("en_piper_joe")
    eng.assets.link_emotion2vec(model_cache)
    n = len({c.sha256 for c in eng.library.voice("en_piper_joe").clips})
    calls, seen = [], []
    eng.events.subscribe("analysis.progress", lambda e: seen.append(dict(e.data)))
    report = eng.analysis.analyze(emotion_progress=lambda d, t: calls.append((d, t)))
    assert report.emotions["computed"] == n
    assert calls[0] == (0, n) and calls[-1] == (n, n) and len(calls) == n + 1
    assert [e for e in seen if e.get("phase") == "emotion"][-1] == {"done": n, "total": n, "phase": "emotion"}
