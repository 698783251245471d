"""Nova's view of the pod itself: versions, availability zones, limits, hypervisors, services."""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp import web

from tricircle.sim.compute.common import pod_of, state
from tricircle.sim.http import SimError, base_url, isotime, json_response, public, version_str
from tricircle.sim.service import ctx, microversion, require_admin

# -- version documents --


def _v21(request: web.Request) -> dict[str, Any]:
    mv = pod_of(request).compute_microversions
    return {
        "id": "v2.1",
        "status": "CURRENT",
        "version": version_str(mv.max),
        "min_version": version_str(mv.min),
        "updated": "2013-07-23T11:33:21Z",
        "links": [
            {"rel": "self", "href": f"{base_url(request)}/compute/v2.1/"},
            {"rel": "describedby", "type": "text/html", "href": "http://docs.openstack.org/"},
        ],
        "media-types": [
            {
                "base": "application/json",
                "type": "application/vnd.openstack.compute+json;version=2.1",
            }
        ],
    }


@public
async def versions(request: web.Request) -> web.Response:
    v2 = {
        "id": "v2.0",
        "status": "SUPPORTED",
        "version": "",
        "min_version": "",
        "updated": "2011-01-21T11:33:21Z",
        "links": [{"rel": "self", "href": f"{base_url(request)}/compute/v2/"}],
    }
    v21 = {k: v for k, v in _v21(request).items() if k not in ("media-types",)}
    v21["links"] = v21["links"][:1]
    return json_response({"versions": [v2, v21]})


@public
async def version(request: web.Request) -> web.Response:
    return json_response({"version": _v21(request)})


# -- availability zones --


async def availability_zones(request: web.Request) -> web.Response:
    compute = state(request)
    return json_response(
        {
            "availabilityZoneInfo": [
                {"zoneName": compute.az, "zoneState": {"available": True}, "hosts": None}
            ]
        }
    )


async def availability_zones_detail(request: web.Request) -> web.Response:
    require_admin(request, "os_compute_api:os-availability-zone:detail")
    compute = state(request)
    updated = isotime(compute.started_at)

    def svc() -> dict[str, Any]:
        return {"available": True, "active": True, "updated_at": updated}

    return json_response(
        {
            "availabilityZoneInfo": [
                {
                    "zoneName": "internal",
                    "zoneState": {"available": True},
                    "hosts": {
                        f"{pod_of(request).name}-controller": {
                            "nova-conductor": svc(),
                            "nova-scheduler": svc(),
                        }
                    },
                },
                {
                    "zoneName": compute.az,
                    "zoneState": {"available": True},
                    "hosts": {h: {"nova-compute": svc()} for h in compute.hosts},
                },
            ]
        }
    )


# -- limits --


async def limits(request: web.Request) -> web.Response:
    compute = state(request)
    context = ctx(request)
    project = request.rel_url.query.get("tenant_id") if context.is_admin else None
    used = compute.usage(project or context.project_id or "")
    quota = compute.quota
    absolute: dict[str, Any] = {
        "maxImageMeta": 128,
        "maxServerMeta": quota.metadata_items,
        "maxTotalInstances": quota.instances,
        "maxTotalCores": quota.cores,
        "maxTotalRAMSize": quota.ram,
        "maxTotalKeypairs": quota.key_pairs,
        "maxServerGroups": quota.server_groups,
        "maxServerGroupMembers": quota.server_group_members,
        "totalInstancesUsed": used["instances"],
        "totalCoresUsed": used["cores"],
        "totalRAMUsed": used["ram"],
        "totalServerGroupsUsed": 0,
    }
    mv = microversion(request)
    if mv < (2, 57):
        absolute.update({"maxPersonality": 5, "maxPersonalitySize": 10240})
    if mv < (2, 36):
        absolute.update(
            {
                "maxSecurityGroups": 10,
                "maxSecurityGroupRules": 20,
                "maxTotalFloatingIps": 10,
                "totalSecurityGroupsUsed": 0,
                "totalFloatingIpsUsed": 0,
            }
        )
    return json_response({"limits": {"rate": [], "absolute": absolute}})


# -- hypervisors and services (admin) --


def _hypervisor(request: web.Request, index: int, host: str, detail: bool) -> dict[str, Any]:
    compute = state(request)
    uuid_ids = microversion(request) >= (2, 53)
    ident: Any = _host_uuid(request, host) if uuid_ids else index + 1
    body: dict[str, Any] = {
        "id": ident,
        "hypervisor_hostname": host,
        "state": "up",
        "status": "enabled",
    }
    if not detail:
        return body
    mine = [s for s in compute.servers.values() if s.node == host]
    body.update(
        {
            "host_ip": "127.0.0.1",
            "hypervisor_type": "fake",
            "hypervisor_version": 1000,
            "service": {"host": host, "id": ident, "disabled_reason": None},
        }
    )
    if microversion(request) < (2, 88):
        body.update(
            {
                "vcpus": 1000,
                "memory_mb": 8_000_000,
                "local_gb": 600_000,
                "vcpus_used": sum(s.flavor.vcpus for s in mine),
                "memory_mb_used": 512 + sum(s.flavor.ram for s in mine),
                "local_gb_used": sum(s.flavor.disk for s in mine),
                "free_ram_mb": 8_000_000,
                "free_disk_gb": 600_000,
                "current_workload": 0,
                "running_vms": len(mine),
                "disk_available_least": 600_000,
                # what Nova's fake virt driver reports, as the real pods show it
                "cpu_info": {
                    "arch": "x86_64",
                    "model": "Nehalem",
                    "vendor": "Intel",
                    "features": ["pge", "clflush"],
                    "topology": {"cores": 1, "threads": 1, "sockets": 4},
                },
            }
        )
    else:
        body["uptime"] = None
    return body


