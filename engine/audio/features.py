"""Spectral features in torch (no torchaudio; see README "Why no torchaudio").

``mel_filterbank`` reproduces ``torchaudio.functional.melscale_fbanks`` (HTK or
Slaney scale, optional Slaney area normalisation); ``stft_magnitude`` and
``mel_spectrogram`` reproduce ``torchaudio.transforms.Spectrogram`` /
``MelSpectrogram`` for the same parameters.
"""

from __future__ import annotations

import math

import torch


def hz_to_mel(f: torch.Tensor | float, htk: bool = True) -> torch.Tensor:
    f = torch.as_tensor(f, dtype=torch.float64)
    if htk:
        return 2595.0 * torch.log10(1.0 + f / 700.0)
    f_sp = 200.0 / 3
    min_log_hz, logstep = 1000.0, math.log(6.4) / 27.0
    min_log_mel = min_log_hz / f_sp
    return torch.where(f >= min_log_hz, min_log_mel + torch.log(f.clamp(min=1e-10) / min_log_hz) / logstep, f / f_sp)


def mel_to_hz(m: torch.Tensor, htk: bool = True) -> torch.Tensor:
    if htk:
        return 700.0 * (10.0 ** (m / 2595.0) - 1.0)
    f_sp = 200.0 / 3
    min_log_hz, logstep = 1000.0, math.log(6.4) / 27.0
    min_log_mel = min_log_hz / f_sp
    return torch.where(m >= min_log_mel, min_log_hz * torch.exp(logstep * (m - min_log_mel)), f_sp * m)


def mel_filterbank(
    sample_rate: int, n_fft: int, n_mels: int, f_min: float = 0.0, f_max: float | None = None,
    htk: bool = True, slaney_norm: bool = False,
) -> torch.Tensor:
    """(n_fft//2+1, n_mels) triangular filters, float32."""
    f_max = sample_rate / 2 if f_max is None else f_max
    n_freqs = n_fft // 2 + 1
    all_freqs = torch.linspace(0, sample_rate // 2, n_freqs, dtype=torch.float64)
    m_pts = torch.linspace(float(hz_to_mel(f_min, htk)), float(hz_to_mel(f_max, htk)), n_mels + 2, dtype=torch.float64)
    f_pts = mel_to_hz(m_pts, htk)
    f_diff = f_pts[1:] - f_pts[:-1]
    slopes = f_pts.unsqueeze(0) - all_freqs.unsqueeze(1)
    down = -slopes[:, :-2] / f_diff[:-1]
    up = slopes[:, 2:] / f_diff[1:]
    fb = torch.clamp(torch.minimum(down, up), min=0.0)
    if slaney_norm:
        enorm = 2.0 / (f_pts[2 : n_mels + 2] - f_pts[:n_mels])
        fb = fb * enorm.unsqueeze(0)
    return fb.to(torch.float32)


def stft_magnitude(
    wav: torch.Tensor, n_fft: int, hop: int, win: int | None = None, power: float = 1.0,
    center: bool = True, pad_mode: str = "reflect",
) -> torch.Tensor:
    """|STFT|**power with a periodic Hann window; (..., n_fft//2+1, frames)."""
    win = win or n_fft
    window = torch.hann_window(win, dtype=wav.dtype, device=wav.device)
    spec = torch.stft(wav, n_fft, hop_length=hop, win_length=win, window=window, center=center,
                      pad_mode=pad_mode, return_complex=True)
    mag = spec.abs()
    return mag if power == 1.0 else mag.pow(power)


def mel_spectrogram(
    wav: torch.Tensor, sample_rate: int, n_fft: int, hop: int, n_mels: int, win: int | None = None,
    f_min: float = 0.0, f_max: float | None = None, power: float = 2.0, htk: bool = True, slaney_norm: bool = False,
) -> torch.Tensor:
    """Mel spectrogram (..., n_mels, frames) like torchaudio's MelSpectrogram (power 2 by default)."""
    spec = stft_magnitude(wav, n_fft, hop, win, power=power)
    fb = mel_filterbank(sample_rate, n_fft, n_mels, f_min, f_max, htk, slaney_norm).to(spec.device, spec.dtype)
    return torch.matmul(spec.transpose(-1, -2), fb).transpose(-1, -2)
