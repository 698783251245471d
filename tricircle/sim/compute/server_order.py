"""Servers kept in sort order, so that a page costs what the page holds, as with a
database index, instead of a sort of every server on every list call.

Only orders by values a server never changes (created_at, the id, the uuid) are
kept: such an order stays right while servers come and go, and is rebuilt only
when they do. Other orders are sorted per call.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from typing import Any

from tricircle.sim.compute.model import Server, ServerTable
from tricircle.sim.http import null_first

STABLE_KEYS = frozenset({"created_at", "id", "uuid"})
# (sort key name, descending), as the list asks for them
SortSpec = Sequence[tuple[str, bool]]


class _Order:
    def __init__(
        self,
        servers: ServerTable,
        project_id: str | None,
        key: Callable[[Server], tuple[Any, ...]],
    ) -> None:
        self.version = servers.version
        mine = (s for s in servers.values() if project_id in (None, s.project_id))
        self.servers = sorted(mine, key=key)
        self.keys = [key(s) for s in self.servers]


def covers(spec: SortSpec) -> bool:
    """Whether the order is kept: stable keys only, all in one direction."""
    return all(name in STABLE_KEYS for name, _ in spec) and len({d for _, d in spec}) == 1


def page(
    servers: ServerTable,
    project_id: str | None,
    spec: SortSpec,
    getters: Sequence[Callable[[Server], Any]],
    marker: Server | None,
    limit: int,
    accept: Callable[[Server], bool],
) -> list[Server]:
    """The first `limit` accepted servers of the project (of all, if None) after `marker`
    in the order; each project has its own order, as Nova's index starts with it."""

    def key(server: Server) -> tuple[Any, ...]:
        return tuple(null_first(get(server)) for get in getters)

    kept = (project_id, *(name for name, _ in spec))
    order = servers.orders.get(kept)
    if order is None or order.version != servers.version:
        order = servers.orders[kept] = _Order(servers, project_id, key)
    descending = spec[0][1]
    if descending:
        end = len(order.keys) if marker is None else bisect.bisect_left(order.keys, key(marker))
        candidates = (order.servers[i] for i in range(end - 1, -1, -1))
    else:
        start = 0 if marker is None else bisect.bisect_right(order.keys, key(marker))
        candidates = (order.servers[i] for i in range(start, len(order.servers)))
    page: list[Server] = []
    for server in candidates:
        if len(page) >= limit:
            break
        if accept(server):
            page.append(server)
    return page
