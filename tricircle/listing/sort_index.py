"""The top's index of sort values: where a client's marker sits, and where each pod resumes.

Each routing entry of a server keeps the values clients sort by that only change
through the gateway: ``created`` and ``name`` (case-folded, the pods' text order; see
`Ordering.case_insensitive`), written from the pod's show at create, on renames, and
by the reconciler where the pod shows otherwise. A marker this process did not just
serve is placed from them without asking its pod, and every other pod gets its own
marker in one query: its last item that sorts before the marker's position (the engine's
order is (sort values, pod)). The engine still drops what does not sort after the
position, so a pod-local marker only has to be at or before the right one: equal
values read again are dropped, never lost.

``updated`` is not kept: pods change it on their own (a server going ACTIVE), so a
stored value could place a pod's marker after items it must show. Lists sorted by it,
by several keys, or over every project read each pod from its start (slower).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select, update

from tricircle.db.engine import Database
from tricircle.db.models import RoutingCount, RoutingEntry
from tricircle.listing.engine import Position
from tricircle.listing.ordering import Ordering

# the item's JSON field -> its column in the routing entries
INDEXED = {"created": RoutingEntry.sort_created, "name": RoutingEntry.sort_name}
_WIDTH = {"created": 64, "name": 255}


def indexed_field(ordering: Ordering, scope: str | None) -> str | None:
    """The field a list can be resumed by from the index, if it can."""
    if scope is None or len(ordering.fields) != 1 or not ordering.case_insensitive:
        return None
    field = ordering.fields[0].field
    return field if field in INDEXED else None


def sort_values(item: dict[str, Any]) -> dict[str, str | None]:
    """The indexed columns' values from a pod's view of the item."""
    values: dict[str, str | None] = {}
    for field, column in INDEXED.items():
        value = item.get(field)
        text = value if isinstance(value, str) else None
        if text is not None and field == "name":
            text = text.casefold()  # timestamps are kept as shown, for partial records
        # a value longer than the column would not compare right: not indexed
        values[column.key] = text if text is None or len(text) <= _WIDTH[field] else None
    return values


async def record(db: Database, resource_type: str, top_id: str, item: dict[str, Any]) -> None:
    """Keeps the item's sort values, as its pod showed them, with its routing entry."""
    async with db.session.begin() as session:
        await session.execute(
            update(RoutingEntry)
            .where(RoutingEntry.resource_type == resource_type, RoutingEntry.top_id == top_id)
            .values(sort_values(item))
        )


@dataclass(frozen=True, slots=True)
class IndexedMarker:
    pod_id: str
    value: str  # as stored: what the other pods' values are compared with
    position: Position  # the place in the engine's order


async def marker_position(
    db: Database, resource_type: str, scope: str, marker: str, ordering: Ordering
) -> IndexedMarker | None:
    """The marker's pod and place in the order from the index; None when not indexed."""
    field = ordering.fields[0].field
    query = select(RoutingEntry.pod_id, INDEXED[field], RoutingEntry.project_id).where(
        RoutingEntry.resource_type == resource_type, RoutingEntry.top_id == marker
    )
    async with db.session() as session:
        row = (await session.execute(query)).first()
    if row is None or row[1] is None or row[2] != scope:
        return None
    pod_id, value = row[0], row[1]
    return IndexedMarker(pod_id, value, (ordering.key_of({field: value}), pod_id))


def nearest_query(
    resource_type: str, scope: str, ordering: Ordering, marker: IndexedMarker
) -> Select[tuple[str, str | None]]:
    """For each pod holding the scope's items (the counts), its nearest indexed item
    before the marker, found on the (project, type, pod, value) index; one statement of
    one shape whatever the pods."""
    field, descending = ordering.fields[0].field, ordering.fields[0].descending
    column = INDEXED[field]
    # equal values sort by pod: a pod before the marker's shows its equal ones first
    equal_first = RoutingCount.pod_id < marker.pod_id
    if descending:
        before = (column >= marker.value) & ((column > marker.value) | equal_first)
    else:
        before = (column <= marker.value) & ((column < marker.value) | equal_first)
    nearest = (
        select(RoutingEntry.top_id)
        .where(
            RoutingEntry.project_id == scope,
            RoutingEntry.resource_type == resource_type,
            RoutingEntry.pod_id == RoutingCount.pod_id,
            before,
        )
        .order_by(column.asc() if descending else column.desc())
        .limit(1)
        .correlate(RoutingCount)
        .scalar_subquery()
    )
    return select(RoutingCount.pod_id, nearest).where(
        RoutingCount.project_id == scope,
        RoutingCount.resource_type == resource_type,
        RoutingCount.entries > 0,
    )


async def pod_markers(
    db: Database,
    resource_type: str,
    scope: str,
    ordering: Ordering,
    marker: IndexedMarker,
    pod_ids: Collection[str],
) -> dict[str, str]:
    """Per pod, an item at or before its last one that sorts before the marker; pods with
    none (or none indexed) are left out and read from their start."""
    query = nearest_query(resource_type, scope, ordering, marker)
    async with db.session() as session:
        rows = (await session.execute(query)).all()
    return {
        pod_id: top_id
        for pod_id, top_id in rows
        if top_id is not None and pod_id != marker.pod_id and pod_id in pod_ids
    }
