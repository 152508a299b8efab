"""Fine-tuning the GPT (text → semantic tokens) of a base: teacher-forced cross-entropy on semantic tokens.

The sequence is upstream's: text positions (phone embedding + projected BERT + scaled sinusoid) then audio
positions (token embedding + its own scaled sinusoid); text rows attend to all text, audio rows to all text
and earlier audio. The audio input is the clip's tokens with EOS appended, shifted: position *i* predicts
token *i + 1*, the last predicts EOS. Padding is masked out of attention and of the loss.

The forward pass here is a training path (no KV cache: the inference cache writes in place, which autograd
cannot differentiate through) over the same parameters as :class:`engine.backends.gptsovits.t2s.Text2Semantic`.
"""

from __future__ import annotations

import torch
from torch.nn import functional as F

from ...backends.gptsovits.layers import sinusoid_table


def _block(blk, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    b, t, d = x.shape
    h = blk.n_head
    q, k, v = F.linear(x, blk.self_attn.in_proj_weight, blk.self_attn.in_proj_bias).chunk(3, dim=-1)
    q, k, v = (z.view(b, t, h, d // h).transpose(1, 2) for z in (q, k, v))
    a = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    a = blk.self_attn.out_proj(a.transpose(1, 2).reshape(b, t, d))
    x = F.layer_norm(x + a, (d,), blk.norm1.weight, blk.norm1.bias, blk.norm1.eps)
    x = x + blk.linear2(F.relu(blk.linear1(x)))
    return F.layer_norm(x, (d,), blk.norm2.weight, blk.norm2.bias, blk.norm2.eps)


def collate(samples, device="cpu") -> dict[str, torch.Tensor]:
    """Pad a list of :class:`.data.Sample` into a batch (phones 0-padded, tokens EOS-padded later)."""
    n_t = max(s.phones.numel() for s in samples)
    n_a = max(s.semantic.numel() for s in samples)
    bert_dim = samples[0].bert.shape[0]
    phones = torch.zeros(len(samples), n_t, dtype=torch.long)
    bert = torch.zeros(len(samples), bert_dim, n_t)
    tokens = torch.zeros(len(samples), n_a, dtype=torch.long)
    t_len = torch.zeros(len(samples), dtype=torch.long)
    a_len = torch.zeros(len(samples), dtype=torch.long)
    for i, s in enumerate(samples):
        n, m = s.phones.numel(), s.semantic.numel()
        phones[i, :n], bert[i, :, :n], tokens[i, :m] = s.phones, s.bert, s.semantic
        t_len[i], a_len[i] = n, m
    batch = {"phones": phones, "bert": bert, "tokens": tokens, "phone_lengths": t_len, "token_lengths": a_len}
    return {k: v.to(device) for k, v in batch.items()}


def _targets(model, batch) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(EOS-padded inputs, targets = next token / EOS after the last, valid-position mask)."""
    tokens, a_len = batch["tokens"], batch["token_lengths"]
    b, n_a = tokens.shape
    eos = model.config.eos
    ar = torch.arange(n_a, device=tokens.device)[None]
    valid = ar < a_len[:, None]
    padded = torch.where(valid, tokens, torch.full_like(tokens, eos))
    targets = torch.cat([padded[:, 1:], torch.full((b, 1), eos, dtype=torch.long, device=tokens.device)], dim=1)
    return padded, targets, valid


def logits(model, batch) -> torch.Tensor:
    """(B, n_tokens, vocab) teacher-forced logits at every audio position."""
    phones, bert = batch["phones"], batch["bert"]
    padded, _, valid = _targets(model, batch)
    b, n_t = phones.shape
    n_a = padded.shape[1]
    x = model.ar_text_embedding.word_embeddings(phones) + model.bert_proj(bert.transpose(1, 2))
    x = x + model.ar_text_position.alpha * sinusoid_table(n_t, x.shape[2], x.device)
    y = model.ar_audio_embedding.word_embeddings(padded)
    y = y + model.ar_audio_position.alpha * sinusoid_table(n_a, y.shape[2], y.device)
    xy = torch.cat([x, y], dim=1)
    allow = model.prompt_mask(n_t, n_a, xy.device)[None].expand(b, -1, -1).clone()
    keys_ok = torch.cat([torch.arange(n_t, device=xy.device)[None] < batch["phone_lengths"][:, None], valid], dim=1)
    allow &= keys_ok[:, None, :]                                   # padding is never attended to
    allow |= torch.eye(n_t + n_a, dtype=torch.bool, device=xy.device)[None]   # (padded rows keep one key)
    for blk in model.h.layers:
        xy = _block(blk, xy, allow[:, None])
    return model.ar_predict_layer(xy[:, n_t:]).float()


def gpt_loss(model, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """Mean cross-entropy of the next semantic token (EOS after the last) over the batch's real positions."""
    _, targets, valid = _targets(model, batch)
    return F.cross_entropy(logits(model, batch)[valid], targets[valid])


@torch.no_grad()
def accuracy(model, batch) -> float:
    """Share of real positions whose arg-max is the target."""
    _, targets, valid = _targets(model, batch)
    return float((logits(model, batch).argmax(-1)[valid] == targets[valid]).float().mean())
