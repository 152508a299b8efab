"""The shared pretrained models GPT-SoVITS needs besides a base: HuBERT (semantic features), the Chinese
RoBERTa (BERT features) and the ERes2NetV2 speaker-verification net (Pro variants).

All are loaded from local folders/files only (``local_files_only=True``; nothing is downloaded) and
are meant to stay resident once, shared by every base.

* :func:`load_hubert` / :func:`hubert_features` — ``chinese-hubert-base``: raw 16 kHz waveform straight into
  ``HubertModel`` (no feature-extractor normalisation, as upstream inference does) → ``last_hidden_state``
  as (1, 768, T) at 50 Hz. :func:`prompt_ssl` appends the silence upstream adds before ``extract_latent``.
* :func:`load_bert` / :func:`bert_hidden` — ``chinese-roberta-wwm-ext-large`` masked-LM, hidden state ``[-3]``
  per token without [CLS]/[SEP] (1024-d); the text frontend repeats rows per phone (``word2ph``).
* :func:`load_sv` — ERes2NetV2 from ``pretrained_eres2netv2w24s4ep4.ckpt`` (safe unpickling).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import torch

from ...errors import MissingAsset
from ...loadguard import loading

# Upstream pads the 16 kHz prompt audio with ``int(32000 * 0.3)`` zeros (its config's sampling rate, not 16 kHz).
PROMPT_PAD_SAMPLES = 9600


def _folder(path: str | os.PathLike, what: str) -> Path:
    p = Path(path)
    if not (p / "config.json").is_file():
        raise MissingAsset(f"The {what} model folder {p} is missing or incomplete (no config.json).",
                           hint="Link the GPT-SoVITS pretrained models with 'timbrel assets link PATH'.")
    return p


# transformers builds a model's skeleton with process-wide patches (empty "meta" weights, then filled): two models
# loading at once on different threads (batch rows, a cue beside the Speak tab) can leave one on the meta device
# ("Cannot copy out of meta tensor"). Every from_pretrained of a model goes through this lock.
TRANSFORMERS_LOAD_LOCK = threading.RLock()


def load_hubert(path: str | os.PathLike, device="cpu", dtype: torch.dtype = torch.float32):
    from transformers import HubertModel

    folder = _folder(path, "chinese-hubert-base")
    with TRANSFORMERS_LOAD_LOCK, loading("The HuBERT model (chinese-hubert-base)", folder):
        model = HubertModel.from_pretrained(str(folder), local_files_only=True)
    return model.to(device=device, dtype=dtype).eval()


@torch.no_grad()
def hubert_features(model, wav16k: torch.Tensor) -> torch.Tensor:
    """(N,) or (1, N) 16 kHz float waveform → (1, 768, T) HuBERT features."""
    x = wav16k.reshape(1, -1).to(device=model.device, dtype=model.dtype)
    return model(x)["last_hidden_state"].transpose(1, 2)


def prompt_ssl(model, wav16k: torch.Tensor) -> torch.Tensor:
    """HuBERT features of a prompt clip with upstream's trailing silence (feed to ``SoVITS.extract_latent``)."""
    wav = wav16k.reshape(-1).float()
    wav = torch.cat([wav, torch.zeros(PROMPT_PAD_SAMPLES, dtype=wav.dtype, device=wav.device)])
    return hubert_features(model, wav)


def load_bert(path: str | os.PathLike, device="cpu", dtype: torch.dtype = torch.float32):
    """(tokenizer, model) for chinese-roberta-wwm-ext-large."""
    from transformers import AutoModelForMaskedLM, AutoTokenizer

    folder = str(_folder(path, "chinese-roberta-wwm-ext-large"))
    with TRANSFORMERS_LOAD_LOCK, loading("The BERT model (chinese-roberta-wwm-ext-large)", folder):
        tok = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        model = AutoModelForMaskedLM.from_pretrained(folder, local_files_only=True)
    return tok, model.to(device=device, dtype=dtype).eval()


@torch.no_grad()
def bert_hidden(tokenizer, model, text: str) -> torch.Tensor:
    """(len(tokens) - 2, 1024) float32: hidden state [-3] per token, [CLS]/[SEP] removed."""
    inputs = tokenizer(text, return_tensors="pt").to(model.device)
    out = model(**inputs, output_hidden_states=True)
    return out["hidden_states"][-3][0, 1:-1].float().cpu()


def load_sv(path: str | os.PathLike, device="cpu", dtype: torch.dtype = torch.float32):
    from .checkpoint import read_sv_file
    from .eres2net import build_eres2net

    p = Path(path)
    if not p.is_file():
        raise MissingAsset(f"The speaker-verification model {p} is missing.",
                           hint="v2Pro/v2ProPlus bases need sv/pretrained_eres2netv2w24s4ep4.ckpt from the GPT-SoVITS assets.")
    return build_eres2net(read_sv_file(p), device=device, dtype=dtype)
