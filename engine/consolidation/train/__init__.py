"""Fine-tuning a cluster base on the cluster's pooled references.

* :mod:`.data` — per-clip features (phones, BERT, HuBERT, semantic tokens, 32 kHz audio, SV vectors);
* :mod:`.gpt` — the GPT's teacher-forced cross-entropy on semantic tokens;
* :mod:`.loop` — the resumable, cancellable training loop with progress events;
* :mod:`.finetune` — a fine-tune of a stored base: trainable modules from the base, training, a new base
  version with provenance, export to upstream files.
"""
