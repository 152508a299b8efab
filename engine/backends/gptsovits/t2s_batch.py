"""Batched text-to-semantic decoding: many utterances (of different voices) through one GPT at once.

:class:`BatchDecoder` decodes several *rows* together. Each row brings its own phones, BERT features, prompt
semantic tokens, sampling parameters and ``torch.Generator``; the rows share the weights and one batched KV
cache with a per-row length:

* **Joining** (:meth:`BatchDecoder.add`, callable between any two steps): the row's prompt pass runs alone
  (a matrix-matrix pass over its own text + prompt tokens, exactly what a solo run does) and its keys/values
  are copied into a free slot of the batched cache. Nobody else is recomputed.
* **Stepping** (:meth:`BatchDecoder.step`): the logits of every active row come from one batched
  ``ar_predict_layer``; each row then samples with its own parameters and generator, through the very same
  functions the solo loop uses (repetition penalty, EOS rule, top-k / top-p / temperature, exponential-race
  draw), so its random stream is the one a solo run would consume. The rows that continue run one batched
  transformer step: each writes its new key/value at its own position, attends only to its own valid
  positions (a boolean mask per row), and takes its audio position from its own prompt length.
* **Leaving**: a row that hits EOS, ``early_stop_num`` or ``max_steps`` leaves at once; the last slot moves
  into its place, so the active rows stay packed in slots ``0..B-1`` and every step works on contiguous views.

Row results equal :meth:`Text2Semantic.generate` for the same inputs and seed up to float rounding of the
batched matrix products (identical tokens in practice; tests check greedy / top-k 1 and seeded sampling).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Hashable

import torch
from torch.nn import functional as F

from .layers import layer_norm32
from .t2s import (
    MAX_STEPS,
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
    length: int  # valid cache positions of this row
    step: int = 0
    new: list[int] = field(default_factory=list)
    idx: int = 0


def audio_positions(positions: torch.Tensor, dim: int) -> torch.Tensor:
    """(B, dim) sinusoid rows for arbitrary positions; elementwise the same arithmetic as ``sinusoid_table``."""
    pos = positions.to(torch.float32)[:, None]
    div = torch.exp(torch.arange(0, dim, 2, dtype=torch.float32, device=positions.device) * -(math.log(10000.0) / dim))
    pe = torch.zeros(positions.shape[0], dim, device=positions.device)
    pe[:, 0::2] = torch.sin(pos * div)
    pe[:, 1::2] = torch.cos(pos * div)
    return pe


class BatchDecoder:
    """Continuous-batching decoder over one :class:`Text2Semantic` (see the module docstring)."""

    def __init__(self, model: Text2Semantic, *, capacity: int = 256, slots: int = 4) -> None:
        self.model = model
        c = model.config
        self.n_layer, self.n_head, self.head_dim = c.n_layer, c.n_head, c.hidden_dim // c.n_head
        p = model.ar_predict_layer.weight
        self.device, self.dtype = p.device, model.dtype
        self._k = self._v = None
        self._alloc(max(slots, 1), max(capacity, 1))
        self.live: list[_Live] = []  # slot i holds live[i]
        self.steps = 0  # batched steps run (statistics)
        self.row_steps = 0  # sum over steps of the active rows (statistics)
        self.seconds = {"prefill": 0.0, "logits_sample": 0.0, "forward": 0.0}  # where the time goes (statistics)

    # -- storage ------------------------------------------------------------------------------------------
    def _alloc(self, slots: int, cap: int) -> None:
        shape = (self.n_layer, slots, self.n_head, cap, self.head_dim)
        k = torch.zeros(shape, device=self.device, dtype=self.dtype)
        v = torch.zeros(shape, device=self.device, dtype=self.dtype)
        if self._k is not None:
            s, c = min(slots, self._k.shape[1]), min(cap, self._k.shape[3])
            k[:, :s, :, :c] = self._k[:, :s, :, :c]
            v[:, :s, :, :c] = self._v[:, :s, :, :c]
        self._k, self._v = k, v

    def _ensure(self, slots: int, cap: int) -> None:
        s, c = self._k.shape[1], self._k.shape[3]
        if slots > s or cap > c:
            self._alloc(max(slots, 2 * s if slots > s else s), max(cap, 2 * c if cap > c else c))

    def __len__(self) -> int:
        return len(self.live)

    @property
    def keys(self) -> list[Hashable]:
        return [lv.row.key for lv in self.live]

    # -- joining ------------------------------------------------------------------------------------------
    @torch.no_grad()
    def add(self, row: DecodeRow) -> None:
        """Run the row's prompt pass alone and give it a slot; the next :meth:`step` samples its first token."""
        if row.phones.shape[0] != 1:
            raise ValueError("a row is one utterance (batch size 1)")
        m = self.model
        n_prompt = 0 if row.prompt is None else row.prompt.shape[1]
        n = row.phones.shape[1] + n_prompt
        t0 = time.perf_counter()
        solo = m.new_cache(1, n)
        h = m._prefill(row.phones, row.bert, row.prompt, solo)[:, -1]
        self.seconds["prefill"] += time.perf_counter() - t0
        slot = len(self.live)
        self._ensure(slot + 1, n + 1)
        self._k[:, slot, :, :n] = solo.k[:, 0, :, :n]
        self._v[:, slot, :, :n] = solo.v[:, 0, :, :n]
        seen = row.prompt.long() if row.prompt is not None else torch.zeros(1, 0, dtype=torch.long, device=row.phones.device)
        self.live.append(_Live(row, n_prompt, seen, h, n))

    # -- leaving ------------------------------------------------------------------------------------------
    def _drop(self, slot: int) -> None:
        last = len(self.live) - 1
        if slot != last:
            n = self.live[last].length
            self._k[:, slot, :, :n] = self._k[:, last, :, :n]
            self._v[:, slot, :, :n] = self._v[:, last, :, :n]
            self.live[slot] = self.live[last]
        self.live.pop()

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
        logits_all = m.ar_predict_layer(torch.cat([lv.h for lv in self.live], dim=0)).float()
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
        # leave: drop finished slots from the back so earlier indices stay valid
        finished = [s for s, lv in enumerate(self.live) if lv.row.key in done]
        keep_tok = {self.live[s].row.key: t for s, t in going}
        for s in sorted(finished, reverse=True):
            self._drop(s)
        t1 = time.perf_counter()
        self.seconds["logits_sample"] += t1 - t0
        if self.live:
            self._forward([keep_tok[lv.row.key] for lv in self.live])
            self.seconds["forward"] += time.perf_counter() - t1
        return tokens, done

    def _forward(self, toks: list[int]) -> None:
        """One batched transformer step: row i appends ``toks[i]`` at its own position."""
        m = self.model
        b = len(self.live)
        dev = self.device
        lengths = torch.tensor([lv.length for lv in self.live], device=dev)
        end = int(lengths.max()) + 1
        self._ensure(b, end)
        tok = torch.tensor(toks, dtype=torch.long, device=dev)
        pos = torch.tensor([lv.n_prompt + lv.step for lv in self.live], device=dev)
        x = m.ar_audio_embedding.word_embeddings(tok)
        x = x + m.ar_audio_position.alpha * audio_positions(pos, x.shape[-1]).to(x.dtype)
        x = x[:, None]  # (B, 1, d)
        allow = (torch.arange(end, device=dev)[None, :] <= lengths[:, None])[:, None, None, :]  # (B,1,1,end)
        rows = torch.arange(b, device=dev)
        h, hd = self.n_head, self.head_dim
        d = h * hd
        for i, blk in enumerate(m.h.layers):
            q, k, v = F.linear(x, blk.self_attn.in_proj_weight, blk.self_attn.in_proj_bias).chunk(3, dim=-1)
            kc, vc = self._k[i], self._v[i]
            kc[rows, :, lengths] = k.reshape(b, h, hd)
            vc[rows, :, lengths] = v.reshape(b, h, hd)
            q = q.view(b, 1, h, hd).transpose(1, 2)
            a = F.scaled_dot_product_attention(q, kc[:b, :, :end], vc[:b, :, :end], attn_mask=allow)
            a = blk.self_attn.out_proj(a.transpose(1, 2).reshape(b, 1, d))
            x = layer_norm32(x + a, blk.norm1.weight, blk.norm1.bias, blk.norm1.eps)
            x = x + blk.linear2(F.relu(blk.linear1(x)))
            x = layer_norm32(x, blk.norm2.weight, blk.norm2.bias, blk.norm2.eps)
        out = x[:, 0]
        for j, lv in enumerate(self.live):
            lv.h = out[j:j + 1]
            lv.length += 1
            lv.step += 1
        self.steps += 1
        self.row_steps += b


def decode_all(model: Text2Semantic, rows: list[DecodeRow], *, admit=None) -> dict[Hashable, T2SResult]:
    """Decode ``rows`` together until all finish; ``admit()`` (optional) returns more rows between steps."""
    dec = BatchDecoder(model, slots=max(len(rows), 1))
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
