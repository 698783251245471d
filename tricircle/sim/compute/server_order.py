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
    def __init__(self, servers: ServerTable, key: Callable[[Server], tuple[Any, ...]]) -> None:
        self.version = servers.version
        self.servers = sorted(servers.values(), key=key)
        self.keys = [key(s) for s in self.servers]


def covers(spec: SortSpec) -> bool:
    """Whether the order is kept: stable keys only, all in one direction."""
    return all(name in STABLE_KEYS for name, _ in spec) and len({d for _, d in spec}) == 1


def page(
    servers: ServerTable,
    spec: SortSpec,
    getters: Sequence[Callable[[Server], Any]],
    marker: Server | None,
    limit: int,
    accept: Callable[[Server], bool],
) -> list[Server]:
    """The first `limit` accepted servers after `marker` in the order."""

    def key(server: Server) -> tuple[Any, ...]:
        return tuple(null_first(get(server)) for get in getters)

    names = tuple(name for name, _ in spec)
    order = servers.orders.get(names)
    if order is None or order.version != servers.version:
        order = servers.orders[names] = _Order(servers, key)
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
