"""Neutron's route table: discovery documents and every collection."""

from __future__ import annotations

from aiohttp import web

from tricircle.sim.http import base_url, json_response, public
from tricircle.sim.network.errors import render_neutron_error
from tricircle.sim.network.networks import NETWORKS
from tricircle.sim.network.ports import PORTS
from tricircle.sim.network.security_groups import SECURITY_GROUP_RULES, SECURITY_GROUPS
from tricircle.sim.network.subnets import SUBNETS
from tricircle.sim.service import Service

# Listed in this order by `GET /v2.0`, and routed in it.
COLLECTIONS = (NETWORKS, SUBNETS, PORTS, SECURITY_GROUPS, SECURITY_GROUP_RULES)

EXTENSIONS = (
    "binding",
    "external-net",
    "provider",
    "security-group",
    "quotas",
    "standard-attr-description",
    "standard-attr-tag",
    "standard-attr-timestamp",
    "standard-attr-revisions",
    "port-security",
    "allowed-address-pairs",
    "extra_dhcp_opt",
    "availability_zone",
    "network_availability_zone",
    "dns-integration",
    "auto-allocated-topology",
    "net-mtu",
    "project-id",
    "ip-substring-filtering",
)


@public
async def versions(request: web.Request) -> web.Response:
    return json_response(
        {
            "versions": [
                {
                    "id": "v2.0",
                    "status": "CURRENT",
                    "links": [{"href": f"{base_url(request)}/network/v2.0/", "rel": "self"}],
                }
            ]
        }
    )


async def resources(request: web.Request) -> web.Response:
    base = f"{base_url(request)}/network/v2.0"
    return json_response(
        {
            "resources": [
                {
                    "name": c.singular,
                    "collection": c.path,
                    "links": [{"href": f"{base}/{c.path}", "rel": "self"}],
                }
                for c in COLLECTIONS
            ]
        }
    )


async def extensions(request: web.Request) -> web.Response:
    return json_response(
        {
            "extensions": [
                {
                    "alias": a,
                    "name": a,
                    "description": a,
                    "links": [],
                    "updated": "2013-01-01T10:00:00-00:00",
                }
                for a in EXTENSIONS
            ]
        }
    )


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/network", versions)
    router.add_get("/network/", versions)
    router.add_get("/network/v2.0", resources)
    router.add_get("/network/v2.0/", resources)
    router.add_get("/network/v2.0/extensions", extensions)
    for collection in COLLECTIONS:
        collection.add_routes(router)


SERVICE = Service("network", render_neutron_error, None, add_routes)
