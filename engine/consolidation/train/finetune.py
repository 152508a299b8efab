"""Fine-tuning a stored GPT-SoVITS base on a cluster's pooled references → a new base version.

    ft = FineTune(engine, "cluster-3-base", dataset, FineTuneSettings(gpt_steps=200), workdir)
    ft.train_gpt(progress=..., cancel=...)          # resumable: ft.train_gpt(resume=True)
    rec = ft.register("cluster-3-ft1", cluster_id=3, assign=True)   # base version kind "trained"

The GPT is trained with AdamW (linear warm-up, gradient clipping 1.0) on teacher-forced cross-entropy;
upstream uses its ScaledAdam in Lightning — the objective is the same. The trained weights are stored in
the base's dtype; groups not trained (the SoVITS here) are shared with the source base (same blob).

Not done yet: the SoVITS adversarial fine-tune (posterior encoder, discriminator, mel/KL/feature-matching/
LSGAN/commitment losses); see the consolidation README section.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable

import torch

from ...errors import InvalidInput
from .gpt import collate, gpt_loss
from .loop import Loop


@dataclass
class FineTuneSettings:
    gpt_steps: int = 200
    gpt_lr: float = 1e-4
    gpt_warmup: int = 10
    batch_size: int = 4
    grad_clip: float = 1.0
    weight_decay: float = 0.01
    seed: int = 1234
    save_every: int = 50

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _warmup(step: int, warmup: int) -> float:
    return min(1.0, (step + 1) / max(1, warmup))


class FineTune:
    def __init__(self, engine, base, dataset, settings: FineTuneSettings | None = None, workdir: str | Path | None = None) -> None:
        from ...backends.gptsovits.models import build_gpt, fill
        from ...torchutil import configure_torch

        configure_torch()
        self.engine = engine
        self.base = engine.bases.get(base)
        if self.base.backend != "gptsovits":
            raise InvalidInput(f"Base '{self.base.name}' is a {self.base.backend} base; only GPT-SoVITS bases can be fine-tuned.")
        self.manifest = engine.bases.manifest(self.base)
        self.dataset = dataset
        self.settings = settings or FineTuneSettings()
        self.workdir = Path(workdir) if workdir is not None else engine.library.root / "training" / self.base.name
        from safetensors.torch import load_file

        torch.manual_seed(self.settings.seed)
        gpt = build_gpt(self.manifest["architecture"]["gpt"], "cpu")
        weights = load_file(str(engine.bases.weights_path(self.base, "gpt")))
        fill(gpt, {k: v.float() if v.is_floating_point() else v for k, v in weights.items()}, "copy")
        self.gpt = gpt.requires_grad_(True)
        s = self.settings
        self.gpt_opt = torch.optim.AdamW(self.gpt.parameters(), lr=s.gpt_lr, betas=(0.9, 0.98), eps=1e-9,
                                         weight_decay=s.weight_decay)
        self.gpt_loop = Loop(f"{self.base.name}:gpt", dataset.samples, self._gpt_step, {"gpt": self.gpt},
                             {"gpt": self.gpt_opt}, batch_size=s.batch_size, seed=s.seed, events=engine.events)
        self.trained: set[str] = set()

    @property
    def gpt_checkpoint(self) -> Path:
        return self.workdir / "gpt.ckpt-train"

    def _gpt_step(self, samples) -> dict[str, float]:
        s = self.settings
        for g in self.gpt_opt.param_groups:
            g["lr"] = s.gpt_lr * _warmup(self.gpt_loop.state.step, s.gpt_warmup)
        self.gpt_opt.zero_grad(set_to_none=True)
        loss = gpt_loss(self.gpt, collate(samples))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.gpt.parameters(), s.grad_clip)
        self.gpt_opt.step()
        return {"ce": float(loss.detach())}

    def train_gpt(self, steps: int | None = None, *, resume: bool = False,
                  progress: Callable[[int, int, dict], None] | None = None, cancel: threading.Event | None = None):
        self.workdir.mkdir(parents=True, exist_ok=True)
        if resume and self.gpt_checkpoint.is_file():
            self.gpt_loop.load(self.gpt_checkpoint)
        state = self.gpt_loop.run(int(steps if steps is not None else self.settings.gpt_steps), checkpoint=self.gpt_checkpoint,
                                  save_every=self.settings.save_every, progress=progress, cancel=cancel)
        self.trained.add("gpt")
        return state

    def gpt_weights(self) -> dict[str, torch.Tensor]:
        dt = {"float16": torch.float16, "bfloat16": torch.bfloat16}.get(self.manifest.get("dtype"), torch.float32)
        return {k: (v.detach().to(dt) if v.is_floating_point() else v.detach()).contiguous().clone()
                for k, v in self.gpt.state_dict().items()}

    def register(self, name: str, *, cluster_id: int | None = None, assign: bool = False):
        """Store the fine-tune as a new base (a base version of ``cluster_id`` when given)."""
        from .. import versions

        if not self.trained:
            raise InvalidInput("Nothing has been trained yet.", hint="Run the training first.")
        store = self.engine.bases
        groups: dict[str, Any] = {"gpt": self.gpt_weights() if "gpt" in self.trained else store.weights_path(self.base, "gpt"),
                                  "sovits": store.weights_path(self.base, "sovits")}
        manifest = {k: v for k, v in self.manifest.items() if k not in ("groups", "backend", "variant")}
        hist = self.gpt_loop.state.history
        prov = {"made_by": "timbrel fine-tune", "source_base": {"name": self.base.name, "groups": dict(self.base.groups),
                                                                "manifest_sha256": self.base.manifest_sha256},
                "trained": sorted(self.trained), "settings": self.settings.to_dict(), "voices": self.dataset.voices,
                "clips": self.dataset.fingerprint(), "gpt_steps": self.gpt_loop.state.step,
                "gpt_loss_first": hist[0]["ce"] if hist else None, "gpt_loss_last": hist[-1]["ce"] if hist else None}
        manifest["fine_tune"] = {k: prov[k] for k in ("source_base", "trained", "gpt_steps")}
        with self.engine.library.catalog.transaction():
            rec = store.register(name, "gptsovits", self.manifest["variant"], groups, manifest, provenance=prov)
            if cluster_id is not None:
                if assign:
                    store.assign(cluster_id, rec, note="fine-tune")
                versions.record(self.engine, cluster_id, rec, "trained", prov)
        return rec
