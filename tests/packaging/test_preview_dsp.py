"""The preview backend's signal processing: F0 tracking, PSOLA, envelope warp, profile transform."""

from __future__ import annotations

import numpy as np
import pytest

from engine.backends.preview import dsp

SR = 16000


def voiced(f0, seconds=1.0, sr=SR, formants=((700, 130), (1200, 150), (2600, 250))):
    from scipy.signal import lfilter

    n = int(seconds * sr)
    f0 = np.broadcast_to(np.asarray(f0, dtype=float), (n,))
    phase = 2 * np.pi * np.cumsum(f0) / sr
    y = sum(np.sin(k * phase) / k for k in range(1, int(sr / 2 / f0.max())))
    for fc, bw in formants:
        r = np.exp(-np.pi * bw / sr)
        y = lfilter([1 - r], [1, -2 * r * np.cos(2 * np.pi * fc / sr), r * r], y)
    return (y / np.abs(y).max() * 0.5).astype(np.float32)


@pytest.mark.parametrize("f0", [90.0, 140.0, 230.0, 380.0])
def test_track_f0_finds_the_pitch_of_a_harmonic_signal(f0):
    track = dsp.track_f0(voiced(f0), SR)
    med, std, n = dsp.f0_stats(track)
    assert n > 0.8 * len(track)
    assert abs(np.exp(med) / f0 - 1) < 0.02


def test_track_f0_marks_silence_and_noise_unvoiced():
    rng = np.random.default_rng(0)
    x = np.concatenate([np.zeros(SR // 2), 0.1 * rng.standard_normal(SR // 2)]).astype(np.float32)
    assert np.count_nonzero(dsp.track_f0(x, SR)) < 0.05 * (len(x) / (dsp.HOP_S * SR))


@pytest.mark.parametrize("ratio", [0.7, 1.5])
def test_psola_moves_pitch_and_keeps_duration(ratio):
    x = voiced(120.0, 1.2)
    track = dsp.track_f0(x, SR)
    y = dsp.psola(x, SR, track, np.full(len(track), ratio))
    assert len(y) == len(x)
    med, _, n = dsp.f0_stats(dsp.track_f0(y, SR))
    assert abs(np.exp(med) / (120.0 * ratio) - 1) < 0.03


def test_psola_keeps_the_formants_where_resampling_moves_them():
    from engine.audio.io import resample

    x = voiced(120.0, 1.2)
    track = dsp.track_f0(x, SR)
    y = dsp.psola(x, SR, track, np.full(len(track), 1.4))
    # the naive way to raise pitch by 1.4 (play faster, stretch back not done): moves formants by 1.4 too
    z = resample(x, int(SR * 1.4), SR)

    def lt(sig):
        env, spec, n_fft, _ = dsp.log_envelopes(sig, SR)
        return dsp.long_term_envelope(env, spec, SR, n_fft)

    band = (dsp.GRID_HZ > 300) & (dsp.GRID_HZ < 3500)
    ref = lt(x)[band]
    keep = np.corrcoef(ref, lt(y)[band])[0, 1]
    moved = np.corrcoef(ref, lt(z)[band])[0, 1]
    assert keep > 0.95
    assert keep > moved + 0.05


@pytest.mark.parametrize("alpha", [0.88, 1.0, 1.12])
def test_estimate_warp_recovers_a_known_factor(alpha):
    x = voiced(120.0, 1.0)
    env, spec, n_fft, _ = dsp.log_envelopes(x, SR)
    src = dsp.long_term_envelope(env, spec, SR, n_fft)
    tgt = np.interp(dsp.GRID_HZ / alpha, dsp.GRID_HZ, src)
    assert abs(dsp.estimate_warp(tgt - tgt.mean(), src) - alpha) < 0.03


def test_profile_and_transform_follow_the_target_pitch():
    low = dsp.profile_from_audio([(voiced(100.0, 1.5), SR)])
    high = dsp.profile_from_audio([(voiced(210.0, 1.5, formants=((850, 130), (1500, 150), (3000, 250))), SR)])
    assert abs(low.f0_hz - 100) < 3 and abs(high.f0_hz - 210) < 5
    src = voiced(np.linspace(110, 140, 24000), 1.5)
    out_low, rep_low = dsp.transform(src, SR, low)
    out_high, rep_high = dsp.transform(src, SR, high)
    f_low = np.exp(dsp.f0_stats(dsp.track_f0(out_low, SR))[0])
    f_high = np.exp(dsp.f0_stats(dsp.track_f0(out_high, SR))[0])
    assert abs(f_low / 100 - 1) < 0.06 and abs(f_high / 210 - 1) < 0.06
    assert rep_high.warp > rep_low.warp  # the higher-formant target gets a shorter vocal tract
    assert np.isfinite(out_high).all() and np.abs(out_high).max() <= 1.0


def test_blend_leans_on_the_prior_when_evidence_is_thin():
    a = dsp.VoiceProfile(np.log(100), 0.1, np.zeros(len(dsp.GRID_HZ)), 10, 8000)
    b = dsp.VoiceProfile(np.log(200), 0.1, np.ones(len(dsp.GRID_HZ)), 10, 8000)
    thin = dsp.blend_profiles(a, b)
    assert thin.f0_hz > 180
    a.voiced_frames = 100000
    assert dsp.blend_profiles(a, b).f0_hz < 102
    assert dsp.blend_profiles(None, b) is b
