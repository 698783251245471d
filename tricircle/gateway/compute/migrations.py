"""``/os-migrations``: every pod's migrations in one list, sorted and paged as Nova does.

From 2.59 Nova sorts migrations newest first (created_at, then id, descending) and pages
them by uuid. The gateway reads each pod's migrations that match the filters (up to the
pod's page limit), merges them in that order and cuts the page at the marker itself:
a marker is only known to the pod that made the migration.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from tricircle.gateway.compute.usage import MAX_LIMIT
from tricircle.kit.calls import relay, version_of
from tricircle.kit.fanout import ask_each
from tricircle.kit.links import next_link
from tricircle.kit.microversions import Version
from tricircle.web.errors import bad_request
from tricircle.web.http import json_response
from tricircle.web.services import services_of

routes = web.RouteTableDef()
PAGED = Version(2, 59)


def _page(request: web.Request, migrations: list[dict[str, Any]]) -> dict[str, Any]:
    """Nova's page of the merged list: after the marker, `limit` long, with a next link."""
    migrations.sort(key=lambda m: (m.get("created_at") or "", m.get("id") or 0), reverse=True)
    marker = request.query.get("marker")
    if marker is not None:
        after = [i for i, m in enumerate(migrations) if m.get("uuid") == marker]
        if not after:
            raise bad_request(f"Marker {marker} could not be found.")
        migrations = migrations[after[0] + 1 :]
    limit = request.query.get("limit", "")
    size = min(int(limit), MAX_LIMIT) if limit.isdigit() else MAX_LIMIT
    body: dict[str, Any] = {"migrations": migrations[:size]}
    if size and len(body["migrations"]) == size:
        body["migrations_links"] = next_link(request, "os-migrations", migrations[size - 1]["uuid"])
    return body


@routes.get("/v2.1/os-migrations")
async def list_migrations(request: web.Request) -> web.Response:
    paged = version_of(request) >= PAGED
    # the pods page nothing: the marker is one pod's, the limit applies to the merged list
    params = {k: v for k, v in request.query.items() if not paged or k not in ("marker", "limit")}
    pods = [p for p in (await services_of(request).directory.pods()).values() if p.enabled]
    joined: list[dict[str, Any]] = []
    for pod, answer in await ask_each(request, pods, "/os-migrations", params=params):
        if answer is not None and not answer.ok:
            return relay(request, pod, answer)  # policy or filters: every pod says the same
        if answer is not None:  # relayed: their links name the gateway, not the pod
            joined.extend(json.loads(relay(request, pod, answer).body)["migrations"])
    return json_response(_page(request, joined) if paged else {"migrations": joined})
