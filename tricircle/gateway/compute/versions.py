"""Nova's version documents at ``/compute/`` and ``/compute/v2.1``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from tricircle.gateway.compute.forward import top_root
from tricircle.gateway.compute.microversions import VersionRange, common_range
from tricircle.pods.directory import PodInfo
from tricircle.web.http import json_response, public
from tricircle.web.services import services_of

routes = web.RouteTableDef()
UPDATED = "2013-07-23T11:33:21Z"


def _v21(request: web.Request, supported: VersionRange) -> dict[str, Any]:
    return {
        "id": "v2.1",
        "status": "CURRENT",
        "version": str(supported.max),
        "min_version": str(supported.min),
        "updated": UPDATED,
        "links": [{"rel": "self", "href": f"{top_root(request)}/v2.1/"}],
        "media-types": [
            {
                "base": "application/json",
                "type": "application/vnd.openstack.compute+json;version=2.1",
            }
        ],
    }


def _pods_range(pods: Mapping[str, PodInfo]) -> VersionRange:
    return common_range(pods.values())


async def supported_range(request: web.Request) -> VersionRange:
    # every call needs it: computed once per pod snapshot, not per request
    return await services_of(request).directory.derived(_pods_range)


@routes.get("/")
@public
async def versions(request: web.Request) -> web.Response:
    document = _v21(request, await supported_range(request))
    del document["media-types"]
    return json_response({"versions": [document]})


@routes.get("/v2.1")
@routes.get("/v2.1/")
@public
async def version_v21(request: web.Request) -> web.Response:
    document = _v21(request, await supported_range(request))
    document["links"].append(
        {"rel": "describedby", "type": "text/html", "href": "https://docs.openstack.org/"}
    )
    return json_response({"version": document})
