"""Nova's ``links`` and ``*_links`` as the gateway builds them for resources it serves itself."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tricircle.gateway.compute.forward import top_root


def resource_links(request: web.Request, collection: str, resource_id: str) -> list[dict[str, str]]:
    root = top_root(request)
    return [
        {"rel": "self", "href": f"{root}/v2.1/{collection}/{resource_id}"},
        {"rel": "bookmark", "href": f"{root}/{collection}/{resource_id}"},
    ]


def next_link(request: web.Request, collection: str, marker: str) -> list[dict[str, Any]]:
    query = {k: v for k, v in request.query.items() if k != "marker"}
    query["marker"] = marker
    url = request.url.with_query(query)
    return [{"rel": "next", "href": f"{top_root(request)}/v2.1/{collection}?{url.query_string}"}]
