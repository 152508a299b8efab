"""The scheduling policy as a pure state machine (no threads, no device)."""

from __future__ import annotations

import math

from engine.runtime.policy import BATCH, INTERACTIVE, FcfsPolicy, Job, SchedulerPolicy


def J(i, base, t, prio=BATCH, deadline=None):
    return Job(i, base, prio, t, deadline)


def test_current_base_keeps_serving_within_the_hold():
    p = SchedulerPolicy(hold_s=2.0, interactive_hold_s=0.5)
    p.submit(J(1, "a", 0.0))
    assert p.next(0.0).job.id == 1
    p.submit(J(2, "b", 0.5))
    p.submit(J(3, "a", 0.6))
    d = p.next(1.0)                   # b has waited 0.5 s < 2 s: a keeps going
    assert (d.job.id, d.reason, d.switched) == (3, "hold", False)
    p.submit(J(4, "a", 1.1))
    d = p.next(2.6)                   # b has waited 2.1 s: hold over, switch
    assert (d.job.id, d.switched) == (2, True)
    assert p.next(2.7).job.id == 4


def test_oldest_head_goes_first_when_switching():
    p = SchedulerPolicy(hold_s=0.0)
    for i, (b, t) in enumerate([("c", 3.0), ("b", 1.0), ("a", 2.0)]):
        p.submit(J(i, b, t))
    assert [p.next(5.0).job.base for _ in range(3)] == ["b", "a", "c"]


def test_interactive_never_waits_behind_a_batch_hold():
    p = SchedulerPolicy(hold_s=100.0, interactive_hold_s=0.5)
    p.submit(J(1, "a", 0.0))
    p.next(0.0)
    p.submit(J(2, "a", 0.1))          # more batch for a
    p.submit(J(3, "b", 0.2, INTERACTIVE))
    d = p.next(0.3)
    assert d.job.id == 3 and d.switched


def test_interactive_first_within_a_base_and_interactive_hold():
    p = SchedulerPolicy(hold_s=10.0, interactive_hold_s=1.0)
    p.submit(J(1, "a", 0.0))
    p.submit(J(2, "a", 0.5, INTERACTIVE))
    assert p.next(1.0).job.id == 2
    p.submit(J(3, "b", 1.0, INTERACTIVE))
    p.submit(J(4, "a", 1.1, INTERACTIVE))
    assert p.next(1.5).job.id == 4    # interactive hold (1 s) still running for a
    p.submit(J(5, "a", 2.0, INTERACTIVE))
    assert p.next(2.5).job.id == 3    # b's interactive request waited 1.5 s > 1 s


def test_cancel_expire_drain_and_lengths():
    p = SchedulerPolicy()
    p.submit(J(1, "a", 0.0, deadline=5.0))
    p.submit(J(2, "b", 0.0))
    p.submit(J(3, "b", 1.0, deadline=2.0))
    assert p.lengths() == {"a": 1, "b": 2} and p.next_deadline() == 2.0
    assert [j.id for j in p.expire(2.0)] == [3]
    assert p.cancel(1).id == 1 and p.cancel(1) is None
    assert p.waiting() == 1 and [j.id for j in p.drain()] == [2] and p.next(3.0) is None


def test_planned_order_and_distance_follow_the_choice():
    p = SchedulerPolicy(hold_s=5.0)
    p.submit(J(1, "a", 0.0))
    p.next(0.0)
    p.submit(J(2, "b", 1.0))
    p.submit(J(3, "c", 2.0))
    p.submit(J(4, "a", 3.0))
    assert p.planned_order(3.0) == ["a", "b", "c"]   # a is held
    assert p.planned_order(7.0) == ["b", "c", "a"]   # hold over
    dist = p.distance_fn(7.0)
    assert dist("b") == 0 and dist("a") == 2 and dist("zzz") == math.inf


def test_fcfs_is_global_arrival_order_without_priorities():
    p = FcfsPolicy()
    p.submit(J(1, "a", 0.0))
    p.submit(J(2, "b", 1.0, INTERACTIVE))
    p.submit(J(3, "a", 2.0))
    assert [p.next(3.0).job.id for _ in range(3)] == [1, 2, 3]


def test_aged_batch_requests_compete_as_interactive():
    p = SchedulerPolicy(hold_s=2.0, interactive_hold_s=0.5, batch_max_wait_s=10.0)
    p.submit(J(1, "a", 0.0))                               # batch for a
    t = 0.0
    served = []
    for i in range(2, 40):                                 # a steady interactive stream for b
        p.submit(J(i, "b", t, INTERACTIVE))
        served.append(p.next(t).job.id)
        t += 1.0
        if 1 in served:
            break
    assert 1 in served and 9.0 <= t <= 12.0                # a's batch ran once it had waited 10 s
    strict = SchedulerPolicy(batch_max_wait_s=None)
    strict.submit(J(1, "a", 0.0))
    for i in range(2, 40):
        strict.submit(J(i, "b", float(i), INTERACTIVE))
        assert strict.next(float(i)).job.id != 1           # without aging: strict priority


def test_aged_batch_overtakes_newer_interactive_in_its_own_base():
    p = SchedulerPolicy(batch_max_wait_s=5.0)
    p.submit(J(1, "a", 0.0))
    p.submit(J(2, "a", 6.0, INTERACTIVE))
    assert p.next(6.0).job.id == 1
    assert p.next(6.0).job.id == 2
