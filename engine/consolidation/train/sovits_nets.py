"""The networks only SoVITS training needs: the posterior encoder ``enc_q`` and the discriminator.

* :class:`PosteriorEncoder` — linear spectrogram (1025 bins) → latent ``z`` (inter channels) through a
  16-layer WaveNet conditioned on the global embedding; parameter names match upstream's ``enc_q.*``
  (``pre``, ``enc``, ``proj``) so a pretrained generator that keeps ``enc_q`` can fill it.
* :class:`Discriminator` — upstream's multi-period design: one scale discriminator on the waveform and
  period discriminators for periods 2, 3, 5, 7, 11 (grouped strided convolutions, weight-normalised).
  ``width`` scales the channel counts (1.0 = upstream's sizes; tests use small ones).
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F
from torch.nn.utils.parametrizations import weight_norm

from ...backends.gptsovits.layers import WNConv1d, seq_mask
from ...backends.gptsovits.sovits_decoder import WaveNet

PERIODS = (2, 3, 5, 7, 11)
LRELU = 0.1


def init_weight_norm(module: nn.Module, generator: torch.Generator | None = None) -> nn.Module:
    """Initialise every :class:`WNConv1d` (``weight_v`` ~ N(0, 0.01·fan-in scaled), ``weight_g`` = ‖v‖) and plain
    convs/linears with PyTorch defaults; used for parts a base does not carry (``enc_q``)."""
    for m in module.modules():
        if isinstance(m, WNConv1d):
            with torch.no_grad():
                fan_in = m.weight_v.shape[1] * m.weight_v.shape[2]
                m.weight_v.normal_(0.0, 1.0 / math.sqrt(fan_in), generator=generator)
                m.weight_g.copy_(m.weight_v.norm(dim=(1, 2), keepdim=True))
                if m.bias is not None:
                    m.bias.zero_()
        elif isinstance(m, (nn.Conv1d, nn.Linear)) and m.weight.device.type != "meta":
            m.reset_parameters()
    return module


class PosteriorEncoder(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, hidden: int, gin_channels: int,
                 kernel_size: int = 5, dilation_rate: int = 1, n_layers: int = 16):
        super().__init__()
        self.out_channels = out_channels
        self.pre = nn.Conv1d(in_channels, hidden, 1)
        self.enc = WaveNet(hidden, kernel_size, dilation_rate, n_layers, gin_channels)
        self.proj = nn.Conv1d(hidden, out_channels * 2, 1)

    def forward(self, spec, lengths, g=None, generator: torch.Generator | None = None):
        mask = seq_mask(lengths, spec.shape[2]).unsqueeze(1).to(spec.dtype)
        x = self.pre(spec) * mask
        x = self.enc(x, mask, g=g)
        m, logs = torch.split(self.proj(x) * mask, self.out_channels, dim=1)
        noise = torch.randn(m.shape, generator=generator, dtype=m.dtype).to(m.device)  # CPU generator: same draws anywhere
        z = (m + noise * torch.exp(logs)) * mask
        return z, m, logs, mask


def _ch(c: int, width: float) -> int:
    return max(4, int(round(c * width / 4)) * 4)


def _conv_stack(disc: nn.Module, x):
    """A discriminator's leaky-ReLU ``convs`` then ``conv_post`` → (flattened logits, every feature map)."""
    fmap = []
    for conv in disc.convs:
        x = F.leaky_relu(conv(x), LRELU)
        fmap.append(x)
    x = disc.conv_post(x)
    fmap.append(x)
    return torch.flatten(x, 1, -1), fmap


class _ScaleDisc(nn.Module):
    def __init__(self, width: float):
        super().__init__()
        c = [_ch(x, width) for x in (16, 64, 256, 1024, 1024, 1024)]
        g = [1, 4, 16, 64, 256]
        specs = [(1, c[0], 15, 1, 1, 7), (c[0], c[1], 41, 4, g[1], 20), (c[1], c[2], 41, 4, g[2], 20),
                 (c[2], c[3], 41, 4, g[3], 20), (c[3], c[4], 41, 4, g[4], 20), (c[4], c[5], 5, 1, 1, 2)]
        self.convs = nn.ModuleList(
            weight_norm(nn.Conv1d(i, o, k, s, groups=math.gcd(gr, math.gcd(i, o)), padding=p)) for i, o, k, s, gr, p in specs)
        self.conv_post = weight_norm(nn.Conv1d(c[5], 1, 3, 1, padding=1))

    def forward(self, x):
        return _conv_stack(self, x)


class _PeriodDisc(nn.Module):
    def __init__(self, period: int, width: float):
        super().__init__()
        self.period = period
        c = [1] + [_ch(x, width) for x in (32, 128, 512, 1024, 1024)]
        self.convs = nn.ModuleList(
            weight_norm(nn.Conv2d(c[i], c[i + 1], (5, 1), (3, 1) if i < 4 else 1, padding=(2, 0))) for i in range(5))
        self.conv_post = weight_norm(nn.Conv2d(c[5], 1, (3, 1), 1, padding=(1, 0)))

    def forward(self, x):
        b, ch, t = x.shape
        if t % self.period:
            pad = self.period - t % self.period
            x = F.pad(x, (0, pad), "reflect")
            t += pad
        x = x.view(b, ch, t // self.period, self.period)
        return _conv_stack(self, x)


class Discriminator(nn.Module):
    def __init__(self, width: float = 1.0, periods=PERIODS):
        super().__init__()
        self.discriminators = nn.ModuleList([_ScaleDisc(width)] + [_PeriodDisc(p, width) for p in periods])

    def forward(self, y, y_hat):
        real, fake, fm_real, fm_fake = [], [], [], []
        for d in self.discriminators:
            r, fr = d(y)
            f, ff = d(y_hat)
            real.append(r)
            fake.append(f)
            fm_real.append(fr)
            fm_fake.append(ff)
        return real, fake, fm_real, fm_fake


# -- losses (LSGAN + feature matching + KL, as upstream's s2 training) -------------------------------------
def discriminator_loss(real, fake) -> torch.Tensor:
    return sum(torch.mean((1 - r.float()) ** 2) + torch.mean(f.float() ** 2) for r, f in zip(real, fake))


def generator_loss(fake) -> torch.Tensor:
    return sum(torch.mean((1 - f.float()) ** 2) for f in fake)


def feature_loss(fm_real, fm_fake) -> torch.Tensor:
    return 2 * sum(torch.mean(torch.abs(r.float().detach() - f.float())) for rs, fs in zip(fm_real, fm_fake) for r, f in zip(rs, fs))


def kl_loss(z_p, logs_q, m_p, logs_p, mask) -> torch.Tensor:
    """KL between the posterior (flowed to the prior space) and the text-conditioned prior."""
    kl = logs_p - logs_q - 0.5 + 0.5 * ((z_p - m_p) ** 2) * torch.exp(-2.0 * logs_p)
    return torch.sum(kl * mask) / torch.sum(mask)
