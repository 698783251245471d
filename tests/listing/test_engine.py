"""The merge engine over in-memory pods that page like Nova (sort keys, limit, marker)."""

from __future__ import annotations

import asyncio
import random

import msgspec
import pytest

from tricircle.listing.engine import PodRejected, Source, batch_size, merge
from tricircle.listing.ordering import Ordering, SortField


class MemoryPod:
    """Sorts by the requested keys, then by a value it never shows (as Nova's fine created_at)."""

    def __init__(self, pod_id: str, items: list[dict], hidden: list[float]) -> None:
        self.pod_id = pod_id
        self.items = items
        self.hidden = dict(zip((i["id"] for i in items), hidden, strict=True))
        self.calls = 0
        self.down = False
        self.delay = 0.0

    def ordered(self, ordering: Ordering) -> list[dict]:
        return sorted(self.items, key=lambda i: (ordering.key_of(i), self.hidden[i["id"]]))

    async def fetch(self, params: list[tuple[str, str]]) -> tuple[int, bytes]:
        self.calls += 1
        if self.down:
            raise OSError("connection refused")
        await asyncio.sleep(self.delay)
        query = dict(params)
        keys = [v for k, v in params if k == "sort_key"]
        dirs = [v for k, v in params if k == "sort_dir"]
        ordering = Ordering(
            tuple(SortField(k, d == "desc") for k, d in zip(keys, dirs, strict=True))
        )
        ordered = self.ordered(ordering)
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
        pods.append(MemoryPod(f"pod{index}", items, [rng.random() for _ in range(count)]))
    return pods


def _expected(pods: list[MemoryPod], ordering: Ordering) -> list[str]:
    """The global order: sort values, then pod, then the pod's own order."""
    placed = [
        (ordering.key_of(item), pod.pod_id, rank, item["id"])
        for pod in pods
        for rank, item in enumerate(pod.ordered(ordering))
    ]
    return [entry[-1] for entry in sorted(placed)]


PARAMS = {
    "created desc": (
        Ordering((SortField("created", True),)),
        [("sort_key", "created"), ("sort_dir", "desc")],
    ),
    "name asc": (
        Ordering((SortField("name", False),)),
        [("sort_key", "name"), ("sort_dir", "asc")],
    ),
}


async def _walk(pods: list[MemoryPod], order: str, *, cursors: bool) -> list[str]:
    """Pages of 13; the marker's own pod always continues after it, the others after
    their last item given (cursors) or from their start, skipping to the marker's position."""
    ordering, params = PARAMS[order]
    seen: list[str] = []
    last = None
    pod_markers: dict[str, str] = {}
    while True:
        markers = pod_markers if cursors else {last.pod_id: last.id} if last else {}
        sources = [
            p.source(start_marker=markers.get(p.pod_id), after=last and last.position) for p in pods
        ]
        result = await merge(
            sources, ordering=ordering, collection="servers", params=params, limit=13, timeout=5
        )
        seen += [i.id for i in result.items]
        if len(result.items) < 13:
            return seen
        last = result.items[-1]
        pod_markers.update(result.pod_markers)


@pytest.mark.parametrize("cursors", [True, False], ids=["pod markers", "position only"])
@pytest.mark.parametrize("order", list(PARAMS))
async def test_walk_returns_every_item_once_in_order(order: str, cursors: bool) -> None:
    pods = _pods([0, 1, 57, 140, 3, 99, 200])
    assert await _walk(pods, order, cursors=cursors) == _expected(pods, PARAMS[order][0])


async def test_pod_markers_spare_rereading() -> None:
    walks = {}
    for cursors in (True, False):
        pods = _pods([300, 300, 300], seed=4)
        await _walk(pods, "created desc", cursors=cursors)
        walks[cursors] = sum(p.calls for p in pods)
    assert walks[True] * 2 < walks[False]


async def test_marker_by_position_alone_skips_exactly() -> None:
    """A process that never saw the previous page still continues right after the marker."""
    ordering, params = PARAMS["created desc"]
    pods = _pods([30, 30, 30], seed=3)
    expected = _expected(pods, ordering)
    by_id = {i["id"]: (ordering.key_of(i), p.pod_id) for p in pods for i in p.items}
    marker = expected[44]
    marker_pod = next(p for p in pods if marker in p.hidden)
    sources = [
        p.source(after=by_id[marker], start_marker=marker if p is marker_pod else None)
        for p in pods
    ]
    result = await merge(
        sources, ordering=ordering, collection="servers", params=params, limit=20, timeout=5
    )
    assert [i.id for i in result.items] == expected[45:65]


async def test_deleted_pod_marker_falls_back_to_skipping() -> None:
    ordering, params = PARAMS["name asc"]
    pods = _pods([20, 20], seed=5)
    expected = _expected(pods, ordering)
    by_id = {i["id"]: (ordering.key_of(i), p.pod_id) for p in pods for i in p.items}
    sources = [p.source(start_marker="gone", after=by_id[expected[9]]) for p in pods]
    result = await merge(
        sources, ordering=ordering, collection="servers", params=params, limit=10, timeout=5
    )
    assert [i.id for i in result.items] == expected[10:20]


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
