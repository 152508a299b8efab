"""Budget accounting and packed layouts."""

from __future__ import annotations

import pytest
import torch

from engine.errors import InvalidInput, ResourceExhausted
from engine.runtime.budget import Budget
from engine.runtime.layout import ALIGN, PackedLayout, TensorSpec, layout_digest, layout_of


def test_budget_reserve_release_and_refusal():
    b = Budget(1000)
    b.reserve(600, "base")
    assert not b.try_reserve(401, "workspace")
    with pytest.raises(ResourceExhausted) as exc:
        b.reserve(500, "workspace", what="The request")
    assert "The request needs" in exc.value.message and exc.value.hint
    assert b.used == 600 and b.by_kind()["workspace"] == 0
    b.reserve(400, "workspace")
    assert b.free == 0 and b.peak == 1000
    b.release(400, "workspace")
    with pytest.raises(ValueError):
        b.release(601, "base")


def test_lowering_the_limit_waits_for_releases():
    b = Budget(1000)
    b.reserve(800, "base")
    assert b.set_limit(500) is False
    assert b.limit == 800 and b.target == 500 and b.used <= b.limit
    assert not b.try_reserve(1)
    b.release(400, "base")
    assert b.limit == 500
    assert b.set_limit(2000) is True and b.limit == 2000


def test_packed_layout_aligns_and_views_share_storage():
    layout = {"a": {"w": TensorSpec((3, 5), "float16"), "b": TensorSpec((7,), "float32")},
              "z": {"i": TensorSpec((2,), "int64")}}
    packed = PackedLayout(layout)
    assert all(p.offset % ALIGN == 0 for p in packed.placements)
    assert packed.payload_bytes == 3 * 5 * 2 + 7 * 4 + 2 * 8
    buf = torch.zeros(packed.nbytes, dtype=torch.uint8)
    views = packed.views(buf)
    views["a"]["w"].fill_(1.5)
    views["z"]["i"].copy_(torch.tensor([7, -9]))
    assert views["a"]["w"].dtype == torch.float16 and views["a"]["w"].shape == (3, 5)
    again = packed.views(buf)  # the bytes live in the buffer, not in the views
    assert float(again["a"]["w"].sum()) == 22.5 and again["z"]["i"].tolist() == [7, -9]
    assert again["a"]["b"].abs().sum() == 0


def test_a_floating_tensor_fills_a_slot_of_another_precision():
    """A backend may hold a base in another precision than it is stored in (float16 file → float32 slot on a CPU):
    the copy converts; a non-floating tensor still has to match exactly."""
    packed = PackedLayout({"g": {"x": TensorSpec((2, 3), "float32")}})
    buf = torch.zeros(packed.nbytes, dtype=torch.uint8)
    views = packed.views(buf)
    half = torch.arange(6, dtype=torch.float16).view(2, 3) / 4
    packed.check_tensor("g", "x", half)
    views["g"]["x"].copy_(half)
    assert views["g"]["x"].dtype == torch.float32 and views["g"]["x"].tolist() == (half.float()).tolist()
    with pytest.raises(InvalidInput, match="expected float32"):
        packed.check_tensor("g", "x", torch.zeros(2, 3, dtype=torch.int32))


def test_layout_checks_and_digest():
    t = {"g": {"x": torch.zeros(4, 4, dtype=torch.float16)}}
    lay = layout_of(t)
    packed = PackedLayout(lay)
    packed.check_tensor("g", "x", t["g"]["x"])
    with pytest.raises(InvalidInput, match="expected float16"):
        packed.check_tensor("g", "x", torch.zeros(4, 5, dtype=torch.float16))
    with pytest.raises(InvalidInput, match="unexpected tensor"):
        packed.check_tensor("g", "y", t["g"]["x"])
    assert layout_digest(lay) == layout_digest(layout_of({"g": {"x": torch.ones(4, 4, dtype=torch.float16)}}))
    assert layout_digest(lay) != layout_digest(layout_of({"g": {"x": torch.ones(4, 4, dtype=torch.float32)}}))
