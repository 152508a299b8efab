"""The base pool on the simulated device: slots, leases, eviction, warm/cold paths, budget."""

from __future__ import annotations

import math

import pytest
import torch

from engine.errors import InvalidInput, ResourceExhausted
from engine.runtime.budget import Budget
from engine.runtime.clock import SimClock
from engine.runtime.device import LinkModel, SimulatedDevice
from engine.runtime.hoststage import HostStaging
from engine.runtime.layout import TensorSpec
from engine.runtime.metrics import Metrics
from engine.runtime.pool import BasePool, BaseSpec
from engine.runtime.simulation.sim import make_sim_bases
from engine.runtime.weight_sources import SafetensorsSource, TensorSource

KB = 1024


def _pool(limit, *, staging_bytes=0, link=None, pin_limit=None):
    clock = SimClock()
    dev = SimulatedDevice(clock, link or LinkModel(latency_s=0.001, pinned_bw=1e6, pageable_bw=2.5e5, disk_bw=1e6),
                          pin_limit_bytes=pin_limit)
    budget = Budget(limit)
    staging = HostStaging(dev, staging_bytes) if staging_bytes else None
    return BasePool(dev, budget, staging=staging, metrics=Metrics()), dev, budget, clock


def _first_bytes(lease):
    return lease.slot.views["w"]["data"][:8].tolist()


def test_same_architecture_swaps_reuse_one_slot_without_allocating():
    bases = make_sim_bases({"a": 10 * KB, "b": 10 * KB, "c": 10 * KB})
    pool, dev, budget, _ = _pool(12 * KB)
    built = []
    for spec in bases.values():
        spec.build = lambda views, built=built: built.append(1) or views
    for key in ("a", "b", "c", "a"):
        lease = pool.acquire(bases[key])
        expected = bases[key].source.groups["w"]["data"][:8].tolist()
        assert _first_bytes(lease) == expected          # the slot now holds this base's bytes
        lease.release()
    assert pool.allocations == 1 and len(built) == 1    # one skeleton, built once, reused for every swap
    assert pool.evictions == 3 and budget.peak <= 12 * KB


def test_a_leased_base_is_never_evicted_and_the_error_is_clear():
    bases = make_sim_bases({"a": 10 * KB, "b": 10 * KB})
    pool, _, budget, _ = _pool(15 * KB)
    lease = pool.acquire(bases["a"])
    with pytest.raises(ResourceExhausted) as exc:
        pool.acquire(bases["b"])
    assert "serving requests" in exc.value.message and exc.value.hint
    assert pool.resident() == ["a"] and budget.used <= budget.limit
    lease.release()
    pool.acquire(bases["b"]).release()
    assert pool.resident() == ["b"]


def test_a_base_larger_than_the_budget_fails_clearly():
    bases = make_sim_bases({"big": 100 * KB})
    pool, _, budget, _ = _pool(50 * KB)
    with pytest.raises(ResourceExhausted, match="VRAM limit"):
        pool.acquire(bases["big"])
    assert budget.used == 0 and pool.slots == []


def test_eviction_prefers_the_base_needed_furthest_then_lru():
    bases = make_sim_bases({k: 10 * KB for k in "abcd"})
    pool, _, _, clock = _pool(31 * KB)
    for k in "abc":
        pool.acquire(bases[k]).release()
        clock.advance(1)
    # queue says: a next, then c; b is needed furthest → b goes although a is least recently used
    order = {"a": 0, "c": 1, "b": 5}
    lease = pool.acquire(bases["d"], lambda key: order.get(key, math.inf))
    assert lease.evicted == "b" and sorted(pool.resident()) == ["a", "c", "d"]
    lease.release()
    clock.advance(1)
    # nothing queued: least recently used (a) goes
    lease = pool.acquire(bases["b"])
    assert lease.evicted == "a"


def test_different_architectures_free_slots_until_the_new_one_fits():
    bases = make_sim_bases({"s1": 8 * KB, "s2": 8 * KB, "big": 20 * KB})
    pool, _, budget, _ = _pool(24 * KB)
    pool.acquire(bases["s1"]).release()
    pool.acquire(bases["s2"]).release()
    lease = pool.acquire(bases["big"])
    assert pool.resident() == ["big"] and budget.used == 20 * KB
    assert [s.arch for s in pool.slots] == [bases["big"].arch]
    lease.release()


