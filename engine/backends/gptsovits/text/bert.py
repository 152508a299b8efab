"""Chinese BERT features for the GPT (``chinese-roberta-wwm-ext-large``, local folder only).

As upstream: the normalised Chinese text is tokenised one token per character, the model's
``hidden_states[-3]`` (1024-d for the real model) is taken without [CLS]/[SEP], and each character's vector is
repeated ``word2ph[i]`` times, giving ``(hidden, n_phones)``. Other languages get zeros of the same width.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from engine.errors import MissingAsset

BERT_DIM = 1024
log = logging.getLogger(__name__)


class BertFeaturizer:
    """Loads the BERT folder once (``local_files_only``: never downloads) and computes per-phone features."""

    def __init__(self, folder: str | Path, device: str = "cpu") -> None:
        self.folder = Path(folder)
        if not (self.folder / "config.json").is_file():
            raise MissingAsset(
                f"No BERT model at {self.folder}.",
                hint="Link a GPT-SoVITS pretrained_models folder with 'timbrel assets link PATH' "
                "(it has chinese-roberta-wwm-ext-large/).",
            )
        self.device = device
        self._lock = threading.RLock()   # _load runs under it too: batch rows may ask for the model at once
        self._model = None
        self._tokenizer = None

    def _load(self):
        with self._lock:
            return self._load_locked()

    def _load_locked(self):
        if self._model is None:
            from transformers import AutoModelForMaskedLM, AutoTokenizer

            from engine.torchutil import configure_torch

            from ..pretrained import TRANSFORMERS_LOAD_LOCK

            configure_torch()
            with TRANSFORMERS_LOAD_LOCK:      # no other model may be half-built on another thread meanwhile
                self._tokenizer = AutoTokenizer.from_pretrained(str(self.folder), local_files_only=True)
                model = AutoModelForMaskedLM.from_pretrained(str(self.folder), local_files_only=True).float()
            self._model = model.eval().to(self.device)
        return self._model, self._tokenizer

    @property
    def dim(self) -> int:
        model, _ = self._load()
        return int(model.config.hidden_size)

    def features(self, text: str, word2ph: list[int]):
        """``(hidden, sum(word2ph))`` float32 tensor on the CPU."""
        import torch

        if len(word2ph) != len(text):
            raise ValueError(f"word2ph has {len(word2ph)} entries for {len(text)} characters")
        with self._lock:
            model, tok = self._load()
            with torch.inference_mode():
                inputs = tok(text, return_tensors="pt").to(self.device)
                out = model(**inputs, output_hidden_states=True)
                hidden = out.hidden_states[-3][0, 1:-1].float().cpu()
        if hidden.shape[0] != len(text):
            # upstream asserts here; we keep speaking (zeros, as for other languages) and say why in the log
            log.warning("BERT made %d tokens for %d characters of %r (is this chinese-roberta-wwm-ext-large?); "
                        "using zero features", hidden.shape[0], len(text), text[:40])
            return zeros(sum(word2ph), hidden.shape[1])
        reps = torch.tensor(word2ph, dtype=torch.long)
        return torch.repeat_interleave(hidden, reps, dim=0).T.contiguous()


def zeros(n_phones: int, dim: int = BERT_DIM):
    import torch

    return torch.zeros(dim, n_phones, dtype=torch.float32)
