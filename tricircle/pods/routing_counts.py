"""Entry counts per (project, type, pod), changed in the transaction that changes the entries."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from tricircle.db.models import RoutingCount, RoutingEntry


async def count_change(
    session: AsyncSession, project_id: str, resource_type: str, pod_id: str, delta: int
) -> None:
    """Adds `delta` to the count, creating it; one statement, so concurrent writers add up."""
    values = {
        "project_id": project_id,
        "resource_type": resource_type,
        "pod_id": pod_id,
        "entries": delta,
    }
    if session.get_bind().dialect.name == "mysql":
        upsert = mysql.insert(RoutingCount).values(values)
        statement = upsert.on_duplicate_key_update(entries=RoutingCount.entries + delta)
    else:
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        statement = (
            dialect.insert(RoutingCount)
            .values(values)
            .on_conflict_do_update(
                index_elements=["project_id", "resource_type", "pod_id"],
                set_={"entries": RoutingCount.entries + delta},
            )
        )
    await session.execute(statement)


async def add_entry(session: AsyncSession, entry: RoutingEntry) -> None:
    """Inserts `entry` and counts it (raises IntegrityError for a copy already routed)."""
    session.add(entry)
    await session.flush()
    await count_change(session, entry.project_id, entry.resource_type, entry.pod_id, 1)


async def remove_entry(session: AsyncSession, entry_id: int) -> bool:
    """Deletes the entry and uncounts it; False when it was already gone."""
    entry = await session.get(RoutingEntry, entry_id)
    if entry is None:
        return False
    result = await session.execute(delete(RoutingEntry).where(RoutingEntry.id == entry_id))
    if result.rowcount == 0:
        return False
    await count_change(session, entry.project_id, entry.resource_type, entry.pod_id, -1)
    return True
