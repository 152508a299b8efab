"""End to end on CPU: tiny GPT-SoVITS bases + tiny random HuBERT/BERT/SV + a corpus voice → streamed audio."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from engine.backends.gptsovits.convert import import_base
from engine.cli import main as cli_main

TEXT = "你好，世界。今天天气很好，我们去公园散步吧！Timbrel says hello."


@pytest.fixture
def ready(engine, fake_pretrained, add_voice, gsv_fixtures):
    """An engine with linked assets, the Mandarin corpus voice and one tiny v2 base."""
    engine.assets.link(fake_pretrained)
    voice = add_voice(engine.library, "zh_espeak_steph", "steph")
    import_base(engine.bases, "tiny-v2", gsv_fixtures / "gpt_tiny.ckpt", gsv_fixtures / "sovits_v2_tiny.pth")
    return engine, voice


def _say(eng, **kw):
    handle = eng.speech.say(TEXT, "steph", **kw)
    return list(handle.chunks())


def test_streams_several_chunks_deterministically(ready):
    eng, voice = ready
    chunks = _say(eng, emotion="sad", seed=7)
    assert len(chunks) >= 2  # one per sentence, yielded as each finishes
    assert all(c.sample_rate == 32000 and c.samples.dtype == np.float32 and c.samples.size > 0 for c in chunks)
    assert all(np.isfinite(c.samples).all() and np.abs(c.samples).max() <= 1.0 for c in chunks)
    again = _say(eng, emotion="sad", seed=7)
    assert [c.samples.tobytes() for c in again] == [c.samples.tobytes() for c in chunks]
    other = _say(eng, emotion="sad", seed=8)
    assert [c.samples.tobytes() for c in other] != [c.samples.tobytes() for c in chunks]


def test_emotion_matched_prompt_and_cache_layout(ready):
    eng, voice = ready
    refs = eng.speech.references(voice, "sad", "zh")
    assert refs.prompt.emotion == "sad"
    refs_happy = eng.speech.references(voice, "happy", "zh")
    assert refs_happy.prompt.emotion == "happy" and refs_happy.prompt.sha256 != refs.prompt.sha256
    _say(eng, emotion="sad", seed=1)
    cache = eng.library.root / "cache" / "gptsovits"
    sad = refs.prompt.sha256
    # base-independent per-clip entries
    clip_dir = cache / "clips" / sad[:2] / sad
    names = {p.name for p in clip_dir.iterdir()}
    assert not any(n.startswith("wav") for n in names)  # decoded audio stays in memory only
    assert any(n.startswith("phones-") for n in names) and any(n.startswith("bert-") for n in names)
    # base-dependent entries: semantic tokens only for the prompt clip; ge for every timbre clip
    base_dirs = list((cache / "bases").iterdir())
    assert len(base_dirs) == 1
    with_codes = {p.parent.name for p in base_dirs[0].rglob("codes-*.npy")}
    assert with_codes == {sad}
    with_ge = {p.parent.name for p in base_dirs[0].rglob("ge-*.npy")}
    assert sad in with_ge and {c.sha256 for c in refs.timbre} <= with_ge
    # a happy request prompts with the happy clip
    _say(eng, emotion="happy", seed=1)
    assert {p.parent.name for p in base_dirs[0].rglob("codes-*.npy")} == {sad, refs_happy.prompt.sha256}


def test_output_rate_resample_and_speed(ready):
    from engine.backends import get_backend
    from engine.backends.base import SynthesisRequest

    eng, voice = ready
    record = eng.bases.get("tiny-v2")
    refs = eng.speech.references(voice, None, "zh")
    req = SynthesisRequest(text="你好，世界。", language="zh", seed=3, options={"sample_rate": 24000})
    chunks = list(eng.runtime.submit(record, req, refs).chunks())
    assert chunks and all(c.sample_rate == 24000 for c in chunks)
    assert get_backend("gptsovits").name == "gptsovits"
    # speed: same seed → same semantic tokens; the decoder stretches them (one sentence, so the RNG stays in step)
    slow = list(eng.runtime.submit(record, SynthesisRequest(text="你好，世界。", language="zh", seed=3), refs).chunks())
    fast = list(eng.runtime.submit(record, SynthesisRequest(text="你好，世界。", language="zh", seed=3, speed=1.5),
                                   refs).chunks())
    assert len(slow) == len(fast) == 1
    ratio = fast[0].samples.size / slow[0].samples.size
    assert 0.55 < ratio < 0.8  # about 1 / 1.5


def test_pro_base_uses_speaker_verification(engine, fake_pretrained, add_voice, gsv_fixtures):
    engine.assets.link(fake_pretrained)
    add_voice(engine.library, "zh_espeak_steph", "steph")
    import_base(engine.bases, "tiny-pro", gsv_fixtures / "gpt_tiny.ckpt", gsv_fixtures / "sovits_v2ProPlus_tiny.pth")
    chunks = list(engine.speech.say("你好，世界。我们明天再见吧！", "steph", seed=2).chunks())
    assert len(chunks) == 2
    svs = list((engine.library.root / "cache" / "gptsovits" / "clips").rglob("sv-*.npy"))
    assert svs and np.load(svs[0]).shape == (20480,)


def test_missing_assets_say_what_to_link(engine, add_voice, gsv_fixtures):
    from engine.errors import MissingAsset

    add_voice(engine.library, "zh_espeak_steph", "steph")
    import_base(engine.bases, "tiny-v2", gsv_fixtures / "gpt_tiny.ckpt", gsv_fixtures / "sovits_v2_tiny.pth")
    with pytest.raises(MissingAsset) as err:
        list(engine.speech.say("你好。", "steph").chunks())
    assert "assets link" in err.value.hint and "assets download" in err.value.hint


def test_cli_say_end_to_end(tmp_path, fake_pretrained, add_voice, gsv_fixtures, capsys):
    from engine.api import Engine

    lib = tmp_path / "lib"
    with Engine(library=lib) as eng:
        add_voice(eng.library, "zh_espeak_steph", "steph")
        import_base(eng.bases, "tiny-v2", gsv_fixtures / "gpt_tiny.ckpt", gsv_fixtures / "sovits_v2_tiny.pth")
    out = tmp_path / "out.wav"
    rc = cli_main(["--library", str(lib), "say", "你好。", "--voice", "steph", "--out", str(out), "--seed", "1"])
    err = capsys.readouterr().err
    assert rc == 1 and "assets link" in err  # nothing linked yet: explains what to do
    assert cli_main(["--library", str(lib), "assets", "link", str(fake_pretrained)]) == 0
    rc = cli_main(["--library", str(lib), "say", "你好，世界。再见！", "--voice", "steph", "--emotion", "sad",
                   "--out", str(out), "--seed", "1"])
    assert rc == 0, capsys.readouterr().err
    data, sr = sf.read(out)
    assert sr == 32000 and len(data) > 32000 * 0.3
