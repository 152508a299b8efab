"""desktop.adapters.grid_data formats what the engine's grid really returns (engine.analysis.grid.build_grid)."""

from __future__ import annotations

from types import SimpleNamespace

from desktop.adapters import grid_data
from engine.analysis.grid import build_grid


def _clip(cid, emotion, duration=5.0, source="user"):
    return SimpleNamespace(id=cid, emotion=emotion, duration=duration, emotion_source=source)


def test_grid_data_reads_build_grid_output():
    voices = [SimpleNamespace(id=1, name="Ann", clips=[_clip(10, "happy"), _clip(11, "sad")]),
              SimpleNamespace(id=2, name="Bob", clips=[_clip(20, "happy"), _clip(21, "happy", duration=30.0)]),
              SimpleNamespace(id=3, name="Cy", clips=[_clip(30, "angry")])]
    grid = build_grid(voices, {1: 7, 2: 7}, {7: "Warm"}, None)
    data = grid_data(grid, ["ignored"])
    assert data.emotions == grid.emotions
    assert data.rows == [(7, "Warm"), (None, "unclustered")]
    assert data.counts[(7, "happy")] == 2 and data.counts[(7, "sad")] == 1 and data.counts[(None, "angry")] == 1
    assert data.missing[(7, "sad")] == ["Bob"]
    assert "Ann" not in data.missing.get((7, "happy"), [])
    assert data.predicted == {} and data.tops == {}
