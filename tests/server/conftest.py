"""A real server for the HTTP tests: uvicorn on 127.0.0.1 with an ephemeral port, called with httpx.

One engine per test package run (``lib_engine``): four corpus speakers (two clips each) in two timbre
clusters, each cluster served by its own ``tone`` base (deterministic, fast), so the tests can check which
base a request used. Servers with different settings share that engine.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import numpy as np
import pytest

VOICES = {  # speaker → cluster family; the two families end up in two clusters
    "en_flite_awb": "awb", "en_flite_awb_m125": "awb", "cs_festival_dita": "dita", "cs_festival_dita_p125": "dita",
}


@pytest.fixture(scope="package")
def refs_dir(tmp_path_factory, corpus) -> Path:
    """An allowed folder with reference files that are NOT library clips (a third clip of two speakers)."""
    d = tmp_path_factory.mktemp("refs")
    shutil.copyfile(corpus / "clips" / "en_flite_awb" / "03.flac", d / "awb_other.flac")
    shutil.copyfile(corpus / "clips" / "cs_festival_dita" / "03.flac", d / "dita_other.flac")
    (d / "notes.txt").write_text("not audio")
    return d


@pytest.fixture(scope="package")
def lib_engine(tmp_path_factory, corpus):
    from engine.api import Engine
    from engine.backends.tone import create_tone_base

    eng = Engine(library=tmp_path_factory.mktemp("srv") / "lib", vram_limit_mb=64)
    for spk in VOICES:
        eng.importer.import_paths([corpus / "clips" / spk / "01.flac", corpus / "clips" / spk / "02.flac"], voice=spk,
                                  language="en")
    eng.analysis.analyze()
    eng.analysis.cluster(k=2)
    by_family = {}
    for c in eng.analysis.clusters():
        fam = {VOICES[v] for v in c.voices}
        assert len(fam) == 1, f"cluster {c.id} mixes families: {c.voices}"
        by_family[fam.pop()] = c.id
    create_tone_base(eng, "tone-awb", seed=11, assign_cluster=by_family["awb"])
    create_tone_base(eng, "tone-dita", seed=22, assign_cluster=by_family["dita"])
    yield eng
    eng.close()


@pytest.fixture(scope="package")
def server(lib_engine, refs_dir):
    from engine.server import ServerConfig, ServerThread

    srv = ServerThread(lib_engine, ServerConfig(port=0, allow_dirs=(refs_dir,))).start()
    yield srv
    srv.stop()


@pytest.fixture
def client(server):
    import httpx

    with httpx.Client(base_url=server.url, timeout=60) as c:
        yield c


@pytest.fixture
def start_server(lib_engine):
    """Start an extra server with other settings; stopped at the end of the test."""
    from engine.server import ServerConfig, ServerThread

    started = []

    def start(**kw):
        kw.setdefault("port", 0)
        srv = ServerThread(lib_engine, ServerConfig(**kw)).start()
        started.append(srv)
        return srv

    yield start
    for srv in started:
        srv.stop()


def solo(engine, text: str, voice: str, seed: int = 1, **kw) -> tuple[np.ndarray, int]:
    """The engine's own rendering of a request (what the server must return, byte for byte where lossless)."""
    audio = engine.speech.say(text, voice, seed=seed, **kw).result(120)
    return audio.samples, audio.sample_rate


def pcm16(x: np.ndarray) -> np.ndarray:
    return (np.clip(x, -1, 1) * 32767.0).round().astype(np.int16)


def decode(data: bytes, fmt: str, sample_rate: int | None = None) -> tuple[np.ndarray, int]:
    """Decode a response body of ``fmt`` back to float samples (libsndfile for whole files, FFmpeg via PyAV for
    streams and AAC, numpy for headerless PCM)."""
    if fmt in ("raw", "pcm"):
        return np.frombuffer(data, dtype="<i2").astype(np.float32) / 32767.0, int(sample_rate or 0)
    if fmt == "wav" and data[40:44] in (b"\x00\x00\x00\x00", b"\xff\xff\xff\xff"):   # streamed: header + raw PCM
        sr = int.from_bytes(data[24:28], "little")
        return np.frombuffer(data[44:], dtype="<i2").astype(np.float32) / 32767.0, sr
    import av

    with av.open(io.BytesIO(data)) as container:
        frames = [f for f in container.decode(audio=0)]
    sr = frames[0].sample_rate

    def floats(frame) -> np.ndarray:
        a = frame.to_ndarray().reshape(-1)
        if a.dtype == np.int16:
            return a.astype(np.float32) / 32767.0
        if a.dtype == np.int32:
            return a.astype(np.float32) / 2147483647.0
        return a.astype(np.float32)

    return np.concatenate([floats(f) for f in frames]), sr
