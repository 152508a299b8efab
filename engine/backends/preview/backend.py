"""The ``preview`` backend: intelligible speech on any CPU, coloured toward a voice's references.

It is a *preview*, clearly labelled as such: the words come from eSpeak NG (a rule-based formant
synthesizer, GPL-3.0, installed by the optional ``timbrel[preview]`` extra from PyPI), and the voice
likeness is a signal-processing transform (:mod:`engine.backends.preview.dsp`) toward the references:

The words come from Piper's neural English voice instead when the ``timbrel[preview-piper]`` extra is
installed and the text is English (clearly more intelligible, see the README); ``TIMBREL_PREVIEW_ENGINE``
(auto | espeak | piper) forces one.

* pitch — eSpeak's base-pitch setting is calibrated once per language, then TD-PSOLA maps the F0 contour's
  log-mean and spread onto the prompt clip's (so an emotion-matched prompt moves the pitch) and the voice's;
* timbre colour — the spectral envelope is frequency-warped by a vocal-tract-length factor and given the
  long-term colour of the voice's references.

A preview **base** is a real set of tensors that lives in the runtime's pool like any other base
(group ``profile``: the cluster's long-term log envelope on a fixed frequency grid, the grid itself, and
``stats`` = [median log-F0, log-F0 spread, voiced frames, reference bandwidth Hz]). It is the prior a
voice's own references are blended with: a voice with few voiced reference frames leans on its cluster.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Iterator, Mapping

import numpy as np

from ...errors import InvalidInput
from ..base import AudioChunk, Backend, References, SynthesisContext, SynthesisRequest
from ..sentences import split_sentences
from . import dsp

VARIANT = "espeak-psola-1"   # the profile format; the speech engine is chosen per request (engine_for)
ENGINE_ENV = "TIMBREL_PREVIEW_ENGINE"
GROUP = "profile"
N_GRID = len(dsp.GRID_HZ)
CALIBRATION_TEXT = {
    "en": "The north wind and the sun were arguing about which of them was stronger.",
}
MAX_SENTENCE_CHARS = 240   # a longer sentence is cut at a comma or space (engine.backends.sentences)


def profile_tensors(profile: dsp.VoiceProfile) -> dict[str, Any]:
    """The tensors of a preview base made from a (cluster) profile."""
    import torch

    return {
        "envelope": torch.tensor(profile.envelope, dtype=torch.float32),
        "grid": torch.tensor(dsp.GRID_HZ, dtype=torch.float32),
        "stats": torch.tensor([profile.log_f0, profile.log_f0_std, float(profile.voiced_frames), profile.bandwidth_hz],
                              dtype=torch.float32),
    }


def profile_from_tensors(tensors: Mapping[str, Any]) -> dsp.VoiceProfile:
    env = tensors["envelope"].detach().to("cpu", copy=True).double().numpy()
    grid = tensors["grid"].detach().to("cpu", copy=True).double().numpy()
    stats = tensors["stats"].detach().to("cpu", copy=True).double().numpy()
    if grid.shape != dsp.GRID_HZ.shape or not np.allclose(grid, dsp.GRID_HZ, atol=1e-2):
        env = np.interp(dsp.GRID_HZ, grid, env)
    return dsp.VoiceProfile(float(stats[0]), float(stats[1]), env, int(stats[2]), float(stats[3]))


class PreviewModel:
    """The 'skeleton' of a preview base: views of the pool's storage, read at each request (so a swap that
    copies new bytes into the slot changes the voice without rebuilding anything)."""

    def __init__(self, tensors: Mapping[str, Mapping[str, Any]]) -> None:
        self.tensors = tensors[GROUP]

    def prior(self) -> dsp.VoiceProfile:
        return profile_from_tensors(self.tensors)


class PreviewBackend(Backend):
    name = "preview"
    label = "Preview (eSpeak NG + voice colour) — not a cloned voice"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._profiles: OrderedDict[tuple, dsp.VoiceProfile | None] = OrderedDict()
        self._calibration: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    # -- layout ------------------------------------------------------------------------------------
    def architecture_key(self, manifest: Mapping[str, Any]) -> str:
        return f"preview:{manifest.get('variant', VARIANT)}:{N_GRID}"

    def layout(self, manifest: Mapping[str, Any], device_kind: str | None = None):
        from ..layout import TensorSpec

        return {GROUP: {
            "envelope": TensorSpec((N_GRID,), "float32"),
            "grid": TensorSpec((N_GRID,), "float32"),
            "stats": TensorSpec((4,), "float32"),
        }}

    def build_skeleton(self, manifest: Mapping[str, Any], tensors: Mapping[str, Mapping[str, Any]], device) -> Any:
        if GROUP not in tensors:
            raise InvalidInput("This preview base has no 'profile' tensors.", hint="Recreate it with 'timbrel demo install' or create_preview_base().")
        return PreviewModel(tensors)

    def estimate_seconds(self, manifest: Mapping[str, Any], request: SynthesisRequest) -> float:
        return 0.02 + 0.002 * len(request.text)

    # -- references --------------------------------------------------------------------------------
    def voice_profile(self, clips) -> dsp.VoiceProfile | None:
        """Profile of reference clips (cached by their hashes)."""
        key = tuple(sorted(c.sha256 for c in clips))
        with self._lock:
            if key in self._profiles:
                self._profiles.move_to_end(key)
                return self._profiles[key]
        from ...audio.io import read_audio

        items = [read_audio(c.path) for c in clips]
        prof = dsp.profile_from_audio(items)
        with self._lock:
            self._profiles[key] = prof
            while len(self._profiles) > 256:
                self._profiles.popitem(last=False)
        return prof

    def target_profile(self, model: PreviewModel | None, references: References) -> dsp.VoiceProfile:
        clips = list(references.timbre) or [references.prompt]
        if references.prompt not in clips:
            clips.append(references.prompt)
        own = self.voice_profile(clips)
        prior = model.prior() if model is not None else None
        if own is None and prior is None:
            raise InvalidInput(
                f"The references of '{references.voice}' contain no voiced speech, so the preview cannot follow them.",
                hint="Add a clip of clear speech to this voice.",
            )
        target = dsp.blend_profiles(own, prior)
        prompt = self.voice_profile([references.prompt])
        if prompt is not None and own is not None:
            # the emotion-matched prompt sets the pitch level; the spread comes from all references
            target.log_f0 = target.log_f0 + (prompt.log_f0 - own.log_f0)
        return target

    # -- eSpeak pitch calibration -----------------------------------------------------------------
    def _espeak_pitch_for(self, engine, language: str | None, target_log_f0: float) -> int:
        voice = engine.voice_for(language)
        with self._lock:
            cal = self._calibration.get(voice)
        if cal is None:
            text = CALIBRATION_TEXT.get((language or "en")[:2], "a e i o u, one two three four five")
            settings = np.array([0, 25, 50, 75, 99])
            logs = []
            for p in settings:
                x = engine.synth(text, language, pitch=int(p))
                med, _, n = dsp.f0_stats(dsp.track_f0(x, engine.sample_rate))
                logs.append(med if n else np.nan)
            logs = np.array(logs)
            ok = np.isfinite(logs)
            cal = (settings[ok], logs[ok]) if ok.sum() >= 2 else (np.array([50]), np.array([np.log(100.0)]))
            order = np.argsort(cal[1])
            cal = (cal[0][order], cal[1][order])
            with self._lock:
                self._calibration[voice] = cal
        settings, logs = cal
        if len(settings) < 2:
            return 50
        return int(round(np.interp(target_log_f0, logs, settings)))

    # -- synthesis ---------------------------------------------------------------------------------
    def engine_for(self, language: str | None) -> str:
        """``piper`` (English, when installed) or ``espeak``; ``TIMBREL_PREVIEW_ENGINE`` forces one."""
        import os

        from . import piper_engine

        choice = os.environ.get(ENGINE_ENV, "auto").strip().lower() or "auto"
        if choice not in ("auto", "espeak", "piper"):
            raise InvalidInput(f"{ENGINE_ENV}={choice} is not a preview engine.", hint="Use auto, espeak or piper.")
        if choice == "piper" or (choice == "auto" and piper_engine.available() and piper_engine.PiperEngine.supports(language)):
            return "piper"
        return "espeak"

    def synthesize(self, model: Any, shared: Mapping[str, Any], request: SynthesisRequest,
                   references: References, context: SynthesisContext | None = None) -> Iterator[AudioChunk]:
        language = request.language or references.prompt.language or "en"
        sentences = split_sentences(request.text, MAX_SENTENCE_CHARS)
        if not sentences:
            raise InvalidInput("There is no text to speak.")
        target = self.target_profile(model, references)
        speed = float(request.speed or 1.0)
        if self.engine_for(language) == "piper":
            from .piper_engine import get_piper

            piper = get_piper()
            render = lambda s, i: (piper.synth(s, language, speed=speed), piper.sample_rate)  # noqa: E731
        else:
            from .espeak import get_espeak

            esp = get_espeak()
            esp.voice_for(language)  # a plain error for an unknown language before any work
            pitch = self._espeak_pitch_for(esp, language, target.log_f0)
            rate = int(np.clip(165 * speed, 80, 450))
            seed = int(request.seed or 0)
            render = lambda s, i: (esp.synth(s, language, rate_wpm=rate, pitch=pitch, seed=seed + i), esp.sample_rate)  # noqa: E731
        for i, sentence in enumerate(sentences):
            raw, sr = render(sentence, i)
            if len(raw) == 0:
                continue
            out, _ = dsp.transform(raw, sr, target)
            yield AudioChunk(out, sr)