def test_warm_path_is_one_copy_from_staging_and_faster_than_cold():
    bases = make_sim_bases({"a": 64 * KB, "b": 64 * KB})
    pool, dev, _, clock = _pool(70 * KB, staging_bytes=256 * KB)
    cold = pool.acquire(bases["a"])
    cold.handle.wait()
    cold.release()
    staged = pool.staging.stage("b", bases["b"].packed, bases["b"].source, clock.now())
    assert staged.pinned
    warm = pool.acquire(bases["b"])
    assert (cold.path, warm.path) == ("cold", "warm")
    assert warm.handle.seconds < cold.handle.seconds
    assert _first_bytes(warm) == bases["b"].source.groups["w"]["data"][:8].tolist()
    assert dev.copies[-1] == ("warm", bases["b"].packed.nbytes, True)


def test_pinning_refused_falls_back_to_pageable_staging():
    bases = make_sim_bases({"a": 64 * KB})
    pool, dev, _, clock = _pool(70 * KB, staging_bytes=256 * KB, pin_limit=16 * KB)
    staged = pool.staging.stage("a", bases["a"].packed, bases["a"].source, clock.now())
    assert staged.pinned is False and "pageable" in pool.staging.fallback_reason
    lease = pool.acquire(bases["a"])
    assert lease.path == "warm" and dev.copies[-1][2] is False


def test_base_larger_than_the_pinned_pool_is_staged_in_a_one_off_buffer():
    bases = make_sim_bases({"a": 64 * KB, "b": 8 * KB})
    pool, _, _, clock = _pool(70 * KB, staging_bytes=16 * KB)
    big = pool.staging.stage("a", bases["a"].packed, bases["a"].source, clock.now())
    small = pool.staging.stage("b", bases["b"].packed, bases["b"].source, clock.now())
    assert big.offset is None and not big.pinned and small.offset == 0 and small.pinned
    assert sorted(pool.staging.keys()) == ["a", "b"]


def test_staging_evicts_least_recently_used_but_not_busy_entries():
    bases = make_sim_bases({k: 8 * KB for k in "abc"})
    pool, _, _, clock = _pool(100 * KB, staging_bytes=16 * KB + 512)
    pool.staging.stage("a", bases["a"].packed, bases["a"].source, 0.0)
    pool.staging.stage("b", bases["b"].packed, bases["b"].source, 1.0)
    lease = pool.acquire(bases["a"])        # copy in flight reads staged "a"
    assert lease.path == "warm" and not lease.handle.done()
    pool.staging.stage("c", bases["c"].packed, bases["c"].source, 2.0)
    assert sorted(pool.staging.keys()) == ["a", "c"]  # b was evicted although a is older: a is busy


def test_prefetch_never_evicts_a_base_needed_sooner():
    bases = make_sim_bases({k: 10 * KB for k in "abc"})
    pool, _, _, clock = _pool(21 * KB, staging_bytes=64 * KB)
    pool.acquire(bases["a"]).release()
    pool.acquire(bases["b"]).release()
    pool.staging.stage("c", bases["c"].packed, bases["c"].source, clock.now())
    order = {"a": 0, "b": 1, "c": 2}
    assert pool.prefetch(bases["c"], lambda k: order.get(k, math.inf)) is None
    assert sorted(pool.resident()) == ["a", "b"]
    order = {"c": 0, "a": 1}                       # b not needed: prefetch may replace it
    handle = pool.prefetch(bases["c"], lambda k: order.get(k, math.inf))
    assert handle is not None and sorted(pool.resident()) == ["a", "c"]
    lease = pool.acquire(bases["c"])
    assert lease.prefetched and not lease.swapped


def test_shrink_evicts_idle_bases_and_defers_to_leases():
    bases = make_sim_bases({k: 10 * KB for k in "ab"})
    pool, _, budget, _ = _pool(40 * KB)
    la = pool.acquire(bases["a"])
    pool.acquire(bases["b"]).release()
    budget.set_limit(5 * KB)
    assert pool.shrink() == ["b"]
    assert budget.limit == 10 * KB and budget.target == 5 * KB   # a is leased: the limit waits
    la.release()
    pool.shrink()
    assert budget.limit == 5 * KB and budget.used == 0


