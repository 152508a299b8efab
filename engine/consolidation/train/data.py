"""Data preparation for fine-tuning a cluster base on the cluster's pooled references.

Per clip (what upstream's ``prepare_datasets/1-get-text``, ``2-get-hubert-wav32k``, ``2-get-sv`` and
``3-get-semantic`` produce, done in-process):

* ``phones`` — phone ids from our text frontend (``engine.backends.gptsovits.text``); clips whose language the
  frontend cannot read (only zh / en / ja) are skipped with a reason;
* ``bert`` — (1024, n_phones) BERT features (a featurizer for Chinese; zeros elsewhere, as upstream);
* ``ssl`` — (768, T) HuBERT features of the 16 kHz audio (50 Hz);
* ``semantic`` — semantic tokens: the base's own SSL projection + quantizer on ``ssl`` (25 Hz);
* ``wav32k`` — the 32 kHz waveform (SoVITS targets and reference spectrograms);
* ``sv`` — (20480,) speaker-verification vector for v2Pro / v2ProPlus bases when an SV model is given.

The models are passed in (the shared pretrained HuBERT / BERT / SV from ``engine.assets`` in the app, tiny
random ones in tests); nothing is downloaded here.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch

from ...errors import Cancelled, InvalidInput

TEXT_LANGUAGES = ("zh", "en", "ja")


@dataclass
class Sample:
    voice: str
    clip_sha256: str
    phones: torch.Tensor        # (n,) long
    bert: torch.Tensor          # (1024, n) float32
    ssl: torch.Tensor           # (768, T) float32
    semantic: torch.Tensor      # (T',) long
    wav32k: torch.Tensor        # (N,) float32
    sv: torch.Tensor | None = None


@dataclass
class Dataset:
    samples: list[Sample]
    skipped: list[dict] = field(default_factory=list)

    @property
    def voices(self) -> list[str]:
        return sorted({s.voice for s in self.samples})

    def fingerprint(self) -> list[str]:
        """The clip hashes trained on (provenance)."""
        return sorted(s.clip_sha256 for s in self.samples)


def _resample(samples: np.ndarray, sr: int, target: int) -> torch.Tensor:
    from ...audio.io import resample

    return torch.from_numpy(np.ascontiguousarray(resample(samples.astype(np.float32), sr, target), dtype=np.float32))


_CACHE_FIELDS = ("phones", "bert", "ssl", "semantic", "wav32k", "sv")


def _cache_path(cache_dir, key: str, sha: str):
    from pathlib import Path

    return Path(cache_dir) / key / f"{sha}.safetensors"


def _load_cached(path, voice: str, sha: str) -> Sample | None:
    from safetensors.torch import load_file

    try:
        t = load_file(str(path))
    except Exception:  # a damaged cache file is recomputed
        return None
    if not {"phones", "bert", "ssl", "semantic", "wav32k"} <= set(t):
        return None
    return Sample(voice, sha, t["phones"], t["bert"], t["ssl"], t["semantic"], t["wav32k"], t.get("sv"))


def _store_cached(path, sample: Sample) -> None:
    from safetensors.torch import save

    from ...fsutil import atomic_write_bytes

    tensors = {f: getattr(sample, f).contiguous() for f in _CACHE_FIELDS if getattr(sample, f) is not None}
    atomic_write_bytes(path, save(tensors))


@torch.no_grad()
def _phones(voice, clip):
    """(phone sequence, None) for a clip that can be trained on, else (None, the reason it is skipped)."""
    from ...backends.gptsovits.text import text_to_phones

    lang = (clip.language or voice.language or "").lower()
    if lang not in TEXT_LANGUAGES:
        return None, f"language '{lang or '?'}' has no text frontend"
    if not (clip.transcript or "").strip():
        return None, "no transcript"
    try:
        return text_to_phones(clip.transcript, lang), None
    except InvalidInput as exc:
        return None, exc.message


def _sample(lib, voice, clip, seq, *, hubert, sovits, bert_featurizer, sv_model) -> Sample:
    """One clip's training features: phones, BERT, HuBERT, semantic tokens, 32 kHz audio, SV vector."""
    from ...audio.io import read_audio
    from ...backends.gptsovits.pretrained import hubert_features
    from ...backends.gptsovits.text import bert_features

    phones = torch.tensor(seq.ids, dtype=torch.long)
    bert = bert_features(seq, bert_featurizer).float()
    samples, sr = read_audio(lib.clip_path(clip))
    wav16 = _resample(samples, sr, 16000)
    wav32 = _resample(samples, sr, 32000)
    ssl = hubert_features(hubert, wav16)[0].float()
    semantic = sovits.extract_latent(ssl[None])[0, 0].long()
    sv = None
    if sv_model is not None:
        from ...backends.gptsovits.features import kaldi_fbank

        sv = sv_model.forward3(kaldi_fbank(wav16)[None].float())[0].float()
    return Sample(voice.name, clip.sha256, phones, bert, ssl, semantic, wav32, sv)


def prepare(engine, voices, *, hubert, sovits, bert_featurizer=None, sv_model=None,
            progress: Callable[[int, int, str], None] | None = None, cancel: threading.Event | None = None,
            cache_dir=None, cache_key: str | None = None) -> Dataset:
    """Features for every clip of ``voices`` (names, ids or Voice objects).

    With ``cache_dir`` and ``cache_key`` (naming the models used: the base's SoVITS blob, the HuBERT/BERT/SV
    files) each clip's features are kept as ``<cache_dir>/<cache_key>/<clip sha256>.safetensors`` (written
    atomically) and reused, so a resumed fine-tune does not run HuBERT again."""
    from ...torchutil import configure_torch

    configure_torch()
    lib = engine.library
    vs = [v if hasattr(v, "clips") else lib.voice(v) for v in voices]
    clips = [(v, c) for v in vs for c in v.clips]
    if not clips:
        raise InvalidInput("The voices to train on have no clips.", hint="Import reference clips first.")
    out = Dataset([])
    for i, (voice, clip) in enumerate(clips):
        if cancel is not None and cancel.is_set():
            raise Cancelled("Data preparation cancelled.")
        if progress is not None:
            progress(i, len(clips), f"{voice.name}: clip {clip.id}")
        seq, reason = _phones(voice, clip)
        if seq is None:
            out.skipped.append({"voice": voice.name, "clip": clip.id, "reason": reason})
            continue
        cached = None
        if cache_dir is not None and cache_key:
            cpath = _cache_path(cache_dir, cache_key, clip.sha256)
            cached = _load_cached(cpath, voice.name, clip.sha256) if cpath.is_file() else None
        if cached is not None and (sv_model is None or cached.sv is not None):
            out.samples.append(cached)
            continue
        sample = _sample(lib, voice, clip, seq, hubert=hubert, sovits=sovits, bert_featurizer=bert_featurizer,
                         sv_model=sv_model)
        if cache_dir is not None and cache_key:
            _store_cached(_cache_path(cache_dir, cache_key, clip.sha256), sample)
        out.samples.append(sample)
    if progress is not None:
        progress(len(clips), len(clips), "")
    if not out.samples:
        raise InvalidInput("None of the clips can be used for training.",
                           hint="Training needs transcribed clips in Chinese, English or Japanese.")
    return out
