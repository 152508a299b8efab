"""Backends get what they need from the engine in a SynthesisContext; none reads settings or finds the library."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_no_backend_reads_settings_or_looks_for_the_catalog():
    offenders = []
    for path in (ROOT / "engine" / "backends").rglob("*.py"):
        if path.name == "store.py":   # the base store is the library's, not a backend
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"^\s*(from\s+\S*settings\s+import|import\s+\S*settings)", text, re.M) or "catalog.sqlite" in text:
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_the_runtime_hands_each_backend_its_context(tone_engine, monkeypatch):
    from engine.backends import get_backend

    tone = get_backend("tone")
    seen = []
    original = type(tone).synthesize

    def spy(self, model, shared, request, references, context=None):
        seen.append(context)
        return original(self, model, shared, request, references, context)

    monkeypatch.setattr(type(tone), "synthesize", spy)
    h = tone_engine.speech.say("Hello there.", "Alice", seed=1, options={"top_k": 5})
    assert h.result(60).seconds > 0
    ctx = seen[0]
    rec = tone_engine.bases.get("tone-a")
    assert ctx.base_key.startswith("tone-a@") and ctx.base_key == tone_engine.speech.resolved_base(rec).context.base_key
    assert ctx.cache_dir == Path(tone_engine.library.root) / "cache" / "tone"
    assert h.base == "tone-a" and h.preview is False and h.used_clip is not None and h.id == h.request_id
    assert h.unsupported_options == ["top_k"]          # tone ignores GPT-SoVITS sampling options and says so


def test_explicit_references_need_a_base_and_report_no_used_clip(tone_engine):
    from engine.errors import InvalidInput

    voice = tone_engine.library.voice("Alice")
    refs = tone_engine.speech.references(voice)
    with pytest.raises(InvalidInput, match="needs a base"):
        tone_engine.speech.say("Hi.", references=refs)
    h = tone_engine.speech.say("Hi there.", references=refs, base="tone-a", seed=2)
    assert h.result(60).seconds > 0 and h.used_clip is None and h.base == "tone-a"


def test_a_base_changed_under_the_same_name_gets_a_new_key(tone_engine):
    from engine.backends.tone import create_tone_base

    first = tone_engine.speech.resolved_base("tone-a").context.base_key
    tone_engine.bases.remove("tone-a") if hasattr(tone_engine.bases, "remove") else None
    create_tone_base(tone_engine, "tone-a", seed=99)
    again = tone_engine.speech.resolved_base("tone-a").context.base_key
    assert again != first and again.startswith("tone-a@")


def test_gptsovits_takes_assets_and_cache_from_the_context(tmp_path):
    from engine.backends.base import SynthesisContext
    from engine.backends.gptsovits.backend import GptSovitsBackend
    from engine.errors import MissingAsset

    be = GptSovitsBackend()
    ctx = SynthesisContext("b@1", tmp_path / "cache", {})
    with pytest.raises(MissingAsset, match="none are linked"):
        be.shared_models({"variant": "v2", "architecture": {}}, ctx)
    assert be._cache_for(ctx).root == tmp_path / "cache"
    linked = SynthesisContext("b@1", tmp_path / "cache", {"root": tmp_path / "gone"})
    with pytest.raises(MissingAsset, match="is gone"):
        be.shared_models({"variant": "v2", "architecture": {}}, linked)


def test_the_cpu_device_never_claims_pinned_memory(tone_engine):
    import time

    from engine.backends.tone import create_tone_base
    from engine.cli.runtime_cmds import format_status

    create_tone_base(tone_engine, "tone-p")
    rt = tone_engine.runtime
    rt.hint_prefetch("tone-p")
    deadline = time.monotonic() + 60
    while "tone-p" not in (rt.status()["staging"] or {}).get("staged", []) and time.monotonic() < deadline:
        time.sleep(0.02)
    st = rt.status()
    assert st["device"] == {**st["device"], "kind": "cpu", "name": "CPU (host memory)", "memory": "host", "pinned": False}
    assert st["staging"]["pinned"] is False and st["staging"]["fallback"] is None and "tone-p" in st["staging"]["staged"]
    text = format_status(st)
    assert "host memory (not pinned: no GPU)" in text and "pinned" not in text.replace("not pinned", "").replace(
        "nothing is pinned", "")
