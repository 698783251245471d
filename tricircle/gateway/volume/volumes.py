"""Volumes and what hangs off them: snapshots, backups, attachments, transfers.

A volume is created in a pod of the requested AZ (as servers are), or in the pod of
the snapshot or volume it is made from; everything made from a volume goes to the
volume's pod. All of them are then reached through their routes, and their lists
are merged over the pods by tricircle/listing/collection.py.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import msgspec
from aiohttp import web

from tricircle.db.models import RoutingEntry
from tricircle.gateway.image import resolve_image
from tricircle.gateway.volume.types import TypeIds, default_type, ensure_type, visible_type
from tricircle.gateway.volume.volume_quota import freeing, reserving
from tricircle.kit.calls import call_pod, relay, version_of
from tricircle.kit.fanout import ask_each
from tricircle.kit.links import next_link
from tricircle.kit.microversions import Version
from tricircle.kit.placement import create_in_az, usable_pods
from tricircle.kit.routed import (
    RoutedResource,
    create_routed,
    ensure_up,
    find_route,
    forget_route,
    forward_routed,
)
from tricircle.listing.collection import (
    Collection,
    ListQuery,
    merged_count,
    merged_list,
    pods_ignore_case,
)
from tricircle.listing.engine import Item
from tricircle.listing.ordering import Ordering, SortField
from tricircle.pods.directory import PodInfo
from tricircle.pods.mark import MARK_KEY, MARK_VALUE
from tricircle.web.errors import bad_request, not_found
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
# None of these has a cleanup job: Cinder deletes attachments and transfers at once, and
# their routes go with the pod's answer; snapshots and backups it deletes after its 202
# (deleting, then gone), and their routes stay until the pod no longer has them
# (`_delete_in_pod`)
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
@reserving("volume")
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
        created = await create_routed(request, pod, VOLUMES, "volume", {**body, "volume": sent})
        return await _top_type_ids(request, pod, created)

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
@reserving("snapshot")
async def create_snapshot(request: web.Request) -> web.Response:
    return await _create_beside_volume(request, SNAPSHOTS, "snapshot", "volume_id", SNAPSHOT)


@routes.post("/v3/backups")
@reserving("backup")
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
        return await _shown(request, resource, forward_routed(request, resource, _id(request)))

    async def sub(request: web.Request) -> web.Response:
        tail = request.match_info["tail"]
        if resource is VOLUMES and tail == "action" and request.method == "POST":
            retyped = await _retype(request, _id(request))
            if retyped is not None:
                return retyped
        answer = forward_routed(request, resource, _id(request), tail)
        return await _shown(request, resource, answer)

    routes.route("*", f"/v3/{collection}/{{id}}")(freeing(resource.resource_type, one))
    routes.route("*", f"/v3/{collection}/{{id}}/{{tail:.+}}")(sub)


def _id(request: web.Request) -> str:
    return request.match_info["id"]


async def _shown(
    request: web.Request, resource: RoutedResource, answer: Awaitable[web.Response]
) -> web.Response:
    """A volume's answer with its type named by the top's id."""
    response = await answer
    if resource is VOLUMES and _names_a_type(response):
        _, pod = await find_route(request, resource, _id(request))
        return await _top_type_ids(request, pod, response)
    return response


def _names_a_type(response: web.Response) -> bool:
    body = response.body
    return response.status < 400 and isinstance(body, bytes) and b'"volume_type' in body


async def _top_type_ids(request: web.Request, pod: PodInfo, response: web.Response) -> web.Response:
    if _names_a_type(response):
        assert isinstance(response.body, bytes)
        response.body = (await TypeIds.read(request, pod.id)).shown(pod.id, response.body)
    return response


async def _retype(request: web.Request, volume_id: str) -> web.Response | None:
    """``os-retype`` to a type of the top (by name or id): the type is copied into the
    volume's pod first and named as the pod knows it. None for every other action."""
    try:
        body = msgspec.json.decode(await request.read())
    except msgspec.DecodeError:
        return None
    retype = body.get("os-retype") if isinstance(body, dict) and len(body) == 1 else None
    if not isinstance(retype, dict) or not isinstance(retype.get("new_type"), str):
        return None  # the pod judges it
    _, pod = await find_route(request, VOLUMES, volume_id)
    ensure_up(services_of(request), pod)
    new_type = await visible_type(request, retype["new_type"])
    sent = {"os-retype": {**retype, "new_type": await ensure_type(request, pod, new_type)}}
    path = f"/volumes/{quote(volume_id, safe='')}/action"
    return relay(request, pod, await call_pod(request, pod, "POST", path, json=sent))


