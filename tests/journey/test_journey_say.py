"""``timbrel say`` tells the truth: the preview voice is named as such, the clip used when the asked emotion has none,
the options the base ignored, and nothing "played" when there is no sound device. The WAV is an ordinary file."""

from __future__ import annotations

import json
import os

import pytest

pytestmark = pytest.mark.slow    # the demo library and preview synthesis: about a minute on 2 busy cores


@pytest.fixture
def demo_lib(tmp_path):
    from engine.cli import main

    lib = str(tmp_path / "lib")
    assert main(["--library", lib, "demo", "install"]) == 0
    return lib


def test_say_with_preview_no_device_and_missing_emotion(demo_lib, tmp_path, capsys, monkeypatch):
    import engine.playback as pb
    import engine.playback.player as player
    from engine.cli import main
    from engine.fsutil import current_umask

    monkeypatch.setattr(player, "open_output", lambda device=None: (pb.NullOutput(realtime=False), "no sound card here"))
    capsys.readouterr()
    wav = tmp_path / "hi.wav"
    rc = main(["--library", demo_lib, "say", "Hello there.", "--voice", "Demo AWB", "--emotion", "angry", "--play",
               "--out", str(wav), "--top-k", "5", "--temperature", "0.7", "--seed", "1"])
    out = capsys.readouterr().out
    assert rc == 0, out
    first = out.splitlines()[0]
    assert f"written to {wav}" in first and "played" not in first
    assert "Nothing was heard: there is no sound output (no sound card here)." in out
    assert "Spoken with the preview voice" in out and "not a clone" in out
    assert "The voice has no 'angry' clip: prompted with clip #" in out
    assert "This base ignores: temperature, top_k." in out
    assert (os.stat(wav).st_mode & 0o777) == (0o666 & ~current_umask())
    rc = main(["--library", demo_lib, "say", "Hello there.", "--voice", "Demo AWB", "--out", str(wav), "--json",
               "--top-k", "5", "--save-defaults"])
    info = json.loads(capsys.readouterr().out)
    assert rc == 0 and info["preview"] is True and info["played"] is False and info["options"] == {"top_k": 5}
    assert info["ignored_options"] == ["top_k"]
    assert main(["--library", demo_lib, "voice-defaults", "Demo AWB", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["options"] == {"top_k": 5}


def test_mistyped_voice_gets_a_suggestion(demo_lib, capsys):
    from engine.cli import main

    capsys.readouterr()
    assert main(["--library", demo_lib, "say", "Hi.", "--voice", "demo awv", "--out", "x.wav"]) == 1
    err = capsys.readouterr().err
    assert "There is no voice named 'demo awv'" in err and "Did you mean 'Demo AWB'" in err
