"""engine.speech and the tone backend end to end, and the say / engine status / create-tone commands."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest

from engine.errors import InvalidInput, NotFound
from engine.speech import EMOTION_VA, NEAR, choose_prompt_clip, choose_timbre_clips, emotion_distance


def _clip(i, emotion=None, duration=5.0, transcript="text", language="en"):
    return SimpleNamespace(id=i, emotion=emotion, duration=duration, transcript=transcript, language=language)


def _voice(*clips):
    return SimpleNamespace(name="V", clips=tuple(clips))


def test_prompt_clip_tiers_exact_near_neutral_best():
    v = _voice(_clip(1, "neutral"), _clip(2, "happy"), _clip(3, "sad"), _clip(4, None, 12.0))
    assert choose_prompt_clip(v, "happy").id == 2
    assert choose_prompt_clip(v, "joy").id == 2                 # synonyms are normalised
    assert choose_prompt_clip(v, "surprised").id == 2           # nearest: happy
    assert choose_prompt_clip(v, "disgusted").id == 3           # nearest: sad
    assert choose_prompt_clip(_voice(_clip(1, "neutral"), _clip(2, "sad")), "happy").id == 1  # sad is too far
    assert choose_prompt_clip(v, None).id == 1
    best = choose_prompt_clip(_voice(_clip(1, None, 12.0), _clip(2, None, 2.0), _clip(3, None, 7.0, ""), _clip(4, None, 9.0)), None)
    assert best.id == 4                                          # 3-10 s with a transcript beats the rest
    with pytest.raises(InvalidInput, match="no reference clips"):
        choose_prompt_clip(_voice(), "happy")


def test_emotion_table_is_symmetric_and_covers_all_classes():
    from engine.library.emotions import EMOTIONS

    for a in EMOTIONS:
        assert emotion_distance(a, a) == 0
        for b in EMOTIONS:
            assert emotion_distance(a, b) == emotion_distance(b, a)
    assert set(EMOTION_VA) == set(EMOTIONS) and emotion_distance("happy", "sad") > NEAR


def test_timbre_clips_prefer_quality_and_language():
    v = _voice(_clip(1, duration=2.0), _clip(2, language="zh"), _clip(3), _clip(4, duration=6.0))
    assert [c.id for c in choose_timbre_clips(v, 2, "en")] == [4, 3]
    assert choose_timbre_clips(v, 0) == []


def test_say_streams_one_chunk_per_sentence_deterministically(tone_engine):
    h = tone_engine.speech.say("Hello there. How are you today? Fine!", "Alice", seed=3)
    chunks = list(h.chunks(timeout=60))
    assert len(chunks) == 3 and all(c.sample_rate == 16000 and c.samples.dtype == np.float32 for c in chunks)
    again = tone_engine.speech.say("Hello there. How are you today? Fine!", "Alice", seed=3).result(60)
    assert np.array_equal(np.concatenate([c.samples for c in chunks]), again.samples)
    other = tone_engine.speech.say("Hello there. How are you today? Fine!", "Alice", seed=4).result(60)
    assert not np.array_equal(other.samples, again.samples)
    assert h.request_id != 0 and h.state == "done"


def _f0(x, sr):
    from engine.backends.tone.pitch import PitchTracker

    return PitchTracker().median_f0(x, sr)


def test_pitch_follows_the_reference_and_colour_follows_the_base(tone_engine, make_voice):
    from engine.backends.tone import create_tone_base

    make_voice(tone_engine.library, "Bob", [{"f0": 100.0, "emotion": "neutral"}])
    make_voice(tone_engine.library, "Cat", [{"f0": 220.0, "emotion": "neutral"}])
    text = "The quick brown fox jumps over the lazy dog."
    low = tone_engine.speech.say(text, "Bob", seed=1).result(60)
    high = tone_engine.speech.say(text, "Cat", seed=1).result(60)
    f_low, f_high = _f0(low.samples, low.sample_rate), _f0(high.samples, high.sample_rate)
    assert 70 < f_low < 130 and 160 < f_high < 300 and f_high / f_low > 1.7
    create_tone_base(tone_engine, "tone-b")
    b = tone_engine.speech.say(text, "Bob", seed=1, base="tone-b").result(60)
    a = tone_engine.speech.say(text, "Bob", seed=1, base="tone-a").result(60)
    assert not np.array_equal(a.samples[: len(b.samples)], b.samples[: len(a.samples)])
    assert abs(_f0(b.samples, 16000) - f_low) < 25       # same voice, same pitch, other base


def test_base_resolution_errors_are_clear(tmp_path, make_voice):
    from engine.api import Engine
    from engine.backends.tone import create_tone_base

    with Engine(library=tmp_path / "lib", vram_limit_mb=64) as eng:
        make_voice(eng.library, "Alice", [{"f0": 150.0}])
        with pytest.raises(NotFound, match="no base") as exc:
            eng.speech.say("Hi.", "Alice")
        assert "base import" in exc.value.hint and "preview-bases" in exc.value.hint
        create_tone_base(eng, "one")
        assert eng.speech.resolve_base(eng.library.voice("Alice")).name == "one"
        create_tone_base(eng, "two")
        with pytest.raises(NotFound, match="2 bases") as exc:
            eng.speech.say("Hi.", "Alice")
        assert "--base" in exc.value.hint
        assert eng.speech.say("Hi.", "Alice", base="two").result(60).seconds > 0
        with pytest.raises(NotFound):
            eng.speech.say("Hi.", "Alice", base="nope")
        with pytest.raises(InvalidInput):
            eng.speech.say("   ", "Alice", base="two")


def test_base_follows_the_voice_cluster(tone_engine):
    from engine.backends.tone import create_tone_base

    other = create_tone_base(tone_engine, "tone-c")
    tone_engine.analysis.cluster_of = lambda voice: SimpleNamespace(cluster_id=7, label="", pinned=False)
    tone_engine.bases.base_for_cluster = lambda cid: other if cid == 7 else None
    assert tone_engine.speech.resolve_base(tone_engine.library.voice("Alice")).name == "tone-c"


def test_tone_synthesis_is_fast_enough_for_tests(tone_engine):
    # correctness of the work estimate, not a timing threshold: the workspace estimate covers a sentence
    from engine.backends import get_backend
    from engine.backends.base import SynthesisRequest

    be = get_backend("tone")
    ws = be.workspace_bytes({}, SynthesisRequest("A fairly long sentence with many characters in it."))
    assert 0 < ws < 64 * 2**20


def test_cli_create_tone_say_and_status(tmp_path, capsys, make_voice):
    from engine.cli import main
    from engine.api import Engine

    lib = tmp_path / "lib"
    with Engine(library=lib) as eng:
        make_voice(eng.library, "Alice", [{"f0": 150.0}])
    assert main(["--library", str(lib), "base", "create-tone", "demo", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["backend"] == "tone"
    out = tmp_path / "hi.wav"
    assert main(["--library", str(lib), "say", "Hello there. Bye.", "--voice", "Alice", "--out", str(out), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert out.is_file() and info["seconds"] > 0.5 and info["state"] == "done"
    import soundfile as sf

    data, sr = sf.read(str(out))
    assert sr == 16000 and len(data) == round(info["seconds"] * sr)
    assert main(["--library", str(lib), "engine", "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["budget"]["used_bytes"] <= status["budget"]["limit_bytes"] and status["device"]["kind"] in ("cpu", "cuda")
    assert main(["--library", str(lib), "engine", "status"]) == 0
    assert "vram limit" in capsys.readouterr().out
    assert main(["--library", str(lib), "say", "Hi", "--voice", "Alice"]) == 1
    assert "--out" in capsys.readouterr().err


def test_hint_prefetch_stages_a_library_base(tone_engine):
    import time

    from engine.backends.tone import create_tone_base

    create_tone_base(tone_engine, "tone-h")
    rt = tone_engine.runtime
    rt.hint_prefetch(tone_engine.bases.get("tone-h"))       # a BaseRecord, as engine.cues passes it
    deadline = time.monotonic() + 30
    while "tone-h" not in rt.pool.resident() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert "tone-h" in rt.pool.resident() and "tone-h" in rt.status()["staging"]["staged"]
    h = tone_engine.speech.say("Hi there.", "Alice", base="tone-h", seed=1)
    h.result(60)
    assert rt.metrics.snapshot()["prefetch"]["hits"] == 1


def test_runtime_reads_its_settings(tmp_path):
    from engine.api import Engine
    from engine.settings import Settings

    s = Settings(tmp_path / "settings.json")
    s.set("runtime.vram_limit_mb", 32)
    s.set("runtime.pinned_pool_mb", 8)
    s.set("runtime.hold_s", 3.5)
    s.set("runtime.device", "cpu")
    with Engine(library=tmp_path / "lib", settings=s) as eng:
        st = eng.runtime.status()
        assert st["vram_limit_mb"] == 32 and st["staging"]["capacity_bytes"] == 8 * 2**20
        assert st["scheduler"]["hold_s"] == 3.5 and st["device"]["kind"] == "cpu" and st["device"]["pinned"] is False
        assert eng.runtime.set_vram_limit(16) == {"limit_mb": 16.0, "target_mb": 16.0, "pending": False}
        with pytest.raises(InvalidInput):
            eng.runtime.set_vram_limit(0)


def test_shared_models_are_resident_once_and_accounted(tone_engine):
    from engine.backends.tone import create_tone_base
    from engine.backends.tone.pitch import PitchTracker

    create_tone_base(tone_engine, "tone-s")
    for base in ("tone-a", "tone-s", "tone-a"):
        tone_engine.speech.say("Hi.", "Alice", base=base).result(60)
    st = tone_engine.runtime.status()
    assert st["shared_models"] == {"tone-pitch": PitchTracker.nbytes}
    assert st["budget"]["by_kind"]["shared"] == PitchTracker.nbytes


def test_many_threads_speaking_at_once(tone_engine):
    import threading

    from engine.backends.tone import create_tone_base

    create_tone_base(tone_engine, "tone-t")
    rt = tone_engine.runtime
    from engine.backends.base import SynthesisRequest
    from engine.backends.tone.pitch import PitchTracker

    spec, backend, manifest = rt.base_spec("tone-a")
    ws = max(backend.workspace_bytes(manifest, SynthesisRequest(f"Line {i}. Done.")) for i in range(8))
    room = PitchTracker.nbytes + ws + spec.packed.nbytes * 3 // 2   # one tone base (+ workspace) at a time
    rt.set_vram_limit(room / 2**20)
    results, errors = [], []

    def speak(i):
        try:
            base = ("tone-a", "tone-t")[i % 2]
            prio = ("interactive", "batch")[i % 3 == 0]
            results.append(tone_engine.speech.say(f"Line {i}. Done.", "Alice", base=base, seed=i, priority=prio).result(120))
        except Exception as exc:  # collected and reported below
            errors.append(exc)

    threads = [threading.Thread(target=speak, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors and len(results) == 8 and all(r.seconds > 0 for r in results)
    st = rt.status()
    assert st["budget"]["used_bytes"] <= st["budget"]["limit_bytes"] == int(room / 2**20 * 2**20)
    assert st["metrics"]["requests"]["done"] == 8 and st["metrics"]["swaps"] >= 2
    assert len(st["resident"]) == 1
