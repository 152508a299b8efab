"""Routing by base without Ray: the placement rule behind the engine deployment's request router."""

from __future__ import annotations

from engine.server.placement import BasePlacement


def test_each_base_keeps_one_home_and_homes_are_balanced():
    p = BasePlacement()
    live = ["r1", "r2"]
    order = ["a", "b", "c", "d", "a", "c", "b", "d"] * 5
    homes = {}
    for base in order:
        homes.setdefault(base, set()).add(p.home(base, live))
    assert all(len(h) == 1 for h in homes.values()), homes          # never split over replicas
    assert sorted(p.counts().values()) == [2, 2]


def test_a_new_base_goes_to_a_replica_already_holding_it_then_to_the_emptiest():
    p = BasePlacement()
    assert p.home("a", ["r1", "r2"], holders={"r2": {"a"}}) == "r2"
    assert p.home("b", ["r1", "r2"]) == "r1"                         # r1 has fewer homes
    assert p.home("c", ["r1", "r2"], busy={"r1": 5, "r2": 0}) == "r2"  # equal homes: the less busy one


def test_a_dead_replicas_bases_move_and_a_new_replica_takes_its_share():
    p = BasePlacement()
    for base in "abcd":
        p.home(base, ["r1", "r2"])
    for base in "abcd":                              # r2 died: everything on r1
        assert p.home(base, ["r1"]) == "r1"
    assert p.counts() == {"r1": 4}
    p.home("a", ["r1", "r3"])                        # its replacement arrives: two bases move over
    assert p.counts() == {"r1": 2, "r3": 2}
    assert p.moves == 2
    moved = {b for b, r in p.homes.items() if r == "r3"}
    assert moved == {"b", "c"}                       # the least recently requested bases move ("a" was just asked for)
