"""Safe by default: bind refusal, Bearer tokens, reference paths, caps (text, body, queue) and a client that
disconnects cancelling its request; bad requests never stop the server."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
LONG = " ".join(f"This is sentence number {i}." for i in range(300))


def _wait(pred, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.02)
    return False


def test_cli_refuses_a_public_bind_without_a_token(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(REPO), TIMBREL_LIBRARY=str(tmp_path / "lib"))
    env.pop("TIMBREL_SERVE_TOKEN", None)
    p = subprocess.run([sys.executable, "-m", "engine", "serve", "--host", "0.0.0.0", "--port", "0"], env=env,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 1
    assert "Refusing to listen on 0.0.0.0 without a token" in p.stderr and "--token" in p.stderr


def test_server_thread_refuses_a_public_bind_without_a_token(lib_engine):
    from engine.errors import InvalidInput
    from engine.server import ServerConfig, ServerThread

    with pytest.raises(InvalidInput, match="without a token"):
        ServerThread(lib_engine, ServerConfig(host="0.0.0.0", port=0))


def test_bearer_token(start_server):
    srv = start_server(token="s3cret")
    with httpx.Client(base_url=srv.url, timeout=30) as c:
        r = c.get("/voices")
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
        assert c.get("/voices", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert c.post("/tts", json={"text": "x", "text_lang": "en", "voice": "en_flite_awb"}).status_code == 401
        ok = c.get("/voices", headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == 200 and {v["name"] for v in ok.json()} >= {"en_flite_awb"}
        r = c.post("/v1/audio/speech", headers={"Authorization": "Bearer s3cret"},
                   json={"model": "tts-1", "input": "Authorised.", "voice": "en_flite_awb", "response_format": "wav"})
        assert r.status_code == 200


@pytest.mark.parametrize("path", ["/etc/passwd", "../../../../etc/passwd", "/etc/../etc/hostname", "notes.txt/../../x"])
def test_reference_paths_outside_the_allowed_folders_are_refused(client, path):
    r = client.get("/tts", params={"text": "hi", "text_lang": "en", "ref_audio_path": path, "prompt_lang": "en"})
    assert r.status_code == 400
    assert "not a clip of the voice library" in r.json()["Exception"]


def test_symlinks_out_of_an_allowed_folder_are_refused(start_server, tmp_path, corpus):
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    (allowed / "passwd.wav").symlink_to("/etc/passwd")
    outside = tmp_path / "outside.flac"
    outside.write_bytes((corpus / "clips" / "en_flite_awb" / "04.flac").read_bytes())
    (allowed / "escape.flac").symlink_to(outside)
    srv = start_server(allow_dirs=(allowed,))
    with httpx.Client(base_url=srv.url, timeout=30) as c:
        for name in ("passwd.wav", "escape.flac", str(allowed / "escape.flac")):
            r = c.get("/tts", params={"text": "hi", "text_lang": "en", "ref_audio_path": name, "prompt_lang": "en"})
            assert r.status_code == 400, name


def test_non_audio_file_in_an_allowed_folder(client):
    r = client.get("/tts", params={"text": "hi", "text_lang": "en", "ref_audio_path": "notes.txt", "prompt_lang": "en"})
    assert r.status_code == 400 and "not an audio file" in r.json()["Exception"]


def test_text_and_body_caps(client, start_server):
    r = client.post("/tts", json={"text": "a" * 6000, "text_lang": "en", "voice": "en_flite_awb"})
    assert r.status_code == 400 and "at most 5000" in r.json()["message"]
    srv = start_server(max_body_bytes=2000)
    with httpx.Client(base_url=srv.url, timeout=30) as c:
        big = {"text": "b" * 3000, "text_lang": "en", "voice": "en_flite_awb"}
        assert c.post("/tts", json=big).status_code == 413

        def chunked():     # no Content-Length: the cap is enforced while reading
            yield b'{"text": "'
            for _ in range(10):
                yield b"c" * 500
            yield b'", "text_lang": "en", "voice": "en_flite_awb"}'

        assert c.post("/tts", content=chunked(), headers={"content-type": "application/json"}).status_code == 413
        assert c.post("/tts", json={"text": "Small.", "text_lang": "en", "voice": "en_flite_awb"}).status_code == 200


def test_bad_requests_never_stop_the_server(client):
    bad = [
        dict(content=b"{not json", headers={"content-type": "application/json"}),
        dict(content=b"[1, 2, 3]", headers={"content-type": "application/json"}),
        dict(content=b"\xff\xfe\x00garbage", headers={"content-type": "application/json"}),
        dict(json={"text": "x", "text_lang": "en", "voice": "en_flite_awb", "seed": "twelve"}),
        dict(json={"text": "x", "text_lang": "en", "voice": "en_flite_awb", "speed_factor": 1e300}),
        dict(json={"text": "x", "text_lang": "en", "voice": "en_flite_awb", "top_k": "NaN"}),
        dict(json={"text": "x", "text_lang": "en", "voice": ["a", "list"]}),
        dict(json={"text": 5, "text_lang": "en", "voice": "en_flite_awb", "aux_ref_audio_paths": {"a": 1}}),
    ]
    for kw in bad:
        r = client.post("/tts", **kw)
        assert 400 <= r.status_code < 500, (kw, r.status_code, r.text)
    assert client.post("/v1/audio/speech", json={"input": "x"}).status_code == 400
    assert client.post("/v1/audio/speech", json={"input": "x", "voice": "en_flite_awb", "model": "no-such"}).status_code == 404
    r = client.post("/tts", json={"text": "Still serving.", "text_lang": "en", "voice": "en_flite_awb"})
    assert r.status_code == 200 and client.get("/health").json()["status"] == "ok"


def _engine_cancelled(engine) -> int:
    return int(engine.runtime.metrics.snapshot()["requests"].get("cancelled", 0))


def test_disconnect_while_streaming_cancels_the_request(start_server, lib_engine):
    srv = start_server(max_text_chars=50000)
    before = _engine_cancelled(lib_engine)
    with httpx.Client(base_url=srv.url, timeout=60) as c:
        with c.stream("POST", "/tts", json={"text": LONG, "text_lang": "en", "voice": "en_flite_awb",
                                            "streaming_mode": True, "media_type": "raw"}) as r:
            assert r.status_code == 200
            chunks = r.iter_raw()
            next(chunks)                # the first sentence arrived
            chunks.close()              # hang up (httpx drops the unfinished connection)
    assert _wait(lambda: srv.core.status()["totals"]["cancelled"] >= 1 and srv.core.status()["active"] == 0)
    assert _wait(lambda: _engine_cancelled(lib_engine) > before), "the engine request was not cancelled"


def test_disconnect_while_waiting_cancels_the_request(start_server, lib_engine):
    srv = start_server(max_text_chars=50000)
    before = _engine_cancelled(lib_engine)
    with httpx.Client(base_url=srv.url, timeout=httpx.Timeout(30, read=0.3)) as c:
        with pytest.raises(httpx.ReadTimeout):
            c.post("/tts", json={"text": LONG, "text_lang": "en", "voice": "en_flite_awb"})   # whole file: no bytes yet
    assert _wait(lambda: srv.core.status()["totals"]["cancelled"] >= 1 and srv.core.status()["active"] == 0)
    assert _wait(lambda: _engine_cancelled(lib_engine) > before), "the engine request was not cancelled"


def test_queue_cap_answers_429_with_retry_after(start_server):
    srv = start_server(max_active=1, max_text_chars=50000)
    with httpx.Client(base_url=srv.url, timeout=60) as c, httpx.Client(base_url=srv.url, timeout=60) as other:
        with c.stream("POST", "/tts", json={"text": LONG, "text_lang": "en", "voice": "en_flite_awb",
                                            "streaming_mode": True, "media_type": "raw"}) as r:
            chunks = r.iter_raw()
            next(chunks)               # admitted and streaming: the one slot is taken (keep the iterator alive)
            busy = other.post("/tts", json={"text": "Me too.", "text_lang": "en", "voice": "en_flite_awb"})
            assert busy.status_code == 429 and int(busy.headers["retry-after"]) >= 1
            oa = other.post("/v1/audio/speech", json={"input": "Me too.", "voice": "en_flite_awb"})
            assert oa.status_code == 429 and "retry-after" in oa.headers
        assert _wait(lambda: srv.core.status()["active"] == 0)
        assert other.post("/tts", json={"text": "My turn.", "text_lang": "en", "voice": "en_flite_awb"}).status_code == 200
