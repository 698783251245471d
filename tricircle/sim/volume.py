"""Simulated Cinder v3 for one pod: volumes, enough for booting from and attaching them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tricircle.sim.http import (
    Microversions,
    SimError,
    base_url,
    isotime,
    json_response,
    new_id,
    next_link,
    now,
    page_after,
    parse_limit,
    public,
    read_json,
    sort_items,
    version_str,
)
from tricircle.sim.service import Service, ctx, pod_of, render_fault

MICROVERSIONS = Microversions("volume", (3, 0), (3, 70))
MAX_LIMIT = 1000


@dataclass
class Volume:
    id: str
    name: str | None
    project_id: str
    user_id: str
    size: int
    availability_zone: str
    status: str = "creating"
    description: str | None = None
    volume_type: str = "__DEFAULT__"
    bootable: bool = False
    image_id: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    created_at: float = field(default_factory=now)
    updated_at: float = field(default_factory=now)

    def view(self, base: str, detail: bool) -> dict[str, Any]:
        links = [
            {"rel": "self", "href": f"{base}/volumes/{self.id}"},
            {"rel": "bookmark", "href": f"{base}/volumes/{self.id}"},
        ]
        body: dict[str, Any] = {"id": self.id, "name": self.name, "links": links}
        if not detail:
            return body
        body.update(
            {
                "status": self.status,
                "size": self.size,
                "availability_zone": self.availability_zone,
                "created_at": isotime(self.created_at),
                "updated_at": isotime(self.updated_at),
                "description": self.description,
                "volume_type": self.volume_type,
                "snapshot_id": None,
                "source_volid": None,
                "metadata": dict(self.metadata),
                "bootable": str(self.bootable).lower(),
                "encrypted": False,
                "multiattach": False,
                "replication_status": None,
                "consistencygroup_id": None,
                "user_id": self.user_id,
                "attachments": list(self.attachments),
                "os-vol-tenant-attr:tenant_id": self.project_id,
            }
        )
        if self.image_id:
            body["volume_image_metadata"] = {"image_id": self.image_id}
        return body


@dataclass
class VolumeState:
    az: str
    volumes: dict[str, Volume] = field(default_factory=dict)

    def attach(self, volume_id: str, server_id: str, device: str) -> None:
        volume = self.volumes[volume_id]
        volume.status = "in-use"
        volume.attachments = [
            {
                "id": volume_id,
                "attachment_id": new_id(),
                "volume_id": volume_id,
                "server_id": server_id,
                "device": device,
                "attached_at": isotime(now()),
                "host_name": None,
            }
        ]
        volume.updated_at = now()

    def detach(self, volume_id: str) -> None:
        volume = self.volumes.get(volume_id)
        if volume is not None:
            volume.status = "available"
            volume.attachments = []
            volume.updated_at = now()


def _base(request: web.Request) -> str:
    return f"{base_url(request)}/volume/v3/{ctx(request).project_id}"


def _get(request: web.Request) -> Volume:
    volume_id = request.match_info["volume_id"]
    volume = pod_of(request).volume.volumes.get(volume_id)
    context = ctx(request)
    if volume is None or (volume.project_id != context.project_id and not context.is_admin):
        raise SimError(404, f"Volume {volume_id} could not be found.")
    return volume


_SORT: dict[str, Callable[[Volume], Any]] = {
    "created_at": lambda v: v.created_at,
    "updated_at": lambda v: v.updated_at,
    "name": lambda v: v.name,
    "size": lambda v: v.size,
    "status": lambda v: v.status,
    "id": lambda v: v.id,
    "availability_zone": lambda v: v.availability_zone,
}


async def list_volumes(request: web.Request) -> web.Response:
    detail = request.path.endswith("/detail")
    q = request.rel_url.query
    context = ctx(request)
    state = pod_of(request).volume
    all_tenants = context.is_admin and q.get("all_tenants") not in (None, "0", "false")
    volumes = [
        v for v in state.volumes.values() if all_tenants or v.project_id == context.project_id
    ]
    for attr in ("name", "status", "availability_zone", "bootable"):
        if attr in q:
            volumes = [v for v in volumes if str(v.view("", True)[attr]) == q[attr]]
    keys: list[tuple[Callable[[Volume], Any], bool]] = []
    for part in q.get("sort", "created_at:desc").split(","):
        key, _, direction = part.partition(":")
        if key not in _SORT:
            raise SimError(400, f"Invalid input received: Invalid sort key {key}")
        keys.append((_SORT[key], (direction or "desc") == "desc"))
    keys.append((_SORT["id"], keys[0][1]))
    ordered = sort_items(volumes, keys)
    limit = parse_limit(q.get("limit"), MAX_LIMIT)
    marker = None
    if "marker" in q:
        marker = state.volumes.get(q["marker"])
        if marker is None:
            raise SimError(404, f"Marker {q['marker']} could not be found.")
    page = page_after(ordered, marker, limit, keys)
    body: dict[str, Any] = {"volumes": [v.view(_base(request), detail) for v in page]}
    if page and len(page) == limit and "limit" in q:
        body["volumes_links"] = [{"rel": "next", "href": next_link(request, page[-1].id, limit)}]
    return json_response(body)


async def show_volume(request: web.Request) -> web.Response:
    return json_response({"volume": _get(request).view(_base(request), True)})


async def create_volume(request: web.Request) -> web.Response:
    pod = pod_of(request)
    context = ctx(request)
    body = await read_json(request, "Malformed request body")
    spec = body.get("volume") if isinstance(body, dict) else None
    if not isinstance(spec, dict):
        raise SimError(400, "Missing required element 'volume' in request body.")
    size = spec.get("size")
    try:
        size = int(size)
    except (TypeError, ValueError):
        raise SimError(
            400,
            f"Invalid input for field/attribute size. Value: {size}. "
            f"{size!r} is not of type 'integer', 'string'",
        ) from None
    if size < 1:
        raise SimError(
            400,
            f"Invalid input for field/attribute size. Value: {size}. "
            f"{size} is less than the minimum of 1",
        )
    az = spec.get("availability_zone") or pod.volume.az
    if az != pod.volume.az:
        raise SimError(400, f"Invalid input received: Availability zone '{az}' is invalid.")
    image_id = spec.get("imageRef")
    if image_id and pod.image.visible(image_id, context) is None:
        raise SimError(400, "Invalid image identifier or unable to access requested image.")
    volume = Volume(
        new_id(),
        spec.get("name"),
        context.project_id or "",
        context.user_id,
        size,
        az,
        description=spec.get("description"),
        volume_type=spec.get("volume_type") or "__DEFAULT__",
        bootable=bool(image_id),
        image_id=image_id,
        metadata=dict(spec.get("metadata") or {}),
    )
    pod.volume.volumes[volume.id] = volume

    def ready() -> None:
        if volume.status == "creating":
            volume.status = "available"
            volume.updated_at = now()

    pod.later(pod.boot_delay, ready)
    return json_response({"volume": volume.view(_base(request), True)}, 202)


async def delete_volume(request: web.Request) -> web.Response:
    pod = pod_of(request)
    volume = _get(request)
    if (
        volume.status
        not in ("available", "error", "error_restoring", "error_extending", "error_managing")
        or volume.attachments
    ):
        raise SimError(
            400,
            "Invalid volume: Volume status must be available or error or "
            "error_restoring or error_extending or error_managing and must not "
            "be migrating, attached, belong to a group, have snapshots, "
            "awaiting a transfer, or be disassociated from snapshots after "
            "volume transfer.",
        )
    volume.status = "deleting"
    pod.later(pod.boot_delay, lambda: pod.volume.volumes.pop(volume.id, None))
    return web.Response(status=202)


def _version_doc(request: web.Request) -> dict[str, Any]:
    return {
        "id": "v3.0",
        "status": "CURRENT",
        "version": version_str(MICROVERSIONS.max),
        "min_version": version_str(MICROVERSIONS.min),
        "updated": "2023-08-31T00:00:00Z",
        "links": [{"rel": "self", "href": f"{base_url(request)}/volume/v3/"}],
        "media-types": [
            {"base": "application/json", "type": "application/vnd.openstack.volume+json;version=3"}
        ],
    }


@public
async def versions(request: web.Request) -> web.Response:
    return json_response({"versions": [_version_doc(request)]}, 300)


@public
async def version(request: web.Request) -> web.Response:
    return json_response({"versions": [_version_doc(request)]})


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/volume", versions)
    router.add_get("/volume/", versions)
    router.add_get("/volume/v3", version)
    router.add_get("/volume/v3/", version)
    # Both URL forms: with the project id (classic catalogs) and without (3.67+).
    for base in ("/volume/v3/volumes", "/volume/v3/{project_id}/volumes"):
        router.add_get(base, list_volumes)
        router.add_get(f"{base}/detail", list_volumes)
        router.add_post(base, create_volume)
        router.add_get(f"{base}/{{volume_id}}", show_volume)
        router.add_delete(f"{base}/{{volume_id}}", delete_volume)


SERVICE = Service("volume", render_fault, MICROVERSIONS, add_routes)
