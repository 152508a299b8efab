"""Checkpoint names ↔ Timbrel's parameter names, reading ``model.pt`` safely, and the safetensors asset.

A FunASR ``model.pt`` unpickles (``torch.load(weights_only=True)``: tensors and plain containers only) to
``{"model": {name: tensor}}`` (``state_dict`` / ``model_state_dict`` wrappers are unwrapped too). Backbone names
carry the ``d2v_model.`` prefix (``module.`` from a DDP save is accepted as well); the classifier is ``proj.*``.
Every tensor inference needs must be present with the right shape — nothing is left at random init; the
tensors only pretraining uses (decoder, EMA teacher, other modalities) are ignored; any other name is refused,
because it means the file is not the model the config describes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from ...errors import InvalidInput, UnsafeFile
from ...library.blobs import sha256_file
from .config import E2VConfig

AUDIO = "modality_encoders.AUDIO."
_BLOCK = {"norm1": "norm1", "attn.qkv": "qkv", "attn.proj": "out", "norm2": "norm2", "mlp.fc1": "fc1",
          "mlp.fc2": "fc2"}
_BLOCK_BACK = {v: k for k, v in _BLOCK.items()}
# Tensors a pretraining checkpoint may hold that inference never uses.
IGNORED = re.compile(
    r"^(modality_encoders\.AUDIO\.decoder\.|modality_encoders\.(IMAGE|TEXT)\.|ema\.|_ema\.|shared_decoder\.|"
    r"recon_proj\.|cls_proj\.|modality_encoders\.AUDIO\.alibi_bias$)")
ASSET_FORMAT = "timbrel-emotion2vec-1"
WEIGHTS_FILE = "model.safetensors"
META_FILE = "emotion2vec.json"


def checkpoint_name(ours: str) -> str:
    """Timbrel parameter name → the name inside ``model.pt["model"]`` (with its ``d2v_model.`` prefix)."""
    parts = ours.split(".")
    head = parts[0]
    if head == "head":
        return "proj." + parts[1]
    if head == "extra_tokens":
        inner = AUDIO + "extra_tokens"
    elif head == "alibi_scale":
        inner = AUDIO + "alibi_scale"
    elif head == "extractor":
        i, mod, p = parts[1], parts[2], parts[3]
        inner = AUDIO + f"local_encoder.conv_layers.{i}." + ("0." if mod == "conv" else "2.1.") + p
    elif head == "feature_norm":
        inner = AUDIO + "project_features.1." + parts[1]
    elif head == "feature_proj":
        inner = AUDIO + "project_features.2." + parts[1]
    elif head == "pos_convs":
        inner = AUDIO + f"relative_positional_encoder.{int(parts[1]) + 1}.0.{parts[2]}"
    elif head == "context_norm":
        inner = AUDIO + "context_encoder.norm." + parts[1]
    elif head in ("prenet", "blocks"):
        i, mod, p = parts[1], parts[2], parts[3]
        where = AUDIO + "context_encoder.blocks." if head == "prenet" else "blocks."
        inner = f"{where}{i}.{_BLOCK_BACK[mod]}.{p}"
    else:
        raise KeyError(ours)
    return "d2v_model." + inner


def expected_tensors(cfg: E2VConfig) -> dict[str, tuple[str, tuple[int, ...]]]:
    """checkpoint name → (Timbrel name, shape), in module order, built on the ``meta`` device (no memory)."""
    import torch

    from .model import Emotion2VecPlus

    with torch.device("meta"):
        model = Emotion2VecPlus(cfg)
    return {checkpoint_name(k): (k, tuple(v.shape)) for k, v in model.state_dict().items()}


def unwrap(obj: Any, where: str) -> dict:
    """The name → tensor mapping of an unpickled checkpoint."""
    import torch

    for _ in range(3):
        if isinstance(obj, dict):
            if obj and all(isinstance(v, torch.Tensor) for v in obj.values()):
                return obj
            for key in ("model", "state_dict", "model_state_dict"):
                if key in obj:
                    obj = obj[key]
                    break
            else:
                break
    if isinstance(obj, dict) and obj and all(isinstance(v, torch.Tensor) for v in obj.values()):
        return obj
    raise InvalidInput(f"{where} holds no emotion2vec weights (no 'model' table of tensors).",
                       hint="Give the model.pt of an emotion2vec+ folder as ModelScope / Hugging Face publish it.")


def read_checkpoint(path: Path) -> dict:
    """Unpickle ``model.pt`` with ``weights_only=True`` (memory-mapped when possible); the name → tensor table."""
    import pickle

    import torch

    try:
        try:
            obj = torch.load(str(path), map_location="cpu", weights_only=True, mmap=True)
        except RuntimeError as exc:   # legacy (non-zip) files cannot be memory-mapped
            if "mmap" not in str(exc):
                raise
            obj = torch.load(str(path), map_location="cpu", weights_only=True)
    except FileNotFoundError as exc:
        raise InvalidInput(f"{path} does not exist.", hint="Give the emotion2vec+ model folder (with model.pt).") from exc
    except pickle.UnpicklingError as exc:
        raise UnsafeFile(f"{path.name} contains objects other than tensors, which Timbrel refuses to load "
                         f"({str(exc).splitlines()[0][:200]}).",
                         hint="Use the model.pt published with emotion2vec+. If this is that file and you trust it, keep only "
                              "its weights: python -c \"import torch; torch.save({'model': torch.load('model.pt', "
                              "weights_only=False)['model']}, 'model.pt')\" in the folder, then link it again.") from exc
    except (RuntimeError, EOFError, OSError, ValueError) as exc:
        raise InvalidInput(f"{path} is not a readable torch checkpoint ({str(exc).splitlines()[0][:200]}).",
                           hint="The download may be incomplete: fetch model.pt again.") from exc
    return unwrap(obj, path.name)


def _strip(name: str) -> str:
    for prefix in ("module.", "d2v_model."):
        if name.startswith(prefix):
            name = name[len(prefix):]
    return name


def map_checkpoint(table: dict, cfg: E2VConfig, where: str = "model.pt") -> dict:
    """Checkpoint table → Timbrel state dict (float32, contiguous), strictly: every needed tensor present with
    its shape, pretraining-only tensors dropped, anything else refused."""
    import torch

    want = {_strip(ck): (ours, shape) for ck, (ours, shape) in expected_tensors(cfg).items()}
    got: dict[str, torch.Tensor] = {}
    unknown = []
    for name, tensor in table.items():
        key = _strip(name)
        if key in want:
            prev = got.get(want[key][0])
            if prev is not None and not name.startswith("module."):
                continue          # FunASR prefers the module.-prefixed copy
            got[want[key][0]] = tensor
        elif IGNORED.match(key):
            continue
        else:
            unknown.append(name)
    if unknown:
        raise InvalidInput(f"{where} holds {len(unknown)} tensor(s) this emotion2vec+ model does not have, e.g. "
                           + ", ".join(sorted(unknown)[:4]) + ".",
                           hint="config.yaml and model.pt do not belong together; use the files of one release.")
    missing = [ck for ck, (ours, _) in want.items() if ours not in got]
    if missing:
        raise InvalidInput(f"{where} lacks {len(missing)} tensor(s) inference needs, e.g. "
                           + ", ".join(sorted(missing)[:4]) + ".",
                           hint="The checkpoint is incomplete or for another model; use the model.pt of an emotion2vec+ release.")
    out = {}
    for key, (ours, shape) in want.items():
        t = got[ours]
        if tuple(t.shape) != shape:
            raise InvalidInput(f"{where}: tensor {key} has shape {tuple(t.shape)}, the config needs {shape}.",
                               hint="config.yaml and model.pt do not belong together; use the files of one release.")
        if not t.is_floating_point():
            raise InvalidInput(f"{where}: tensor {key} is {t.dtype}, not floating point.")
        out[ours] = t.detach().to(torch.float32).contiguous()
    return out


def variant_name(cfg: E2VConfig) -> str:
    return {768: "plus_base", 1024: "plus_large"}.get(cfg.embed_dim, f"d{cfg.embed_dim}")


def convert_folder(folder: Path, dest_root: Path, *, sha256: str | None = None) -> Path:
    """Convert a FunASR emotion2vec folder into Timbrel's asset: ``<dest_root>/<model id>/model.safetensors``
    (Timbrel's names, float32) + ``emotion2vec.json`` (config, labels, source). Reuses an existing conversion of
    the same ``model.pt`` (by sha256). Returns the asset folder."""
    from safetensors.torch import save_file

    from ...fsutil import atomic_write_json, atomic_write_with
    from .config import load_config

    folder = Path(folder)
    cfg = load_config(folder)
    ckpt = folder / "model.pt"
    if not ckpt.is_file():
        raise InvalidInput(f"{folder} has no model.pt.", hint="Give the emotion2vec+ model folder itself.")
    digest = sha256 or sha256_file(ckpt)
    model_id = f"emotion2vec_{variant_name(cfg)}-{digest[:12]}"
    dest = Path(dest_root) / model_id
    meta_path = dest / META_FILE
    if meta_path.is_file() and (dest / WEIGHTS_FILE).is_file():
        try:
            if read_asset_meta(dest).get("source_sha256") == digest:
                return dest
        except InvalidInput:
            pass                      # damaged: convert again
    state = map_checkpoint(read_checkpoint(ckpt), cfg, str(ckpt))
    dest.mkdir(parents=True, exist_ok=True)

    def write(f) -> None:
        import tempfile

        # safetensors writes to a path: write next to the target, then stream into the atomic writer's file
        with tempfile.TemporaryDirectory(dir=dest) as tmp:
            p = Path(tmp) / WEIGHTS_FILE
            save_file(state, str(p), metadata={"format": ASSET_FORMAT, "model_id": model_id})
            with p.open("rb") as src:
                for block in iter(lambda: src.read(1 << 22), b""):
                    f.write(block)

    atomic_write_with(dest / WEIGHTS_FILE, write)
    atomic_write_json(meta_path, {
        "format": ASSET_FORMAT, "model_id": model_id, "variant": variant_name(cfg), "config": cfg.to_dict(),
        "source_folder": str(folder.resolve()), "source_sha256": digest, "source_bytes": ckpt.stat().st_size,
        "parameters": int(sum(t.numel() for t in state.values())),
    })
    return dest


def read_asset_meta(asset: Path) -> dict:
    from ...fsutil import read_bounded

    path = Path(asset) / META_FILE
    try:
        meta = json.loads(read_bounded(path, 1 << 20).decode("utf-8"))
    except (OSError, ValueError, InvalidInput) as exc:
        raise InvalidInput(f"The converted emotion model at {asset} is damaged ({exc}).",
                           hint="Link the emotion2vec+ folder again: 'timbrel assets link FOLDER'.") from exc
    if meta.get("format") != ASSET_FORMAT:
        raise InvalidInput(f"{path} is not a Timbrel emotion2vec asset.",
                           hint="Link the emotion2vec+ folder again: 'timbrel assets link FOLDER'.")
    return meta
