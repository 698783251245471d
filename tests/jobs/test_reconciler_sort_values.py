"""The reconciler corrects the index of sort values from what the pods show."""

from __future__ import annotations

from sqlalchemy import select

from tests.jobs.test_reconciler import Pods, _pods, _route
from tricircle.db.base import utcnow
from tricircle.db.engine import Database
from tricircle.db.models import Pod, RoutingEntry
from tricircle.jobs.reconciler import BottomObject, Reconciler
from tricircle.listing.sort_index import sort_values
from tricircle.pods.routing import SERVER


async def _indexed(db: Database) -> dict[str, tuple[str | None, str | None]]:
    async with db.session() as session:
        rows = (await session.scalars(select(RoutingEntry))).all()
    return {e.top_id: (e.sort_created, e.sort_name) for e in rows}


def _server(pods: Pods, pod: Pod, top_id: str, name: str) -> None:
    """A server of pod1 as the pod's inventory shows it."""
    shown = {"created": "2026-01-01T00:00:00Z", "name": name}
    server = BottomObject(f"b-{top_id}", top_id, "p1", utcnow(), sort_values(shown))
    pods.objects.setdefault((pod.name, SERVER), {})[server.bottom_id] = server


async def test_stale_and_missing_sort_values_are_corrected(db: Database) -> None:
    [pod] = await _pods(db, "pod1")
    pods = Pods()
    for top_id, name in (("renamed", "New Name"), ("unindexed", "Old"), ("current", "Same")):
        _server(pods, pod, top_id, name)
        await _route(db, pod, SERVER, top_id, f"b-{top_id}")
    async with db.session.begin() as session:
        for entry in (await session.scalars(select(RoutingEntry))).all():
            if entry.top_id != "unindexed":
                entry.sort_created = "2026-01-01T00:00:00Z"
                entry.sort_name = "same" if entry.top_id == "current" else "old name"
    findings = await Reconciler(db, pods, [SERVER], grace=0).run()
    assert sorted(findings["reindexed"]) == ["pod1/server/renamed", "pod1/server/unindexed"]
    assert await _indexed(db) == {
        "renamed": ("2026-01-01T00:00:00Z", "new name"),
        "unindexed": ("2026-01-01T00:00:00Z", "old"),
        "current": ("2026-01-01T00:00:00Z", "same"),
    }
    assert (await Reconciler(db, pods, [SERVER], grace=0).run())["reindexed"] == []


async def test_an_adopted_server_is_indexed(db: Database) -> None:
    [pod] = await _pods(db, "pod1")
    pods = Pods()
    _server(pods, pod, "lost", "Lost One")
    findings = await Reconciler(db, pods, [SERVER], grace=0).run()
    assert findings["adopted"] == ["pod1/server/b-lost"]
    assert await _indexed(db) == {"lost": ("2026-01-01T00:00:00Z", "lost one")}
