"""Reading users' GPT-SoVITS weight files safely.

* Unpickling is restricted: ``torch.load(weights_only=True)``. The only non-torch class allowed is a
  stand-in for the ``utils.HParams`` config object that SoVITS fine-tunes pickle; it is a plain
  attribute bag, never the real module. A file that tries anything else (a ``__reduce__`` payload,
  an unknown global) is refused with :class:`engine.errors.UnsafeFile` before any of it runs.
* SoVITS files may start with a 2-byte version tag instead of the zip magic ``PK``
  (``05`` v2Pro, ``06`` v2ProPlus, ``00``-``04`` v1/v2/v3/LoRA); the tag is put back to ``PK`` in memory.
* The version is decided from the header and the tensor shapes, never from the file size.
* Nothing in a file is trusted: it is read through :func:`engine.fsutil.read_bounded` (regular files
  only, at most :data:`MAX_FILE_BYTES`); every tensor is checked (:func:`check_tensors`: strided, in
  bounds of its storage, no zero strides, at most :data:`MAX_TENSOR_ELEMENTS`); the config may nest
  at most :data:`MAX_CONFIG_DEPTH` deep; and the architecture values are validated against the one
  architecture each supported variant has (:func:`sovits_config_from`, :func:`gpt_config_from`: types
  and ranges), so a file that would only fail at synthesis time is refused when it is loaded.

Public functions: :func:`read_gpt_file`, :func:`read_sovits_file`, :func:`read_sv_file` and the pure helpers
:func:`sovits_variant_from` / :func:`sovits_config_from` / :func:`gpt_config_from` (also used on the
real-size key manifests).
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import pickle
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import torch

from ...errors import InvalidInput, UnsafeFile
from ...fsutil import read_bounded
from .sovits import SoVITSConfig
from .t2s import T2SConfig

HEADER_VARIANTS = {b"00": "v1", b"01": "v2", b"02": "v3", b"03": "v3-lora", b"04": "v4-lora", b"05": "v2Pro", b"06": "v2ProPlus"}
SUPPORTED_VARIANTS = ("v1", "v2", "v2Pro", "v2ProPlus")
V1_SYMBOLS, V2_SYMBOLS = 322, 732
MAX_FILE_BYTES = 4 << 30           # real SoVITS/GPT files are 80-250 MB
MAX_TENSOR_ELEMENTS = 1 << 31
MAX_CONFIG_DEPTH = 12
HOP_LENGTH = 640                   # every supported variant decodes 32 kHz audio, 640 samples per frame


class HParams:
    """Stand-in for upstream ``utils.HParams``: only stores attributes (no code of its own runs on load)."""

    def __init__(self, **kw: Any) -> None:
        self.__dict__.update(kw)

    def to_dict(self) -> dict:
        return {k: (v.to_dict() if isinstance(v, HParams) else v) for k, v in self.__dict__.items()}


HParams.__module__ = "utils"
HParams.__qualname__ = "HParams"


def plain(obj: Any, _depth: int = 0) -> Any:
    """Config objects → plain JSON-able python (HParams → dict, tuples → lists); refuses nesting
    deeper than :data:`MAX_CONFIG_DEPTH`."""
    if _depth > MAX_CONFIG_DEPTH:
        raise InvalidInput(f"The model file's config is nested more than {MAX_CONFIG_DEPTH} levels deep; "
                           "it is damaged or not a GPT-SoVITS file.")
    if isinstance(obj, HParams):
        obj = obj.__dict__
    if isinstance(obj, Mapping):
        return {str(k): plain(v, _depth + 1) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [plain(v, _depth + 1) for v in obj]
    if isinstance(obj, (str, int, float, bool)) or obj is None:
        return obj
    return str(obj)[:200]


@dataclass
class LoadedFile:
    path: Path
    sha256: str
    size: int
    header: bytes
    weights: dict[str, torch.Tensor]
    config: dict
    info: str
    variant: str

    def source(self) -> dict:
        return {"file": self.path.name, "sha256": self.sha256, "size": self.size, "header": self.header.decode("latin-1"),
                "info": self.info}


def _read_bytes(path: Path) -> bytes:
    """The file's bytes: regular files only, bounded by the bytes actually read."""
    return read_bounded(path, MAX_FILE_BYTES, str(path))


