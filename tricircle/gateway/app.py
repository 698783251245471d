"""The gateway application: every service's API under one root, over one set of Services."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import aiohttp
from aiohttp import web
from oslo_config import cfg

from tricircle.admin.app import create_admin_app
from tricircle.dashboard.app import create_dashboard_app
from tricircle.db.engine import Database
from tricircle.gateway.compute import COMPUTE
from tricircle.gateway.compute.app import create_compute_app
from tricircle.gateway.compute.versions import versions as compute_versions
from tricircle.gateway.image import GLANCES, IMAGE
from tricircle.gateway.image.app import create_image_app
from tricircle.gateway.image.app import versions as image_versions
from tricircle.gateway.network import NETWORK, NEUTRONS
from tricircle.gateway.network.app import create_network_app
from tricircle.gateway.network.app import versions as network_versions
from tricircle.gateway.volume import VOLUME
from tricircle.gateway.volume.app import create_volume_app
from tricircle.gateway.volume.app import versions as volume_versions
from tricircle.identity.policy import Policy
from tricircle.identity.service_auth import ServiceAuth
from tricircle.identity.tokens import TokenValidator
from tricircle.images.glances import configured_glances
from tricircle.jobs.runtime import pod_worker
from tricircle.kit import fanout
from tricircle.kit.app import root_document
from tricircle.network.neutrons import configured_neutrons
from tricircle.observe.access import observe
from tricircle.observe.healthcheck import healthcheck
from tricircle.observe.metrics_server import serve_metrics
from tricircle.pods.client import PodClient
from tricircle.pods.directory import PodDirectory
from tricircle.pods.health import PodHealth
from tricircle.pods.probe import version_root_probe
from tricircle.pods.registry import BindingRegistry, PodRegistry
from tricircle.pods.routing import RoutingTable
from tricircle.web import middleware
from tricircle.web.services import SERVICES, Services


def build_services(conf: cfg.ConfigOpts) -> Services:
    """Everything a gateway process shares between requests; call inside the event loop."""
    db = Database(conf.database.connection)
    http = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0, limit_per_host=conf.pods.connections_per_pod),
        timeout=aiohttp.ClientTimeout(
            total=conf.pods.request_timeout, connect=conf.pods.connect_timeout
        ),
        skip_auto_headers=("User-Agent",),
    )
    service_auth = ServiceAuth(conf)
    registry = PodRegistry(db)
    return Services(
        conf=conf,
        db=db,
        http=http,
        service_auth=service_auth,
        validator=TokenValidator(
            http,
            service_auth,
            valid_seconds=conf.identity.token_cache_seconds,
            invalid_seconds=conf.identity.invalid_token_cache_seconds,
        ),
        policy=Policy(conf),
        registry=registry,
        bindings=BindingRegistry(db),
        directory=PodDirectory(registry),
        routing=RoutingTable(db),
        pods=PodClient(
            http,
            PodHealth(down_after=conf.pods.down_after_failures),
            timeout=conf.pods.request_timeout,
        ),
    )


def create_app(
    conf: cfg.ConfigOpts, *, run_jobs: bool = False, process_number: int = 0
) -> web.Application:
    """The gateway; with `run_jobs`, a job worker in the same process (the embedded setup).
    `process_number` is its place among ``[gateway] workers`` (its metrics port follows it)."""
    max_body = conf.gateway.max_request_body_size
    app = web.Application(
        middlewares=[observe, middleware.request_id],
        client_max_size=max_body,
        # OpenStack services read request bodies as sent, whatever their Content-Encoding;
        # aiohttp would inflate them and fail the request (and its connection) on plain ones.
        handler_args={"auto_decompress": False},
    )

    async def services(app: web.Application) -> AsyncIterator[None]:
        services = app[SERVICES] = build_services(conf)
        neutrons = configured_neutrons(
            conf,
            services.http,
            services.pods,
            services.service_auth,
            services.routing,
            services.directory,
        )
        if neutrons is not None:
            app[NEUTRONS] = neutrons
        glances = configured_glances(
            conf,
            services.http,
            services.pods,
            services.service_auth,
            services.directory,
            services.registry,
        )
        if glances is not None:
            app[GLANCES] = glances
        services.background(
            services.pods.health.watch(
                services.directory.pods,
                version_root_probe(services.http, conf.pods.probe_timeout),
                conf.pods.probe_interval,
            )
        )
        async with AsyncExitStack() as stack:
            await stack.enter_async_context(serve_metrics(conf, services, offset=process_number))
            if run_jobs:
                await stack.enter_async_context(pod_worker(conf, app[SERVICES].db))
            yield
        await app[SERVICES].close()

    app.cleanup_ctx.append(services)
    fanout.install(app, conf.pods.fanout_total)
    app.router.add_get("/healthcheck", healthcheck)  # HEAD too, as load balancers send it
    # a service's root without its trailing slash, as catalogs name it; before the sub-apps,
    # whose prefixes would otherwise take these paths
    app.router.add_get("/image", root_document(IMAGE, image_versions))
    app.router.add_get("/compute", root_document(COMPUTE, compute_versions))
    app.router.add_get("/volume", root_document(VOLUME, volume_versions))
    app.router.add_get("/network", root_document(NETWORK, network_versions))
    app.add_subapp("/v1.0", create_admin_app(max_body))
    app.add_subapp("/dashboard", create_dashboard_app())
    app.add_subapp("/compute", create_compute_app(max_body))
    app.add_subapp("/image", create_image_app(max_body))
    app.add_subapp("/volume", create_volume_app(max_body))
    app.add_subapp("/network", create_network_app(max_body))
    return app
