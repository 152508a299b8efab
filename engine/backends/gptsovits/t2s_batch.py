"""Batched text-to-semantic decoding: many utterances (of different voices) through one GPT at once.

:class:`BatchDecoder` decodes several *rows* together. Each row brings its own phones, BERT features, prompt
semantic tokens, sampling parameters and ``torch.Generator``; the rows share the weights:

* **Joining** (:meth:`BatchDecoder.add`, callable between any two steps): the row's prompt pass runs alone
  (exactly what a solo run does) into the row's own key/value cache. Nobody else is recomputed.
* **Stepping** (:meth:`BatchDecoder.step`): the logits of every active row come from one batched product
  (:meth:`~.t2s.Text2Semantic.step_logits`); each row then samples with its own parameters and generator,
  through the very same functions the solo loop uses (repetition penalty, EOS rule, top-k / top-p /
  temperature, exponential-race draw), so its random stream is the one a solo run would consume. The rows that
  continue run one transformer step together (:meth:`~.t2s.Text2Semantic.step_rows`): batched matrix products,
  per-row attention over the row's own cache, positions from the row's own prompt length.
* **Leaving**: a row that hits EOS, ``early_stop_num`` or ``max_steps`` leaves at once (its cache goes with it).

The solo loop (:meth:`Text2Semantic.iter_tokens`) steps through the same two methods, which are batch-invariant
(see :mod:`.t2s`), so a row's logits and tokens are bit-identical to its solo run — whatever shares its steps.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Hashable

import torch

from .t2s import (
    MAX_STEPS,
    KVCache,
    MIN_STEPS_BEFORE_EOS,
    T2SResult,
    Text2Semantic,
    apply_repetition_penalty,
    draw,
    sampling_probs,
)


@dataclass
class DecodeRow:
    """One utterance to decode: phones (1, N), BERT (1, bert_dim, N), optional prompt (1, P) + sampling."""

    key: Hashable
    phones: torch.Tensor
    bert: torch.Tensor
    prompt: torch.Tensor | None = None
    top_k: int | None = 15
    top_p: float | None = 1.0
    temperature: float = 1.0
    repetition_penalty: float = 1.35
    early_stop_num: int = -1
    max_steps: int = MAX_STEPS
    generator: torch.Generator | None = None


@dataclass
class _Live:
    row: DecodeRow
    n_prompt: int
    seen: torch.Tensor  # (1, P + n) every token so far (repetition penalty)
    h: torch.Tensor | None  # (1, d) last hidden state, the input of the next logits
    cache: KVCache  # this row's keys/values (its own, as in a solo run)
    step: int = 0
    new: list[int] = field(default_factory=list)
    idx: int = 0


class BatchDecoder:
    """Continuous-batching decoder over one :class:`Text2Semantic` (see the module docstring)."""

    def __init__(self, model: Text2Semantic) -> None:
        self.model = model
        self.live: list[_Live] = []
        self.steps = 0  # batched steps run (statistics)
        self.row_steps = 0  # sum over steps of the active rows (statistics)
        self.seconds = {"prefill": 0.0, "logits_sample": 0.0, "forward": 0.0}  # where the time goes (statistics)

    def __len__(self) -> int:
        return len(self.live)

    # -- joining ------------------------------------------------------------------------------------------
    @torch.no_grad()
    def add(self, row: DecodeRow) -> None:
        """Run the row's prompt pass alone into its own cache; the next :meth:`step` samples its first token."""
        if row.phones.shape[0] != 1:
            raise ValueError("a row is one utterance (batch size 1)")
        m = self.model
        n_prompt = 0 if row.prompt is None else row.prompt.shape[1]
        n = row.phones.shape[1] + n_prompt
        t0 = time.perf_counter()
        cache = m.decode_cache(n, row.max_steps)
        h = m._prefill(row.phones, row.bert, row.prompt, cache)[:, -1]
        self.seconds["prefill"] += time.perf_counter() - t0
        seen = row.prompt.long() if row.prompt is not None else torch.zeros(1, 0, dtype=torch.long, device=row.phones.device)
        self.live.append(_Live(row, n_prompt, seen, h, cache))

    @staticmethod
    def _result(lv: _Live, stop: str) -> T2SResult:
        """The row's outcome in :meth:`Text2Semantic.generate`'s form."""
        row = lv.row
        dev = row.phones.device
        new_t = torch.tensor([lv.new], dtype=torch.long, device=dev).view(1, -1)
        tokens = new_t if row.prompt is None else torch.cat([row.prompt.long(), new_t], dim=1)
        if not lv.new and row.prompt is None:
            new_t = torch.zeros(1, 1, dtype=torch.long, device=dev)
            tokens = new_t
        idx = 0 if row.prompt is None else lv.idx
        return T2SResult(tokens=tokens, new_tokens=new_t, idx=idx, stop=stop)

    # -- stepping -----------------------------------------------------------------------------------------
    @torch.no_grad()
    def step(self) -> tuple[dict[Hashable, int], dict[Hashable, T2SResult]]:
        """One decoding step for every active row → (new token per continuing row, result per finished row)."""
        if not self.live:
            return {}, {}
        m = self.model
        eos = m.config.eos
        t0 = time.perf_counter()
        logits_all = m.step_logits(torch.cat([lv.h for lv in self.live], dim=0))
        tokens: dict[Hashable, int] = {}
        done: dict[Hashable, T2SResult] = {}
        going: list[tuple[int, int]] = []  # (slot, token)
        for slot, lv in enumerate(self.live):
            row, step = lv.row, lv.step
            if step >= row.max_steps:
                done[row.key] = self._result(lv, "max_steps")
                continue
            logits = logits_all[slot:slot + 1]
            if step < MIN_STEPS_BEFORE_EOS:
                logits = logits[:, :-1]
            logits = apply_repetition_penalty(logits, lv.seen, row.repetition_penalty)
            tok = draw(sampling_probs(logits, row.top_k, row.top_p, row.temperature), row.generator)
            t = int(tok[0, 0])
            if int(torch.argmax(logits, dim=-1)[0]) == eos or t == eos:
                lv.idx = step
                done[row.key] = self._result(lv, "eos")
                continue
            lv.seen = torch.cat([lv.seen, tok.to(lv.seen.device)], dim=1)
            lv.new.append(t)
            lv.idx = step
            tokens[row.key] = t
            if row.early_stop_num != -1 and len(lv.new) > row.early_stop_num:
                done[row.key] = self._result(lv, "early_stop")
                continue
            if step + 1 >= row.max_steps:
                done[row.key] = self._result(lv, "max_steps")
                continue
            going.append((slot, t))
        # leave: finished rows go (their caches with them)
        keep_tok = {self.live[s].row.key: t for s, t in going}
        self.live = [lv for lv in self.live if lv.row.key not in done]
        t1 = time.perf_counter()
        self.seconds["logits_sample"] += t1 - t0
        if self.live:
            self._forward([keep_tok[lv.row.key] for lv in self.live])
            self.seconds["forward"] += time.perf_counter() - t1
        return tokens, done

    def _forward(self, toks: list[int]) -> None:
        """One transformer step for every live row: row i appends ``toks[i]`` at its own position."""
        dev = self.live[0].h.device
        tok = torch.tensor(toks, dtype=torch.long, device=dev)
        pos = torch.tensor([lv.n_prompt + lv.step for lv in self.live], device=dev)
        out = self.model.step_rows(tok, pos, [lv.cache for lv in self.live])
        for j, lv in enumerate(self.live):
            lv.h = out[j:j + 1]
            lv.step += 1
        self.steps += 1
        self.row_steps += len(self.live)


def decode_all(model: Text2Semantic, rows: list[DecodeRow], *, admit=None) -> dict[Hashable, T2SResult]:
    """Decode ``rows`` together until all finish; ``admit()`` (optional) returns more rows between steps."""
    dec = BatchDecoder(model)
    for r in rows:
        dec.add(r)
    out: dict[Any, T2SResult] = {}
    while len(dec):
        _, done = dec.step()
        out.update(done)
        if admit is not None:
            for r in admit():
                dec.add(r)
    return out
