"""Seeding many servers straight into simulated pods and walking the gateway's pages.

Booting 1,000 servers through the API would take minutes; placing them in the
pods and recording their routes directly takes a fraction of a second.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from tests.gateway.harness import Client, Gateway
from tricircle.db.models import RoutingEntry
from tricircle.listing.ordering import Ordering, SortField
from tricircle.listing.sort_index import sort_values
from tricircle.pods.routing import SERVER
from tricircle.pods.routing_counts import count_change
from tricircle.sim.compute.model import Server
from tricircle.sim.http import isotime

COUNTS = (1, 412, 0, 97, 233, 8, 249)  # 1,000 servers over 7 pods, unevenly
NAMES = [f"vm-{n:02d}" for n in range(40)] + ["Web", "db", "", "web-1"]
START = 1_767_225_600.0  # 2026-01-01


@dataclass
class Fleet:
    gateway: Gateway
    pod_ids: dict[str, str] = field(default_factory=dict)  # pod name -> the gateway's pod id
    pod_of: dict[str, str] = field(default_factory=dict)  # server id -> pod name
    # their sort values in the routes, as the gateway keeps them for servers it creates
    indexed: bool = True

    async def add_servers(
        self, pod_name: str, project_id: str, count: int, **attrs: Any
    ) -> list[str]:
        """Servers placed in the pod and routed, as if booted through the gateway."""
        pod = self.gateway.sim.pods[pod_name]
        rng = random.Random(f"{pod_name}{len(pod.servers)}")
        entries, ids = [], []
        for _ in range(count):
            values = {
                "name": rng.choice(NAMES),
                # a few seconds apart, many within the same second: Nova shows seconds only
                "created_at": START + rng.randint(0, 400) + rng.random(),
                **attrs,
            }
            server = pod.add_server(project_id=project_id, **values)
            if rng.random() < 0.2:
                server.vm_state = "stopped"
            ids.append(server.id)
            self.pod_of[server.id] = pod_name
            entries.append(
                RoutingEntry(
                    project_id=project_id,
                    resource_type=SERVER,
                    top_id=server.id,
                    pod_id=self.pod_ids[pod_name],
                    bottom_id=server.id,
                    created_at=dt.datetime.fromtimestamp(server.created_at, dt.UTC).replace(
                        tzinfo=None
                    ),
                    **(self._sort_values(server) if self.indexed else {}),
                )
            )
        async with self.gateway.services.db.session.begin() as session:
            session.add_all(entries)
            pod_id = self.pod_ids[pod_name]
            await count_change(session, project_id, SERVER, pod_id, len(entries))
        return ids

    @staticmethod
    def _sort_values(server: Server) -> dict[str, str | None]:
        return sort_values({"created": isotime(server.created_at), "name": server.name})


async def seed_fleet(
    gateway: Gateway,
    admin: Client,
    project_id: str,
    counts: tuple[int, ...] = COUNTS,
    *,
    fleet: Fleet | None = None,
) -> Fleet:
    fleet = fleet or Fleet(gateway)
    for index, count in enumerate(counts):
        name = f"pod{index}"
        registered = await gateway.add_pod(admin, name, f"az{index % 3}")
        fleet.pod_ids[name] = registered["id"]
        gateway.sim.pods[name].add_flavor("m1.tiny", id="1")
        await fleet.add_servers(name, project_id, count)
    return fleet


async def walk(
    client: Client,
    path: str,
    params: list[tuple[str, str]],
    *,
    between: Callable[[int], Awaitable[None]] | None = None,
    headers: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Every page, following `rel: next` links as clients do; `between` runs after each page."""
    items: list[dict[str, Any]] = []
    reply = await client.get(path, params=params, headers=headers)
    pages = 0
    while True:
        assert reply.status == 200, reply.body
        items += reply.body["servers"]
        links = reply.body.get("servers_links")
        if not links:
            return items
        assert [link["rel"] for link in links] == ["next"]
        pages += 1
        if between is not None:
            await between(pages)
        reply = await client.get(links[0]["href"].removeprefix(client.base), headers=headers)


async def pod_truth(
    fleet: Fleet, client: Client, pod_name: str, params: list[tuple[str, str]]
) -> list[str]:
    """The pod's own answer, straight from its API: which servers match, in its order."""
    pod = fleet.gateway.sim.pods[pod_name]
    async with (
        aiohttp.ClientSession() as http,
        http.get(
            pod.url("compute") + "/servers/detail",
            params=[*params, ("limit", "1000")],
            headers={"X-Auth-Token": client.token},
        ) as answer,
    ):
        assert answer.status == 200
        return [s["id"] for s in (await answer.json())["servers"]]


def ordering_of(params: list[tuple[str, str]]) -> Ordering:
    keys = [v for k, v in params if k == "sort_key"] or ["created_at"]
    dirs = [v for k, v in params if k == "sort_dir"] or ["desc"]
    fields = {"created_at": "created", "display_name": "name"}
    return Ordering(
        tuple(SortField(fields[k], d == "desc") for k, d in zip(keys, dirs, strict=True))
    )


def assert_in_global_order(fleet: Fleet, items: list[dict[str, Any]], ordering: Ordering) -> None:
    """Sorted by the requested values, equal values by pod (the gateway's order)."""
    places = [(ordering.key_of(s), fleet.pod_ids[fleet.pod_of[s["id"]]]) for s in items]
    for index, (before, after) in enumerate(itertools.pairwise(places)):
        assert not after < before, f"out of order at {index}: {items[index]} {items[index + 1]}"
