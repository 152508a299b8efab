"""Ray Serve request router that keeps each base on one engine replica (routing by base).

Installed on the engine deployment through Serve's documented extension point
(``request_router_config=RequestRouterConfig(request_router_class=BaseAffinityRouter)``); it runs inside every
handle that calls the deployment (the ingress). A request whose multiplexed model id is a base goes to that
base's **home** replica (:class:`engine.server.placement.BasePlacement`) — only there: when the home does not
accept at once (its queue is full, or its queue-length probe was slow), the request waits and retries the same
replica with Serve's backoff, instead of spilling to another replica that would then have to swap the base
in. Only a request that has waited ``spill_after_s`` may go to any replica (a stuck home never stalls
serving). A replica that dies is dropped by Serve (``on_replica_actor_died``) and its bases are placed again.

Requests without a model id (base-blind routing) get Serve's default policy: two random replicas, the one with
the shorter queue.
"""

from __future__ import annotations

import random
import time
from typing import List, Optional

from ray.serve.request_router import PendingRequest, RequestRouter, RunningReplica

from .placement import BasePlacement


def replica_key(replica: RunningReplica) -> str:
    rid = replica.replica_id
    return str(getattr(rid, "unique_id", rid))


class BaseAffinityRouter(RequestRouter):
    def initialize_state(self, spill_after_s: float = 30.0, **kwargs) -> None:
        self.placement = BasePlacement()
        self.spill_after_s = float(spill_after_s)

    async def choose_replicas(self, candidate_replicas: List[RunningReplica],
                              pending_request: Optional[PendingRequest] = None) -> List[List[RunningReplica]]:
        if not candidate_replicas:
            return []
        base = pending_request.metadata.multiplexed_model_id if pending_request is not None else ""
        if not base:
            return [random.sample(candidate_replicas, min(2, len(candidate_replicas)))]
        by_key = {replica_key(r): r for r in candidate_replicas}
        holders = {k: r.multiplexed_model_ids for k, r in by_key.items()}
        busy = {k: self.replica_queue_len_cache.get(r.replica_id) or 0 for k, r in by_key.items()}
        home = by_key[self.placement.home(base, by_key, holders=holders, busy=busy)]
        pending_request.routing_context.should_backoff = True     # retry the home with backoff, do not spin
        ranks = [[home]]
        if time.time() - pending_request.created_at > self.spill_after_s:
            ranks.append([r for r in candidate_replicas if r is not home])
        return ranks


__all__ = ["BaseAffinityRouter", "replica_key"]
