"""Routing entries: which pod holds the bottom copy of a top resource, and under which id."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Select, func, select, update
from sqlalchemy.exc import IntegrityError

from tricircle.db.base import utcnow
from tricircle.db.engine import Database
from tricircle.db.models import RoutingCount, RoutingEntry
from tricircle.pods.routing_counts import add_entry, count_change, remove_entry

SERVER = "server"
FLAVOR = "flavor"
KEYPAIR = "keypair"
IMAGE = "image"


def by_id_query(resource_type: str, top_id: str) -> Select[tuple[RoutingEntry]]:
    """The copies of one top resource, on the unique (type, top id, pod) index.

    Nothing else is in the WHERE clause or the ORDER BY: with the project there too,
    SQLite without statistics takes the (project, type) index, since it also yields
    rows in id order, and reads every entry of the project. The few copies are
    scoped and ordered by the caller.
    """
    return select(RoutingEntry).where(
        RoutingEntry.resource_type == resource_type, RoutingEntry.top_id == top_id
    )


class RoutingTable:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(
        self, project_id: str, resource_type: str, top_id: str, pod_id: str, bottom_id: str
    ) -> RoutingEntry:
        """Record a bottom copy; recording the same copy twice is not an error (handlers retry)."""
        async with self._db.session.begin() as session:
            existing = await session.scalar(
                select(RoutingEntry).where(
                    RoutingEntry.resource_type == resource_type,
                    RoutingEntry.top_id == top_id,
                    RoutingEntry.pod_id == pod_id,
                )
            )
            if existing is not None:
                existing.bottom_id = bottom_id
                existing.updated_at = utcnow()
                return existing
            entry = RoutingEntry(
                project_id=project_id,
                resource_type=resource_type,
                top_id=top_id,
                pod_id=pod_id,
                bottom_id=bottom_id,
            )
            try:
                await add_entry(session, entry)
            except IntegrityError:
                # another gateway recorded the same copy a moment ago
                await session.rollback()
                return await self._only(resource_type, top_id, pod_id)
            return entry

    async def _only(self, resource_type: str, top_id: str, pod_id: str) -> RoutingEntry:
        async with self._db.session() as session:
            return (
                await session.scalars(
                    select(RoutingEntry).where(
                        RoutingEntry.resource_type == resource_type,
                        RoutingEntry.top_id == top_id,
                        RoutingEntry.pod_id == pod_id,
                    )
                )
            ).one()

    async def find(
        self, resource_type: str, top_id: str, project_id: str | None = None
    ) -> Sequence[RoutingEntry]:
        """Every bottom copy of a top resource; scoped to `project_id` unless it is None."""
        async with self._db.session() as session:
            entries = (await session.scalars(by_id_query(resource_type, top_id))).all()
        scoped = [e for e in entries if project_id is None or e.project_id == project_id]
        return sorted(scoped, key=lambda e: e.id)

    async def in_pod(self, resource_type: str, top_id: str, pod_id: str) -> RoutingEntry | None:
        async with self._db.session() as session:
            return await session.scalar(
                select(RoutingEntry).where(
                    RoutingEntry.resource_type == resource_type,
                    RoutingEntry.top_id == top_id,
                    RoutingEntry.pod_id == pod_id,
                )
            )

    async def get(self, entry_id: int) -> RoutingEntry | None:
        async with self._db.session() as session:
            return await session.get(RoutingEntry, entry_id)

    async def remove(self, entry_id: int) -> bool:
        async with self._db.session.begin() as session:
            return await remove_entry(session, entry_id)

    async def page(
        self,
        *,
        project_id: str | None = None,
        resource_type: str | None = None,
        top_id: str | None = None,
        pod_id: str | None = None,
        limit: int = 1000,
        marker: int | None = None,
    ) -> Sequence[RoutingEntry]:
        query = select(RoutingEntry).order_by(RoutingEntry.id).limit(limit)
        for column, value in (
            (RoutingEntry.project_id, project_id),
            (RoutingEntry.resource_type, resource_type),
            (RoutingEntry.top_id, top_id),
            (RoutingEntry.pod_id, pod_id),
        ):
            if value is not None:
                query = query.where(column == value)
        if marker is not None:
            query = query.where(RoutingEntry.id > marker)
        async with self._db.session() as session:
            return (await session.scalars(query)).all()

    def _copies_query(
        self, resource_type: str, pod_id: str, bottom_ids: Sequence[str]
    ) -> Select[tuple[RoutingEntry]]:
        return select(RoutingEntry).where(
            RoutingEntry.resource_type == resource_type,
            RoutingEntry.pod_id == pod_id,
            RoutingEntry.bottom_id.in_(list(bottom_ids)),
        )

    async def tops_by_bottom(
        self, resource_type: str, pod_id: str, bottom_ids: Sequence[str]
    ) -> dict[str, str]:
        """bottom id -> top id, for those of `bottom_ids` that are recorded copies in the pod."""
        if not bottom_ids:
            return {}
        async with self._db.session() as session:
            entries = await session.scalars(self._copies_query(resource_type, pod_id, bottom_ids))
            return {e.bottom_id: e.top_id for e in entries.all() if e.bottom_id}

    async def forget_copies(
        self, resource_type: str, pod_id: str, bottom_ids: Sequence[str]
    ) -> None:
        """Drops the entries of copies the pod no longer has."""
        if not bottom_ids:
            return
        async with self._db.session() as session:
            entries = await session.scalars(self._copies_query(resource_type, pod_id, bottom_ids))
            ids = [e.id for e in entries.all()]
        for entry_id in ids:  # one by one: each keeps the per-pod counts right
            await self.remove(entry_id)

    async def distinct_top_ids(self, resource_type: str) -> list[str]:
        """Every top resource of a type that has a copy somewhere."""
        query = select(RoutingEntry.top_id).where(RoutingEntry.resource_type == resource_type)
        async with self._db.session() as session:
            return list((await session.scalars(query.distinct())).all())

    async def older_than(self, resource_type: str, cutoff: dt.datetime) -> Sequence[RoutingEntry]:
        """The copies of a type recorded (or last used) before `cutoff`."""
        query = select(RoutingEntry).where(
            RoutingEntry.resource_type == resource_type, RoutingEntry.updated_at < cutoff
        )
        async with self._db.session() as session:
            return (await session.scalars(query.order_by(RoutingEntry.id))).all()

    async def touch(self, entry_id: int) -> None:
        """Marks a copy as used now (kept from the reconciler's removal of unused ones)."""
        async with self._db.session.begin() as session:
            await session.execute(
                update(RoutingEntry).where(RoutingEntry.id == entry_id).values(updated_at=utcnow())
            )

    async def pods_holding(
        self, resource_type: str | Sequence[str], project_id: str | None
    ) -> set[str]:
        """The pods that hold any `resource_type` (or any of several) of the project
        (of anyone, if None)."""
        types = [resource_type] if isinstance(resource_type, str) else list(resource_type)
        query = select(RoutingCount.pod_id).where(
            RoutingCount.resource_type.in_(types), RoutingCount.entries > 0
        )
        if project_id is not None:
            query = query.where(RoutingCount.project_id == project_id)
        async with self._db.session() as session:
            return set((await session.scalars(query.distinct())).all())

    async def top_ids(
        self, resource_type: str, pod_id: str | None = None
    ) -> dict[tuple[str, str], str]:
        """(pod, bottom id) -> top id of the copies of a type whose ids differ in the pods."""
        query = select(RoutingEntry.pod_id, RoutingEntry.bottom_id, RoutingEntry.top_id).where(
            RoutingEntry.resource_type == resource_type, RoutingEntry.bottom_id.is_not(None)
        )
        if pod_id is not None:
            query = query.where(RoutingEntry.pod_id == pod_id)
        async with self._db.session() as session:
            rows = (await session.execute(query)).all()
        return {(pod, bottom): top for pod, bottom, top in rows}

    async def reassign(self, resource_type: str, top_ids: Sequence[str], project_id: str) -> int:
        """Gives resources to another project (a volume transfer); how many entries moved."""
        if not top_ids:
            return 0
        moved = (RoutingEntry.resource_type == resource_type) & RoutingEntry.top_id.in_(
            list(top_ids)
        )
        async with self._db.session.begin() as session:
            owners_query = select(RoutingEntry.project_id, RoutingEntry.pod_id).where(moved)
            owners = (await session.execute(owners_query.with_for_update())).all()
            result = await session.execute(
                update(RoutingEntry).where(moved).values(project_id=project_id, updated_at=utcnow())
            )
            for owner, pod_id in owners:
                await count_change(session, owner, resource_type, pod_id, -1)
                await count_change(session, project_id, resource_type, pod_id, 1)
            return result.rowcount

    async def count_by_pod(self, resource_type: str) -> dict[str, int]:
        """Entries of the type in each pod, over every project (from the counts)."""
        query = (
            select(RoutingCount.pod_id, func.sum(RoutingCount.entries))
            .where(RoutingCount.resource_type == resource_type)
            .group_by(RoutingCount.pod_id)
        )
        async with self._db.session() as session:
            rows = (await session.execute(query)).all()
        return {pod_id: int(count) for pod_id, count in rows if count}
