"""Volumes and what hangs off them: snapshots, backups, attachments, transfers.

A volume is created in a pod of the requested AZ (as servers are), or in the pod of
the snapshot or volume it is made from; everything made from a volume goes to the
volume's pod. All of them are then reached through their routes, and their lists
are merged over the pods by tricircle/listing/collection.py.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import msgspec
from aiohttp import web

from tricircle.db.models import RoutingEntry
from tricircle.gateway.image import resolve_image
from tricircle.gateway.volume.types import default_type, ensure_type, visible_type
from tricircle.kit.calls import call_pod, relay
from tricircle.kit.fanout import ask_each
from tricircle.kit.links import next_link
from tricircle.kit.placement import create_in_az, usable_pods
from tricircle.kit.routed import (
    RoutedResource,
    create_routed,
    ensure_up,
    find_route,
    forward_routed,
)
from tricircle.listing.collection import Collection, ListQuery, merged_list
from tricircle.listing.engine import Item
from tricircle.listing.ordering import Ordering, SortField
from tricircle.pods.directory import PodInfo
from tricircle.pods.mark import MARK_KEY, MARK_VALUE
from tricircle.web.errors import bad_request
from tricircle.web.http import json_response, read_json
from tricircle.web.services import context_of, services_of
from tricircle.web.validation import string, wrapped

routes = web.RouteTableDef()

VOLUMES = RoutedResource(
    "volume",
    "volumes",
    "Volume {id} could not be found.",
    ("action", "metadata", "metadata/*", "encryption", "encryption/*"),
)
# Cinder deletes snapshots and backups after its 202 (deleting, then gone), and the
# attachments and transfers at once; none of them has a cleanup inventory, so a route goes
# with the pod's 202 (attachments, transfers) or once the pod no longer has it (see
# `_delete_in_pod`)
SNAPSHOTS = RoutedResource(
    "snapshot",
    "snapshots",
    "Snapshot {id} could not be found.",
    ("action", "metadata", "metadata/*"),
    tracked_delete=False,
)
BACKUPS = RoutedResource(
    "backup",
    "backups",
    "Backup {id} could not be found.",
    ("action", "restore", "export_record"),
    tracked_delete=False,
)
ATTACHMENTS = RoutedResource(
    "attachment",
    "attachments",
    "Attachment {id} could not be found.",
    ("action",),
    tracked_delete=False,
)
TRANSFERS = RoutedResource(
    "transfer",
    "volume-transfers",
    "Transfer {id} could not be found.",
    ("accept",),
    tracked_delete=False,
)

_SIZE = {"type": ["integer", "string", "null"], "pattern": r"^[0-9]+$", "minimum": 1}
_ID = {"type": "string", "minLength": 1, "maxLength": 255}
CREATE = wrapped(
    "volume",
    {
        "size": _SIZE,
        "name": {"type": ["string", "null"], "maxLength": 255},
        "description": {"type": ["string", "null"], "maxLength": 255},
        "volume_type": {"type": ["string", "null"], "maxLength": 255},
        "availability_zone": {"type": ["string", "null"], "maxLength": 255},
        "snapshot_id": {"type": ["string", "null"], "maxLength": 255},
        "source_volid": {"type": ["string", "null"], "maxLength": 255},
        "imageRef": {"type": ["string", "null"], "maxLength": 255},
        "metadata": {"type": ["object", "null"], "additionalProperties": string(255)},
    },
    strict=False,
)
SNAPSHOT = wrapped("snapshot", {"volume_id": _ID}, ("volume_id",), strict=False)
BACKUP = wrapped("backup", {"volume_id": _ID}, ("volume_id",), strict=False)
ATTACHMENT = wrapped("attachment", {"volume_uuid": _ID}, ("volume_uuid",), strict=False)
TRANSFER = wrapped("transfer", {"volume_id": _ID}, ("volume_id",), strict=False)


@routes.post("/v3/volumes")
async def create_volume(request: web.Request) -> web.Response:
    services, context = services_of(request), context_of(request)
    body = await read_json(request)
    CREATE.validate(body)
    volume: dict[str, Any] = dict(body["volume"])
    source = _source(volume)
    if volume.get("size") is None and source is None:
        raise bad_request("Invalid input for field/attribute size. Value: None.")
    type_ref = volume.get("volume_type")
    volume_type = await (visible_type(request, type_ref) if type_ref else default_type(request))
    az = volume.get("availability_zone")

    async def create(pod: PodInfo) -> web.Response:
        sent = dict(volume)
        # checks that only read come first, so a bad request leaves nothing behind in the pod
        if sent.get("imageRef"):
            sent["imageRef"] = await resolve_image(request, pod, sent["imageRef"])
        sent["volume_type"] = await ensure_type(request, pod, volume_type)
        # the mark lets the reconciler tell our volumes from the pod's own
        sent["metadata"] = {**(sent.get("metadata") or {}), MARK_KEY: MARK_VALUE}
        return await create_routed(request, pod, VOLUMES, "volume", {**body, "volume": sent})

    if source is not None:
        resource, source_id = source
        _, pod = await find_route(request, resource, source_id)
        if az is not None and az != pod.az_name:
            raise bad_request(
                f"Invalid input received: the {resource.resource_type} {source_id} is in "
                f"availability zone {pod.az_name}, not {az}; a volume made from it is created "
                "beside it."
            )
        return await create(pod)
    if az is not None and not await usable_pods(services, context.project_id, az):
        raise bad_request(f"Invalid input received: Availability zone '{az}' is invalid.")
    return await create_in_az(services, context.project_id or "", az, VOLUMES.resource_type, create)


def _source(volume: dict[str, Any]) -> tuple[RoutedResource, str] | None:
    if volume.get("snapshot_id"):
        return SNAPSHOTS, volume["snapshot_id"]
    if volume.get("source_volid"):
        return VOLUMES, volume["source_volid"]
    return None


async def _create_beside_volume(
    request: web.Request, resource: RoutedResource, singular: str, volume_key: str, schema: Any
) -> web.Response:
    """Snapshots, backups, attachments, transfers: made in their volume's pod."""
    body = await read_json(request)
    schema.validate(body)
    _, pod = await find_route(request, VOLUMES, body[singular][volume_key])
    return await create_routed(request, pod, resource, singular, body)