def test_safetensors_source_cold_load_and_damaged_base(tmp_path):
    from safetensors.torch import save_file

    tensors = {"x": torch.arange(12, dtype=torch.float32).reshape(3, 4), "y": torch.ones(5, dtype=torch.float16)}
    save_file(tensors, str(tmp_path / "g.safetensors"))
    layout = {"g": {"x": TensorSpec((3, 4), "float32"), "y": TensorSpec((5,), "float16")}}
    spec = BaseSpec("file", "arch", layout, SafetensorsSource({"g": tmp_path / "g.safetensors"}), build=lambda v: v)
    pool, _, _, _ = _pool(64 * KB)
    lease = pool.acquire(spec)
    assert torch.equal(lease.model["g"]["x"], tensors["x"]) and lease.path == "cold"
    lease.release()
    bad_layout = {"g": {**layout["g"], "z": TensorSpec((1,), "float32")}}
    bad = BaseSpec("bad", "arch2", bad_layout, SafetensorsSource({"g": tmp_path / "g.safetensors"}), build=lambda v: v)
    with pytest.raises(InvalidInput, match="missing 1 tensors"):
        pool.acquire(bad)
    assert pool.find("bad") is None and all(s.leases == 0 for s in pool.slots)


def test_physical_memory_cross_check_refuses_before_allocating():
    bases = make_sim_bases({"a": 10 * KB})
    clock = SimClock()
    dev = SimulatedDevice(clock, physical_bytes=8 * KB)
    pool = BasePool(dev, Budget(64 * KB))
    with pytest.raises(ResourceExhausted, match="less free memory"):
        pool.acquire(bases["a"])
    assert pool.budget.used == 0


def test_swap_events_carry_bytes_seconds_and_cause():
    from engine.events import EventBus, EventRecorder

    bus = EventBus()
    rec = EventRecorder(bus, "runtime.*")
    bases = make_sim_bases({"a": 10 * KB})
    pool, _, _, _ = _pool(64 * KB)
    pool.metrics = Metrics(bus)
    pool.acquire(bases["a"]).release()
    (swap,) = rec.of("runtime.swap")
    assert swap.data["base"] == "a" and swap.data["bytes"] == 10 * KB and swap.data["cause"] == "demand"
    assert swap.data["seconds"] > 0 and swap.data["path"] == "cold"
    assert rec.of("runtime.residency")[-1].data["resident"] == ["a"]


def test_tensor_source_checks_shapes():
    layout = {"g": {"x": TensorSpec((2,), "float32")}}
    spec = BaseSpec("t", "arch", layout, TensorSource({"g": {"x": torch.zeros(3)}}))
    pool, _, _, _ = _pool(64 * KB)
    with pytest.raises(InvalidInput, match="expected float32"):
        pool.acquire(spec)


def test_acquire_waits_for_a_prefetch_copy_in_progress():
    import threading

    gate, entered = threading.Event(), threading.Event()

    class SlowDevice(SimulatedDevice):
        def copy_async(self, dst, src, *, pinned):
            entered.set()
            assert gate.wait(30)
            return super().copy_async(dst, src, pinned=pinned)

    bases = make_sim_bases({"a": 10 * KB})
    dev = SlowDevice(SimClock())
    pool = BasePool(dev, Budget(64 * KB), staging=HostStaging(dev, 64 * KB))
    pool.staging.stage("a", bases["a"].packed, bases["a"].source, 0.0)
    pre = threading.Thread(target=pool.prefetch, args=(bases["a"],))
    pre.start()
    assert entered.wait(30)
    got = {}
    user = threading.Thread(target=lambda: got.setdefault("lease", pool.acquire(bases["a"])))
    user.start()
    user.join(0.2)
    assert user.is_alive() and "lease" not in got      # it waits instead of reading half-copied weights
    gate.set()
    pre.join(30)
    user.join(30)
    lease = got["lease"]
    assert lease.prefetched and _first_bytes(lease) == bases["a"].source.groups["w"]["data"][:8].tolist()
