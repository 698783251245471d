"""The image API: images as the pods hold them, until images are distributed by the top.

Clients resolve image names here before they boot, so list and show answer from
every pod the project may use, each image once.
"""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
from aiohttp import web

from tricircle.gateway.image import IMAGE
from tricircle.kit.app import service_app
from tricircle.kit.calls import call_pod
from tricircle.kit.placement import usable_pods
from tricircle.pods.client import PodUnavailable
from tricircle.pods.directory import PodInfo
from tricircle.web.errors import not_found
from tricircle.web.http import json_response, public
from tricircle.web.services import context_of, services_of

routes = web.RouteTableDef()


# Glance's supported versions; clients pick the newest v2 they know.
_VERSIONS = ("2.16", "2.15", "2.9", "2.7", "2.6", "2.5", "2.4", "2.3", "2.2", "2.1", "2.0")


@public
async def versions(request: web.Request) -> web.Response:
    href = f"{IMAGE.top_root(request)}/v2/"
    return json_response(
        {
            "versions": [
                {
                    "id": f"v{version}",
                    "status": "CURRENT" if index == 0 else "SUPPORTED",
                    "links": [{"rel": "self", "href": href}],
                }
                for index, version in enumerate(_VERSIONS)
            ]
        },
        status=200 if request.path.endswith("/versions") else 300,
    )


async def _usable_pods(request: web.Request) -> list[PodInfo]:
    services, context = services_of(request), context_of(request)
    return [p for p in await usable_pods(services, context.project_id) if p.enabled]


async def _ask(request: web.Request, pod: PodInfo, path: str, params: Any) -> Any:
    timeout = services_of(request).conf.pods.list_timeout
    try:
        answer = await call_pod(request, pod, "GET", path, params=params, timeout=timeout)
    except PodUnavailable:
        return None
    return answer.json() if answer.ok else None


@routes.get("/v2/images")
async def list_images(request: web.Request) -> web.Response:
    pods = await _usable_pods(request)
    params = [(k, v) for k, v in request.query.items() if k not in ("limit", "marker")]
    pages = await asyncio.gather(*(_ask(request, pod, "/v2/images", params) for pod in pods))
    images: dict[str, Any] = {}
    for page in pages:
        for image in (page or {}).get("images", []):
            images.setdefault(image["id"], image)
    ordered = sorted(
        images.values(), key=lambda i: (i.get("created_at", ""), i["id"]), reverse=True
    )
    return json_response({"images": ordered, "schema": "/v2/schemas/images", "first": "/v2/images"})


@routes.get("/v2/images/{image_id}")
async def show_image(request: web.Request) -> web.Response:
    image_id = request.match_info["image_id"]
    for found in await asyncio.gather(
        *(_ask(request, pod, f"/v2/images/{image_id}", None) for pod in await _usable_pods(request))
    ):
        if found:
            return web.Response(body=msgspec.json.encode(found), content_type="application/json")
    raise not_found(f"No image found with ID {image_id}")


def create_image_app(max_body: int) -> web.Application:
    app = service_app(IMAGE, max_body, routes)
    app.router.add_get("/", versions)
    app.router.add_get("/versions", versions)
    return app
