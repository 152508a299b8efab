"""Making preview bases: a cluster's profile stored through the base store like any other base.

* :func:`profile_of_voices` — the pooled profile of some voices' clips (pitch statistics + long-term envelope).
* :func:`create_preview_base` — register it as a base (backend ``preview``, group ``profile``).
* :func:`ensure_preview_base` — the library-wide preview base (prior for voices without a cluster base),
  made once; with clusters from the analysis, :func:`assign_cluster_bases` gives each cluster its own.
"""

from __future__ import annotations

from typing import Any, Iterable

from ...errors import InvalidInput, NotFound
from . import dsp
from .backend import GROUP, VARIANT, profile_tensors

DEFAULT_BASE = "preview"


def profile_of_voices(engine, voices: Iterable[Any]) -> dsp.VoiceProfile:
    from ...audio.io import read_audio

    lib = engine.library
    items = []
    names = []
    for v in voices:
        voice = lib.voice(v if isinstance(v, (str, int)) else v.name)
        names.append(voice.name)
        for c in voice.clips:
            items.append(read_audio(lib.clip_path(c)))
    prof = dsp.profile_from_audio(items)
    if prof is None:
        raise InvalidInput(
            f"No voiced speech in the clips of {', '.join(names) or 'these voices'}: a preview base needs some.",
            hint="Add clips of clear speech first.",
        )
    return prof


def manifest_for(profile: dsp.VoiceProfile, voices: list[str]) -> dict[str, Any]:
    return {
        "backend": "preview", "variant": VARIANT,
        "architecture": {"grid_hz": [float(dsp.GRID_HZ[0]), float(dsp.GRID_HZ[-1]), len(dsp.GRID_HZ)]},
        "label": "Preview voice (eSpeak NG coloured toward the references) — not a cloned voice",
        "voices": voices, "f0_hz": round(profile.f0_hz, 2),
    }


def create_preview_base(engine, name: str, voices: Iterable[Any] | None = None):
    """Register a preview base made from ``voices`` (default: every voice in the library)."""
    lib = engine.library
    names = [v if isinstance(v, str) else v.name for v in voices] if voices is not None else lib.voice_names()
    if not names:
        raise InvalidInput("A preview base needs at least one voice with clips.", hint="Install the demo library or import voices first.")
    prof = profile_of_voices(engine, names)
    return engine.bases.register(
        name, "preview", VARIANT, {GROUP: profile_tensors(prof)}, manifest_for(prof, names),
        provenance={"made_by": "engine.backends.preview.bases.create_preview_base"},
    )


def ensure_preview_base(engine, name: str = DEFAULT_BASE):
    """The library-wide preview base, created on first use."""
    try:
        return engine.bases.get(name)
    except NotFound:
        return create_preview_base(engine, name)


def assign_cluster_bases(engine) -> dict[int, str]:
    """Give every cluster without a base its own preview base (``preview-c<id>``); returns cluster → base name."""
    groups: dict[int, list[str]] = {}
    for v in engine.library.voices():
        a = engine.analysis.cluster_of(v.name)
        if a is not None:
            groups.setdefault(int(a.cluster_id), []).append(v.name)
    done: dict[int, str] = {}
    for cid, names in sorted(groups.items()):
        if engine.bases.base_for_cluster(cid) is not None:
            continue
        base_name = f"preview-c{cid}"
        try:
            base = engine.bases.get(base_name)
        except NotFound:
            base = create_preview_base(engine, base_name, names)
        engine.bases.assign(cid, base)
        done[cid] = base.name
    return done
