"""The runtime drives real GPT-SoVITS bases (tiny fixtures): layout, skeleton bound to slot views, swaps."""

from __future__ import annotations

import pytest
import torch


@pytest.mark.slow
def test_tiny_gptsovits_bases_share_one_slot(engine, gsv_fixtures):
    convert = pytest.importorskip("engine.backends.gptsovits.convert")
    from engine.runtime import Runtime
    from engine.runtime.clock import MonotonicClock
    from engine.runtime.device import SimulatedDevice

    a = convert.import_base(engine.bases, "tiny-a", gsv_fixtures / "gpt_tiny.ckpt", gsv_fixtures / "sovits_v2_tiny.pth")
    b = convert.import_base(engine.bases, "tiny-b", gsv_fixtures / "gpt_tiny.ckpt", gsv_fixtures / "sovits_v2_tiny.pth")
    rt = Runtime(engine, device=SimulatedDevice(MonotonicClock()), vram_limit_mb=512, pinned_pool_mb=0)
    try:
        spec_a, backend, manifest = rt.base_spec(a)
        spec_b, _, _ = rt.base_spec(b)
        assert spec_a.arch == spec_b.arch and backend.name == "gptsovits"
        budget_room = spec_a.packed.nbytes + spec_a.packed.nbytes // 2   # one slot only
        rt.budget.set_limit(budget_room)
        lease = rt.pool.acquire(spec_a)
        model = lease.model
        gpt_params = dict(model.gpt.named_parameters()) if hasattr(model, "gpt") else {}
        assert gpt_params, "the skeleton exposes its GPT module"
        name, param = next(iter(gpt_params.items()))
        with engine.bases.open_tensors(a, "gpt") as h:
            stored = h.get_tensor(name)
        assert torch.equal(param.detach().to(stored.dtype), stored)
        # the parameter IS a view into the slot: same storage as the slot buffer
        assert param.untyped_storage().data_ptr() == lease.slot.buffer.untyped_storage().data_ptr()
        lease.release()
        lease = rt.pool.acquire(spec_b)
        assert lease.model is model and lease.swapped and rt.pool.allocations == 1
        lease.release()
    finally:
        rt.close()
