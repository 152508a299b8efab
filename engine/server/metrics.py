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
        self.registry.register(_EngineCollector(self))

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


class _EngineCollector:
    def __init__(self, m: ServerMetrics) -> None:
        self.m = m

    def collect(self):
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        st = self.m._status()
        const = self.m._const
        ln = sorted(const)
        lv = [const[k] for k in ln]

        def gauge(name, doc, value, extra: dict | None = None):
            extra = extra or {}
            fam = GaugeMetricFamily(name, doc, labels=ln + sorted(extra))
            fam.add_metric(lv + [str(extra[k]) for k in sorted(extra)], value)
            return fam

        if not st:
            yield gauge("timbrel_engine_up", "1 when the engine's runtime is running", 0.0)
            return
        yield gauge("timbrel_engine_up", "1 when the engine's runtime is running", 1.0)
        budget = st.get("budget", {}) or {}
        for key, name in (("limit_bytes", "timbrel_budget_limit_bytes"), ("used_bytes", "timbrel_budget_used_bytes"),
                          ("peak_bytes", "timbrel_budget_peak_bytes")):
            if _num(budget.get(key)) is not None:
                yield gauge(name, f"VRAM budget: {key.replace('_bytes', '')}", float(budget[key]))
        resident = list(st.get("resident") or [])
        yield gauge("timbrel_resident_bases", "Bases resident on the device", float(len(resident)))
        fam = GaugeMetricFamily("timbrel_base_resident", "1 for each resident base", labels=ln + ["base"])
        for b in resident:
            fam.add_metric(lv + [str(b)], 1.0)
        yield fam
        sched = st.get("scheduler", {}) or {}
        per = {"interactive": 0, "batch": 0}
        for w in sched.get("waiting") or []:
            pr = str(w.get("priority", "interactive"))
            per[pr] = per.get(pr, 0) + 1
        fam = GaugeMetricFamily("timbrel_queue_depth", "Requests waiting, per priority", labels=ln + ["priority"])
        for pr, n in sorted(per.items()):
            fam.add_metric(lv + [pr], float(n))
        yield fam
        yield gauge("timbrel_running_requests", "Requests running on the device",
                    float(1 if sched.get("running") else 0) + float(len(sched.get("running_batch") or [])))
        met = st.get("metrics", {}) or {}
        for key, name, doc in (("swaps", "timbrel_swaps", "Base swaps into device slots"),
                               ("swap_bytes", "timbrel_swap_bytes", "Bytes copied by swaps"),
                               ("swap_seconds", "timbrel_swap_seconds", "Seconds spent swapping")):
            if _num(met.get(key)) is not None:
                c = CounterMetricFamily(name, doc, labels=ln)
                c.add_metric(lv, float(met[key]))
                yield c
        reqs = met.get("requests") or {}
        if isinstance(reqs, dict) and reqs:
            c = CounterMetricFamily("timbrel_engine_requests", "Engine requests by final state", labels=ln + ["state"])
            for k, v in sorted(reqs.items()):
                if _num(v) is not None:
                    c.add_metric(lv + [str(k)], float(v))
            yield c
        for key in ("wait_s", "service_s"):
            pct = met.get(key) or {}
            if isinstance(pct, dict) and pct:
                fam = GaugeMetricFamily(f"timbrel_engine_{key[:-2]}_seconds", f"Scheduler {key[:-2]} time percentiles",
                                        labels=ln + ["quantile"])
                for q, v in sorted(pct.items()):
                    if _num(v) is not None:
                        fam.add_metric(lv + [str(q)], float(v))
                yield fam
        yield from self._batches(met, st, ln, lv)

    @staticmethod
    def _batches(met: dict, st: dict, ln, lv):
        """Batches run, by number of rows (the runtime's ``batch_sizes`` counter: rows → batches)."""
        from prometheus_client.core import CounterMetricFamily

        c = CounterMetricFamily("timbrel_batches", "Batches run, by number of rows served together", labels=ln + ["rows"])
        for rows, n in sorted((met.get("batch_sizes") or {}).items()):
            c.add_metric(lv + [str(rows)], float(n))
        yield c


__all__ = ["ServerMetrics", "LATENCY_BUCKETS"]
