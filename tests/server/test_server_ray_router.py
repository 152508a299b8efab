"""The base-affinity request router's choices, without a Ray cluster (needs the ray extra: marked ``ray``)."""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace

import pytest

pytestmark = pytest.mark.ray


def _router(spill_after_s=30.0):
    pytest.importorskip("ray")
    from engine.server.ray_router import BaseAffinityRouter

    r = BaseAffinityRouter.__new__(BaseAffinityRouter)     # no deployment: only the choice is under test
    r.initialize_state(spill_after_s=spill_after_s)
    r._replica_queue_len_cache = SimpleNamespace(get=lambda rid: 0)
    return r


def _replica(name, models=()):
    return SimpleNamespace(replica_id=SimpleNamespace(unique_id=name), multiplexed_model_ids=set(models))


def _request(base, age_s=0.0):
    return SimpleNamespace(metadata=SimpleNamespace(multiplexed_model_id=base), created_at=time.time() - age_s,
                           routing_context=SimpleNamespace(should_backoff=False))


def _choose(router, replicas, request):
    return asyncio.run(router.choose_replicas(replicas, request))


def test_a_base_is_offered_only_its_home_until_it_has_waited_too_long():
    router = _router(spill_after_s=30.0)
    reps = [_replica("r1"), _replica("r2")]
    first = _choose(router, reps, _request("tone-a"))
    assert len(first) == 1 and len(first[0]) == 1
    home = first[0][0]
    for _ in range(5):
        ranks = _choose(router, reps, _request("tone-a"))
        assert ranks == [[home]]                               # the same replica, nothing else to spill to
    req = _request("tone-a")
    _choose(router, reps, req)
    assert req.routing_context.should_backoff                  # a full home is retried with backoff
    late = _choose(router, reps, _request("tone-a", age_s=31.0))
    assert late[0] == [home] and late[1] == [r for r in reps if r is not home]
    other = _choose(router, reps, _request("tone-b"))[0][0]
    assert other is not home                                   # the second base goes to the other replica


def test_a_base_already_held_by_a_replica_goes_there_and_blind_requests_get_two_choices():
    router = _router()
    reps = [_replica("r1"), _replica("r2", models={"tone-c"})]
    assert _choose(router, reps, _request("tone-c")) == [[reps[1]]]
    blind = _choose(router, reps, _request(""))
    assert len(blind) == 1 and sorted(r.replica_id.unique_id for r in blind[0]) == ["r1", "r2"]
