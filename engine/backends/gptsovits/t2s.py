"""The text-to-semantic "GPT" (upstream ``Text2SemanticDecoder``) with a per-call KV cache.

Parameter names equal the upstream ``.ckpt`` keys with the Lightning ``model.`` prefix removed.

Entry points:

* :meth:`Text2Semantic.generate` — full decode: phones (1, N) + BERT features (1, 1024, N) + optional prompt
  semantic tokens (1, P) → :class:`T2SResult` (tokens, new tokens, idx, why it stopped). Sampling: top-k,
  top-p, temperature, repetition penalty (upstream semantics: applied to every previously seen token,
  prompt included), EOS forbidden for the first 11 steps, ``early_stop_num``.
* :meth:`Text2Semantic.iter_tokens` — the same loop as a generator yielding each new token (for streaming).
* :meth:`Text2Semantic.prompt_logits` — logits at every position of the first (prompt) pass.

Decoding state lives in a :class:`KVCache` created per call; the module holds only parameters.

**Batch invariance.** A decoding step (:meth:`Text2Semantic.step_rows`, :meth:`Text2Semantic.step_logits`) takes
any number of rows and, with ``block`` = :data:`STEP_BLOCK`, gives each row the very same bits whatever else
shares the step: its matrix products run on zero-padded blocks of that many rows (a GEMM's rounding depends on
its row count, and a single row even takes a matrix-vector kernel), and each row attends over its own cache with
its own length. The cross-voice batch decoder (:mod:`.t2s_batch`) steps this way, so a request decoded in a
batch draws exactly the tokens it draws in a batch of one — also at near-ties under greedy decoding. The solo
loop (:meth:`Text2Semantic.iter_tokens`) takes the same steps with ``block`` 1 by default (one row, the
matrix-vector kernel: about half the CPU time of a padded block), which equals the blocked result up to float
rounding; the runtime uses it when batching is off.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Callable, Iterator

import torch
from torch import nn
from torch.nn import functional as F

from .layers import layer_norm32, module_dtype, sinusoid_rows, sinusoid_table

MIN_STEPS_BEFORE_EOS = 11
MAX_STEPS = 1500
#: rows per matrix product in a batched decoding step (see "Batch invariance" above); a batch of up to this many
#: rows costs one product per weight
STEP_BLOCK = 8


def block_linear(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None, block: int) -> torch.Tensor:
    """``F.linear`` on rows (B, d_in) computed in zero-padded blocks of ``block`` rows, so that each row's result
    does not depend on B or on the other rows."""
    out = []
    for start in range(0, x.shape[0], block):
        part = x[start:start + block]
        n = part.shape[0]
        if n < block:
            part = F.pad(part, (0, 0, 0, block - n))
        out.append(F.linear(part, weight, bias)[:n])
    return out[0] if len(out) == 1 else torch.cat(out)


@dataclass
class T2SConfig:
    vocab_size: int = 1025
    phoneme_vocab_size: int = 732
    embedding_dim: int = 512
    hidden_dim: int = 512
    n_head: int = 16
    n_layer: int = 24
    eos: int = 1024
    bert_dim: int = 1024
    max_sec: int = 54  # data.max_sec: early_stop_num = 50 * max_sec in the upstream pipeline

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "T2SConfig":
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in d.items() if k in known})


class _TokenEmbedding(nn.Module):
    def __init__(self, n: int, dim: int):
        super().__init__()
        self.word_embeddings = nn.Embedding(n, dim)


class _Position(nn.Module):
    """Sinusoidal positions scaled by a learned ``alpha`` (the table itself is computed, not stored)."""

    def __init__(self):
        super().__init__()
        self.alpha = nn.Parameter(torch.empty(1))


class _SelfAttention(nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.in_proj_weight = nn.Parameter(torch.empty(3 * dim, dim))
        self.in_proj_bias = nn.Parameter(torch.empty(3 * dim))
        self.out_proj = nn.Linear(dim, dim)


class _Block(nn.Module):
    """Post-norm transformer layer (names as ``nn.TransformerEncoderLayer``)."""

    def __init__(self, dim: int, n_head: int):
        super().__init__()
        self.n_head = n_head
        self.self_attn = _SelfAttention(dim)
        self.linear1 = nn.Linear(dim, 4 * dim)
        self.linear2 = nn.Linear(4 * dim, dim)
        self.norm1 = nn.LayerNorm(dim)
        self.norm2 = nn.LayerNorm(dim)

    def forward(self, x: torch.Tensor, cache: "KVCache", layer: int, attn_mask: torch.Tensor | None) -> torch.Tensor:
        b, t, d = x.shape
        h = self.n_head
        q, k, v = F.linear(x, self.self_attn.in_proj_weight, self.self_attn.in_proj_bias).chunk(3, dim=-1)
        k_all, v_all = cache.append(layer, k.view(b, t, h, d // h).transpose(1, 2), v.view(b, t, h, d // h).transpose(1, 2))
        q = q.view(b, t, h, d // h).transpose(1, 2)
        a = F.scaled_dot_product_attention(q, k_all, v_all, attn_mask=attn_mask)
        a = self.self_attn.out_proj(a.transpose(1, 2).reshape(b, t, d))
        x = layer_norm32(x + a, self.norm1.weight, self.norm1.bias, self.norm1.eps)
        x = x + self.linear2(F.relu(self.linear1(x)))
        return layer_norm32(x, self.norm2.weight, self.norm2.bias, self.norm2.eps)

    def step(self, x: torch.Tensor, caches: list["KVCache"], layer: int, block: int) -> torch.Tensor:
        """One decoding step for rows (B, d), row r appending to and attending over ``caches[r]``; products in
        blocks of ``block`` rows."""
        b, d = x.shape
        h = self.n_head
        att = self.self_attn
        q, k, v = block_linear(x, att.in_proj_weight, att.in_proj_bias, block).chunk(3, dim=-1)
        a = torch.empty_like(q)
        for r, cache in enumerate(caches):
            k_all, v_all = cache.append(layer, k[r].view(1, h, 1, d // h), v[r].view(1, h, 1, d // h))
            a[r] = F.scaled_dot_product_attention(q[r].view(1, h, 1, d // h), k_all, v_all).reshape(d)
        x = layer_norm32(x + block_linear(a, att.out_proj.weight, att.out_proj.bias, block),
                         self.norm1.weight, self.norm1.bias, self.norm1.eps)
        x = x + block_linear(F.relu(block_linear(x, self.linear1.weight, self.linear1.bias, block)),
                             self.linear2.weight, self.linear2.bias, block)
        return layer_norm32(x, self.norm2.weight, self.norm2.bias, self.norm2.eps)


class _Stack(nn.Module):
    def __init__(self, dim: int, n_head: int, n_layer: int):
        super().__init__()
        self.layers = nn.ModuleList(_Block(dim, n_head) for _ in range(n_layer))


class KVCache:
    """Per-call key/value storage: (layers, B, heads, capacity, head_dim), grown by doubling when full."""

    def __init__(self, n_layer: int, batch: int, n_head: int, head_dim: int, capacity: int, device, dtype):
        self.n_layer, self.length = n_layer, 0
        shape = (n_layer, batch, n_head, max(capacity, 1), head_dim)
        self.k = torch.empty(shape, device=device, dtype=dtype)
        self.v = torch.empty(shape, device=device, dtype=dtype)

    def append(self, layer: int, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        t = k.shape[2]
        end = self.length + t
        if end > self.k.shape[3]:
            grow = max(end, 2 * self.k.shape[3])
            for name in ("k", "v"):
                old = getattr(self, name)
                new = torch.empty((*old.shape[:3], grow, old.shape[4]), device=old.device, dtype=old.dtype)
                new[:, :, :, : self.length] = old[:, :, :, : self.length]
                setattr(self, name, new)
        self.k[layer, :, :, self.length:end] = k
        self.v[layer, :, :, self.length:end] = v
        if layer == self.n_layer - 1:
            self.length = end
        return self.k[layer, :, :, :end], self.v[layer, :, :, :end]


@dataclass
class T2SResult:
    tokens: torch.Tensor  # (1, P + n): prompt followed by the new tokens (upstream's ``y``)
    new_tokens: torch.Tensor  # (1, n)
    idx: int  # upstream's returned step index (TTS.py keeps ``tokens[:, -idx:]``)
    stop: str  # "eos" | "early_stop" | "max_steps"
    step_logits: list[torch.Tensor] = field(default_factory=list)  # raw logits per step (when asked for)


def apply_repetition_penalty(logits: torch.Tensor, previous: torch.Tensor, penalty: float) -> torch.Tensor:
    """Upstream rule: for every distinct previously seen token, logit < 0 → ×penalty, else ÷penalty."""
    if previous is None or previous.numel() == 0 or penalty == 1.0:
        return logits
    prev = previous.long()
    score = torch.gather(logits, 1, prev)
    score = torch.where(score < 0, score * penalty, score / penalty)
    return logits.scatter(1, prev, score)


def sampling_probs(logits: torch.Tensor, top_k: int | None, top_p: float | None, temperature: float) -> torch.Tensor:
    if top_p is not None and top_p < 1.0:
        sorted_logits, order = torch.sort(logits, descending=True)
        cum = torch.cumsum(torch.softmax(sorted_logits, dim=-1), dim=-1)
        drop = cum > top_p
        drop[:, 0] = False
        logits = logits.masked_fill(drop.scatter(1, order, drop), float("-inf"))
    logits = logits / max(temperature, 1e-5)
    if top_k is not None and top_k > 0:
        pivot = torch.topk(logits, min(top_k, logits.shape[-1])).values[:, -1:]
        logits = torch.where(logits < pivot, float("-inf"), logits)
    return torch.softmax(logits, dim=-1)


def draw(probs: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Sample one index per row (exponential-race trick, no device sync); (B, 1) long."""
    dev = generator.device if generator is not None else probs.device  # a CPU generator may drive a GPU run
    q = torch.empty(probs.shape, dtype=probs.dtype, device=dev).exponential_(1, generator=generator)
    return torch.argmax(probs / q.to(probs.device), dim=-1, keepdim=True)


