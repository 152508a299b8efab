"""A resumable training loop shared by the GPT and SoVITS fine-tunes.

* Batches are drawn per step from a generator seeded with ``seed + step``: the order depends only on the
  step number, so a run resumed from a checkpoint sees exactly the batches it would have seen.
* A checkpoint holds every module's and optimizer's state and the step (``torch.save``, written
  atomically; read back with ``torch.load(weights_only=True)``): resuming is bit-exact on the same machine.
* ``progress(step, total, losses)`` and ``training.progress`` events after each step; ``cancel`` (a
  ``threading.Event``) stops after the current step, saving a checkpoint first when a path is set.
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import torch

from ...errors import Cancelled, InvalidInput
from ...fsutil import atomic_write_bytes


@dataclass
class LoopState:
    step: int = 0
    history: list[dict[str, float]] = field(default_factory=list)


class Loop:
    """``step_fn(batch_samples) -> dict[str, float]`` does one optimisation step (forward, backward, update)."""

    def __init__(self, name: str, samples: list, step_fn: Callable[[list], dict[str, float]],
                 modules: dict[str, torch.nn.Module], optimizers: dict[str, torch.optim.Optimizer], *,
                 batch_size: int = 4, seed: int = 1234, events=None) -> None:
        if not samples:
            raise InvalidInput("There is nothing to train on.")
        self.name = name
        self.samples = samples
        self.step_fn = step_fn
        self.modules = modules
        self.optimizers = optimizers
        self.batch_size = max(1, min(int(batch_size), len(samples)))
        self.seed = int(seed)
        self.events = events
        self.state = LoopState()

    def batch_for(self, step: int) -> list:
        g = torch.Generator().manual_seed(self.seed + step)
        idx = torch.randperm(len(self.samples), generator=g)[: self.batch_size].tolist()
        return [self.samples[i] for i in idx]

    def run(self, steps: int, *, checkpoint: str | Path | None = None, save_every: int = 0,
            progress: Callable[[int, int, dict], None] | None = None, cancel: threading.Event | None = None) -> LoopState:
        """Train until ``steps`` steps have been done in total (a resumed loop continues from its step)."""
        for m in self.modules.values():
            m.train()
        while self.state.step < steps:
            if cancel is not None and cancel.is_set():
                if checkpoint is not None:
                    self.save(checkpoint)
                raise Cancelled(f"Training cancelled at step {self.state.step} of {steps}"
                                + ("; resume from the checkpoint." if checkpoint is not None else "."))
            losses = self.step_fn(self.batch_for(self.state.step))
            self.state.step += 1
            self.state.history.append({"step": self.state.step, **losses})
            if self.events is not None:
                self.events.publish("training.progress", run=self.name, step=self.state.step, total=steps, losses=losses)
            if progress is not None:
                progress(self.state.step, steps, losses)
            if checkpoint is not None and save_every and self.state.step % save_every == 0:
                self.save(checkpoint)
        if checkpoint is not None:
            self.save(checkpoint)
        for m in self.modules.values():
            m.eval()
        return self.state

    # -- checkpoints ------------------------------------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        obj = {"format": 1, "name": self.name, "step": self.state.step, "seed": self.seed, "history": self.state.history,
               "modules": {k: m.state_dict() for k, m in self.modules.items()},
               "optimizers": {k: o.state_dict() for k, o in self.optimizers.items()}}
        buf = io.BytesIO()
        torch.save(obj, buf)
        atomic_write_bytes(Path(path), buf.getvalue())

    def load(self, path: str | Path) -> None:
        path = Path(path)
        try:
            obj: dict[str, Any] = torch.load(path, map_location="cpu", weights_only=True)
        except FileNotFoundError:
            raise InvalidInput(f"There is no training checkpoint at {path}.") from None
        except Exception as exc:
            raise InvalidInput(f"The training checkpoint {path.name} cannot be read ({exc}).",
                               hint="Start the training again without resuming.") from None
        if obj.get("format") != 1 or set(obj.get("modules", {})) != set(self.modules):
            raise InvalidInput(f"{path.name} is a checkpoint of a different training set-up.",
                               hint="Resume with the same base and settings, or start again.")
        for k, m in self.modules.items():
            m.load_state_dict(obj["modules"][k])
        for k, o in self.optimizers.items():
            o.load_state_dict(obj["optimizers"][k])
        self.seed = int(obj["seed"])
        self.state = LoopState(int(obj["step"]), list(obj.get("history", [])))
