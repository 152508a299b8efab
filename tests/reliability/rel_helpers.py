"""Helpers for the reliability tests: speech-like audio, running the CLI (in-process or as a real process),
a small file system that can be filled up."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

REPO = Path(__file__).resolve().parents[2]


def speech(seconds: float = 4.0, sr: int = 22050, seed: int = 0) -> np.ndarray:
    """Voiced 'syllables' (harmonic tones under an envelope) with short gaps: passes the importer's checks."""
    rng = np.random.default_rng(seed)
    out, t_total = [np.zeros(int(0.3 * sr), np.float32)], 0.0
    while t_total < seconds:
        n = int(rng.uniform(0.15, 0.28) * sr)
        t = np.arange(n) / sr
        f0 = rng.uniform(110, 190)
        tone = sum(np.sin(2 * np.pi * f0 * k * t + rng.uniform(0, 6)) / k for k in range(1, 8))
        out.append((0.15 * tone * np.sin(np.pi * np.arange(n) / n) ** 0.6).astype(np.float32))
        gap = int(rng.uniform(0.03, 0.07) * sr)
        out.append(np.zeros(gap, np.float32))
        t_total += n / sr + gap / sr
    out.append(np.zeros(int(0.3 * sr), np.float32))
    x = np.concatenate(out)
    return x + (rng.standard_normal(x.size) * 1e-4).astype(np.float32)


def write_wav(path: Path, seconds: float = 4.0, seed: int = 0, sr: int = 22050) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), speech(seconds, sr, seed), sr, subtype="PCM_16")
    return path


def voices_folder(root: Path, names: list[str], clips: int = 2) -> Path:
    """``root/<name>/<i>.wav`` for each voice name (distinct audio everywhere)."""
    for vi, name in enumerate(names):
        for i in range(clips):
            write_wav(root / name / f"{i}.wav", seed=1000 * vi + i + 1)
    return root


def cli(args: list[str], capsys) -> tuple[int, str, str]:
    """Run ``timbrel ARGS`` in this process (an escaping exception fails the test: that would be a traceback)."""
    from engine.cli import main

    capsys.readouterr()
    rc = main(args)
    out, err = capsys.readouterr()
    return rc, out, err


def env_for(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env["TIMBREL_TORCH_THREADS"] = "1"
    env.update(extra)
    return env


def proc(args: list[str], *, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    """``python -m engine ARGS`` as a real process (for races, hangs and tracebacks)."""
    return subprocess.run([sys.executable, "-m", "engine", *args], capture_output=True, text=True,
                          env=env or env_for(), timeout=timeout, cwd=str(REPO))


def spawn(args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "engine", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env or env_for(), cwd=str(REPO))


def no_traceback(text: str) -> bool:
    return "Traceback (most recent call last)" not in text


def doctor_clean(library: Path) -> dict:
    """Run ``timbrel doctor --json`` as a real process; returns its report."""
    res = proc(["--library", str(library), "doctor", "--json"])
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)
