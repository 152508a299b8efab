"""Running emotion2vec+ on clips: loading (FunASR folder or Timbrel's safetensors asset), resampling,
long-clip windows, probabilities per Timbrel emotion, utterance and frame features."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...errors import AudioError, InvalidInput
from ...library.emotions import EMOTIONS, normalize_emotion
from .config import SAMPLE_RATE, E2VConfig

# Attention cost grows with the square of the frames (50 per second). FunASR runs any length in one pass; Timbrel
# cuts longer clips into windows of this many seconds (each normalised and encoded on its own, frames joined,
# probabilities from the mean over all frames). Clips up to this length match FunASR exactly.
DEFAULT_WINDOW_S = 30.0


@dataclass(frozen=True)
class EmotionPrediction:
    scores: np.ndarray              # softmax over the model's labels, in tokens.txt order
    labels: tuple[str, ...]         # tokens.txt strings ("开心/happy", ..., "<unk>")
    embedding: np.ndarray           # utterance feature: mean of the frame features (D,)
    frames: int                     # frames seen (50 per second)
    windows: int = 1

    @property
    def probabilities(self) -> dict[str, float]:
        """Timbrel emotion → probability (labels mapped through :func:`normalize_emotion`)."""
        out = {e: 0.0 for e in EMOTIONS}
        for label, p in zip(self.labels, self.scores):
            out[label_to_emotion(label)] += float(p)
        return out

    @property
    def top(self) -> tuple[str, float]:
        probs = self.probabilities
        best = max(EMOTIONS, key=lambda e: (probs[e], -EMOTIONS.index(e)))
        return best, probs[best]


def label_to_emotion(label: str) -> str:
    try:
        return normalize_emotion(label) or "unknown"
    except InvalidInput:
        return "unknown"


class Emotion2Vec:
    """An emotion2vec+ model ready to run (``predict``, ``frame_features``). Thread-safe (one call at a time)."""

    def __init__(self, model, model_id: str, device=None, *, resampler: str = "sinc",
                 window_s: float = DEFAULT_WINDOW_S) -> None:
        import torch

        self.model = model.eval()
        self.cfg: E2VConfig = model.cfg
        self.id = model_id
        self.device = device or torch.device("cpu")
        self.resampler = resampler
        self.window_s = float(window_s)
        self._lock = threading.Lock()
        unknown = [lb for lb in self.cfg.labels if label_to_emotion(lb) == "unknown" and lb.strip().lower() not in ("<unk>", "unk", "unknown")]
        if unknown:
            raise InvalidInput(f"tokens.txt has labels Timbrel does not know: {', '.join(unknown)}.",
                               hint="Use the tokens.txt that came with the model.")

    # -- loading -------------------------------------------------------------------------------------
    @classmethod
    def from_funasr_folder(cls, folder: str | Path, device=None, **kw) -> "Emotion2Vec":
        """Load straight from a FunASR folder (``model.pt`` unpickled with ``weights_only=True``)."""
        from .config import load_config
        from ...library.blobs import sha256_file
        from .weights import map_checkpoint, read_checkpoint, variant_name

        folder = Path(folder)
        cfg = load_config(folder)
        state = map_checkpoint(read_checkpoint(folder / "model.pt"), cfg, str(folder / "model.pt"))
        model_id = f"emotion2vec_{variant_name(cfg)}-{sha256_file(folder / 'model.pt')[:12]}"
        return cls(_build(cfg, state, device), model_id, device, **kw)

    @classmethod
    def from_asset(cls, asset: str | Path, device=None, **kw) -> "Emotion2Vec":
        """Load Timbrel's converted asset (safetensors, no pickle)."""
        from safetensors.torch import load_file

        from .weights import WEIGHTS_FILE, read_asset_meta

        asset = Path(asset)
        meta = read_asset_meta(asset)
        cfg = E2VConfig.from_dict(meta["config"])
        try:
            state = load_file(str(asset / WEIGHTS_FILE))
        except Exception as exc:  # safetensors raises its own error types
            raise InvalidInput(f"The converted emotion model {asset / WEIGHTS_FILE} cannot be read ({exc}).",
                               hint="Link the emotion2vec+ folder again: 'timbrel assets link FOLDER'.") from exc
        return cls(_build(cfg, state, device), meta["model_id"], device, **kw)

    # -- running -------------------------------------------------------------------------------------
    def prepare(self, samples: np.ndarray, sample_rate: int) -> np.ndarray:
        from .resample import to_16k

        x = np.asarray(samples, dtype=np.float32)
        if x.ndim == 2:
            x = x.mean(axis=1) if x.shape[1] <= 8 else x.mean(axis=0)
        if x.ndim != 1:
            raise AudioError("Emotion analysis needs mono or stereo audio.")
        x = to_16k(x, int(sample_rate), self.resampler)
        if self.cfg.frames(len(x)) < 1:
            raise AudioError(f"The clip is too short for emotion analysis ({len(x) / SAMPLE_RATE * 1000:.0f} ms; "
                             f"at least {self.cfg.receptive_field / SAMPLE_RATE * 1000:.0f} ms are needed).")
        if not np.all(np.isfinite(x)):
            raise AudioError("The clip contains invalid samples (NaN or infinity).")
        return x

    def windows(self, x16k: np.ndarray) -> list[np.ndarray]:
        """Consecutive windows of at most ``window_s`` seconds; a tail under 1 s joins the last window."""
        size = max(int(self.window_s * SAMPLE_RATE), self.cfg.receptive_field)
        if len(x16k) <= size:
            return [x16k]
        parts = [x16k[i:i + size] for i in range(0, len(x16k), size)]
        if len(parts) > 1 and len(parts[-1]) < max(self.cfg.receptive_field, SAMPLE_RATE):
            tail = parts.pop()
            parts[-1] = np.concatenate([parts[-1], tail])
        return parts

    def frames_16k(self, x16k: np.ndarray):
        """(T, D) torch frame features of a 16 kHz clip (windowed when long)."""
        import torch

        outs = []
        with self._lock, torch.inference_mode():
            for part in self.windows(x16k):
                wav = torch.from_numpy(np.ascontiguousarray(part))[None].to(self.device)
                outs.append(self.model.frames(wav)[0].float())
        return torch.cat(outs, dim=0), len(outs)

    def predict(self, samples: np.ndarray, sample_rate: int) -> EmotionPrediction:
        import torch

        frames, n = self.frames_16k(self.prepare(samples, sample_rate))
        with self._lock, torch.inference_mode():
            pooled = frames.mean(dim=0, keepdim=True)
            logits = self.model.head(pooled.to(self.model.head.weight.dtype))
            scores = logits.float().softmax(dim=-1)[0]
        return EmotionPrediction(scores.cpu().numpy().astype(np.float32), self.cfg.labels,
                                 frames.mean(dim=0).cpu().numpy().astype(np.float32), int(frames.shape[0]), n)

    def frame_features(self, samples: np.ndarray, sample_rate: int) -> np.ndarray:
        """(T, D) float32 frame features (50 per second)."""
        frames, _ = self.frames_16k(self.prepare(samples, sample_rate))
        return frames.cpu().numpy().astype(np.float32)


def _build(cfg: E2VConfig, state: dict, device=None):
    import torch

    from .model import Emotion2VecPlus

    with torch.device("meta"):
        model = Emotion2VecPlus(cfg)
    model.load_state_dict(state, strict=True, assign=True)
    return model.to(device or "cpu").eval()