@routes.post("/v3/snapshots")
async def create_snapshot(request: web.Request) -> web.Response:
    return await _create_beside_volume(request, SNAPSHOTS, "snapshot", "volume_id", SNAPSHOT)


@routes.post("/v3/backups")
async def create_backup(request: web.Request) -> web.Response:
    return await _create_beside_volume(request, BACKUPS, "backup", "volume_id", BACKUP)


@routes.post("/v3/attachments")
async def create_attachment(request: web.Request) -> web.Response:
    return await _create_beside_volume(
        request, ATTACHMENTS, "attachment", "volume_uuid", ATTACHMENT
    )


@routes.post("/v3/volume-transfers")
async def create_transfer(request: web.Request) -> web.Response:
    return await _create_beside_volume(request, TRANSFERS, "transfer", "volume_id", TRANSFER)


# what the pod deletes after its 202: the gateway shows it (deleting) until it is gone
_DELETED_LATER = (SNAPSHOTS, BACKUPS)


async def _delete_in_pod(request: web.Request, resource: RoutedResource) -> web.Response:
    """The delete passed to the pod, the route kept: a route dropped at the pod's 202 made
    the gateway answer 404 for a snapshot the pod still held (deleting), and a client that
    waited for it to go deleted its volume too early, which the pod refused (the volume
    still had a snapshot): the volume stayed behind. The owner's first look that the pod
    answers 404 drops the route (`forward_routed`)."""
    top_id = request.match_info["id"]
    _, pod = await find_route(request, resource, top_id)
    ensure_up(services_of(request), pod)
    path = f"/{resource.collection}/{quote(top_id, safe='')}"
    answer = await call_pod(request, pod, "DELETE", path, params=request.query or None)
    return relay(request, pod, answer)


