"""SoVITS synthesizer (v1 / v2 / v2Pro / v2ProPlus) with the upstream state-dict layout.

Our own implementation of the inference half of GPT-SoVITS' ``SynthesizerTrn``:
parameter and buffer names equal the keys of upstream ``.pth`` files (minus the
training-only ``enc_q``), so weights load with ``strict=True``.

Inference entry points (all ``torch.no_grad``-safe, batch size 1 is the tested case):

* :meth:`SoVITS.extract_latent` ``(ssl (B,768,T)) -> codes (B,1,T//2)`` — HuBERT features →
  ``ssl_proj`` (stride 2, 25 Hz) → nearest entry of the 1024×768 RVQ codebook.
* :meth:`SoVITS.reference_embedding` ``(spec (1,1025,T), sv (1,20480)|None) -> ge (1,gin,1)`` — one reference's
  global timbre vector (``ref_enc`` on the first 704 bins; Pro: ``+ sv_emb(sv)`` then PReLU). Depends on the
  base's weights, so cache it per (clip, base).
* :meth:`SoVITS.combine_references` — the mean of several per-reference ``ge`` (upstream's multi-reference fusion).
* :meth:`SoVITS.decode` ``(codes, text, ge=..., noise_scale, speed, noise=None) -> wav (1,1,N)`` at 32 kHz,
  ``N = 640 * frames``; ``refs=[spec, ...]`` (+ ``sv=[...]`` for Pro) computes ``ge`` on the fly.
* :meth:`SoVITS.decode_parts` — the same, returning the intermediates (``ge``, ``ge512``, ``m_p``, ``logs_p``, ``z``).

The networks keep no per-base Python state: every learned value is a parameter or buffer, so a
skeleton built on ``meta`` and filled by assignment, or whose tensors are overwritten in place with
another base's weights, computes exactly what a freshly loaded model would.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Sequence

import torch
from torch import nn
from torch.nn import functional as F

from .layers import (
    LRELU_SLOPE,
    ChannelLayerNorm,
    WNConv1d,
    WNConvTranspose1d,
    gated_tanh,
    module_dtype,
    seq_mask,
)

PRO_VARIANTS = ("v2Pro", "v2ProPlus")
SPEC_BINS_USED = 704  # v2+: the reference encoder sees the first 704 of the 1025 linear-spectrogram bins
SSL_DIM = 768
SV_DIM = 20480


@dataclass
class SoVITSConfig:
    """Architecture hyper-parameters (the ``config.model`` part of an upstream file that shapes the network)."""

    variant: str = "v2"
    n_symbols: int = 732
    inter_channels: int = 192
    hidden_channels: int = 192
    filter_channels: int = 768
    n_heads: int = 2
    n_layers: int = 6
    kernel_size: int = 3
    resblock: str = "1"
    resblock_kernel_sizes: list = field(default_factory=lambda: [3, 7, 11])
    resblock_dilation_sizes: list = field(default_factory=lambda: [[1, 3, 5], [1, 3, 5], [1, 3, 5]])
    upsample_rates: list = field(default_factory=lambda: [10, 8, 2, 2, 2])
    upsample_initial_channel: int = 512
    upsample_kernel_sizes: list = field(default_factory=lambda: [16, 16, 8, 2, 2])
    gin_channels: int = 512
    spec_channels: int = 1025
    semantic_frame_rate: str = "25hz"
    sampling_rate: int = 32000
    hop_length: int = 640

    @property
    def is_pro(self) -> bool:
        return self.variant in PRO_VARIANTS

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "SoVITSConfig":
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in d.items() if k in known})


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
        y_mask = seq_mask(y_lengths, y.shape[2]).unsqueeze(1).to(y.dtype)
        y = self.ssl_proj(y * y_mask) * y_mask
        y = self.encoder_ssl(y * y_mask, y_mask)
        text_mask = seq_mask(text_lengths, text.shape[1]).unsqueeze(1).to(y.dtype)
        t = self.text_embedding(text).transpose(1, 2)
        t = self.encoder_text(t * text_mask, text_mask)
        y = self.mrte(y, y_mask, t, text_mask, ge)
        y = self.encoder2(y * y_mask, y_mask)
        if speed != 1:
            y = F.interpolate(y, size=int(y.shape[-1] / speed) + 1, mode="linear")
            y_mask = F.interpolate(y_mask, size=y.shape[-1], mode="nearest")
        stats = self.proj(y) * y_mask
        m, logs = torch.split(stats, self.out_channels, dim=1)
        return m, logs, y_mask


# ----------------------------------------------------------------------------------------------------------
# Flow
# ----------------------------------------------------------------------------------------------------------
class WaveNet(nn.Module):
    """Gated dilated conv stack with global conditioning (``WN``)."""

    def __init__(self, hidden: int, kernel_size: int, dilation_rate: int, n_layers: int, gin_channels: int):
        super().__init__()
        self.hidden = hidden
        self.n_layers = n_layers
        self.in_layers = nn.ModuleList()
        self.res_skip_layers = nn.ModuleList()
        if gin_channels:
            self.cond_layer = WNConv1d(gin_channels, 2 * hidden * n_layers, 1)
        for i in range(n_layers):
            d = dilation_rate ** i
            self.in_layers.append(WNConv1d(hidden, 2 * hidden, kernel_size, dilation=d, padding=(kernel_size * d - d) // 2))
            self.res_skip_layers.append(WNConv1d(hidden, 2 * hidden if i < n_layers - 1 else hidden, 1))

    def forward(self, x, mask, g=None):
        out = torch.zeros_like(x)
        gc = self.cond_layer(g) if g is not None else None
        h2 = 2 * self.hidden
        for i in range(self.n_layers):
            a = self.in_layers[i](x)
            if gc is not None:
                a = a + gc[:, i * h2:(i + 1) * h2]
            rs = self.res_skip_layers[i](gated_tanh(a, self.hidden))
            if i < self.n_layers - 1:
                x = (x + rs[:, : self.hidden]) * mask
                out = out + rs[:, self.hidden:]
            else:
                out = out + rs
        return out * mask


class MeanOnlyCoupling(nn.Module):
    def __init__(self, channels: int, hidden: int, kernel_size: int, dilation_rate: int, n_layers: int, gin_channels: int):
        super().__init__()
        self.half = channels // 2
        self.pre = nn.Conv1d(self.half, hidden, 1)
        self.enc = WaveNet(hidden, kernel_size, dilation_rate, n_layers, gin_channels)
        self.post = nn.Conv1d(hidden, self.half, 1)

    def forward(self, x, mask, g=None, reverse: bool = True):
        x0, x1 = torch.split(x, [self.half, self.half], 1)
        h = self.enc(self.pre(x0) * mask, mask, g=g)
        m = self.post(h) * mask
        x1 = (x1 - m) * mask if reverse else m + x1 * mask
        return torch.cat([x0, x1], 1)


class ChannelFlip(nn.Module):
    def forward(self, x, mask, g=None, reverse: bool = True):
        return torch.flip(x, [1])


class Flow(nn.Module):
    """``flow``: 4 mean-only coupling layers, each followed by a channel flip (indices 0,2,4,6 hold weights)."""

    def __init__(self, channels: int, hidden: int, gin_channels: int, n_flows: int = 4):
        super().__init__()
        self.flows = nn.ModuleList()
        for _ in range(n_flows):
            self.flows.append(MeanOnlyCoupling(channels, hidden, 5, 1, 4, gin_channels))
            self.flows.append(ChannelFlip())

    def forward(self, x, mask, g=None, reverse: bool = True):
        seq = reversed(self.flows) if reverse else self.flows
        for f in seq:
            x = f(x, mask, g=g, reverse=reverse)
        return x


# ----------------------------------------------------------------------------------------------------------
# Vocoder
# ----------------------------------------------------------------------------------------------------------
class ResBlock(nn.Module):
    """HiFi-GAN residual block type "1": three dilated convs each followed by an undilated one."""

    def __init__(self, channels: int, kernel_size: int, dilations: Sequence[int]):
        super().__init__()
        self.convs1 = nn.ModuleList(
            WNConv1d(channels, channels, kernel_size, dilation=d, padding=(kernel_size * d - d) // 2) for d in dilations
        )
        self.convs2 = nn.ModuleList(
            WNConv1d(channels, channels, kernel_size, dilation=1, padding=(kernel_size - 1) // 2) for _ in dilations
        )

    def forward(self, x):
        for c1, c2 in zip(self.convs1, self.convs2):
            xt = c2(F.leaky_relu(c1(F.leaky_relu(x, LRELU_SLOPE)), LRELU_SLOPE))
            x = x + xt
        return x


class Vocoder(nn.Module):
    """``dec``: HiFi-GAN-style generator (z at 50 Hz → 32 kHz waveform) with global conditioning."""

    def __init__(self, cfg: SoVITSConfig):
        super().__init__()
        if str(cfg.resblock) != "1":
            raise ValueError(f"resblock type {cfg.resblock!r} is not supported (GPT-SoVITS v1/v2/Pro use type '1')")
        c0 = cfg.upsample_initial_channel
        self.n_kernels = len(cfg.resblock_kernel_sizes)
        self.conv_pre = nn.Conv1d(cfg.inter_channels, c0, 7, 1, padding=3)
        self.ups = nn.ModuleList()
        self.resblocks = nn.ModuleList()
        ch = c0
        for i, (u, k) in enumerate(zip(cfg.upsample_rates, cfg.upsample_kernel_sizes)):
            ch = c0 // (2 ** (i + 1))
            self.ups.append(WNConvTranspose1d(c0 // (2 ** i), ch, k, u, padding=(k - u) // 2))
            for ks, ds in zip(cfg.resblock_kernel_sizes, cfg.resblock_dilation_sizes):
                self.resblocks.append(ResBlock(ch, ks, ds))
        self.conv_post = nn.Conv1d(ch, 1, 7, 1, padding=3, bias=False)
        if cfg.gin_channels:
            self.cond = nn.Conv1d(cfg.gin_channels, c0, 1)

    def forward(self, x, g=None):
        x = self.conv_pre(x)
        if g is not None:
            x = x + self.cond(g)
        for i, up in enumerate(self.ups):
            x = up(F.leaky_relu(x, LRELU_SLOPE))
            acc = None
            for j in range(self.n_kernels):
                r = self.resblocks[i * self.n_kernels + j](x)
                acc = r if acc is None else acc + r
            x = acc / self.n_kernels
        x = self.conv_post(F.leaky_relu(x))  # default slope 0.01 here, as upstream
        return torch.tanh(x)


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


# ----------------------------------------------------------------------------------------------------------
# Quantizer (buffers only; frozen at inference)
# ----------------------------------------------------------------------------------------------------------
class _Codebook(nn.Module):
    def __init__(self, bins: int, dim: int):
        super().__init__()
        self.register_buffer("inited", torch.empty(1))
        self.register_buffer("cluster_size", torch.empty(bins))
        self.register_buffer("embed", torch.empty(bins, dim))
        self.register_buffer("embed_avg", torch.empty(bins, dim))


class _VQLayer(nn.Module):
    def __init__(self, bins: int, dim: int):
        super().__init__()
        self._codebook = _Codebook(bins, dim)


class _VQStack(nn.Module):
    def __init__(self, bins: int, dim: int, n_q: int):
        super().__init__()
        self.layers = nn.ModuleList(_VQLayer(bins, dim) for _ in range(n_q))


class SemanticQuantizer(nn.Module):
    """Residual VQ with one 1024-entry codebook: nearest-neighbour encode, table-lookup decode."""

    def __init__(self, dim: int = SSL_DIM, bins: int = 1024, n_q: int = 1):
        super().__init__()
        self.vq = _VQStack(bins, dim, n_q)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """(B, D, T) → codes (n_q, B, T)."""
        residual = x.transpose(1, 2)
        codes = []
        for layer in self.vq.layers:
            e = layer._codebook.embed.to(residual.dtype)
            flat = residual.reshape(-1, residual.shape[-1])
            dist = -(flat.pow(2).sum(1, keepdim=True) - 2 * flat @ e.t() + e.pow(2).sum(1)[None, :])
            idx = dist.max(dim=-1).indices.view(residual.shape[:-1])
            residual = residual - F.embedding(idx, e)
            codes.append(idx)
        return torch.stack(codes)

    def decode(self, codes: torch.Tensor) -> torch.Tensor:
        """codes (n_q, B, T) → (B, D, T)."""
        out = None
        for i, idx in enumerate(codes):
            q = F.embedding(idx, self.vq.layers[i]._codebook.embed).transpose(1, 2)
            out = q if out is None else out + q
        return out


# ----------------------------------------------------------------------------------------------------------
# The synthesizer
# ----------------------------------------------------------------------------------------------------------
class SoVITS(nn.Module):
    def __init__(self, cfg: SoVITSConfig):
        super().__init__()
        self.config = cfg
        self.enc_p = ContentEncoder(cfg)
        self.dec = Vocoder(cfg)
        self.flow = Flow(cfg.inter_channels, cfg.hidden_channels, cfg.gin_channels)
        ref_in = cfg.spec_channels if cfg.variant == "v1" else SPEC_BINS_USED
        self.ref_enc = StyleEncoder(ref_in, cfg.gin_channels)
        if cfg.semantic_frame_rate == "25hz":
            self.ssl_proj = nn.Conv1d(SSL_DIM, SSL_DIM, 2, stride=2)
        else:
            self.ssl_proj = nn.Conv1d(SSL_DIM, SSL_DIM, 1, stride=1)
        self.quantizer = SemanticQuantizer(SSL_DIM, 1024, 1)
        if cfg.is_pro:
            self.sv_emb = nn.Linear(SV_DIM, cfg.gin_channels)
            self.ge_to512 = nn.Linear(cfg.gin_channels, 512)
            self.prelu = nn.PReLU(num_parameters=cfg.gin_channels)

    @property
    def is_pro(self) -> bool:
        return self.config.is_pro

    @property
    def dtype(self) -> torch.dtype:
        return module_dtype(self)

    # -- semantic tokens --------------------------------------------------------------------------------
    def extract_latent(self, ssl: torch.Tensor) -> torch.Tensor:
        """HuBERT features (B, 768, T) at 50 Hz → semantic codes (B, 1, T') at 25 Hz."""
        x = self.ssl_proj(ssl.to(self.dtype))
        return self.quantizer.encode(x).transpose(0, 1)

    # -- timbre ---------------------------------------------------------------------------------------------
    def reference_embedding(self, spec: torch.Tensor, sv: torch.Tensor | None = None) -> torch.Tensor:
        """One reference's global embedding ``ge`` (B, gin, 1) from its 32 kHz linear spectrogram (B, 1025, T)."""
        spec = spec.to(self.dtype)
        mask = torch.ones(spec.shape[0], 1, spec.shape[2], dtype=spec.dtype, device=spec.device)
        x = spec if self.config.variant == "v1" else spec[:, :SPEC_BINS_USED]
        ge = self.ref_enc(x * mask, mask)
        if self.is_pro:
            if sv is None:
                raise ValueError(f"a {self.config.variant} model needs a speaker-verification vector per reference")
            ge = self.prelu(ge + self.sv_emb(sv.to(self.dtype)).unsqueeze(-1))
        return ge

    @staticmethod
    def combine_references(ges: Sequence[torch.Tensor]) -> torch.Tensor:
        """Average per-reference embeddings (timbre fusion of several references)."""
        return torch.stack(list(ges), 0).mean(0)

    def ge_for_encoder(self, ge: torch.Tensor) -> torch.Tensor:
        """The embedding handed to the content encoder (Pro: projected to 512 channels)."""
        if self.is_pro:
            return self.ge_to512(ge.transpose(2, 1)).transpose(2, 1)
        return ge

    # -- synthesis ----------------------------------------------------------------------------------------
    def decode_parts(
        self,
        codes: torch.Tensor,
        text: torch.Tensor,
        *,
        ge: torch.Tensor | None = None,
        refs: Sequence[torch.Tensor] | torch.Tensor | None = None,
        sv: Sequence[torch.Tensor] | torch.Tensor | None = None,
        noise_scale: float = 0.5,
        speed: float = 1.0,
        noise: torch.Tensor | None = None,
        generator: torch.Generator | None = None,
    ) -> dict[str, torch.Tensor]:
        """Semantic codes (1, 1, T) + phone ids (1, N) + timbre → waveform and intermediates.

        Timbre: pass ``ge`` (already combined) or ``refs`` (one spectrogram or a list; for Pro also ``sv``,
        one vector per reference). ``noise`` replaces the standard-normal draw (same shape as ``m_p``).
        """
        if ge is None:
            if refs is None:
                raise ValueError("decode needs either ge or refs")
            if isinstance(refs, torch.Tensor):
                refs = [refs]
                sv = [sv] if isinstance(sv, torch.Tensor) else sv
            svs = list(sv) if sv is not None else [None] * len(refs)
            if len(svs) != len(refs):
                raise ValueError("one speaker-verification vector is needed per reference")
            ge = self.combine_references([self.reference_embedding(r, s) for r, s in zip(refs, svs)])
        ge = ge.to(self.dtype)
        codes = codes.to(torch.long)
        y_lengths = torch.tensor([codes.shape[2] * 2], device=codes.device)
        text_lengths = torch.tensor([text.shape[-1]], device=text.device)
        q = self.quantizer.decode(codes)
        if self.config.semantic_frame_rate == "25hz":
            q = torch.repeat_interleave(q, 2, dim=-1)
        ge_enc = self.ge_for_encoder(ge)
        m_p, logs_p, y_mask = self.enc_p(q, y_lengths, text, text_lengths, ge_enc, speed)
        if noise is None:
            dev = generator.device if generator is not None else m_p.device  # a CPU generator may drive a GPU run
            noise = torch.randn(m_p.shape, generator=generator, device=dev, dtype=torch.float32)
        z_p = m_p + noise.to(device=m_p.device, dtype=m_p.dtype) * torch.exp(logs_p) * noise_scale
        z = self.flow(z_p, y_mask, g=ge, reverse=True)
        wav = self.dec(z * y_mask, g=ge)
        return {"wav": wav, "ge": ge, "ge512": ge_enc, "m_p": m_p, "logs_p": logs_p, "z": z, "y_mask": y_mask}

    def decode(self, codes, text, **kw) -> torch.Tensor:
        """Like :meth:`decode_parts` but returns only the waveform (1, 1, N) at 32 kHz."""
        return self.decode_parts(codes, text, **kw)["wav"]
