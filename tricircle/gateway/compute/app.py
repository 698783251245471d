"""The compute API (Nova v2.1), mounted at ``/compute``."""

from __future__ import annotations

from aiohttp import web

from tricircle.gateway.compute import (
    COMPUTE,
    aggregated,
    aggregates,
    console_tokens,
    flavors,
    hypervisors,
    keypairs,
    migrations,
    quotas,
    server_groups,
    server_list,
    servers,
    unrouted,
    usage,
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
                aggregates,
                server_groups,
                usage,
                migrations,
                console_tokens,
                unrouted,  # last: what no other route takes
            )
        ),
    )
