"""Consolidation (issue #9): from one model per voice to one base per cluster, and keeping it good.

* :mod:`.scan` / :mod:`.importer` — ``timbrel import-gptsovits``: voices + candidate bases from a GPT-SoVITS folder.
* :mod:`.consolidate` — a plan per cluster (adopt a candidate / pretrained zero-shot / keep) with a storage report.
* :mod:`.archive` — apply a plan (retired bases archived, reversible), revert, purge (explicit).
* :mod:`.versions` — base versions per cluster with provenance; rollback.
* :mod:`.evaluate` — synthesize test sentences per voice, speaker similarity, flags and proposals, history.
* :mod:`.background` — evaluation on a worker thread, on demand or after library changes (for the app).
* :mod:`.train` — fine-tuning (data preparation, GPT and SoVITS training, resumable checkpoints).
* :mod:`.export` — write bases back to upstream GPT-SoVITS ``.ckpt`` / ``.pth`` files.

Nothing here is imported by ``import engine``; torch is imported only where weights are handled.
"""
