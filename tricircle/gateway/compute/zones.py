"""``/os-availability-zone``: the AZs are the pods' AZs."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tricircle.kit.fanout import ask_each
from tricircle.kit.placement import usable_pods
from tricircle.web.http import json_response
from tricircle.web.services import context_of, services_of

routes = web.RouteTableDef()


@routes.get("/v2.1/os-availability-zone")
async def list_zones(request: web.Request) -> web.Response:
    services, context = services_of(request), context_of(request)
    pods = await usable_pods(services, context.project_id)
    zones: dict[str, bool] = {}
    for pod in pods:
        zones[pod.az_name] = zones.get(pod.az_name, False) or pod.enabled
    return json_response(
        {
            "availabilityZoneInfo": [
                {"zoneName": name, "zoneState": {"available": up}, "hosts": None}
                for name, up in sorted(zones.items())
            ]
        }
    )


@routes.get("/v2.1/os-availability-zone/detail")
async def list_zones_detail(request: web.Request) -> web.Response:
    """Every pod's hosts under the pod's top AZ (pods may name their own AZs differently)."""
    services, context = services_of(request), context_of(request)
    services.policy.authorize("compute:availability_zones:detail", context)
    pods = list((await services.directory.pods()).values())

    found = []
    for _pod, answer in await ask_each(request, pods, "/os-availability-zone/detail"):
        hosts: dict[str, Any] = {}
        for zone in (answer.json() if answer and answer.ok else {}).get("availabilityZoneInfo", []):
            hosts.update(zone.get("hosts") or {})
        found.append(hosts)
    zones: dict[str, dict[str, Any]] = {}
    for pod, hosts in zip(pods, found, strict=True):
        zone = zones.setdefault(pod.az_name, {"available": False, "hosts": {}})
        zone["available"] = zone["available"] or pod.enabled
        zone["hosts"].update(hosts)
    return json_response(
        {
            "availabilityZoneInfo": [
                {
                    "zoneName": name,
                    "zoneState": {"available": z["available"]},
                    "hosts": z["hosts"] or None,
                }
                for name, z in sorted(zones.items())
            ]
        }
    )
