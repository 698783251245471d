"""Neutron's route table: discovery documents and every collection."""

from __future__ import annotations

from aiohttp import web

from tricircle.sim.http import base_url, json_response, public
from tricircle.sim.network.errors import render_neutron_error
from tricircle.sim.network.floating_ips import FLOATING_IPS
from tricircle.sim.network.networks import NETWORKS
from tricircle.sim.network.port_forwardings import add_forwarding_routes
from tricircle.sim.network.ports import PORTS
from tricircle.sim.network.quotas import add_quota_routes
from tricircle.sim.network.routers import ROUTERS, add_interface_routes
from tricircle.sim.network.security_groups import SECURITY_GROUP_RULES, SECURITY_GROUPS
from tricircle.sim.network.subnetpools import SUBNET_POOLS
from tricircle.sim.network.subnets import SUBNETS
from tricircle.sim.network.tags import add_tag_routes
from tricircle.sim.service import Service

# Listed in this order by `GET /v2.0`, and routed in it.
COLLECTIONS = (
    NETWORKS, SUBNETS, PORTS, SECURITY_GROUPS, SECURITY_GROUP_RULES, ROUTERS, FLOATING_IPS,
    SUBNET_POOLS,
)  # fmt: skip
TAGGED = (NETWORKS, SUBNETS, PORTS, SECURITY_GROUPS, ROUTERS, FLOATING_IPS)

# The extensions whose behaviour the simulator has (a subset of what the real pods load).
EXTENSIONS = (
    "allowed-address-pairs", "auto-allocated-topology", "availability_zone", "binding",
    "empty-string-filtering", "ext-gw-mode", "external-net", "extra_dhcp_opt", "extraroute",
    "expose-port-forwarding-in-fip", "filter-validation", "fip-port-details",
    "floating-ip-port-forwarding", "floating-ip-port-forwarding-description",
    "floating-ip-port-forwarding-detail", "floating-ip-port-forwarding-port-ranges",
    "ip-substring-filtering", "l3-ha", "dvr",
    "net-mtu", "net-mtu-writable", "network_availability_zone", "pagination", "port-security",
    "project-id", "provider", "qinq", "quotas", "revision-if-match", "router",
    "subnet_allocation",
    "router_availability_zone", "security-group", "security-groups-normalized-cidr",
    "security-groups-rules-belongs-to-default-sg", "sorting", "standard-attr-description",
    "standard-attr-revisions", "standard-attr-tag", "standard-attr-timestamp",
    "stateful-security-group", "subnet-external-network", "subnet-service-types",
    "tag-creation", "vlan-transparent",
)  # fmt: skip


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
    add_interface_routes(router)
    add_forwarding_routes(router)
    add_quota_routes(router)
    for collection in TAGGED:
        add_tag_routes(router, collection)


SERVICE = Service("network", render_neutron_error, None, add_routes)
