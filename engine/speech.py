"""Speech: "say this text in voice V" → audio chunks (``engine.speech``).

``SpeechService.say`` resolves the base that serves the voice (:meth:`SpeechService.resolve_base`, THE one
rule: explicit base → the voice's cluster base → the only base → the only preview / tone base), picks the
voice's reference clips, and queues the request on the runtime; the returned handle streams
:class:`AudioChunk` s as they are ready (``chunks()``), collects them (``result()``) or cancels the request
(``cancel()``); ``used_clip``, ``base`` and ``preview`` say what serves it.
``SpeechService.speak`` is the one speak path (Speak tab, cues, ``timbrel say``, self-test): it submits and
hands the stream to a playback output at once (``mode``: queue / overlap / interrupt).

Resolution from library records to what the runtime serves (:class:`engine.runtime.spec.ResolvedBase`:
pool spec, backend, manifest and the backend's :class:`SynthesisContext`) lives here too
(:meth:`SpeechService.resolved_base`); the runtime never reads the library.

Reference choice (used by every backend):

* ``choose_prompt_clip(voice, emotion)`` — a clip with exactly that emotion; else the clip
  with the *nearest* emotion (valence/arousal positions of the 9 emotion2vec+ classes,
  within :data:`NEAR`); else a neutral clip; else the best clip. Within a tier the best
  clip wins: 3–10 s long, with a transcript, in the requested language, closest to 6 s.
* ``choose_timbre_clips(voice, k)`` — the ``k`` best clips by the same quality order.
"""

from __future__ import annotations

import hashlib
import math
import threading
from pathlib import Path
from typing import Any, Iterable, Mapping

from .backends.base import AudioChunk, ReferenceClip, References, SynthesisContext, SynthesisRequest
from .errors import InvalidInput, NotFound
from .library.emotions import EMOTIONS, normalize_emotion

__all__ = ["SpeechService", "AudioChunk", "choose_prompt_clip", "choose_timbre_clips", "emotion_distance",
           "SPEAK_MODES", "FALLBACK_BACKENDS"]

SPEAK_MODES = ("queue", "overlap", "interrupt")
FALLBACK_BACKENDS = ("preview", "tone")   # bases that speak for any voice when its cluster has none

# Positions on the valence/arousal plane (Russell's circumplex, coarse). "other" and "unknown"
# carry no emotional information and sit with neutral.
EMOTION_VA: dict[str, tuple[float, float]] = {
    "happy": (0.8, 0.5), "surprised": (0.4, 0.8), "angry": (-0.6, 0.8), "fearful": (-0.7, 0.6),
    "disgusted": (-0.7, 0.2), "sad": (-0.7, -0.4), "neutral": (0.0, 0.0), "other": (0.0, 0.0), "unknown": (0.0, 0.0),
}
NEAR = 0.65          # farther than this is not "near": fall back to neutral
PREFERRED = (3.0, 10.0)
assert set(EMOTION_VA) == set(EMOTIONS)


def emotion_distance(a: str, b: str) -> float:
    (va, aa), (vb, ab) = EMOTION_VA[a], EMOTION_VA[b]
    return math.hypot(va - vb, aa - ab)


def _quality(clip, language: str | None = None) -> tuple:
    lo, hi = PREFERRED
    in_range = lo <= clip.duration <= hi
    return (not in_range, not bool((clip.transcript or "").strip()),
            bool(language) and clip.language not in (None, language), abs(clip.duration - 6.0), clip.id)


def _best(clips: Iterable, language: str | None = None):
    clips = list(clips)
    return min(clips, key=lambda c: _quality(c, language)) if clips else None


def choose_prompt_clip(voice, emotion: str | None = None, language: str | None = None,
                       predicted: Mapping[int, str] | None = None):
    """The clip to prompt with (see the module docstring). Raises :class:`InvalidInput` for a voice without clips.

    ``predicted`` (clip id → emotion, e.g. what emotion2vec+ hears) stands in for the label of unlabelled clips;
    within each tier a labelled clip is preferred to a predicted one."""
    clips = list(voice.clips)
    if not clips:
        raise InvalidInput(f"Voice '{voice.name}' has no reference clips.",
                           hint=f"Add some with 'timbrel import CLIPS --voice \"{voice.name}\"'.")
    emotion = normalize_emotion(emotion) if emotion else None
    guess = predicted or {}

    def emo(c):
        return c.emotion or guess.get(c.id)

    def pick(candidates):
        labelled = [c for c in candidates if c.emotion]
        return _best(labelled or candidates, language)

    if emotion and emotion not in ("neutral", "other", "unknown"):
        exact = [c for c in clips if emo(c) == emotion]
        if exact:
            return pick(exact)
        labelled = [c for c in clips if emo(c) and emo(c) not in ("neutral", "other", "unknown")]
        if labelled:
            near = min(emotion_distance(emotion, emo(c)) for c in labelled)
            if near <= NEAR:
                return pick([c for c in labelled if emotion_distance(emotion, emo(c)) == near])
    neutral = [c for c in clips if emo(c) == "neutral"]
    if neutral:
        return pick(neutral)
    return _best(clips, language)


