"""The reconciler and delete cleanup against pods kept in memory."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence

import pytest
from sqlalchemy import select

from tests.jobs.helpers import eventually, quick, status_is
from tricircle.db.base import utcnow
from tricircle.db.engine import Database
from tricircle.db.models import Pod, RoutingEntry
from tricircle.jobs import builtin
from tricircle.jobs.models import SUCCESS, Deletion, Job
from tricircle.jobs.queue import CLEANUP, mark_deleted
from tricircle.jobs.reconciler import BottomObject, Reconciler
from tricircle.jobs.registry import Registry
from tricircle.jobs.worker import Worker


class Pods:
    """Bottom objects per (pod name, resource type); a pod can be made unreachable."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], dict[str, BottomObject]] = {}
        self.unmarked: set[str] = set()  # bottom ids of objects whose mark was taken off
        self.down: set[str] = set()

    def create(
        self, pod: Pod, kind: str, top_id: str, age: float = 3600, bottom_id: str | None = None
    ) -> str:
        bottom_id = bottom_id or f"b-{top_id}"
        created = utcnow() - dt.timedelta(seconds=age)
        self.objects.setdefault((pod.name, kind), {})[bottom_id] = BottomObject(
            bottom_id, top_id, "p1", created
        )
        return bottom_id

    async def list_marked(self, pod: Pod, resource_type: str) -> Sequence[BottomObject]:
        if pod.name in self.down:
            raise ConnectionRefusedError(pod.name)
        return list(self.objects.get((pod.name, resource_type), {}).values())

    async def delete(self, pod: Pod, resource_type: str, bottom_id: str) -> None:
        self.objects.get((pod.name, resource_type), {}).pop(bottom_id, None)

    async def exists(self, pod: Pod, resource_type: str, bottom_id: str) -> bool:
        return bottom_id in self.objects.get((pod.name, resource_type), {}) or (
            bottom_id in self.unmarked
        )


async def _pods(db: Database, *names: str) -> list[Pod]:
    async with db.session.begin() as session:
        pods = [Pod(name=n, region_name=n, az_name="az1") for n in names]
        session.add_all(pods)
    return pods


async def _entries(db: Database) -> set[tuple[str, str, str | None]]:
    async with db.session() as session:
        rows = await session.scalars(select(RoutingEntry))
        return {(e.top_id, e.pod_id, e.bottom_id) for e in rows}


async def _route(db: Database, pod: Pod, kind: str, top_id: str, bottom_id: str) -> None:
    async with db.session.begin() as session:
        session.add(
            RoutingEntry(
                project_id="p1", resource_type=kind, top_id=top_id, pod_id=pod.id,
                bottom_id=bottom_id, updated_at=utcnow() - dt.timedelta(hours=1),
            )
        )  # fmt: skip


async def _gateway_creates_a_copy(db: Database, pods: Pods, pod: Pod, top_id: str) -> None:
    """The gateway's road: create the bottom copy, then record it."""
    bottom_id = pods.create(pod, "network", top_id)
    await asyncio.sleep(3600)  # the process dies here, before the routing write
    await _route(db, pod, "network", top_id, bottom_id)


async def test_a_copy_left_by_a_killed_gateway_is_adopted(db: Database) -> None:
    [pod] = await _pods(db, "pod1")
    pods = Pods()
    gateway = asyncio.create_task(_gateway_creates_a_copy(db, pods, pod, "net-1"))
    await asyncio.sleep(0.05)
    gateway.cancel()  # killed between the bottom create and the routing write
    with pytest.raises(asyncio.CancelledError):
        await gateway
    assert await _entries(db) == set()

    findings = await Reconciler(db, pods, ["network"], grace=0).run()
    assert findings["adopted"] == ["pod1/network/b-net-1"]
    assert await _entries(db) == {("net-1", pod.id, "b-net-1")}
    again = await Reconciler(db, pods, ["network"], grace=0).run()
    assert again["adopted"] == []  # repaired once, then nothing to do


async def test_young_drift_is_left_alone(db: Database) -> None:
    [pod] = await _pods(db, "pod1")
    pods = Pods()
    pods.create(pod, "network", "net-new", age=1)
    findings = await Reconciler(db, pods, ["network"], grace=600).run()
    assert findings["adopted"] == [] and await _entries(db) == set()


async def test_entries_whose_bottom_is_gone_are_removed(db: Database) -> None:
    [pod] = await _pods(db, "pod1")
    pods = Pods()
    kept = pods.create(pod, "server", "vm-1")
    await _route(db, pod, "server", "vm-1", kept)
    await _route(db, pod, "server", "vm-gone", "b-vm-gone")
    findings = await Reconciler(db, pods, ["server"], grace=60).run()
    assert findings["removed_entries"] == ["pod1/server/vm-gone"]
    assert await _entries(db) == {("vm-1", pod.id, kept)}


