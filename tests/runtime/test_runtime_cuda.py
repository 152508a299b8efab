"""CUDA code paths (real streams, events, pinned memory, mem_get_info). Skipped without a CUDA GPU;
the same pool/scheduler logic runs on CPU through the simulated device in the other test files."""

from __future__ import annotations

import numpy as np
import pytest
import torch

pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")]

KB = 1024
MB = 2**20


@pytest.fixture
def cuda_device():
    from engine.runtime.cuda import CudaDevice

    return CudaDevice("cuda")


def test_cuda_alloc_checks_physical_memory(cuda_device):
    from engine.errors import ResourceExhausted

    free, total = cuda_device.mem_get_info()
    buf = cuda_device.alloc(4 * MB)
    assert buf.is_cuda and buf.numel() == 4 * MB
    with pytest.raises(ResourceExhausted, match="GPU has only"):
        cuda_device.check_room(total * 2)
    info = cuda_device.info()
    assert info["kind"] == "cuda" and info["total_bytes"] == total


def test_pinned_copy_on_the_copy_stream_with_events(cuda_device):
    src, pinned = cuda_device.host_buffer(8 * MB, pinned=True)
    assert pinned and src.is_pinned()
    src.copy_(torch.randint(0, 255, (8 * MB,), dtype=torch.uint8))
    dst = cuda_device.alloc(8 * MB)
    h = cuda_device.copy_async(dst, src, pinned=True)
    cuda_device.ready_for_compute(h)          # compute stream waits on the copy event
    total = int(dst.sum().item())             # runs on the compute stream after the wait
    h.wait()
    assert h.done() and h.seconds > 0
    assert total == int(src.sum().item())


def test_pool_warm_and_cold_paths_on_gpu(cuda_device):
    from engine.runtime.budget import Budget
    from engine.runtime.hoststage import HostStaging
    from engine.runtime.pool import BasePool
    from engine.runtime.simulation.sim import make_sim_bases

    bases = make_sim_bases({"a": 2 * MB, "b": 2 * MB})
    staging = HostStaging(cuda_device, 8 * MB)
    pool = BasePool(cuda_device, Budget(3 * MB), staging=staging)
    lease = pool.acquire(bases["a"])
    lease.handle.wait()
    assert lease.path == "cold" and lease.slot.buffer.is_cuda
    assert torch.equal(lease.model["w"]["data"].cpu(), bases["a"].source.groups["w"]["data"])
    lease.release()
    assert isinstance(lease.slot.last_use, torch.cuda.Event)   # the next copy into this slot waits on it
    staging.stage("b", bases["b"].packed, bases["b"].source, 0.0)
    assert staging.pinned is True
    lease = pool.acquire(bases["b"])
    cuda_device.ready_for_compute(lease.handle)
    lease.handle.wait()
    assert lease.path == "warm" and pool.allocations == 1
    assert torch.equal(lease.model["w"]["data"].cpu(), bases["b"].source.groups["w"]["data"])
    lease.release()


def test_measured_bandwidth_is_positive():
    from engine.runtime.cuda import measure_h2d_bandwidth

    assert measure_h2d_bandwidth(16 * MB, pinned=True, repeats=2) > 0


def test_tone_speech_on_cuda(tmp_path, make_voice):
    from engine.api import Engine
    from engine.backends.tone import create_tone_base

    with Engine(library=tmp_path / "lib", device="cuda", vram_limit_mb=256) as eng:
        make_voice(eng.library, "Alice", [{"f0": 150.0}])
        create_tone_base(eng, "tone-a")
        out = eng.speech.say("Hello there. On the GPU.", "Alice", seed=1).result(120)
        assert out.samples.dtype == np.float32 and out.seconds > 0.5
        st = eng.runtime.status()
        assert st["device"]["kind"] == "cuda" and st["budget"]["used_bytes"] <= st["budget"]["limit_bytes"]
