"""Helpers for the library tests: synthetic speech, library fingerprints, the corpus list."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import soundfile as sf


def synth_speech(
    seconds: float, sr: int = 22050, *, seed: int = 0, pauses: tuple[float, ...] = (), pause_s: float = 0.5,
    lead: float = 0.3, tail: float = 0.3, level: float = 0.3,
) -> np.ndarray:
    """Speech-like audio: voiced 'syllables' (harmonic tones with an envelope) separated by short gaps
    (< 150 ms, joined by the VAD); ``pauses`` are times (s, within the speech) where a ``pause_s`` silence goes."""
    rng = np.random.default_rng(seed)
    out = [np.zeros(int(lead * sr), np.float32)]
    t_speech = 0.0
    marks = sorted(pauses)
    while t_speech < seconds:
        if marks and t_speech >= marks[0]:
            marks.pop(0)
            out.append(np.zeros(int(pause_s * sr), np.float32))
        dur = rng.uniform(0.15, 0.28)
        n = int(dur * sr)
        t = np.arange(n) / sr
        f0 = rng.uniform(110, 190)
        tone = sum(np.sin(2 * np.pi * f0 * k * t + rng.uniform(0, 6)) / k for k in range(1, 8))
        env = np.sin(np.pi * np.arange(n) / n) ** 0.6
        out.append((level * 0.5 * tone * env).astype(np.float32))
        gap = int(rng.uniform(0.03, 0.07) * sr)
        out.append(np.zeros(gap, np.float32))
        t_speech += dur + gap / sr
    out.append(np.zeros(int(tail * sr), np.float32))
    x = np.concatenate(out)
    x += (rng.standard_normal(x.size) * 1e-4).astype(np.float32)  # a faint noise floor
    return x


def write(path: Path, samples: np.ndarray, sr: int, subtype: str = "PCM_16") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), samples, sr, subtype=subtype)
    return path


def fingerprint(lib) -> tuple:
    """Everything that makes up a library's state (catalog rows, blob files, journals, temp files)."""
    cat = lib.catalog
    rows = tuple(
        tuple(tuple(r) for r in cat.query(f"SELECT * FROM {t} ORDER BY 1, 2"))
        for t in ("voices", "clips", "blobs", "voice_tags", "voice_versions")
    )
    blobs = tuple(sorted(lib.blobs.iter_shas()))
    journal = lib.root / "journal"
    journals = tuple(sorted(p.name for p in journal.iterdir())) if journal.is_dir() else ()
    temps = tuple(p.name for p in lib.blobs.stray_temp_files())
    return rows, blobs, journals, temps


def corpus_speakers(corpus: Path) -> dict[str, list[tuple[str, str, str]]]:
    """speaker → [(file, lang, text)] from dataset.list."""
    out: dict[str, list[tuple[str, str, str]]] = {}
    for line in (corpus / "dataset.list").read_text("utf-8").splitlines():
        if line.strip():
            f, spk, lang, text = line.split("|", 3)
            out.setdefault(spk, []).append((f, lang, text))
    return out


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
