"""The tone synthesizer: text + base weights + voice parameters → audio, one sentence at a time."""

from __future__ import annotations

import math

import numpy as np
import torch

HOP_S = 0.01
_PAUSE = set(" \t,;:、，；：-–—")
_STOP = set(".!?。！？")


def synth_sentence(w: dict[str, torch.Tensor], sentence: str, *, f0: float, tilt: float, speed: float,
                   seed: int, sample_rate: int) -> np.ndarray:
    """One sentence. ``w`` are the base tensors (views into the resident slot)."""
    dev = w["char_embed"].device
    g = torch.Generator(device="cpu").manual_seed(seed & 0x7FFFFFFF)
    n_chars = w["char_embed"].shape[0]
    idx = torch.tensor([ord(c) % n_chars for c in sentence], device=dev)
    e = w["char_embed"].index_select(0, idx).float()                                   # (n, d)
    pause = torch.tensor([c in _PAUSE for c in sentence], device=dev)
    stop = torch.tensor([c in _STOP for c in sentence], device=dev)
    dur = 0.045 + 0.09 * torch.sigmoid(e @ w["dur_w"].float() + w["dur_b"].float())    # seconds per char
    dur = torch.where(pause, torch.full_like(dur, 0.07), dur)
    dur = torch.where(stop, torch.full_like(dur, 0.15), dur) / max(speed, 0.1)
    amp = 0.25 + 0.75 * torch.sigmoid(e @ w["amp_w"].float())
    amp = torch.where(pause | stop, torch.zeros_like(amp), amp)
    semis = 2.0 * torch.tanh(e @ w["pitch_w"].float())
    form_p = torch.softmax(e @ w["formant_w"].float(), dim=-1)                         # (n, F)
    freqs = form_p @ w["formant_freq"].float()                                          # (n, 3)
    bws = form_p @ w["formant_bw"].float()
    breath = 0.02 * torch.sigmoid(e @ w["noise_w"].float())

    frames = torch.clamp(torch.round(dur / HOP_S), min=1).long()
    rep = lambda t: torch.repeat_interleave(t, frames, dim=0)  # noqa: E731
    n_frames = int(frames.sum())
    decl = torch.linspace(1.0, 0.9, n_frames, device=dev)                              # declination
    jitter_phase = float(torch.rand(1, generator=g)) * 2 * math.pi
    vib = 1.0 + 0.01 * torch.sin(2 * math.pi * 5.0 * torch.arange(n_frames, device=dev) * HOP_S + jitter_phase)
    f0_fr = f0 * torch.pow(2.0, rep(semis) / 12.0) * decl * vib
    amp_fr = _smooth(rep(amp), 5)
    f_fr, bw_fr = _smooth(rep(freqs), 5), rep(bws)
    breath_fr = rep(breath)

    hop = int(round(HOP_S * sample_rate))
    n = n_frames * hop
    t_frame = (torch.arange(n, device=dev, dtype=torch.float32) + 0.5) / hop - 0.5
    f0_s = _interp(f0_fr, t_frame)
    phase = 2 * math.pi * torch.cumsum(f0_s / sample_rate, dim=0)
    K = w["harmonic_env"].shape[0]
    k = torch.arange(1, K + 1, device=dev, dtype=torch.float32)
    env = torch.exp(w["harmonic_env"].float()) * torch.pow(torch.tensor(tilt, device=dev), (k - 1) / K)
    hk = k[None, :] * f0_fr[:, None]                                                    # (frames, K)
    res = (1.0 / (1.0 + ((hk[:, :, None] - f_fr[:, None, :]) / bw_fr[:, None, :]) ** 2)).sum(-1)
    gains = env[None, :] * (0.15 + res) * (hk < 0.45 * sample_rate)                    # (frames, K)
    gains = gains * amp_fr[:, None]
    g_s = _upsample(gains, hop)                                                        # (K, n)
    # sin(k·φ) for k = 1..K by the Chebyshev recurrence s_{k+1} = 2·cos φ·s_k − s_{k−1} (one sin, one cos)
    c2 = 2.0 * torch.cos(phase)
    s_prev, s_k = torch.zeros_like(phase), torch.sin(phase)
    voiced = torch.zeros_like(phase)
    for j in range(K):
        voiced += g_s[j] * s_k
        s_prev, s_k = s_k, c2 * s_k - s_prev
    noise = torch.randn(n, generator=g).to(dev) * _interp(breath_fr * amp_fr, t_frame)
    y = voiced + noise
    peak = float(y.abs().max())
    if peak > 0:
        y = y * (0.5 / peak)
    return y.detach().cpu().numpy().astype(np.float32)


def _interp(frames: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Linear interpolation of a per-frame track at fractional frame positions ``t``."""
    t = t.clamp(0, frames.shape[0] - 1)
    i0 = t.floor().long()
    i1 = (i0 + 1).clamp(max=frames.shape[0] - 1)
    a = t - i0
    if frames.dim() == 2:
        a = a[:, None]
    return frames[i0] * (1 - a) + frames[i1] * a


def _upsample(frames: torch.Tensor, hop: int) -> torch.Tensor:
    """(frames, K) per-frame values → (K, frames·hop) per-sample values, linearly interpolated."""
    x = frames.T[None]                                                                  # (1, K, frames)
    return torch.nn.functional.interpolate(x, scale_factor=hop, mode="linear", align_corners=False)[0]


def _smooth(x: torch.Tensor, width: int) -> torch.Tensor:
    if x.shape[0] < 2 or width < 2:
        return x
    x2 = x if x.dim() == 2 else x[:, None]
    kernel = torch.ones(1, 1, width, device=x.device) / width
    padded = torch.nn.functional.pad(x2.T[:, None, :], (width // 2, width - 1 - width // 2), mode="replicate")
    out = torch.nn.functional.conv1d(padded, kernel)[:, 0, :].T
    return out if x.dim() == 2 else out[:, 0]