def safe_torch_load(data: bytes, what: str) -> Any:
    """``torch.load`` restricted to tensors, plain containers and the HParams stand-in."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise InvalidInput(f"{what} is not a PyTorch checkpoint (not a zip archive).",
                           hint="Pick the .ckpt / .pth file GPT-SoVITS wrote.")
    try:
        with torch.serialization.safe_globals([HParams]):
            return torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        raise UnsafeFile(
            f"{what} contains code or objects a model file should not have; it was refused and nothing in it ran.",
            hint=f"Only load model files from sources you trust. Details: {str(exc).splitlines()[0][:300]}",
        ) from None
    except RecursionError:
        raise InvalidInput(f"{what} is nested too deeply to be a GPT-SoVITS model file; it was refused.") from None
    except (RuntimeError, EOFError, ValueError, KeyError, TypeError, AttributeError, IndexError, OverflowError,
            MemoryError, zipfile.BadZipFile) as exc:
        raise InvalidInput(f"{what} is damaged or not a GPT-SoVITS model file ({str(exc)[:300]}).") from None


def check_tensors(weights: Mapping[str, Any], what: str) -> None:
    """Refuse tensors no real model file has: not dense, zero strides (one element pretending to be
    billions), more than :data:`MAX_TENSOR_ELEMENTS`, or views reaching past their storage."""
    for key, t in weights.items():
        name = str(key)
        if not isinstance(t, torch.Tensor):
            raise InvalidInput(f"{what}: '{name[:80]}' is not a tensor.")
        if t.layout != torch.strided or t.is_quantized:
            raise InvalidInput(f"{what}: tensor '{name[:80]}' is not a plain dense tensor.")
        if not (t.is_floating_point() or t.dtype in (torch.int64, torch.int32, torch.bool, torch.uint8, torch.int8)):
            raise InvalidInput(f"{what}: tensor '{name[:80]}' has the unusable type {t.dtype}.")
        shape, stride = tuple(int(x) for x in t.shape), tuple(int(x) for x in t.stride())
        numel = math.prod(shape)
        if numel > MAX_TENSOR_ELEMENTS:
            raise InvalidInput(f"{what}: tensor '{name[:80]}' claims {numel} elements; the file is damaged or hostile.")
        if numel == 0:
            continue
        if any(n > 1 and st == 0 for n, st in zip(shape, stride)):
            raise InvalidInput(f"{what}: tensor '{name[:80]}' repeats one value along a dimension (stride 0); "
                               "no model file is written like that.")
        extent = int(t.storage_offset()) + sum((n - 1) * st for n, st in zip(shape, stride)) + 1
        if extent * t.element_size() > t.untyped_storage().nbytes():
            raise InvalidInput(f"{what}: tensor '{name[:80]}' reaches past its stored data; the file is damaged.")


# -- architecture validation: one rule set per architecture, with ranges ----------------------------------
def _num(value: Any, where: str, lo: float, hi: float, *, integer: bool = True) -> Any:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if ok and integer:
        ok = float(value).is_integer()
    if not ok:
        kind = "a whole number" if integer else "a number"
        raise InvalidInput(f"The model file's config has {where} = {str(value)[:40]!r}; it must be {kind}.")
    if not lo <= value <= hi:
        raise InvalidInput(f"The model file's config has {where} = {value}, outside the range a GPT-SoVITS model "
                           f"uses ({lo}–{hi}); the file is damaged or not a supported model.")
    return int(value) if integer else float(value)


def _num_list(value: Any, where: str, lo: int, hi: int, max_len: int) -> list[int]:
    if not isinstance(value, (list, tuple)) or not 1 <= len(value) <= max_len:
        raise InvalidInput(f"The model file's config has {where} = {str(value)[:60]}; it must be a list of "
                           f"1–{max_len} whole numbers.")
    return [_num(v, f"{where}[{i}]", lo, hi) for i, v in enumerate(value)]


def _shape_dim(shapes: Mapping[str, tuple], key: str, axis: int, lo: int, hi: int, what: str) -> int:
    if key not in shapes or len(shapes[key]) <= axis:
        raise InvalidInput(f"The {what} file has no usable tensor '{key}'; it is damaged or not a GPT-SoVITS model.")
    return _num(int(shapes[key][axis]), f"the shape of {key}", lo, hi)


def _unwrap(obj: Any, what: str) -> tuple[dict[str, torch.Tensor], dict, str]:
    if not isinstance(obj, Mapping) or "weight" not in obj:
        raise InvalidInput(f"{what} has no 'weight' entry; it is not a GPT-SoVITS weights file.",
                           hint="Use the small exported weights (GPT_weights*/ SoVITS_weights*), not a training checkpoint.")
    weights = obj["weight"]
    if not isinstance(weights, Mapping) or not all(isinstance(v, torch.Tensor) for v in weights.values()):
        raise InvalidInput(f"{what}: 'weight' is not a name → tensor mapping.")
    if "lora_rank" in obj:
        raise InvalidInput(f"{what} is a v3/v4 LoRA file; only v1/v2/v2Pro/v2ProPlus models are supported.")
    return dict(weights), plain(obj.get("config") or {}), str(obj.get("info", ""))


# -- version / architecture decisions (pure; work on shapes only) ---------------------------------------------
def sovits_variant_from(header: bytes, shapes: Mapping[str, tuple]) -> str:
    """Variant from the 2-byte header and the tensor shapes (``shapes``: key → shape, ``enc_q`` keys ignored)."""
    if any(k.startswith("cfm.") for k in shapes) or "enc_p.text_embedding.weight" not in shapes:
        raise InvalidInput("This SoVITS file is a v3/v4 model (flow-matching decoder); only v1/v2/v2Pro/v2ProPlus are supported.")
    tagged = HEADER_VARIANTS.get(header)
    if header not in (b"PK",) and tagged is None:
        raise InvalidInput(f"Unknown SoVITS file header {header!r}.")
    if tagged is not None and tagged not in SUPPORTED_VARIANTS:
        raise InvalidInput(f"This SoVITS file is a {tagged} model; only v1/v2/v2Pro/v2ProPlus are supported.")
    n_sym = shapes["enc_p.text_embedding.weight"][0]
    has_sv = "sv_emb.weight" in shapes
    if n_sym == V1_SYMBOLS:
        shape_variant = "v1"
    elif n_sym == V2_SYMBOLS:
        if has_sv:
            width = shapes["dec.conv_pre.weight"][0]
            shape_variant = "v2ProPlus" if width == 768 else "v2Pro"
        else:
            shape_variant = "v2"
    else:
        raise InvalidInput(f"Unexpected phone-symbol count {n_sym} in the SoVITS file (v1 has 322, v2 732).")
    if tagged is None:
        return shape_variant
    pro_tag = tagged in ("v2Pro", "v2ProPlus")
    if pro_tag != has_sv or (tagged == "v1") != (shape_variant == "v1"):
        raise InvalidInput(f"The file header says {tagged} but its tensors look like {shape_variant}; the file is inconsistent.")
    return tagged  # Pro vs ProPlus: the header decides (the tensors of both are laid out alike)


def sovits_config_from(variant: str, shapes: Mapping[str, tuple], model_cfg: Mapping[str, Any]) -> SoVITSConfig:
    """Architecture from the file's ``config.model`` checked against (and partly taken from) the tensor shapes.

    v1, v2, v2Pro and v2ProPlus share one decoder architecture (32 kHz, 640 samples per frame); every
    value is checked for type and range, so an absurd file is refused here, not at synthesis."""
    if not isinstance(model_cfg, Mapping):
        raise InvalidInput("The SoVITS file's config.model is not a mapping; cannot rebuild the network.")

    def need(key: str):
        if key not in model_cfg:
            raise InvalidInput(f"The SoVITS file's config has no model.{key}; cannot rebuild the network.")
        return model_cfg[key]

    what = "SoVITS"
    hidden = _shape_dim(shapes, "enc_p.text_embedding.weight", 1, 8, 4096, what)
    n_heads = _num(need("n_heads"), "model.n_heads", 1, 64)
    if hidden % n_heads:
        raise InvalidInput(f"The SoVITS file's config has model.n_heads = {n_heads}, which does not divide the "
                           f"hidden size {hidden}; the file is inconsistent.")
    resblock = str(model_cfg.get("resblock", "1"))
    if resblock not in ("1", "2"):
        raise InvalidInput(f"The SoVITS file's config has model.resblock = {resblock[:20]!r}; it must be '1' or '2'.")
    kernels = _num_list(need("resblock_kernel_sizes"), "model.resblock_kernel_sizes", 1, 31, 8)
    dilations_raw = need("resblock_dilation_sizes")
    if not isinstance(dilations_raw, (list, tuple)) or len(dilations_raw) != len(kernels):
        raise InvalidInput("The SoVITS file's config has model.resblock_dilation_sizes that do not match "
                           "model.resblock_kernel_sizes.")
    dilations = [_num_list(d, f"model.resblock_dilation_sizes[{i}]", 1, 64, 8) for i, d in enumerate(dilations_raw)]
    rates = _num_list(need("upsample_rates"), "model.upsample_rates", 1, 32, 8)
    if math.prod(rates) != HOP_LENGTH:
        raise InvalidInput(f"The SoVITS file's config has model.upsample_rates {rates} (product {math.prod(rates)}); "
                           f"supported models upsample by {HOP_LENGTH} (32 kHz audio).")
    up_kernels = _num_list(need("upsample_kernel_sizes"), "model.upsample_kernel_sizes", 1, 128, 8)
    if len(up_kernels) != len(rates) or any(k < u for k, u in zip(up_kernels, rates)):
        raise InvalidInput("The SoVITS file's config has model.upsample_kernel_sizes that do not fit "
                           "model.upsample_rates.")
    n_layers = sum(1 for k in shapes if k.startswith("enc_p.encoder_text.norm_layers_1.") and k.endswith(".gamma"))
    cfg = SoVITSConfig(
        variant=variant,
        n_symbols=_shape_dim(shapes, "enc_p.text_embedding.weight", 0, 1, 4096, what),
        inter_channels=_shape_dim(shapes, "enc_p.proj.weight", 0, 2, 8192, what) // 2,
        hidden_channels=hidden,
        filter_channels=_shape_dim(shapes, "enc_p.encoder_text.ffn_layers.0.conv_1.weight", 0, 1, 16384, what),
        n_heads=n_heads,
        n_layers=_num(n_layers, "the number of text-encoder layers", 1, 32),
        kernel_size=_shape_dim(shapes, "enc_p.encoder_text.ffn_layers.0.conv_1.weight", 2, 1, 31, what),
        resblock=resblock,
        resblock_kernel_sizes=kernels,
        resblock_dilation_sizes=dilations,
        upsample_rates=rates,
        upsample_initial_channel=_shape_dim(shapes, "dec.conv_pre.weight", 0, 1, 4096, what),
        upsample_kernel_sizes=up_kernels,
        gin_channels=_shape_dim(shapes, "ref_enc.fc.fc.weight", 0, 1, 4096, what),
        semantic_frame_rate="25hz",
        spec_channels=1025,
    )
    return cfg


def gpt_config_from(shapes: Mapping[str, tuple], config: Mapping[str, Any]) -> T2SConfig:
    """The GPT (text-to-semantic) architecture from the tensor shapes and the file's config, with ranges."""
    if not isinstance(config, Mapping):
        raise InvalidInput("The GPT file's config is not a mapping.")
    model = config.get("model", {})
    data = config.get("data") or {}
    if not isinstance(model, Mapping) or not isinstance(data, Mapping):
        raise InvalidInput("The GPT file's config.model / config.data are not mappings.")
    what = "GPT"
    n_layer = sum(1 for k in shapes if k.startswith("h.layers.") and k.endswith(".norm1.weight"))
    hidden = _shape_dim(shapes, "ar_predict_layer.weight", 1, 8, 8192, what)
    head = model.get("head", 0) or 0
    n_head = _num(head, "model.head", 1, 64) if head else 0
    if n_head <= 0 or hidden % n_head:
        raise InvalidInput("The GPT file's config has no usable model.head (number of attention heads).")
    vocab = _shape_dim(shapes, "ar_predict_layer.weight", 0, 2, 65536, what)
    return T2SConfig(
        vocab_size=vocab,
        phoneme_vocab_size=_shape_dim(shapes, "ar_text_embedding.word_embeddings.weight", 0, 1, 4096, what),
        embedding_dim=hidden,
        hidden_dim=hidden,
        n_head=n_head,
        n_layer=_num(n_layer, "the number of transformer layers", 1, 64),
        eos=vocab - 1,
        bert_dim=_shape_dim(shapes, "bert_proj.weight", 1, 1, 8192, what),
        max_sec=int(_num(data.get("max_sec", 54), "data.max_sec", 1, 120, integer=False)),
    )


