"""The tone backend (see the package docstring)."""

from __future__ import annotations

import threading
import zlib
from collections import OrderedDict
from typing import Any, Iterator, Mapping

from ...errors import InvalidInput
from ..base import AudioChunk, Backend, References, SharedModel, SynthesisContext, SynthesisRequest
from .create import ARCH, SAMPLE_RATE
from .pitch import PitchTracker
from ..sentences import split_sentences
from .synth import synth_sentence

SHARED_NAME = "tone-pitch"


class ToneModel:
    """The skeleton: plain references to the slot's tensor views (a swap changes the bytes under them)."""

    def __init__(self, tensors: Mapping[str, Any], sample_rate: int) -> None:
        self.w = dict(tensors)
        self.sample_rate = sample_rate


class ToneBackend(Backend):
    name = "tone"

    def __init__(self) -> None:
        self._voice_cache: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def _arch(self, manifest: Mapping[str, Any]) -> dict:
        arch = dict(manifest.get("architecture") or ARCH)
        for key in ("chars", "dim", "harmonics", "formants"):
            if not isinstance(arch.get(key), int) or arch[key] <= 0:
                raise InvalidInput(f"The tone base manifest has a bad '{key}'.", hint="Re-create the tone base.")
        return arch

    def architecture_key(self, manifest: Mapping[str, Any]) -> str:
        a = self._arch(manifest)
        return f"tone-{a['chars']}x{a['dim']}-h{a['harmonics']}-f{a['formants']}"

    def layout(self, manifest: Mapping[str, Any], device_kind: str | None = None):
        from ..layout import TensorSpec

        a = self._arch(manifest)
        n, d, h, f = a["chars"], a["dim"], a["harmonics"], a["formants"]
        shapes = {
            "char_embed": (n, d), "dur_w": (d,), "dur_b": (1,), "amp_w": (d,), "pitch_w": (d,), "noise_w": (d,),
            "formant_w": (d, f), "formant_freq": (f, 3), "formant_bw": (f, 3), "harmonic_env": (h,),
        }
        return {"tone": {k: TensorSpec(s, "float32") for k, s in shapes.items()}}

    def build_skeleton(self, manifest, tensors, device) -> ToneModel:
        return ToneModel(tensors["tone"], int(manifest.get("sample_rate", SAMPLE_RATE)))

    def shared_models(self, manifest, context: SynthesisContext | None = None) -> list[SharedModel]:
        return [SharedModel(SHARED_NAME, PitchTracker.nbytes)]

    def load_shared(self, name: str, device, context: SynthesisContext | None = None) -> Any:
        if name != SHARED_NAME:
            raise KeyError(name)
        return PitchTracker(device)

    def workspace_bytes(self, manifest, request: SynthesisRequest) -> int:
        # the (harmonics × samples) float32 matrix of the longest sentence dominates
        longest = max((len(s) for s in split_sentences(request.text)), default=1)
        samples = int(longest * 0.2 * SAMPLE_RATE / max(request.speed, 0.1))
        return samples * 4 * (self._arch(manifest)["harmonics"] + 4)

    def estimate_seconds(self, manifest, request: SynthesisRequest) -> float:
        return 0.005 + 0.0005 * len(request.text)

    def _voice_params(self, tracker: PitchTracker, refs: References) -> tuple[float, float]:
        key = refs.prompt.sha256 + ":" + ",".join(c.sha256 for c in refs.timbre)
        with self._lock:
            if key in self._voice_cache:
                self._voice_cache.move_to_end(key)
                return self._voice_cache[key]
        from ...audio.io import read_audio

        samples, sr = read_audio(refs.prompt.path)
        f0 = tracker.median_f0(samples, sr)
        tilts = []
        for clip in refs.timbre or (refs.prompt,):
            s, r = (samples, sr) if clip.sha256 == refs.prompt.sha256 else read_audio(clip.path)
            tilts.append(tracker.tilt(s, r))
        params = (f0, float(sum(tilts) / len(tilts)))
        with self._lock:
            self._voice_cache[key] = params
            while len(self._voice_cache) > 256:
                self._voice_cache.popitem(last=False)
        return params

    def synthesize(self, model: ToneModel, shared, request: SynthesisRequest, references: References,
                   context: SynthesisContext | None = None) -> Iterator[AudioChunk]:
        parts = split_sentences(request.text)
        if not parts:
            raise InvalidInput("There is nothing to say: the text has no words.", hint="Give some text to speak.")
        f0, tilt = self._voice_params(shared[SHARED_NAME], references)
        seed = int(request.seed) if request.seed is not None else 0
        for i, sentence in enumerate(parts):
            s = zlib.crc32(sentence.encode("utf-8")) ^ (seed * 7919 + i)
            audio = synth_sentence(model.w, sentence, f0=f0, tilt=tilt, speed=request.speed, seed=s,
                                   sample_rate=model.sample_rate)
            yield AudioChunk(audio, model.sample_rate)

    # -- batching: rows advance one sentence each per round (no shared compute: the tone synth is per-sample
    #    numpy work), so the engine's batching path — admit(), per-row streaming, end markers — runs cheaply.
    MAX_BATCH_ROWS = 8

    def max_batch_rows(self, manifest) -> int:
        return self.MAX_BATCH_ROWS

    def synthesize_batch(self, model: ToneModel, shared, rows, context, admit):
        live = [(row.key, self.synthesize(model, shared, row.request, row.references, context)) for row in rows]
        while live:
            still = []
            for key, chunks in live:
                chunk = next(chunks, None)
                yield key, chunk
                if chunk is not None:
                    still.append((key, chunks))
            live = still + [(row.key, self.synthesize(model, shared, row.request, row.references, context))
                            for row in admit()]
