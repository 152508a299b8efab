"""Cross-voice batching for the GPT-SoVITS backend: many requests for one base share every model step.

Each request (a *row*) runs the ordinary single-request :class:`~.pipeline.Pipeline` — prompt preparation,
sentence splitting, text frontend, per-sentence GPT then SoVITS, streaming one chunk per sentence — in its own
lightweight thread, but the pipeline is handed *proxies* of the two networks. A proxy's ``generate`` /
``decode`` does not compute: it hands the call to the :class:`BatchRunner` and waits. The runner (running in
the caller's thread, inside the ``synthesize_batch`` generator) owns the networks:

* GPT calls join one :class:`~.t2s_batch.BatchDecoder` (continuous batching: a call that arrives while others
  are decoding joins between two steps; a row leaves when its sentence ends);
* SoVITS calls that are waiting are decoded together by :func:`~.sovits_batch.decode_batch`;
* between steps it calls ``admit()`` for more rows of the same base and starts them.

Because each row keeps its own pipeline, generator and sampling options, and the batched kernels give each
row what the solo kernels give it, every request's audio equals its solo run (see tests/gptsovits). Calls the
batched kernels do not cover (e.g. asking for logits) run solo on the real network, still correct.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections import deque
from typing import Any, Callable, Hashable, Iterable, Iterator

import torch

from ...errors import Cancelled
from .sovits_batch import SynthRow, decode_batch
from .t2s_batch import BatchDecoder, DecodeRow

log = logging.getLogger(__name__)

GPT_KEYS = frozenset({"top_k", "top_p", "temperature", "repetition_penalty", "early_stop_num", "max_steps", "generator"})
SOVITS_KEYS = frozenset({"ge", "noise_scale", "speed", "generator", "noise"})
SETTLE_S = 0.5  # how long an idle runner waits for rows that just got their GPT result to bring their SoVITS call
JOIN_S = 60.0  # how long closing waits for each row thread to stop


class _Call:
    __slots__ = ("kind", "row", "owner", "result", "error", "done")

    def __init__(self, kind: str, row: Any, owner: "_Worker") -> None:
        self.kind, self.row, self.owner = kind, row, owner
        self.result = self.error = None
        self.done = threading.Event()


class _Worker:
    """One request's thread: runs its solo stream against the proxies and posts chunks to the runner."""

    def __init__(self, runner: "BatchRunner", key: Hashable, start: Callable[[Any, Any], Iterable]) -> None:
        self.runner, self.key, self.start = runner, key, start
        self.busy = True  # running Python (not waiting in a model call)
        self.thread = threading.Thread(target=self._main, name=f"timbrel-batch-row-{key}", daemon=True)

    def _main(self) -> None:
        r = self.runner
        try:
            for chunk in self.start(r.gpt, r.sovits):
                if r.closed:
                    raise Cancelled("The batch was stopped.")
                r._post(self, chunk)
            r._post(self, None)
        except BaseException as e:  # noqa: BLE001 - handed to the runner's thread
            r._post(self, e)
        finally:
            r._finished(self)


class _GptProxy:
    def __init__(self, runner: "BatchRunner", real) -> None:
        self._runner, self._real = runner, real

    def __getattr__(self, name):
        return getattr(self._real, name)

    def generate(self, phones, bert, prompt=None, *, return_logits: bool = False, **kw):
        if return_logits or not set(kw) <= GPT_KEYS or phones.shape[0] != 1:
            return self._real.generate(phones, bert, prompt, return_logits=return_logits, **kw)
        return self._runner._call("gpt", DecodeRow(None, phones, bert, prompt, **kw))


class _SovitsProxy:
    def __init__(self, runner: "BatchRunner", real) -> None:
        self._runner, self._real = runner, real

    def __getattr__(self, name):
        return getattr(self._real, name)

    def decode(self, codes, text, **kw):
        if kw.get("ge") is None or not set(kw) <= SOVITS_KEYS or codes.shape[0] != 1:
            return self._real.decode(codes, text, **kw)
        kw.setdefault("noise_scale", 0.5)
        return self._runner._call("sovits", SynthRow(codes, text, **kw))


