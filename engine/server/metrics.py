"""``GET /metrics``: Prometheus text exposition (prometheus_client, one registry per server).

Server-side: request latency histogram (seconds from admission to the last byte) and time to first audio
byte, requests by route and outcome, requests in flight. Engine-side (read from ``Runtime.status()`` at
scrape time): queue depth per priority, resident bases, swaps (count, bytes, seconds), budget used/limit/peak,
batch sizes (when the runtime reports them) and the scheduler's wait/service percentiles.
"""

from __future__ import annotations

from typing import Any, Callable

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0)


def _num(v: Any) -> float | None:
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, (int, float)):
        return float(v)
    return None


class ServerMetrics:
    def __init__(self, status: Callable[[], dict | None], core_status: Callable[[], dict], labels: dict | None = None) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics

        disable_created_metrics()   # no *_created series: scrapers do not need them and they double the output

        self.registry = CollectorRegistry(auto_describe=False)
        names = sorted((labels or {}).keys())
        self._const = labels or {}
        self.latency = Histogram("timbrel_request_seconds", "Request latency, admission to last byte", ["route"] + names,
                                 buckets=LATENCY_BUCKETS, registry=self.registry)
        self.ttfb = Histogram("timbrel_first_audio_seconds", "Admission to the first audio byte", ["route"] + names,
                              buckets=LATENCY_BUCKETS, registry=self.registry)
        self.requests = Counter("timbrel_http_requests", "HTTP requests by route and outcome",
                                ["route", "status"] + names, registry=self.registry)
        self.in_flight = Gauge("timbrel_requests_in_flight", "Synthesis requests admitted and not finished", names,
                               registry=self.registry)
        self._status = status
        self._core_status = core_status
        self.registry.register(EngineCollector(lambda: [(self._const, self._status())]))

    def labels(self, **kw):
        return {**kw, **self._const}

    def observe(self, route: str, status: int | str, seconds: float | None = None, ttfb: float | None = None) -> None:
        self.requests.labels(**self.labels(route=route, status=str(status))).inc()
        if seconds is not None:
            self.latency.labels(**self.labels(route=route)).observe(seconds)
        if ttfb is not None:
            self.ttfb.labels(**self.labels(route=route)).observe(ttfb)

    def render(self) -> tuple[bytes, str]:
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        g = self.in_flight.labels(**self._const) if self._const else self.in_flight
        g.set(self._core_status().get("active", 0))
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class EngineCollector:
    """Engine metrics read at scrape time from one or more runtimes' ``status()``: ``sources()`` returns
    ``(constant labels, status or None)`` pairs — one for ``timbrel serve``, one per replica on Ray (then the
    families are merged: one family per name, one sample set per replica)."""

    def __init__(self, sources: Callable[[], list[tuple[dict, dict | None]]], prefix: str = "timbrel_") -> None:
        self.sources = sources
        self.prefix = prefix

    def collect(self):
        fams: dict[str, Any] = {}
        for const, st in self.sources():
            for fam in _engine_families(_Labels(const, self.prefix), st):
                if fam.name in fams:
                    fams[fam.name].samples.extend(fam.samples)
                else:
                    fams[fam.name] = fam
        yield from fams.values()


class _Labels:
    """Constant label names/values and the metric name prefix of one engine's families."""

    def __init__(self, const: dict, prefix: str) -> None:
        self.names = sorted(const)
        self.values = [str(const[k]) for k in self.names]
        self.prefix = prefix

    def gauge(self, name: str, doc: str, value: float, extra: dict | None = None):
        from prometheus_client.core import GaugeMetricFamily

        extra = extra or {}
        fam = GaugeMetricFamily(self.prefix + name, doc, labels=self.names + sorted(extra))
        fam.add_metric(self.values + [str(extra[k]) for k in sorted(extra)], value)
        return fam

    def family(self, kind: str, name: str, doc: str, extra: list[str], rows):
        """A gauge or counter family with one sample per ``(extra label values, value)`` row."""
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        cls = CounterMetricFamily if kind == "counter" else GaugeMetricFamily
        fam = cls(self.prefix + name, doc, labels=self.names + extra)
        for values, v in rows:
            if _num(v) is not None:
                fam.add_metric(self.values + [str(x) for x in values], float(v))
        return fam


def _engine_families(lb: _Labels, st: dict | None):
    if not st:
        yield lb.gauge("engine_up", "1 when the engine's runtime is running", 0.0)
        return
    yield lb.gauge("engine_up", "1 when the engine's runtime is running", 1.0)
    yield from _budget(lb, st.get("budget", {}) or {})
    yield from _residency(lb, list(st.get("resident") or []))
    yield from _queue(lb, st.get("scheduler", {}) or {})
    met = st.get("metrics", {}) or {}
    yield from _swaps_and_requests(lb, met)
    yield from _percentiles(lb, met)
    yield lb.family("counter", "batches", "Batches run, by number of rows served together", ["rows"],
                    (((rows,), n) for rows, n in sorted((met.get("batch_sizes") or {}).items())))


def _budget(lb: _Labels, budget: dict):
    for key, name in (("limit_bytes", "budget_limit_bytes"), ("used_bytes", "budget_used_bytes"),
                      ("peak_bytes", "budget_peak_bytes")):
        if _num(budget.get(key)) is not None:
            yield lb.gauge(name, f"VRAM budget: {key.replace('_bytes', '')}", float(budget[key]))


def _residency(lb: _Labels, resident: list):
    yield lb.gauge("resident_bases", "Bases resident on the device", float(len(resident)))
    yield lb.family("gauge", "base_resident", "1 for each resident base", ["base"], (((b,), 1.0) for b in resident))


def _queue(lb: _Labels, sched: dict):
    per = {"interactive": 0, "batch": 0}
    for w in sched.get("waiting") or []:
        pr = str(w.get("priority", "interactive"))
        per[pr] = per.get(pr, 0) + 1
    yield lb.family("gauge", "queue_depth", "Requests waiting, per priority", ["priority"],
                    (((pr,), n) for pr, n in sorted(per.items())))
    yield lb.gauge("running_requests", "Requests running on the device",
                   float(1 if sched.get("running") else 0) + float(len(sched.get("running_batch") or [])))


def _swaps_and_requests(lb: _Labels, met: dict):
    for key, doc in (("swaps", "Base swaps into device slots"), ("swap_bytes", "Bytes copied by swaps"),
                     ("swap_seconds", "Seconds spent swapping")):
        if _num(met.get(key)) is not None:
            yield lb.family("counter", key, doc, [], [((), met[key])])
    reqs = met.get("requests") or {}
    if isinstance(reqs, dict) and reqs:
        yield lb.family("counter", "engine_requests", "Engine requests by final state", ["state"],
                        (((k,), v) for k, v in sorted(reqs.items())))


def _percentiles(lb: _Labels, met: dict):
    for key in ("wait_s", "service_s"):
        pct = met.get(key) or {}
        if isinstance(pct, dict) and pct:
            yield lb.family("gauge", f"engine_{key[:-2]}_seconds", f"Scheduler {key[:-2]} time percentiles",
                            ["quantile"], (((q,), v) for q, v in sorted(pct.items())))


__all__ = ["ServerMetrics", "EngineCollector", "LATENCY_BUCKETS"]
