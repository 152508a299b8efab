"""Fixtures for the analysis tests: the shared corpus, its embeddings computed once per session, and
libraries filled with corpus voices whose embedding cache is pre-seeded (so each test does no model work
unless it means to)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf


@pytest.fixture(scope="session")
def truth(corpus) -> dict:
    return json.loads((corpus / "truth.json").read_text("utf-8"))


@pytest.fixture(scope="session")
def ge2e():
    from engine.analysis.encoders import get_encoder

    return get_encoder("ge2e", device="cpu")


@pytest.fixture(scope="session")
def corpus_cache(corpus, truth, ge2e) -> dict:
    """sha256 of every corpus clip → (embedding, prosody vector), computed once."""
    from engine.analysis import prosody
    from engine.audio.io import read_audio
    from engine.library.blobs import sha256_file

    out = {}
    for info in truth["speakers"].values():
        for c in info["clips"]:
            path = corpus / c["file"]
            samples, sr = read_audio(path)
            out[sha256_file(path)] = (ge2e.embed(samples, sr), prosody.extract(samples, sr))
    return out


class CorpusLibrary:
    """Puts corpus clips into a library the way the importer would (blob + clip row)."""

    def __init__(self, engine, corpus: Path, truth: dict, cache: dict, encoder) -> None:
        self.engine, self.corpus, self.truth, self.cache, self.encoder = engine, corpus, truth, cache, encoder

    def seed(self) -> None:
        from engine.analysis import prosody
        from engine.analysis.store import AnalysisStore

        store = AnalysisStore(self.engine.library.catalog)
        for sha, (emb, pros) in self.cache.items():
            store.put_embedding(sha, self.encoder.id, self.encoder.version, emb)
            store.put_prosody(sha, prosody.VERSION, list(prosody.FEATURE_NAMES), pros)

    def add(self, speaker: str, *, name: str | None = None, styles: tuple[str, ...] | None = None,
            emotions: dict[str, str] | None = None, source: str = "import") -> str:
        """Add ``speaker``'s clips (optionally only some styles) as voice ``name``; ``emotions`` maps style →
        label given with ``source``."""
        lib = self.engine.library
        info = self.truth["speakers"][speaker]
        name = name or speaker
        with lib.edit_new(name, language=info["lang"]) as ed:
            for c in info["clips"]:
                if styles is not None and c["style"] not in styles:
                    continue
                path = self.corpus / c["file"]
                sha = lib.blobs.put_file(path)
                meta = sf.info(str(path))
                emo = (emotions or {}).get(c["style"])
                ed.add_clip(sha, duration=meta.duration, sample_rate=meta.samplerate, transcript=c["text"],
                            language=c["lang"], emotion=emo, emotion_source=source if emo else None,
                            source_path=c["file"])
        return name

    def family(self, voice: str) -> str:
        return self.truth["speakers"][voice]["family"]


@pytest.fixture
def corpus_engine(tmp_path, corpus, truth, corpus_cache, ge2e):
    from engine.api import Engine

    eng = Engine(library=tmp_path / "lib", device="cpu")
    helper = CorpusLibrary(eng, corpus, truth, corpus_cache, ge2e)
    helper.seed()
    eng.analysis._encoders["ge2e"] = ge2e   # share the session's loaded encoder
    yield eng, helper
    eng.close()


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))