def choose_timbre_clips(voice, k: int = 3, language: str | None = None) -> list:
    """The ``k`` best clips for timbre (averaged by backends that take several references)."""
    if k <= 0:
        return []
    return sorted(voice.clips, key=lambda c: _quality(c, language))[:k]


class SpeechService:
    """``engine.speech``."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self._lock = threading.Lock()
        self._resolved: dict[str, tuple[tuple, Any]] = {}

    # -- resolution ---------------------------------------------------------------------------------------
    def resolve_base(self, voice, base=None):
        """THE base-resolution rule (cues, evaluation, server, CLI and GUI all use it): an explicit ``base``
        → the base of the voice's cluster → the only base → the only preview (else tone) base → a clear error.
        ``voice`` is a voice, its name or id."""
        bases = self.engine.bases
        if base is not None:
            return bases.get(base)
        if not hasattr(voice, "clips"):
            voice = self.engine.library.voice(voice)
        try:
            analysis = self.engine.analysis
        except ImportError:     # the analysis stack is not installed: no clusters, the fallback rules below decide
            analysis = None
        if analysis is not None:
            assignment = analysis.cluster_of(voice)
            if assignment is not None:
                rec = bases.base_for_cluster(assignment.cluster_id)
                if rec is not None:
                    return rec
        every = bases.list()
        if len(every) == 1:
            return every[0]
        if not every:
            raise NotFound("There is no base to speak with yet.",
                           hint="Import a GPT-SoVITS pair with 'timbrel base import --gpt F.ckpt --sovits F.pth --name N', "
                                "or give every cluster a preview voice (no GPT-SoVITS files needed) with "
                                "'timbrel analyze && timbrel cluster && timbrel demo preview-bases'.")
        for backend in FALLBACK_BACKENDS:
            fallback = [b for b in every if b.backend == backend]
            if len(fallback) == 1:
                return fallback[0]
        raise NotFound(f"Voice '{voice.name}' has no base: its cluster has none assigned and there are {len(every)} bases.",
                       hint="Pass --base NAME, or assign a base to the voice's cluster with 'timbrel base assign CLUSTER BASE'.")

    def assets(self) -> dict[str, Path]:
        """The pretrained assets the engine can hand to backends (``root`` and every usable piece by name)."""
        try:
            assets = self.engine.assets
            root = assets.root
        except AttributeError:  # no assets service (or settings) in this engine: tests with a bare engine
            return {}
        if root is None:
            return {}
        out: dict[str, Path] = {"root": Path(root)}
        if Path(root).is_dir():
            from .assets import SPECS, check

            for spec in SPECS:
                state = check(Path(root), spec)
                if state.ok and state.path:
                    out[spec.name] = Path(state.path)
        return out

    def resolved_base(self, base):
        """What the runtime serves for a stored base (a name, id or ``BaseRecord``): a
        :class:`~engine.runtime.spec.ResolvedBase` with the backend's context (base key, cache folder, assets).
        Cached; a base whose bytes changed under the same name is dropped from the runtime's memory."""
        from .backends import get_backend
        from .runtime.layout import layout_digest
        from .runtime.pool import BaseSpec
        from .runtime.weight_sources import StoreSource
        from .runtime.spec import ResolvedBase

        store = self.engine.bases
        record = base if hasattr(base, "groups") and hasattr(base, "backend") else store.get(base)
        fingerprint = hashlib.sha1(
            (str(record.manifest_sha256) + "".join(f"{g}={s}" for g, s in sorted(record.groups.items()))).encode()
        ).hexdigest()
        root = self.engine.settings.get("assets.gptsovits_path") if getattr(self.engine, "settings", None) else None
        stamp = (fingerprint, str(root))
        key = record.name
        with self._lock:
            cached = self._resolved.get(key)
            if cached is not None and cached[0] == stamp:
                return cached[1]
        runtime = self.engine.runtime
        manifest = store.manifest(record)
        backend = get_backend(record.backend)
        layout = backend.layout(manifest, runtime.device.kind)
        arch = f"{backend.name}:{backend.architecture_key(manifest)}:{layout_digest(layout)}"
        device = runtime.device
        spec = BaseSpec(key, arch, layout, StoreSource(store, record),
                        build=lambda views, m=manifest, b=backend: b.build_skeleton(m, views, device), label=record.name)
        context = SynthesisContext(base_key=f"{record.name}@{fingerprint[:16]}",
                                   cache_dir=self._cache_root() / backend.name,
                                   assets=self.assets(), device=getattr(device, "storage", None))
        resolved = ResolvedBase(spec, backend, manifest, context)
        with self._lock:
            if cached is not None and cached[0][0] != fingerprint:  # the base changed under the same name
                runtime.forget(key)
            self._resolved[key] = (stamp, resolved)
        return resolved

    def _cache_root(self) -> Path:
        """Per-clip synthesis caches: inside the library, or — for a read-only reader of a shared library (a
        serving replica) — under this machine's cache folder, one per library."""
        lib = self.engine.library
        if not getattr(lib, "read_only", False):
            return Path(lib.root) / "cache"
        from .paths import cache_dir

        tag = hashlib.sha256(str(Path(lib.root).resolve()).encode()).hexdigest()[:16]
        return cache_dir() / "libraries" / tag

    def _ref(self, clip) -> ReferenceClip:
        return ReferenceClip(path=self.engine.library.clip_path(clip), sha256=clip.sha256, transcript=clip.transcript,
                             language=clip.language, emotion=clip.emotion, duration=clip.duration,
                             sample_rate=clip.sample_rate)

    def _predicted(self, voice) -> dict[int, str]:
        """clip id → the emotion emotion2vec+ hears in the voice's unlabelled clips (stored by 'analyze')."""
        try:
            from .analysis.emotion2vec.analysis import predicted_labels
        except ImportError:
            return {}
        return predicted_labels(self.engine, voice.clips)

    def references(self, voice, emotion: str | None = None, language: str | None = None, k: int = 3) -> References:
        prompt = choose_prompt_clip(voice, emotion, language, predicted=self._predicted(voice))
        timbre = choose_timbre_clips(voice, k, language)
        return References(voice.name, self._ref(prompt), tuple(self._ref(c) for c in timbre))

    # -- speaking -----------------------------------------------------------------------------------------
    def say(self, text: str, voice=None, *, emotion: str | None = None, language: str | None = None,
            seed: int | None = None, base=None, priority: str = "interactive", options: Mapping[str, Any] | None = None,
            references: References | None = None, speed: float = 1.0, timeout_s: float | None = None):
        """Queue ``text`` in ``voice`` (a library voice, name or id) or with explicit ``references`` + ``base``.

        Returns the runtime's handle (``chunks()``, ``result(timeout)``, ``cancel()``, ``id``) with ``used_clip``
        (the prompt clip chosen; None when references were given), ``base`` (the base's name) and ``preview``
        (spoken by the preview backend)."""
        if not (text or "").strip():
            raise InvalidInput("There is nothing to say.", hint="Give some text.")
        if not (0.25 <= float(speed) <= 4.0):
            raise InvalidInput(f"Speed {speed} is out of range.", hint="Use a speed between 0.25 and 4.")
        if options is not None and not isinstance(options, Mapping):
            raise InvalidInput("Synthesis options must be a mapping of option names to values.",
                               hint="For example: {'top_k': 15, 'temperature': 0.8}.")
        used_clip = None
        if references is not None:
            if base is None:
                raise InvalidInput("Speaking with explicit references needs a base.",
                                   hint="Pass base=NAME together with references.")
            record = self.engine.bases.get(base) if not hasattr(base, "groups") else base
            refs = references
        else:
            if voice is None:
                raise InvalidInput("Say which voice should speak.", hint="Pass a voice name, or references and a base.")
            v = voice if hasattr(voice, "clips") else self.engine.library.voice(voice)
            record = self.resolve_base(v, base)
            language = language or v.language
            used_clip = choose_prompt_clip(v, emotion, language, predicted=self._predicted(v))
            timbre = choose_timbre_clips(v, 3, language)
            refs = References(v.name, self._ref(used_clip), tuple(self._ref(c) for c in timbre))
        request = SynthesisRequest(text=text, language=language, emotion=normalize_emotion(emotion) if emotion else None,
                                   seed=seed, speed=float(speed), options=dict(options or {}))
        resolved = self.resolved_base(record)
        handle = self.engine.runtime.submit(resolved, request, refs, priority=priority, timeout_s=timeout_s)
        handle.used_clip = used_clip
        handle.base = record.name
        handle.preview = record.backend == "preview"
        handle.unsupported_options = resolved.backend.unsupported_options(resolved.manifest, request.options)
        return handle

    def speak(self, text: str, voice=None, *, playback=None, mode: str = "queue", label: str | None = None,
              on_end=None, **say_kwargs):
        """Say ``text`` and play it on ``playback`` (an :class:`engine.playback.Playback`; the engine's by default).

        Submits and returns at once: ``(handle, job)`` where ``job`` is the playback job (``wait()``, ``state``,
        ``frames``). ``mode``: ``queue`` plays after what is queued, ``overlap`` mixes it with what plays now,
        ``interrupt`` stops what plays and starts this. ``on_end(job)`` runs when its audio ended (also the
        ``playback.state`` events)."""
        if mode not in SPEAK_MODES:
            raise InvalidInput(f"'{mode}' is not a way to play speech.", hint="Use queue, overlap or interrupt.")
        handle = self.say(text, voice, **say_kwargs)
        pb = playback if playback is not None else self.engine.playback
        job = pb.play_stream(handle.chunks(), cancel=handle.cancel, label=label or text[:40], mode=mode, on_end=on_end)
        return handle, job
