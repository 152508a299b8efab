"""SoVITS reference (style) encoder ``ref_enc``: a reference's linear spectrogram → its global timbre vector."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


# ----------------------------------------------------------------------------------------------------------
# Reference (style) encoder
# ----------------------------------------------------------------------------------------------------------
class _Linear(nn.Module):
    """Linear wrapped one level deep (key ``<name>.fc.weight``)."""

    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.fc = nn.Linear(cin, cout)

    def forward(self, x):
        return self.fc(x)


class _Mish(nn.Module):
    def forward(self, x):
        return x * torch.tanh(F.softplus(x))


class _GLUConv(nn.Module):
    def __init__(self, channels: int, kernel_size: int):
        super().__init__()
        self.channels = channels
        self.conv1 = nn.Module()
        self.conv1.conv = nn.Conv1d(channels, 2 * channels, kernel_size, padding=(kernel_size - 1) // 2)

    def forward(self, x):
        a, b = torch.split(self.conv1.conv(x), self.channels, dim=1)
        return x + a * torch.sigmoid(b)


class _StyleAttention(nn.Module):
    """Self-attention of the style encoder (temperature √d_model, -inf masking)."""

    def __init__(self, n_head: int, d_model: int):
        super().__init__()
        self.n_head = n_head
        self.d_k = d_model // n_head
        self.temperature = d_model ** 0.5
        self.w_qs = nn.Linear(d_model, d_model)
        self.w_ks = nn.Linear(d_model, d_model)
        self.w_vs = nn.Linear(d_model, d_model)
        self.fc = nn.Linear(d_model, d_model)

    def forward(self, x, pad_mask=None):
        b, t, _ = x.shape
        h, d = self.n_head, self.d_k
        q = self.w_qs(x).view(b, t, h, d).transpose(1, 2)
        k = self.w_ks(x).view(b, t, h, d).transpose(1, 2)
        v = self.w_vs(x).view(b, t, h, d).transpose(1, 2)
        s = (q @ k.transpose(-2, -1)) / self.temperature
        if pad_mask is not None:
            s = s.masked_fill(pad_mask[:, None, None, :], float("-inf"))
        p = torch.softmax(s.float(), dim=-1).to(x.dtype)
        out = (p @ v).transpose(1, 2).reshape(b, t, h * d)
        return self.fc(out) + x


class StyleEncoder(nn.Module):
    """``ref_enc`` (MelStyleEncoder): linear spectrogram (first 704 bins) → one global vector per reference."""

    def __init__(self, in_dim: int, out_dim: int, hidden: int = 128, kernel_size: int = 5, n_head: int = 2):
        super().__init__()
        self.spectral = nn.Sequential(
            _Linear(in_dim, hidden), _Mish(), nn.Identity(), _Linear(hidden, hidden), _Mish(), nn.Identity()
        )
        self.temporal = nn.Sequential(_GLUConv(hidden, kernel_size), _GLUConv(hidden, kernel_size))
        self.slf_attn = _StyleAttention(n_head, hidden)
        self.fc = _Linear(hidden, out_dim)

    def forward(self, spec: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        x = spec.transpose(1, 2)
        pad = None if mask is None else (mask.int() == 0).squeeze(1)
        x = self.spectral(x)
        x = self.temporal(x.transpose(1, 2)).transpose(1, 2)
        if pad is not None:
            x = x.masked_fill(pad.unsqueeze(-1), 0)
        x = self.fc(self.slf_attn(x, pad))
        if pad is None:
            w = x.float().mean(dim=1)
        else:
            n = (~pad).sum(dim=1, keepdim=True).float()
            w = (x.masked_fill(pad.unsqueeze(-1), 0).float() / n.unsqueeze(1)).sum(dim=1)
        return w.to(x.dtype).unsqueeze(-1)
