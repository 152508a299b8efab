"""ERes2NetV2 speaker-verification network (v2Pro / v2ProPlus timbre input), upstream state-dict layout.

``ERes2NetV2.forward3(fbank (B, T, 80)) -> (B, m_channels*8*expansion*10)`` (20480 for the real
``w24s4ep4`` model) is what GPT-SoVITS feeds to ``SoVITS.sv_emb``; :func:`sv_embedding` runs the whole
path from 16 kHz audio (Kaldi fbank → ``forward3``). The weights are frozen and shared by every base, so
the vectors can be cached per clip.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import torch
from torch import nn
from torch.nn import functional as F


@dataclass
class ERes2NetConfig:
    num_blocks: list = field(default_factory=lambda: [3, 4, 6, 3])
    m_channels: int = 64
    feat_dim: int = 80
    embedding_size: int = 192
    base_width: int = 24
    scale: int = 4
    expansion: int = 4

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def forward3_dim(self) -> int:
        return self.m_channels * 8 * self.expansion * (self.feat_dim // 8)


def _relu20(x: torch.Tensor) -> torch.Tensor:
    return torch.clamp(x, 0.0, 20.0)  # upstream's "ReLU" is Hardtanh(0, 20)


class AFF(nn.Module):
    """Attentional feature fusion of two same-shape maps."""

    def __init__(self, channels: int, r: int = 4):
        super().__init__()
        inter = channels // r
        self.local_att = nn.Sequential(
            nn.Conv2d(channels * 2, inter, 1), nn.BatchNorm2d(inter), nn.SiLU(),
            nn.Conv2d(inter, channels, 1), nn.BatchNorm2d(channels),
        )

    def forward(self, x, y):
        a = 1.0 + torch.tanh(self.local_att(torch.cat((x, y), dim=1)))
        return x * a + y * (2.0 - a)


class Block(nn.Module):
    """Res2Net-style block; ``fuse=True`` merges the splits with AFF instead of addition."""

    def __init__(self, cin: int, planes: int, stride: int, base_width: int, scale: int, expansion: int, fuse: bool):
        super().__init__()
        width = int(math.floor(planes * (base_width / 64.0)))
        self.width, self.scale, self.fuse = width, scale, fuse
        self.conv1 = nn.Conv2d(cin, width * scale, 1, stride=stride, bias=False)
        self.bn1 = nn.BatchNorm2d(width * scale)
        self.convs = nn.ModuleList(nn.Conv2d(width, width, 3, padding=1, bias=False) for _ in range(scale))
        self.bns = nn.ModuleList(nn.BatchNorm2d(width) for _ in range(scale))
        if fuse:
            self.fuse_models = nn.ModuleList(AFF(width, 4) for _ in range(scale - 1))
        self.conv3 = nn.Conv2d(width * scale, planes * expansion, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * expansion)
        if stride != 1 or cin != planes * expansion:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, planes * expansion, 1, stride=stride, bias=False),
                                          nn.BatchNorm2d(planes * expansion))
        else:
            self.shortcut = nn.Sequential()

    def forward(self, x):
        out = _relu20(self.bn1(self.conv1(x)))
        parts = torch.split(out, self.width, 1)
        outs = []
        sp = None
        for i in range(self.scale):
            if i == 0:
                sp = parts[0]
            elif self.fuse:
                sp = self.fuse_models[i - 1](sp, parts[i])
            else:
                sp = sp + parts[i]
            sp = _relu20(self.bns[i](self.convs[i](sp)))
            outs.append(sp)
        out = self.bn3(self.conv3(torch.cat(outs, 1)))
        return _relu20(out + self.shortcut(x))


class ERes2NetV2(nn.Module):
    def __init__(self, cfg: ERes2NetConfig | None = None):
        super().__init__()
        cfg = cfg or ERes2NetConfig()
        self.config = cfg
        m, e = cfg.m_channels, cfg.expansion
        self.conv1 = nn.Conv2d(1, m, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(m)
        cin = m
        layers = []
        for i, (n, stride, fuse) in enumerate(zip(cfg.num_blocks, (1, 2, 2, 2), (False, False, True, True))):
            planes = m * (2 ** i)
            blocks = []
            for s in [stride] + [1] * (n - 1):
                blocks.append(Block(cin, planes, s, cfg.base_width, cfg.scale, e, fuse))
                cin = planes * e
            layers.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3, self.layer4 = layers
        self.layer3_ds = nn.Conv2d(m * 4 * e, m * 8 * e, 3, padding=1, stride=2, bias=False)
        self.fuse34 = AFF(m * 8 * e, 4)
        stats_dim = (cfg.feat_dim // 8) * m * 8
        self.seg_1 = nn.Linear(stats_dim * e * 2, cfg.embedding_size)

    def _fused_map(self, fbank: torch.Tensor) -> torch.Tensor:
        x = fbank.to(self.conv1.weight.dtype).permute(0, 2, 1).unsqueeze(1)  # (B, 1, F, T)
        out = F.relu(self.bn1(self.conv1(x)))
        out3 = self.layer3(self.layer2(self.layer1(out)))
        out4 = self.layer4(out3)
        return self.fuse34(out4, self.layer3_ds(out3))

    def forward3(self, fbank: torch.Tensor) -> torch.Tensor:
        """(B, T, 80) fbank → (B, C·F') time-averaged fused feature map (the GPT-SoVITS sv vector)."""
        return self._fused_map(fbank).flatten(1, 2).mean(-1)

    def forward(self, fbank: torch.Tensor) -> torch.Tensor:
        """Speaker embedding (mean+std pooling, ``seg_1``); not used by GPT-SoVITS."""
        f = self._fused_map(fbank)
        mean = f.mean(dim=-1).flatten(1)
        std = torch.sqrt(torch.var(f, dim=-1) + 1e-8).flatten(1)
        return self.seg_1(torch.cat((mean, std), 1))


def eres2net_config_from(shapes: dict) -> ERes2NetConfig:
    """Architecture of a speaker-verification state dict, read from its shapes."""
    m = shapes["conv1.weight"][0]
    blocks = [sum(1 for k in shapes if k.startswith(f"layer{i}.") and k.endswith(".conv3.weight")) for i in range(1, 5)]
    expansion = shapes["layer1.0.conv3.weight"][0] // m
    widths = [shapes[f"layer{i}.0.convs.0.weight"][0] for i in range(1, 5)]
    scale = shapes["layer1.0.conv1.weight"][0] // widths[0]
    fits = [bw for bw in range(1, 257) if all(int(math.floor(m * 2 ** i * bw / 64.0)) == w for i, w in enumerate(widths))]
    if not fits:
        raise ValueError("the speaker-verification weights do not match the ERes2NetV2 layout")
    base_width = 24 if 24 in fits else fits[0]
    emb = shapes["seg_1.weight"][0]
    feat = shapes["seg_1.weight"][1] // (2 * m * 8 * expansion) * 8
    return ERes2NetConfig(blocks, m, feat, emb, base_width, scale, expansion)


def build_eres2net(state: dict[str, torch.Tensor], device="cpu", dtype: torch.dtype | None = None) -> ERes2NetV2:
    """Build on ``meta`` and fill by assignment (strict); BatchNorm counters are optional in the file."""
    cfg = eres2net_config_from({k: tuple(v.shape) for k, v in state.items()})
    with torch.device("meta"):
        net = ERes2NetV2(cfg)
    full = dict(state)
    for name, buf in net.named_buffers():
        if name.endswith("num_batches_tracked") and name not in full:
            full[name] = torch.zeros((), dtype=torch.long)
    if dtype is not None:
        full = {k: (v.to(dtype) if v.is_floating_point() else v) for k, v in full.items()}
    net.load_state_dict({k: v.to(device) for k, v in full.items()}, strict=True, assign=True)
    return net.eval()


#: how :func:`sv_embedding` computes (part of the clip-cache key of sv vectors, so older vectors are recomputed)
SV_PRECISION = "f64cpu"


def _float64_copy(net: ERes2NetV2) -> ERes2NetV2:
    """A float64 twin of ``net`` (built on ``meta``, filled by assignment: one float64 copy of the weights)."""
    with torch.device("meta"):
        twin = ERes2NetV2(net.config)
    state = {k: (v.double() if v.is_floating_point() else v) for k, v in net.state_dict().items()}
    twin.load_state_dict(state, strict=True, assign=True)
    return twin.eval()


@torch.no_grad()
def sv_embedding(net: ERes2NetV2, wav16k: torch.Tensor, *, float64: bool | None = None) -> torch.Tensor:
    """16 kHz waveform(s) (B, N) → sv vectors (B, forward3_dim) float32.

    The fbank is float32, as upstream computes it. ``float64`` (default: when the net is float32 on the CPU, where
    upstream computes float32) evaluates the net in float64 on a temporary float64 copy of its weights. The
    full-size net's float32 result depends on the rounding order — the thread count or the CPU's kernel set moves
    it by ~1.2e-5 (max|d|/max|ref|), as much as it differs from upstream's (1.6e-5) — so two float32 runs on two
    machines differ by two roundings; evaluated in float64 ours differs from upstream's only by upstream's own
    (1.1e-5 on the e2e fixtures; the Pro waveforms then match to 4.4e-5 instead of 1.3e-4:
    ``benchmarks/gptsovits_sv_rounding.py``). Costs one transient float64 copy of the weights (~2× the net) and
    ~2× the CPU time, once per reference clip (vectors are cached per clip)."""
    from .features import kaldi_fbank

    if wav16k.dim() == 1:
        wav16k = wav16k[None]
    feats = torch.stack([kaldi_fbank(w.float()) for w in wav16k])
    weight = net.conv1.weight
    if float64 is None:
        float64 = weight.device.type == "cpu" and weight.dtype == torch.float32
    if float64:
        return _float64_copy(net).forward3(feats.double()).float()
    return net.forward3(feats).float()