def strip_gpt_prefix(weights: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    out = {}
    for k, v in weights.items():
        out[k[len("model."):] if k.startswith("model.") else k] = v
    return out


def drop_enc_q(weights: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {k: v for k, v in weights.items() if not k.startswith("enc_q.")}


# -- files ---------------------------------------------------------------------------------------------------
def read_sovits_file(path: str | os.PathLike) -> tuple[LoadedFile, SoVITSConfig]:
    path = Path(path)
    data = _read_bytes(path)
    if len(data) < 4:
        raise InvalidInput(f"{path.name} is too small to be a SoVITS model.")
    header = data[:2]
    sha = hashlib.sha256(data).hexdigest()  # of the file as the user has it
    if header != b"PK":
        if header not in HEADER_VARIANTS:
            raise InvalidInput(f"{path.name} is not a SoVITS model file (unknown header {header!r}).")
        data = b"PK" + data[2:]
    obj = safe_torch_load(data, path.name)
    weights, config, info = _unwrap(obj, path.name)
    check_tensors(weights, path.name)
    weights = drop_enc_q(weights)
    shapes = {k: tuple(v.shape) for k, v in weights.items()}
    variant = sovits_variant_from(header, shapes)
    if not isinstance(config, Mapping):
        raise InvalidInput(f"{path.name}: its config is not a mapping; it is not a GPT-SoVITS model file.")
    cfg = sovits_config_from(variant, shapes, config.get("model", {}))
    return LoadedFile(path, sha, len(data), header, weights, config, info, variant), cfg


def read_gpt_file(path: str | os.PathLike) -> tuple[LoadedFile, T2SConfig]:
    path = Path(path)
    data = _read_bytes(path)
    sha = hashlib.sha256(data).hexdigest()
    obj = safe_torch_load(data, path.name)
    weights, config, info = _unwrap(obj, path.name)
    check_tensors(weights, path.name)
    weights = strip_gpt_prefix(weights)
    if "ar_predict_layer.weight" not in weights or "bert_proj.weight" not in weights:
        raise InvalidInput(f"{path.name} is not a GPT-SoVITS GPT (.ckpt) file.",
                           hint="Did you swap the GPT and SoVITS files? The GPT file ends in .ckpt.")
    shapes = {k: tuple(v.shape) for k, v in weights.items()}
    cfg = gpt_config_from(shapes, config)
    variant = "v1" if cfg.phoneme_vocab_size == 512 else "v2"
    return LoadedFile(path, sha, len(data), data[:2], weights, config, info, variant), cfg


def read_sv_file(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """The speaker-verification checkpoint (a flat state dict)."""
    path = Path(path)
    obj = safe_torch_load(_read_bytes(path), path.name)
    if isinstance(obj, Mapping) and "weight" in obj and isinstance(obj["weight"], Mapping):
        obj = obj["weight"]
    if not isinstance(obj, Mapping) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise InvalidInput(f"{path.name} is not a speaker-verification state dict.")
    check_tensors(obj, path.name)
    return dict(obj)
