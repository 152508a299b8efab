"""Signal front ends used by GPT-SoVITS (no torchaudio, no librosa).

* :func:`reference_spectrogram` — the 32 kHz linear magnitude spectrogram the SoVITS reference encoder
  reads (n_fft 2048, hop 640, Hann window, reflect padding of 704 samples each side, no centring;
  1025 bins, ``sqrt(re² + im² + 1e-8)``), including upstream's loudness guard (divide by
  ``min(2, max|x|)`` when the peak exceeds 1).
* :func:`kaldi_fbank` — Kaldi-compatible 80-bin log-mel filterbank at 16 kHz (25 ms povey window,
  10 ms shift, snip edges, DC removal, pre-emphasis 0.97, 512-point power spectrum, mel 20 Hz–Nyquist,
  no dither) — the ERes2NetV2 input.
"""

from __future__ import annotations

import math
from functools import lru_cache

import torch
from torch.nn import functional as F

SPEC_N_FFT = 2048
SPEC_HOP = 640
SPEC_SR = 32000


def normalize_reference(wav: torch.Tensor) -> torch.Tensor:
    peak = wav.abs().max()
    if peak > 1:
        wav = wav / min(2.0, float(peak))
    return wav


def reference_spectrogram(wav32k: torch.Tensor, *, normalize: bool = True) -> torch.Tensor:
    """(N,) or (B, N) float waveform at 32 kHz → (B, 1025, frames) float32.

    Not ``engine.audio.features.stft_magnitude``: GPT-SoVITS pads by (n_fft - hop)/2 instead of centring and
    floors the magnitude with ``+1e-8`` inside the square root; both change the reference encoder's input."""
    y = wav32k.float()
    if y.dim() == 1:
        y = y[None]
    if normalize:
        y = normalize_reference(y)
    pad = (SPEC_N_FFT - SPEC_HOP) // 2
    y = F.pad(y.unsqueeze(1), (pad, pad), mode="reflect").squeeze(1)
    window = torch.hann_window(SPEC_N_FFT, device=y.device, dtype=y.dtype)
    spec = torch.stft(y, SPEC_N_FFT, hop_length=SPEC_HOP, win_length=SPEC_N_FFT, window=window, center=False,
                      normalized=False, onesided=True, return_complex=True)
    return torch.sqrt(spec.real.pow(2) + spec.imag.pow(2) + 1e-8)


