"""ERes2NetV2 speaker embeddings from the GPT-SoVITS v2Pro assets (``sv/pretrained_eres2netv2w24s4ep4.ckpt``).

For users who linked the GPT-SoVITS pretrained models (``timbrel assets link``): the same speaker-verification
net that v2Pro/v2ProPlus bases use for their timbre input. The network and its Kaldi fbank front end live in
``engine.backends.gptsovits`` (``load_sv``, ``kaldi_fbank``); this module only adapts them to the
:class:`TimbreEncoder` interface. The embedding is the net's own speaker embedding (statistics pooling +
``seg_1``, 192 values for the shipped weights) on mean-normalised fbank frames, L2-normalised.

Select it with ``timbrel analyze --encoder eres2netv2`` or the setting ``analysis.encoder``.
Cached embeddings are keyed by the checkpoint's sha256, so switching files recomputes them.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from .base import TimbreEncoder, l2_normalize
from .ge2e import _file_hash
from .preprocess import prepare


class ERes2NetV2Encoder(TimbreEncoder):
    id = "eres2netv2"
    sample_rate = 16000
    description = "ERes2NetV2 speaker embedding (GPT-SoVITS v2Pro sv checkpoint, linked by the user)"
    # Not calibrated on our corpus (the weights are not available here); typical cosine scales of
    # ResNet-style SV embeddings: same speaker > 0.6, different speakers < 0.4.
    family_similarity = 0.6
    duplicate_similarity = 0.8
    outlier_similarity = 0.4

    def __init__(self, device: str | None = "cpu", path: str | Path | None = None, engine=None, **_: object) -> None:
        import torch  # noqa: F401

        from ...backends.gptsovits.pretrained import load_sv
        from ...torchutil import configure_torch, resolve_device

        configure_torch()
        if path is None:
            if engine is None:
                from ...errors import MissingAsset

                raise MissingAsset("The ERes2NetV2 encoder needs the GPT-SoVITS speaker-verification checkpoint.",
                                   hint="Link GPT-SoVITS's pretrained_models folder with 'timbrel assets link PATH'.")
            path = engine.assets.path("sv", purpose="the ERes2NetV2 timbre encoder")
        self.path = Path(path)
        self.device = resolve_device(device)
        self.net = load_sv(self.path, device=self.device)
        self.dim = int(self.net.config.embedding_size)
        self.version = f"eres2netv2-{_file_hash(self.path)[:12]}-p1"
        self._lock = threading.Lock()

    def embed(self, samples: np.ndarray, sample_rate: int) -> np.ndarray:
        import torch

        from ...backends.gptsovits.features import kaldi_fbank

        wav = torch.from_numpy(prepare(samples, sample_rate, self.sample_rate)).to(self.device)
        with self._lock, torch.inference_mode():
            fb = kaldi_fbank(wav.float())
            fb = fb - fb.mean(dim=0, keepdim=True)
            out = self.net(fb[None]).float()[0].cpu().numpy()
        return l2_normalize(out)
