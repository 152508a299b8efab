"""Trimming and splitting recordings into 3–10 s reference clips at pauses.

A reference clip is its speech plus a short margin of the recording's own
silence (``LEAD_S`` before, ``TAIL_S`` after; nothing is padded; silence at most
``TRIM_SLACK_S`` longer than a margin is not trimmed). GPT-SoVITS
refuses references outside 3–10 s, so a clip's whole length must fit in that
range: margins shrink when the speech alone is nearly 10 s long.

Splitting walks the recording from its first speech onward. It cuts in a pause
of at least ``MIN_PAUSE_S``, choosing, among the pauses that leave a clip of
``MIN_CLIP_S``..``MAX_CLIP_S``, the longest pause (ties: the later one, so clips
come out long), preferring cuts whose remainder is either empty or long enough
to be a clip itself. Where the speaker never pauses for ``MAX_CLIP_S``, it cuts
at the quietest 10 ms frame in the window (leaving at least ``MIN_CLIP_S`` for
what follows when it can) and says so. A final remainder shorter
than ``MIN_CLIP_S`` joins the clip before it when that still fits, otherwise it
is dropped (and reported).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .vad import Activity

MIN_CLIP_S = 3.0
MAX_CLIP_S = 10.0
LEAD_S = 0.10
TAIL_S = 0.20
MIN_PAUSE_S = 0.25
#: Silence within this much of a margin is left as it is, so a clip that was already trimmed
#: comes through a second import unchanged (the same blob, not a near-copy).
TRIM_SLACK_S = 0.05


@dataclass(frozen=True)
class Segment:
    """One clip to keep: ``start``/``end`` of the whole clip and of its speech, in samples."""

    start: int
    end: int
    speech_start: int
    speech_end: int
    forced_cut: bool = False

    def seconds(self, sr: int) -> float:
        return (self.end - self.start) / sr

    def speech_seconds(self, sr: int) -> float:
        return (self.speech_end - self.speech_start) / sr


@dataclass
class SegmentPlan:
    segments: list[Segment] = field(default_factory=list)
    dropped_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


class SegmentError(ValueError):
    """The recording cannot give a usable clip (the message says why)."""


def _with_margins(s: int, e: int, lo: int, hi: int, sr: int, forced: bool = False) -> Segment:
    """Add margins inside [lo, hi) without letting the whole clip pass MAX_CLIP_S."""
    budget = max(0, int(MAX_CLIP_S * sr) - (e - s))
    slack = int(TRIM_SLACK_S * sr)
    lead = s - lo if s - lo <= int(LEAD_S * sr) + slack else int(LEAD_S * sr)
    tail = hi - e if hi - e <= int(TAIL_S * sr) + slack else int(TAIL_S * sr)
    if lead + tail > budget:  # speech nearly 10 s: keep the margins in proportion
        total = lead + tail
        lead, tail = lead * budget // total, tail * budget // total
    return Segment(s - lead, e + tail, s, e, forced)


def plan_single(activity: Activity, n_samples: int) -> SegmentPlan:
    """Trim a recording to one clip (used when the recording has a transcript and must not be split)."""
    sr = activity.sample_rate
    span = activity.speech_span
    if span is None:
        raise SegmentError("it contains no speech (it is silent or only noise)")
    s, e = span
    speech = (e - s) / sr
    if speech < MIN_CLIP_S:
        raise SegmentError(f"it has only {speech:.1f} s of speech; a reference needs at least {MIN_CLIP_S:.0f} s")
    if speech > MAX_CLIP_S:
        raise SegmentError(
            f"it has {speech:.1f} s of speech; a transcribed reference must be {MIN_CLIP_S:.0f}–{MAX_CLIP_S:.0f} s "
            "(import it without a transcript to split it at pauses)"
        )
    return SegmentPlan([_with_margins(s, e, 0, n_samples, sr)])


def plan_split(activity: Activity, n_samples: int) -> SegmentPlan:
    """Trim and, where needed, split a recording into clips of MIN_CLIP_S..MAX_CLIP_S."""
    sr = activity.sample_rate
    span = activity.speech_span
    if span is None:
        raise SegmentError("it contains no speech (it is silent or only noise)")
    total_speech = (span[1] - span[0]) / sr
    if total_speech < MIN_CLIP_S:
        raise SegmentError(f"it has only {total_speech:.1f} s of speech; a reference needs at least {MIN_CLIP_S:.0f} s")
    min_len, max_len = int(MIN_CLIP_S * sr), int(MAX_CLIP_S * sr)
    pauses = activity.pauses(MIN_PAUSE_S)
    regions = activity.regions
    end_of_speech = span[1]

    pieces: list[tuple[int, int, bool]] = []  # speech (start, end, forced) of each clip
    cur = span[0]
    plan = SegmentPlan()
    while cur < end_of_speech:
        if end_of_speech - cur <= max_len:
            pieces.append((cur, end_of_speech, False))
            break
        window = [(g0, g1) for g0, g1 in pauses if g0 > cur and min_len <= g0 - cur <= max_len]
        if window:
            def score(p: tuple[int, int]) -> tuple[bool, int, int]:
                rest = end_of_speech - p[1]
                return (rest == 0 or rest >= min_len, p[1] - p[0], p[0])

            g0, g1 = max(window, key=score)
            pieces.append((cur, g0, False))
            cur = g1
        else:
            hi = cur + max_len
            if end_of_speech - min_len >= cur + min_len:  # leave enough speech for the next clip
                hi = min(hi, end_of_speech - min_len)
            cut = activity.quietest_point(cur + min_len, hi)
            pieces.append((cur, cut, True))
            later = [r for r in regions if r[1] > cut]
            cur = max(cut, later[0][0]) if later else end_of_speech
    # a short remainder joins the clip before it, or is dropped
    if len(pieces) > 1 and pieces[-1][1] - pieces[-1][0] < min_len:
        s, e, forced = pieces.pop()
        ps, pe, pforced = pieces[-1]
        if e - ps <= max_len:
            pieces[-1] = (ps, e, pforced or forced)
        else:
            plan.dropped_seconds += (e - s) / sr
            plan.notes.append(f"dropped {(e - s) / sr:.1f} s of speech at the end (too short for a clip)")
    for i, (s, e, forced) in enumerate(pieces):
        lo = 0 if i == 0 else (pieces[i - 1][1] + s) // 2
        hi = n_samples if i == len(pieces) - 1 else (e + pieces[i + 1][0]) // 2
        plan.segments.append(_with_margins(s, e, lo, hi, sr, forced))
    forced = sum(seg.forced_cut for seg in plan.segments)
    if forced:
        plan.notes.append(f"{forced} cut(s) fell where the speaker did not pause (cut at the quietest point)")
    return plan
