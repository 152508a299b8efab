"""desktop.adapters formats what the engine really returns: ``Runtime.status()`` and the ``runtime.residency`` event
for the Engine tab, ``analysis.clusters()`` / ``projection_2d()`` for the cluster map. Nothing is guessed: a field
the engine does not return is not read."""

from __future__ import annotations

from desktop.adapters import (ClusterInfo, ClusterPoint, RuntimeState, cluster_infos, cluster_points, residency_state,
                              runtime_state)


def test_runtime_state_formats_the_status_the_runtime_returns(app_engine):
    from engine.api import BudgetStatus, RuntimeStatus

    status = app_engine.runtime.status()
    # the typed shape the engine documents is the one it returns (no field missing, none extra)
    assert set(status) == set(RuntimeStatus.__annotations__)
    assert set(status["budget"]) == set(BudgetStatus.__annotations__)
    state = runtime_state(status)
    assert state.budget_mb == status["vram_limit_mb"] > 0
    assert state.used_mb == status["used_mb"]
    assert state.resident == list(status["resident"]) == []
    assert state.queue == {str(k): int(v) for k, v in status["scheduler"]["queue"].items()}
    assert state.device == "CPU (no GPU: models run in host memory)"      # status["device"] = {"kind": "cpu", ...}


def test_runtime_state_reads_resident_staged_and_queued_bases():
    status = {"device": {"kind": "cuda", "name": "RTX 4090"}, "vram_limit_mb": 8192.0, "used_mb": 2048.5,
              "resident": ["warm", "narrator"], "staging": {"staged": ["next"], "used_bytes": 1},
              "scheduler": {"queue": {"interactive": 2, "batch": 0}}}
    assert runtime_state(status) == RuntimeState(budget_mb=8192.0, used_mb=2048.5, resident=["warm", "narrator"],
                                                 prefetch=["next"], queue={"interactive": 2, "batch": 0},
                                                 device="GPU: RTX 4090")
    # no host staging (staging None) and an idle scheduler
    quiet = runtime_state({**status, "staging": None, "scheduler": {"queue": {}}})
    assert quiet.prefetch == [] and quiet.queue == {}


def test_a_residency_event_keeps_what_it_does_not_carry():
    before = RuntimeState(budget_mb=100.0, used_mb=0.0, resident=[], prefetch=["next"], queue={"interactive": 1},
                          device="GPU: X")
    after = residency_state({"resident": ["a"], "used_bytes": 3 * 1024 * 1024, "budget_bytes": 512 * 1024 * 1024},
                            before)
    assert after == RuntimeState(budget_mb=512.0, used_mb=3.0, resident=["a"], prefetch=["next"],
                                 queue={"interactive": 1}, device="GPU: X")
    assert after.queue is not before.queue


def test_cluster_map_rows_from_the_engines_clusters_and_projection():
    from engine.analysis.results import ClusterInfo as EngineCluster

    clusters = [EngineCluster(3, "cluster 3", ("a", "b"), pinned=("b",)), EngineCluster(7, "Warm", ("c",))]
    assert cluster_infos(clusters) == [ClusterInfo(3, "cluster 3", 2), ClusterInfo(7, "Warm", 1)]
    points = cluster_points({"a": (0.5, -1.0), "b": (1.0, 2.0), "c": (0.0, 0.0), "lone": (3.0, 3.0)}, clusters)
    assert points == [ClusterPoint("a", 0.5, -1.0, 3, False), ClusterPoint("b", 1.0, 2.0, 3, True),
                      ClusterPoint("c", 0.0, 0.0, 7, False), ClusterPoint("lone", 3.0, 3.0, None, False)]
