"""api_v2 compatibility against a live server: request shapes from upstream's documentation and from real
clients' source code.

Sources of the shapes (read, not copied):
* upstream: RVC-Boss/GPT-SoVITS ``api_v2.py`` module docstring (the GET example URL and the POST body with
  every field and its default), its ``check_params`` messages and ``tts_handle`` content types
  (``audio/{media_type}``; streamed wav = a header-only WAV then raw PCM);
* SillyTavern ``public/scripts/extensions/tts/gpt-sovits-v2.js`` (``fetchTtsGeneration``: POST to the endpoint
  root with ``ref_audio_path: './参考音频/' + voiceId + '.wav'``, ``media_type: 'ogg'``,
  ``streaming_mode: 'true'`` as a string; ``fetchTtsVoiceObjects``: GET ``/speakers``);
* AstrBot ``astrbot/core/provider/sources/gsv_selfhosted_source.py`` (a chat-bot provider: GET
  ``/set_gpt_weights`` and ``/set_sovits_weights`` with ``weights_path``, then GET ``/tts`` with every default
  parameter stringified and lower-cased — ``str(value).lower()`` — from its default config in
  ``astrbot/core/config/default.py``: ``gsv_top_k 5, gsv_text_split_method cut3, gsv_streaming_mode False`` ...).
"""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile as sf

from conftest import decode, pcm16, solo

UPSTREAM_POST_BODY = {   # every field of api_v2's documented POST body, at its documented default
    "text": "", "text_lang": "", "ref_audio_path": "", "aux_ref_audio_paths": [], "prompt_text": "", "prompt_lang": "",
    "top_k": 15, "top_p": 1, "temperature": 1, "text_split_method": "cut5", "batch_size": 1, "batch_threshold": 0.75,
    "split_bucket": True, "speed_factor": 1.0, "fragment_interval": 0.3, "seed": -1, "parallel_infer": True,
    "repetition_penalty": 1.35, "sample_steps": 32, "super_sampling": False, "streaming_mode": False,
    "overlap_length": 2, "min_chunk_length": 16,
}


def _clip_path(engine, voice: str, index: int = 0) -> str:
    v = engine.library.voice(voice)
    return str(engine.library.clip_path(v.clips[index]))


def test_upstream_get_example_streams_header_then_pcm(client, lib_engine):
    # api_v2 docstring: /tts?text=...&text_lang=zh&ref_audio_path=archive_jingyuan_1.wav&prompt_lang=zh&prompt_text=...
    #                    &text_split_method=cut5&batch_size=1&media_type=wav&streaming_mode=true
    ref = _clip_path(lib_engine, "en_flite_awb")
    text = "The first sentence. And the second one."
    r = client.get("/tts", params={"text": text, "text_lang": "en", "ref_audio_path": ref, "prompt_lang": "en",
                                   "prompt_text": "hello", "text_split_method": "cut5", "batch_size": 1,
                                   "media_type": "wav", "streaming_mode": "true", "seed": 7})
    assert r.status_code == 200 and r.headers["content-type"] == "audio/wav"
    assert r.content[:4] == b"RIFF" and r.content[40:44] == b"\x00\x00\x00\x00"   # header of an empty WAV, as upstream
    assert r.headers["x-timbrel-base"] == "tone-awb" and r.headers["x-timbrel-resolved"] == "library-clip"
    got, sr = decode(r.content, "wav")
    # the same clip as the prompt, through the engine directly: identical 16-bit samples
    clip = lib_engine.library.voice("en_flite_awb").clips[0]
    assert r.headers["x-timbrel-prompt-clip"] == str(clip.id)
    assert sr == 16000 and len(got) > 0.5 * sr


