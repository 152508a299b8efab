"""A fresh install speaks: demo library → preview base → engine.speech (runtime pool + scheduler) → WAV."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("espeakng_loader", reason="the preview extra (espeakng-loader) is not installed")

from engine.audio.io import read_audio, write_wav  # noqa: E402
from engine.backends.preview import dsp  # noqa: E402
from engine.cli import main as cli  # noqa: E402


@pytest.fixture(autouse=True)
def _espeak(monkeypatch):
    monkeypatch.setenv("TIMBREL_PREVIEW_ENGINE", "espeak")


def median_f0(samples, sr):
    return float(np.exp(dsp.f0_stats(dsp.track_f0(samples, sr))[0]))


def test_fresh_library_speaks_in_demo_voices_with_voice_dependent_pitch(engine, tmp_path):
    from engine.demo import install_demo_library

    install_demo_library(engine)
    out = {}
    for name in ("Demo SLT", "Demo AWB"):
        handle = engine.speech.say("Good morning. The weather is lovely today.", name, seed=1)
        chunks = list(handle.chunks())
        assert len(chunks) == 2
        audio = np.concatenate([c.samples for c in chunks])
        path = tmp_path / f"{name}.wav"
        write_wav(path, audio, chunks[0].sample_rate)
        back, sr = read_audio(path)
        # audible: not silent, not clipped, speech-like duration
        assert np.sqrt(np.mean(back ** 2)) > 0.02
        assert np.mean(np.abs(back) > 0.99) < 0.001
        assert 1.5 < len(back) / sr < 6.0
        out[name] = median_f0(back, sr)
    assert out["Demo SLT"] > 1.15 * out["Demo AWB"], out


def test_cli_demo_install_then_say_writes_a_wav(tmp_path, capsys):
    lib = str(tmp_path / "lib")
    assert cli(["--library", lib, "demo", "install"]) == 0
    assert "Added 4 demo voice(s)" in capsys.readouterr().out
    wav = tmp_path / "hello.wav"
    assert cli(["--library", lib, "say", "Hello from the demo library.", "--voice", "Demo KAL", "--out", str(wav)]) == 0
    audio, sr = read_audio(wav)
    assert len(audio) / sr > 1.0 and np.sqrt(np.mean(audio ** 2)) > 0.02
    # a second install into the same (now non-empty) library is refused with a hint
    assert cli(["--library", lib, "demo", "install"]) == 1
    assert "hint" in capsys.readouterr().err


def test_preview_bases_need_clusters_and_say_explains_the_way_to_a_voice(tmp_path, capsys, corpus):
    lib = str(tmp_path / "lib")
    assert cli(["--library", lib, "import", str(corpus / "clips" / "en_flite_awb"), "--voice", "awb"]) == 0
    capsys.readouterr()
    assert cli(["--library", lib, "say", "Hello there.", "--voice", "awb", "--out", str(tmp_path / "a.wav")]) == 1
    err = capsys.readouterr().err
    assert "no base to speak with" in err and "demo preview-bases" in err
    assert cli(["--library", lib, "demo", "preview-bases"]) == 1
    assert "timbrel cluster" in capsys.readouterr().err
    assert cli(["--library", lib, "analyze"]) == 0 and cli(["--library", lib, "cluster"]) == 0
    assert cli(["--library", lib, "demo", "preview-bases"]) == 0
    assert cli(["--library", lib, "say", "Hello there.", "--voice", "awb", "--out", str(tmp_path / "a.wav")]) == 0
    assert (tmp_path / "a.wav").stat().st_size > 1000
