"""emotion2vec+ (FunASR ``iic/emotion2vec_plus_base`` / ``_large``) inference, implemented for Timbrel.

* :mod:`.config` reads ``config.yaml`` + ``tokens.txt``; :mod:`.model` is the network; :mod:`.weights` maps and
  checks ``model.pt`` (restricted unpickling) and writes Timbrel's safetensors asset; :mod:`.resample` brings
  audio to 16 kHz like FunASR; :mod:`.inference` runs clips (:class:`Emotion2Vec`); :mod:`.locate` finds model
  folders (FunASR / ModelScope / Hugging Face caches) and manages the linked asset.

Nothing here imports FunASR or fairseq, and nothing is downloaded: the user links a folder they already have.
"""

from __future__ import annotations

from .config import E2VConfig, load_config
from .inference import DEFAULT_WINDOW_S, Emotion2Vec, EmotionPrediction

__all__ = ["E2VConfig", "load_config", "Emotion2Vec", "EmotionPrediction", "DEFAULT_WINDOW_S"]
