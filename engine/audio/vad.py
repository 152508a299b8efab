"""Energy-based voice activity on short frames (no webrtcvad needed for finding pauses).

Frames are 20 ms with a 10 ms hop. A frame is speech when its RMS level is above a
threshold taken from the recording itself:

    threshold = min(max(-55 dBFS, loud - 40 dB, floor + 10 dB), loud - 15 dB)

where ``loud`` is the 95th percentile of frame levels and ``floor`` the 5th (the
noise floor when the recording has pauses). Speech runs closer than 150 ms are
joined (stop closures, short gaps inside words) and runs shorter than 40 ms
are dropped (clicks). A recording whose frame levels span less than 8 dB (95th vs 5th
percentile) has no speech at all: steady noise, hum or a test tone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FRAME_S = 0.020
HOP_S = 0.010
ABS_FLOOR_DB = -55.0
BELOW_LOUD_DB = 40.0
ABOVE_FLOOR_DB = 10.0
MIN_BELOW_LOUD_DB = 15.0
MIN_DYNAMIC_DB = 8.0
JOIN_GAP_S = 0.15
MIN_RUN_S = 0.04
_EPS = 1e-12


@dataclass(frozen=True)
class Activity:
    """Speech regions of a recording, in samples: ``regions`` is a list of (start, end)."""

    sample_rate: int
    hop: int
    levels_db: np.ndarray
    threshold_db: float
    regions: list[tuple[int, int]]

    @property
    def speech_span(self) -> tuple[int, int] | None:
        return (self.regions[0][0], self.regions[-1][1]) if self.regions else None

    def pauses(self, min_s: float) -> list[tuple[int, int]]:
        """Gaps between speech regions at least ``min_s`` long, as (start, end) samples."""
        out = []
        for (_, e0), (s1, _) in zip(self.regions, self.regions[1:]):
            if s1 - e0 >= min_s * self.sample_rate:
                out.append((e0, s1))
        return out

    def quietest_point(self, start: int, end: int) -> int:
        """Sample index of the quietest frame between two sample positions."""
        a, b = start // self.hop, max(start // self.hop + 1, end // self.hop)
        b = min(b, len(self.levels_db))
        if a >= b:
            return start
        return int((a + int(np.argmin(self.levels_db[a:b]))) * self.hop + self.hop // 2)


def frame_levels(samples: np.ndarray, sample_rate: int) -> tuple[np.ndarray, int, int]:
    """RMS level in dBFS of each frame; returns (levels, frame length, hop) in samples."""
    frame = max(1, int(round(FRAME_S * sample_rate)))
    hop = max(1, int(round(HOP_S * sample_rate)))
    x = np.asarray(samples, dtype=np.float64)
    if x.size < frame:
        power = np.array([np.mean(x * x) if x.size else 0.0])
    else:
        csum = np.concatenate(([0.0], np.cumsum(x * x)))
        starts = np.arange(0, x.size - frame + 1, hop)
        power = (csum[starts + frame] - csum[starts]) / frame
    return 10.0 * np.log10(np.maximum(power, _EPS)), frame, hop


def detect_speech(samples: np.ndarray, sample_rate: int) -> Activity:
    levels, frame, hop = frame_levels(samples, sample_rate)
    loud = float(np.percentile(levels, 95))
    floor = float(np.percentile(levels, 5))
    threshold = min(max(ABS_FLOOR_DB, loud - BELOW_LOUD_DB, floor + ABOVE_FLOOR_DB), loud - MIN_BELOW_LOUD_DB)
    # a level that hardly moves is noise, hum or a tone: speech always has louder and quieter frames
    active = levels > threshold if loud - floor >= MIN_DYNAMIC_DB else np.zeros(levels.shape, bool)
    runs = _runs(active)
    # join runs separated by short gaps, then drop runs too short to be speech
    join = int(round(JOIN_GAP_S / HOP_S))
    merged: list[list[int]] = []
    for a, b in runs:
        if merged and a - merged[-1][1] <= join:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    min_frames = max(1, int(round(MIN_RUN_S / HOP_S)))
    n = len(samples)
    regions = [
        (a * hop, min(n, (b - 1) * hop + frame))
        for a, b in merged if b - a >= min_frames
    ]
    return Activity(sample_rate, hop, levels, threshold, regions)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) index pairs of the True runs of a boolean array."""
    if not mask.any():
        return []
    d = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    starts = np.flatnonzero(d == 1)
    ends = np.flatnonzero(d == -1)
    return list(zip(starts.tolist(), ends.tolist()))
