"""OpenAI shape, reference resolution (library clip vs zero-shot nearest cluster), catalog routes and /metrics.

OpenAI request shapes: the OpenAI Python client's ``client.audio.speech.create(model, voice, input,
response_format, speed)`` body, and SillyTavern's ``public/scripts/extensions/tts/openai-compatible.js``
(``fetchTtsGeneration``: ``{model, input, voice, response_format: 'mp3', speed}`` with a Bearer key).
"""

from __future__ import annotations

import io

import numpy as np
import soundfile as sf

from conftest import decode, pcm16, solo


def test_sillytavern_openai_compatible_provider(client, lib_engine):
    body = {"model": "tts-1", "input": "Hello from an OpenAI client.", "voice": "cs_festival_dita",
            "response_format": "mp3", "speed": 1}
    r = client.post("/v1/audio/speech", json=body, headers={"Authorization": "Bearer ignored-on-loopback"})
    assert r.status_code == 200 and r.headers["content-type"] == "audio/mpeg"
    assert r.headers["x-timbrel-base"] == "tone-dita"
    audio, sr = decode(r.content, "mp3")
    assert sr == 16000 and len(audio) > 0.5 * sr


def test_openai_model_names_a_base(client, lib_engine):
    text = "Spoken by the other base."
    r = client.post("/v1/audio/speech", json={"model": "tone-awb", "input": text, "voice": "cs_festival_dita",
                                              "response_format": "wav", "seed": 4})
    assert r.status_code == 200 and r.headers["x-timbrel-base"] == "tone-awb"
    got, sr = sf.read(io.BytesIO(r.content), dtype="int16")
    ref, _ = solo(lib_engine, text, "cs_festival_dita", seed=4, base="tone-awb")
    assert np.array_equal(got, pcm16(ref))


def test_openai_errors_and_models(client):
    r = client.post("/v1/audio/speech", json={"model": "tts-1", "input": "x", "voice": "alloy"})
    assert r.status_code == 404 and "alloy" in r.json()["error"]["message"]
    r = client.post("/v1/audio/speech", json={"input": "x", "voice": "en_flite_awb", "response_format": "ogg"})
    assert r.status_code == 400 and r.json()["error"]["type"] == "invalid_request_error"
    models = client.get("/v1/models").json()
    assert models["object"] == "list" and {m["id"] for m in models["data"]} >= {"timbrel", "tone-awb", "tone-dita"}


def test_voices_bases_health(client):
    voices = {v["name"]: v for v in client.get("/voices").json()}
    assert voices["en_flite_awb"]["base"] == "tone-awb" and voices["cs_festival_dita_p125"]["base"] == "tone-dita"
    assert voices["en_flite_awb"]["clips"] == 2
    bases = {b["name"]: b for b in client.get("/bases").json()}
    assert bases["tone-awb"]["backend"] == "tone"
    h = client.get("/health").json()
    assert h["status"] == "ok" and h["active"] == 0


def test_library_clip_path_uses_that_clip_and_its_voices_base(client, lib_engine):
    v = lib_engine.library.voice("en_flite_awb_m125")
    clip = v.clips[1]
    for ref in (str(lib_engine.library.clip_path(clip)), clip.source_path):
        r = client.get("/tts", params={"text": "From the library.", "text_lang": "en", "ref_audio_path": ref,
                                       "prompt_lang": "en"})
        assert r.status_code == 200
        assert r.headers["x-timbrel-resolved"] == "library-clip" and r.headers["x-timbrel-prompt-clip"] == str(clip.id)
        assert r.headers["x-timbrel-base"] == "tone-awb"


def test_outside_reference_is_spoken_by_the_nearest_clusters_base(client):
    # refs_dir holds a third clip of en_flite_awb and of cs_festival_dita: not in the library
    for name, base in (("awb_other.flac", "tone-awb"), ("dita_other.flac", "tone-dita")):
        r = client.post("/tts", json={"text": "Zero-shot.", "text_lang": "en", "ref_audio_path": name,
                                      "prompt_text": "some words", "prompt_lang": "en"})
        assert r.status_code == 200, r.text
        assert r.headers["x-timbrel-resolved"] == "zero-shot" and r.headers["x-timbrel-base"] == base, name


def test_metrics_are_prometheus_text(client):
    from prometheus_client.parser import text_string_to_metric_families

    client.post("/tts", json={"text": "Count me.", "text_lang": "en", "voice": "en_flite_awb"})
    r = client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    fams = {f.name: f for f in text_string_to_metric_families(r.text)}
    for name in ("timbrel_request_seconds", "timbrel_queue_depth", "timbrel_resident_bases", "timbrel_swaps",
                 "timbrel_budget_used_bytes", "timbrel_budget_limit_bytes", "timbrel_requests_in_flight",
                 "timbrel_http_requests"):
        assert name in fams, name
    depth = {s.labels["priority"]: s.value for s in fams["timbrel_queue_depth"].samples}
    assert set(depth) >= {"interactive", "batch"}
    limit = fams["timbrel_budget_limit_bytes"].samples[0].value
    assert limit == 64 * 2**20 and 0 < fams["timbrel_budget_used_bytes"].samples[0].value <= limit
    done = [s for s in fams["timbrel_request_seconds"].samples if s.name == "timbrel_request_seconds_count"
            and s.labels.get("route") == "tts"]
    assert done and done[0].value >= 1
    batches = {s.labels["rows"]: s.value for s in fams["timbrel_batches"].samples if s.name == "timbrel_batches_total"}
    assert batches and all(int(rows) >= 1 for rows in batches) and sum(batches.values()) >= 1
