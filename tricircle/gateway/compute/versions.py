"""Nova's version documents at ``/compute/`` and ``/compute/v2.1``."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tricircle.gateway.compute import COMPUTE
from tricircle.kit.calls import supported_range
from tricircle.kit.microversions import VersionRange
from tricircle.web.http import json_response, public

routes = web.RouteTableDef()
UPDATED = "2013-07-23T11:33:21Z"
V20_UPDATED = "2025-07-04T12:00:00Z"


def _v21(request: web.Request, supported: VersionRange) -> dict[str, Any]:
    return {
        "id": "v2.1",
        "status": "CURRENT",
        "version": str(supported.max),
        "min_version": str(supported.min),
        "updated": UPDATED,
        "links": [{"rel": "self", "href": f"{COMPUTE.top_root(request)}/v2.1/"}],
        "media-types": [
            {
                "base": "application/json",
                "type": "application/vnd.openstack.compute+json;version=2.1",
            }
        ],
    }


async def _supported(request: web.Request) -> VersionRange:
    assert COMPUTE.microversions is not None
    return await supported_range(request, COMPUTE.microversions)


def _v20(request: web.Request) -> dict[str, Any]:
    """The legacy v2.0 entry, as Nova lists it before v2.1."""
    return {
        "id": "v2.0",
        "status": "DEPRECATED",
        "version": "",
        "min_version": "",
        "updated": V20_UPDATED,
        "links": [{"rel": "self", "href": f"{COMPUTE.top_root(request)}/v2/"}],
    }


@routes.get("/")
@public
async def versions(request: web.Request) -> web.Response:
    document = _v21(request, await _supported(request))
    del document["media-types"]
    return json_response({"versions": [_v20(request), document]})


@routes.get("/v2.1")
@routes.get("/v2.1/")
@public
async def version_v21(request: web.Request) -> web.Response:
    document = _v21(request, await _supported(request))
    document["links"].append(
        {"rel": "describedby", "type": "text/html", "href": "https://docs.openstack.org/"}
    )
    return json_response({"version": document})
