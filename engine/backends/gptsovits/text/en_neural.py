"""Learned English letter-to-sound for words no dictionary knows: the g2p_en network, run with numpy.

The ``g2p_en`` PyPI package ships a small GRU encoder–decoder (``checkpoint20.npz``, 3.3 MB) trained on the CMU
dictionary; upstream GPT-SoVITS uses it for out-of-vocabulary words. Importing ``g2p_en`` itself would try to
download NLTK data, so Timbrel never imports it: the weight file is located through the package's import spec
(which runs none of its code) and the network (one GRU layer each side, greedy decoding, at most 20 phones) is
evaluated here. Without the package, :func:`predict` returns ``None`` and the rule fallback is used.
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

import numpy as np

GRAPHEMES = ["<pad>", "<unk>", "</s>"] + list("abcdefghijklmnopqrstuvwxyz")
# the network's output vocabulary, in its index order
PHONEMES = ["<pad>", "<unk>", "<s>", "</s>"] + [
    "AA0", "AA1", "AA2", "AE0", "AE1", "AE2", "AH0", "AH1", "AH2", "AO0", "AO1", "AO2", "AW0", "AW1", "AW2",
    "AY0", "AY1", "AY2", "B", "CH", "D", "DH", "EH0", "EH1", "EH2", "ER0", "ER1", "ER2", "EY0", "EY1", "EY2",
    "F", "G", "HH", "IH0", "IH1", "IH2", "IY0", "IY1", "IY2", "JH", "K", "L", "M", "N", "NG", "OW0", "OW1",
    "OW2", "OY0", "OY1", "OY2", "P", "R", "S", "SH", "T", "TH", "UH0", "UH1", "UH2", "UW", "UW0", "UW1", "UW2",
    "V", "W", "Y", "Z", "ZH",
]
_G2I = {g: i for i, g in enumerate(GRAPHEMES)}
START, END, MAX_PHONES = 2, 3, 20

_lock = threading.Lock()
_weights: dict[str, np.ndarray] | None = None
_missing = False


def checkpoint_path() -> Path | None:
    spec = importlib.util.find_spec("g2p_en")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        p = Path(folder) / "checkpoint20.npz"
        if p.is_file():
            return p
    return None


def _load() -> dict[str, np.ndarray] | None:
    global _weights, _missing
    with _lock:
        if _weights is None and not _missing:
            path = checkpoint_path()
            if path is None:
                _missing = True
            else:
                with np.load(path, allow_pickle=False) as data:
                    _weights = {k: data[k].astype(np.float32) for k in data.files}
        return _weights


def available() -> bool:
    return _load() is not None


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _gru_cell(x, h, w_ih, w_hh, b_ih, b_hh):
    """PyTorch GRU cell convention: gates ordered (reset, update, new)."""
    gi = x @ w_ih.T + b_ih
    gh = h @ w_hh.T + b_hh
    n3 = gi.shape[-1] // 3
    r = _sigmoid(gi[:, :n3] + gh[:, :n3])
    z = _sigmoid(gi[:, n3:2 * n3] + gh[:, n3:2 * n3])
    n = np.tanh(gi[:, 2 * n3:] + r * gh[:, 2 * n3:])
    return (1.0 - z) * n + z * h


def predict(word: str) -> list[str] | None:
    """Phones for a lower-case a–z word, or None when the network is not installed."""
    w = _load()
    if w is None:
        return None
    ids = [_G2I.get(c, _G2I["<unk>"]) for c in word.lower()] + [_G2I["</s>"]]
    h = np.zeros((1, w["enc_w_hh"].shape[1]), np.float32)
    for i in ids:
        h = _gru_cell(w["enc_emb"][[i]], h, w["enc_w_ih"], w["enc_w_hh"], w["enc_b_ih"], w["enc_b_hh"])
    out: list[str] = []
    tok = START
    for _ in range(MAX_PHONES):
        h = _gru_cell(w["dec_emb"][[tok]], h, w["dec_w_ih"], w["dec_w_hh"], w["dec_b_ih"], w["dec_b_hh"])
        tok = int(np.argmax(h @ w["fc_w"].T + w["fc_b"]))
        if tok == END:
            break
        out.append(PHONEMES[tok])
    return out
