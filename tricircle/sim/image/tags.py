"""An image's tags one at a time: PUT adds (again is fine), DELETE removes."""

from __future__ import annotations

from aiohttp import web

from tricircle.sim.http import SimError
from tricircle.sim.image.access import get_owned
from tricircle.sim.image.errors import NOT_FOUND, image_not_found
from tricircle.sim.image.quotas import check_tags
from tricircle.sim.image.schemas import validate_image


async def add_tag(request: web.Request) -> web.Response:
    tag = request.match_info["tag"]
    validate_image({"tags": [tag]})
    image = get_owned(request, "modify_image", image_not_found)
    if tag not in image.tags:
        check_tags([*image.tags, tag], image.id)
        image.tags.append(tag)
        image.touch()
    return web.Response(status=204)


async def delete_tag(request: web.Request) -> web.Response:
    image = get_owned(request, "modify_image", image_not_found)
    tag = request.match_info["tag"]
    if tag not in image.tags:
        raise SimError(404, NOT_FOUND)
    image.tags.remove(tag)
    image.touch()
    return web.Response(status=204)
