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

from .layers import module_dtype
from .sovits_content import SSL_DIM, ContentEncoder
from .sovits_decoder import Flow, Vocoder
from .sovits_reference import StyleEncoder

PRO_VARIANTS = ("v2Pro", "v2ProPlus")
SPEC_BINS_USED = 704  # v2+: the reference encoder sees the first 704 of the 1025 linear-spectrogram bins
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