@routes.post("/v3/volume-transfers/{id}/accept")
async def accept_transfer(request: web.Request) -> web.Response:
    """Another project accepts the transfer, so its route is found whoever made it (the pod
    checks the key); once accepted, the volume and its snapshots are the accepter's."""
    services, context = services_of(request), context_of(request)
    transfer_id = _id(request)
    entries = await services.routing.find(TRANSFERS.resource_type, transfer_id)
    pod = await services.directory.get(entries[0].pod_id) if entries else None
    if pod is None:
        raise not_found(TRANSFERS.missing.format(id=transfer_id))
    ensure_up(services, pod)
    body = await request.read() if request.body_exists else None
    path = f"/volume-transfers/{quote(transfer_id, safe='')}/accept"
    answer = await call_pod(request, pod, "POST", path, body=body or None)
    if answer.ok:
        volume_id = answer.json()["transfer"]["volume_id"]
        listed = await call_pod(request, pod, "GET", "/snapshots", params={"volume_id": volume_id})
        snapshots = [s["id"] for s in listed.json()["snapshots"]] if listed.ok else []
        for resource, moved in (
            (VOLUMES, [volume_id]),
            (TRANSFERS, [transfer_id]),
            (SNAPSHOTS, snapshots),
        ):
            await services.routing.reassign(resource.resource_type, moved, context.project_id or "")
            for top_id in moved:
                forget_route(resource, top_id)
    return relay(request, pod, answer)


# ---- lists ------------------------------------------------------------------------------

MAX_LIMIT = 1000
_PAGING = {"limit", "marker", "sort", "sort_key", "sort_dir", "offset"}
# from it a list answers with the number of what matches with ``with_count`` (before it,
# Cinder takes with_count for a filter)
COUNT = Version(3, 45)
SUMMARY, SUMMARY_METADATA = Version(3, 12), Version(3, 36)
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
    return params, Ordering(fields, case_insensitive=pods_ignore_case(request))


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
        checked_when_empty=True,
    )


# what Cinder's summary view (the plain list) shows of each: the gateway lists the pods'
# detailed views, which it needs to merge, and cuts them to these
_SUMMARY_FIELDS = {
    "volumes": ("id", "name", "links"),
    "backups": ("id", "name", "links"),
    "snapshots": (
        *("id", "created_at", "updated_at", "name", "description", "volume_id", "status"),
        *("size", "metadata"),
    ),
}


def _summary(key: str, raw: bytes) -> bytes:
    item = msgspec.json.decode(raw)
    return msgspec.json.encode({k: item[k] for k in _SUMMARY_FIELDS[key] if k in item})


def _with_count(request: web.Request) -> str | None:
    """The client's ``with_count`` where Cinder takes it for the count (from 3.45)."""
    return request.query.get("with_count") if version_of(request) >= COUNT else None


def _listed(resource: RoutedResource, singular: str, *, detail: bool) -> None:
    collection = _collection(resource, singular)

    async def handler(request: web.Request) -> web.Response:
        sort_params, ordering = _sort(request)
        with_count = _with_count(request)
        filters = [
            (k, v)
            for k, v in request.query.items()
            if k not in _PAGING and (k != "with_count" or with_count is None)
        ]
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
        count = None
        if with_count is not None:
            count = await merged_count(request, collection, query, ("with_count", with_count))
            if isinstance(count, web.Response):
                return count
            count = count if _truthy(with_count) else None
        page = _Page(collection.key, items, query.limit, count)
        return await page.response(request, detail=detail)

    path = f"/v3/{resource.collection}/detail" if detail else f"/v3/{resource.collection}"
    routes.get(path)(handler)


def _truthy(text: str) -> bool:
    return text.strip().lower() in ("1", "t", "true", "on", "y", "yes")


@dataclass(frozen=True)
class _Page:
    key: str  # the collection
    items: list[Item]
    limit: int
    count: int | None  # with_count's, when asked for

    async def response(self, request: web.Request, *, detail: bool) -> web.Response:
        key, items = self.key, self.items
        if detail and key == "volumes":
            type_ids = await TypeIds.read(request)
            listed = b",".join(type_ids.shown(item.pod_id, item.raw) for item in items)
        elif detail:
            listed = b",".join(item.raw for item in items)
        else:
            listed = b",".join(_summary(key, item.raw) for item in items)
        body = b'{"' + key.encode() + b'":[' + listed + b"]"
        # Cinder's rule: a next link once as many as the limit match (all of them, with a count)
        if items and self.limit <= (len(items) if self.count is None else self.count):
            collection = f"{key}/detail" if detail else key
            links = next_link(request, collection, items[-1].id)
            body += b',"' + key.encode() + b'_links":' + msgspec.json.encode(links)
        if self.count is not None:
            body += b',"count":' + str(self.count).encode()
        return web.Response(body=body + b"}", content_type="application/json")


@routes.get("/v3/volumes/summary")
async def volume_summary(request: web.Request) -> web.Response:
    """Cinder's summary (3.12; the metadata from 3.36), summed over the pods that hold the
    project's volumes."""
    if version_of(request) < SUMMARY:
        raise not_found("The resource could not be found.")
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
    summary: dict[str, Any] = {"total_size": total_size, "total_count": total_count}
    if version_of(request) >= SUMMARY_METADATA:
        summary["metadata"] = {k: sorted(v) for k, v in sorted(metadata.items())}
    return json_response({"volume-summary": summary})


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
