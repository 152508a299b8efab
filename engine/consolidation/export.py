"""Writing bases back to upstream GPT-SoVITS files, so users can take a base to GPT-SoVITS.

* GPT ``.ckpt``: a plain ``torch.save`` zip of ``OrderedDict(weight=OrderedDict("model."+name → fp16),
  config=dict, info="GPT-e<epoch>")``.
* SoVITS ``.pth``: ``OrderedDict(weight=dict(name → fp16, no enc_q), config=utils.HParams, info=
  "<epoch>epoch_<step>iteration")``; for v2Pro / v2ProPlus the zip's leading ``PK`` is replaced by the
  2-byte version tag ``05`` / ``06`` (what upstream's loader expects); v1/v2 files stay plain zips.

The configs carry the structure upstream's training writes (``configs/s2*.json`` / ``s1longer-v2.yaml``
keys plus the additions the webui makes); the ``model`` part comes from the base's architecture.
Everything is written atomically.
"""

from __future__ import annotations

import copy
import io
import pickle
import types
from collections import OrderedDict
from pathlib import Path
from typing import Any, Mapping

import torch

from ..errors import InvalidInput
from ..fsutil import atomic_write_bytes

SOVITS_HEADERS = {"v2Pro": b"05", "v2ProPlus": b"06"}

# Structure of the upstream SoVITS training config (data + train sections; values are upstream's defaults).
_S2_TRAIN = {"log_interval": 100, "eval_interval": 500, "seed": 1234, "epochs": 8, "learning_rate": 0.0001,
             "betas": [0.8, 0.99], "eps": 1e-09, "batch_size": 8, "fp16_run": False, "lr_decay": 0.999875,
             "segment_size": 20480, "init_lr_ratio": 1, "warmup_epochs": 0, "c_mel": 45, "c_kl": 1.0,
             "text_low_lr_rate": 0.4, "grad_ckpt": False, "pretrained_s2G": "", "pretrained_s2D": "",
             "if_save_latest": True, "if_save_every_weights": True, "save_every_epoch": 4, "gpu_numbers": "0",
             "lora_rank": "32"}
_S2_DATA = {"max_wav_value": 32768.0, "sampling_rate": 32000, "filter_length": 2048, "hop_length": 640,
            "win_length": 2048, "n_mel_channels": 128, "mel_fmin": 0.0, "mel_fmax": None, "add_blank": True,
            "n_speakers": 300, "cleaned_text": True, "exp_dir": ""}
_S1 = {"train": {"seed": 1234, "epochs": 15, "batch_size": 8, "save_every_n_epoch": 5, "precision": "32",
                 "gradient_clip": 1.0, "if_save_every_weights": True, "if_save_latest": True, "if_dpo": False,
                 "half_weights_save_dir": "", "exp_name": ""},
       "optimizer": {"lr": 0.01, "lr_init": 1e-05, "lr_end": 0.0001, "warmup_steps": 2000, "decay_steps": 40000},
       "data": {"max_eval_sample": 8, "max_sec": 54, "num_workers": 4, "pad_val": 1024},
       "inference": {"top_k": 15}}


class _UpstreamPickler(pickle._Pickler):
    """Pickles our ``HParams`` stand-in as the global ``utils.HParams`` (what upstream files name), without
    needing a module called ``utils`` to exist in this process."""

    def save_global(self, obj, name=None):  # noqa: D102 - pickle protocol hook
        from ..backends.gptsovits.checkpoint import HParams

        if obj is HParams:
            self.write(pickle.GLOBAL + b"utils\nHParams\n")
            self.memoize(obj)
            return
        super().save_global(obj, name)


_PICKLE_MODULE = types.ModuleType("timbrel_upstream_pickle")
_PICKLE_MODULE.Pickler = _UpstreamPickler  # type: ignore[attr-defined]


def _hparams(obj: Any):
    from ..backends.gptsovits.checkpoint import HParams

    if isinstance(obj, Mapping):
        return HParams(**{str(k): _hparams(v) for k, v in obj.items()})
    return obj


def _fp16(weights: Mapping[str, torch.Tensor]) -> "OrderedDict[str, torch.Tensor]":
    out: OrderedDict[str, torch.Tensor] = OrderedDict()
    for k, v in weights.items():
        v = v.detach().to("cpu")
        out[k] = (v.half() if v.is_floating_point() else v).contiguous().clone()
    return out


def sovits_config(arch: Mapping[str, Any], name: str = "timbrel", epoch: int = 0, dropout: float | None = None) -> dict:
    """The upstream-shaped SoVITS config dict (rendered to ``utils.HParams`` when written)."""
    variant = str(arch.get("variant", "v2"))
    model = {
        "inter_channels": int(arch["inter_channels"]), "hidden_channels": int(arch["hidden_channels"]),
        "filter_channels": int(arch["filter_channels"]), "n_heads": int(arch["n_heads"]), "n_layers": int(arch["n_layers"]),
        "kernel_size": int(arch["kernel_size"]),
        "p_dropout": float(dropout if dropout is not None else (0.0 if variant in SOVITS_HEADERS else 0.1)),
        "resblock": str(arch.get("resblock", "1")), "resblock_kernel_sizes": list(arch["resblock_kernel_sizes"]),
        "resblock_dilation_sizes": [list(d) for d in arch["resblock_dilation_sizes"]],
        "upsample_rates": list(arch["upsample_rates"]), "upsample_initial_channel": int(arch["upsample_initial_channel"]),
        "upsample_kernel_sizes": list(arch["upsample_kernel_sizes"]), "n_layers_q": 3, "use_spectral_norm": False,
        "gin_channels": int(arch["gin_channels"]), "semantic_frame_rate": "25hz", "freeze_quantizer": True,
        "version": variant,
    }
    train = dict(_S2_TRAIN, epochs=int(epoch))
    data = dict(_S2_DATA, sampling_rate=int(arch.get("sampling_rate", 32000)), hop_length=int(arch.get("hop_length", 640)),
                exp_dir=f"logs/{name}")
    return {"train": train, "data": data, "model": model, "s2_ckpt_dir": f"logs/{name}", "content_module": "cnhubert",
            "save_weight_dir": f"SoVITS_weights_{variant}", "name": name, "version": variant, "pretrain": None,
            "resume_step": None}