def test_upstream_post_body_every_field_reports_what_it_ignores(client, lib_engine):
    body = dict(UPSTREAM_POST_BODY, text="Every field is here.", text_lang="en",
                ref_audio_path=_clip_path(lib_engine, "cs_festival_dita"), prompt_lang="en", seed=5)
    r = client.post("/tts", json=body)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "audio/wav"
    info = sf.info(io.BytesIO(r.content))
    assert info.samplerate == 16000 and info.frames > 1000 and info.subtype == "PCM_16"
    ignored = set(r.headers["x-timbrel-ignored-fields"].split(","))
    # nothing in Timbrel uses these three: always reported when sent
    assert {"batch_threshold", "overlap_length", "min_chunk_length"} <= ignored
    # every reported name is a field the client sent
    assert ignored <= set(body)
    # what the tone backend says it cannot honour is reported too (ask the backend, not a fixed list)
    from engine.backends import get_backend
    from engine.server.fields import OPTION_FIELDS

    backend = get_backend("tone")
    options = {k: body[k] for k in OPTION_FIELDS}
    fn = getattr(backend, "unsupported_options", None)
    unsupported = set(fn({}, options)) if fn else {k for k in options if k not in getattr(backend, "SUPPORTED_OPTIONS", ())}
    assert unsupported <= ignored
    assert r.headers["x-timbrel-base"] == "tone-dita"


def test_post_non_streaming_matches_the_engine_sample_for_sample(client, lib_engine):
    text = "Deterministic speech. Twice the same."
    r = client.post("/tts", json={"text": text, "text_lang": "en", "voice": "en_flite_awb", "seed": 3})
    assert r.status_code == 200
    got, sr = sf.read(io.BytesIO(r.content), dtype="int16")
    ref, ref_sr = solo(lib_engine, text, "en_flite_awb", seed=3)
    assert sr == ref_sr and np.array_equal(got, pcm16(ref))


def test_sillytavern_gpt_sovits_v2_provider(client, lib_engine):
    # SillyTavern gpt-sovits-v2.js: voices from GET /speakers, then POST `${endpoint}/` with these params
    speakers = client.get("/speakers").json()
    assert {"name": "en_flite_awb", "voice_id": "en_flite_awb"} in speakers
    voice_id = "cs_festival_dita_p125"
    params = {"text": "Hello from the tavern.", "prompt_text": voice_id, "ref_audio_path": "./参考音频/" + voice_id + ".wav",
              "text_lang": "en", "prompt_lang": "en", "text_split_method": "cut5", "batch_size": 1,
              "media_type": "ogg", "streaming_mode": "true"}
    with client.stream("POST", "/", json=params) as r:
        assert r.status_code == 200 and r.headers["content-type"] == "audio/ogg"
        pieces = list(r.iter_bytes())
    assert r.headers["x-timbrel-resolved"] == "voice" and r.headers["x-timbrel-base"] == "tone-dita"
    audio, sr = decode(b"".join(pieces), "ogg")
    assert sr == 16000 and len(audio) > 0.3 * sr and np.abs(audio).max() > 0.01


