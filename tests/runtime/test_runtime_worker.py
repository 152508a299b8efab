"""The threaded runtime (worker + loader) on the simulated device with real threads.

Ordering is controlled with gates (threading.Event), never with sleeps or timing thresholds.
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
import torch

from engine.backends.base import AudioChunk, Backend, ReferenceClip, References, SynthesisRequest
from engine.errors import Cancelled, InvalidInput, ResourceExhausted
from engine.events import EventBus, EventRecorder
from engine.runtime import Runtime
from engine.runtime.clock import MonotonicClock
from engine.runtime.device import SimulatedDevice
from engine.runtime.layout import TensorSpec
from engine.runtime.pool import BaseSpec
from engine.runtime.requests import RequestTimedOut
from engine.runtime.weight_sources import TensorSource

MB = 2**20


class GateBackend(Backend):
    """Yields two chunks per request; waits on ``gate`` between them when the text says 'block'."""

    name = "gate"

    def __init__(self, size=1024, workspace=0):
        self.size = size
        self.workspace = workspace
        self.gate = threading.Event()
        self.entered = threading.Event()
        self.models_seen = []

    def architecture_key(self, manifest):
        return f"gate-{self.size}"

    def layout(self, manifest, device_kind=None):
        return {"g": {"w": TensorSpec((self.size,), "float32")}}

    def build_skeleton(self, manifest, tensors, device):
        return tensors["g"]

    def workspace_bytes(self, manifest, request):
        return self.workspace

    def synthesize(self, model, shared, request, references, context=None):
        self.models_seen.append(float(model["w"][0]))
        if request.text == "boom":
            raise ValueError("kaboom")
        yield AudioChunk(np.full(10, float(model["w"][0]), dtype=np.float32), 8000)
        if "block" in request.text:
            self.entered.set()
            assert self.gate.wait(30), "test gate never opened"
        yield AudioChunk(np.zeros(5, dtype=np.float32), 8000)


def _spec(backend, key, value):
    w = torch.full((backend.size,), float(value))
    return BaseSpec(key, backend.architecture_key({}), backend.layout({}), TensorSource({"g": {"w": w}}),
                    build=lambda views: backend.build_skeleton({}, views, None), label=key)


REFS = References("v", ReferenceClip("x.wav", "0" * 64, "", None, None, 1.0, 8000))


@pytest.fixture
def rt():
    bus = EventBus()
    runtime = Runtime(device=SimulatedDevice(MonotonicClock()), vram_limit_mb=1, pinned_pool_mb=1, events=bus,
                      hold_s=2.0, interactive_hold_s=0.5)
    runtime.bus = bus
    yield runtime
    runtime.close()


def _submit(rt, be, spec, text, **kw):
    return rt.submit_spec(spec, be, {}, SynthesisRequest(text), REFS, **kw)


def test_requests_stream_chunks_and_swap_bases(rt):
    be = GateBackend(size=64 * 1024)           # 256 KB per base
    rec = EventRecorder(rt.bus)
    specs = [_spec(be, f"b{i}", i + 1) for i in range(5)]
    handles = [_submit(rt, be, s, "hi") for s in specs]
    outs = [h.result(timeout=30) for h in handles]
    assert [float(o.samples[0]) for o in outs] == [1.0, 2.0, 3.0, 4.0, 5.0]   # each ran with its own weights
    assert rt.budget.peak <= rt.budget.limit == 1 * MB
    assert len(rt.pool.resident()) == 4 and rt.pool.allocations == 4   # 4 × 256 KB fill 1 MB; the 5th reused a slot
    topics = set(rec.topics())
    assert {"runtime.swap", "runtime.residency", "runtime.queue", "request.done"} <= topics
    done = rec.of("request.done")
    assert len(done) == 5 and all(e.data["ok"] for e in done)


def test_cancel_waiting_and_running_requests(rt):
    be = GateBackend()
    a, b = _spec(be, "a", 1), _spec(be, "b", 2)
    first = _submit(rt, be, a, "block")
    assert be.entered.wait(30)
    second = _submit(rt, be, b, "hi")
    second.cancel()
    with pytest.raises(Cancelled):
        second.result(timeout=30)
    assert second.state == "cancelled"
    first.cancel()                               # running: stops after the current chunk
    be.gate.set()
    with pytest.raises(Cancelled):
        first.result(timeout=30)
    chunks = []
    with pytest.raises(Cancelled):
        for c in first.chunks(timeout=30):
            chunks.append(c)
    assert len(chunks) == 1
    assert _submit(rt, be, b, "hi").result(timeout=30).samples[0] == 2.0   # the worker carries on


def test_timeout_before_start(rt):
    be = GateBackend()
    first = _submit(rt, be, _spec(be, "a", 1), "block")
    assert be.entered.wait(30)
    late = _submit(rt, be, _spec(be, "b", 2), "hi", timeout_s=0.05)
    assert late.wait(30)
    assert late.state == "timeout"
    with pytest.raises(RequestTimedOut):
        late.result(0)
    be.gate.set()
    first.result(timeout=30)


def test_failures_are_clear_and_do_not_stop_the_worker(rt):
    be = GateBackend()
    bad = _submit(rt, be, _spec(be, "a", 1), "boom")
    with pytest.raises(Exception) as exc:
        bad.result(timeout=30)
    assert "kaboom" in str(exc.value) and bad.state == "failed"
    big = GateBackend(size=512 * 1024)           # 2 MB: larger than the 1 MB limit
    too_big = _submit(rt, big, _spec(big, "huge", 1), "hi")
    with pytest.raises(ResourceExhausted, match="VRAM limit"):
        too_big.result(timeout=30)
    assert _submit(rt, be, _spec(be, "a", 1), "hi").result(timeout=30).samples[0] == 1.0


def test_workspace_is_reserved_and_released(rt):
    be = GateBackend(size=1024, workspace=700 * 1024)
    h = _submit(rt, be, _spec(be, "a", 1), "block")
    assert be.entered.wait(30)
    assert rt.budget.by_kind()["workspace"] == 700 * 1024
    be.gate.set()
    h.result(timeout=30)
    assert rt.budget.by_kind()["workspace"] == 0


def test_close_cancels_waiting_and_finishes_running(rt):
    be = GateBackend()
    running = _submit(rt, be, _spec(be, "a", 1), "block")
    assert be.entered.wait(30)
    waiting = [_submit(rt, be, _spec(be, "b", 2), "hi") for _ in range(3)]
    closer = threading.Thread(target=rt.close)
    closer.start()
    for w in waiting:
        assert w.wait(30) and w.state == "cancelled"
    be.gate.set()
    closer.join(30)
    assert running.state == "done"
    with pytest.raises(ResourceExhausted, match="shutting down"):
        _submit(rt, be, _spec(be, "a", 1), "hi")
    assert rt.budget.used == 0


def test_set_vram_limit_while_running_is_applied_after(rt):
    be = GateBackend(size=64 * 1024)
    rt.submit_spec(_spec(be, "idle", 9), be, {}, SynthesisRequest("hi"), REFS).result(timeout=30)
    h = _submit(rt, be, _spec(be, "a", 1), "block")
    assert be.entered.wait(30)
    out = rt.set_vram_limit(0.1)                  # 100 KB: below the running base
    assert out["pending"] is True and "idle" not in rt.pool.resident()
    be.gate.set()
    h.result(timeout=30)
    deadline = time.monotonic() + 30              # the worker applies the limit right after the request
    while rt.budget.limit != rt.budget.target and time.monotonic() < deadline:
        time.sleep(0.01)
    assert rt.budget.limit == rt.budget.target and rt.pool.resident() == [] and rt.budget.used <= rt.budget.limit
    assert rt.status()["budget"]["limit_bytes"] == int(0.1 * MB)


def test_hint_prefetch_stages_and_loads_ahead(rt):
    be = GateBackend(size=16 * 1024)
    rec = EventRecorder(rt.bus, "runtime.prefetch")
    spec = _spec(be, "hinted", 7)
    rt.scheduler.hint(spec)
    deadline = time.monotonic() + 30
    while "hinted" not in rt.pool.resident() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert "hinted" in rt.pool.resident()
    out = _submit(rt, be, spec, "hi").result(timeout=30)
    assert out.samples[0] == 7.0
    assert rec.of("runtime.prefetch")[-1].data == {"base": "hinted", "hit": True}
    assert rt.metrics.snapshot()["swap_causes"].get("prefetch") == 1


class RecordingDevice(SimulatedDevice):
    """Records copies and compute waits in order (the CUDA path's stream discipline, checked on CPU)."""

    def __init__(self, log):
        super().__init__(MonotonicClock())
        self.log = log

    def copy_tensors(self, pairs, nbytes):
        h = super().copy_tensors(pairs, nbytes)
        self.log.append(("copy", id(h)))
        return h

    def copy_async(self, dst, src, *, pinned):
        h = super().copy_async(dst, src, pinned=pinned)
        self.log.append(("copy", id(h)))
        return h

    def ready_for_compute(self, handle):
        self.log.append(("ready", id(handle)))
        super().ready_for_compute(handle)

    def record_use(self):
        token = object()
        self.log.append(("use", id(token)))
        self._keep = getattr(self, "_keep", []) + [token]
        return token

    def before_overwrite(self, token):
        self.log.append(("overwrite-after", id(token) if token is not None else None))


def test_compute_waits_for_every_copy_before_using_the_weights():
    log = []

    class LoggingBackend(GateBackend):
        def synthesize(self, model, shared, request, references, context=None):
            log.append(("synth", float(model["w"][0])))
            yield from super().synthesize(model, shared, request, references, context)

    rt = Runtime(device=RecordingDevice(log), vram_limit_mb=0.01, pinned_pool_mb=0, prefetch=False)
    try:
        be = LoggingBackend(size=1024)                       # 4 KB bases, room for two
        for v in (1, 2, 3, 1, 3):
            rt.submit_spec(_spec(be, f"b{v}", v), be, {}, SynthesisRequest("hi"), REFS).result(timeout=30)
        evictions = rt.pool.evictions
    finally:
        rt.close()
    pending = set()
    uses = set()
    for kind, ref in log:
        if kind == "copy":
            pending.add(ref)
        elif kind == "ready":
            pending.discard(ref)
        elif kind == "use":
            uses.add(ref)
        elif kind == "overwrite-after":
            assert ref is None or ref in uses
        else:
            assert not pending, f"synthesis started before copy {pending} was waited for: {log}"
    assert [v for k, v in log if k == "synth"] == [1.0, 2.0, 3.0, 1.0, 3.0]
    # every copy into a slot that was used before waits for that use
    reused = sum(1 for k, r in log if k == "overwrite-after" and r is not None)
    assert reused == evictions >= 1


class BatchGate(GateBackend):
    """Batches up to ``rows`` requests; records which rows ran together and admits joiners between rounds."""

    name = "batchgate"

    def __init__(self, rows=4, **kw):
        super().__init__(**kw)
        self.rows = rows
        self.batches = []
        self.admitted = []
        self.first_round = threading.Event()

    def max_batch_rows(self, manifest):
        return self.rows

    def synthesize_batch(self, model, shared, rows, context, admit):
        rows = list(rows)
        self.batches.append([r.request.text for r in rows])
        for r in rows:
            yield r.key, AudioChunk(np.full(4, float(model["w"][0]), dtype=np.float32), 8000)
        self.first_round.set()
        assert self.gate.wait(30), "test gate never opened"
        joined = admit()
        self.admitted.append([r.request.text for r in joined])
        for r in rows + joined:
            yield r.key, AudioChunk(np.full(4, len(r.request.text), dtype=np.float32), 8000)
            yield r.key, None


def test_batches_form_from_the_queue_stream_per_request_and_admit_joiners():
    bus = EventBus()
    ws = 64 * 1024
    runtime = Runtime(device=SimulatedDevice(MonotonicClock()), vram_limit_mb=1, pinned_pool_mb=1, events=bus,
                      hold_s=2.0, interactive_hold_s=0.5, max_batch=3)
    try:
        be = BatchGate(rows=8, size=16 * 1024, workspace=ws)
        blocker = GateBackend(size=16 * 1024)
        a, other = _spec(be, "a", 1), _spec(blocker, "other", 9)
        first = _submit(runtime, blocker, other, "block")          # holds the worker while the queue fills
        assert blocker.entered.wait(30)
        queued = [_submit(runtime, be, a, t) for t in ("x", "yy", "zzz", "wwww")]
        blocker.gate.set()
        assert first.wait(30)
        assert be.first_round.wait(30)
        late = _submit(runtime, be, a, "late!")                    # arrives while the batch runs: joins via admit()
        be.gate.set()
        outs = [h.result(timeout=30) for h in queued + [late]]
    finally:
        runtime.close()
    assert be.batches[0] == ["x", "yy", "zzz"]                     # max_batch 3 of the 4 queued rows
    assert be.admitted[0] == ["wwww"] or be.admitted[0] == ["wwww", "late!"][:len(be.admitted[0])]
    for text, out in zip(("x", "yy", "zzz", "wwww", "late!"), outs):   # each handle got its own chunks
        assert out.samples[-1] == len(text)
    assert runtime.budget.peak <= runtime.budget.limit
    assert runtime.budget.snapshot()["by_kind"].get("workspace", 0) == 0   # every workspace byte was given back


def test_a_batch_never_holds_back_waiting_interactive_work():
    runtime = Runtime(device=SimulatedDevice(MonotonicClock()), vram_limit_mb=1, pinned_pool_mb=1,
                      hold_s=2.0, interactive_hold_s=0.5, max_batch=8)
    try:
        be = BatchGate(rows=8, size=16 * 1024)
        blocker = GateBackend(size=16 * 1024)
        a, b, other = _spec(be, "a", 1), _spec(be, "b", 2), _spec(blocker, "other", 9)
        first = _submit(runtime, blocker, other, "block")
        assert blocker.entered.wait(30)
        batch_rows = [_submit(runtime, be, a, f"batch{i}", priority="batch") for i in range(3)]
        head = _submit(runtime, be, a, "a-int", priority="interactive")     # served first (oldest interactive)
        urgent = _submit(runtime, be, b, "now", priority="interactive")
        blocker.gate.set()
        be.gate.set()
        for h in batch_rows + [urgent, head, first]:
            h.result(timeout=30)
    finally:
        runtime.close()
    # while the interactive request for b waited, a's batch-priority rows did not join a's interactive row
    assert be.batches[0] == ["a-int"] and be.batches[1] == ["now"]
    assert be.batches[2] == ["batch0", "batch1", "batch2"]          # once nothing interactive waits, they batch


def test_batching_default_follows_the_device():
    """Unset ``runtime.max_batch``: 8 rows on a GPU (a padded block costs what one row costs), 1 on a CPU (a lone
    request decodes faster unbatched there); an explicit value wins; 0 is refused with a hint."""
    from engine.runtime.device import CpuDevice

    class FakeCuda(SimulatedDevice):
        kind = "cuda"

    made = []
    try:
        for device, explicit, expected in ((CpuDevice(MonotonicClock()), None, 1),
                                           (FakeCuda(MonotonicClock()), None, 8),
                                           (CpuDevice(MonotonicClock()), 4, 4)):
            made.append(Runtime(device=device, vram_limit_mb=1, pinned_pool_mb=0, prefetch=False, max_batch=explicit))
            assert made[-1].scheduler.max_batch == expected
        with pytest.raises(InvalidInput, match="at least 1"):
            Runtime(device=CpuDevice(MonotonicClock()), vram_limit_mb=1, pinned_pool_mb=0, max_batch=0)
    finally:
        for rt in made:
            rt.close()
