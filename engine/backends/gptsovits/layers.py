"""Small building blocks shared by the GPT-SoVITS networks.

Everything here keeps its learned state in parameters/buffers only, so a module
built on the ``meta`` device and later filled by ``load_state_dict(assign=True)``
or by copying into existing storage behaves exactly like a freshly built one.

Weight normalisation is stored the way the upstream checkpoints store it
(``weight_g`` / ``weight_v``, norm over every dim except 0) and the effective
weight is recomputed at every call (in float32, then cast to the compute
dtype), so swapping ``weight_v``/``weight_g`` in place needs no re-fusing.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

LRELU_SLOPE = 0.1


def seq_mask(lengths: torch.Tensor, max_len: int) -> torch.Tensor:
    """(B, max_len) bool: position < length."""
    return torch.arange(max_len, device=lengths.device)[None, :] < lengths[:, None]


def weight_from_norm(g: torch.Tensor, v: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    v32 = v.float()
    norm = v32.flatten(1).norm(dim=1).view(-1, *([1] * (v.dim() - 1)))
    return (v32 * (g.float() / norm)).to(dtype)


class WNConv1d(nn.Module):
    """Conv1d with weight normalisation (parameters ``weight_g``, ``weight_v``, ``bias``)."""

    def __init__(self, cin: int, cout: int, kernel: int, stride: int = 1, dilation: int = 1, padding: int = 0,
                 bias: bool = True, device=None, dtype=None):
        super().__init__()
        f = {"device": device, "dtype": dtype}
        self.stride, self.dilation, self.padding = stride, dilation, padding
        # registration order = upstream state-dict order (bias, then weight_g / weight_v added by weight_norm)
        self.bias = nn.Parameter(torch.empty(cout, **f)) if bias else None
        self.weight_g = nn.Parameter(torch.empty(cout, 1, 1, **f))
        self.weight_v = nn.Parameter(torch.empty(cout, cin, kernel, **f))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = weight_from_norm(self.weight_g, self.weight_v, x.dtype)
        b = None if self.bias is None else self.bias.to(x.dtype)
        return F.conv1d(x, w, b, self.stride, self.padding, self.dilation)


class WNConvTranspose1d(nn.Module):
    """ConvTranspose1d with weight normalisation over dim 0 (the input channels), as upstream stores it."""

    def __init__(self, cin: int, cout: int, kernel: int, stride: int, padding: int, device=None, dtype=None):
        super().__init__()
        f = {"device": device, "dtype": dtype}
        self.stride, self.padding = stride, padding
        self.bias = nn.Parameter(torch.empty(cout, **f))
        self.weight_g = nn.Parameter(torch.empty(cin, 1, 1, **f))
        self.weight_v = nn.Parameter(torch.empty(cin, cout, kernel, **f))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = weight_from_norm(self.weight_g, self.weight_v, x.dtype)
        return F.conv_transpose1d(x, w, self.bias.to(x.dtype), self.stride, self.padding)


class ChannelLayerNorm(nn.Module):
    """LayerNorm over the channel axis of (B, C, T) tensors; parameters ``gamma``/``beta``; computed in float32."""

    def __init__(self, channels: int, eps: float = 1e-5, device=None, dtype=None):
        super().__init__()
        self.eps = eps
        self.gamma = nn.Parameter(torch.empty(channels, device=device, dtype=dtype))
        self.beta = nn.Parameter(torch.empty(channels, device=device, dtype=dtype))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.layer_norm(x.transpose(1, -1).float(), (x.shape[1],), self.gamma.float(), self.beta.float(), self.eps)
        return y.to(x.dtype).transpose(1, -1)


def layer_norm32(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """LayerNorm over the last axis computed in float32, returned in ``x``'s dtype."""
    return F.layer_norm(x.float(), (x.shape[-1],), weight.float(), bias.float(), eps).to(x.dtype)


def gated_tanh(a: torch.Tensor, channels: int) -> torch.Tensor:
    return torch.tanh(a[:, :channels]) * torch.sigmoid(a[:, channels:])


def module_dtype(module: nn.Module) -> torch.dtype:
    for p in module.parameters():
        if p.is_floating_point():
            return p.dtype
    return torch.float32


def sinusoid_table(n_pos: int, dim: int, device=None, start: int = 0) -> torch.Tensor:
    """(n_pos, dim) float32 sine/cosine table for positions ``start .. start+n_pos-1`` (sin even, cos odd columns)."""
    return sinusoid_rows(torch.arange(start, start + n_pos, dtype=torch.float32, device=device), dim)


def sinusoid_rows(positions: torch.Tensor, dim: int) -> torch.Tensor:
    """(len(positions), dim) float32 sine/cosine rows for arbitrary positions (the rows of :func:`sinusoid_table`)."""
    pos = positions.to(torch.float32)[:, None]
    div = torch.exp(torch.arange(0, dim, 2, dtype=torch.float32, device=positions.device) * -(math.log(10000.0) / dim))
    pe = torch.zeros(positions.shape[0], dim, device=positions.device)
    pe[:, 0::2] = torch.sin(pos * div)
    pe[:, 1::2] = torch.cos(pos * div)
    return pe