async def test_an_entry_whose_object_lost_its_mark_is_kept(db: Database) -> None:
    """The pod shows the object to the gateway's look: it only lost its mark there."""
    [pod] = await _pods(db, "pod1")
    pods = Pods()
    pods.unmarked.add("b-vm-1")
    await _route(db, pod, "server", "vm-1", "b-vm-1")
    findings = await Reconciler(db, pods, ["server"], grace=60).run()
    assert findings["removed_entries"] == []
    assert await _entries(db) == {("vm-1", pod.id, "b-vm-1")}


async def test_an_unreachable_pod_is_skipped_not_emptied(db: Database) -> None:
    pod1, pod2 = await _pods(db, "pod1", "pod2")
    pods = Pods()
    await _route(db, pod1, "server", "vm-1", "b-vm-1")
    pods.down.add("pod1")
    pods.create(pod2, "server", "vm-2")
    findings = await Reconciler(db, pods, ["server"], grace=0).run()
    assert findings["skipped_pods"] == ["pod1"] and findings["removed_entries"] == []
    assert findings["adopted"] == ["pod2/server/b-vm-2"]


async def test_unfinished_deletes_are_cleaned_up_by_jobs(db: Database) -> None:
    pod1, pod2 = await _pods(db, "pod1", "pod2")
    pods = Pods()
    for pod in (pod1, pod2):
        await _route(db, pod, "network", "net-1", pods.create(pod, "network", "net-1"))
    pods.create(pod2, "network", "net-1", bottom_id="b-net-1-dup")
    async with db.session.begin() as session:
        job = await mark_deleted(session, "network", "net-1", project_id="p1")
    async with db.session.begin() as session:
        # an admin deleted the cleanup job: the tombstone alone remains
        await session.delete(await session.get(Job, job.id))

    findings = await Reconciler(db, pods, ["network"], grace=0).run()
    assert findings["requeued_cleanups"] == ["network/net-1"]
    assert findings["deleted_orphans"] == ["pod2/network/b-net-1-dup"]
    handlers = Registry()
    builtin.register(handlers, db, pods, interval=3600, grace=0, resource_types=["network"])
    async with Worker(db, handlers, quick()):

        async def cleaned() -> bool:
            async with db.session() as session:
                return (
                    await session.scalar(select(Job.status).where(Job.type == CLEANUP)) == SUCCESS
                )

        await eventually(cleaned)
    assert await _entries(db) == set()
    assert pods.objects[("pod1", "network")] == {}
    assert pods.objects[("pod2", "network")] == {}
    async with db.session() as session:
        assert (await session.scalars(select(Deletion))).all() == []


async def test_a_second_copy_of_a_routed_top_is_deleted(db: Database) -> None:
    [pod] = await _pods(db, "pod1")
    pods = Pods()
    await _route(db, pod, "network", "net-1", pods.create(pod, "network", "net-1"))
    pods.create(pod, "network", "net-1", bottom_id="b-net-1-retry")
    findings = await Reconciler(db, pods, ["network"], grace=0).run()
    assert findings["deleted_orphans"] == ["pod1/network/b-net-1-retry"]
    assert list(pods.objects[("pod1", "network")]) == ["b-net-1"]


async def test_copies_of_a_deleted_top_are_deleted_not_adopted(db: Database) -> None:
    [pod] = await _pods(db, "pod1")
    pods = Pods()
    pods.create(pod, "router", "r-1")
    async with db.session.begin() as session:
        await mark_deleted(session, "router", "r-1")
    findings = await Reconciler(db, pods, ["router"], grace=0).run()
    assert findings["deleted_orphans"] == ["pod1/router/b-r-1"] and findings["adopted"] == []
    assert pods.objects[("pod1", "router")] == {}


async def test_reconcile_runs_as_a_periodic_job_with_findings_in_its_log(db: Database) -> None:
    [pod] = await _pods(db, "pod1")
    pods = Pods()
    pods.create(pod, "port", "port-1")
    handlers = Registry()
    builtin.register(handlers, db, pods, interval=0.05, grace=0, resource_types=["port"])
    async with Worker(db, handlers, quick()):
        await eventually(lambda: _adopted(db, ("port-1", pod.id, "b-port-1")))
        async with db.session() as session:
            job_id = await session.scalar(select(Job.id).where(Job.type == builtin.RECONCILE))
        await eventually(lambda: status_is(db, job_id, SUCCESS))


async def _adopted(db: Database, entry: tuple[str, str, str]) -> bool:
    return entry in await _entries(db)
