"""Speech: "say this text in voice V" → audio chunks (``engine.speech``).

``SpeechService.say`` resolves the base that serves the voice, picks the voice's
reference clips, and queues the request on the runtime; the returned handle streams
:class:`AudioChunk` s as they are ready (``chunks()``), collects them (``result()``) or
cancels the request (``cancel()``).

Reference choice (used by every backend):

* ``choose_prompt_clip(voice, emotion)`` — a clip with exactly that emotion; else the clip
  with the *nearest* emotion (valence/arousal positions of the 9 emotion2vec+ classes,
  within :data:`NEAR`); else a neutral clip; else the best clip. Within a tier the best
  clip wins: 3–10 s long, with a transcript, in the requested language, closest to 6 s.
* ``choose_timbre_clips(voice, k)`` — the ``k`` best clips by the same quality order.
"""

from __future__ import annotations

import math
from typing import Iterable

from .backends.base import AudioChunk, ReferenceClip, References, SynthesisRequest
from .errors import InvalidInput, NotFound
from .library.emotions import EMOTIONS, normalize_emotion

__all__ = ["SpeechService", "AudioChunk", "choose_prompt_clip", "choose_timbre_clips", "emotion_distance"]

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


def choose_prompt_clip(voice, emotion: str | None = None, language: str | None = None):
    """The clip to prompt with (see the module docstring). Raises :class:`InvalidInput` for a voice without clips."""
    clips = list(voice.clips)
    if not clips:
        raise InvalidInput(f"Voice '{voice.name}' has no reference clips.",
                           hint=f"Add some with 'timbrel import CLIPS --voice \"{voice.name}\"'.")
    emotion = normalize_emotion(emotion) if emotion else None
    if emotion and emotion not in ("neutral", "other", "unknown"):
        exact = [c for c in clips if c.emotion == emotion]
        if exact:
            return _best(exact, language)
        labelled = [c for c in clips if c.emotion and c.emotion not in ("neutral", "other", "unknown")]
        if labelled:
            near = min(emotion_distance(emotion, c.emotion) for c in labelled)
            if near <= NEAR:
                return _best([c for c in labelled if emotion_distance(emotion, c.emotion) == near], language)
    neutral = [c for c in clips if c.emotion == "neutral"]
    if neutral:
        return _best(neutral, language)
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

    # -- resolution ---------------------------------------------------------------------------------------
    def resolve_base(self, voice, base=None):
        """The base for ``voice``: explicit → its cluster's base → the only base → a clear error."""
        bases = self.engine.bases
        if base is not None:
            return bases.get(base)
        try:
            analysis = self.engine.analysis
        except ImportError:
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
        raise NotFound(f"Voice '{voice.name}' has no base: its cluster has none assigned and there are {len(every)} bases.",
                       hint="Pass --base NAME, or assign a base to the voice's cluster with 'timbrel base assign CLUSTER BASE'.")

    def _ref(self, clip) -> ReferenceClip:
        return ReferenceClip(path=self.engine.library.clip_path(clip), sha256=clip.sha256, transcript=clip.transcript,
                             language=clip.language, emotion=clip.emotion, duration=clip.duration,
                             sample_rate=clip.sample_rate)

    def references(self, voice, emotion: str | None = None, language: str | None = None, k: int = 3) -> References:
        prompt = choose_prompt_clip(voice, emotion, language)
        timbre = choose_timbre_clips(voice, k, language)
        return References(voice.name, self._ref(prompt), tuple(self._ref(c) for c in timbre))

    # -- speaking -----------------------------------------------------------------------------------------
    def say(self, text: str, voice, emotion: str | None = None, language: str | None = None, seed: int | None = None,
            base=None, priority: str = "interactive", speed: float = 1.0, timeout_s: float | None = None):
        """Queue ``text`` in ``voice``; returns a handle (``chunks()``, ``result(timeout)``, ``cancel()``, ``request_id``)."""
        if not (text or "").strip():
            raise InvalidInput("There is nothing to say.", hint="Give some text.")
        if not (0.25 <= float(speed) <= 4.0):
            raise InvalidInput(f"Speed {speed} is out of range.", hint="Use a speed between 0.25 and 4.")
        v = voice if hasattr(voice, "clips") else self.engine.library.voice(voice)
        record = self.resolve_base(v, base)
        language = language or v.language
        refs = self.references(v, emotion, language)
        request = SynthesisRequest(text=text, language=language, emotion=normalize_emotion(emotion) if emotion else None,
                                   seed=seed, speed=float(speed))
        return self.engine.runtime.submit(record, request, refs, priority=priority, timeout_s=timeout_s)
