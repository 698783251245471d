"""Neutron's tag sub-resource: `/v2.0/<collection>/<id>/tags[/<tag>]` on every tagged resource."""

from __future__ import annotations

from aiohttp import web

from tricircle.sim.http import SimError, json_response, read_json
from tricircle.sim.network.collection import Collection
from tricircle.sim.network.standard import touch

MAX_TAG_LENGTH = 255


def _tag_not_found(tag: str) -> SimError:
    return SimError(404, f"Tag {tag} could not be found.", kind="TagNotFound")


def _valid(tag: object) -> str:
    if not isinstance(tag, str) or not tag or len(tag) > MAX_TAG_LENGTH or "," in tag:
        raise SimError(
            400, f"Invalid input for operation: '{tag}' is not a valid tag.", kind="InvalidInput"
        )
    return tag


def add_tag_routes(router: web.UrlDispatcher, collection: Collection) -> None:
    base = f"/network/v2.0/{collection.path}/{{id}}/tags"

    async def list_tags(request: web.Request) -> web.Response:
        return json_response({"tags": collection.get(request)["tags"]})

    async def replace_tags(request: web.Request) -> web.Response:
        item = collection.get(request)
        body = await read_json(request, "Body contains invalid data")
        tags = body.get("tags") if isinstance(body, dict) else None
        if not isinstance(tags, list):
            raise SimError(
                400, f"Invalid input for operation: '{tags}' is not a list.", kind="InvalidInput"
            )
        item["tags"] = list(dict.fromkeys(_valid(t) for t in tags))
        touch(item)
        return json_response({"tags": item["tags"]})

    async def clear_tags(request: web.Request) -> web.Response:
        item = collection.get(request)
        item["tags"] = []
        touch(item)
        return web.Response(status=204)

    async def check_tag(request: web.Request) -> web.Response:
        tag = request.match_info["tag"]
        if tag not in collection.get(request)["tags"]:
            raise _tag_not_found(tag)
        return web.Response(status=204)

    async def add_tag(request: web.Request) -> web.Response:
        item = collection.get(request)
        tag = _valid(request.match_info["tag"])
        if tag not in item["tags"]:  # adding one it has changes nothing, revision included
            item["tags"].append(tag)
            touch(item)
        return web.Response(status=201)

    async def remove_tag(request: web.Request) -> web.Response:
        item = collection.get(request)
        tag = request.match_info["tag"]
        if tag not in item["tags"]:
            raise _tag_not_found(tag)
        item["tags"].remove(tag)
        touch(item)
        return web.Response(status=204)

    router.add_get(base, list_tags)
    router.add_put(base, replace_tags)
    router.add_delete(base, clear_tags)
    router.add_get(base + "/{tag}", check_tag)
    router.add_put(base + "/{tag}", add_tag)
    router.add_delete(base + "/{tag}", remove_tag)
