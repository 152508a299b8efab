"""Fine-tuning a stored GPT-SoVITS base on a cluster's pooled references → a new base version.

    ft = FineTune(engine, "cluster-3-base", dataset, FineTuneSettings(gpt_steps=200), workdir)
    ft.train_gpt(progress=..., cancel=...)          # resumable: ft.train_gpt(resume=True)
    rec = ft.register("cluster-3-ft1", cluster_id=3, assign=True)   # base version kind "trained"

The GPT is trained with AdamW (linear warm-up, gradient clipping 1.0) on teacher-forced cross-entropy;
upstream uses its ScaledAdam in Lightning — the objective is the same. The SoVITS is trained adversarially
(:mod:`.sovits`); its posterior encoder and discriminator are not part of a stored base (fine-tuned upstream
files drop ``enc_q`` too), so they start from a seeded random initialisation unless weights are given
(``enc_q`` / ``discriminator`` state dicts, e.g. from upstream's pretrained ``s2G``/``s2D``). The trained
weights are stored in the base's dtype; groups not trained are shared with the source base (same blob).
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
    sovits_steps: int = 200
    sovits_lr: float = 1e-4
    segment_frames: int = 32          # upstream segment_size 20480 samples / hop 640
    disc_width: float = 1.0           # discriminator channel scale (1.0 = upstream's sizes)
    max_frames: int | None = None     # crop clips to this many 50 Hz frames for SoVITS (None: whole clips)
    device: str | None = None         # None: the engine's device (auto → CUDA when available)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _warmup(step: int, warmup: int) -> float:
    return min(1.0, (step + 1) / max(1, warmup))


class FineTune:
    def __init__(self, engine, base, dataset, settings: FineTuneSettings | None = None, workdir: str | Path | None = None,
                 *, enc_q: dict | None = None, discriminator: dict | None = None) -> None:
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

        from ...torchutil import resolve_device

        self.device = resolve_device(self.settings.device or getattr(engine, "device_spec", None) or "cpu")
        gpt = build_gpt(self.manifest["architecture"]["gpt"], "cpu")
        weights = load_file(str(engine.bases.weights_path(self.base, "gpt")))
        fill(gpt, {k: v.float() if v.is_floating_point() else v for k, v in weights.items()}, "copy")
        self.gpt = gpt.to(self.device).requires_grad_(True)
        s = self.settings
        self.gpt_opt = torch.optim.AdamW(self.gpt.parameters(), lr=s.gpt_lr, betas=(0.9, 0.98), eps=1e-9,
                                         weight_decay=s.weight_decay)
        self.gpt_loop = Loop(f"{self.base.name}:gpt", dataset.samples, self._gpt_step, {"gpt": self.gpt},
                             {"gpt": self.gpt_opt}, batch_size=s.batch_size, seed=s.seed, events=engine.events)
        self.trained: set[str] = set()
        self._sovits_init = (enc_q, discriminator)
        self.sovits_loop: Loop | None = None

    @property
    def gpt_checkpoint(self) -> Path:
        return self.workdir / "gpt.ckpt-train"

    @property
    def sovits_checkpoint(self) -> Path:
        return self.workdir / "sovits.pth-train"

    # -- SoVITS ------------------------------------------------------------------------------------------------
    def _build_sovits(self) -> None:
        from safetensors.torch import load_file

        from ...backends.gptsovits.models import build_sovits, fill
        from .sovits_training import param_groups
        from .sovits_nets import Discriminator, PosteriorEncoder, init_weight_norm

        s = self.settings
        arch = self.manifest["architecture"]["sovits"]
        model = build_sovits(self.manifest["variant"], arch, "cpu")
        weights = load_file(str(self.engine.bases.weights_path(self.base, "sovits")))
        fill(model, {k: v.float() if v.is_floating_point() else v for k, v in weights.items()}, "copy")
        cfg = model.config
        with torch.random.fork_rng(devices=[]):          # seeded inits without touching the caller's RNG
            torch.manual_seed(s.seed + 1)
            enc_q = PosteriorEncoder(cfg.spec_channels, cfg.inter_channels, cfg.hidden_channels, cfg.gin_channels)
            init_weight_norm(enc_q, torch.Generator().manual_seed(s.seed + 1))
            torch.manual_seed(s.seed + 2)
            disc = Discriminator(s.disc_width)
        enc_q_init, disc_init = self._sovits_init
        if enc_q_init:
            enc_q.load_state_dict({k.removeprefix("enc_q."): v.float() for k, v in enc_q_init.items()})
        if disc_init:
            disc.load_state_dict({k.removeprefix("net_d."): v.float() for k, v in disc_init.items()})
        model, enc_q, disc = model.to(self.device), enc_q.to(self.device), disc.to(self.device)
        self.sovits, self.enc_q, self.disc = model, enc_q, disc
        self.opt_g = torch.optim.AdamW(param_groups(model, enc_q, s.sovits_lr), betas=(0.8, 0.99), eps=1e-9,
                                       weight_decay=s.weight_decay)
        self.opt_d = torch.optim.AdamW(disc.parameters(), lr=s.sovits_lr, betas=(0.8, 0.99), eps=1e-9,
                                       weight_decay=s.weight_decay)
        self.sovits_loop = Loop(f"{self.base.name}:sovits", self.dataset.samples, self._sovits_step,
                                {"sovits": model, "enc_q": enc_q, "disc": disc}, {"g": self.opt_g, "d": self.opt_d},
                                batch_size=s.batch_size, seed=s.seed, events=self.engine.events)

    def _sovits_step(self, samples) -> dict[str, float]:
        from .sovits_training import train_step

        step = self.sovits_loop.state.step
        g = torch.Generator().manual_seed(self.settings.seed * 1_000_003 + step)
        return train_step(self.sovits, self.enc_q, self.disc, self.opt_g, self.opt_d, samples,
                          segment_frames=self.settings.segment_frames, generator=g, grad_clip=None,
                          max_frames=self.settings.max_frames, device=self.device)

    def train_sovits(self, steps: int | None = None, *, resume: bool = False,
                     progress: Callable[[int, int, dict], None] | None = None, cancel: threading.Event | None = None):
        if self.sovits_loop is None:
            self._build_sovits()
        self.workdir.mkdir(parents=True, exist_ok=True)
        if resume and self.sovits_checkpoint.is_file():
            self.sovits_loop.load(self.sovits_checkpoint)
        state = self.sovits_loop.run(int(steps if steps is not None else self.settings.sovits_steps),
                                     checkpoint=self.sovits_checkpoint, save_every=self.settings.save_every,
                                     progress=progress, cancel=cancel)
        self.trained.add("sovits")
        return state

    def sovits_weights(self) -> dict[str, torch.Tensor]:
        dt = {"float16": torch.float16, "bfloat16": torch.bfloat16}.get(self.manifest.get("dtype"), torch.float32)
        return {k: (v.detach().to(dt) if v.is_floating_point() else v.detach()).cpu().contiguous().clone()
                for k, v in self.sovits.state_dict().items()}

    # -- GPT ---------------------------------------------------------------------------------------------------

    def _gpt_step(self, samples) -> dict[str, float]:
        s = self.settings
        for g in self.gpt_opt.param_groups:
            g["lr"] = s.gpt_lr * _warmup(self.gpt_loop.state.step, s.gpt_warmup)
        self.gpt_opt.zero_grad(set_to_none=True)
        loss = gpt_loss(self.gpt, collate(samples, self.device))
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
        return {k: (v.detach().to(dt) if v.is_floating_point() else v.detach()).cpu().contiguous().clone()
                for k, v in self.gpt.state_dict().items()}

    def register(self, name: str, *, cluster_id: int | None = None, assign: bool = False):
        """Store the fine-tune as a new base (a base version of ``cluster_id`` when given)."""
        from .. import versions

        if not self.trained:
            raise InvalidInput("Nothing has been trained yet.", hint="Run the training first.")
        store = self.engine.bases
        groups: dict[str, Any] = {
            "gpt": self.gpt_weights() if "gpt" in self.trained else store.weights_path(self.base, "gpt"),
            "sovits": self.sovits_weights() if "sovits" in self.trained else store.weights_path(self.base, "sovits")}
        manifest = {k: v for k, v in self.manifest.items() if k not in ("groups", "backend", "variant")}
        hist = self.gpt_loop.state.history
        prov = {"made_by": "timbrel fine-tune", "source_base": {"name": self.base.name, "groups": dict(self.base.groups),
                                                                "manifest_sha256": self.base.manifest_sha256},
                "trained": sorted(self.trained), "settings": self.settings.to_dict(), "voices": self.dataset.voices,
                "clips": self.dataset.fingerprint(), "gpt_steps": self.gpt_loop.state.step,
                "gpt_loss_first": hist[0]["ce"] if hist else None, "gpt_loss_last": hist[-1]["ce"] if hist else None,
                "sovits_steps": self.sovits_loop.state.step if self.sovits_loop is not None else 0}
        manifest["fine_tune"] = {k: prov[k] for k in ("source_base", "trained", "gpt_steps", "sovits_steps")}
        with self.engine.library.catalog.transaction():
            rec = store.register(name, "gptsovits", self.manifest["variant"], groups, manifest, provenance=prov)
            if cluster_id is not None:
                if assign:
                    store.assign(cluster_id, rec, note="fine-tune")
                versions.record(self.engine, cluster_id, rec, "trained", prov)
        return rec


def shared_models(engine, variant: str, *, sv: bool = True) -> dict[str, Any]:
    """The pretrained models data preparation needs, from the linked GPT-SoVITS assets: HuBERT (always),
    the Chinese BERT (when linked; otherwise Chinese clips get zero BERT features) and the SV net (Pro bases,
    unless ``sv=False``: only SoVITS training reads the SV vectors)."""
    from ...backends.gptsovits.pretrained import load_hubert, load_sv

    from ...backends.gptsovits.clip_cache import file_id

    assets = engine.assets
    hub = assets.path("hubert", purpose="fine-tuning")
    models: dict[str, Any] = {"hubert": load_hubert(hub)}
    ids = [file_id(hub)]
    bert = assets.optional_path("bert")
    if bert is not None:
        from ...backends.gptsovits.text.bert import BertFeaturizer

        models["bert"] = BertFeaturizer(bert)
        ids.append(file_id(bert))
    if sv and variant in ("v2Pro", "v2ProPlus"):
        sv_path = assets.path("sv", purpose=f"fine-tuning a {variant} base")
        models["sv"] = load_sv(sv_path)
        ids.append(file_id(sv_path))
    models["ids"] = "|".join(map(str, ids))     # names the models in the feature cache key
    return models


def finetune_cluster(engine, cluster_id: int, base, name: str, *, settings: FineTuneSettings | None = None,
                     parts: tuple[str, ...] = ("gpt", "sovits"), resume: bool = False, assign: bool = True,
                     models: dict[str, Any] | None = None, progress: Callable[[str, int, int], None] | None = None,
                     cancel: threading.Event | None = None):
    """Fine-tune ``base`` on the pooled clips of cluster ``cluster_id`` and store it as base ``name`` (a
    ``trained`` version of the cluster, assigned to it when ``assign``). Checkpoints live in the library's
    ``training/<name>/`` folder; ``resume=True`` continues from them."""
    from ...backends.gptsovits.models import load_base
    from .data import prepare

    settings = settings or FineTuneSettings()
    rec = engine.bases.get(base)
    info = next((c for c in engine.analysis.clusters() if c.id == int(cluster_id)), None)
    if info is None:
        raise InvalidInput(f"There is no cluster {cluster_id}.", hint="'timbrel cluster --show' lists them.")
    if not set(parts) <= {"gpt", "sovits"} or not parts:
        raise InvalidInput("Train 'gpt', 'sovits' or both.")
    manifest = engine.bases.manifest(rec)
    need_sv = "sovits" in parts                  # SV vectors feed SoVITS training only: a GPT-only run skips the SV net
    models = models if models is not None else shared_models(engine, manifest["variant"], sv=need_sv)
    _, sovits = load_base(manifest, {g: engine.bases.weights_path(rec, g) for g in ("gpt", "sovits")})

    def stage(what):
        return None if progress is None else (lambda done, total, *_: progress(what, done, total))

    import hashlib

    ids = [rec.groups["sovits"], str(models.get("ids", ""))]
    cache_key = hashlib.sha256("|".join(ids).encode()).hexdigest()[:16]
    dataset = prepare(engine, list(info.voices), hubert=models["hubert"], sovits=sovits, bert_featurizer=models.get("bert"),
                      sv_model=models.get("sv") if need_sv else None, progress=stage("prepare"), cancel=cancel,
                      cache_dir=engine.library.root / "training" / "features", cache_key=cache_key)
    ft = FineTune(engine, rec, dataset, settings, workdir=engine.library.root / "training" / name,
                  enc_q=models.get("enc_q"), discriminator=models.get("discriminator"))
    if "gpt" in parts:
        ft.train_gpt(resume=resume, progress=stage("gpt"), cancel=cancel)
    if "sovits" in parts:
        ft.train_sovits(resume=resume, progress=stage("sovits"), cancel=cancel)
    return ft.register(name, cluster_id=int(cluster_id), assign=assign)
