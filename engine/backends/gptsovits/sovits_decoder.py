"""SoVITS decoder half: the normalising :class:`Flow` (prior sample → latent) and the HiFi-GAN :class:`Vocoder`
(latent → 32 kHz waveform), both conditioned on the timbre vector."""

from __future__ import annotations

from typing import Sequence, TYPE_CHECKING

import torch
from torch import nn
from torch.nn import functional as F

from .layers import LRELU_SLOPE, WNConv1d, WNConvTranspose1d, gated_tanh

if TYPE_CHECKING:
    from .sovits import SoVITSConfig


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
