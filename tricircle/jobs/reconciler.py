"""Finding and repairing drift between the routing table and the pods.

Three kinds, each left alone while younger than a grace period (it may be a
create or delete still under way):

- orphan: a bottom object that carries Tricircle's mark (the top id in its
  name or tags) but has no routing entry, as a gateway that died between the
  bottom create and the routing write leaves behind. Its top resource is alive
  unless a delete is on record, so it is adopted (the entry is written);
  if the top is being deleted, or the pod already holds a routed copy of the
  same top (a retried create), the object is deleted.
- dangling entry: a routing entry whose bottom object is gone; it is removed.
- unfinished delete: a tombstone with no cleanup job waiting or running; the
  cleanup is queued again.

A pod that cannot be listed is skipped as a whole: nothing is concluded from
an answer that was not given.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import delete, select, update

from tricircle.db.base import utcnow
from tricircle.db.engine import Database
from tricircle.db.models import Pod, RoutingEntry
from tricircle.jobs import metrics
from tricircle.jobs.models import NEW, RUNNING, Deletion, Job
from tricircle.jobs.policy import RetryableError
from tricircle.jobs.queue import CLEANUP, enqueue
from tricircle.pods.routing_counts import add_entry, remove_entry

LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class BottomObject:
    bottom_id: str
    top_id: str  # read from the object's mark
    project_id: str | None
    created_at: dt.datetime | None  # naive UTC
    # the values lists sort by, as the pod shows them (tricircle.listing.sort_index);
    # empty for types the index does not cover
    sort_values: Mapping[str, str | None] = field(default_factory=dict, hash=False)


class PodInventory(Protocol):
    """What the reconciler and the cleanup need from the pods."""

    async def list_marked(self, pod: Pod, resource_type: str) -> Sequence[BottomObject]:
        """Every object of this type in the pod that carries Tricircle's mark;
        raises if the pod cannot answer completely."""
        ...

    async def delete(self, pod: Pod, resource_type: str, bottom_id: str) -> None:
        """Delete one object; an object already gone is not an error."""
        ...

    async def exists(self, pod: Pod, resource_type: str, bottom_id: str) -> bool:
        """Whether the pod still has the object, marked or not."""
        ...


class Reconciler:
    def __init__(
        self,
        db: Database,
        inventory: PodInventory,
        resource_types: Sequence[str],
        grace: float,
    ) -> None:
        self.db = db
        self.inventory = inventory
        self.resource_types = resource_types
        self.grace = dt.timedelta(seconds=grace)

    async def run(self) -> dict[str, Any]:
        findings: dict[str, Any] = {
            "adopted": [],
            "reindexed": [],
            "deleted_orphans": [],
            "removed_entries": [],
            "requeued_cleanups": [],
            "skipped_pods": [],
        }
        cutoff = utcnow() - self.grace
        async with self.db.session() as session:
            pods = list((await session.scalars(select(Pod).where(Pod.state == "up"))).all())
        for pod in pods:
            for resource_type in self.resource_types:
                try:
                    objects = await self.inventory.list_marked(pod, resource_type)
                except Exception as exc:
                    LOG.warning("reconciler: pod %s not listed (%s); skipped", pod.name, exc)
                    findings["skipped_pods"].append(pod.name)
                    break
                await self._pod(pod, resource_type, objects, cutoff, findings)
        await self._tombstones(cutoff, findings)
        for kind, action in (
            ("orphan", "adopted"),
            ("orphan", "deleted_orphans"),
            ("dangling_entry", "removed_entries"),
            ("unfinished_delete", "requeued_cleanups"),
        ):
            metrics.RECONCILER.labels(kind, action).inc(len(findings[action]))
        return findings

    async def _pod(
        self,
        pod: Pod,
        resource_type: str,
        objects: Sequence[BottomObject],
        cutoff: dt.datetime,
        findings: dict[str, Any],
    ) -> None:
        async with self.db.session() as session:
            entries = (
                await session.scalars(
                    select(RoutingEntry).where(
                        RoutingEntry.pod_id == pod.id, RoutingEntry.resource_type == resource_type
                    )
                )
            ).all()
            deleting = set(
                (
                    await session.scalars(
                        select(Deletion.top_id).where(Deletion.resource_type == resource_type)
                    )
                ).all()
            )
        routed = {entry.top_id: entry.bottom_id for entry in entries}
        present = {obj.bottom_id for obj in objects}
        for obj in objects:
            if routed.get(obj.top_id) == obj.bottom_id:
                continue
            if obj.created_at is not None and obj.created_at > cutoff:
                continue
            where = f"{pod.name}/{resource_type}/{obj.bottom_id}"
            # a second copy of a routed top (a create retried after a lost answer),
            # or a copy of a top being deleted: delete it; otherwise adopt it
            if obj.top_id in deleting or obj.top_id in routed:
                await self.inventory.delete(pod, resource_type, obj.bottom_id)
                findings["deleted_orphans"].append(where)
            else:
                await self._adopt(pod, resource_type, obj)
                routed[obj.top_id] = obj.bottom_id
                findings["adopted"].append(where)
        await self._reindex(pod, resource_type, entries, objects, findings)
        for entry in entries:
            if entry.bottom_id is None or entry.bottom_id in present or entry.updated_at > cutoff:
                continue
            # not listed as ours; its mark may have been taken off in the pod: only an
            # object that is really gone loses its route
            if await self.inventory.exists(pod, resource_type, entry.bottom_id):
                continue
            await self._remove_entry(entry)
            findings["removed_entries"].append(f"{pod.name}/{resource_type}/{entry.top_id}")

    async def _reindex(
        self,
        pod: Pod,
        resource_type: str,
        entries: Sequence[RoutingEntry],
        objects: Sequence[BottomObject],
        findings: dict[str, Any],
    ) -> None:
        """Sort values the pod shows differently from the index (a rename in the pod, a
        server routed before it was indexed) are corrected: a stale value would place a
        pod's marker wrongly in deep pages."""
        routed = {(entry.top_id, entry.bottom_id): entry for entry in entries}
        for obj in objects:
            entry = routed.get((obj.top_id, obj.bottom_id))
            if entry is None or not obj.sort_values:
                continue
            if all(getattr(entry, column) == value for column, value in obj.sort_values.items()):
                continue
            async with self.db.session.begin() as session:
                await session.execute(
                    update(RoutingEntry)
                    .where(RoutingEntry.id == entry.id)
                    .values(dict(obj.sort_values))
                )
            findings["reindexed"].append(f"{pod.name}/{resource_type}/{entry.top_id}")

    async def _adopt(self, pod: Pod, resource_type: str, obj: BottomObject) -> None:
        async with self.db.session.begin() as session:
            await add_entry(
                session,
                RoutingEntry(
                    project_id=obj.project_id or "",
                    resource_type=resource_type,
                    top_id=obj.top_id,
                    pod_id=pod.id,
                    bottom_id=obj.bottom_id,
                    **obj.sort_values,
                ),
            )

    async def _remove_entry(self, entry: RoutingEntry) -> None:
        async with self.db.session.begin() as session:
            await remove_entry(session, entry.id)

    async def _tombstones(self, cutoff: dt.datetime, findings: dict[str, Any]) -> None:
        async with self.db.session.begin() as session:
            stale = (
                await session.scalars(select(Deletion).where(Deletion.requested_at <= cutoff))
            ).all()
            for tombstone in stale:
                active = await session.scalar(
                    select(Job.id).where(
                        Job.type == CLEANUP,
                        Job.resource_type == tombstone.resource_type,
                        Job.resource_id == tombstone.top_id,
                        Job.status.in_((NEW, RUNNING)),
                    )
                )
                if active is None:
                    await enqueue(
                        session,
                        CLEANUP,
                        tombstone.resource_type,
                        tombstone.top_id,
                        project_id=tombstone.project_id,
                        replace=False,
                    )
                    findings["requeued_cleanups"].append(
                        f"{tombstone.resource_type}/{tombstone.top_id}"
                    )


