"""``links`` and ``*_links`` for what the gateway answers itself, under the service's root."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tricircle.kit.service import service_of


def resource_links(request: web.Request, collection: str, resource_id: str) -> list[dict[str, str]]:
    service = service_of(request)
    root = service.top_root(request)
    return [
        {"rel": "self", "href": f"{root}{service.version_path}/{collection}/{resource_id}"},
        {"rel": "bookmark", "href": f"{root}/{collection}/{resource_id}"},
    ]


def next_link(request: web.Request, collection: str, marker: str) -> list[dict[str, Any]]:
    service = service_of(request)
    query = {k: v for k, v in request.query.items() if k != "marker"}
    query["marker"] = marker
    url = request.url.with_query(query)
    href = f"{service.top_root(request)}{service.version_path}/{collection}?{url.query_string}"
    return [{"rel": "next", "href": href}]
