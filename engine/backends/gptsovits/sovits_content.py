"""SoVITS content encoder (``enc_p``): semantic codes + phones + timbre → the prior's mean and log-scale.

Transformer encoders with windowed relative-position attention (VITS style), the MRTE cross-attention that
puts phones into the semantic stream, and :class:`ContentEncoder` that chains them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import nn
from torch.nn import functional as F

from .layers import ChannelLayerNorm, seq_mask

if TYPE_CHECKING:
    from .sovits import SoVITSConfig

SSL_DIM = 768  # HuBERT feature width (the semantic stream's input)


# ----------------------------------------------------------------------------------------------------------
# Transformer encoder with windowed relative position attention (VITS style)
# ----------------------------------------------------------------------------------------------------------
class RelAttention(nn.Module):
    """Multi-head attention on (B, C, T) with 1×1 conv projections; optional shared relative-position tables."""

    def __init__(self, channels: int, out_channels: int, n_heads: int, window: int | None = None):
        super().__init__()
        self.n_heads = n_heads
        self.k_channels = channels // n_heads
        self.window = window
        self.conv_q = nn.Conv1d(channels, channels, 1)
        self.conv_k = nn.Conv1d(channels, channels, 1)
        self.conv_v = nn.Conv1d(channels, channels, 1)
        self.conv_o = nn.Conv1d(channels, out_channels, 1)
        if window is not None:
            self.emb_rel_k = nn.Parameter(torch.empty(1, 2 * window + 1, self.k_channels))
            self.emb_rel_v = nn.Parameter(torch.empty(1, 2 * window + 1, self.k_channels))

    def _rel_index(self, t: int, device) -> tuple[torch.Tensor, torch.Tensor]:
        i = torch.arange(t, device=device)
        rel = i[None, :] - i[:, None] + self.window  # (t, t): index into the 2w+1 table for key j, query i
        valid = (rel >= 0) & (rel <= 2 * self.window)
        return rel.clamp(0, 2 * self.window), valid

    def forward(self, x: torch.Tensor, c: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        b, ch, tq = x.shape
        tk = c.shape[2]
        h, d = self.n_heads, self.k_channels
        q = self.conv_q(x).view(b, h, d, tq).transpose(2, 3) / (d ** 0.5)
        k = self.conv_k(c).view(b, h, d, tk).transpose(2, 3)
        v = self.conv_v(c).view(b, h, d, tk).transpose(2, 3)
        scores = q @ k.transpose(-2, -1)
        if self.window is not None:
            rel, valid = self._rel_index(tq, x.device)
            q_rel = q @ self.emb_rel_k[0].to(q.dtype).t()  # (b, h, t, 2w+1)
            rel_scores = torch.gather(q_rel, 3, rel.expand(b, h, tq, tq))
            scores = scores + rel_scores * valid
        if mask is not None:
            scores = scores.masked_fill(mask == 0, -1e4)
        p = torch.softmax(scores.float(), dim=-1).to(q.dtype)
        out = p @ v
        if self.window is not None:
            # weight of each relative offset r for query i = p[i, i + r - w] (0 outside the sequence)
            t = tq
            i = torch.arange(t, device=x.device)[:, None]
            r = torch.arange(2 * self.window + 1, device=x.device)[None, :]
            j = i + r - self.window
            ok = (j >= 0) & (j < t)
            w = torch.gather(p, 3, j.clamp(0, t - 1).expand(b, h, t, -1)) * ok
            out = out + w @ self.emb_rel_v[0].to(p.dtype)
        out = out.transpose(2, 3).reshape(b, ch, tq)
        return self.conv_o(out)


class FeedForward(nn.Module):
    def __init__(self, channels: int, filter_channels: int, kernel_size: int):
        super().__init__()
        self.kernel_size = kernel_size
        self.conv_1 = nn.Conv1d(channels, filter_channels, kernel_size)
        self.conv_2 = nn.Conv1d(filter_channels, channels, kernel_size)

    def _pad(self, x: torch.Tensor) -> torch.Tensor:
        k = self.kernel_size
        return x if k == 1 else F.pad(x, ((k - 1) // 2, k // 2))

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        x = torch.relu(self.conv_1(self._pad(x * mask)))
        return self.conv_2(self._pad(x * mask)) * mask


class AttnEncoder(nn.Module):
    """Post-norm transformer encoder (relative attention window 4) over (B, C, T)."""

    def __init__(self, channels: int, filter_channels: int, n_heads: int, n_layers: int, kernel_size: int):
        super().__init__()
        self.attn_layers = nn.ModuleList(RelAttention(channels, channels, n_heads, window=4) for _ in range(n_layers))
        self.norm_layers_1 = nn.ModuleList(ChannelLayerNorm(channels) for _ in range(n_layers))
        self.ffn_layers = nn.ModuleList(FeedForward(channels, filter_channels, kernel_size) for _ in range(n_layers))
        self.norm_layers_2 = nn.ModuleList(ChannelLayerNorm(channels) for _ in range(n_layers))

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        attn_mask = mask.unsqueeze(2) * mask.unsqueeze(-1)
        x = x * mask
        for attn, n1, ffn, n2 in zip(self.attn_layers, self.norm_layers_1, self.ffn_layers, self.norm_layers_2):
            x = n1(x + attn(x, x, attn_mask))
            x = n2(x + ffn(x, mask))
        return x * mask


class MRTE(nn.Module):
    """Multi-reference timbre encoder: content attends to text; the global embedding is added."""

    def __init__(self, content_channels: int = 192, hidden: int = 512, n_heads: int = 4):
        super().__init__()
        self.cross_attention = RelAttention(hidden, hidden, n_heads, window=None)
        self.c_pre = nn.Conv1d(content_channels, hidden, 1)
        self.text_pre = nn.Conv1d(content_channels, hidden, 1)
        self.c_post = nn.Conv1d(hidden, content_channels, 1)

    def forward(self, ssl, ssl_mask, text, text_mask, ge):
        attn_mask = text_mask.unsqueeze(2) * ssl_mask.unsqueeze(-1)
        ssl = self.c_pre(ssl * ssl_mask)
        text = self.text_pre(text * text_mask)
        x = self.cross_attention(ssl * ssl_mask, text * text_mask, attn_mask) + ssl
        if ge is not None:
            x = x + ge
        return self.c_post(x * ssl_mask)


class ContentEncoder(nn.Module):
    """``enc_p``: semantic features + phones (+ global embedding) → prior mean / log-scale."""

    def __init__(self, cfg: SoVITSConfig):
        super().__init__()
        hc, fc = cfg.hidden_channels, cfg.filter_channels
        self.out_channels = cfg.inter_channels
        self.ssl_proj = nn.Conv1d(SSL_DIM, hc, 1)
        self.encoder_ssl = AttnEncoder(hc, fc, cfg.n_heads, cfg.n_layers // 2, cfg.kernel_size)
        self.encoder_text = AttnEncoder(hc, fc, cfg.n_heads, cfg.n_layers, cfg.kernel_size)
        self.text_embedding = nn.Embedding(cfg.n_symbols, hc)
        self.mrte = MRTE(hc, 512, 4)
        self.encoder2 = AttnEncoder(hc, fc, cfg.n_heads, cfg.n_layers // 2, cfg.kernel_size)
        self.proj = nn.Conv1d(hc, cfg.inter_channels * 2, 1)

    def forward(self, y, y_lengths, text, text_lengths, ge, speed: float = 1.0):
        y, y_mask = self.encode(y, y_lengths, text, text_lengths, ge)
        if speed != 1:
            y = F.interpolate(y, size=int(y.shape[-1] / speed) + 1, mode="linear")
            y_mask = F.interpolate(y_mask, size=y.shape[-1], mode="nearest")
        m, logs = self.prior(y, y_mask)
        return m, logs, y_mask

    def encode(self, y, y_lengths, text, text_lengths, ge):
        """Semantic features (B, 768, T) + phones (B, N) with per-row lengths → encoded stream and its mask."""
        y_mask = seq_mask(y_lengths, y.shape[2]).unsqueeze(1).to(y.dtype)
        y = self.ssl_proj(y * y_mask) * y_mask
        y = self.encoder_ssl(y * y_mask, y_mask)
        text_mask = seq_mask(text_lengths, text.shape[1]).unsqueeze(1).to(y.dtype)
        t = self.text_embedding(text).transpose(1, 2)
        t = self.encoder_text(t * text_mask, text_mask)
        y = self.mrte(y, y_mask, t, text_mask, ge)
        return self.encoder2(y * y_mask, y_mask), y_mask

    def prior(self, y, y_mask):
        """Encoded stream (after any speed change) → the prior's mean and log-scale."""
        stats = self.proj(y) * y_mask
        m, logs = torch.split(stats, self.out_channels, dim=1)
        return m, logs