async def _copies(
    db: Database, resource_type: str, top_id: str
) -> Sequence[tuple[RoutingEntry, Pod]]:
    """Every routing entry of a top resource, with its pod."""
    async with db.session() as session:
        return (
            (
                await session.execute(
                    select(RoutingEntry, Pod)
                    .join(Pod, Pod.id == RoutingEntry.pod_id)
                    .where(
                        RoutingEntry.resource_type == resource_type, RoutingEntry.top_id == top_id
                    )
                )
            )
            .tuples()
            .all()
        )


async def cleanup(
    db: Database,
    inventory: PodInventory,
    resource_type: str,
    top_id: str,
    *,
    gone_with: Sequence[tuple[str, str]] = (),
) -> int:
    """Delete every bottom copy of a deleted top resource, then its tombstone.

    `gone_with` names (type, top id) of what the pod deletes with it (a server's
    delete-on-termination volumes): their routes go once the pod no longer has them.
    Idempotent: each copy's routing entry goes only after the copy is gone, so
    a crash in between leaves work that the next attempt finds.
    """
    rows = await _copies(db, resource_type, top_id)
    for entry, pod in rows:
        if entry.bottom_id is not None:
            await inventory.delete(pod, resource_type, entry.bottom_id)
        async with db.session.begin() as session:
            await remove_entry(session, entry.id)
    for other_type, other_id in gone_with:
        await _forget_once_gone(db, inventory, other_type, other_id)
    async with db.session.begin() as session:
        await session.execute(
            delete(Deletion).where(
                Deletion.resource_type == resource_type, Deletion.top_id == top_id
            )
        )
    return len(rows)


async def _forget_once_gone(
    db: Database, inventory: PodInventory, resource_type: str, top_id: str
) -> None:
    rows = await _copies(db, resource_type, top_id)
    for entry, pod in rows:
        if entry.bottom_id is not None and await inventory.exists(
            pod, resource_type, entry.bottom_id
        ):
            raise RetryableError(f"{resource_type} {top_id} is still there", retry_after=1.0)
        async with db.session.begin() as session:
            await remove_entry(session, entry.id)
