"""Pages from the kept orders are the pages a full sort gives, while servers come and go."""

from __future__ import annotations

import random

import pytest

from tricircle.sim.compute import server_order
from tricircle.sim.compute.model import Server
from tricircle.sim.compute.server_sort import SORT_KEYS
from tricircle.sim.http import page_after, sort_items
from tricircle.sim.pod import Pod

SPECS = {
    "default": [("created_at", True), ("id", True)],
    "created_at asc": [("created_at", False), ("id", False)],
    "uuid desc": [("uuid", True), ("created_at", True), ("id", True)],
}


def _sorted_page(
    pod: Pod, spec: list[tuple[str, bool]], marker: Server | None, limit: int, project: str | None
) -> list[Server]:
    keys = [(SORT_KEYS[name], descending) for name, descending in spec]
    matched = [
        s
        for s in pod.compute.servers.values()
        if project in (None, s.project_id) and (s.name.endswith("1") or s.name.endswith("2"))
    ]
    return page_after(sort_items(matched, keys), marker, limit, keys)


@pytest.mark.parametrize("spec", list(SPECS))
async def test_kept_orders_page_as_a_full_sort_does(pod: Pod, spec: str) -> None:
    rng = random.Random(spec)
    sort = SPECS[spec]
    assert server_order.covers(sort)
    getters = [SORT_KEYS[name] for name, _ in sort]
    gone: list[Server] = []
    for round_ in range(5):
        for i in range(200):
            # many share a second, as Nova's created_at does
            created = 1_767_225_600.0 + rng.randint(0, 50)
            pod.add_server(f"s{round_}-{i}", rng.choice(["p1", "p2"]), created_at=created)
        for server in rng.sample(list(pod.compute.servers.values()), 30):
            gone.append(pod.compute.servers.pop(server.id))
        for _ in range(20):
            marker = rng.choice([None, *pod.compute.servers.values(), *gone])
            limit = rng.choice([0, 1, 7, 100, 1000])
            project = rng.choice(["p1", None])
            kept = server_order.page(
                pod.compute.servers,
                project,
                sort,
                getters,
                marker,
                limit,
                lambda s: s.name.endswith("1") or s.name.endswith("2"),
            )
            assert kept == _sorted_page(pod, sort, marker, limit, project)


def test_orders_by_values_that_change_are_not_kept() -> None:
    assert not server_order.covers([("display_name", False), ("created_at", False)])
    assert not server_order.covers([("created_at", False), ("id", True)])
