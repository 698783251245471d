"""The compute API (Nova v2.1), mounted at ``/compute``."""

from __future__ import annotations

from aiohttp import web

from tricircle.gateway.compute import (
    COMPUTE,
    aggregated,
    flavors,
    hypervisors,
    keypairs,
    quotas,
    server_list,
    servers,
    versions,
    zones,
)
from tricircle.kit.app import service_app


def create_compute_app(max_body: int) -> web.Application:
    # server_list before servers: "/servers/detail" must not be taken for a server id
    return service_app(
        COMPUTE,
        max_body,
        *(
            m.routes
            for m in (
                versions,
                server_list,
                servers,
                flavors,
                keypairs,
                quotas,
                zones,
                hypervisors,
                aggregated,
            )
        ),
    )
