"""Reading users' GPT-SoVITS weight files safely.

* Unpickling is restricted: ``torch.load(weights_only=True)``. The only non-torch class allowed is a
  stand-in for the ``utils.HParams`` config object that SoVITS fine-tunes pickle; it is a plain
  attribute bag, never the real module. A file that tries anything else (a ``__reduce__`` payload,
  an unknown global) is refused with :class:`engine.errors.UnsafeFile` before any of it runs.
* SoVITS files may start with a 2-byte version tag instead of the zip magic ``PK``
  (``05`` v2Pro, ``06`` v2ProPlus, ``00``-``04`` v1/v2/v3/LoRA); the tag is put back to ``PK`` in memory.
* The version is decided from the header and the tensor shapes, never from the file size.

Public functions: :func:`read_gpt_file`, :func:`read_sovits_file`, :func:`read_sv_file` and the pure helpers
:func:`sovits_variant_from` / :func:`sovits_config_from` / :func:`gpt_config_from` (also used on the
real-size key manifests).
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import torch

from ...errors import InvalidInput, UnsafeFile
from .sovits import SoVITSConfig
from .t2s import T2SConfig

HEADER_VARIANTS = {b"00": "v1", b"01": "v2", b"02": "v3", b"03": "v3-lora", b"04": "v4-lora", b"05": "v2Pro", b"06": "v2ProPlus"}
SUPPORTED_VARIANTS = ("v1", "v2", "v2Pro", "v2ProPlus")
V1_SYMBOLS, V2_SYMBOLS = 322, 732


class HParams:
    """Stand-in for upstream ``utils.HParams``: only stores attributes (no code of its own runs on load)."""

    def __init__(self, **kw: Any) -> None:
        self.__dict__.update(kw)

    def to_dict(self) -> dict:
        return {k: (v.to_dict() if isinstance(v, HParams) else v) for k, v in self.__dict__.items()}


HParams.__module__ = "utils"
HParams.__qualname__ = "HParams"


def plain(obj: Any) -> Any:
    """Config objects → plain JSON-able python (HParams → dict, tuples → lists)."""
    if isinstance(obj, HParams):
        obj = obj.__dict__
    if isinstance(obj, Mapping):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    if isinstance(obj, (str, int, float, bool)) or obj is None:
        return obj
    return str(obj)


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
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InvalidInput(f"{path} does not exist.") from None
    except OSError as exc:
        raise InvalidInput(f"Cannot read {path}: {exc.strerror or exc}.") from exc


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
    except (RuntimeError, EOFError, ValueError, KeyError) as exc:
        raise InvalidInput(f"{what} is damaged or not a GPT-SoVITS model file ({exc}).") from None


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
    """Architecture from the file's ``config.model`` checked against (and partly taken from) the tensor shapes."""
    def need(key: str):
        if key not in model_cfg:
            raise InvalidInput(f"The SoVITS file's config has no model.{key}; cannot rebuild the network.")
        return model_cfg[key]

    cfg = SoVITSConfig(
        variant=variant,
        n_symbols=int(shapes["enc_p.text_embedding.weight"][0]),
        inter_channels=int(shapes["enc_p.proj.weight"][0]) // 2,
        hidden_channels=int(shapes["enc_p.text_embedding.weight"][1]),
        filter_channels=int(shapes["enc_p.encoder_text.ffn_layers.0.conv_1.weight"][0]),
        n_heads=int(need("n_heads")),
        n_layers=sum(1 for k in shapes if k.startswith("enc_p.encoder_text.norm_layers_1.") and k.endswith(".gamma")),
        kernel_size=int(shapes["enc_p.encoder_text.ffn_layers.0.conv_1.weight"][2]),
        resblock=str(model_cfg.get("resblock", "1")),
        resblock_kernel_sizes=[int(k) for k in need("resblock_kernel_sizes")],
        resblock_dilation_sizes=[[int(d) for d in ds] for ds in need("resblock_dilation_sizes")],
        upsample_rates=[int(u) for u in need("upsample_rates")],
        upsample_initial_channel=int(shapes["dec.conv_pre.weight"][0]),
        upsample_kernel_sizes=[int(k) for k in need("upsample_kernel_sizes")],
        gin_channels=int(shapes["ref_enc.fc.fc.weight"][0]),
        semantic_frame_rate="25hz",
        spec_channels=1025,
    )
    return cfg


def gpt_config_from(shapes: Mapping[str, tuple], config: Mapping[str, Any]) -> T2SConfig:
    model = config.get("model", {}) if isinstance(config, Mapping) else {}
    n_layer = sum(1 for k in shapes if k.startswith("h.layers.") and k.endswith(".norm1.weight"))
    hidden = int(shapes["ar_predict_layer.weight"][1])
    n_head = int(model.get("head", 0) or 0)
    if n_head <= 0 or hidden % n_head:
        raise InvalidInput("The GPT file's config has no usable model.head (number of attention heads).")
    vocab = int(shapes["ar_predict_layer.weight"][0])
    return T2SConfig(
        vocab_size=vocab,
        phoneme_vocab_size=int(shapes["ar_text_embedding.word_embeddings.weight"][0]),
        embedding_dim=hidden,
        hidden_dim=hidden,
        n_head=n_head,
        n_layer=n_layer,
        eos=vocab - 1,
        bert_dim=int(shapes["bert_proj.weight"][1]),
        max_sec=int((config.get("data") or {}).get("max_sec", 54)) if isinstance(config, Mapping) else 54,
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
    weights = drop_enc_q(weights)
    shapes = {k: tuple(v.shape) for k, v in weights.items()}
    variant = sovits_variant_from(header, shapes)
    cfg = sovits_config_from(variant, shapes, config.get("model", {}))
    return LoadedFile(path, sha, len(data), header, weights, config, info, variant), cfg


def read_gpt_file(path: str | os.PathLike) -> tuple[LoadedFile, T2SConfig]:
    path = Path(path)
    data = _read_bytes(path)
    sha = hashlib.sha256(data).hexdigest()
    obj = safe_torch_load(data, path.name)
    weights, config, info = _unwrap(obj, path.name)
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
    return dict(obj)
