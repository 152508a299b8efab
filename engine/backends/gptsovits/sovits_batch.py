"""Batched SoVITS decoding: several rows (own codes, phones, timbre vector, noise scale, speed, generator) in one
pass through one :class:`~.sovits.SoVITS`.

Rows are right-padded to the longest; every stage keeps padded positions from reaching valid ones, so a row's
waveform equals its solo :meth:`SoVITS.decode` up to float rounding of the batched kernels:

* content encoder, MRTE, flow: the same masks the solo code uses (attention masks, FFN/WaveNet re-masking),
  now with per-row lengths;
* ``speed`` ≠ 1: the per-row linear resampling of the encoder output runs on each row's own length;
* noise: drawn per row with the row's generator and shape, as the solo call draws it;
* vocoder (HiFi-GAN, which upstream runs unmasked): the input of every convolution is zeroed beyond the row's
  length at that resolution, so a padded row sees exactly the zero padding a solo run sees.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch.nn import functional as F

from .layers import LRELU_SLOPE, seq_mask
from .sovits import SoVITS


@dataclass
class SynthRow:
    """codes (1, 1, T) semantic tokens, text (1, N) phone ids, ge (1, gin, 1) combined timbre vector."""

    codes: torch.Tensor
    text: torch.Tensor
    ge: torch.Tensor
    noise_scale: float = 0.5
    speed: float = 1.0
    generator: torch.Generator | None = None
    noise: torch.Tensor | None = None  # replaces the standard-normal draw (shape of the row's m_p)


def _pad_stack(items: list[torch.Tensor], value=0) -> torch.Tensor:
    """Right-pad tensors (…, T_i) along the last axis and stack them on a new first axis."""
    n = max(t.shape[-1] for t in items)
    return torch.stack([F.pad(t, (0, n - t.shape[-1]), value=value) for t in items])


def _masked(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    return x * seq_mask(lengths, x.shape[-1]).unsqueeze(1).to(x.dtype)


def _vocode(dec, x: torch.Tensor, lengths: torch.Tensor, g: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``Vocoder.forward`` with every conv input zeroed past each row's length; returns (wav, wav lengths)."""
    x = dec.conv_pre(_masked(x, lengths))
    if g is not None:
        x = x + dec.cond(g)
    for i, up in enumerate(dec.ups):
        x = _masked(F.leaky_relu(x, LRELU_SLOPE), lengths)
        k = up.weight_v.shape[-1]
        lengths = (lengths - 1) * up.stride - 2 * up.padding + k
        x = _masked(up(x), lengths)
        acc = None
        for j in range(dec.n_kernels):
            rb = dec.resblocks[i * dec.n_kernels + j]
            y = x
            for c1, c2 in zip(rb.convs1, rb.convs2):
                t = _masked(c1(F.leaky_relu(y, LRELU_SLOPE)), lengths)
                y = _masked(y + c2(F.leaky_relu(t, LRELU_SLOPE)), lengths)
            acc = y if acc is None else acc + y
        x = acc / dec.n_kernels
    x = dec.conv_post(_masked(F.leaky_relu(x), lengths))
    return torch.tanh(x), lengths


@torch.no_grad()
def decode_batch(model: SoVITS, rows: list[SynthRow]) -> list[torch.Tensor]:
    """Decode every row → list of waveforms (1, 1, N_i) at 32 kHz, in row order."""
    if not rows:
        return []
    dt, dev = model.dtype, next(model.parameters()).device
    cfg = model.config
    enc = model.enc_p
    ge = torch.cat([r.ge.to(device=dev, dtype=dt) for r in rows], dim=0)  # (B, gin, 1)
    codes = _pad_stack([r.codes.to(device=dev, dtype=torch.long)[0, 0] for r in rows])  # (B, T)
    y_lengths = torch.tensor([r.codes.shape[2] for r in rows], device=dev)
    text = _pad_stack([r.text.to(dev)[0] for r in rows])  # (B, N)
    text_lengths = torch.tensor([r.text.shape[-1] for r in rows], device=dev)
    q = model.quantizer.decode(codes[None])
    if cfg.semantic_frame_rate == "25hz":
        q = torch.repeat_interleave(q, 2, dim=-1)
        y_lengths = y_lengths * 2
    ge_enc = model.ge_for_encoder(ge)

    # content encoder with per-row lengths; speed resamples each row on its own length
    y, y_mask = enc.encode(q, y_lengths, text, text_lengths, ge_enc)
    if any(r.speed != 1 for r in rows):
        parts = []
        for i, r in enumerate(rows):
            yi = y[i:i + 1, :, : int(y_lengths[i])]
            if r.speed != 1:
                yi = F.interpolate(yi, size=int(yi.shape[-1] / r.speed) + 1, mode="linear")
            parts.append(yi[0])
        y_lengths = torch.tensor([p.shape[-1] for p in parts], device=dev)
        y = _pad_stack(parts)
        y_mask = seq_mask(y_lengths, y.shape[2]).unsqueeze(1).to(y.dtype)
    m_p, logs_p = enc.prior(y, y_mask)

    # noise per row, drawn the way the solo call draws it
    noises = []
    for i, r in enumerate(rows):
        shape = (1, m_p.shape[1], int(y_lengths[i]))
        n = r.noise
        if n is None:
            gdev = r.generator.device if r.generator is not None else dev
            n = torch.randn(shape, generator=r.generator, device=gdev, dtype=torch.float32)
        noises.append(n.to(device=dev, dtype=m_p.dtype)[0])
    noise = _pad_stack(noises)
    scale = torch.tensor([float(r.noise_scale) for r in rows], device=dev, dtype=m_p.dtype)[:, None, None]
    z_p = m_p + noise * torch.exp(logs_p) * scale
    z = model.flow(z_p, y_mask, g=ge, reverse=True)
    wav, lengths = _vocode(model.dec, z * y_mask, y_lengths, ge)
    return [wav[i:i + 1, :, : int(lengths[i])] for i in range(len(rows))]