def _routed(resource: RoutedResource) -> None:
    """The resource by id and its sub-resources, passed to its pod."""
    collection = resource.collection
    methods = ("GET", "PUT", "DELETE")

    async def one(request: web.Request) -> web.Response:
        if request.method not in methods:
            raise web.HTTPMethodNotAllowed(request.method, list(methods))
        if request.method == "DELETE" and resource in _DELETED_LATER:
            return await _delete_in_pod(request, resource)
        return await forward_routed(request, resource, request.match_info["id"])

    async def sub(request: web.Request) -> web.Response:
        tail = request.match_info["tail"]
        return await forward_routed(request, resource, request.match_info["id"], tail)

    routes.route("*", f"/v3/{collection}/{{id}}")(one)
    routes.route("*", f"/v3/{collection}/{{id}}/{{tail:.+}}")(sub)


# ---- lists ------------------------------------------------------------------------------

MAX_LIMIT = 1000
_PAGING = {"limit", "marker", "sort", "sort_key", "sort_dir", "offset", "with_count"}
# Cinder's sort keys and the fields they show as
_SORT_FIELDS = {"display_name": "name", "name": "name"}
_DEFAULT_SORT = (("created_at", "desc"), ("id", "desc"))


def _sort(request: web.Request) -> tuple[list[tuple[str, str]], Ordering]:
    """Cinder's ``sort=key:dir,...`` or ``sort_key``/``sort_dir``, as the pods get them."""
    wanted: list[tuple[str, str]] = []
    if "sort" in request.query:
        for part in request.query["sort"].split(","):
            key, _, direction = part.strip().partition(":")
            wanted.append((key, direction or "desc"))
    elif "sort_key" in request.query:
        wanted = [(request.query["sort_key"], request.query.get("sort_dir", "desc"))]
    for key, direction in wanted:
        if direction not in ("asc", "desc") or not key:
            raise bad_request(f"Invalid input received: Invalid sort direction {direction}.")
    wanted = wanted or list(_DEFAULT_SORT)
    params = [("sort", ",".join(f"{k}:{d}" for k, d in wanted))]
    fields = tuple(SortField(_SORT_FIELDS.get(k, k), d == "desc") for k, d in wanted)
    return params, Ordering(fields)


def _limit(request: web.Request) -> int:
    text = request.query.get("limit", str(MAX_LIMIT))
    if not text.isdigit():
        raise bad_request("Invalid input received: limit param must be an integer")
    return min(int(text), MAX_LIMIT)


def _all_tenants(request: web.Request) -> bool:
    """Cinder ignores all_tenants from anyone but an admin."""
    asked = request.query.get("all_tenants", "0").lower() not in ("0", "false", "no", "off", "f")
    if not asked:
        return False
    return services_of(request).policy.allows("volume:all_tenants", context_of(request))


def _no_partials(request: web.Request, entry: RoutingEntry) -> dict[str, Any]:
    raise AssertionError("block storage lists leave out the pods that do not answer")


def _collection(resource: RoutedResource, singular: str) -> Collection:
    return Collection(
        resource_type=resource.resource_type,
        key=resource.collection,
        detail_path=f"/{resource.collection}/detail",
        show_path=f"/{resource.collection}/{{id}}",
        singular=singular,
        partial=_no_partials,
    )


_BRIEF_FIELDS = ("id", "name", "links")


def _brief(raw: bytes) -> bytes:
    item = msgspec.json.decode(raw)
    return msgspec.json.encode({k: item[k] for k in _BRIEF_FIELDS if k in item})


