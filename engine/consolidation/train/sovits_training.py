"""SoVITS fine-tuning step: upstream's v2 / v2Pro-family objective, our own implementation.

Per batch (clips cut to whole 25 Hz frames, padded):

* reference embedding ``ge`` from the clip's own spectrogram (+ the SV vector for Pro, through ``sv_emb`` and
  the PReLU);
* semantic path: ``ssl_proj`` + quantizer, frozen as upstream's ``freeze_quantizer`` (the commitment loss
  ‖x − q‖² is computed and added, but carries no gradient then); codes repeated ×2 to 50 Hz;
* prior ``m_p, logs_p`` from ``enc_p`` (phones + semantic + ge); posterior ``z`` from ``enc_q`` on the
  linear spectrogram; ``z_p = flow(z)``; a random window of ``z`` decoded to audio;
* generator loss = 45·mel L1 + KL(z_p ‖ prior) + adversarial LSGAN + 2·feature matching + commitment;
  discriminator loss = LSGAN on the real and generated windows. Two AdamW optimisers (betas 0.8/0.99); the
  text-side modules of ``enc_p`` learn at 0.4× the rate (upstream's ``text_low_lr_rate``).

All randomness (window starts, posterior noise) comes from a generator seeded by the step number, so a
resumed run is bit-exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch.nn import functional as F

from ...audio.features import mel_spectrogram
from ...backends.gptsovits.features import SPEC_HOP, reference_spectrogram
from ...backends.gptsovits.layers import seq_mask
from .sovits_nets import discriminator_loss, feature_loss, generator_loss, kl_loss

SPEC_BINS_USED = 704
C_MEL, C_KL = 45.0, 1.0
TEXT_LOW_LR = 0.4
TEXT_MODULES = ("enc_p.text_embedding", "enc_p.encoder_text", "enc_p.mrte")


@dataclass
class SoVITSBatch:
    spec: torch.Tensor       # (B, 1025, T)
    ssl: torch.Tensor        # (B, 768, T)
    wav: torch.Tensor        # (B, 1, T*640)
    lengths: torch.Tensor    # (B,) frames (50 Hz), even
    text: torch.Tensor       # (B, N)
    text_lengths: torch.Tensor
    sv: torch.Tensor | None  # (B, 20480)


def collate(samples, max_frames: int | None = None, device="cpu") -> SoVITSBatch:
    """Pad clips into a batch; ``max_frames`` (50 Hz frames) keeps only the start of long clips."""
    items = []
    for s in samples:
        spec = reference_spectrogram(s.wav32k)[0]
        t = min(spec.shape[1], s.ssl.shape[1], max_frames or 1 << 30)
        t -= t % 2
        items.append((spec[:, :t], s.ssl[:, :t], s.wav32k[: t * SPEC_HOP], t, s.phones, s.sv))
    b = len(items)
    T = max(i[3] for i in items)
    N = max(i[4].numel() for i in items)
    spec = torch.zeros(b, items[0][0].shape[0], T)
    ssl = torch.zeros(b, 768, T)
    wav = torch.zeros(b, 1, T * SPEC_HOP)
    text = torch.zeros(b, N, dtype=torch.long)
    lengths = torch.tensor([i[3] for i in items])
    text_lengths = torch.tensor([i[4].numel() for i in items])
    for k, (sp, ss, w, t, ph, _) in enumerate(items):
        spec[k, :, :t], ssl[k, :, :t], wav[k, 0, : w.numel()], text[k, : ph.numel()] = sp, ss, w, ph
    sv = None if items[0][5] is None else torch.stack([i[5] for i in items]).to(device)
    return SoVITSBatch(spec.to(device), ssl.to(device), wav.to(device), lengths.to(device), text.to(device),
                       text_lengths.to(device), sv)


def log_mel(wav: torch.Tensor, sample_rate: int = 32000) -> torch.Tensor:
    mel = mel_spectrogram(wav, sample_rate, 2048, SPEC_HOP, 128, power=1.0, htk=False, slaney_norm=True)
    return torch.log(torch.clamp(mel, min=1e-5))


def generator_forward(model, enc_q, batch: SoVITSBatch, segment_frames: int, generator: torch.Generator) -> dict:
    """Everything the losses need; ``y_hat`` / ``y`` are the decoded and the real windows."""
    mask = seq_mask(batch.lengths, batch.spec.shape[2]).unsqueeze(1).to(batch.spec.dtype)
    ref = batch.spec if model.config.variant == "v1" else batch.spec[:, :SPEC_BINS_USED]
    ge = model.ref_enc(ref * mask, mask)
    if model.is_pro:
        if batch.sv is None:
            raise ValueError(f"training a {model.config.variant} model needs speaker-verification vectors")
        ge = model.prelu(ge + model.sv_emb(batch.sv).unsqueeze(-1))
    with torch.no_grad():                                    # frozen quantizer (upstream freeze_quantizer)
        x = model.ssl_proj(batch.ssl)
        q = model.quantizer.decode(model.quantizer.encode(x))
        commit = F.mse_loss(x, q)
    q = torch.repeat_interleave(q, 2, dim=-1)[..., : batch.spec.shape[2]]
    m_p, logs_p, y_mask = model.enc_p(q, batch.lengths, batch.text, batch.text_lengths, model.ge_for_encoder(ge))
    z, m_q, logs_q, _ = enc_q(batch.spec, batch.lengths, g=ge, generator=generator)
    z_p = model.flow(z, y_mask, g=ge, reverse=False)
    seg = min(segment_frames, int(batch.lengths.min()))
    starts = [int(torch.randint(0, int(n) - seg + 1, (1,), generator=generator)) for n in batch.lengths.tolist()]
    z_slice = torch.stack([z[i, :, s: s + seg] for i, s in enumerate(starts)])
    y = torch.stack([batch.wav[i, :, s * SPEC_HOP: (s + seg) * SPEC_HOP] for i, s in enumerate(starts)])
    y_hat = model.dec(z_slice, g=ge)
    return {"y": y, "y_hat": y_hat, "z_p": z_p, "m_p": m_p, "logs_p": logs_p, "logs_q": logs_q, "y_mask": y_mask,
            "commit": commit}


def reconstruction_losses(out: dict) -> dict[str, torch.Tensor]:
    mel = F.l1_loss(log_mel(out["y_hat"].squeeze(1)), log_mel(out["y"].squeeze(1)))
    kl = kl_loss(out["z_p"], out["logs_q"], out["m_p"], out["logs_p"], out["y_mask"])
    return {"mel": mel, "kl": kl}


def param_groups(model, enc_q, lr: float) -> list[dict]:
    """Trainable parameters (quantizer and ssl_proj frozen); text-side encoder modules at the low rate."""
    low, normal = [], []
    for name, p in model.named_parameters():
        if name.startswith(("ssl_proj.", "quantizer.")):
            p.requires_grad_(False)
            continue
        p.requires_grad_(True)
        (low if name.startswith(TEXT_MODULES) else normal).append(p)
    for p in enc_q.parameters():
        p.requires_grad_(True)
    return [{"params": normal + list(enc_q.parameters()), "lr": lr, "base_lr": lr},
            {"params": low, "lr": lr * TEXT_LOW_LR, "base_lr": lr * TEXT_LOW_LR}]


def train_step(model, enc_q, disc, opt_g, opt_d, samples, *, segment_frames: int, generator: torch.Generator,
               grad_clip: float | None = None, max_frames: int | None = None, device="cpu") -> dict[str, float]:
    batch = collate(samples, max_frames, device)
    out = generator_forward(model, enc_q, batch, segment_frames, generator)
    # discriminator
    real, fake, _, _ = disc(out["y"], out["y_hat"].detach())
    loss_d = discriminator_loss(real, fake)
    opt_d.zero_grad(set_to_none=True)
    loss_d.backward()
    if grad_clip:
        torch.nn.utils.clip_grad_norm_(disc.parameters(), grad_clip)
    opt_d.step()
    # generator
    real, fake, fm_r, fm_f = disc(out["y"], out["y_hat"])
    rec = reconstruction_losses(out)
    adv, fm = generator_loss(fake), feature_loss(fm_r, fm_f)
    loss_g = C_MEL * rec["mel"] + C_KL * rec["kl"] + adv + fm + out["commit"]
    opt_g.zero_grad(set_to_none=True)
    loss_g.backward()
    if grad_clip:
        params = [p for g in opt_g.param_groups for p in g["params"]]
        torch.nn.utils.clip_grad_norm_(params, grad_clip)
    opt_g.step()
    return {"g": float(loss_g.detach()), "d": float(loss_d.detach()), "mel": float(rec["mel"].detach()),
            "kl": float(rec["kl"].detach()), "adv": float(adv.detach()), "fm": float(fm.detach()),
            "commit": float(out["commit"])}
