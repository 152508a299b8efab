"""emotion2vec+ inference network (data2vec 2.0 audio encoder + linear emotion head), written for Timbrel.

Computation, in order (one clip, no padding, as FunASR runs it on CPU):

1. waveform layer norm over the whole clip: (x - mean) / sqrt(biased var + 1e-5), no affine;
2. feature extractor: per layer Conv1d (no bias, no padding) → LayerNorm over channels → exact GELU
   (kernel/stride (10,5), (3,2)×4, (2,2)×2: one frame per 320 samples, 400 samples for the first);
3. LayerNorm + Linear to the model width;
4. relative positional convolution: ``conv_pos_depth`` grouped convolutions (kernel max(3, width // depth),
   same padding, the last frame dropped for an even kernel) each → LayerNorm without affine → GELU; the result
   is *added* to the projected features;
5. learned extra tokens are prepended; an ALiBi bias −slope_h·|i − j| over the audio frames only, scaled by the
   learned per-head scale clamped at ≥ 0, zero towards/from the extra tokens, shared by every block;
6. LayerNorm, then the context-encoder blocks, then the main blocks, all post-LN:
   x = norm1(x + attn(x)); x = norm2(x + mlp(x)); no final norm;
7. frames = output without the extra tokens; utterance = mean over frames; logits = head(mean); softmax.

Parameter names are Timbrel's own; :mod:`.weights` maps the checkpoint's names onto them.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .config import E2VConfig


def alibi_slopes(heads: int) -> list[float]:
    """Per-head ALiBi slopes (Press et al.): geometric for a power of two; otherwise those of the nearest lower
    power of two followed by every other slope of twice that many heads."""

    def pow2(n: int) -> list[float]:
        start = 2.0 ** (-(2.0 ** -(math.log2(n) - 3)))
        return [start * start ** i for i in range(n)]

    if math.log2(heads).is_integer():
        return pow2(heads)
    lower = 2 ** math.floor(math.log2(heads))
    return pow2(lower) + pow2(2 * lower)[0::2][: heads - lower]


class ConvLayer(nn.Module):
    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int, eps: float) -> None:
        super().__init__()
        self.conv = nn.Conv1d(c_in, c_out, kernel, stride=stride, bias=False)
        self.norm = nn.LayerNorm(c_out, eps=eps)

    def forward(self, x: torch.Tensor) -> torch.Tensor:   # (B, C, T)
        x = self.conv(x)
        x = F.layer_norm(x.transpose(1, 2).float(), self.norm.normalized_shape, self.norm.weight.float(),
                         self.norm.bias.float(), self.norm.eps).type_as(x).transpose(1, 2)
        return F.gelu(x)


class Block(nn.Module):
    """Post-LN transformer block with an additive attention bias."""

    def __init__(self, dim: int, heads: int, mlp_ratio: float, eps: float) -> None:
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.out = nn.Linear(dim, dim)
        self.norm1 = nn.LayerNorm(dim, eps=eps)
        hidden = int(dim * mlp_ratio)
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)
        self.norm2 = nn.LayerNorm(dim, eps=eps)

    def attention(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        b, n, d = x.shape
        h = self.heads
        q, k, v = self.qkv(x).reshape(b, n, 3, h, d // h).permute(2, 0, 3, 1, 4).unbind(0)
        scores = (q * (d // h) ** -0.5) @ k.transpose(-2, -1) + bias.to(q.dtype)
        weights = scores.softmax(dim=-1, dtype=torch.float32).to(q.dtype)
        y = (weights @ v).transpose(1, 2).reshape(b, n, d)
        return self.out(y)

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        x = self.norm1(x + self.attention(x, bias))
        return self.norm2(x + self.fc2(F.gelu(self.fc1(x))))


class Emotion2VecPlus(nn.Module):
    def __init__(self, cfg: E2VConfig) -> None:
        super().__init__()
        self.cfg = cfg
        eps = cfg.norm_eps
        layers, c_in = [], 1
        for c, k, s in cfg.conv_spec:
            layers.append(ConvLayer(c_in, c, k, s, 1e-5))
            c_in = c
        self.extractor = nn.ModuleList(layers)
        d = cfg.embed_dim
        self.feature_norm = nn.LayerNorm(c_in, eps=1e-5)
        self.feature_proj = nn.Linear(c_in, d)
        k = cfg.pos_kernel
        self.pos_convs = nn.ModuleList(
            nn.Conv1d(d, d, k, padding=k // 2, groups=cfg.conv_pos_groups) for _ in range(cfg.conv_pos_depth))
        self.extra_tokens = nn.Parameter(torch.zeros(1, cfg.num_extra_tokens, d))
        self.alibi_scale = nn.Parameter(torch.ones(1, 1, cfg.num_alibi_heads, 1, 1))
        self.context_norm = nn.LayerNorm(d, eps=eps)
        self.prenet = nn.ModuleList(Block(d, cfg.num_heads, cfg.mlp_ratio, eps) for _ in range(cfg.prenet_depth))
        self.blocks = nn.ModuleList(Block(d, cfg.num_heads, cfg.mlp_ratio, eps) for _ in range(cfg.depth))
        self.head = nn.Linear(d, len(cfg.labels) or 9)

    # -- pieces (public so the parity test can check each stored intermediate) -----------------------------
    def normalize_waveform(self, wav: torch.Tensor) -> torch.Tensor:
        """(B, N) → (B, N), each clip normalised over all its samples."""
        if not self.cfg.normalize:
            return wav
        return F.layer_norm(wav, wav.shape[-1:])

    def conv_features(self, wav: torch.Tensor) -> torch.Tensor:
        x = wav[:, None, :]
        for layer in self.extractor:
            x = layer(x)
        return x                                               # (B, C, T)

    def project(self, conv: torch.Tensor) -> torch.Tensor:
        return self.feature_proj(self.feature_norm(conv.transpose(1, 2)))   # (B, T, D)

    def positional(self, x: torch.Tensor) -> torch.Tensor:
        y = x.transpose(1, 2)
        even = self.cfg.pos_kernel % 2 == 0
        for conv in self.pos_convs:
            y = conv(y)
            if even:
                y = y[..., :-1]
            y = F.layer_norm(y.transpose(1, 2), (y.shape[1],)).transpose(1, 2)
            y = F.gelu(y)
        return y.transpose(1, 2)                               # (B, T, D)

    def alibi_bias(self, frames: int, dtype=torch.float32) -> torch.Tensor:
        """(1, H, E+T, E+T): −slope·|i−j| over the frames, scaled by clamp(scale, 0), zero for the extra tokens."""
        device = self.alibi_scale.device
        slopes = torch.tensor(alibi_slopes(self.cfg.num_alibi_heads), dtype=torch.float32, device=device)
        pos = torch.arange(frames, device=device)
        dist = (pos[None, :] - pos[:, None]).abs().to(torch.float32)
        bias = -slopes[:, None, None] * dist[None]                           # (H, T, T)
        scale = self.alibi_scale.clamp(min=0).reshape(1, -1, 1, 1).to(torch.float32)
        bias = bias[None] * scale
        e = self.cfg.num_extra_tokens
        return F.pad(bias, (e, 0, e, 0)).to(dtype)

    def context_input(self, wav16k: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        parts: dict[str, torch.Tensor] = {}
        x = self.normalize_waveform(wav16k)
        parts["normalized"] = x
        conv = self.conv_features(x)
        parts["conv_features"] = conv
        proj = self.project(conv)
        parts["projected"] = proj
        pos = self.positional(proj)
        parts["pos_conv"] = pos
        x = proj + pos
        x = torch.cat([self.extra_tokens.expand(x.shape[0], -1, -1).to(x.dtype), x], dim=1)
        parts["context_in"] = x
        return x, parts

    def forward_intermediates(self, wav16k: torch.Tensor) -> dict[str, torch.Tensor]:
        """Every stage for a (1, N) 16 kHz clip (N ≥ one frame): the names the parity fixtures use."""
        x, parts = self.context_input(wav16k)
        frames = x.shape[1] - self.cfg.num_extra_tokens
        bias = self.alibi_bias(frames, x.dtype)
        parts["alibi_bias"] = bias
        x = self.context_norm(x)
        for blk in self.prenet:
            x = blk(x, bias)
        parts["context_out"] = x
        for i, blk in enumerate(self.blocks):
            x = blk(x, bias)
            parts[f"block{i}_out"] = x
        feats = x[:, self.cfg.num_extra_tokens:]
        parts["frames"] = feats
        pooled = feats.mean(dim=1)
        parts["pooled"] = pooled
        parts["logits"] = self.head(pooled)
        return parts

    def frames(self, wav16k: torch.Tensor) -> torch.Tensor:
        """(1, N) → (1, T, D) frame features."""
        x, _ = self.context_input(wav16k)
        bias = self.alibi_bias(x.shape[1] - self.cfg.num_extra_tokens, x.dtype)
        x = self.context_norm(x)
        for blk in self.prenet:
            x = blk(x, bias)
        for blk in self.blocks:
            x = blk(x, bias)
        return x[:, self.cfg.num_extra_tokens:]
