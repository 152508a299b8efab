"""The timbre encoder interface: clip audio in, one L2-normalised vector out.

An encoder has an ``id`` (stable name, e.g. ``ge2e``) and a ``version`` that changes whenever its
output could change (weights file hash, preprocessing revision). Cached embeddings are keyed by
``(clip_sha256, encoder id)`` and carry the version, so a new version recomputes them.
"""

from __future__ import annotations

import abc

import numpy as np


class TimbreEncoder(abc.ABC):
    id: str = ""
    version: str = ""
    dim: int = 0
    sample_rate: int = 16000
    description: str = ""
    # Cosine similarities between voice means (encoder-specific scales):
    family_similarity: float = 0.85     # a new voice joins a cluster whose centroid is at least this close
    duplicate_similarity: float = 0.92  # two voices this close are reported as near-duplicates
    outlier_similarity: float = 0.75    # a member this far from its cluster's centroid is flagged

    @abc.abstractmethod
    def embed(self, samples: np.ndarray, sample_rate: int) -> np.ndarray:
        """One clip (mono float audio at ``sample_rate``) → a float32 vector of length ``dim``, L2-normalised."""

    def embed_many(self, clips: list[tuple[np.ndarray, int]]) -> np.ndarray:
        """Several clips → (n, dim). Encoders may override this to batch."""
        if not clips:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self.embed_prepared([self.prepare(s, sr) for s, sr in clips])

    # Batched analysis splits the work in two: ``prepare`` (per clip, thread-safe, runs on worker threads:
    # resampling, trimming, features) and ``embed_prepared`` (one call for a batch of prepared clips: the
    # network's forward pass). The defaults keep ``embed`` as the only thing an encoder must write.
    def prepare(self, samples: np.ndarray, sample_rate: int):
        """Per-clip work that can run on a worker thread; raises ``AudioError`` for an unusable clip."""
        return (samples, sample_rate)

    def embed_prepared(self, items: list) -> np.ndarray:
        """(n, dim) vectors for ``prepare``'s results (one batch)."""
        if not items:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self.embed(s, sr) for s, sr in items]).astype(np.float32)

    def info(self) -> dict:
        return {"id": self.id, "version": self.version, "dim": self.dim, "sample_rate": self.sample_rate,
                "description": self.description, "family_similarity": self.family_similarity,
                "duplicate_similarity": self.duplicate_similarity, "outlier_similarity": self.outlier_similarity}


def l2_normalize(v: np.ndarray, axis: int = -1) -> np.ndarray:
    v = np.asarray(v, dtype=np.float32)
    n = np.linalg.norm(v, axis=axis, keepdims=True)
    return v / np.maximum(n, 1e-12)
