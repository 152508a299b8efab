"""Scale-out on Ray Serve: one local Ray instance for this module, 2 CPU engine replicas over the test library.

Marked ``ray``: deselected by the main suite (``-m "not ray"`` in pyproject), run by its own step in ``.ci/run``
after installing the ``ray`` extra.
"""

from __future__ import annotations

import io
import os
import signal
import socket
import time

import httpx
import numpy as np
import pytest
import soundfile as sf

from conftest import pcm16, solo

pytestmark = [pytest.mark.ray, pytest.mark.timeout(900)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def ray_server(lib_engine):
    pytest.importorskip("ray")
    from engine.server import ServerConfig
    from engine.server.ray_serve import RayServer

    srv = RayServer(str(lib_engine.library_path), ServerConfig(port=_free_port()), replicas=2, cpus_per_replica=0.5,
                    vram_limit_mb=64, num_cpus=4).start()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:     # the HTTP proxy and both replicas up
        try:
            h = httpx.get(srv.url + "/health", timeout=10).json()
            if len(h.get("replicas", [])) == 2:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    yield srv
    srv.stop()


AWB = ["en_flite_awb", "en_flite_awb_m125"]
DITA = ["cs_festival_dita", "cs_festival_dita_p125"]


def _say(c, voice, text, seed):
    r = c.post("/tts", json={"text": text, "text_lang": "en", "voice": voice, "seed": seed})
    assert r.status_code == 200, r.text
    return r


def test_requests_go_to_the_replica_holding_their_base(ray_server, lib_engine):
    """Concurrent clients (so Serve's stock router would spill): each base is served by one replica only, the two
    bases by different replicas, and every answer is the engine's own rendering."""
    from concurrent.futures import ThreadPoolExecutor

    jobs = [(voice, f"Routed request {i}.", i) for i in range(4) for voice in AWB + DITA]

    def call(job):
        voice, text, seed = job
        with httpx.Client(base_url=ray_server.url, timeout=120) as c:
            r = _say(c, voice, text, seed)
        return job, r.headers["x-timbrel-base"], r.headers["x-timbrel-replica"], r.content

    with ThreadPoolExecutor(4) as ex:
        answers = list(ex.map(call, jobs))
    seen: dict[str, set[str]] = {"tone-awb": set(), "tone-dita": set()}
    for (voice, text, seed), base, replica, body in answers:
        seen[base].add(replica)
        got, _ = sf.read(io.BytesIO(body), dtype="int16")
        ref, _ = solo(lib_engine, text, voice, seed=seed)
        assert np.array_equal(got, pcm16(ref)), f"{voice}: not the right audio"
    assert all(len(r) == 1 for r in seen.values()), seen            # each base on one replica
    assert seen["tone-awb"] != seen["tone-dita"], seen                # the bases shared out over the replicas
    health = httpx.get(ray_server.url + "/health", timeout=60).json()
    resident = {rep["replica"]: set(rep["resident"] or []) for rep in health["replicas"]}
    for base, reps in seen.items():
        (rep,) = reps
        assert base in resident[rep], (base, rep, resident)


def test_replicas_see_the_writers_new_voice_and_base_without_restarting(ray_server, lib_engine, corpus):
    """The replicas opened the library read-only; the test process is its one writer."""
    from engine.backends.tone import create_tone_base

    with httpx.Client(base_url=ray_server.url, timeout=120) as c:
        pids = {rep["pid"] for rep in c.get("/health").json()["replicas"]}
        lib_engine.importer.import_paths([corpus / "clips" / "en_flite_awb" / "03.flac"], voice="late_voice",
                                         language="en")
        create_tone_base(lib_engine, "tone-late", seed=33)
        try:
            r = c.post("/tts", json={"text": "Added while serving.", "text_lang": "en", "voice": "late_voice",
                                     "base": "tone-late", "seed": 4})
            assert r.status_code == 200, r.text
            assert r.headers["x-timbrel-base"] == "tone-late"
            got, _ = sf.read(io.BytesIO(r.content), dtype="int16")
            ref = lib_engine.speech.say("Added while serving.", "late_voice", base="tone-late", seed=4).result(60)
            assert np.array_equal(got, pcm16(ref.samples))
            assert {rep["pid"] for rep in c.get("/health").json()["replicas"]} == pids      # nothing restarted
        finally:
            lib_engine.library.delete_voice("late_voice")
            lib_engine.bases.remove("tone-late")


def test_per_replica_metrics(ray_server):
    from prometheus_client.parser import text_string_to_metric_families

    text = httpx.get(ray_server.url + "/metrics", timeout=60).text
    fams = {f.name: f for f in text_string_to_metric_families(text)}
    assert fams["timbrel_replicas"].samples[0].value == 2
    replicas = {s.labels["replica"] for s in fams["timbrel_replica_resident_bases"].samples}
    assert len(replicas) == 2
    assert "timbrel_replica_queue_depth" in fams and "timbrel_replica_budget_used_bytes" in fams


def test_a_dying_replica_loses_no_request_silently(ray_server, lib_engine):
    with httpx.Client(base_url=ray_server.url, timeout=120) as c:
        r = _say(c, AWB[0], "Before the crash.", seed=1)
        victim = r.headers["x-timbrel-replica"]
        pid = next(rep["pid"] for rep in c.get("/health").json()["replicas"] if rep["replica"] == victim)
        os.kill(pid, signal.SIGKILL)
        outcomes = []
        for i in range(6):
            text = f"After the crash {i}."
            try:
                r = c.post("/tts", json={"text": text, "text_lang": "en", "voice": AWB[i % 2], "seed": i})
            except httpx.HTTPError as exc:           # a cut connection is an error the client sees
                outcomes.append(("error", str(exc)))
                continue
            if r.status_code == 200:
                got, _ = sf.read(io.BytesIO(r.content), dtype="int16")
                ref, _ = solo(lib_engine, text, AWB[i % 2], seed=i)
                assert np.array_equal(got, pcm16(ref))     # a success is the right audio, never a partial one
                outcomes.append(("ok", r.headers["x-timbrel-replica"]))
            else:
                assert r.status_code in (500, 502, 503) and r.json().get("message")
                outcomes.append(("error", r.status_code))
    assert any(o[0] == "ok" for o in outcomes), outcomes      # the surviving / restarted replica serves


def test_clean_shutdown(ray_server):
    """Last in this module: stopping ends the Serve application, the engine replicas' processes and the local Ray."""
    replicas = httpx.get(ray_server.url + "/health", timeout=60).json()["replicas"]
    pids = [rep["pid"] for rep in replicas]
    assert pids          # (the replica killed above may still be restarting)
    import ray

    ray_server.stop()
    assert not ray.is_initialized()

    def alive(pid: int) -> bool:
        try:
            os.kill(pid, 0)
            return True
        except ProcessLookupError:
            return False

    deadline = time.monotonic() + 60
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(alive(p) for p in pids), "engine replica processes outlived the shutdown"
    with pytest.raises(httpx.HTTPError):
        httpx.get(ray_server.url + "/health", timeout=5)
