"""A worker that runs Tricircle's own jobs against the pods, in any process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from oslo_config import cfg

from tricircle.db.engine import Database
from tricircle.identity.service_auth import ServiceAuth
from tricircle.images import jobs as image_jobs
from tricircle.images.copies import CopyStore
from tricircle.images.glances import configured_glances
from tricircle.jobs import builtin, options
from tricircle.jobs.pod_inventory import PodsInventory
from tricircle.jobs.registry import Registry
from tricircle.jobs.worker import Worker
from tricircle.network import sync as network_sync
from tricircle.network.neutrons import configured_neutrons
from tricircle.pods.client import PodClient
from tricircle.pods.directory import PodDirectory
from tricircle.pods.health import PodHealth
from tricircle.pods.registry import PodRegistry
from tricircle.pods.routing import RoutingTable
from tricircle.quota import refresh as quota_refresh

# the resource types whose bottom objects the gateway marks
RECONCILED = ("server", "volume")


def register_builtin(
    conf: cfg.ConfigOpts, db: Database, handlers: Registry, http: aiohttp.ClientSession
) -> PodsInventory:
    pods = PodClient(http, PodHealth(), timeout=conf.pods.request_timeout)
    auth = ServiceAuth(conf)
    inventory = PodsInventory(pods, auth)
    builtin.register(
        handlers,
        db,
        inventory,
        interval=conf.jobs.reconcile_interval,
        grace=conf.jobs.reconcile_grace,
        resource_types=RECONCILED,
    )
    quota_refresh.register(handlers, conf, db, pods, auth)
    registry = PodRegistry(db)
    directory = PodDirectory(registry)
    neutrons = configured_neutrons(conf, http, pods, auth, RoutingTable(db), directory)
    if neutrons is not None:
        network_sync.register(
            handlers,
            network_sync.NetworkSync(db, neutrons),
            interval=conf.jobs.reconcile_interval,
            grace=conf.jobs.reconcile_grace,
        )
    glances = configured_glances(conf, http, pods, auth, directory, registry)
    if glances is not None:
        image_jobs.register(handlers, conf, glances, CopyStore(db))
    return inventory


@asynccontextmanager
async def pod_worker(
    conf: cfg.ConfigOpts, db: Database, handlers: Registry | None = None, *, name: str | None = None
) -> AsyncIterator[Worker]:
    """A started worker with the reconciler and the delete cleanup; stopped on exit."""
    handlers = handlers if handlers is not None else Registry()
    async with aiohttp.ClientSession() as http:
        inventory = register_builtin(conf, db, handlers, http)
        worker = Worker(
            db,
            handlers,
            options.worker_settings(conf),
            name=name,
            services={"inventory": inventory},
        )
        await worker.start()
        try:
            yield worker
        finally:
            await worker.stop()
