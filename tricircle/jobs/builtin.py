"""The job types that ship with Tricircle: the reconciler and delete cleanup.

Both need the pods, through a `PodInventory` the worker is given as
``services["inventory"]``; a worker without one does not take these jobs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tricircle.db.engine import Database
from tricircle.jobs.queue import CLEANUP
from tricircle.jobs.reconciler import PodInventory, Reconciler, cleanup
from tricircle.jobs.registry import JobContext, Registry

RECONCILE = "reconcile"
# resource types whose bottom objects carry the mark and are reconciled
RECONCILED_TYPES = ("server", "volume", "network", "subnet", "port", "router", "security_group")


def register(
    registry: Registry,
    db: Database,
    inventory: PodInventory,
    *,
    interval: float,
    grace: float,
    resource_types: Sequence[str] = RECONCILED_TYPES,
) -> None:
    reconciler = Reconciler(db, inventory, resource_types, grace)

    async def reconcile(_ctx: JobContext) -> dict[str, Any]:
        # the findings land in the attempt log (GET /v1.0/jobs/{id}) and the metrics
        return await reconciler.run()

    async def clean(ctx: JobContext) -> dict[str, Any]:
        gone_with = [tuple(item) for item in (ctx.job.payload or {}).get("gone_with", [])]
        removed = await cleanup(
            db, inventory, ctx.job.resource_type, ctx.job.resource_id, gone_with=gone_with
        )
        return {"copies_removed": removed}

    registry.register(RECONCILE, reconcile, every=interval)
    registry.register(CLEANUP, clean)
