"""What a pod's Cinder says about itself: versions, availability zones, services."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tricircle.sim.http import base_url, json_response, now, public, version_str
from tricircle.sim.service import require_admin
from tricircle.sim.volume.common import MICROVERSIONS, state_of
from tricircle.sim.volume.model import cinder_time


def _versions(request: web.Request) -> dict[str, Any]:
    v3 = {
        "id": "v3.0",
        "status": "CURRENT",
        "version": version_str(MICROVERSIONS.max),
        "min_version": version_str(MICROVERSIONS.min),
        "updated": "2023-08-31T00:00:00Z",
        "links": [
            {"rel": "describedby", "type": "text/html", "href": "https://docs.openstack.org/"},
            {"rel": "self", "href": f"{base_url(request)}/volume/v3/"},
        ],
        "media-types": [
            {"base": "application/json", "type": "application/vnd.openstack.volume+json;version=3"}
        ],
    }
    return {"versions": [v3]}


@public
async def versions(request: web.Request) -> web.Response:
    """`/volume/`: 300 Multiple Choices."""
    return json_response(_versions(request), 300)


@public
async def version(request: web.Request) -> web.Response:
    """`/volume/v3/`: the same document with 200.  Real Cinder wants a token here (its v3
    pipeline is behind keystonemiddleware); the pods' capability probe reads it without one,
    so the simulator keeps it open."""
    return json_response(_versions(request))


async def availability_zones(request: web.Request) -> web.Response:
    zone = {"zoneName": state_of(request).az, "zoneState": {"available": True}}
    return json_response({"availabilityZoneInfo": [zone]})


async def services(request: web.Request) -> web.Response:
    """The scheduler and the volume service (and cinder-backup when there is one), all up."""
    require_admin(request, "volume_extension:services:index")
    state = state_of(request)
    common = {
        "zone": state.az,
        "status": "enabled",
        "state": "up",
        "updated_at": cinder_time(now()),
        "disabled_reason": None,
    }
    backend = state.capabilities["volume_backend_name"]
    listed = [
        {
            "binary": "cinder-volume",
            "host": f"{state.host}@{backend}",
            "frozen": False,
            "replication_status": "disabled",
            "active_backend_id": None,
            **common,
        },
        {"binary": "cinder-scheduler", "host": state.host, **common},
    ]
    if state.backup_service:
        listed.append({"binary": "cinder-backup", "host": state.host, **common})
    return json_response({"services": listed})
