"""``tone``: a tiny, deterministic test backend with real weights.

Used by the desktop app's tests, the packaged app's ``--selftest`` and CI. It is a real
function of its inputs: text → per-character durations, loudness, pitch offsets and
formant choices (from the base's learned-shape weights) → a harmonic/formant synthesizer
whose F0 follows the median F0 of the voice's prompt clip and whose spectral colour comes
from the base weights (tilted by the voice's timbre clips). One chunk per sentence.
"""

from .create import create_tone_base, tone_manifest, tone_weights

__all__ = ["create_tone_base", "tone_manifest", "tone_weights"]
