"""The merge engine over in-memory pods that page like Nova (sort keys, limit, marker)."""

from __future__ import annotations

import asyncio
import random

import msgspec
import pytest

from tricircle.listing.engine import PodRejected, Source, batch_size, merge
from tricircle.listing.ordering import Ordering, SortField


class MemoryPod:
    def __init__(self, pod_id: str, items: list[dict]) -> None:
        self.pod_id = pod_id
        self.items = items
        self.calls = 0
        self.down = False
        self.delay = 0.0

    def _sorted(self, params: list[tuple[str, str]]) -> list[dict]:
        keys = [v for k, v in params if k == "sort_key"]
        dirs = [v for k, v in params if k == "sort_dir"]
        ordering = Ordering(
            tuple(
                SortField({"uuid": "id"}.get(k, k), d == "desc")
                for k, d in zip(keys[:-1], dirs[:-1], strict=True)
            ),
        )
        return sorted(self.items, key=ordering.key_of)

    async def fetch(self, params: list[tuple[str, str]]) -> tuple[int, bytes]:
        self.calls += 1
        if self.down:
            raise OSError("connection refused")
        await asyncio.sleep(self.delay)
        query = dict(params)
        ordered = self._sorted(params)
        if "marker" in query:
            ids = [i["id"] for i in ordered]
            if query["marker"] not in ids:
                return 400, b'{"badRequest": {"code": 400, "message": "marker not found"}}'
            ordered = ordered[ids.index(query["marker"]) + 1 :]
        if query.get("status") == "bogus":
            return 400, b'{"badRequest": {"code": 400, "message": "bad status"}}'
        page = ordered[: int(query["limit"])]
        return 200, msgspec.json.encode({"servers": page})

    def source(self, **kwargs) -> Source:
        return Source(self.pod_id, self.fetch, **kwargs)


def _pods(counts: list[int], seed: int = 7) -> list[MemoryPod]:
    rng = random.Random(seed)
    pods = []
    for index, count in enumerate(counts):
        items = [
            {
                "id": f"{rng.getrandbits(64):016x}",
                "name": rng.choice(["alpha", "beta", "gamma", None, "delta"]),
                "created": f"2026-01-{rng.randint(1, 28):02d}T00:00:00Z",
            }
            for _ in range(count)
        ]
        pods.append(MemoryPod(f"pod{index}", items))
    return pods


PARAMS = {
    "created desc": (
        Ordering((SortField("created", True),)),
        [("sort_key", "created"), ("sort_dir", "desc"), ("sort_key", "uuid"), ("sort_dir", "desc")],
    ),
    "name asc": (
        Ordering((SortField("name", False),)),
        [("sort_key", "name"), ("sort_dir", "asc"), ("sort_key", "uuid"), ("sort_dir", "asc")],
    ),
}


@pytest.mark.parametrize("order", list(PARAMS))
async def test_walk_returns_every_item_once_in_order(order: str) -> None:
    ordering, params = PARAMS[order]
    pods = _pods([0, 1, 57, 140, 3, 99, 200])
    expected = sorted((i for p in pods for i in p.items), key=ordering.key_of)
    seen: list[str] = []
    marker_key = None
    pod_markers: dict[str, str] = {}
    while True:
        sources = [
            p.source(
                start_marker=pod_markers.get(p.pod_id) if marker_key else None,
                skip_until=marker_key,
            )
            for p in pods
        ]
        result = await merge(
            sources, ordering=ordering, collection="servers", params=params, limit=13, timeout=5
        )
        seen += [i.id for i in result.items]
        if len(result.items) < 13:
            break
        marker_key = result.items[-1].key
        pod_markers.update(result.pod_markers)
    assert seen == [i["id"] for i in expected]


async def test_marker_by_value_alone_skips_exactly() -> None:
    """A process that never saw the previous page still continues right after the marker."""
    ordering, params = PARAMS["created desc"]
    pods = _pods([30, 30, 30], seed=3)
    expected = sorted((i for p in pods for i in p.items), key=ordering.key_of)
    boundary = ordering.key_of(expected[44])
    sources = [p.source(skip_until=boundary) for p in pods]
    result = await merge(
        sources, ordering=ordering, collection="servers", params=params, limit=20, timeout=5
    )
    assert [i.id for i in result.items] == [i["id"] for i in expected[45:65]]


async def test_deleted_pod_marker_falls_back_to_skipping() -> None:
    ordering, params = PARAMS["name asc"]
    pods = _pods([20, 20], seed=5)
    expected = sorted((i for p in pods for i in p.items), key=ordering.key_of)
    boundary = ordering.key_of(expected[9])
    sources = [p.source(start_marker="gone", skip_until=boundary) for p in pods]
    result = await merge(
        sources, ordering=ordering, collection="servers", params=params, limit=10, timeout=5
    )
    assert [i.id for i in result.items] == [i["id"] for i in expected[10:20]]


async def test_down_and_slow_pods_are_reported_not_fatal() -> None:
    ordering, params = PARAMS["created desc"]
    pods = _pods([10, 10, 10], seed=9)
    pods[1].down = True
    pods[2].delay = 1.0
    result = await merge(
        [p.source() for p in pods],
        ordering=ordering,
        collection="servers",
        params=params,
        limit=100,
        timeout=0.2,
    )
    assert {i.pod_id for i in result.items} == {"pod0"}
    assert len(result.items) == 10
    assert set(result.failed) == {"pod1", "pod2"}


async def test_a_rejected_query_is_the_clients_error() -> None:
    ordering, params = PARAMS["created desc"]
    pods = _pods([5, 5])
    with pytest.raises(PodRejected) as raised:
        await merge(
            [p.source() for p in pods],
            ordering=ordering,
            collection="servers",
            params=[*params, ("status", "bogus")],
            limit=10,
            timeout=5,
        )
    assert raised.value.status == 400


async def test_uneven_pods_are_refilled_not_overfetched() -> None:
    ordering, params = PARAMS["created desc"]
    pods = _pods([1000, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    result = await merge(
        [p.source() for p in pods],
        ordering=ordering,
        collection="servers",
        params=params,
        limit=100,
        timeout=5,
    )
    assert len(result.items) == 100
    assert pods[0].calls <= 100 // batch_size(100, 10, 1000) + 1


def test_batch_size_shares_the_limit_with_a_floor_and_a_cap() -> None:
    assert batch_size(1000, 100, 1000) == 11
    assert batch_size(13, 7, 1000) == 10
    assert batch_size(5, 7, 1000) == 5
    assert batch_size(1000, 1, 500) == 500
