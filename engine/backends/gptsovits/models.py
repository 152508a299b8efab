"""Building and filling GPT-SoVITS networks for the runtime.

The runtime builds one skeleton per architecture on ``meta``, allocates device storage once, and swaps
bases by copying tensors into that storage:

* :func:`parameter_layout` ``(manifest) -> {group: {name: (shape, dtype)}}`` — every tensor a base has
  (``gpt`` and ``sovits`` groups), computed by building on ``meta`` (no weights touched).
* :func:`build_gpt` ``(config, device)`` / :func:`build_sovits` ``(variant, config, device)`` — modules with
  uninitialised storage (``device="meta"`` allocates nothing).
* :func:`fill` ``(module, tensors, mode="assign"|"copy")`` — strict fill from a name → tensor mapping (a
  safetensors handle's tensors, a dict, ...). ``"copy"`` writes into the existing storage (dtype/device
  conversion included), ``"assign"`` adopts the given tensors (e.g. mmap-backed CPU tensors).
* :func:`load_base` — convenience for CPU use/tests: manifest + safetensors paths → ready ``(gpt, sovits)``.
"""

from __future__ import annotations

import os
from typing import Mapping

import torch
from torch import nn

from .sovits import SoVITS, SoVITSConfig
from .t2s import T2SConfig, Text2Semantic

GROUPS = ("gpt", "sovits")
_DTYPES = {"float16": torch.float16, "bfloat16": torch.bfloat16, "float32": torch.float32, "int64": torch.int64}


def dtype_from_name(name: str) -> torch.dtype:
    try:
        return _DTYPES[name]
    except KeyError:
        raise ValueError(f"unsupported tensor dtype {name!r}") from None


def dtype_name(dt: torch.dtype) -> str:
    return str(dt).replace("torch.", "")


def _gpt_cfg(config) -> T2SConfig:
    return config if isinstance(config, T2SConfig) else T2SConfig.from_dict(dict(config))


def _sovits_cfg(variant: str, config) -> SoVITSConfig:
    cfg = config if isinstance(config, SoVITSConfig) else SoVITSConfig.from_dict(dict(config))
    if variant and cfg.variant != variant:
        cfg = SoVITSConfig.from_dict({**cfg.to_dict(), "variant": variant})
    return cfg


def build_gpt(config, device="meta") -> Text2Semantic:
    with torch.device(device):
        m = Text2Semantic(_gpt_cfg(config))
    return m.eval().requires_grad_(False)


def build_sovits(variant: str, config, device="meta") -> SoVITS:
    with torch.device(device):
        m = SoVITS(_sovits_cfg(variant, config))
    return m.eval().requires_grad_(False)


def module_layout(module: nn.Module, dtype: torch.dtype | None = None) -> dict[str, tuple[tuple[int, ...], torch.dtype]]:
    out = {}
    for name, t in module.state_dict(keep_vars=True).items():
        dt = dtype if (dtype is not None and t.is_floating_point()) else t.dtype
        out[name] = (tuple(t.shape), dt)
    return out


def build_group(manifest: Mapping, group: str, device="meta") -> nn.Module:
    arch = manifest["architecture"]
    if group == "gpt":
        return build_gpt(arch["gpt"], device)
    if group == "sovits":
        return build_sovits(manifest["variant"], arch["sovits"], device)
    raise ValueError(f"unknown GPT-SoVITS group {group!r}")


def parameter_layout(manifest: Mapping) -> dict[str, dict[str, tuple[tuple[int, ...], torch.dtype]]]:
    """``{group: {tensor name: (shape, dtype)}}`` of a GPT-SoVITS base, from its manifest alone."""
    dt = dtype_from_name(manifest.get("dtype", "float16"))
    return {g: module_layout(build_group(manifest, g, "meta"), dt) for g in GROUPS}


def layout_problems(module: nn.Module, tensors: Mapping[str, torch.Tensor]) -> tuple[list[str], list[str], list[str]]:
    """(missing, unexpected, wrong-shape) tensor names of ``tensors`` against ``module``'s state dict."""
    own = module.state_dict(keep_vars=True)
    missing = sorted(set(own) - set(tensors))
    extra = sorted(set(tensors) - set(own))
    bad = [k for k, t in own.items() if k in tensors and tuple(tensors[k].shape) != tuple(t.shape)]
    return missing, extra, bad


def fill(module: nn.Module, tensors: Mapping[str, torch.Tensor], mode: str = "copy") -> nn.Module:
    """Strictly load ``tensors`` into ``module`` (every name present, no extras, shapes equal).

    ``mode="copy"``: copy into existing storage (module must not be on ``meta``); dtype/device converted.
    ``mode="assign"``: the module's parameters/buffers become the given tensors (use with a ``meta`` skeleton).
    """
    missing, extra, bad = layout_problems(module, tensors)
    if missing or extra:
        raise KeyError(f"tensor names do not match the network: missing {missing[:5]}, unexpected {extra[:5]}")
    if bad:
        raise ValueError(f"tensor shapes do not fit the network: {', '.join(bad[:5])}")
    own = module.state_dict(keep_vars=True)
    if mode == "assign":
        module.load_state_dict(dict(tensors), strict=True, assign=True)
        module.requires_grad_(False)
    elif mode == "copy":
        with torch.no_grad():
            for name, t in own.items():
                t.copy_(tensors[name], non_blocking=True)
    else:
        raise ValueError("mode must be 'assign' or 'copy'")
    return module


def load_base(manifest: Mapping, paths: Mapping[str, str | os.PathLike], device="cpu",
              dtype: torch.dtype | None = torch.float32) -> tuple[Text2Semantic, SoVITS]:
    """Open the safetensors of each group (mmap, no pickle) and return filled ``(gpt, sovits)``."""
    from safetensors.torch import load_file

    from ...loadguard import loading

    mods = {}
    for g in GROUPS:
        with loading(f"The {g} weights of this base", paths[g], in_library=True):
            tensors = load_file(str(paths[g]), device="cpu")
        if dtype is not None:
            tensors = {k: (v.to(dtype) if v.is_floating_point() else v) for k, v in tensors.items()}
        if str(device) != "cpu":
            tensors = {k: v.to(device) for k, v in tensors.items()}
        mods[g] = fill(build_group(manifest, g, "meta"), tensors, "assign")
    return mods["gpt"], mods["sovits"]
