"""The image API. With a top Glance (``[central] image_url``) every call passes on to it
and the writes its copies must follow are watched (tricircle.gateway.image.watch).

Without one, the pods' images as they hold them: clients resolve image names here before
they boot, so list and show answer from every pod the project may use, each image once.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import msgspec
from aiohttp import web

from tricircle.gateway.image import IMAGE, glances_of
from tricircle.gateway.image.watch import followed, written_image
from tricircle.images.glances import Glances
from tricircle.kit.app import service_app
from tricircle.kit.calls import call_pod
from tricircle.kit.central import pass_on
from tricircle.kit.placement import usable_pods
from tricircle.pods.client import PodUnavailable
from tricircle.pods.directory import PodInfo
from tricircle.web.errors import not_found
from tricircle.web.http import json_response, public
from tricircle.web.services import context_of, services_of

routes = web.RouteTableDef()
_ONE_IMAGE = re.compile(r"^v2/images/(?P<id>[^/]+)$")


# Glance's supported versions; clients pick the newest v2 they know.
_VERSIONS = ("2.16", "2.15", "2.9", "2.7", "2.6", "2.5", "2.4", "2.3", "2.2", "2.1", "2.0")


@routes.get("/")
@routes.get("/versions")
@public
async def versions(request: web.Request) -> web.StreamResponse:
    glances = glances_of(request)
    if glances is not None:  # the top Glance's own document, which needs no token
        return await pass_on(request, glances.central, IMAGE)
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


@routes.route("*", "/{tail:.+}")
async def image_api(request: web.Request) -> web.StreamResponse:
    """To the top Glance when there is one; else the pods' images, as they hold them."""
    glances = glances_of(request)
    if glances is not None:
        return await _to_the_top(request, glances)
    tail = request.match_info["tail"]
    if request.method == "GET" and tail == "v2/images":
        return await list_images(request)
    one = _ONE_IMAGE.match(tail)
    if request.method == "GET" and one:
        return await show_image(request, one.group("id"))
    raise not_found("The resource could not be found.")


async def _to_the_top(request: web.Request, glances: Glances) -> web.StreamResponse:
    image_id = written_image(request.method, "/" + request.match_info["tail"])
    answer = await pass_on(request, glances.central, IMAGE)
    if image_id is not None and 200 <= answer.status < 300:
        await followed(request, image_id)
    return answer


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


async def show_image(request: web.Request, image_id: str) -> web.Response:
    for found in await asyncio.gather(
        *(_ask(request, pod, f"/v2/images/{image_id}", None) for pod in await _usable_pods(request))
    ):
        if found:
            return web.Response(body=msgspec.json.encode(found), content_type="application/json")
    raise not_found(f"No image found with ID {image_id}")


def create_image_app(max_body: int) -> web.Application:
    return service_app(IMAGE, max_body, routes)