def _listed(resource: RoutedResource, singular: str, *, detail: bool) -> None:
    collection = _collection(resource, singular)

    async def handler(request: web.Request) -> web.Response:
        sort_params, ordering = _sort(request)
        filters = [(k, v) for k, v in request.query.items() if k not in _PAGING]
        mode = services_of(request).conf.pods.list_down_pods
        query = ListQuery(
            scope=None if _all_tenants(request) else context_of(request).project_id,
            filters=filters,
            sort_params=sort_params,
            ordering=ordering,
            limit=_limit(request),
            marker=request.query.get("marker"),
            down_pods="omit" if mode == "partial" else mode,
        )
        items = await merged_list(request, collection, query)
        if isinstance(items, web.Response):
            return items
        return _page(request, collection.key, items, query.limit, detail=detail)

    path = f"/v3/{resource.collection}/detail" if detail else f"/v3/{resource.collection}"
    routes.get(path)(handler)


def _page(
    request: web.Request, key: str, items: list[Item], limit: int, *, detail: bool
) -> web.Response:
    listed = b",".join(item.raw if detail else _brief(item.raw) for item in items)
    body = b'{"' + key.encode() + b'":[' + listed + b"]"
    if items and len(items) == limit:
        collection = f"{key}/detail" if detail else key
        links = next_link(request, collection, items[-1].id)
        body += b',"' + key.encode() + b'_links":' + msgspec.json.encode(links)
    return web.Response(body=body + b"}", content_type="application/json")


@routes.get("/v3/volumes/summary")
async def volume_summary(request: web.Request) -> web.Response:
    """Cinder's summary (3.12), summed over the pods that hold the project's volumes."""
    services, context = services_of(request), context_of(request)
    scope = None if _all_tenants(request) else context.project_id
    holding = await services.routing.pods_holding(VOLUMES.resource_type, scope)
    pods = [p for p in (await services.directory.pods()).values() if p.id in holding]
    total_size = total_count = 0
    metadata: dict[str, set[str]] = {}
    for _pod, answer in await ask_each(request, pods, "/volumes/summary", params=request.query):
        if answer is None or not answer.ok:
            continue
        summary = answer.json()["volume-summary"]
        total_size += summary.get("total_size", 0)
        total_count += summary.get("total_count", 0)
        for key, values in (summary.get("metadata") or {}).items():
            if key != MARK_KEY:
                metadata.setdefault(key, set()).update(values)
    found = {k: sorted(v) for k, v in metadata.items()}
    return json_response(
        {
            "volume-summary": {
                "total_size": total_size,
                "total_count": total_count,
                "metadata": found,
            }
        }
    )


def _gathered(resource: RoutedResource, path: str) -> None:
    """A list joined from the pods that hold the project's items, in pod order."""

    async def handler(request: web.Request) -> web.Response:
        services, context = services_of(request), context_of(request)
        scope = None if _all_tenants(request) else context.project_id
        holding = await services.routing.pods_holding(resource.resource_type, scope)
        pods = [p for p in (await services.directory.pods()).values() if p.id in holding]
        joined: list[Any] = []
        for _pod, answer in await ask_each(request, pods, path, params=request.query):
            if answer is not None and answer.ok:
                joined.extend(answer.json().get(resource.collection.replace("volume-", ""), []))
        return json_response({resource.collection.replace("volume-", ""): joined})

    routes.get(f"/v3{path}")(handler)


# the summary and the lists before the routes by id: "detail" and "summary" are no ids
for _resource, _singular in (
    (VOLUMES, "volume"),
    (SNAPSHOTS, "snapshot"),
    (BACKUPS, "backup"),
):
    _listed(_resource, _singular, detail=True)
    _listed(_resource, _singular, detail=False)
for _resource, _path in (
    (ATTACHMENTS, "/attachments"),
    (ATTACHMENTS, "/attachments/detail"),
    (TRANSFERS, "/volume-transfers"),
    (TRANSFERS, "/volume-transfers/detail"),
):
    _gathered(_resource, _path)
for _resource in (VOLUMES, SNAPSHOTS, BACKUPS, ATTACHMENTS, TRANSFERS):
    _routed(_resource)


async def volume_pod(request: web.Request, volume_id: str) -> PodInfo:
    """The pod of a volume the caller may reach; Cinder's 404 otherwise."""
    _, pod = await find_route(request, VOLUMES, volume_id)
    return pod