class Text2Semantic(nn.Module):
    def __init__(self, cfg: T2SConfig):
        super().__init__()
        if cfg.embedding_dim != cfg.hidden_dim:
            raise ValueError("embedding_dim must equal hidden_dim")
        if cfg.eos != cfg.vocab_size - 1:
            raise ValueError("EOS must be the last audio token")
        self.config = cfg
        d = cfg.hidden_dim
        self.bert_proj = nn.Linear(cfg.bert_dim, d)
        self.ar_text_embedding = _TokenEmbedding(cfg.phoneme_vocab_size, d)
        self.ar_text_position = _Position()
        self.ar_audio_embedding = _TokenEmbedding(cfg.vocab_size, d)
        self.ar_audio_position = _Position()
        self.h = _Stack(d, cfg.n_head, cfg.n_layer)
        self.ar_predict_layer = nn.Linear(d, cfg.vocab_size, bias=False)

    @property
    def dtype(self) -> torch.dtype:
        return module_dtype(self)

    # -- pieces ---------------------------------------------------------------------------------------------
    def _text_input(self, phones: torch.Tensor, bert: torch.Tensor) -> torch.Tensor:
        x = self.ar_text_embedding.word_embeddings(phones)
        x = x + self.bert_proj(bert.to(self.dtype).transpose(1, 2))
        pe = sinusoid_table(x.shape[1], x.shape[2], x.device)
        return x + self.ar_text_position.alpha * pe.to(x.dtype)

    def _audio_input(self, tokens: torch.Tensor, start: int) -> torch.Tensor:
        y = self.ar_audio_embedding.word_embeddings(tokens)
        pe = sinusoid_table(y.shape[1], y.shape[2], y.device, start=start)
        return y + self.ar_audio_position.alpha * pe.to(y.dtype)

    def _run(self, x: torch.Tensor, cache: KVCache, attn_mask: torch.Tensor | None) -> torch.Tensor:
        for i, blk in enumerate(self.h.layers):
            x = blk(x, cache, i, attn_mask)
        return x

    def step_logits(self, h: torch.Tensor, block: int = STEP_BLOCK) -> torch.Tensor:
        """Float32 logits (B, vocab) of last hidden states (B, d); products in blocks of ``block`` rows."""
        return block_linear(h, self.ar_predict_layer.weight, None, block).float()

    def step_rows(self, tokens: torch.Tensor, positions: torch.Tensor, caches: list[KVCache],
                  block: int = STEP_BLOCK) -> torch.Tensor:
        """One decoding step: row r feeds audio token ``tokens[r]`` at audio position ``positions[r]`` into
        ``caches[r]`` → the rows' new hidden states (B, d); products in blocks of ``block`` rows."""
        x = self.ar_audio_embedding.word_embeddings(tokens)
        x = x + self.ar_audio_position.alpha * sinusoid_rows(positions, x.shape[-1]).to(x.dtype)
        for i, blk in enumerate(self.h.layers):
            x = blk.step(x, caches, i, block)
        return x

    def decode_cache(self, n_input: int, max_steps: int) -> KVCache:
        """The cache one utterance decodes in (its size, hence its layout, depends only on the utterance)."""
        return self.new_cache(1, n_input + min(max_steps, 512))

    def new_cache(self, batch: int, capacity: int) -> KVCache:
        c = self.config
        return KVCache(c.n_layer, batch, c.n_head, c.hidden_dim // c.n_head, capacity,
                       self.ar_predict_layer.weight.device, self.dtype)

    @staticmethod
    def prompt_mask(n_text: int, n_audio: int, device) -> torch.Tensor:
        """(L, L) bool, True = may attend: text rows see all text; audio rows see text + earlier audio."""
        n = n_text + n_audio
        allow = torch.zeros(n, n, dtype=torch.bool, device=device)
        allow[:, :n_text] = True
        allow[n_text:, n_text:] = torch.ones(n_audio, n_audio, dtype=torch.bool, device=device).tril()
        return allow

    def _prefill(self, phones, bert, prompt, cache: KVCache) -> torch.Tensor:
        x = self._text_input(phones, bert)
        n_audio = 0 if prompt is None else prompt.shape[1]
        if n_audio:
            x = torch.cat([x, self._audio_input(prompt, 0)], dim=1)
        mask = self.prompt_mask(phones.shape[1], n_audio, x.device)
        return self._run(x, cache, mask[None, None])

    @torch.no_grad()
    def prompt_logits(self, phones, bert, prompt=None) -> torch.Tensor:
        """Logits (B, L, vocab) at every position of the first pass (text positions, then prompt tokens)."""
        cache = self.new_cache(phones.shape[0], phones.shape[1] + (0 if prompt is None else prompt.shape[1]))
        return self.ar_predict_layer(self._prefill(phones, bert, prompt, cache)).float()

    # -- decoding --------------------------------------------------------------------------------------------
    @torch.no_grad()
    def iter_tokens(
        self,
        phones: torch.Tensor,
        bert: torch.Tensor,
        prompt: torch.Tensor | None = None,
        *,
        top_k: int | None = 15,
        top_p: float | None = 1.0,
        temperature: float = 1.0,
        repetition_penalty: float = 1.35,
        early_stop_num: int = -1,
        max_steps: int = MAX_STEPS,
        generator: torch.Generator | None = None,
        on_logits: Callable[[int, torch.Tensor], None] | None = None,
        state: dict | None = None,
        step_block: int = 1,
    ) -> Iterator[int]:
        """Yield new semantic tokens one at a time (batch size 1). ``state['stop']`` tells why it ended.
        ``step_block`` :data:`STEP_BLOCK` gives the tokens a batch decoder gives (see "Batch invariance")."""
        if phones.shape[0] != 1:
            raise ValueError("decoding runs one utterance at a time (batch size 1)")
        state = {} if state is None else state
        n_prompt = 0 if prompt is None else prompt.shape[1]
        cache = self.decode_cache(phones.shape[1] + n_prompt, max_steps)
        seen = prompt.long() if prompt is not None else torch.zeros(1, 0, dtype=torch.long, device=phones.device)
        h = self._prefill(phones, bert, prompt, cache)[:, -1]
        eos = self.config.eos
        n_new = 0
        for step in range(max_steps):
            logits = self.step_logits(h, step_block)
            if on_logits is not None:
                on_logits(step, logits)
            if step < MIN_STEPS_BEFORE_EOS:
                logits = logits[:, :-1]
            logits = apply_repetition_penalty(logits, seen, repetition_penalty)
            tok = draw(sampling_probs(logits, top_k, top_p, temperature), generator)
            if int(torch.argmax(logits, dim=-1)[0]) == eos or int(tok[0, 0]) == eos:
                state["stop"], state["idx"] = "eos", step
                return
            seen = torch.cat([seen, tok], dim=1)
            n_new += 1
            state["idx"] = step
            yield int(tok[0, 0])
            if early_stop_num != -1 and n_new > early_stop_num:
                state["stop"] = "early_stop"
                return
            h = self.step_rows(tok[0], torch.tensor([n_prompt + step], device=tok.device), [cache], step_block)
        state["stop"] = "max_steps"

    @torch.no_grad()
    def generate(self, phones, bert, prompt=None, *, return_logits: bool = False, **kw) -> T2SResult:
        state: dict = {}
        logits: list[torch.Tensor] = []
        cb = (lambda i, lg: logits.append(lg[0].clone())) if return_logits else None
        new = list(self.iter_tokens(phones, bert, prompt, on_logits=cb, state=state, **kw))
        dev = phones.device
        new_t = torch.tensor([new], dtype=torch.long, device=dev).view(1, -1)
        tokens = new_t if prompt is None else torch.cat([prompt.long(), new_t], dim=1)
        if not new and prompt is None:
            new_t = torch.zeros(1, 1, dtype=torch.long, device=dev)  # upstream never returns an empty result
            tokens = new_t
        # upstream returns idx 0 in reference-free mode (its first yield there)
        idx = 0 if prompt is None else state.get("idx", 0)
        return T2SResult(tokens=tokens, new_tokens=new_t, idx=idx, stop=state.get("stop", "max_steps"), step_logits=logits)


def trim_early_stop(new_tokens: torch.Tensor, stop: str, early_stop_num: int, *, parallel: bool = True) -> torch.Tensor:
    """The tokens upstream hands to SoVITS when decoding hit ``early_stop_num`` (it has then drawn one token more):
    its parallel decoder (``parallel_infer=True``, the default) drops the last one, its naive decoder keeps all
    and ``TTS.run`` decodes the last ``early_stop_num``. Other stops are returned unchanged."""
    if stop != "early_stop" or early_stop_num < 0 or new_tokens.shape[-1] <= early_stop_num:
        return new_tokens
    return new_tokens[..., :early_stop_num] if parallel else new_tokens[..., new_tokens.shape[-1] - early_stop_num:]