@lru_cache(maxsize=8)
def _kaldi_mel_banks(n_mels: int, n_fft: int, sr: float, low: float, high: float) -> torch.Tensor:
    """(n_mels, n_fft//2) triangular filters on Kaldi's mel scale (1127·ln(1+f/700))."""
    nyquist = sr / 2
    if high <= 0:
        high += nyquist

    def mel(f):
        return 1127.0 * math.log(1.0 + f / 700.0)

    lo_m, hi_m = mel(low), mel(high)
    delta = (hi_m - lo_m) / (n_mels + 1)
    b = torch.arange(n_mels).unsqueeze(1)
    left, center, right = lo_m + b * delta, lo_m + (b + 1.0) * delta, lo_m + (b + 2.0) * delta
    freqs = (sr / n_fft) * torch.arange(n_fft // 2)
    m = (1127.0 * (1.0 + freqs / 700.0).log()).unsqueeze(0)
    up = (m - left) / (center - left)
    down = (right - m) / (right - center)
    return torch.clamp(torch.min(up, down), min=0.0)


def kaldi_fbank(wav: torch.Tensor, *, sample_rate: int = 16000, n_mels: int = 80, frame_ms: float = 25.0,
                shift_ms: float = 10.0, preemphasis: float = 0.97, low_freq: float = 20.0,
                high_freq: float = 0.0) -> torch.Tensor:
    """Mono waveform (N,) (or (1, N)) → (frames, n_mels) log-mel energies, Kaldi ``compute-fbank-feats`` style."""
    x = wav.reshape(-1)
    dtype = x.dtype
    size = int(sample_rate * frame_ms * 0.001)
    shift = int(sample_rate * shift_ms * 0.001)
    if x.numel() < size:
        raise ValueError(f"audio too short for one {frame_ms} ms frame")
    n_fft = 1 << (size - 1).bit_length()
    frames = x.unfold(0, size, shift)  # (m, size), snip_edges
    frames = frames - frames.mean(dim=1, keepdim=True)
    prev = torch.cat([frames[:, :1], frames[:, :-1]], dim=1)
    frames = frames - preemphasis * prev
    window = torch.hann_window(size, periodic=False, device=x.device, dtype=dtype).pow(0.85)
    frames = F.pad(frames * window, (0, n_fft - size))
    power = torch.fft.rfft(frames).abs().pow(2.0)
    banks = _kaldi_mel_banks(n_mels, n_fft, float(sample_rate), low_freq, high_freq).to(device=x.device, dtype=dtype)
    banks = F.pad(banks, (0, 1))
    mel = power @ banks.T
    eps = torch.tensor(torch.finfo(torch.float).eps, device=x.device, dtype=dtype)
    return torch.max(mel, eps).log()


# ------------------------------------------------------------------------------------------ resampling
SINC_WIDTH = 6
SINC_ROLLOFF = 0.99


@lru_cache(maxsize=16)
def _sinc_kernel(orig: int, new: int, lowpass_filter_width: int, rolloff: float) -> tuple[torch.Tensor, int]:
    """Band-limited interpolation filters, one per output phase: (new, 1, taps) float32, and the padding."""
    base = min(orig, new) * rolloff
    width = math.ceil(lowpass_filter_width * orig / base)
    idx = torch.arange(-width, width + orig, dtype=torch.float64)[None, None] / orig
    # output phase j sits at time j / new (in input samples: j * orig / new); the filter is evaluated there
    phase = torch.arange(0, -new, -1, dtype=torch.float32)[:, None, None] / new
    t = (phase + idx) * base
    t = t.clamp(-lowpass_filter_width, lowpass_filter_width)
    window = torch.cos(t * math.pi / lowpass_filter_width / 2) ** 2  # Hann window over the filter's support
    t = t * math.pi
    sinc = torch.where(t == 0, torch.ones_like(t), torch.sin(t) / t)
    kernels = sinc * window * (base / orig)
    return kernels.to(torch.float32), width


def resample_sinc(wav: torch.Tensor, orig_rate: int, new_rate: int, *, lowpass_filter_width: int = SINC_WIDTH,
                  rolloff: float = SINC_ROLLOFF) -> torch.Tensor:
    """Windowed-sinc resampling (Hann window, ``lowpass_filter_width`` zero crossings, cut-off at ``rolloff`` of
    the lower Nyquist): the method of ``torchaudio.transforms.Resample`` with its defaults, which GPT-SoVITS
    uses for the 32 kHz spectrogram input (from other rates) and for the 32 → 16 kHz speaker-verification input.
    (..., N) → (..., ceil(N · new / orig)); same dtype and device. Written here because torchaudio is not a
    dependency (its builds trail torch's)."""
    if orig_rate == new_rate:
        return wav
    g = math.gcd(int(orig_rate), int(new_rate))
    orig, new = int(orig_rate) // g, int(new_rate) // g
    kernel, width = _sinc_kernel(orig, new, int(lowpass_filter_width), float(rolloff))
    shape = wav.shape
    x = wav.reshape(-1, shape[-1])
    length = x.shape[-1]
    x = F.pad(x, (width, width + orig))
    out = F.conv1d(x[:, None], kernel.to(device=x.device, dtype=x.dtype), stride=orig)
    out = out.transpose(1, 2).reshape(x.shape[0], -1)
    target = math.ceil(new * length / orig)
    return out[..., :target].reshape(*shape[:-1], -1)