def _host_uuid(request: web.Request, host: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_DNS, f"{pod_of(request).name}.{host}"))


async def list_hypervisors(request: web.Request) -> web.Response:
    require_admin(request, "os_compute_api:os-hypervisors:list")
    detail = request.path.endswith("/detail")
    hosts = state(request).hosts
    return json_response(
        {"hypervisors": [_hypervisor(request, i, h, detail) for i, h in enumerate(hosts)]}
    )


async def show_hypervisor(request: web.Request) -> web.Response:
    require_admin(request, "os_compute_api:os-hypervisors:show")
    wanted = request.match_info["hypervisor_id"]
    for i, host in enumerate(state(request).hosts):
        if wanted in (str(i + 1), _host_uuid(request, host)):
            return json_response({"hypervisor": _hypervisor(request, i, host, True)})
    raise SimError(404, f"Hypervisor with ID '{wanted}' could not be found.")


async def hypervisor_statistics(request: web.Request) -> web.Response:
    """Nova's totals, removed at 2.88."""
    require_admin(request, "os_compute_api:os-hypervisors:statistics")
    if microversion(request) >= (2, 88):
        raise SimError(404, "The resource could not be found.")
    hosts = state(request).hosts
    details = [_hypervisor(request, i, h, True) for i, h in enumerate(hosts)]
    summed = ("vcpus", "memory_mb", "local_gb", "vcpus_used", "memory_mb_used", "local_gb_used",
              "free_ram_mb", "free_disk_gb", "current_workload", "running_vms",
              "disk_available_least")  # fmt: skip
    totals = {name: sum(d[name] for d in details) for name in summed}
    return json_response({"hypervisor_statistics": {"count": len(details), **totals}})


async def search_hypervisors(request: web.Request) -> web.Response:
    """Hypervisors whose name holds the pattern (before 2.53; a query filter since)."""
    require_admin(request, "os_compute_api:os-hypervisors:search")
    if microversion(request) >= (2, 53):
        raise SimError(404, "The resource could not be found.")
    pattern = request.match_info["pattern"]
    found = [
        _hypervisor(request, i, h, False)
        for i, h in enumerate(state(request).hosts)
        if pattern in h
    ]
    if not found:
        raise SimError(404, f"No hypervisor matching '{pattern}' could be found.")
    return json_response({"hypervisors": found})


async def list_services(request: web.Request) -> web.Response:
    require_admin(request, "os_compute_api:os-services:list")
    compute = state(request)
    controller = f"{pod_of(request).name}-controller"
    rows = [
        ("nova-conductor", controller, "internal"),
        ("nova-scheduler", controller, "internal"),
        *[("nova-compute", h, compute.az) for h in compute.hosts],
    ]
    q = request.rel_url.query
    mv = microversion(request)
    services = []
    for i, (binary, host, zone) in enumerate(rows):
        if q.get("binary", binary) != binary or q.get("host", host) != host:
            continue
        svc: dict[str, Any] = {
            "id": _host_uuid(request, binary + host) if mv >= (2, 53) else i + 1,
            "binary": binary,
            "host": host,
            "zone": zone,
            "status": "enabled",
            "state": "up",
            "updated_at": isotime(compute.started_at),
            "disabled_reason": None,
        }
        if mv >= (2, 11):
            svc["forced_down"] = False
        services.append(svc)
    return json_response({"services": services})


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/compute", versions)
    router.add_get("/compute/", versions)
    router.add_get("/compute/v2.1", version)
    router.add_get("/compute/v2.1/", version)
    router.add_get("/compute/v2.1/os-availability-zone", availability_zones)
    router.add_get("/compute/v2.1/os-availability-zone/detail", availability_zones_detail)
    router.add_get("/compute/v2.1/limits", limits)
    router.add_get("/compute/v2.1/os-hypervisors", list_hypervisors)
    router.add_get("/compute/v2.1/os-hypervisors/detail", list_hypervisors)
    router.add_get("/compute/v2.1/os-hypervisors/statistics", hypervisor_statistics)
    router.add_get("/compute/v2.1/os-hypervisors/{pattern}/search", search_hypervisors)
    router.add_get("/compute/v2.1/os-hypervisors/{hypervisor_id}", show_hypervisor)
    router.add_get("/compute/v2.1/os-services", list_services)
