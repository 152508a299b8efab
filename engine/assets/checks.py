"""Cheap verification of a linked asset: folder structure, JSON configs parsed (and loaded by
``transformers.AutoConfig`` when it is installed), weight files present, checkpoint headers read."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from .specs import _WEIGHT_FILES, TEXT_FILES, AssetSpec, AssetState

log = logging.getLogger(__name__)

def _check_hf_folder(folder: Path) -> tuple[bool, str]:
    cfg = folder / "config.json"
    if not cfg.is_file():
        return False, "config.json is missing"
    try:
        data = json.loads(cfg.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        return False, f"config.json does not parse ({exc})"
    if not isinstance(data, dict) or "model_type" not in data:
        return False, "config.json has no model_type"
    try:
        from transformers import AutoConfig

        AutoConfig.from_pretrained(str(folder), local_files_only=True)
    except ImportError:     # without transformers the parsed config.json above is the whole check
        log.debug("transformers is not installed: %s checked without AutoConfig", folder)
    except Exception as exc:  # transformers raises many kinds for a bad config
        return False, f"config does not load ({exc})"
    weights = [w for w in _WEIGHT_FILES if (folder / w).is_file()]
    if not weights:
        return False, "no weight file (model.safetensors or pytorch_model.bin)"
    return True, f"{data['model_type']}, {weights[0]}"


def _check_checkpoint(path: Path) -> tuple[bool, str]:
    try:
        with path.open("rb") as f:
            head = f.read(2)
        size = path.stat().st_size
    except OSError as exc:
        return False, f"cannot read ({exc.strerror})"
    if head == b"PK" or head in {b"00", b"01", b"02", b"03", b"04", b"05", b"06"}:
        return True, f"{size / 1e6:.1f} MB, header {head.decode('ascii', 'replace')}"
    return False, "not a torch checkpoint (unknown header)"


def _check_text(folder: Path, names: tuple[str, ...]) -> tuple[bool, str]:
    missing = [n for n in names if not (folder / n).is_file()]
    return (False, "missing " + ", ".join(missing)) if missing else (True, ", ".join(names))


def _check_folder(folder: Path) -> tuple[bool, str]:
    onnx = list(folder.glob("*.onnx"))
    return (True, onnx[0].name) if onnx else (False, "no .onnx model inside")


def check(root: Path, spec: AssetSpec) -> AssetState:
    for rel in spec.candidates:
        p = (root / rel)
        is_file = spec.kind in ("checkpoint", "file")
        if (is_file and p.is_file()) or (not is_file and p.is_dir()):
            if spec.kind == "hf-folder":
                ok, detail = _check_hf_folder(p)
            elif spec.kind == "checkpoint":
                ok, detail = _check_checkpoint(p)
            elif spec.kind == "file":
                size = p.stat().st_size
                ok, detail = size > 0, f"{size / 1e6:.1f} MB" if size else "empty file"
            elif spec.kind == "text":
                ok, detail = _check_text(p, TEXT_FILES.get(spec.name, ()))
                if not ok:
                    continue
            else:
                ok, detail = _check_folder(p)
            return AssetState(spec.name, True, ok, str(p.resolve()), detail, spec.disables, spec.required)
    return AssetState(spec.name, False, False, None, "missing: " + " or ".join(spec.candidates), spec.disables,
                      spec.required)
