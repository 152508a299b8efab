"""Cluster colours must look different to a person, not only differ in hex (issue #18: no repeated colours)."""

from __future__ import annotations

import itertools

import pytest

pytest.importorskip("PySide6")


def _lab(hex_colour: str) -> tuple[float, float, float]:
    """sRGB hex → CIE L*a*b* (D65)."""
    rgb = [int(hex_colour[i:i + 2], 16) / 255.0 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    x = (0.4124 * lin[0] + 0.3576 * lin[1] + 0.1805 * lin[2]) / 0.95047
    y = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    z = (0.0193 * lin[0] + 0.1192 * lin[1] + 0.9505 * lin[2]) / 1.08883
    f = [t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116 for t in (x, y, z)]
    return 116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])


def test_palette_colours_are_far_apart_and_never_grey():
    from desktop.views.clustermap import PALETTE

    labs = {c: _lab(c) for c in PALETTE}
    closest = min((sum((p - q) ** 2 for p, q in zip(labs[a], labs[b])) ** 0.5, a, b)
                  for a, b in itertools.combinations(PALETTE, 2))
    # ΔE76 of about 2 is "just noticeable"; the Tableau+D3 palette this replaced had pairs at 11 (two blues)
    assert closest[0] >= 20, closest
    grey = _lab("#888888")
    assert all(sum((p - q) ** 2 for p, q in zip(lab, grey)) ** 0.5 >= 20 for lab in labs.values())


def test_every_cluster_of_a_large_map_has_its_own_look():
    from desktop.views.clustermap import style_of

    looks = [(style_of(rank)[0].name(), style_of(rank)[1]) for rank in range(72)]
    assert len(set(looks)) == len(looks)
