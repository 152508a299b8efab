"""The default encoder on CUDA gives the CPU's embeddings (the engine runs it on its own device)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_ge2e_on_cuda_matches_cpu(corpus, truth, ge2e):
    from engine.analysis.encoders import get_encoder
    from engine.audio.io import read_audio

    gpu = get_encoder("ge2e", device="cuda")
    assert gpu.device.type == "cuda" and gpu.version == ge2e.version
    for spk in ("en_flite_awb", "cs_festival_dita", "en_piper_joe"):
        samples, sr = read_audio(corpus / truth["speakers"][spk]["clips"][0]["file"])
        a, b = ge2e.embed(samples, sr), gpu.embed(samples, sr)
        assert float(a @ b) > 0.9999
        assert np.allclose(a, b, atol=2e-3)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_engine_auto_device_uses_cuda(tmp_path):
    from engine.api import Engine

    with Engine(library=tmp_path / "lib", device="auto") as eng:
        assert eng.analysis.encoder().device.type == "cuda"