class BatchRunner:
    """Runs rows (``start(gpt, sovits) -> iterable of chunks``) with their GPT / SoVITS calls batched."""

    def __init__(self, gpt, sovits, *, max_rows: int = 8) -> None:
        self.real_gpt, self.real_sovits = gpt, sovits
        self.gpt, self.sovits = _GptProxy(self, gpt), _SovitsProxy(self, sovits)
        self.max_rows = max(1, int(max_rows))
        self._cond = threading.Condition()
        self._calls: deque[_Call] = deque()
        self._out: deque[tuple[Hashable, Any]] = deque()
        self._workers: dict[Hashable, _Worker] = {}
        self._threads: list[threading.Thread] = []
        self._decoder: BatchDecoder | None = None
        self._in_gpt: dict[int, _Call] = {}  # decoder row id → call
        self._ids = itertools.count()
        self.closed = False
        # statistics
        self.gpt_steps = 0
        self.gpt_row_steps = 0
        self.sovits_calls = 0
        self.sovits_rows = 0
        self.widest = 0

    # -- called from row threads ------------------------------------------------------------------------------
    def _call(self, kind: str, row) -> Any:
        worker = self._current()
        call = _Call(kind, row, worker)
        with self._cond:
            if self.closed:
                raise Cancelled("The batch was stopped.")
            if worker is not None:
                worker.busy = False
            self._calls.append(call)
            self._cond.notify_all()
        call.done.wait()
        if call.error is not None:
            raise call.error
        return call.result

    def _current(self) -> _Worker | None:
        t = threading.current_thread()
        with self._cond:
            return next((w for w in self._workers.values() if w.thread is t), None)

    def _post(self, worker: _Worker, item) -> None:
        with self._cond:
            self._out.append((worker.key, item))
            self._cond.notify_all()

    def _finished(self, worker: _Worker) -> None:
        with self._cond:
            worker.busy = False
            self._workers.pop(worker.key, None)
            self._cond.notify_all()

    # -- the runner loop (caller's thread) --------------------------------------------------------------------
    def start(self, key: Hashable, start: Callable[[Any, Any], Iterable]) -> None:
        w = _Worker(self, key, start)
        with self._cond:
            if key in self._workers:
                raise ValueError(f"row key {key!r} is already running")
            self._workers[key] = w
            self._threads.append(w.thread)
        w.thread.start()

    def _resolve(self, call: _Call, result=None, error=None) -> None:
        if call.owner is not None:
            with self._cond:
                call.owner.busy = True
        call.result, call.error = result, error
        call.done.set()

    def _settle(self, workers: list[_Worker]) -> None:
        """Give rows that just got their GPT result a moment to bring their next (SoVITS) call."""
        with self._cond:
            self._cond.wait_for(lambda: not any(w.busy for w in workers if w.key in self._workers), timeout=SETTLE_S)

    def run(self, admit: Callable[[], list[tuple[Hashable, Callable]]] | None = None
            ) -> Iterator[tuple[Hashable, Any]]:
        """Yield ``(key, chunk)``, ``(key, None)`` when a row ends, ``(key, exception)`` when a row fails."""
        try:
            while True:
                with self._cond:
                    calls = list(self._calls)
                    self._calls.clear()
                    out = list(self._out)
                    self._out.clear()
                for item in out:
                    yield item
                gpt_calls = [c for c in calls if c.kind == "gpt"]
                sov_calls = [c for c in calls if c.kind == "sovits"]
                if sov_calls:
                    self._run_sovits(sov_calls)
                for c in gpt_calls:
                    self._join(c)
                if self._decoder is not None and len(self._decoder):
                    self._step()
                if admit is not None:
                    with self._cond:
                        room = self.max_rows - len(self._workers)
                    if room > 0:
                        for key, start in admit():  # the runtime caps what it hands over; every row it gives runs
                            self.start(key, start)
                with self._cond:
                    idle = not self._calls and not self._out and not (self._decoder and len(self._decoder))
                    if idle and not self._workers:
                        break
                    if idle:
                        self._cond.wait(0.05)
        finally:
            self.close()
            for t in self._threads:  # rows stop at their next model call or chunk
                t.join(JOIN_S)

    def stats(self) -> dict:
        return {"widest_gpt_batch": self.widest, "gpt_steps": self.gpt_steps, "gpt_row_steps": self.gpt_row_steps,
                "sovits_calls": self.sovits_calls, "sovits_rows": self.sovits_rows}

    def close(self) -> None:
        """Stop: waiting calls fail with :class:`Cancelled`, row threads end."""
        with self._cond:
            self.closed = True
            calls = list(self._calls) + list(self._in_gpt.values())
            self._calls.clear()
            self._in_gpt.clear()
            self._cond.notify_all()
        for c in calls:
            c.error = Cancelled("The batch was stopped.")
            c.done.set()

    # -- model work -------------------------------------------------------------------------------------------
    def _join(self, call: _Call) -> None:
        if self._decoder is None:
            self._decoder = BatchDecoder(self.real_gpt)
        rid = next(self._ids)
        call.row.key = rid
        try:
            self._decoder.add(call.row)
        except Exception as e:  # noqa: BLE001 - the row's own failure
            self._resolve(call, error=e)
            return
        self._in_gpt[rid] = call

    def _step(self) -> None:
        dec = self._decoder
        self.widest = max(self.widest, len(dec))
        try:
            _, done = dec.step()
        except Exception as e:  # noqa: BLE001 - a failed step fails every row in it
            for rid in list(self._in_gpt):
                self._resolve(self._in_gpt.pop(rid), error=e)
            self._decoder = None
            return
        self.gpt_steps += 1
        self.gpt_row_steps += len(dec) + len(done)
        woken = []
        for rid, res in done.items():
            call = self._in_gpt.pop(rid)
            self._resolve(call, result=res)
            if call.owner is not None:
                woken.append(call.owner)
        if woken and not len(dec):
            # nobody else is decoding: give the rows that just got their tokens a moment to bring their SoVITS
            # calls, so they are decoded together; while other rows decode, their steps go on (no stall)
            self._settle(woken)

    def _run_sovits(self, calls: list[_Call]) -> None:
        self.sovits_calls += 1
        self.sovits_rows += len(calls)
        try:
            wavs = decode_batch(self.real_sovits, [c.row for c in calls])
        except Exception as e:  # noqa: BLE001
            for c in calls:
                self._resolve(c, error=e)
            return
        for c, w in zip(calls, wavs):
            self._resolve(c, result=w)


def no_grad_start(fn: Callable[[Any, Any], Iterable]) -> Callable[[Any, Any], Iterator]:
    """Wrap a row start so its thread runs without autograd (threads do not inherit ``no_grad``)."""

    def run(gpt, sovits):
        with torch.no_grad():
            yield from fn(gpt, sovits)

    return run
