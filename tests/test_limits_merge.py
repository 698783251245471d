"""A project's limits over its pods: the smallest limit, whatever order the pods answer in."""

from __future__ import annotations

import itertools

from tricircle.kit.aggregate import _merged, smallest_limit


def test_unlimited_is_larger_than_any_limit() -> None:
    assert smallest_limit(None, -1) == -1
    assert smallest_limit(-1, 10) == 10
    assert smallest_limit(10, -1) == 10
    assert smallest_limit(10, 4) == 4


def test_the_merge_does_not_depend_on_the_pods_order() -> None:
    pods = [
        {"maxTotalInstances": -1, "totalInstancesUsed": 1},
        {"maxTotalInstances": 10, "totalInstancesUsed": 2},
        {"maxTotalInstances": 20, "totalInstancesUsed": 3},
    ]
    for order in itertools.permutations(pods):
        assert _merged(list(order)) == {"maxTotalInstances": 10, "totalInstancesUsed": 6}