def gpt_config(arch: Mapping[str, Any], name: str = "timbrel", epoch: int = 0) -> dict:
    cfg = copy.deepcopy(_S1)
    cfg["train"].update(epochs=int(epoch), exp_name=name)
    cfg["data"]["max_sec"] = int(arch.get("max_sec", 54))
    cfg["data"]["pad_val"] = int(arch.get("eos", 1024))
    cfg["model"] = {"vocab_size": int(arch["vocab_size"]), "phoneme_vocab_size": int(arch["phoneme_vocab_size"]),
                    "embedding_dim": int(arch["embedding_dim"]), "hidden_dim": int(arch["hidden_dim"]),
                    "head": int(arch["n_head"]), "linear_units": 4 * int(arch["hidden_dim"]), "n_layer": int(arch["n_layer"]),
                    "dropout": 0, "EOS": int(arch["eos"]), "random_bert": 0}
    cfg["pretrained_s1"] = ""
    cfg["train_semantic_path"] = f"logs/{name}/6-name2semantic.tsv"
    cfg["train_phoneme_path"] = f"logs/{name}/2-name2text.txt"
    cfg["output_dir"] = f"logs/{name}/logs_s1"
    return cfg


def sovits_bytes(weights: Mapping[str, torch.Tensor], config: Mapping[str, Any], variant: str, info: str) -> bytes:
    """The bytes of an upstream SoVITS ``.pth`` (header tag included)."""
    weight = dict(_fp16({k: v for k, v in weights.items() if "enc_q" not in k}))
    obj = OrderedDict([("weight", weight), ("config", _hparams(config)), ("info", str(info))])
    buf = io.BytesIO()
    torch.save(obj, buf, pickle_module=_PICKLE_MODULE, pickle_protocol=2)
    data = buf.getvalue()
    if variant in SOVITS_HEADERS:
        data = SOVITS_HEADERS[variant] + data[2:]
    elif variant not in ("v1", "v2"):
        raise InvalidInput(f"Cannot export a SoVITS {variant} model.", hint="Only v1/v2/v2Pro/v2ProPlus are supported.")
    return data


def gpt_bytes(weights: Mapping[str, torch.Tensor], config: Mapping[str, Any], info: str) -> bytes:
    """The bytes of an upstream GPT ``.ckpt`` (keys get the ``model.`` prefix back)."""
    weight = OrderedDict((k if k.startswith("model.") else "model." + k, v) for k, v in _fp16(weights).items())
    obj = OrderedDict([("weight", weight), ("config", copy.deepcopy(dict(config))), ("info", str(info))])
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


def export_base(engine, base: Any, folder: str | Path, *, name: str | None = None, epoch: int = 0, step: int = 0,
                overwrite: bool = False) -> dict[str, Path]:
    """Write a stored GPT-SoVITS base as ``<name>-e<epoch>.ckpt`` + ``<name>_e<epoch>_s<step>.pth`` in ``folder``."""
    from safetensors.torch import load_file

    store = engine.bases
    rec = store.get(base)
    if rec.backend != "gptsovits":
        raise InvalidInput(f"Base '{rec.name}' is a {rec.backend} base; only GPT-SoVITS bases can be exported.")
    manifest = store.manifest(rec)
    arch = manifest["architecture"]
    stem = _safe_stem(name or rec.name)
    folder = Path(folder).expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"gpt": folder / f"{stem}-e{epoch}.ckpt", "sovits": folder / f"{stem}_e{epoch}_s{step}.pth"}
    if not overwrite:
        for p in paths.values():
            if p.exists():
                raise InvalidInput(f"{p} already exists.", hint="Pass --overwrite or pick another folder.")
    from ..backends.gptsovits.models import build_group

    # safetensors keeps names sorted; upstream files list them in the network's order
    def ordered(group: str) -> dict:
        tensors = load_file(str(store.weights_path(rec, group)))
        order = list(build_group(manifest, group, "meta").state_dict())
        return {k: tensors[k] for k in order if k in tensors} | {k: v for k, v in tensors.items() if k not in order}

    gpt, sov = ordered("gpt"), ordered("sovits")
    atomic_write_bytes(paths["gpt"], gpt_bytes(gpt, gpt_config(arch["gpt"], stem, epoch), f"GPT-e{epoch}"))
    atomic_write_bytes(paths["sovits"], sovits_bytes(sov, sovits_config({**arch["sovits"], "variant": manifest["variant"]}, stem, epoch),
                                                     manifest["variant"], f"{epoch}epoch_{step}iteration"))
    return paths


def _safe_stem(name: str) -> str:
    stem = "".join(c if (c.isalnum() or c in "-_.") else "_" for c in name.strip()).strip("._")
    return stem or "base"