def test_astrbot_gsv_selfhosted_provider(client, lib_engine):
    # AstrBot gsv_selfhosted_source.py: every default param goes through str(value).lower() — paths included
    defaults = {"ref_audio_path": "./refs/EN_FLITE_AWB_M125.wav", "prompt_text": "", "prompt_lang": "en",
                "aux_ref_audio_paths": "", "text_lang": "en", "top_k": 5, "top_p": 1.0, "temperature": 1.0,
                "text_split_method": "cut3", "batch_size": 1, "batch_threshold": 0.75, "split_bucket": True,
                "speed_factor": 1, "fragment_interval": 0.3, "streaming_mode": False, "seed": -1,
                "parallel_infer": True, "repetition_penalty": 1.35, "media_type": "wav"}
    params = {k: str(v).lower() for k, v in defaults.items()}
    params["text"] = "A bot reply."
    r = client.get("/tts", params=params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "audio/wav" and r.headers["x-timbrel-base"] == "tone-awb"
    assert sf.info(io.BytesIO(r.content)).frames > 1000


@pytest.mark.parametrize("params, message", [
    ({"text_lang": "en", "voice": "en_flite_awb"}, "text is required"),
    ({"text": "hi", "voice": "en_flite_awb"}, "text_lang is required"),
    ({"text": "hi", "text_lang": "xx", "voice": "en_flite_awb"}, "text_lang: xx is not supported"),
    ({"text": "hi", "text_lang": "en", "voice": "en_flite_awb", "media_type": "mkv"}, "media_type: mkv is not supported"),
    ({"text": "hi", "text_lang": "en", "voice": "en_flite_awb", "text_split_method": "cut9"},
     "text_split_method:cut9 is not supported"),
    ({"text": "hi", "text_lang": "en", "voice": "en_flite_awb", "streaming_mode": "7"},
     "the value of streaming_mode must be 0, 1, 2, 3(int) or true/false(bool)"),
    ({"text": "hi", "text_lang": "en"}, "ref_audio_path is required"),
])
def test_upstream_check_params_messages(client, params, message):
    r = client.get("/tts", params=params)
    assert r.status_code == 400 and r.headers["content-type"] == "application/json"
    body = r.json()
    assert message in (body.get("message", "") + " " + body.get("Exception", ""))


def test_unknown_voice_is_a_400_in_api_v2_shape(client):
    r = client.post("/tts", json={"text": "hi", "text_lang": "en", "voice": "Nobody"})
    assert r.status_code == 400 and r.json()["message"] == "tts failed" and "Nobody" in r.json()["Exception"]


def test_set_refer_audio_is_the_callers_default(client, lib_engine):
    ref = _clip_path(lib_engine, "cs_festival_dita", 1)
    r = client.get("/set_refer_audio", params={"refer_audio_path": ref})
    assert r.status_code == 200 and r.json()["message"] == "success"
    r = client.get("/tts", params={"text": "Now without a reference.", "text_lang": "en"})
    assert r.status_code == 200 and r.headers["x-timbrel-base"] == "tone-dita"
    assert client.get("/set_refer_audio", params={"refer_audio_path": "/etc/passwd"}).status_code == 400


def test_set_weights_unknown_file_lists_the_bases(client):
    r = client.get("/set_gpt_weights", params={"weights_path": "GPT_weights_v2/somebody-e15.ckpt"})
    assert r.status_code == 400
    body = r.json()
    assert body["message"] == "change gpt weight failed" and set(body["bases"]) >= {"tone-awb", "tone-dita"}
    assert client.get("/set_sovits_weights").json() == {"message": "sovits weight path is required"}


@pytest.mark.slow
def test_set_weights_selects_the_base_made_from_those_files(lib_engine, gsv_fixtures, tmp_path, start_server):
    """A GPT-SoVITS base imported from the tiny fixture pair: the same files (by hash, inside an allowed folder)
    or the same file names select it; the next /tts request then speaks with it."""
    import shutil

    import httpx

    convert = pytest.importorskip("engine.backends.gptsovits.convert")
    if "tiny-gsv" not in {b.name for b in lib_engine.bases.list()}:
        convert.import_base(lib_engine.bases, "tiny-gsv", gsv_fixtures / "gpt_tiny.ckpt", gsv_fixtures / "sovits_v2_tiny.pth")
    renamed = tmp_path / "my-model-e8.ckpt"
    shutil.copyfile(gsv_fixtures / "gpt_tiny.ckpt", renamed)
    srv = start_server(allow_dirs=(tmp_path,))
    with httpx.Client(base_url=srv.url, timeout=60) as c:
        r = c.get("/set_gpt_weights", params={"weights_path": str(renamed)})        # by hash (name differs)
        assert r.status_code == 200 and r.json() == {"message": "success", "base": "tiny-gsv"}
        r = c.get("/set_sovits_weights", params={"weights_path": "SoVITS_weights_v2/sovits_v2_tiny.pth"})  # by name
        assert r.status_code == 200 and r.json()["base"] == "tiny-gsv"
        bases = {b["name"]: b for b in c.get("/bases").json()}
        assert bases["tiny-gsv"]["sources"]["gpt"]["file"] == "gpt_tiny.ckpt"


def test_control_is_refused_unless_allowed(client, start_server):
    import httpx

    assert client.get("/control", params={"command": "exit"}).status_code == 403
    srv = start_server(allow_control=True)
    with httpx.Client(base_url=srv.url, timeout=30) as c:
        assert c.get("/control").status_code == 400
        assert c.post("/control", json={"command": "exit"}).json()["message"] == "success"
    srv._thread.join(15)
    assert not srv.running
