"""GPT-SoVITS ``.ckpt`` + ``.pth`` → a Timbrel base (safetensors groups ``gpt`` and ``sovits`` + manifest).

:func:`convert_pair` reads both files safely (see :mod:`.checkpoint`), decides the version, checks every
tensor against our networks' layouts (built on ``meta``), and returns the groups and the manifest;
:func:`import_base` hands them to ``engine.bases.register``. The manifest keeps only what synthesis needs
and where the weights came from (file names, sizes, sha256, header, training info); the training config's
local paths are not copied.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import torch

from ...errors import InvalidInput
from .checkpoint import read_gpt_file, read_sovits_file
from .models import build_gpt, build_sovits, dtype_name, layout_problems

BACKEND = "gptsovits"
FORMAT = 1


@dataclass
class ConvertedBase:
    variant: str
    groups: dict[str, dict[str, torch.Tensor]]
    manifest: dict[str, Any]


def check_layout(module: torch.nn.Module, tensors: dict[str, torch.Tensor], what: str) -> None:
    """Every tensor our network expects is present with the right shape, and nothing else."""
    missing, extra, bad = layout_problems(module, tensors)
    if missing or extra or bad:
        detail = "; ".join(x for x in (
            f"missing {', '.join(missing[:3])}" if missing else "",
            f"unexpected {', '.join(extra[:3])}" if extra else "",
            f"wrong shape for {', '.join(bad[:3])}" if bad else "") if x)
        raise InvalidInput(f"The {what} weights do not match a GPT-SoVITS network ({detail}).",
                           hint="The file may be from an unsupported GPT-SoVITS version or edited by another tool.")


def convert_pair(gpt_path: str | os.PathLike, sovits_path: str | os.PathLike) -> ConvertedBase:
    from ...torchutil import configure_torch

    configure_torch()
    gpt_file, gpt_cfg = read_gpt_file(gpt_path)
    sov_file, sov_cfg = read_sovits_file(sovits_path)
    if (gpt_cfg.phoneme_vocab_size == 512) != (sov_cfg.variant == "v1"):
        raise InvalidInput(
            f"The GPT file is a {'v1' if gpt_cfg.phoneme_vocab_size == 512 else 'v2-family'} model but the SoVITS file is {sov_cfg.variant}.",
            hint="Use a GPT and a SoVITS file trained for the same GPT-SoVITS version.")
    check_layout(build_gpt(gpt_cfg, "meta"), gpt_file.weights, "GPT")
    check_layout(build_sovits(sov_cfg.variant, sov_cfg, "meta"), sov_file.weights, "SoVITS")
    dtypes = {dtype_name(t.dtype) for t in (*gpt_file.weights.values(), *sov_file.weights.values()) if t.is_floating_point()}
    manifest = {
        "format": FORMAT,
        "backend": BACKEND,
        "variant": sov_cfg.variant,
        "dtype": dtypes.pop() if len(dtypes) == 1 else "float32",
        "architecture": {"gpt": gpt_cfg.to_dict(), "sovits": sov_cfg.to_dict()},
        "sources": {"gpt": gpt_file.source(), "sovits": sov_file.source()},
        "inference": {
            "sampling_rate": sov_cfg.sampling_rate,
            "early_stop_num": 50 * gpt_cfg.max_sec,
            "needs_sv": sov_cfg.is_pro,
            "phone_set": "v1" if sov_cfg.variant == "v1" else "v2",
        },
    }
    return ConvertedBase(sov_cfg.variant, {"gpt": gpt_file.weights, "sovits": sov_file.weights}, manifest)


def import_base(store, name: str, gpt_path: str | os.PathLike, sovits_path: str | os.PathLike,
                provenance: dict | None = None):
    """Convert a GPT/SoVITS pair and register it in ``store`` (``engine.bases``); returns the BaseRecord."""
    from ...errors import AlreadyExists, NotFound

    try:
        store.get(name)
    except NotFound:
        pass
    else:
        raise AlreadyExists(f"There is already a base named '{name}'.",
                            hint="Pick another name, or remove the old one with 'timbrel base remove NAME'.")
    conv = convert_pair(gpt_path, sovits_path)
    prov = {"made_by": "timbrel base import", **(provenance or {})}
    return store.register(name, BACKEND, conv.variant, conv.groups, conv.manifest, provenance=prov)
