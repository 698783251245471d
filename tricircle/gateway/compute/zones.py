"""``/os-availability-zone``: the AZs are the pods' AZs."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from tricircle.gateway.compute.forward import pod_headers
from tricircle.gateway.scheduler import usable_pods
from tricircle.pods.client import PodUnavailable
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

    async def hosts_of(pod: Any) -> dict[str, Any]:
        try:
            answer = await services.pods.request(
                pod,
                "compute",
                "GET",
                "/os-availability-zone/detail",
                token=context.token,
                headers=pod_headers(request),
                timeout=services.conf.pods.list_timeout,
            )
        except PodUnavailable:
            return {}
        if not answer.ok:
            return {}
        hosts: dict[str, Any] = {}
        for zone in answer.json().get("availabilityZoneInfo", []):
            hosts.update(zone.get("hosts") or {})
        return hosts

    found = await asyncio.gather(*(hosts_of(pod) for pod in pods))
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
